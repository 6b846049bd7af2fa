/**
 * Backfill and tip follower (SPEC §3 "Each bridge is judged as soon as its own two sides are read
 * to their chains' confirmed heads"): a bridge added with a 500k-block history next to the seed
 * bridge does not delay the seed bridge's judgement; its progress is visible and committed while it
 * runs (a restart resumes near where it stopped); once caught up it is read by the same
 * `eth_getLogs` as the others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireChains } from '../../src/app/watch.ts';
import { silentLogger } from '../../src/core/log.ts';
import { SEED, seedStuckBridge } from '../../src/drill/seed.ts';
import { getCheckpoints } from '../../src/store/checkpoints.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import type { BridgeJudgement } from '../../src/watchers/bridge.ts';
import { createWatchService } from '../../src/watchers/service.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { startRpcProxy, type RpcProxy } from '../support/rpc-proxy.ts';
import { waitFor } from '../incidents/start-process.ts';

/**
 * A short mined history through a small block cap: ~150 ranges per chain, as 300k blocks at a
 * 2,000-block cap would take. The 500k-block history itself (loaded from a state file) is read by
 * test/incidents/backfill-kill.test.ts, through `firebreak start` and a kill -9.
 */
const HISTORY = 600;
const BLOCK_CAP = 4;

/** anvil_mine in chunks (one call for 500k blocks outlasts a client's timeout) */
async function mineMany(url: string, blocks: number): Promise<void> {
  for (let left = blocks; left > 0; left -= 50_000) {
    const count = Math.min(50_000, left);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_mine', params: [`0x${count.toString(16)}`, '0x1'] }),
    });
    const body = (await response.json()) as { error?: unknown };
    if (body.error) throw new Error(`anvil_mine: ${JSON.stringify(body.error)}`);
  }
}

describe('backfill next to a caught-up bridge', () => {
  let chains: DrillChains;
  let recent: { source: number; destination: number };
  const proxies: RpcProxy[] = [];

  beforeAll(async () => {
    chains = await startDrillChains();
    // a long, empty history, then the seed case at its end
    await Promise.all([mineMany(chains.source.anvil.url, HISTORY), mineMany(chains.destination.anvil.url, HISTORY)]);
    recent = {
      source: Number(await chains.source.publicClient.getBlockNumber({ cacheTime: 0 })),
      destination: Number(await chains.destination.publicClient.getBlockNumber({ cacheTime: 0 })),
    };
    await seedStuckBridge(chains.bridge, 2);
  }, 600_000);
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await chains?.stop();
  });

  it('the seed bridge is judged while the new one backfills; progress is visible and committed; both end with the same figures', async () => {
    // a hosted provider's block cap: the history takes ~150 ranges per chain
    const source = await startRpcProxy(chains.source.anvil.url, { maxLogRange: BLOCK_CAP });
    const destination = await startRpcProxy(chains.destination.anvil.url, { maxLogRange: BLOCK_CAP });
    proxies.push(source, destination);
    const config = configFor(chains.bridge, {
      confirmations: 2,
      patch: (raw) => {
        raw.chains.ethereum.rpc = [source.url];
        raw.chains.arbitrum.rpc = [destination.url];
        const seed = raw.bridges[0];
        seed.source.fromBlock = recent.source;
        seed.destination.fromBlock = recent.destination;
        // the same contracts watched again from genesis: a bridge added with its whole history
        raw.bridges.push({ ...seed, id: 'history', name: 'History', source: { ...seed.source, fromBlock: 0 }, destination: { ...seed.destination, fromBlock: 0 } });
      },
    });
    const store: Store = await createStore({ kind: 'pglite', url: 'memory://' });
    const wiring = wireChains({ config, store, logger: silentLogger, commitEveryRanges: 10 });
    const judged: BridgeJudgement[] = [];
    // what the history bridge's backfill looked like when the seed bridge was first judged
    let whenSeedJudged: { caughtUp: boolean; remaining: number } | undefined;
    const watch = createWatchService({
      config,
      store,
      logger: silentLogger,
      headSubscriptions: false,
      ...wiring,
      onJudgement(judgement) {
        judged.push(judgement);
        if (judgement.id === 'drill' && !whenSeedJudged) {
          whenSeedJudged = {
            caughtUp: wiring.syncs.ethereum!.caughtUp('bridge:history:source') && wiring.syncs.arbitrum!.caughtUp('bridge:history:destination'),
            remaining: watch.backfill().find((b) => b.source === 'bridge:history:source')!.blocksRemaining,
          };
        }
      },
    });
    try {
      watch.start();
      const seed = await waitFor(() => judged.find((j) => j.id === 'drill'), 'the seed bridge judged', 120_000);
      expect(seed).toMatchObject({ stuck: SEED.stuck, lockedUsd: SEED.lockedUsd, severity: 'S1' });
      expect(whenSeedJudged!.caughtUp).toBe(false);
      expect(whenSeedJudged!.remaining).toBeGreaterThan(0);
      expect(judged.some((j) => j.id === 'history')).toBe(false);

      // progress is visible (blocks, percent, ETA) and committed to the store while the backfill runs
      const committed = await waitFor(async () => {
        const view = watch.backfill().find((b) => b.source === 'bridge:history:source')!;
        const stored = (await getCheckpoints(store.db, 'ethereum')).find((c) => c.source === 'bridge:history:source')!;
        return view.blocksRemaining > 0 && stored.blockNumber > 0 ? { view, stored } : undefined;
      }, 'a committed backfill checkpoint mid-way', 120_000);
      expect(committed.view.percent).toBeGreaterThan(0);
      expect(committed.view.percent).toBeLessThan(100);
      expect(committed.view.blocksTotal).toBeGreaterThan(HISTORY);
      expect(committed.stored.blockNumber).toBeLessThan(committed.view.targetBlock);

      // caught up: judged with the same figures, and read by the tip follower with the others
      const history = await waitFor(() => judged.find((j) => j.id === 'history'), 'the history bridge judged', 240_000);
      expect(history).toMatchObject({ stuck: SEED.stuck, lockedUsd: SEED.lockedUsd, pending: seed.pending, severity: 'S1' });
      expect(watch.backfill().filter((b) => b.blocksRemaining > 0)).toEqual([]);
      // one eth_getLogs over every caught-up source per new confirmed range
      const before = source.calls.length;
      await chains.source.mine(1);
      await waitFor(() => source.calls.slice(before).some((c) => c.method === 'eth_getLogs'), 'the follower read the new block', 60_000);
      await new Promise((r) => setTimeout(r, 500));
      const reads = source.calls.slice(before).filter((c) => c.method === 'eth_getLogs');
      expect(reads).toHaveLength(1);
      const filter = reads[0]!.params[0] as { address: string[] };
      expect(filter.address.length).toBeGreaterThan(1);
    } finally {
      await watch.stop();
      await store.close();
    }
  }, 600_000);
});
