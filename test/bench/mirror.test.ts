/**
 * The mirror publish benchmark at a small size: its figures are measured numbers, and what it
 * published is really there — a node started afterwards on the same repo resolves the IPNS name
 * to the reported CID, has it pinned, and the page lists the open incidents.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.ts';
import { startBenchChains } from '../../src/bench/chains.ts';
import { benchConfig } from '../../src/bench/ingest.ts';
import { benchMirror } from '../../src/bench/mirror.ts';
import { renderBench, type BenchResults } from '../../src/bench/run.ts';
import { startIpfsNode } from '../../src/mirror/ipfs.ts';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-mirror-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function measured(value: unknown): void {
  expect(typeof value).toBe('number');
  expect(Number.isFinite(value)).toBe(true);
  expect(value as number).toBeGreaterThan(0);
}

describe('mirror publish benchmark (small size)', () => {
  it('times real publishes and leaves a version that resolves by IPNS', { timeout: 120_000 }, async () => {
    const chains = await startBenchChains();
    const config = benchConfig(chains.bridge, { extra: { ipfs: { listen: ['/ip4/127.0.0.1/tcp/0'] } } });
    await chains.stop();
    const result = await benchMirror({ config, logger: silentLogger, sizes: { open: 3, resolved: 4, trials: 3 }, dir });

    expect(result).toMatchObject({ open: 3, resolved: 4, trials: 3, pageIncidents: 7 });
    for (const value of [result.p50Ms, result.p99Ms, result.coreP50Ms, result.coreP99Ms, result.firstMs, result.pageBytes, ...Object.values(result.phasesP50)]) measured(value);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
    // the part (render + add + pin + IPNS) is inside every whole publish
    expect(result.coreP50Ms).toBeLessThanOrEqual(result.p50Ms);
    expect(result.cid).toMatch(/^bafy/);
    expect(result.ipns).toMatch(/^k51/);

    const node = await startIpfsNode({ dir: join(dir, 'ipfs'), listen: ['/ip4/127.0.0.1/tcp/0'], ipnsKey: config.ipfs.ipnsKey, logger: silentLogger });
    try {
      expect(node.ipnsName).toBe(result.ipns);
      expect(await node.resolveName()).toBe(result.cid);
      expect(await node.isPinned(result.cid)).toBe(true);
      const file = await node.resolvePath(result.cid, ['summary.json']);
      if (file?.kind !== 'file') throw new Error('summary.json missing from the published directory');
      const chunks: Uint8Array[] = [];
      for await (const chunk of node.cat(file.cid)) chunks.push(chunk);
      const summary = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { incidents: Array<{ name: string }> };
      expect(summary.incidents.map((i) => i.name).sort()).toEqual(['Open incident 1', 'Open incident 2', 'Open incident 3']);
    } finally {
      await node.stop();
    }

    const table = renderBench({ sizes: { events: 0 }, seconds: 0, ingest: { available: false, reason: 'x' }, peer: { available: false, reason: 'x' }, latency: { available: false, reason: 'x' }, memory: { available: false, reason: 'x' }, api: { available: false, reason: 'x' }, cost: { available: false, reason: 'x' }, judge: { available: false, reason: 'x' }, mirror: { available: true, ...result } } as unknown as BenchResults);
    expect(table).toMatch(new RegExp(`^mirror +p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms per publish +3 open \\+ 4 resolved, 3 trials +target <= 500$`, 'm'));
  });
});
