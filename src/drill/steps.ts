/**
 * The drill's chain of steps (detected → messages → mirror → … → verify): each step waits for real
 * state (an outbox row, a CID on the incident, paused() on-chain) and reports how it went. A step
 * that does not happen is recorded and the run goes on, so the summary shows everything that did.
 */
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
