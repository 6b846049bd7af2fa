/**
 * The bridge watcher's judgement: pending transfers from the store, valued and aged against the
 * source chain's confirmed head. Only called once both chains are read to their confirmed heads
 * (SPEC §3: no verdict mid-backfill). The store aggregates the pending transfers; only the counts,
 * sums and the oldest few transfers come back, however many are pending.
 */
import { type BridgeVerdict, type TokenPrice, bridgeVerdict, stuckCutoff } from '../core/valuation.ts';
import type { SeverityPolicy } from '../core/severity.ts';
import type { BridgeConfig } from '../config/types.ts';
import { pendingSummary } from '../store/pending.ts';
import type { Db } from '../store/store.ts';
import type { BackingJudgement } from './exploit/backing.ts';
import { judgeOutflows, type OutflowJudgement } from './exploit/outflow.ts';
import { judgeUnbacked, type UnbackedJudgement } from './exploit/unbacked.ts';

/** Transfers a watcher judgement lists one by one (the dashboard shows the 50 oldest stuck). */
export const LISTED_TRANSFERS = 1_000;

export interface BridgeJudgement extends BridgeVerdict {
  id: string;
  name: string;
  /** source chain confirmed head timestamp the ages were measured against */
  chainTime: number;
  destinationHalted: boolean;
  /** SPEC §11 exploit readings (absent: the signal is off or not configured) */
  unbacked?: UnbackedJudgement;
  outflow?: OutflowJudgement[];
  /** outflow limits (by index) left out of this judgement: their source is still backfilling */
  outflowUnread?: number[];
  backing?: BackingJudgement[];
}

export interface JudgeInput {
  bridge: BridgeConfig;
  policy: SeverityPolicy;
  /** source chain's confirmed head timestamp, seconds */
  sourceChainTime: number;
  destinationHalted: boolean;
  priceOf(token: string | null): TokenPrice | undefined;
  /** how many of the oldest pending transfers to list (default LISTED_TRANSFERS; `scan` lists all) */
  list?: number | 'all';
  /** SPEC §11: the origin a release must claim (watchers/exploit/unbacked.ts watchedOriginOf) */
  watchedOrigin?: string | null;
  /** confirmed head timestamps of other chains (outflow limits on the destination chain) */
  chainTime?(chain: string): number | undefined;
  /** whether a limit's source is read to its chain's confirmed head (default: all are; `scan` reads everything) */
  outflowRead?(index: number): boolean;
}

export async function judgeBridge(db: Db, input: JudgeInput): Promise<BridgeJudgement> {
  const { bridge } = input;
  const pending = await pendingSummary(db, {
    bridge: bridge.id,
    stuckCutoff: stuckCutoff(input.sourceChainTime, bridge.stuckAfterMs),
    list: input.list ?? LISTED_TRANSFERS,
    chainTime: input.sourceChainTime,
  });
  const verdict = bridgeVerdict({
    stuckAfterMs: bridge.stuckAfterMs,
    chainTime: input.sourceChainTime,
    pending,
    priceOf: input.priceOf,
    policy: input.policy,
    destinationHalted: input.destinationHalted,
  });
  const unbacked = await judgeUnbacked(db, {
    bridge,
    sourceChainTime: input.sourceChainTime,
    watchedOrigin: input.watchedOrigin ?? null,
    priceOf: input.priceOf,
    list: input.list === 'all' ? undefined : input.list,
  });
  const chainTime = (chain: string) => (chain === bridge.source.chain ? input.sourceChainTime : input.chainTime?.(chain));
  // asked once: the judgement says which limits it left out, and those are the ones it skipped
  const outflowUnread = (bridge.limits ?? []).flatMap((_, index) => (input.outflowRead && !input.outflowRead(index) ? [index] : []));
  const outflow = bridge.limits?.length ? await judgeOutflows(db, bridge, chainTime, input.priceOf, (index) => !outflowUnread.includes(index)) : undefined;
  return {
    id: bridge.id,
    name: bridge.name,
    chainTime: input.sourceChainTime,
    destinationHalted: input.destinationHalted && verdict.pending > 0,
    ...verdict,
    ...(unbacked ? { unbacked } : {}),
    ...(outflow ? { outflow } : {}),
    ...(outflowUnread.length > 0 ? { outflowUnread } : {}),
  };
}

/** Halted: the RPCs answer but the head has not moved for `haltedAfter` (wall clock). */
export function isHalted(headTimestamp: number, haltedAfterMs: number, nowMs: number): boolean {
  return nowMs - headTimestamp * 1000 > haltedAfterMs;
}
