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
    const rate = done / seconds;
    const etaSeconds = rate > 0 ? Math.round((total - done) / rate) : null;
    return { chain: progress.chain, done, total, rate: Math.round(rate), etaSeconds };
  }

  return {
    onProgress(progress: SyncProgress): void {
      const entry = chains.get(progress.chain);
      if (!entry || entry.progress.startBlock !== progress.startBlock) chains.set(progress.chain, { progress, startedAt: Date.now() });
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
