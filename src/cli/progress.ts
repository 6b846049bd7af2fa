/**
 * Backfill progress: on a terminal one line that rewrites itself (blocks done / total per chain,
 * rate, ETA); otherwise a structured log line every few seconds.
 */
import type { Logger } from '../core/log.ts';
import { formatDuration } from '../core/duration.ts';
import type { SyncProgress } from '../chain/sync.ts';

interface ChainProgress {
  progress: SyncProgress;
  startedAt: number;
  /** the lowest checkpoint when this run first reported (the rate is measured from there) */
  startedDone: number;
}

export function createProgressReporter(logger: Logger, stream: NodeJS.WriteStream = process.stderr) {
  const chains = new Map<string, ChainProgress>();
  const tty = stream.isTTY === true;
  let lastLogAt = 0;
  let drawn = false;

  function figures(entry: ChainProgress) {
    const { progress } = entry;
    const total = Math.max(0, progress.targetBlock - progress.startBlock);
    const done = Math.max(0, Math.min(total, progress.doneBlock - progress.startBlock));
    const seconds = Math.max(0.001, (Date.now() - entry.startedAt) / 1000);
    const rate = Math.max(0, progress.doneBlock - entry.startedDone) / seconds;
    const etaSeconds = rate > 0 ? Math.round((total - done) / rate) : null;
    // each source still backfilling: blocks done / total and percent of its own history
    const sources = (progress.sources ?? [])
      .filter((s) => s.doneBlock < s.targetBlock)
      .map((s) => {
        const sourceTotal = Math.max(0, s.targetBlock - s.startBlock);
        const sourceDone = Math.max(0, Math.min(sourceTotal, s.doneBlock - s.startBlock));
        return { source: s.source, done: sourceDone, total: sourceTotal, percent: sourceTotal === 0 ? 100 : Math.floor((sourceDone / sourceTotal) * 100) };
      });
    return { chain: progress.chain, done, total, rate: Math.round(rate), etaSeconds, sources };
  }

  return {
    onProgress(progress: SyncProgress): void {
      const entry = chains.get(progress.chain);
      if (!entry || entry.progress.startBlock !== progress.startBlock) chains.set(progress.chain, { progress, startedAt: Date.now(), startedDone: progress.doneBlock });
      else entry.progress = progress;
      const now = Date.now();
      if (tty) {
        const line = [...chains.values()]
          .map((e) => {
            const f = figures(e);
            const pct = f.total === 0 ? 100 : Math.floor((f.done / f.total) * 100);
            const eta = f.etaSeconds === null ? '' : f.done >= f.total ? ' done' : ` ETA ${formatDuration(f.etaSeconds * 1000)}`;
            return `${f.chain} ${f.done.toLocaleString('en-US')}/${f.total.toLocaleString('en-US')} blocks (${pct}%) ${f.rate.toLocaleString('en-US')} blk/s${eta}`;
          })
          .join(' | ');
        stream.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else if (now - lastLogAt > 5_000) {
        lastLogAt = now;
        for (const e of chains.values()) logger.info(figures(e), 'backfill progress');
      }
    },
    done(): void {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

/** The drill's steps as people see them (the same shape as DrillProgress in src/drill/steps.ts). */
export interface StepProgress {
  start(step: string, text: string): void;
  done(step: string, text: string): void;
  fail(step: string, reason: string): void;
  say(text: string): void;
  /** stop the spinner (before exiting or handing the terminal back) */
  close(): void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * On a terminal: one spinner line per running step, replaced by ✔/✖ and the outcome when it ends.
 * Otherwise (a pipe, CI, `--json`): nothing drawn, one structured log line per event.
 */
export function createStepProgress(options: { logger: Logger; tty: boolean; stream?: NodeJS.WriteStream }): StepProgress {
  const { logger, tty } = options;
  const stream = options.stream ?? process.stderr;
  let active: { step: string; text: string; startedAt: number } | null = null;
  let frame = 0;
  let timer: NodeJS.Timeout | null = null;

  const clear = () => stream.write('\r\x1b[2K');
  const draw = () => {
    if (!active) return;
    const seconds = Math.floor((Date.now() - active.startedAt) / 1000);
    clear();
    stream.write(`\x1b[36m${SPINNER[frame++ % SPINNER.length]}\x1b[0m ${active.text}${seconds >= 2 ? ` \x1b[2m(${seconds}s)\x1b[0m` : ''}`);
  };
  const finish = (mark: string, step: string, text: string) => {
    if (timer) clearInterval(timer);
    timer = null;
    clear();
    stream.write(`${mark} \x1b[1m${step}\x1b[0m ${text}\n`);
    active = null;
  };

  return {
    start(step, text) {
      if (!tty) return logger.info({ step, event: 'start' }, text);
      active = { step, text, startedAt: Date.now() };
      if (timer) clearInterval(timer);
      timer = setInterval(draw, 80);
      timer.unref();
      draw();
    },
    done(step, text) {
      if (!tty) return logger.info({ step, event: 'done' }, text);
      finish('\x1b[32m✔\x1b[0m', step, text);
    },
    fail(step, reason) {
      if (!tty) return logger.warn({ step, event: 'failed' }, reason);
      finish('\x1b[31m✖\x1b[0m', step, reason);
    },
    say(text) {
      if (!tty) return logger.info({ event: 'note' }, text);
      clear();
      stream.write(`  ${text}\n`);
      draw();
    },
    close() {
      if (timer) clearInterval(timer);
      timer = null;
      if (tty && active) clear();
      active = null;
    },
  };
}
