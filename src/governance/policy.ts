/**
 * Which incidents may trigger governance actions. Pure: the sinks call these with the incident and
 * the config, inside the incident's transaction.
 *
 * Auto-pause acts only on the watchers' own readings of a bridge (`bridge:<id>:stuck` and the
 * exploit signals `bridge:<id>:unbacked|outflow|backing`, source `watcher`): never on an inbound alert (`alert:*`, which anyone holding a routing key can send),
 * never on a manual declaration, never on a halted or unobservable chain alone.
 */
import { keccak256, toBytes, type Address, type Hex } from 'viem';
import { EXPLOIT_KEY } from '../core/exploit.ts';
import { atLeast, evaluateSeverity } from '../core/severity.ts';
import type { Incident, Severity } from '../core/types.ts';
import type { Config, RollbackGovernorConfig } from '../config/types.ts';
import type { Runbook } from '../config/playbooks.ts';

/** the watchers' own bridge readings: stuck transfers and the exploit signals (SPEC §11) */
const BRIDGE_KEY = /^bridge:([a-z0-9-]+):(stuck|unbacked|outflow|backing)$/;

/** keccak256 of the incident id's UTF-8 bytes: the `incidentId` argument of `pause`. */
export function incidentIdHash(incidentId: string): Hex {
  return keccak256(toBytes(incidentId));
}

/** The bridge a watcher incident is about, or null for anything else (alerts, chains, manual). */
export function watcherBridgeOf(incident: Incident): string | null {
  if (incident.source !== 'watcher') return null;
  const match = BRIDGE_KEY.exec(incident.key);
  return match ? match[1]! : null;
}

export function runbookFor(config: Config, incident: Incident): Runbook | undefined {
  if (EXPLOIT_KEY.test(incident.key)) return config.playbooks.runbooks['bridge-exploit'];
  if (incident.key.startsWith('bridge:')) return config.playbooks.runbooks['bridge-stuck'];
  if (incident.key.startsWith('alert:')) return config.playbooks.runbooks.alert;
  if (incident.key.startsWith('manual:')) return config.playbooks.runbooks.manual;
  if (/^chain:.*:halted$/.test(incident.key)) return config.playbooks.runbooks['chain-halted'];
  if (/^chain:.*:unobservable$/.test(incident.key)) return config.playbooks.runbooks['chain-unobservable'];
  return config.playbooks.runbooks['monitor-down'];
}

export interface PausePlan {
  chain: string;
  governor: Address;
  target: Address;
  bridge: string;
  incidentIdHash: Hex;
  dryRun: boolean;
  /** the autoPause entry's threshold that was reached */
  minSeverity: Severity;
}

/** The pauses this incident asks for at `severity` (empty when it asks for none). */
export function pausesFor(config: Config, incident: Incident, severity: Severity): PausePlan[] {
  const bridgeId = watcherBridgeOf(incident);
  if (!bridgeId) return [];
  const bridge = config.bridges.find((b) => b.id === bridgeId);
  if (!bridge?.pausable) return [];
  const runbook = runbookFor(config, incident);
  if (!runbook?.actions.autoPause) return [];
  // SPEC §8: never on a halted chain alone. The level the stuck transfers reach by themselves
  // (the policy without its `halted` threshold) must meet the entry, not just the incident's level.
  const { impact } = incident;
  // an exploit reading is about value leaving, never about a halted chain: its own level counts
  const withoutHalted = EXPLOIT_KEY.test(incident.key) ? severity : evaluateSeverity(config.severityPolicy, {
    lockedUsd: impact.lockedUsd,
    stuckTransfers: impact.stuckTransfers,
    oldestStuckMs: impact.oldestStuckSeconds * 1000,
    halted: false,
  });
  const plans: PausePlan[] = [];
  for (const governor of config.governance.rollbackGovernors) {
    for (const entry of governor.autoPause) {
      if (entry.bridge !== bridgeId || !atLeast(severity, entry.minSeverity)) continue;
      if (!atLeast(withoutHalted, entry.minSeverity)) continue;
      plans.push({
        chain: governor.chain,
        governor: governor.address,
        target: bridge.pausable,
        bridge: bridgeId,
        incidentIdHash: incidentIdHash(incident.id),
        dryRun: runbook.actions.dryRun,
        minSeverity: entry.minSeverity,
      });
    }
  }
  return plans;
}

/** The configured governor at (chain, address): where the deliverer finds the guardian key. */
export function governorConfig(config: Config, chain: string, address: string): RollbackGovernorConfig | undefined {
  return config.governance.rollbackGovernors.find((g) => g.chain === chain && g.address.toLowerCase() === address.toLowerCase());
}
