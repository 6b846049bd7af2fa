/**
 * Following the tip costs one head read and one eth_getLogs per block: the block a range ends at
 * (`confirmations` below the head) was polled as the head a few blocks earlier, and is taken from
 * there while the polled heads link to the current one by parent hashes. A reorg breaks the link:
 * the headers are read again and the reorganized block is read again, never taken from the cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireChains } from '../../src/app/watch.ts';
import { silentLogger } from '../../src/core/log.ts';
import { DRILL_TOKENS, transferIdFor } from '../../src/drill/bridge.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { type RpcProxy, startRpcProxy } from '../support/rpc-proxy.ts';
import { pendingTransfers } from '../../src/store/transfers.ts';

describe('the tip follower reads each block once', () => {
  let chains: DrillChains;
  let proxy: RpcProxy;
  let store: Store;

  beforeAll(async () => {
    chains = await startDrillChains();
    proxy = await startRpcProxy(chains.source.anvil.url);
    store = await createStore({ kind: 'pglite', url: 'memory://' });
  });
  afterAll(async () => {
    await store?.close();
    await proxy?.close();
    await chains?.stop();
  });

  function wired() {
    const config = configFor(chains.bridge, { confirmations: 2, patch: (raw) => (raw.chains.ethereum.rpc = [proxy.url]) });
    return { config, ...wireChains({ config, store, logger: silentLogger }) };
  }

  const calls = (method: string) => proxy.calls.filter((c) => c.method === method);

  it('a block at a time: the head read and one eth_getLogs, no header read for the range it ends', async () => {
    const { syncs } = wired();
    const sync = syncs.ethereum!;
    await sync.catchUp();
    for (let i = 0; i < 4; i++) {
      await chains.source.mine(1);
      await sync.pollHead();
      await sync.follow();
    }
    proxy.calls.length = 0;
    for (let i = 0; i < 6; i++) {
      await chains.source.mine(1);
      await sync.pollHead();
      await sync.follow();
    }
    expect(calls('eth_getLogs')).toHaveLength(6);
    // one `latest` per poll, nothing by number: the confirmed block was polled as the head before
    const headers = calls('eth_getBlockByNumber').map((c) => (c.params as unknown[])[0]);
    expect(headers).toEqual(Array(6).fill('latest'));
    expect(sync.caughtUp()).toBe(true);
  });

  it('after a reorg below the head the headers are read again and a deposit the reorg removed is gone', async () => {
    const { syncs, config } = wired();
    const sync = syncs.ethereum!;
    await sync.catchUp();
    const id = transferIdFor('polled-reorg', 0);
    await chains.bridge.deposit([{ id, token: DRILL_TOKENS.usdc.address, amount: 10n ** 6n }]);
    for (let i = 0; i < 4; i++) {
      await chains.source.mine(1);
      await sync.pollHead();
      await sync.follow();
    }
    const stored = async () => (await pendingTransfers(store.db, config.bridges[0]!.id)).map((d) => d.transferId);
    expect(await stored()).toContain(id);
    // replace the last 5 blocks (the deposit's among them) with empty ones, one block longer
    await chains.source.testClient.request({ method: 'anvil_reorg' as never, params: [5, []] as never });
    await chains.source.mine(1);
    proxy.calls.length = 0;
    await sync.pollHead();
    await sync.follow();
    expect(calls('eth_getBlockByNumber').some((c) => (c.params as unknown[])[0] !== 'latest')).toBe(true);
    expect(await stored()).not.toContain(id);
  });
});
