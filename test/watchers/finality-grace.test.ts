/**
 * SPEC §2/§3 on real anvil chains: `finality: safe|finalized` reads the confirmed head through the
 * node's block tags (and the reorg window follows it); one failed pass is not "unobservable" — only
 * `unobservableAfter` without any RPC answer is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireChains } from '../../src/app/watch.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { createWatchService } from '../../src/watchers/service.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { startRpcProxy } from '../support/rpc-proxy.ts';
import { waitFor } from '../incidents/start-process.ts';

describe('finality and unobservable grace', () => {
  let chains: DrillChains;
  beforeAll(async () => {
    chains = await startDrillChains();
    await Promise.all([chains.source.mine(80), chains.destination.mine(80)]);
  }, 300_000);
  afterAll(async () => {
    await chains?.stop();
  });

  it('finality: finalized / safe — the confirmed head is the node\'s tagged block, and what is read up to it is final', async () => {
    for (const finality of ['finalized', 'safe'] as const) {
      const config = configFor(chains.bridge, { patch: (raw) => void (raw.chains.ethereum.finality = finality) });
      expect(config.chains.ethereum!.finality).toBe(finality);
      const store: Store = await createStore({ kind: 'pglite', url: 'memory://' });
      try {
        const { syncs } = wireChains({ config, store, logger: silentLogger });
        const head = await syncs.ethereum!.catchUp();
        const tagged = await chains.source.publicClient.getBlock({ blockTag: finality });
        const finalized = await chains.source.publicClient.getBlock({ blockTag: 'finalized' });
        const latest = await chains.source.publicClient.getBlockNumber({ cacheTime: 0 });
        // anvil calls blocks final well below its head: the tag, not head − confirmations, counts
        expect(head.confirmed).toBe(Number(tagged.number));
        expect(head.confirmed).toBeLessThan(Number(latest) - config.chains.ethereum!.confirmations);
        expect(head.finalized).toBe(Number(finalized.number));
        expect(syncs.ethereum!.caughtUp()).toBe(true);
      } finally {
        await store.close();
      }
    }
  }, 300_000);

  it('one failed pass leaves the chain observable; only unobservableAfter without an answer marks it', async () => {
    const proxy = await startRpcProxy(chains.destination.anvil.url);
    const store: Store = await createStore({ kind: 'pglite', url: 'memory://' });
    try {
      let clock = Date.now();
      const config = configFor(chains.bridge, { patch: (raw) => void (raw.chains.arbitrum.rpc = [proxy.url]) });
      expect(config.chains.arbitrum!.unobservableAfterMs).toBe(120_000);
      const wiring = wireChains({ config, store, logger: silentLogger });
      const watch = createWatchService({ config, store, logger: silentLogger, headSubscriptions: false, now: () => clock, ...wiring });
      const arbitrum = () => watch.chains().find((c) => c.name === 'arbitrum')!;
      await watch.tick();
      expect(arbitrum().caughtUp).toBe(true);
      proxy.down = true;
      // a failed pass, and another 119 s later: still observable (a provider blip is not an outage)
      await watch.tick();
      expect(arbitrum().lastError).not.toBeNull();
      expect(arbitrum().unobservableSince).toBeNull();
      clock += 119_000;
      await watch.tick();
      expect(arbitrum().unobservableSince).toBeNull();
      expect(arbitrum().halted).toBe(false);
      // two minutes without any answer: unobservable (and never halted)
      clock += 2_000;
      await watch.tick();
      expect(arbitrum().unobservableSince).not.toBeNull();
      expect(arbitrum().halted).toBe(false);
      proxy.down = false;
      await waitFor(async () => {
        await watch.tick();
        return arbitrum().unobservableSince === null;
      }, 'observable again', 60_000);
    } finally {
      await store.close();
      await proxy.close();
    }
  }, 300_000);
});
