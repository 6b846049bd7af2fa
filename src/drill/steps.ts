/**
 * The drill's chain of steps (detected → messages → mirror → … → verify): each step waits for real
 * state (an outbox row, a CID on the incident, paused() on-chain) and reports how it went. A step
 * that does not happen is recorded and the run goes on, so the summary shows everything that did.
 */
import { cpus, loadavg } from 'node:os';
import { reasonOf } from '../core/errors.ts';

export type StepOutcome = 'ok' | 'failed' | 'missing';

/** Where people see the drill move (a terminal with spinners, or JSON log lines). */
export interface DrillProgress {
  /** a step begins (spinner) */
  start(step: string, text: string): void;
  done(step: string, text: string): void;
  fail(step: string, reason: string): void;
  /** a free-standing line (URLs, hints) */
  say(text: string): void;
}

/** Thrown inside a step: it did not complete, for this reason. */
export class StepFailed extends Error {
  readonly missing: boolean;
  constructor(reason: string, options: { missing?: boolean } = {}) {
    super(reason);
    this.name = 'StepFailed';
    this.missing = options.missing ?? false;
  }
}

/** Polls until `probe` returns something truthy; `undefined` on timeout (never throws for it). */
export async function pollUntil<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs: number, intervalMs = 250): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // a probe that cannot read yet (RPC busy, store closing) is tried again
    }
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** `baseMs` on an idle machine, scaled by the load per core (×1 … ×8): a busy machine gets longer. */
export function scaledBudget(baseMs: number): number {
  const perCore = (loadavg()[0] ?? 0) / Math.max(1, cpus().length);
  return Math.round(baseMs * Math.min(8, Math.max(1, perCore)));
}

export interface MovingWait {
  /** what changes while the product works on the step (timeline length, outbox states…) */
  activity: () => Promise<string>;
  /** how long nothing may change before the step is given up (scaled by the load) */
  stallMs: number;
  /** a reason the step cannot happen any more (e.g. its outbox row failed for good): stop at once */
  settled?: () => Promise<string | null>;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns something truthy, for as long as the product keeps moving: the
 * deadline is a stall budget counted from the last change of `activity`, not from the start, so a
 * slow, busy machine that is still working never fails a step, and a stuck product fails after the
 * stall. Resolves `{ value }`, or `{ failure }` with the reason.
 */
export async function waitWhileMoving<T>(probe: () => Promise<T | undefined | null | false>, wait: MovingWait): Promise<{ value?: T; failure?: string }> {
  let last = '';
  let movedAt = Date.now();
  for (;;) {
    try {
      const value = await probe();
      if (value) return { value };
      const failure = await wait.settled?.();
      if (failure) return { failure };
      const now = await wait.activity();
      if (now !== last) {
        last = now;
        movedAt = Date.now();
      }
    } catch {
      // a probe that cannot read yet (RPC busy, store closing) is tried again
    }
    const stall = scaledBudget(wait.stallMs);
    if (Date.now() - movedAt >= stall) return { failure: `nothing moved for ${Math.round(stall / 1000)} s` };
    await new Promise((resolve) => setTimeout(resolve, wait.intervalMs ?? 250));
  }
}

export function createStepRunner(progress: DrillProgress) {
  const outcomes: Record<string, StepOutcome> = {};
  const reasons: Record<string, string> = {};
  let failedStep: string | null = null;
  return {
    async run(step: string, text: string, body: () => Promise<string>): Promise<boolean> {
      progress.start(step, text);
      try {
        const detail = await body();
        outcomes[step] = 'ok';
        progress.done(step, detail);
        return true;
      } catch (error) {
        const missing = error instanceof StepFailed && error.missing;
        outcomes[step] = missing ? 'missing' : 'failed';
        reasons[step] = reasonOf(error);
        failedStep ??= step;
        progress.fail(step, reasons[step]!);
        return false;
      }
    },
    outcomes: () => ({ ...outcomes }),
    reasons: () => ({ ...reasons }),
    failedStep: () => failedStep,
  };
}

export type StepRunner = ReturnType<typeof createStepRunner>;
