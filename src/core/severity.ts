import type { Severity } from './types.ts';
import { SEVERITIES } from './types.ts';

/** Thresholds of one level; a level is met when ANY of its thresholds is met. */
export interface SeverityThresholds {
  lockedUsd?: number;
  stuckTransfers?: number;
  /** milliseconds */
  oldestStuck?: number;
  halted?: boolean;
}

export type SeverityPolicy = Partial<Record<Severity, SeverityThresholds>>;

export interface SeverityInputs {
  lockedUsd: number;
  stuckTransfers: number;
  oldestStuckMs: number;
  /** the destination chain is halted while transfers are pending */
  halted: boolean;
}

export function rank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** true when `a` is worse than `b` (S0 is worse than S1); null is better than anything. */
export function isWorse(a: Severity | null, b: Severity | null): boolean {
  if (a === null) return false;
  if (b === null) return true;
  return rank(a) < rank(b);
}

export function worst(a: Severity | null, b: Severity | null): Severity | null {
  return isWorse(a, b) ? a : b;
}

/** true when `severity` is `min` or worse */
export function atLeast(severity: Severity | null, min: Severity): boolean {
  return severity !== null && rank(severity) <= rank(min);
}

export function levelMet(t: SeverityThresholds, inputs: SeverityInputs): boolean {
  if (t.lockedUsd !== undefined && inputs.stuckTransfers > 0 && inputs.lockedUsd >= t.lockedUsd) return true;
  if (t.stuckTransfers !== undefined && inputs.stuckTransfers >= t.stuckTransfers) return true;
  if (t.oldestStuck !== undefined && inputs.stuckTransfers > 0 && inputs.oldestStuckMs >= t.oldestStuck) return true;
  if (t.halted === true && inputs.halted) return true;
  return false;
}

/** The worst level any of whose thresholds is met; null when none is (SPEC §3). */
export function evaluateSeverity(policy: SeverityPolicy, inputs: SeverityInputs): Severity | null {
  for (const level of SEVERITIES) {
    const thresholds = policy[level];
    if (thresholds && levelMet(thresholds, inputs)) return level;
  }
  return null;
}
