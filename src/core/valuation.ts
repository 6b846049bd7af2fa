/**
 * A bridge's verdict from its pending transfers (pure): age in chain time, stuck after
 * `stuckAfter`, value = amount / 10^decimals × price, `lockedUsd` over stuck transfers, unpriced
 * transfers counted and never valued as 0, severity from the policy (SPEC §3).
 *
 * The verdict works on per-token aggregates (counts, exact amount sums, oldest timestamps) plus the
 * few transfers shown one by one, so its cost does not grow with the number pending: the store
 * computes the aggregates (src/store/pending.ts), `summarizePending` computes the same from a list.
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

/** The pending transfers of one token, aggregated. */
export interface TokenPending {
  token: string | null;
  pending: number;
  /** pending transfers with blockTimestamp <= the stuck cutoff */
  stuck: number;
  /** exact sum of the stuck transfers' amounts */
  stuckAmount: bigint;
  /** earliest deposit timestamp among the stuck ones (seconds); null when none is stuck */
  oldestStuckTimestamp: number | null;
}

export interface PendingSummary {
  /** one entry per token, in the order each token first appears among the pending transfers (oldest first) */
  tokens: TokenPending[];
  /** the transfers listed one by one: the oldest pending ones, oldest first */
  listed: PendingTransfer[];
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
  pending: PendingSummary;
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

/**
 * The latest deposit timestamp that counts as stuck: age = chainTime − timestamp (whole seconds)
 * is stuck when > stuckAfter, i.e. when ≥ ⌊stuckAfter⌋ + 1. An integer, so SQL and JS agree.
 */
export function stuckCutoff(chainTime: number, stuckAfterMs: number): number {
  return chainTime - Math.max(0, Math.floor(stuckAfterMs / 1000)) - 1;
}

/** The aggregates of `bridgeVerdict` from a plain list (oldest first), listing the first `listLimit`. */
export function summarizePending(transfers: PendingTransfer[], cutoff: number, listLimit = Number.POSITIVE_INFINITY): PendingSummary {
  const tokens = new Map<string | null, TokenPending>();
  for (const transfer of transfers) {
    let entry = tokens.get(transfer.token);
    if (!entry) tokens.set(transfer.token, (entry = { token: transfer.token, pending: 0, stuck: 0, stuckAmount: 0n, oldestStuckTimestamp: null }));
    entry.pending++;
    if (transfer.blockTimestamp <= cutoff) {
      entry.stuck++;
      entry.stuckAmount += transfer.amount;
      entry.oldestStuckTimestamp = Math.min(entry.oldestStuckTimestamp ?? transfer.blockTimestamp, transfer.blockTimestamp);
    }
  }
  return { tokens: [...tokens.values()], listed: transfers.slice(0, listLimit) };
}

function valueUsd(amount: bigint, price: TokenPrice | undefined): number | null {
  return price && price.priceUsd !== null ? tokenUnits(amount, price.decimals) * price.priceUsd : null;
}

export function bridgeVerdict(input: VerdictInput): BridgeVerdict {
  const warnings = new Set<string>();
  const cutoff = stuckCutoff(input.chainTime, input.stuckAfterMs);
  let pending = 0;
  let stuck = 0;
  let locked = 0;
  let oldest = 0;
  let unpriced = 0;
  for (const entry of input.pending.tokens) {
    const price = input.priceOf(entry.token);
    if (price?.reason) warnings.add(price.reason);
    if (!price) warnings.add(`token ${entry.token ?? '(none)'} has no price config and there is no defaultToken`);
    pending += entry.pending;
    if (entry.stuck === 0) continue;
    stuck += entry.stuck;
    // the exact sum of the amounts, valued once: no per-transfer rounding summed up
    const value = valueUsd(entry.stuckAmount, price);
    if (value === null) unpriced += entry.stuck;
    else locked += value;
    if (entry.oldestStuckTimestamp !== null) oldest = Math.max(oldest, input.chainTime - entry.oldestStuckTimestamp);
  }
  const transfers = input.pending.listed.map((transfer): TransferView => {
    const price = input.priceOf(transfer.token);
    const value = valueUsd(transfer.amount, price);
    return {
      id: transfer.id,
      sourceTx: transfer.sourceTx,
      token: transfer.token,
      symbol: price?.symbol ?? null,
      amount: transfer.amount.toString(),
      valueUsd: value === null ? null : roundUsd(value),
      ageSeconds: Math.max(0, input.chainTime - transfer.blockTimestamp),
      stuck: transfer.blockTimestamp <= cutoff,
    };
  });
  const lockedUsd = roundUsd(locked);
  const severity = evaluateSeverity(input.policy, {
    lockedUsd,
    stuckTransfers: stuck,
    oldestStuckMs: oldest * 1000,
    halted: input.destinationHalted && pending > 0,
  });
  return { pending, stuck, lockedUsd, oldestStuckSeconds: oldest, unpriced, severity, transfers, warnings: [...warnings] };
}
