/**
 * A bridge's verdict from its pending transfers (pure): age in chain time, stuck after
 * `stuckAfter`, value = amount / 10^decimals × price, `lockedUsd` over stuck transfers, unpriced
 * transfers counted and never valued as 0, severity from the policy (SPEC §3).
 */
import { type SeverityPolicy, evaluateSeverity } from './severity.ts';
import type { Severity } from './types.ts';

export interface PendingTransfer {
  /** as the source event spells it */
  id: string;
  sourceTx: string;
  /** lower-case token address, null when the event has no token field */
  token: string | null;
  amount: bigint;
  /** deposit block timestamp, seconds */
  blockTimestamp: number;
}

/** How a token is valued right now; `priceUsd: null` = unpriced, with the reason. */
export interface TokenPrice {
  symbol: string;
  decimals: number;
  priceUsd: number | null;
  reason?: string;
}

export interface TransferView {
  id: string;
  sourceTx: string;
  token: string | null;
  symbol: string | null;
  amount: string;
  valueUsd: number | null;
  ageSeconds: number;
  stuck: boolean;
}

export interface BridgeVerdict {
  pending: number;
  stuck: number;
  lockedUsd: number;
  oldestStuckSeconds: number;
  /** stuck transfers without a usable price (not included in lockedUsd) */
  unpriced: number;
  severity: Severity | null;
  transfers: TransferView[];
  warnings: string[];
}

export interface VerdictInput {
  stuckAfterMs: number;
  /** the source chain's confirmed head timestamp, seconds */
  chainTime: number;
  pending: PendingTransfer[];
  /** undefined: no config for the token and no defaultToken */
  priceOf(token: string | null): TokenPrice | undefined;
  policy: SeverityPolicy;
  /** the destination chain is halted (only counts while transfers are pending) */
  destinationHalted: boolean;
}

/** amount / 10^decimals without going through a float for the integer part */
export function tokenUnits(amount: bigint, decimals: number): number {
  if (decimals === 0) return Number(amount);
  const scale = 10n ** BigInt(decimals);
  const whole = amount / scale;
  const fraction = amount % scale;
  return Number(whole) + Number(fraction) / Number(scale);
}

export function roundUsd(value: number): number {
  return Math.round(value * 100) / 100;
}

export function bridgeVerdict(input: VerdictInput): BridgeVerdict {
  const warnings = new Set<string>();
  const transfers: TransferView[] = [];
  let stuck = 0;
  let locked = 0;
  let oldest = 0;
  let unpriced = 0;
  const stuckAfterSeconds = input.stuckAfterMs / 1000;
  for (const transfer of input.pending) {
    const ageSeconds = Math.max(0, input.chainTime - transfer.blockTimestamp);
    const isStuck = ageSeconds > stuckAfterSeconds;
    const price = input.priceOf(transfer.token);
    const valueUsd =
      price && price.priceUsd !== null ? roundUsd(tokenUnits(transfer.amount, price.decimals) * price.priceUsd) : null;
    if (price?.reason) warnings.add(price.reason);
    if (!price) warnings.add(`token ${transfer.token ?? '(none)'} has no price config and there is no defaultToken`);
    if (isStuck) {
      stuck++;
      oldest = Math.max(oldest, ageSeconds);
      if (valueUsd === null) unpriced++;
      else locked += valueUsd;
    }
    transfers.push({
      id: transfer.id,
      sourceTx: transfer.sourceTx,
      token: transfer.token,
      symbol: price?.symbol ?? null,
      amount: transfer.amount.toString(),
      valueUsd,
      ageSeconds,
      stuck: isStuck,
    });
  }
  const lockedUsd = roundUsd(locked);
  const severity = evaluateSeverity(input.policy, {
    lockedUsd,
    stuckTransfers: stuck,
    oldestStuckMs: oldest * 1000,
    halted: input.destinationHalted && input.pending.length > 0,
  });
  return {
    pending: input.pending.length,
    stuck,
    lockedUsd,
    oldestStuckSeconds: oldest,
    unpriced,
    severity,
    transfers,
    warnings: [...warnings],
  };
}
