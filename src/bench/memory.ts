/**
 * Memory: the process's RSS growth per pending transfer. N deposits without finalization are
 * written into a fresh store (the default embedded PGlite in a temporary directory, as `start`
 * runs it), then the bridge is judged the way the watcher judges it on every pass. RSS is sampled
 * while that runs (peak) and after it (steady), against a baseline taken with the store open and
 * empty. The rows go straight into the store through the same insert the chain sync uses: a
 * million events on anvil would measure anvil, not us.
 *
 * Much of the growth is fixed, not per transfer: writing rows grows V8's young generation to its
 * working size (128 MB here; in the peak, see collectGarbage in heap.ts) and glibc's arenas, levelling off after a
 * few hundred thousand rows. `marginalBytesPerPending` is the growth over the second half of the
 * transfers alone: what one more pending transfer costs once those are paid.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../core/log.ts';
import type { Config } from '../config/types.ts';
import { DRILL_TOKENS } from '../drill/bridge.ts';
import { createStore } from '../store/store.ts';
import { type DepositRow, insertDeposits } from '../store/transfers.ts';
import { judgeBridge } from '../watchers/bridge.ts';
import { collectGarbage as gc } from './heap.ts';

export interface MemoryResult {
  pending: number;
  /** steady RSS growth per pending transfer after a judgement pass */
  bytesPerPending: number;
  /** peak RSS growth per pending transfer during a judgement pass */
  peakBytesPerPending: number;
  /** JS heap growth per pending transfer after a judgement pass */
  heapBytesPerPending: number;
  /** steady RSS growth while the second half of the transfers was written and judged, per transfer of that half */
  marginalBytesPerPending: number;
  baselineRssMb: number;
  peakRssMb: number;
  judgeMs: number;
  store: string;
}

/**
 * Collect until RSS settles: for a second or so after the store opens, V8 compiles the hot parts of
 * PGlite's WebAssembly in the background and RSS swings by hundreds of MB, so a single reading
 * taken then makes a baseline that later readings fall below.
 */
async function settle(): Promise<void> {
  let last = Number.NaN;
  let steady = 0;
  for (let i = 0; i < 40 && steady < 2; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const rss = process.memoryUsage().rss;
    steady = Math.abs(rss - last) < 2 ** 21 ? steady + 1 : 0;
    last = rss;
  }
}

export async function benchMemory(options: { config: Config; pending: number; logger: Logger }): Promise<MemoryResult> {
  const { config, logger } = options;
  const bridge = config.bridges[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-mem-'));
  const store = await createStore({ kind: 'pglite', url: join(dir, 'db') }, logger);
  const judge = () =>
    judgeBridge(store.db, {
      bridge,
      policy: config.severityPolicy,
      sourceChainTime: Math.floor(Date.now() / 1000),
      destinationHalted: false,
      priceOf: () => ({ symbol: 'USDC', decimals: 6, priceUsd: 1 }),
    });
  const now = Math.floor(Date.now() / 1000);
  // in chunks, as the chain sync writes them: no more than one chunk of rows is in JS at a time
  const insert = async (from: number, to: number) => {
    const chunk = 20_000;
    for (let i = from; i < to; i += chunk) {
      const rows: DepositRow[] = [];
      for (let k = i; k < Math.min(to, i + chunk); k++) {
        rows.push({
          bridge: bridge.id,
          transferKey: `0x${k.toString(16)}`,
          transferId: `0x${k.toString(16).padStart(64, '0')}`,
          blockNumber: 1 + Math.floor(k / 1000),
          blockTimestamp: now - 86_400,
          txHash: `0x${(k >> 10).toString(16).padStart(64, '0')}`,
          logIndex: k % 1000,
          token: DRILL_TOKENS.usdc.address,
          amount: 100_000_000n,
        });
      }
      await store.transaction((trx) => insertDeposits(trx, rows));
    }
  };
  try {
    await judge();
    await settle();
    const baseline = process.memoryUsage();
    const half = Math.floor(options.pending / 2);
    await insert(0, half);
    await judge();
    await settle();
    const middle = process.memoryUsage();
    await insert(half, options.pending);
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const started = performance.now();
    const judgement = await judge();
    const judgeMs = performance.now() - started;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    if (judgement.pending !== options.pending) logger.warn({ found: judgement.pending, expected: options.pending }, 'memory benchmark: pending count differs');
    await settle();
    const after = process.memoryUsage();
    return {
      pending: options.pending,
      bytesPerPending: Math.max(0, after.rss - baseline.rss) / options.pending,
      peakBytesPerPending: Math.max(0, peak - baseline.rss) / options.pending,
      heapBytesPerPending: Math.max(0, after.heapUsed - baseline.heapUsed) / options.pending,
      marginalBytesPerPending: Math.max(0, after.rss - middle.rss) / (options.pending - half),
      baselineRssMb: baseline.rss / 2 ** 20,
      peakRssMb: peak / 2 ** 20,
      judgeMs,
      store: 'pglite (directory)',
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
