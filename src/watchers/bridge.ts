/**
 * The bridge watcher's judgement: pending transfers from the store, valued and aged against the
 * source chain's confirmed head. Only called once both chains are read to their confirmed heads
 * (SPEC §3: no verdict mid-backfill).
 */
import { type BridgeVerdict, type TokenPrice, bridgeVerdict } from '../core/valuation.ts';
import type { SeverityPolicy } from '../core/severity.ts';
import type { BridgeConfig } from '../config/types.ts';
import { pendingTransfers } from '../store/transfers.ts';
import type { Db } from '../store/store.ts';

export interface BridgeJudgement extends BridgeVerdict {
  id: string;
  name: string;
  /** source chain confirmed head timestamp the ages were measured against */
  chainTime: number;
  destinationHalted: boolean;
}

export interface JudgeInput {
  bridge: BridgeConfig;
  policy: SeverityPolicy;
  /** source chain's confirmed head timestamp, seconds */
  sourceChainTime: number;
  destinationHalted: boolean;
  priceOf(token: string | null): TokenPrice | undefined;
}

export async function judgeBridge(db: Db, input: JudgeInput): Promise<BridgeJudgement> {
  const { bridge } = input;
  const pending = await pendingTransfers(db, bridge.id);
  const verdict = bridgeVerdict({
    stuckAfterMs: bridge.stuckAfterMs,
    chainTime: input.sourceChainTime,
    pending: pending.map((row) => ({
      id: row.transferId,
      sourceTx: row.txHash,
      token: row.token,
      amount: row.amount,
      blockTimestamp: row.blockTimestamp,
    })),
    priceOf: input.priceOf,
    policy: input.policy,
    destinationHalted: input.destinationHalted,
  });
  return {
    id: bridge.id,
    name: bridge.name,
    chainTime: input.sourceChainTime,
    destinationHalted: input.destinationHalted && pending.length > 0,
    ...verdict,
  };
}

/** Halted: the RPCs answer but the head has not moved for `haltedAfter` (wall clock). */
export function isHalted(headTimestamp: number, haltedAfterMs: number, nowMs: number): boolean {
  return nowMs - headTimestamp * 1000 > haltedAfterMs;
}
