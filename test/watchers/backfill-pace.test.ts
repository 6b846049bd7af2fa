/**
 * A backfill that needs several passes goes on right after each one: passes are kept a block time
 * apart only once the chain is caught up. On a chain with a minute between blocks, a history read
 * through a 1-block cap takes several passes of BACKFILL_BUDGET_MS; when each next pass waited a
 * block time, it took minutes (on Ethereum it read for 1 s in every 12).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireChains } from '../../src/app/watch.ts';
import type { Config } from '../../src/config/types.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { createWatchService } from '../../src/watchers/service.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { type HostedProvider, startHostedProvider } from '../support/hosted-provider.ts';
import { until } from '../support/wait.ts';

const HISTORY = 600;
const BLOCK_SECONDS = 60;

let chains: DrillChains;
let provider: HostedProvider;
let store: Store;

beforeAll(async () => {
  chains = await startDrillChains();
  await Promise.all([
    chains.source.testClient.mine({ blocks: HISTORY, interval: BLOCK_SECONDS }),
    chains.destination.testClient.mine({ blocks: HISTORY, interval: BLOCK_SECONDS }),
  ]);
  provider = await startHostedProvider(chains.source.anvil.url, { maxBlockRange: 1 });
  store = await createStore({ kind: 'pglite', url: 'memory://' });
}, 120_000);

afterAll(async () => {
  await store?.close();
  await provider?.close();
  await chains?.stop();
});

/** the watch service over `config`, counting the ethereum chain's passes and the bridges judged */
function countedWatch(config: Config) {
  const counts = { passes: 0, judged: new Set<string>() };
  const watch = createWatchService({
    config,
    store,
    logger: silentLogger,
    ...wireChains({ config, store, logger: silentLogger }),
    onChainPass(view) {
      if (view.name === 'ethereum') counts.passes++;
    },
    onJudgement(judgement) {
      counts.judged.add(judgement.id);
    },
  });
  return { watch, counts };
}

describe('backfill pace', () => {
  it('a backfill of several passes runs them back to back, not a block time apart', { timeout: 120_000 }, async () => {
    const config = configFor(chains.bridge, {
      patch: (raw) => {
        raw.chains.ethereum.rpc = [provider.url];
        // only passes can move anything here: the poll timer is ten minutes
        for (const chain of Object.values(raw.chains) as Array<{ pollIntervalMs: number }>) chain.pollIntervalMs = 600_000;
      },
    });
    const { watch, counts } = countedWatch(config);
    const started = Date.now();
    watch.start();
    try {
      // a block time is a minute: well within it, or the passes waited for one
      await until('caught up', () => watch.chains().every((c) => c.caughtUp), 45_000, 20);
    } finally {
      await watch.stop();
    }
    const seconds = (Date.now() - started) / 1000;
    // several passes (each backfills for its budget, then reads the tip again), none held back
    expect(counts.passes).toBeGreaterThanOrEqual(2);
    expect(seconds).toBeLessThan(BLOCK_SECONDS);
    expect(provider.count('ok', 'eth_getLogs')).toBeGreaterThanOrEqual(HISTORY);
  });

  it('a bridge whose fromBlock is still ahead waits: the other bridge on its chain is judged, passes keep their interval', { timeout: 60_000 }, async () => {
    const head = Number(await chains.source.publicClient.getBlockNumber());
    const config = configFor(chains.bridge, {
      patch: (raw) => {
        // a second bridge (configured before its contract's first block is mined) listed first
        const later = structuredClone(raw.bridges[0]);
        later.id = 'later';
        later.name = 'Later bridge';
        later.source.fromBlock = head + 10_000;
        raw.bridges.unshift(later);
        for (const chain of Object.values(raw.chains) as Array<{ pollIntervalMs: number }>) chain.pollIntervalMs = 500;
      },
    });
    const { watch, counts } = countedWatch(config);
    watch.start();
    try {
      await until('the drill bridge judged', () => counts.judged.has('drill'), 30_000, 20);
      const view = watch.chains().find((c) => c.name === 'ethereum')!;
      expect(view.caughtUp).toBe(true);
      expect(view.lastError).toBeNull();
      const counted = counts.passes;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      // at most one pass per 500 ms (fewer while the head subscription answers): back-to-back passes would make hundreds
      expect(counts.passes - counted).toBeLessThanOrEqual(10);
    } finally {
      await watch.stop();
    }
  });
});
