import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateSeverity, type SeverityPolicy } from '../../src/core/severity.ts';
import { bridgeVerdict, type PendingTransfer, roundUsd, stuckCutoff, summarizePending, type TokenPrice, tokenUnits, unknownTokenWarning } from '../../src/core/valuation.ts';
import { transferKey } from '../../src/watchers/bridge-sources.ts';

const policy: SeverityPolicy = {
  S0: { lockedUsd: 1_000_000, halted: true },
  S1: { lockedUsd: 100_000, stuckTransfers: 50, oldestStuck: 2 * 3600_000 },
  S2: { lockedUsd: 10_000, stuckTransfers: 5 },
  S3: { stuckTransfers: 1 },
};

const USDC: TokenPrice = { symbol: 'USDC', decimals: 6, priceUsd: 1 };
const WETH: TokenPrice = { symbol: 'WETH', decimals: 18, priceUsd: 2000 };
const prices = new Map<string | null, TokenPrice>([
  ['0xusdc', USDC],
  ['0xweth', WETH],
]);

function transfer(id: number, token: string | null, amount: bigint, blockTimestamp: number): PendingTransfer {
  return { id: String(id), sourceTx: '0xtx', token, amount, blockTimestamp };
}

/** the aggregates the store would compute, from a list (oldest first) */
function summary(transfers: PendingTransfer[], chainTime: number, stuckAfterMs: number, listLimit?: number) {
  return summarizePending(transfers, stuckCutoff(chainTime, stuckAfterMs), listLimit);
}

describe('tokenUnits', () => {
  it('divides by 10^decimals without losing the integer part', () => {
    expect(tokenUnits(1_150_000_000n, 6)).toBe(1150);
    expect(tokenUnits(125n * 10n ** 16n, 18)).toBe(1.25);
    expect(tokenUnits(10n ** 30n, 18)).toBe(1e12);
    expect(tokenUnits(7n, 0)).toBe(7);
  });
});

describe('bridgeVerdict', () => {
  const now = 1_800_000_000;
  it('ages in chain time, counts stuck after stuckAfter, sums value over stuck only', () => {
    const verdict = bridgeVerdict({
      stuckAfterMs: 30 * 60_000,
      chainTime: now,
      pending: summary(
        [
          transfer(1, '0xusdc', 600_000_000n, now - 43_200),
          transfer(2, '0xweth', 10n ** 18n, now - 43_200),
          transfer(3, '0xusdc', 5_000_000n, now - 60), // fresh
          transfer(4, '0xusdc', 1n, now - 1800), // exactly stuckAfter: not yet stuck
        ],
        now,
        30 * 60_000,
      ),
      priceOf: (token) => prices.get(token),
      policy,
      destinationHalted: false,
    });
    expect(verdict).toMatchObject({ pending: 4, stuck: 2, lockedUsd: 2600, oldestStuckSeconds: 43_200, unpriced: 0, severity: 'S1' });
    expect(verdict.transfers.map((t) => t.stuck)).toEqual([true, true, false, false]);
    expect(verdict.transfers[2]!.valueUsd).toBe(5);
  });

  it('counts unpriced transfers as stuck, never as $0, and says why', () => {
    const verdict = bridgeVerdict({
      stuckAfterMs: 60_000,
      chainTime: now,
      pending: summary([transfer(1, '0xunknown', 10n ** 24n, now - 3600), transfer(2, '0xusdc', 10n ** 6n, now - 3600)], now, 60_000),
      priceOf: (token) => prices.get(token),
      policy: { S3: { stuckTransfers: 2 } },
      destinationHalted: false,
    });
    // a token missing from `tokens` is shown and counted in stuck, but never raises a severity (SPEC §3)
    expect(verdict).toMatchObject({ stuck: 2, unpriced: 1, lockedUsd: 1, severity: null });
    expect(verdict.transfers[0]).toMatchObject({ valueUsd: null, symbol: null });
    expect(verdict.warnings[0]).toMatch(/0xunknown.*unpriced/);
  });

  it('a halted destination counts only while transfers are pending', () => {
    const base = { stuckAfterMs: 60_000, chainTime: now, priceOf: () => USDC, policy, destinationHalted: true };
    expect(bridgeVerdict({ ...base, pending: summary([], now, 60_000) }).severity).toBeNull();
    expect(bridgeVerdict({ ...base, pending: summary([transfer(1, null, 1n, now)], now, 60_000) }).severity).toBe('S0');
  });

  it('severity is the worst level any of whose thresholds is met', () => {
    fc.assert(
      fc.property(fc.nat(2_000_000), fc.nat(100), fc.nat(10 * 3600_000), (lockedUsd, stuckTransfers, oldestStuckMs) => {
        const severity = evaluateSeverity(policy, { lockedUsd, stuckTransfers, oldestStuckMs, halted: false });
        if (stuckTransfers === 0) return severity === null;
        if (lockedUsd >= 1_000_000) return severity === 'S0';
        if (lockedUsd >= 100_000 || stuckTransfers >= 50 || oldestStuckMs >= 7_200_000) return severity === 'S1';
        if (lockedUsd >= 10_000 || stuckTransfers >= 5) return severity === 'S2';
        return severity === 'S3';
      }),
    );
  });
});

/** The verdict as it was computed before aggregation: transfer by transfer, each valued and rounded to cents. */
function referenceVerdict(transfers: PendingTransfer[], chainTime: number, stuckAfterMs: number, priceOf: (token: string | null) => TokenPrice | undefined) {
  const warnings = new Set<string>();
  let stuck = 0;
  let locked = 0;
  let oldest = 0;
  let unpriced = 0;
  const views = transfers.map((t) => {
    const ageSeconds = Math.max(0, chainTime - t.blockTimestamp);
    const isStuck = ageSeconds > stuckAfterMs / 1000;
    const price = priceOf(t.token);
    const valueUsd = price && price.priceUsd !== null ? roundUsd(tokenUnits(t.amount, price.decimals) * price.priceUsd) : null;
    if (price?.reason) warnings.add(price.reason);
    if (!price) warnings.add(unknownTokenWarning(t.token));
    if (isStuck) {
      stuck++;
      oldest = Math.max(oldest, ageSeconds);
      if (valueUsd === null) unpriced++;
      else locked += valueUsd;
    }
    return { id: t.id, sourceTx: t.sourceTx, token: t.token, symbol: price?.symbol ?? null, amount: t.amount.toString(), valueUsd, ageSeconds, stuck: isStuck };
  });
  return { pending: transfers.length, stuck, lockedUsd: roundUsd(locked), oldestStuckSeconds: oldest, unpriced, transfers: views, warnings: [...warnings] };
}

describe('bridgeVerdict on aggregates', () => {
  const now = 1_800_000_000;
  const STALE: TokenPrice = { symbol: 'WBTC', decimals: 8, priceUsd: null, reason: 'price feed for WBTC is stale' };
  const book = new Map<string | null, TokenPrice>([...prices, ['0xwbtc', STALE], [null, USDC]]);
  const tokens = ['0xusdc', '0xweth', '0xwbtc', '0xunknown', null];
  const arbitraryTransfers = (amount: fc.Arbitrary<bigint>) =>
    fc.array(fc.record({ token: fc.constantFrom(...tokens), amount, age: fc.nat(48 * 3600) }), { maxLength: 60 }).map((rows) =>
      // oldest first, as the store lists them
      rows.sort((a, b) => b.age - a.age).map((r, i) => transfer(i, r.token, r.amount, now - r.age)),
    );

  it('gives every figure, warning and listed transfer the per-transfer verdict gave', () => {
    fc.assert(
      fc.property(arbitraryTransfers(fc.bigInt({ min: 0n, max: 10n ** 40n })), fc.integer({ min: 1, max: 24 * 3600_000 }), (list, stuckAfterMs) => {
        const reference = referenceVerdict(list, now, stuckAfterMs, (t) => book.get(t));
        const verdict = bridgeVerdict({ stuckAfterMs, chainTime: now, pending: summary(list, now, stuckAfterMs), priceOf: (t) => book.get(t), policy, destinationHalted: false });
        const { lockedUsd, ...rest } = reference;
        expect(verdict).toMatchObject(rest);
        // the exact sum valued once vs per-transfer values rounded to cents: within half a cent a transfer
        expect(Math.abs(verdict.lockedUsd - lockedUsd)).toBeLessThanOrEqual(Math.max(1e-6 * lockedUsd, 0.005 * verdict.stuck + 0.01));
      }),
    );
  });

  it('locked value is identical when every transfer is worth whole cents', () => {
    // USDC micro-units in whole cents, WETH in whole 1e-6 ETH at $2,000 (= $0.002 steps: whole cents at 5 steps)
    const cents = fc.nat(10_000_000).map((c) => BigInt(c) * 10_000n);
    fc.assert(
      fc.property(arbitraryTransfers(cents), (list) => {
        const usdcOnly = list.map((t) => ({ ...t, token: t.token === '0xweth' ? '0xusdc' : t.token }));
        const reference = referenceVerdict(usdcOnly, now, 60_000, (t) => book.get(t));
        const verdict = bridgeVerdict({ stuckAfterMs: 60_000, chainTime: now, pending: summary(usdcOnly, now, 60_000), priceOf: (t) => book.get(t), policy, destinationHalted: false });
        expect(verdict.lockedUsd).toBe(reference.lockedUsd);
      }),
    );
  });

  it('lists only the oldest transfers asked for; the figures still count every one', () => {
    const list = Array.from({ length: 30 }, (_, i) => transfer(i, '0xusdc', 10n ** 6n, now - 7200 + i));
    const verdict = bridgeVerdict({ stuckAfterMs: 60_000, chainTime: now, pending: summary(list, now, 60_000, 5), priceOf: (t) => book.get(t), policy, destinationHalted: false });
    expect(verdict).toMatchObject({ pending: 30, stuck: 30, lockedUsd: 30, oldestStuckSeconds: 7200 });
    expect(verdict.transfers.map((t) => t.id)).toEqual(['0', '1', '2', '3', '4']);
  });

  it('stuckCutoff: stuck means age > stuckAfter, also for stuckAfter in fractions of a second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.nat(20_000), (stuckAfterMs, age) => {
        return (now - age <= stuckCutoff(now, stuckAfterMs)) === age > stuckAfterMs / 1000;
      }),
    );
  });
});

describe('transferKey', () => {
  it('compares ids by value across ABI types', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (value) => {
        const asBytes32 = `0x${value.toString(16).padStart(64, '0')}`;
        return transferKey(value, 'uint64') === transferKey(asBytes32, 'bytes32') && transferKey(value, 'uint256') === transferKey(value, 'uint64');
      }),
    );
    expect(transferKey('0x00000000000000000000000000000000000000Aa', 'address')).toBe(transferKey(170n, 'uint256'));
    expect(transferKey(1n, 'uint64')).not.toBe(transferKey(2n, 'uint64'));
  });
});

describe('a token missing from `tokens` (anyone can deposit one)', () => {
  const now = 1_800_000_000;
  const day = 24 * 3600;
  const priceOf = (token: string | null) => prices.get(token ?? '') ?? undefined;

  it('10^30 units of it: counted in stuck, unpriced, shown, no value, no severity', () => {
    const list = [transfer(1, '0xjunk', 10n ** 30n, now - day)];
    const verdict = bridgeVerdict({ stuckAfterMs: 1_800_000, chainTime: now, pending: summary(list, now, 1_800_000), priceOf, policy, destinationHalted: false });
    expect(verdict).toMatchObject({ stuck: 1, unpriced: 1, lockedUsd: 0, severity: null });
    expect(verdict.transfers[0]).toMatchObject({ token: '0xjunk', symbol: null, valueUsd: null, stuck: true });
    expect(verdict.warnings).toContain(unknownTokenWarning('0xjunk'));
  });

  it('next to real stuck transfers it changes neither their value nor their severity', () => {
    const real = [transfer(1, '0xusdc', 600n * 10n ** 6n, now - 3600)];
    const junk = Array.from({ length: 100 }, (_, i) => transfer(10 + i, '0xjunk', 10n ** 30n, now - day));
    const alone = bridgeVerdict({ stuckAfterMs: 1_800_000, chainTime: now, pending: summary(real, now, 1_800_000), priceOf, policy, destinationHalted: false });
    const mixed = bridgeVerdict({ stuckAfterMs: 1_800_000, chainTime: now, pending: summary([...junk, ...real], now, 1_800_000), priceOf, policy, destinationHalted: false });
    expect(mixed.lockedUsd).toBe(alone.lockedUsd);
    expect(mixed.severity).toBe(alone.severity);
    expect(mixed).toMatchObject({ stuck: 101, unpriced: 100 });
  });

  it('must still count: events without a token field and no defaultToken raise severity by count', () => {
    const list = Array.from({ length: 5 }, (_, i) => transfer(i, null, 1n, now - day));
    const verdict = bridgeVerdict({ stuckAfterMs: 1_800_000, chainTime: now, pending: summary(list, now, 1_800_000), priceOf: () => undefined, policy, destinationHalted: false });
    expect(verdict.severity).not.toBeNull();
  });
});
