/**
 * Detection on real chains: two anvil processes, the drill bridge, PGlite. The seed case of the
 * product (37 stuck for 12 h, $40,000 across a 6- and an 18-decimal token) and what must not go
 * wrong around it: confirmations, reorgs on either side, restarts, dead RPCs, refused ranges.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScan, type ScanBridge } from '../../src/app/scan.ts';
import { silentLogger } from '../../src/core/log.ts';
import { DRILL_TOKENS, transferIdFor } from '../../src/drill/bridge.ts';
import { SEED, finalizeAll, seedStuckBridge } from '../../src/drill/seed.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { deadUrl, startRpcProxy } from '../support/rpc-proxy.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { requirePostgres } from '../support/requires.ts';

const pgUp = await requirePostgres('scan on PostgreSQL (test/watchers/scan.test.ts)');

function judged(bridge: ScanBridge | undefined) {
  if (!bridge || !bridge.judged) throw new Error(`bridge not judged: ${JSON.stringify(bridge)}`);
  return bridge;
}

async function memoryStore(): Promise<Store> {
  return createStore({ kind: 'pglite', url: 'memory://' });
}

describe('seed case: 37 stuck for 12 h, $40,000 locked', () => {
  let chains: DrillChains;
  let store: Store;
  let stuckIds: `0x${string}`[];
  let freshIds: `0x${string}`[];

  beforeAll(async () => {
    chains = await startDrillChains();
    store = await memoryStore();
    const traffic = await seedStuckBridge(chains.bridge, 2);
    stuckIds = traffic.stuck.map((t) => t.id);
    freshIds = traffic.fresh.map((t) => t.id);
  });
  afterAll(async () => {
    await store?.close();
    await chains?.stop();
  });

  it('reports exactly the stuck transfers, their value and the policy severity', async () => {
    const config = configFor(chains.bridge);
    const result = await runScan({ config, logger: silentLogger, store });
    const bridge = judged(result.bridges[0]);
    expect(bridge.pending).toBe(SEED.stuck + SEED.fresh);
    expect(bridge.stuck).toBe(SEED.stuck);
    expect(bridge.lockedUsd).toBe(SEED.lockedUsd);
    expect(bridge.unpriced).toBe(0);
    expect(bridge.oldestStuckSeconds).toBeGreaterThanOrEqual(SEED.stuckForSeconds);
    expect(bridge.oldestStuckSeconds).toBeLessThan(SEED.stuckForSeconds + 120);
    // default policy: S1 has oldestStuck 2h
    expect(bridge.severity).toBe('S1');
    // 6 and 18 decimals valued per transfer
    const usdc = bridge.transfers.find((t) => t.token === DRILL_TOKENS.usdc.address && t.stuck)!;
    expect(usdc).toMatchObject({ symbol: 'USDC', amount: '600000000', valueUsd: 600 });
    const bigWeth = bridge.transfers.find((t) => t.amount === '1250000000000000000')!;
    expect(bigWeth).toMatchObject({ symbol: 'WETH', valueUsd: 2500, stuck: true });
    expect(bridge.transfers.filter((t) => !t.stuck)).toHaveLength(SEED.fresh);
    expect(bridge.transfers.every((t) => t.sourceTx.startsWith('0x'))).toBe(true);
    expect(result.chains.ethereum).toMatchObject({ rpc: 0, halted: false, unobservable: false });
    expect(typeof result.chains.ethereum!.head).toBe('number');
  });

  it('values WETH through a Chainlink-style feed, and a stale feed makes it unpriced, never $0', async () => {
    const fresh = judged((await runScan({ config: configFor(chains.bridge, { wethFeed: true }), logger: silentLogger, store })).bridges[0]);
    expect(fresh.lockedUsd).toBe(SEED.lockedUsd);
    expect(fresh.unpriced).toBe(0);

    await chains.source.advance(2 * 3600); // the feed (maxAge 1h) is now 2 h old in chain time
    await chains.source.mine(2);
    const stale = judged((await runScan({ config: configFor(chains.bridge, { wethFeed: true }), logger: silentLogger, store })).bridges[0]);
    // 2 h later the fresh transfers are stuck too; every stuck WETH transfer is unpriced, USDC still valued
    const stuckWeth = stale.transfers.filter((t) => t.symbol === 'WETH' && t.stuck);
    const stuckUsdc = stale.transfers.filter((t) => t.symbol === 'USDC' && t.stuck);
    expect(stale.stuck).toBe(SEED.stuck + SEED.fresh);
    expect(stuckWeth.length).toBeGreaterThanOrEqual(12);
    expect(stuckWeth.every((t) => t.valueUsd === null)).toBe(true);
    expect(stale.unpriced).toBe(stuckWeth.length);
    expect(stale.lockedUsd).toBe(stuckUsdc.reduce((sum, t) => sum + t.valueUsd!, 0));
    expect(stale.lockedUsd).toBeGreaterThanOrEqual(15_000);
    expect(stale.warnings.join(' ')).toMatch(/WETH.*stale/);
  });

  it('after the finalizations arrive: 0 stuck and severity null', async () => {
    await finalizeAll(chains.bridge, [...stuckIds, ...freshIds], 2);
    const bridge = judged((await runScan({ config: configFor(chains.bridge), logger: silentLogger, store })).bridges[0]);
    expect(bridge.stuck).toBe(0);
    expect(bridge.lockedUsd).toBe(0);
    expect(bridge.severity).toBeNull();
    expect(bridge.pending).toBe(0);
    expect(bridge.transfers).toEqual([]);
  });
});

describe('edges of detection', () => {
  let chains: DrillChains;
  beforeAll(async () => {
    chains = await startDrillChains();
  });
  afterAll(async () => {
    await chains?.stop();
  });

  it('a token missing from `tokens`, deposited with 10^30 units: stuck, unpriced, shown, no severity, even with a defaultToken', async () => {
    const store = await memoryStore();
    try {
      const junkToken = '0x00000000000000000000000000000000000c0ffe' as const;
      await chains.bridge.deposit([{ id: transferIdFor('junk', 0), token: junkToken, amount: 10n ** 30n }]);
      await chains.source.advance(3 * 3600); // past stuckAfter (30m) and S1's oldestStuck (2h)
      await chains.source.mine(2);
      const bridge = judged((await runScan({ config: configFor(chains.bridge), logger: silentLogger, store })).bridges[0]);
      expect(bridge).toMatchObject({ stuck: 1, unpriced: 1, lockedUsd: 0, severity: null });
      expect(bridge.transfers[0]).toMatchObject({ token: junkToken, symbol: null, valueUsd: null, stuck: true, amount: (10n ** 30n).toString() });
      expect(bridge.warnings.some((w) => w.includes(junkToken) && /unpriced/.test(w))).toBe(true);
      // defaultToken values only events without a token field: the junk token stays unpriced
      const withDefault = configFor(chains.bridge, {
        patch: (raw) => {
          raw.bridges[0].defaultToken = { symbol: 'ETH', decimals: 0, priceUsd: 3000 };
        },
      });
      const still = judged((await runScan({ config: withDefault, logger: silentLogger, store })).bridges[0]);
      expect(still).toMatchObject({ stuck: 1, unpriced: 1, lockedUsd: 0, severity: null });
      await chains.bridge.finalize([transferIdFor('junk', 0)]);
      await chains.destination.mine(2);
    } finally {
      await store.close();
    }
  });

  it('only counts confirmed blocks', async () => {
    const store = await memoryStore();
    try {
      const config = configFor(chains.bridge, { confirmations: 3, stuckAfter: '1s' });
      const id = transferIdFor('confirmations', 0);
      await chains.bridge.deposit([{ id, token: DRILL_TOKENS.usdc.address, amount: 10n ** 6n }]);
      const before = judged((await runScan({ config, logger: silentLogger, store })).bridges[0]);
      expect(before.transfers.map((t) => t.id)).not.toContain(id);
      await chains.source.mine(3);
      const after = judged((await runScan({ config, logger: silentLogger, store })).bridges[0]);
      expect(after.transfers.map((t) => t.id)).toContain(id);
      await chains.bridge.finalize([id]);
      await chains.destination.mine(3);
      const done = judged((await runScan({ config, logger: silentLogger, store })).bridges[0]);
      expect(done.transfers.map((t) => t.id)).not.toContain(id);
    } finally {
      await store.close();
    }
  });

  it('a reorg that removes a deposit leaves no phantom stuck transfer', async () => {
    const store = await memoryStore();
    try {
      const config = configFor(chains.bridge, { confirmations: 1, stuckAfter: '1s' });
      const id = transferIdFor('reorged-deposit', 0);
      await chains.bridge.deposit([{ id, token: DRILL_TOKENS.usdc.address, amount: 7n * 10n ** 6n }]);
      await chains.source.advance(60);
      await chains.source.mine(1);
      const seen = judged((await runScan({ config, logger: silentLogger, store })).bridges[0]);
      expect(seen.transfers.find((t) => t.id === id)?.stuck).toBe(true);
      // replace the last 3 blocks (deposit included) with empty ones: deeper than confirmations
      await chains.source.testClient.request({ method: 'anvil_reorg' as never, params: [3, []] as never });
      await chains.source.mine(1);
      const after = judged((await runScan({ config, logger: silentLogger, store })).bridges[0]);
      expect(after.transfers.find((t) => t.id === id)).toBeUndefined();
      expect(after.stuck).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('a reorg that removes a finalization makes the transfer pending again', async () => {
    const store = await memoryStore();
    try {
      const config = configFor(chains.bridge, { confirmations: 1, stuckAfter: '1s' });
      const id = transferIdFor('reorged-finalization', 0);
      await chains.bridge.deposit([{ id, token: DRILL_TOKENS.usdc.address, amount: 3n * 10n ** 6n }]);
      await chains.source.advance(60);
      await chains.source.mine(1);
      await chains.bridge.finalize([id]);
      await chains.destination.mine(1);
      const finalized = judged((await runScan({ config, logger: silentLogger, store })).bridges[0]);
      expect(finalized.transfers.find((t) => t.id === id)).toBeUndefined();
      await chains.destination.testClient.request({ method: 'anvil_reorg' as never, params: [2, []] as never });
      await chains.destination.mine(1);
      const again = judged((await runScan({ config, logger: silentLogger, store })).bridges[0]);
      expect(again.transfers.find((t) => t.id === id)).toMatchObject({ stuck: true, valueUsd: 3 });
      await chains.bridge.finalize([id]);
      await chains.destination.mine(1);
    } finally {
      await store.close();
    }
  });

  it('restarts from its checkpoint: no re-reading, no skipped blocks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-restart-'));
    const proxy = await startRpcProxy(chains.source.anvil.url);
    try {
      const config = configFor(chains.bridge, {
        confirmations: 1,
        stuckAfter: '1s',
        patch: (raw) => {
          raw.chains.ethereum.rpc = [proxy.url];
          raw.storage = { url: `pglite://${dir}/db` };
        },
      });
      const first = await runScan({ config, logger: silentLogger });
      const firstConfirmed = first.chains.ethereum!.confirmed!;
      const id = transferIdFor('after-restart', 0);
      await chains.bridge.deposit([{ id, token: DRILL_TOKENS.usdc.address, amount: 10n ** 6n }]);
      await chains.source.advance(30);
      await chains.source.mine(1);
      proxy.calls.length = 0;
      const second = await runScan({ config, logger: silentLogger }); // a new process would open the same dir
      const logCalls = proxy.calls.filter((c) => c.method === 'eth_getLogs');
      expect(logCalls.length).toBeGreaterThan(0);
      const firstFrom = Math.min(...logCalls.map((c) => Number((c.params[0] as { fromBlock: string }).fromBlock)));
      expect(firstFrom).toBe(firstConfirmed + 1);
      expect(judged(second.bridges[0]).transfers.map((t) => t.id)).toContain(id);
      await chains.bridge.finalize([id]);
      await chains.destination.mine(1);
    } finally {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps watching when the first RPC is dead, and shrinks ranges a provider refuses', async () => {
    const store = await memoryStore();
    const proxy = await startRpcProxy(chains.destination.anvil.url, { maxLogRange: 3 });
    try {
      const dead = await deadUrl();
      const config = configFor(chains.bridge, {
        patch: (raw) => {
          raw.chains.ethereum.rpc = [dead, chains.source.anvil.url];
          raw.chains.arbitrum.rpc = [proxy.url];
        },
      });
      const result = await runScan({ config, logger: silentLogger, store, initialRange: 64 });
      expect(result.chains.ethereum).toMatchObject({ rpc: 1, unobservable: false });
      expect(judged(result.bridges[0]).severity).toBeDefined();
      const logCalls = proxy.calls.filter((c) => c.method === 'eth_getLogs');
      expect(logCalls.some((c) => c.refused)).toBe(true);
      const accepted = logCalls.filter((c) => !c.refused);
      expect(accepted.length).toBeGreaterThan(0);
      // the accepted ranges cover the destination chain from block 0 without a gap (ranges read
      // ahead and then not used may overlap the ones used)
      const spans = accepted
        .map((c) => c.params[0] as { fromBlock: string; toBlock: string })
        .map((f) => [Number(f.fromBlock), Number(f.toBlock)] as const)
        .sort((a, b) => a[0] - b[0]);
      expect(spans[0]![0]).toBe(0);
      let covered = -1;
      for (const [from, to] of spans) {
        expect(from).toBeLessThanOrEqual(covered + 1);
        covered = Math.max(covered, to);
      }
      expect(covered).toBe(result.chains.arbitrum!.confirmed);
    } finally {
      await proxy.close();
      await store.close();
    }
  });

  it('a first scan of a long history reports nothing stuck that a later block of the other chain finalizes', async () => {
    const store = await memoryStore();
    try {
      const ids = Array.from({ length: 20 }, (_, i) => transferIdFor('long-history', i));
      // deposits early, many blocks, finalizations arriving late on the destination
      await chains.bridge.deposit(ids.map((id) => ({ id, token: DRILL_TOKENS.usdc.address, amount: 10n ** 9n })));
      await chains.source.mine(150);
      await chains.source.advance(6 * 3600);
      await chains.destination.mine(200);
      await chains.destination.advance(6 * 3600);
      await chains.bridge.finalize(ids.slice(0, 10));
      await chains.destination.mine(120);
      await chains.bridge.finalize(ids.slice(10));
      await Promise.all([chains.source.mine(2), chains.destination.mine(2)]);
      const progress: Array<{ chain: string; doneBlock: number; targetBlock: number }> = [];
      const result = await runScan({
        config: configFor(chains.bridge),
        logger: silentLogger,
        store,
        initialRange: 16,
        maxRange: 32,
        onProgress: (p) => progress.push(p),
      });
      const bridge = judged(result.bridges[0]);
      expect(bridge.transfers.filter((t) => ids.includes(t.id as `0x${string}`))).toEqual([]);
      expect(bridge.severity).toBeNull();
      // backfill progress ends at each chain's confirmed head
      for (const chain of ['ethereum', 'arbitrum']) {
        const last = progress.filter((p) => p.chain === chain).at(-1)!;
        expect(last.doneBlock).toBe(result.chains[chain]!.confirmed);
        expect(last.targetBlock).toBe(result.chains[chain]!.confirmed);
      }
    } finally {
      await store.close();
    }
  });

  it.skipIf(!pgUp)('reads and judges the same on PostgreSQL', async () => {
    const database = await createTestDatabase();
    try {
      const config = configFor(chains.bridge, {
        stuckAfter: '1s',
        patch: (raw) => {
          raw.storage = { url: database.url };
        },
      });
      expect(config.storage.kind).toBe('postgres');
      const id = transferIdFor('postgres', 0);
      await chains.bridge.deposit([{ id, token: DRILL_TOKENS.weth.address, amount: 3n * 10n ** 18n }]);
      await chains.source.advance(60);
      await chains.source.mine(2);
      const result = await runScan({ config, logger: silentLogger });
      expect(judged(result.bridges[0]).transfers.find((t) => t.id === id)).toMatchObject({ stuck: true, valueUsd: 6000 });
      await chains.bridge.finalize([id]);
      await chains.destination.mine(2);
      const after = await runScan({ config, logger: silentLogger });
      expect(judged(after.bridges[0]).transfers.find((t) => t.id === id)).toBeUndefined();
    } finally {
      await database.drop();
    }
  });

  it('judges nothing while a chain cannot be read, instead of calling it healthy', async () => {
    const store = await memoryStore();
    try {
      const dead = await deadUrl();
      const config = configFor(chains.bridge, {
        patch: (raw) => {
          raw.chains.arbitrum.rpc = [dead];
        },
      });
      const result = await runScan({ config, logger: silentLogger, store, maxRetries: 1 });
      expect(result.chains.arbitrum).toMatchObject({ unobservable: true, head: null });
      expect(result.bridges[0]).toMatchObject({ judged: false, severity: null });
    } finally {
      await store.close();
    }
  });
});
