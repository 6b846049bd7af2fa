/**
 * A bridge side whose configuration changes is read again from its fromBlock. Settled pairs are
 * pruned from the store once final on both sides, so reading ONE side again would meet the other
 * side without them: re-read deposits would look pending (stuck, a false S1/S0) and re-read
 * releases unbacked (a false S0 and an auto-pause). Both sides start over together; a checkpoint
 * stored under the older per-side fingerprint is kept (an upgrade does not re-read histories).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { runScan, type ScanBridge } from '../../src/app/scan.ts';
import { silentLogger } from '../../src/core/log.ts';
import { DRILL_TOKENS, transferIdFor } from '../../src/drill/bridge.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { countTransfers } from '../../src/store/transfers.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { startRpcProxy } from '../support/rpc-proxy.ts';

/** deeper than the reorg window (256 blocks, 300 s at a block a second): final, so pruned */
const FINAL_DEPTH = 301;

function judged(bridge: ScanBridge | undefined) {
  if (!bridge || !bridge.judged) throw new Error(`bridge not judged: ${JSON.stringify(bridge)}`);
  return bridge;
}

describe('a bridge side configured anew is read again with its pair', () => {
  let chains: DrillChains;
  let store: Store;
  const ids = Array.from({ length: 6 }, (_, i) => transferIdFor('side-change', i));
  const bridgeId = () => configFor(chains.bridge).bridges[0]!.id;

  beforeAll(async () => {
    chains = await startDrillChains();
    await chains.bridge.deposit(ids.map((id) => ({ id, token: DRILL_TOKENS.usdc.address, amount: 5n * 10n ** 6n })));
    await chains.bridge.finalize(ids);
    await Promise.all([chains.source.mine(FINAL_DEPTH), chains.destination.mine(FINAL_DEPTH)]);
  });
  // each case from a store that read the history once and pruned it
  beforeEach(async () => {
    store = await createStore({ kind: 'pglite', url: 'memory://' });
    const first = judged((await runScan({ config: configFor(chains.bridge), logger: silentLogger, store })).bridges[0]);
    expect(first.pending).toBe(0);
    // the settled, final pairs are gone from the store: what a side read again would not find
    expect(await countTransfers(store.db, bridgeId())).toEqual({ deposits: 0, finalizations: 0 });
  });
  afterEach(async () => {
    await store?.close();
  });
  afterAll(async () => {
    await chains?.stop();
  });

  it('the destination configured anew: no release of a pruned pair reads as unbacked', async () => {
    const config = configFor(chains.bridge, { patch: (raw) => (raw.bridges[0].destination.fromBlock = 1) });
    await runScan({ config, logger: silentLogger, store });
    // a release re-read is stamped with the source's clock: past the unbacked grace (2 min) it would count
    await chains.source.advance(600);
    await chains.source.mine(20); // past the confirmations: the judged source time is the confirmed head's
    const bridge = judged((await runScan({ config, logger: silentLogger, store })).bridges[0]);
    expect(bridge.unbacked?.count ?? 0).toBe(0);
    expect(bridge.unbacked?.releases ?? []).toEqual([]);
    expect(bridge.pending).toBe(0);
    expect(bridge.severity).toBeNull();
  });

  it('the source configured anew: no deposit of a pruned pair reads as pending', async () => {
    const config = configFor(chains.bridge, { patch: (raw) => (raw.bridges[0].source.fromBlock = 1) });
    const bridge = judged((await runScan({ config, logger: silentLogger, store })).bridges[0]);
    expect(bridge.pending).toBe(0);
    expect(bridge.transfers).toEqual([]);
    expect(bridge.unbacked?.count ?? 0).toBe(0);
    expect(bridge.severity).toBeNull();
  });

  it('a checkpoint stored under the per-side fingerprint of earlier versions is kept, not read again', async () => {
    const config = configFor(chains.bridge);
    // what an earlier version stored: each side's own fingerprint (the pair's halves)
    await sql`UPDATE sync_checkpoints SET fingerprint = split_part(substr(fingerprint, 6), '|>|', 1) WHERE source = ${`bridge:${bridgeId()}:source`}`.execute(store.db);
    await sql`UPDATE sync_checkpoints SET fingerprint = split_part(fingerprint, '|>|', 2) WHERE source = ${`bridge:${bridgeId()}:destination`}`.execute(store.db);
    const before = (await sql<{ source: string; block_number: number }>`SELECT source, block_number FROM sync_checkpoints WHERE source LIKE 'bridge:%'`.execute(store.db)).rows;
    expect(before.length).toBe(2);
    const proxy = await startRpcProxy(chains.source.anvil.url);
    try {
      config.chains[chains.source.name]!.rpc = [proxy.url];
      const bridge = judged((await runScan({ config, logger: silentLogger, store })).bridges[0]);
      expect(bridge.pending).toBe(0);
      const froms = proxy.calls.filter((c) => c.method === 'eth_getLogs').map((c) => Number((c.params[0] as { fromBlock: string }).fromBlock));
      for (const from of froms) expect(from).toBeGreaterThan(Math.min(...before.map((c) => Number(c.block_number))));
      const after = (await sql<{ fingerprint: string }>`SELECT fingerprint FROM sync_checkpoints WHERE source LIKE 'bridge:%'`.execute(store.db)).rows;
      for (const row of after) expect(row.fingerprint.startsWith('pair|')).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});
