/**
 * Backfill ranges aim at 2,500 logs per answer, a quarter of the usual 10,000-result cap: when a
 * dense history gets three times denser, the range sized on the stretch before still fits under
 * the cap, so no answer is refused for its results (aiming at the cap itself, every step up in
 * density cost a refused round trip). Nor is the first: ranges start at 2 blocks and grow 2× after
 * one light answer (8× only after two), where a blind 16 blocks of this history would be refused. Through the hosted-provider stand-in with Infura's result cap
 * in front of a real anvil carrying drill-bridge deposit batches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogSource } from '../../src/chain/sync.ts';
import { emitTraffic } from '../../src/bench/emit.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { type HostedProvider, startHostedProvider } from '../support/hosted-provider.ts';
import { localChainSync } from '../support/local-sync.ts';

describe('range sizing toward 2,500 logs', () => {
  let chains: DrillChains;
  let provider: HostedProvider;
  let store: Store;
  let deposits: number;

  beforeAll(async () => {
    chains = await startDrillChains();
    // 8 blocks of 1,000 deposits, then 4 blocks of 3,000 (one batch transaction per block)
    const sparse = await emitTraffic(chains.bridge, { events: 16_000, perTx: 1_000, salt: 'a1' });
    const dense = await emitTraffic(chains.bridge, { events: 24_000, perTx: 3_000, salt: 'b2' });
    deposits = sparse.deposits + dense.deposits;
    await chains.source.mine(8);
    provider = await startHostedProvider(chains.source.anvil.url, { maxResults: 10_000 });
    store = await createStore({ kind: 'pglite', url: 'memory://' });
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await provider?.close();
    await chains?.stop();
  });

  it('a stretch three times denser is read under a 10,000-result cap without a refused answer, every deposit once', async () => {
    const bridge = configFor(chains.bridge).bridges[0]!;
    const read: string[] = [];
    const source: LogSource = {
      key: 'deposits',
      address: bridge.source.address.toLowerCase(),
      topic0: bridge.source.selector,
      fromBlock: 1,
      fingerprint: 'deposits@1',
      async ingest(_trx, logs) {
        for (const log of logs) read.push(`${log.blockNumber}:${log.logIndex}`);
      },
      rollback: async () => {},
      reset: async () => {},
    };
    const sync = localChainSync({ url: provider.url, store, sources: [source], reorgWindow: 4 });
    await sync.catchUp();
    // from the first answer on (ranges start at 2 blocks and grow 2× after one light answer: a blind
    // 16 blocks of this history would be 16,000 logs, refused)
    const sized = provider.calls.filter((c) => c.method === 'eth_getLogs');
    expect(sized.filter((c) => c.outcome === 'range')).toEqual([]);
    expect(read).toHaveLength(deposits);
    expect(new Set(read).size).toBe(deposits);
    // sized on the 1,000-log blocks: two of them per answer, not ten
    const spans = sized.filter((c) => c.outcome === 'ok').map((c) => c.blocks!.to - c.blocks!.from + 1);
    expect(spans).toContain(2);
  });
});
