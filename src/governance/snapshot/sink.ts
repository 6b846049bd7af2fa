/**
 * Plans the Snapshot proposal of an incident: when a `severity-reached` effect reaches
 * `governance.snapshot.minSeverity` and the incident's runbook has `actions.snapshotProposal`, one
 * `snapshot:proposal` row keyed `<incident>:proposal` (so once per incident, whatever comes later).
 * The proposal itself is drafted at delivery, when the pause (if any) is known.
 */
import type { Logger } from '../../core/log.ts';
import { atLeast } from '../../core/severity.ts';
import type { Config } from '../../config/types.ts';
import type { EffectSink } from '../../store/effects.ts';
import { enqueue } from '../../store/outbox.ts';
import { runbookFor } from '../policy.ts';

export const PROPOSAL_CHANNEL = 'snapshot:proposal';

export interface ProposalPayload {
  incidentId: string;
  space: string;
  dryRun: boolean;
  /** a follow-up asking to ratify a pause fired after the first proposal went out */
  ratify?: boolean;
  summary: string;
}

export function proposalKey(incidentId: string, ratify = false): string {
  return ratify ? `${incidentId}:proposal:ratify` : `${incidentId}:proposal`;
}

export function createProposalSink(deps: { config: Config; logger: Logger }): EffectSink {
  return {
    name: 'governance',
    async plan(trx, effect, incident, now) {
      if (effect.type !== 'severity-reached') return;
      const snapshot = deps.config.governance.snapshot;
      if (!snapshot || !atLeast(effect.severity, snapshot.minSeverity)) return;
      const runbook = runbookFor(deps.config, incident);
      if (!runbook?.actions.snapshotProposal) return;
      const payload: ProposalPayload = {
        incidentId: incident.id,
        space: snapshot.space,
        dryRun: runbook.actions.dryRun,
        summary: `Snapshot proposal in ${snapshot.space} for ${incident.id} (${effect.severity})`,
      };
      const queued = await enqueue(trx, [{ key: proposalKey(incident.id), incidentId: incident.id, channel: PROPOSAL_CHANNEL, kind: 'proposal', payload }], now);
      if (queued.length > 0) deps.logger.info({ incident: incident.id, severity: effect.severity }, 'snapshot proposal planned');
    },
  };
}
