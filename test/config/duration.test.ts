import { describe, expect, it } from 'vitest';
import { formatDuration, isDuration, parseDuration } from '../../src/core/duration.ts';
import { evaluateSeverity, type SeverityPolicy } from '../../src/core/severity.ts';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['12h', 43_200_000],
    ['3d', 259_200_000],
    ['500ms', 500],
    ['2w', 1_209_600_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['1.5h', 5_400_000],
    [' 5m ', 300_000],
    ['0s', 0],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(isDuration(text)).toBe(true);
  });

  it.each(['', '30', 'm', '30 minutes', '5 m', '-5m', '30M', '1h30', 'soon'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
    expect(isDuration(text)).toBe(false);
  });

  it('formats for people', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(12 * 3_600_000 + 3 * 60_000 + 5_000)).toBe('12 h 3 min');
    expect(formatDuration(3 * 86_400_000 + 2 * 3_600_000)).toBe('3 d 2 h');
    expect(formatDuration(86_400_000 + 30_000)).toBe('1 d');
  });
});

describe('evaluateSeverity with a loaded policy', () => {
  const policy: SeverityPolicy = {
    S0: { lockedUsd: 1_000_000, halted: true },
    S1: { lockedUsd: 100_000, stuckTransfers: 50, oldestStuck: 7_200_000 },
    S2: { lockedUsd: 10_000, stuckTransfers: 5 },
    S3: { stuckTransfers: 1 },
  };
  const none = { lockedUsd: 0, stuckTransfers: 0, oldestStuckMs: 0, halted: false };
  it('is the worst level any of whose thresholds is met', () => {
    expect(evaluateSeverity(policy, none)).toBeNull();
    expect(evaluateSeverity(policy, { ...none, stuckTransfers: 1 })).toBe('S3');
    expect(evaluateSeverity(policy, { ...none, stuckTransfers: 1, lockedUsd: 10_000 })).toBe('S2');
    expect(evaluateSeverity(policy, { ...none, stuckTransfers: 1, oldestStuckMs: 7_200_000 })).toBe('S1');
    expect(evaluateSeverity(policy, { ...none, stuckTransfers: 1, halted: true })).toBe('S0');
    // value and age thresholds need stuck transfers
    expect(evaluateSeverity(policy, { ...none, lockedUsd: 5_000_000, oldestStuckMs: 1e9 })).toBeNull();
  });
});
