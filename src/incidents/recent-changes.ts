/**
 * "What changed" for a new incident: the admin events (upgrades, admin/owner/role changes, pauses)
 * on the bridge's contracts in the 24 h before detection, as timeline entries, and — when the
 * runbook says so — the "roll back first" recommendation (the seeds' rollback vs fix-forward rule).
 */
import { formatDuration } from '../core/duration.ts';
import type { TimelineEntry } from '../core/types.ts';
import type { Config } from '../config/types.ts';
import type { Db } from '../store/store.ts';

export const RECENT_CHANGE_WINDOW_SECONDS = 24 * 3600;

export interface AdminChange {
  chain: string;
  address: string;
  event: string;
  args: Record<string, unknown>;
  blockNumber: number;
  blockTimestamp: number;
  txHash: string;
}

/** The contracts of a bridge, per chain (lower-case). */
function bridgeContracts(config: Config, bridgeId: string): Array<{ chain: string; address: string }> {
  const bridge = config.bridges.find((b) => b.id === bridgeId);
  if (!bridge) return [];
  const out = [
    { chain: bridge.source.chain, address: bridge.source.address.toLowerCase() },
    { chain: bridge.destination.chain, address: bridge.destination.address.toLowerCase() },
  ];
  if (bridge.pausable) out.push({ chain: bridge.source.chain, address: bridge.pausable.toLowerCase() });
  for (const governor of config.governance.rollbackGovernors) {
    for (const entry of governor.rollbacks) if (entry.bridge === bridgeId) out.push({ chain: governor.chain, address: entry.proxy.toLowerCase() });
  }
  return out;
}

/** Admin events on the bridge's contracts with chain time in [detectedAt − 24 h, detectedAt]. */
export async function recentChanges(db: Db, config: Config, bridgeId: string, detectedAtSeconds: number): Promise<AdminChange[]> {
  const contracts = bridgeContracts(config, bridgeId);
  if (contracts.length === 0) return [];
  const rows = await db
    .selectFrom('admin_events')
    .selectAll()
    .where((eb) => eb.or(contracts.map((c) => eb.and([eb('chain', '=', c.chain), eb('address', '=', c.address)]))))
    .where('block_timestamp', '>=', detectedAtSeconds - RECENT_CHANGE_WINDOW_SECONDS)
    .where('block_timestamp', '<=', detectedAtSeconds)
    .orderBy('block_timestamp')
    .orderBy('log_index')
    .execute();
  return rows.map((row) => ({
    chain: row.chain,
    address: row.address,
    event: row.event,
    args: (typeof row.args === 'string' ? JSON.parse(row.args) : row.args) as Record<string, unknown>,
    blockNumber: Number(row.block_number),
    blockTimestamp: Number(row.block_timestamp),
    txHash: row.tx_hash,
  }));
}

function describeArgs(args: Record<string, unknown>): string {
  return Object.entries(args)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
}

/** Timeline entries for the changes, then the runbook's advice when there are any. */
export function recentChangeEntries(changes: AdminChange[], detectedAtSeconds: number, advice: string | null, at: Date): TimelineEntry[] {
  const now = at.toISOString();
  const entries: TimelineEntry[] = changes.map((change) => ({
    at: now,
    kind: 'admin_change',
    actor: 'firebreak',
    text: `${change.event} on ${change.chain} ${change.address} ${formatDuration((detectedAtSeconds - change.blockTimestamp) * 1000)} before detection${
      Object.keys(change.args).length ? ` (${describeArgs(change.args)})` : ''
    }, tx ${change.txHash}`,
    data: { ...change },
  }));
  if (changes.length > 0 && advice) {
    entries.push({
      at: now,
      kind: 'recommendation',
      actor: 'firebreak',
      text: advice,
      data: { rule: 'roll-back-first', changes: changes.map((c) => `${c.chain}:${c.txHash}`) },
    });
  }
  return entries;
}

function changeId(data: unknown): string {
  const d = (data ?? {}) as Partial<AdminChange>;
  return `${d.chain}:${d.txHash}:${d.event}:${d.blockNumber}`;
}

/** Entries for changes not yet on the incident's timeline (a change made while it is open). */
export function unrecordedChangeEntries(
  timeline: TimelineEntry[],
  changes: AdminChange[],
  readingAtSeconds: number,
  advice: string | null,
  at: Date,
): TimelineEntry[] {
  const known = new Set(timeline.filter((e) => e.kind === 'admin_change').map((e) => changeId(e.data)));
  const fresh = changes.filter((c) => !known.has(changeId(c)));
  if (fresh.length === 0) return [];
  const advised = timeline.some((e) => e.kind === 'recommendation' && (e.data as { rule?: string } | undefined)?.rule === 'roll-back-first');
  return recentChangeEntries(fresh, readingAtSeconds, advised ? null : advice, at).map((e) =>
    e.kind === 'admin_change' ? { ...e, text: e.text.replace(/ before detection/, ' before this reading') } : e,
  );
}
