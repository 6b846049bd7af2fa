/**
 * Watcher facts → detections for the incident engine. Keys are the dedup keys of SPEC §4.
 */
import { formatDuration } from '../core/duration.ts';
import { formatUsd } from '../core/format.ts';
import type { Detection, Severity } from '../core/types.ts';
import type { BridgeConfig, Config } from '../config/types.ts';
import type { BridgeJudgement } from './bridge.ts';
import type { ChainView } from './service.ts';

/** A halted chain delays every bridge into it; blindness is serious but not a loss. */
export const HALTED_SEVERITY: Severity = 'S1';
export const UNOBSERVABLE_SEVERITY: Severity = 'S2';

function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

export function bridgeDetection(config: Config, bridge: BridgeConfig, judgement: BridgeJudgement): Detection {
  const stuck = judgement.stuck;
  const parts = [`${stuck} transfer${stuck === 1 ? '' : 's'} stuck`, `${formatUsd(judgement.lockedUsd)} locked`];
  if (stuck > 0) parts.push(`oldest ${formatDuration(judgement.oldestStuckSeconds * 1000)}`);
  if (judgement.unpriced > 0) parts.push(`${judgement.unpriced} unpriced`);
  if (judgement.destinationHalted) parts.push(`${bridge.destination.chain} halted`);
  return {
    key: `bridge:${bridge.id}:stuck`,
    source: 'watcher',
    kind: 'bridge-stuck',
    title: fill(config.playbooks.runbooks['bridge-stuck'].title, { bridge: bridge.name }),
    severity: judgement.severity,
    bridgeId: bridge.id,
    observedAt: judgement.chainTime,
    summary: judgement.severity === null && stuck === 0 ? `${bridge.name}: no transfers stuck` : `${bridge.name}: ${parts.join(', ')}`,
    impact: {
      stuckTransfers: stuck,
      lockedUsd: judgement.lockedUsd,
      oldestStuckSeconds: judgement.oldestStuckSeconds,
      bridges: [bridge.id],
      chains: [...new Set([bridge.source.chain, bridge.destination.chain])],
      unpriced: judgement.unpriced,
      pendingTransfers: judgement.pending,
    },
  };
}

export function chainDetections(config: Config, chain: ChainView): Detection[] {
  const impact = { stuckTransfers: 0, lockedUsd: 0, oldestStuckSeconds: 0, bridges: [] as string[], chains: [chain.name] };
  const lag = chain.head ? formatDuration(Math.max(0, Date.now() - chain.head.headTimestamp * 1000)) : 'unknown';
  return [
    {
      key: `chain:${chain.name}:halted`,
      source: 'watcher',
      kind: 'chain-halted',
      title: fill(config.playbooks.runbooks['chain-halted'].title, { chain: chain.name }),
      // unobservable never counts as halted (SPEC §3): with no answers we do not know
      severity: chain.halted && !chain.unobservableSince ? HALTED_SEVERITY : null,
      summary: chain.halted ? `${chain.name}: no new block for ${lag}` : `${chain.name}: producing blocks`,
      impact,
    },
    {
      key: `chain:${chain.name}:unobservable`,
      source: 'monitor',
      kind: 'chain-unobservable',
      title: fill(config.playbooks.runbooks['chain-unobservable'].title, { chain: chain.name }),
      severity: chain.unobservableSince ? UNOBSERVABLE_SEVERITY : null,
      summary: chain.unobservableSince ? `${chain.name}: no RPC endpoint answers (${chain.lastError ?? 'no answer'})` : `${chain.name}: observable`,
      impact,
    },
  ];
}
