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

/** A pending message's state (core/presets/model.ts MessageState without 'delivered'). */
export type PendingState = 'pending' | 'failed-retryable' | 'waiting-for-user' | 'expired';

/** Only these count towards stuck: waiting for a user is not a broken relayer; expired is refunded. */
export function canBeStuck(state: PendingState): boolean {
  return state === 'pending' || state === 'failed-retryable';
}

export interface PendingTransfer {
  /** as the source event spells it */
  id: string;
  sourceTx: string;
  /** lower-case token address, null when the event has no token field */
  token: string | null;
  amount: bigint;
  /** deposit block timestamp, seconds */
  blockTimestamp: number;
  /** ERC-721/1155 token id (decimal); null/absent for fungible tokens */
  tokenId?: string | null;
  /** absent = 'pending' */
  state?: PendingState;
}

/** The pending transfers of one token, aggregated. */
export interface TokenPending {
  token: string | null;
  /** per token id for NFTs (per-tokenId prices); null for fungible tokens */
  tokenId: string | null;
  /** not delivered, not expired (waiting-for-user ones included) */
  pending: number;
  /** pending ones whose next step is a user's */
  waiting: number;
  /** deadline passed without delivery (refunded on the source); not in `pending` */
  expired: number;
  /** a delivery failed and can be retried; counted in pending (and stuck once old) */
  failed: number;
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
  /** per-tokenId prices (NFTs), over priceUsd */
  prices?: Record<string, number>;
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
  /** SPEC §10 lifecycle: pending | failed-retryable | waiting-for-user | expired */
  state?: PendingState;
  tokenId?: string;
}

export interface BridgeVerdict {
  pending: number;
  stuck: number;
  lockedUsd: number;
  oldestStuckSeconds: number;
  /** stuck transfers without a usable price (not included in lockedUsd) */
  unpriced: number;
  /** pending transfers whose next step is a user's (a claim, a proof): shown, never paged */
  waiting: number;
  /** past their deadline without delivery (refunded on the source) */
  expired: number;
  /** deliveries that failed and can be retried (latest event of the message) */
  failed: number;
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
  const tokens = new Map<string, TokenPending>();
  const listed: PendingTransfer[] = [];
  for (const transfer of transfers) {
    const tokenId = transfer.tokenId ?? null;
    const group = `${transfer.token}|${tokenId}`;
    let entry = tokens.get(group);
    if (!entry) {
      tokens.set(group, (entry = { token: transfer.token, tokenId, pending: 0, waiting: 0, expired: 0, failed: 0, stuck: 0, stuckAmount: 0n, oldestStuckTimestamp: null }));
    }
    const state = transfer.state ?? 'pending';
    if (state === 'expired') {
      entry.expired++;
      continue;
    }
    if (listed.length < listLimit) listed.push(transfer);
    entry.pending++;
    if (state === 'waiting-for-user') entry.waiting++;
    if (state === 'failed-retryable') entry.failed++;
    if (canBeStuck(state) && transfer.blockTimestamp <= cutoff) {
      entry.stuck++;
      entry.stuckAmount += transfer.amount;
      entry.oldestStuckTimestamp = Math.min(entry.oldestStuckTimestamp ?? transfer.blockTimestamp, transfer.blockTimestamp);
    }
  }
  return { tokens: [...tokens.values()], listed };
}

/** amount (units; one per ERC-721 item) × the token id's price, else the token's (floor) price */
function valueUsd(amount: bigint, price: TokenPrice | undefined, tokenId: string | null = null): number | null {
  if (!price) return null;
  const each = (tokenId !== null ? price.prices?.[tokenId] : undefined) ?? price.priceUsd;
  return each === null || each === undefined ? null : tokenUnits(amount, price.decimals) * each;
}

export function unknownTokenWarning(token: string | null): string {
  return token === null
    ? 'transfers without a token field and no defaultToken: unpriced'
    : `token ${token} is not in the bridge's tokens: its transfers are unpriced and do not count toward severity`;
}

export function bridgeVerdict(input: VerdictInput): BridgeVerdict {
  const warnings = new Set<string>();
  const cutoff = stuckCutoff(input.chainTime, input.stuckAfterMs);
  let pending = 0;
  let stuck = 0;
  let locked = 0;
  let oldest = 0;
  let unpriced = 0;
  /** stuck transfers of configured tokens (and of events without a token field): what severity counts */
  let counted = 0;
  let countedOldest = 0;
  let waiting = 0;
  let expired = 0;
  let failed = 0;
  for (const entry of input.pending.tokens) {
    waiting += entry.waiting ?? 0;
    expired += entry.expired ?? 0;
    failed += entry.failed ?? 0;
    const price = input.priceOf(entry.token);
    if (price?.reason) warnings.add(price.reason);
    if (!price) warnings.add(unknownTokenWarning(entry.token));
    pending += entry.pending;
    if (entry.stuck === 0) continue;
    stuck += entry.stuck;
    // the exact sum of the amounts, valued once: no per-transfer rounding summed up
    const value = valueUsd(entry.stuckAmount, price, entry.tokenId ?? null);
    if (value === null) unpriced += entry.stuck;
    else locked += value;
    const age = entry.oldestStuckTimestamp === null ? 0 : input.chainTime - entry.oldestStuckTimestamp;
    oldest = Math.max(oldest, age);
    // a token nobody configured is shown, but anyone can deposit one: it never raises a severity
    if (!price && entry.token !== null) continue;
    counted += entry.stuck;
    countedOldest = Math.max(countedOldest, age);
  }
  const transfers = input.pending.listed.map((transfer): TransferView => {
    const price = input.priceOf(transfer.token);
    const value = valueUsd(transfer.amount, price, transfer.tokenId ?? null);
    const state = transfer.state ?? 'pending';
    return {
      id: transfer.id,
      sourceTx: transfer.sourceTx,
      token: transfer.token,
      symbol: price?.symbol ?? null,
      amount: transfer.amount.toString(),
      valueUsd: value === null ? null : roundUsd(value),
      ageSeconds: Math.max(0, input.chainTime - transfer.blockTimestamp),
      stuck: canBeStuck(state) && transfer.blockTimestamp <= cutoff,
      ...(transfer.state ? { state } : {}),
      ...(transfer.tokenId ? { tokenId: transfer.tokenId } : {}),
    };
  });
  const lockedUsd = roundUsd(locked);
  const severity = evaluateSeverity(input.policy, {
    lockedUsd,
    stuckTransfers: counted,
    oldestStuckMs: countedOldest * 1000,
    halted: input.destinationHalted && pending > 0,
  });
  return { pending, stuck, lockedUsd, oldestStuckSeconds: oldest, unpriced, waiting, expired, failed, severity, transfers, warnings: [...warnings] };
}
