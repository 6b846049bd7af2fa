/**
 * The feature modules `firebreak start` (and the drill, which runs the same service) plugs into the
 * service. Each entry is a factory from its own module; the composition root calls them in order.
 */
import type { Config } from '../config/types.ts';
import { createCommsIntegration } from '../comms/integration.ts';
import { createGovernanceIntegration } from '../governance/integration.ts';
import { createMirrorIntegration } from '../mirror/integration.ts';
import { createForumIntegration } from '../postmortem/forum.ts';
import type { IntegrationFactory } from './service.ts';

export function defaultIntegrations(_config: Config): IntegrationFactory[] {
  return [
    // comms, mirror, governance, postmortem: one line each
    createCommsIntegration,
    createMirrorIntegration,
    createGovernanceIntegration,
    // the anchored postmortem as a Discourse topic (with `forum:` configured)
    createForumIntegration,
  ];
}
