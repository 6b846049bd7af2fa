import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateSeverity, type SeverityPolicy } from '../../src/core/severity.ts';
import { bridgeVerdict, type PendingTransfer, type TokenPrice, tokenUnits } from '../../src/core/valuation.ts';
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
      pending: [
        transfer(1, '0xusdc', 600_000_000n, now - 43_200),
        transfer(2, '0xweth', 10n ** 18n, now - 43_200),
        transfer(3, '0xusdc', 5_000_000n, now - 60), // fresh
        transfer(4, '0xusdc', 1n, now - 1800), // exactly stuckAfter: not yet stuck
      ],
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
      pending: [transfer(1, '0xunknown', 10n ** 24n, now - 3600), transfer(2, '0xusdc', 10n ** 6n, now - 3600)],
      priceOf: (token) => prices.get(token),
      policy: { S3: { stuckTransfers: 2 } },
      destinationHalted: false,
    });
    expect(verdict).toMatchObject({ stuck: 2, unpriced: 1, lockedUsd: 1, severity: 'S3' });
    expect(verdict.transfers[0]).toMatchObject({ valueUsd: null, symbol: null });
    expect(verdict.warnings[0]).toMatch(/0xunknown.*no price/);
  });

  it('a halted destination counts only while transfers are pending', () => {
    const base = { stuckAfterMs: 60_000, chainTime: now, priceOf: () => USDC, policy, destinationHalted: true };
    expect(bridgeVerdict({ ...base, pending: [] }).severity).toBeNull();
    expect(bridgeVerdict({ ...base, pending: [transfer(1, null, 1n, now)] }).severity).toBe('S0');
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
