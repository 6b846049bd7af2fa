/**
 * History below the reorg window is paired in memory (src/watchers/pairing.ts): settled transfers
 * never become rows, yet the judgement, a crash before the book is written, a full book and a
 * reorg inside the window all give exactly what storing every row gave.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScan, type ScanBridge } from '../../src/app/scan.ts';
import { wireChains } from '../../src/app/watch.ts';
import { REORG_WINDOW, REORG_WINDOW_SECONDS } from '../../src/chain/sync.ts';
import { silentLogger } from '../../src/core/log.ts';
import { DRILL_TOKENS, transferIdFor } from '../../src/drill/bridge.ts';
import { SEED, seedStuckBridge } from '../../src/drill/seed.ts';
import { getCheckpoints } from '../../src/store/checkpoints.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { countTransfers } from '../../src/store/transfers.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';

function judged(bridge: ScanBridge | undefined) {
  if (!bridge || !bridge.judged) throw new Error(`bridge not judged: ${JSON.stringify(bridge)}`);
  return bridge;
}

const memoryStore = (): Promise<Store> => createStore({ kind: 'pglite', url: 'memory://' });

describe('pairing below the reorg window', () => {
  let chains: DrillChains;

  beforeAll(async () => {
    chains = await startDrillChains();
    await seedStuckBridge(chains.bridge, 0);
    // the whole seed history sinks below the reorg window (anvil mines a block a second: the window is 5 min of blocks)
    await Promise.all([chains.source.mine(Math.max(REORG_WINDOW, REORG_WINDOW_SECONDS) + 10), chains.destination.mine(Math.max(REORG_WINDOW, REORG_WINDOW_SECONDS) + 10)]);
  }, 120_000);
  afterAll(async () => {
    await chains?.stop();
  });

  it('settled transfers are not stored; the seed case is judged exactly', async () => {
    const store = await memoryStore();
    try {
      const config = configFor(chains.bridge, { confirmations: 0 });
      const bridge = judged((await runScan({ config, logger: silentLogger, store })).bridges[0]);
      expect(bridge).toMatchObject({ pending: SEED.stuck + SEED.fresh, stuck: SEED.stuck, lockedUsd: SEED.lockedUsd, severity: 'S1' });
      // the completed transfers were paired in memory: only the pending deposits are rows
      expect(await countTransfers(store.db, 'drill')).toEqual({ deposits: SEED.stuck + SEED.fresh, finalizations: 0 });
    } finally {
      await store.close();
    }
  });

  it('a crash before the book is written loses nothing: the checkpoints did not move, the next run reads it again', async () => {
    const dir = `/tmp/firebreak-pairing-${process.pid}-${Date.now()}`;
    const config = configFor(chains.bridge, { confirmations: 0, storage: `pglite://${dir}` });
    let store = await createStore(config.storage, silentLogger);
    // read both chains to their heads, then "crash": close the store without settling the book
    const { syncs } = wireChains({ config, store, logger: silentLogger });
    await Promise.all(Object.values(syncs).map((sync) => sync.catchUp()));
    const bridgePoints = (await Promise.all(Object.keys(config.chains).map((c) => getCheckpoints(store.db, c))))
      .flat()
      .filter((c) => c.source.startsWith('bridge:'));
    expect(bridgePoints).toHaveLength(2);
    for (const point of bridgePoints) expect(point.blockHash).toBe('');
    expect(await countTransfers(store.db, 'drill')).toEqual({ deposits: 0, finalizations: 0 });
    await store.close();

    store = await createStore(config.storage, silentLogger);
    try {
      const bridge = judged((await runScan({ config, logger: silentLogger, store })).bridges[0]);
      expect(bridge).toMatchObject({ pending: SEED.stuck + SEED.fresh, stuck: SEED.stuck, lockedUsd: SEED.lockedUsd });
    } finally {
      await store.close();
    }
  });

  it('a full book is written mid-way (pairs split across writes still pair through the store)', async () => {
    const store = await memoryStore();
    try {
      const config = configFor(chains.bridge, { confirmations: 0 });
      const bridge = judged((await runScan({ config, logger: silentLogger, store, maxHeld: 3, initialRange: 1, maxRange: 1 })).bridges[0]);
      expect(bridge).toMatchObject({ pending: SEED.stuck + SEED.fresh, stuck: SEED.stuck, lockedUsd: SEED.lockedUsd, severity: 'S1' });
    } finally {
      await store.close();
    }
  });

  it('inside the window every row is kept, so a reorg there makes a settled-looking transfer pending again', async () => {
    const store = await memoryStore();
    try {
      const config = configFor(chains.bridge, { confirmations: 0 });
      await runScan({ config, logger: silentLogger, store });
      const id = transferIdFor('pairing-reorg', 0);
      await chains.bridge.deposit([{ id, token: DRILL_TOKENS.usdc.address, amount: 3n * 10n ** 6n }]);
      await chains.bridge.finalize([id]);
      await chains.destination.mine(1);
      const before = judged((await runScan({ config, logger: silentLogger, store })).bridges[0]);
      expect(before.pending).toBe(SEED.stuck + SEED.fresh);
      // the finalization is reorged out (a longer fork without it)
      await chains.destination.testClient.request({ method: 'anvil_reorg' as never, params: [2, []] as never });
      await chains.destination.mine(1);
      const after = judged((await runScan({ config, logger: silentLogger, store })).bridges[0]);
      expect(after.pending).toBe(SEED.stuck + SEED.fresh + 1);
    } finally {
      await store.close();
    }
  });
});
