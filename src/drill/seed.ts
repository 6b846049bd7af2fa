/**
 * The product's seed case as chain traffic: 37 transfers stuck for 12 hours with $40,000 locked
 * across USDC (6 decimals) and WETH (18 decimals), next to 50 completed transfers and 5 fresh ones
 * that are pending but not stuck yet.
 */
import type { Hex } from 'viem';
import { DRILL_TOKENS, type DrillBridge, type DrillTransfer, transferIdFor } from './bridge.ts';

export const SEED = {
  stuck: 37,
  lockedUsd: 40_000,
  stuckForSeconds: 12 * 3600,
  completed: 50,
  fresh: 5,
} as const;

/** 25 × 600 USDC = $15,000 and 10 × 1 WETH + 2 × 1.25 WETH = 12.5 WETH × $2,000 = $25,000 */
export function stuckTransfers(seed = 'stuck'): DrillTransfer[] {
  const out: DrillTransfer[] = [];
  for (let i = 0; i < 25; i++) out.push({ id: transferIdFor(seed, i), token: DRILL_TOKENS.usdc.address, amount: 600n * 10n ** 6n });
  for (let i = 25; i < 37; i++) {
    const amount = i < 35 ? 10n ** 18n : 125n * 10n ** 16n;
    out.push({ id: transferIdFor(seed, i), token: DRILL_TOKENS.weth.address, amount });
  }
  return out;
}

export function routineTransfers(seed: string, count: number): DrillTransfer[] {
  return Array.from({ length: count }, (_, i) => ({
    id: transferIdFor(seed, i),
    token: i % 2 === 0 ? DRILL_TOKENS.usdc.address : DRILL_TOKENS.weth.address,
    amount: i % 2 === 0 ? BigInt(100 + i) * 10n ** 6n : 10n ** 17n,
  }));
}

export interface SeededTraffic {
  stuck: DrillTransfer[];
  completed: DrillTransfer[];
  fresh: DrillTransfer[];
}

/**
 * Deposits now, finalizes the routine ones, moves both chains 12 h on, adds fresh deposits and
 * mines `confirmations` blocks so that everything is confirmed.
 */
export async function seedStuckBridge(bridge: DrillBridge, confirmations: number): Promise<SeededTraffic> {
  const stuck = stuckTransfers();
  const completed = routineTransfers('completed', SEED.completed);
  const fresh = routineTransfers('fresh', SEED.fresh);
  await bridge.deposit([...completed, ...stuck]);
  await bridge.finalize(completed.map((t) => t.id));
  await Promise.all([bridge.source.advance(SEED.stuckForSeconds), bridge.destination.advance(SEED.stuckForSeconds)]);
  await bridge.setWethPrice(DRILL_TOKENS.weth.priceUsd);
  await bridge.deposit(fresh);
  await Promise.all([bridge.source.mine(confirmations), bridge.destination.mine(confirmations)]);
  return { stuck, completed, fresh };
}

export async function finalizeAll(bridge: DrillBridge, ids: Hex[], confirmations: number): Promise<void> {
  await bridge.finalize(ids);
  await bridge.destination.mine(confirmations);
}
