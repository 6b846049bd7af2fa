/**
 * A small run of every benchmark (not the benchmark itself: `firebreak bench` is not part of
 * `npm test`). Figures are not asserted against targets — only that each one was measured against
 * its reference, is a sane number, and lands in the JSON file under its fixed name.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.ts';
import { type BenchResults, renderBench, runBench } from '../../src/bench/run.ts';
import { percentile } from '../../src/bench/stats.ts';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function positive(value: unknown): void {
  expect(typeof value).toBe('number');
  expect(Number.isFinite(value)).toBe(true);
  expect(value as number).toBeGreaterThan(0);
}

describe('firebreak bench (tiny sizes)', () => {
  it('measures ingest, latency, memory and the API and writes every named field', { timeout: 300_000 }, async () => {
    const output = join(dir, 'results.json');
    const lines: string[] = [];
    const results = await runBench({
      sizes: { events: 2_000, latencyTrials: 5, pending: 2_000, costBridges: 2, costSeconds: 3, settled: 2_000 },
      // the exploit figure has its own tiny case below
      only: ['ingest', 'peer', 'latency', 'memory', 'mirror', 'api', 'cost', 'judge'],
      logger: silentLogger,
      say: (line) => lines.push(line),
      skipPeer: true,
      apiSeconds: 1,
      mirrorSizes: { open: 2, resolved: 3, trials: 2 },
      output,
    });
    const written = JSON.parse(readFileSync(output, 'utf8')) as BenchResults;
    expect(written).toEqual(JSON.parse(JSON.stringify(results)));

    if (!written.ingest.available) throw new Error(`ingest: ${written.ingest.reason}`);
    positive(written.ingest.logsPerSec);
    positive(written.ingest.rawLogsPerSec);
    positive(written.ingest.ratio);
    expect(written.ingest.events).toBe(2_000);
    // 1 % of the deposits are never finalized: scan must find exactly those
    expect(written.ingest.pendingFound).toBe(10);
    expect(written.ingest.raw.length).toBeGreaterThan(1);
    for (const run of written.ingest.raw) expect(run.logs).toBe(2_000);

    if (!written.cost.available) throw new Error(`cost: ${written.cost.reason}`);
    expect(written.cost.bridges).toBe(2);
    positive(written.cost.requestsPerBlock);
    expect(written.cost.blocks).toBeGreaterThan(0);
    if (!written.judge.available) throw new Error(`judge: ${written.judge.reason}`);
    expect(written.judge.settled).toBe(2_000);
    positive(written.judge.msAt1MSettled);
    expect(written.targets['cost.requestsPerBlock']).toBe('<= 3');

    if (!written.latency.available) throw new Error(`latency: ${written.latency.reason}`);
    expect(written.latency.trials).toBe(5);
    positive(written.latency.p50Ms);
    expect(written.latency.p99Ms).toBeGreaterThanOrEqual(written.latency.p50Ms);
    expect(written.latency.p99Ms).toBeLessThan(60_000);
    expect(written.latency.endPoint).toMatch(/Discord stand-in/);

    if (!written.memory.available) throw new Error(`memory: ${written.memory.reason}`);
    expect(written.memory.pending).toBe(2_000);
    expect(typeof written.memory.bytesPerPending).toBe('number');
    // steady and peak are separate samples (a collection may land between them): each a real figure
    for (const figure of [written.memory.bytesPerPending, written.memory.peakBytesPerPending]) expect(Number.isFinite(figure) && figure >= 0).toBe(true);

    // a skipped or unavailable figure says why and carries no number
    expect(written.peer).toMatchObject({ available: false, name: 'ponder', logsPerSec: null, ratio: null });
    expect(written.peer.available === false && written.peer.reason).toMatch(/skipped/);
    if (!written.mirror.available) throw new Error(`mirror: ${written.mirror.reason}`);
    positive(written.mirror.p50Ms);

    if (!written.api.available) throw new Error(`api: ${written.api.reason}`);
    positive(written.api.summaryRps);
    expect(written.api.openIncidents).toBe(100);
    expect(written.api.p99Ms).toBeGreaterThanOrEqual(written.api.p50Ms);

    const table = renderBench(written);
    for (const row of ['ingest', 'peer', 'latency', 'memory', 'mirror', 'api']) expect(table).toMatch(new RegExp(`^${row} `, 'm'));
    expect(lines.some((line) => line.includes('ratio'))).toBe(true);
  });

  it('measures exploit containment: forged release mined → pause mined, in blocks and ms', { timeout: 150_000 }, async () => {
    const results = await runBench({ sizes: { events: 0, latencyTrials: 0, pending: 0, exploitTrials: 2 }, only: ['exploit'], logger: silentLogger, say: () => {}, output: null });
    if (!results.exploit.available) throw new Error(`exploit: ${results.exploit.reason}`);
    expect(results.exploit).toMatchObject({ trials: 2, blockTimeSeconds: 1, heads: 'websocket' });
    // the pause is mined after the release: at least one block later, within a minute of blocks
    expect(results.exploit.blocksToPause.p50).toBeGreaterThanOrEqual(1);
    expect(results.exploit.blocksToPause.p99).toBeGreaterThanOrEqual(results.exploit.blocksToPause.p50);
    expect(results.exploit.blocksToPause.max).toBeLessThan(60);
    positive(results.exploit.msToPause.p50);
    expect(renderBench(results)).toMatch(/^exploit +blocks to pause p50 \d+, p99 \d+/m);
  });

  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });
});
