/**
 * Replayed releases (SPEC §11; the Nomad class): a release is one destination log, identified by
 * (tx_hash, log_index). A second delivered release of a key deposited once is stored and read as
 * unbacked; a single release, a retried-then-delivered lifecycle, the same log read again (a
 * restart, a reorg's re-read) never are — and a deposit with one delivered release is settled
 * (not pending), however many replays follow it. On PGlite and PostgreSQL, plus an occurrence-keyed
 * preset (erc721-lock-mint) written through its log sources.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawLog } from '../../src/chain/blocks.ts';
import type { IngestRange } from '../../src/chain/sync.ts';
import type { BridgeConfig } from '../../src/config/types.ts';
import { silentLogger } from '../../src/core/log.ts';
import { ERC721_TRANSFER } from '../../src/core/presets/erc721-lock-mint.ts';
import { unbackedReleases } from '../../src/store/exploit.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { pendingSummary } from '../../src/store/pending.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import {
  countTransfers,
  deleteFinalizationsAbove,
  type FinalizationRow,
  insertDeposits,
  insertFinalizations,
  pruneSettled,
} from '../../src/store/transfers.ts';
import { presetSources } from '../../src/watchers/preset-sources.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { requirePostgres } from '../support/requires.ts';

const pgUp = await requirePostgres('replayed releases on PostgreSQL (test/store/replay.test.ts)');

const T0 = 1_700_000_000;
const USDC = '0x00000000000000000000000000000000000000c0';
/** every release is past its grace */
const LATE = T0 + 86_400;

const tx = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

function deposit(bridge: string, key: string, block: number) {
  return { bridge, transferKey: key, transferId: key, blockNumber: block, blockTimestamp: T0 + block, txHash: tx(1_000 + block), logIndex: 0, token: USDC, amount: 500n };
}

function release(bridge: string, key: string, block: number, logIndex = 0, extra: Partial<FinalizationRow> = {}): FinalizationRow {
  return { bridge, transferKey: key, blockNumber: block, blockTimestamp: T0 + block, txHash: tx(block), logIndex, token: USDC, amount: 500n, recipient: `0x${'ab'.repeat(20)}`, ...extra };
}

for (const kind of ['pglite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !pgUp)(`replayed releases on ${kind}`, () => {
    let store: Store;
    let drop = async () => {};
    let run = 0;
    const fresh = () => `r${run++}`;
    beforeAll(async () => {
      if (kind === 'postgres') {
        const database = await createTestDatabase();
        drop = database.drop;
        store = await createStore({ kind: 'postgres', url: database.url });
      } else store = await createStore({ kind: 'pglite', url: 'memory://' });
    });
    afterAll(async () => {
      await store?.close();
      await drop();
    });

    const unbacked = (bridge: string) => unbackedReleases(store.db, { bridge, cutoff: LATE });
    const pending = async (bridge: string) => (await pendingSummary(store.db, { bridge, stuckCutoff: LATE, list: 'all' })).listed.map((p) => p.id);

    it('a second release of a key deposited once is stored and read as unbacked, valued; the deposit is settled', async () => {
      const b = fresh();
      await insertDeposits(store.db, [deposit(b, 'k1', 10)]);
      await insertFinalizations(store.db, [release(b, 'k1', 20)]);
      // the attacker replays the same message: another tx, same key
      await insertFinalizations(store.db, [release(b, 'k1', 25, 3, { recipient: `0x${'cd'.repeat(20)}` })]);
      expect(await countTransfers(store.db, b)).toEqual({ deposits: 1, finalizations: 2 });
      const found = await unbacked(b);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ transferKey: 'k1', blockNumber: 25, logIndex: 3, txHash: tx(25), token: USDC, amount: 500n, recipient: `0x${'cd'.repeat(20)}` });
      // a third replay counts too; the first release stays backed
      await insertFinalizations(store.db, [release(b, 'k1', 30, 1)]);
      expect((await unbacked(b)).map((r) => r.blockNumber)).toEqual([25, 30]);
      expect(await pending(b)).toEqual([]);
    });

    it('two releases in one transaction (two logs of one tx) are two releases', async () => {
      const b = fresh();
      await insertDeposits(store.db, [deposit(b, 'k1', 10)]);
      await insertFinalizations(store.db, [release(b, 'k1', 20, 0), release(b, 'k1', 20, 1)]);
      expect((await unbacked(b)).map((r) => [r.blockNumber, r.logIndex])).toEqual([[20, 1]]);
    });

    it('releases read before their deposit: both count until the deposit is read, then only the second', async () => {
      const b = fresh();
      await insertFinalizations(store.db, [release(b, 'k1', 20), release(b, 'k1', 21)]);
      expect(await unbacked(b)).toHaveLength(2);
      await insertDeposits(store.db, [deposit(b, 'k1', 10)]);
      expect((await unbacked(b)).map((r) => r.blockNumber)).toEqual([21]);
    });

    it('a single release of a deposited key, and other keys around a replay, never count', async () => {
      const b = fresh();
      await insertDeposits(store.db, [deposit(b, 'k1', 10), deposit(b, 'k2', 11), deposit(b, 'k3', 12)]);
      await insertFinalizations(store.db, [release(b, 'k1', 20), release(b, 'k2', 21), release(b, 'k3', 22)]);
      expect(await unbacked(b)).toEqual([]);
      expect(await pending(b)).toEqual([]);
    });

    it('a retried-then-delivered lifecycle never counts, and is pending until its delivery', async () => {
      const b = fresh();
      await insertDeposits(store.db, [deposit(b, 'k1', 10)]);
      // failed twice (each failure its own log), then delivered
      await insertFinalizations(store.db, [release(b, 'k1', 20, 0, { stage: 'failed-retryable' }), release(b, 'k1', 21, 0, { stage: 'failed-retryable' })]);
      expect(await pending(b)).toEqual(['k1']);
      const summary = await pendingSummary(store.db, { bridge: b, stuckCutoff: LATE, list: 'all' });
      expect(summary.tokens[0]).toMatchObject({ failed: 1 });
      await insertFinalizations(store.db, [release(b, 'k1', 22)]);
      expect(await pending(b)).toEqual([]);
      expect(await unbacked(b)).toEqual([]);
    });

    it('the same log read again (restart, overlapping range) is one row, never a replay', async () => {
      const b = fresh();
      await insertDeposits(store.db, [deposit(b, 'k1', 10)]);
      await insertFinalizations(store.db, [release(b, 'k1', 20)]);
      await insertFinalizations(store.db, [release(b, 'k1', 20)]);
      await insertFinalizations(store.db, [release(b, 'k1', 20), release(b, 'k1', 20)]);
      expect(await countTransfers(store.db, b)).toEqual({ deposits: 1, finalizations: 1 });
      expect(await unbacked(b)).toEqual([]);
    });

    it("a reorg's re-read (rolled back, read again, the release landing in another block) never counts", async () => {
      const b = fresh();
      await insertDeposits(store.db, [deposit(b, 'k1', 10)]);
      await insertFinalizations(store.db, [release(b, 'k1', 20)]);
      await deleteFinalizationsAbove(store.db, b, 15);
      // the same tx re-included two blocks later on the new fork, at another log index
      await insertFinalizations(store.db, [{ ...release(b, 'k1', 22, 4), txHash: tx(20) }]);
      expect(await countTransfers(store.db, b)).toEqual({ deposits: 1, finalizations: 1 });
      expect(await unbacked(b)).toEqual([]);
      expect(await pending(b)).toEqual([]);
    });

    it('settled pairs are pruned with their first release; a replay stays and still counts', async () => {
      const b = fresh();
      await insertDeposits(store.db, [deposit(b, 'k1', 10), deposit(b, 'k2', 11)]);
      await insertFinalizations(store.db, [release(b, 'k1', 20, 0, { stage: 'failed-retryable' }), release(b, 'k1', 21), release(b, 'k2', 22), release(b, 'k1', 23)]);
      expect((await unbacked(b)).map((r) => r.blockNumber)).toEqual([23]);
      // everything final: k1 (deposit, failure, first delivery) and k2 go; k1's replay stays
      expect(await pruneSettled(store.db, b, 100, 100)).toBe(2);
      expect(await countTransfers(store.db, b)).toEqual({ deposits: 0, finalizations: 1 });
      expect((await unbacked(b)).map((r) => r.blockNumber)).toEqual([23]);
      // a replay read after the pair was pruned: no deposit left, unbacked as well
      await insertFinalizations(store.db, [release(b, 'k2', 40)]);
      expect((await unbacked(b)).map((r) => r.blockNumber)).toEqual([23, 40]);
    });

    it('a large prune is spread over calls of at most `limit` pairs, each pair whole', async () => {
      const b = fresh();
      await insertDeposits(store.db, [deposit(b, 'k1', 10), deposit(b, 'k2', 11), deposit(b, 'k3', 12)]);
      await insertFinalizations(store.db, [release(b, 'k1', 20), release(b, 'k2', 21), release(b, 'k3', 22)]);
      expect(await pruneSettled(store.db, b, 100, 100, { limit: 2 })).toBe(2);
      expect(await countTransfers(store.db, b)).toEqual({ deposits: 1, finalizations: 1 });
      expect(await unbacked(b)).toEqual([]);
      expect(await pending(b)).toEqual([]);
      expect(await pruneSettled(store.db, b, 100, 100, { limit: 2 })).toBe(1);
      expect(await pruneSettled(store.db, b, 100, 100, { limit: 2 })).toBe(0);
      expect(await countTransfers(store.db, b)).toEqual({ deposits: 0, finalizations: 0 });
    });

    it('a pair not final yet is not pruned, replay or not', async () => {
      const b = fresh();
      await insertDeposits(store.db, [deposit(b, 'k1', 10)]);
      await insertFinalizations(store.db, [release(b, 'k1', 20), release(b, 'k1', 30)]);
      expect(await pruneSettled(store.db, b, 100, 19)).toBe(0);
      expect(await countTransfers(store.db, b)).toEqual({ deposits: 1, finalizations: 2 });
      expect((await unbacked(b)).map((r) => r.blockNumber)).toEqual([30]);
    });

    it('the finalizations table is keyed by the log (migration 6)', async () => {
      expect(MIGRATIONS.find((m) => m.version === 6)!.sql).toContain('PRIMARY KEY (bridge, tx_hash, log_index)');
      const { rows } = await sql<{ def: string }>`
        SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE t.relname = 'finalizations' AND c.contype = 'p'`.execute(store.db);
      expect(rows.map((r) => r.def)).toEqual(['PRIMARY KEY (bridge, tx_hash, log_index)']);
    });
  });
}

describe('replayed releases of an occurrence-keyed preset (erc721-lock-mint), through its log sources', () => {
  const ESCROW = '0x00000000000000000000000000000000000e5c80';
  const COLLECTION = '0x0000000000000000000000000000000000c011ec';
  const WRAPPED = '0x000000000000000000000000000000000000a7a7';
  const ZERO = '0x0000000000000000000000000000000000000000';
  const word = (value: string | bigint) => `0x${(typeof value === 'bigint' ? value.toString(16) : value.slice(2)).toLowerCase().padStart(64, '0')}`;
  const bridge = {
    id: 'nft',
    name: 'nft',
    stuckAfterMs: 1_800_000,
    source: { chain: 'a', address: COLLECTION, fromBlock: 0n },
    destination: { chain: 'b', address: WRAPPED, fromBlock: 0n },
    tokens: { [COLLECTION]: { symbol: 'APE', decimals: 0, kind: 'erc721', priceUsd: 10 } },
    preset: { name: 'erc721-lock-mint', params: { escrow: ESCROW, wrapped: WRAPPED } },
  } as unknown as BridgeConfig;

  function transfer(address: string, from: string, to: string, tokenId: bigint, block: number, logIndex = 0): RawLog {
    return {
      address,
      topics: [ERC721_TRANSFER.topic0, word(from), word(to), word(tokenId)],
      data: '0x',
      blockNumber: block,
      blockHash: tx(block),
      blockTimestamp: T0 + block,
      transactionHash: tx(block * 10 + logIndex),
      logIndex,
      removed: false,
    };
  }
  const lock = (tokenId: bigint, block: number) => transfer(COLLECTION, `0x${'11'.repeat(20)}`, ESCROW, tokenId, block);
  const mint = (tokenId: bigint, block: number, logIndex = 0) => transfer(WRAPPED, ZERO, `0x${'11'.repeat(20)}`, tokenId, block, logIndex);

  let store: Store;
  beforeAll(async () => {
    store = await createStore({ kind: 'pglite', url: 'memory://' });
  });
  afterAll(async () => {
    await store?.close();
  });

  const sources = () => {
    const all = presetSources(bridge, { source: 1, destination: 2 }, silentLogger, () => T0);
    const side = (chain: string) => all.find((s) => s.chain === chain)!.source;
    return { source: side('a'), destination: side('b') };
  };
  const range = (block: number): IngestRange => ({
    checkpoint: { source: 'x', chain: 'x', blockNumber: block, blockHash: tx(block), blockTimestamp: T0 + block, fingerprint: 'f' },
    finalBlock: 0,
    afterCommit: (fn) => fn(),
  });
  const ingest = (side: 'source' | 'destination', logs: RawLog[]) => store.transaction((trx) => sources()[side].ingest(trx, logs, range(logs.at(-1)?.blockNumber ?? 0)));
  const keys = async (table: 'deposits' | 'finalizations') =>
    (await store.db.selectFrom(table).select('transfer_key').where('bridge', '=', 'nft').orderBy('block_number').orderBy('log_index').execute()).map((r) => r.transfer_key);

  it('the item going out and back twice pairs by occurrence; the same logs read again (a restart) change nothing', async () => {
    await ingest('source', [lock(7n, 10), lock(7n, 30)]);
    await ingest('destination', [mint(7n, 20), mint(7n, 40)]);
    // read again (a new source instance: the store is all it knows)
    await ingest('source', [lock(7n, 10), lock(7n, 30)]);
    await ingest('destination', [mint(7n, 20), mint(7n, 40)]);
    await ingest('destination', [mint(7n, 40)]);
    expect(await keys('deposits')).toEqual(['0x7#1', '0x7#2']);
    expect(await keys('finalizations')).toEqual(['0x7#1', '0x7#2']);
    expect(await unbackedReleases(store.db, { bridge: 'nft', cutoff: LATE })).toEqual([]);
    expect((await pendingSummary(store.db, { bridge: 'nft', stuckCutoff: LATE, list: 'all' })).listed).toEqual([]);
  });

  it('a third mint with no third lock (a replayed mint message) is unbacked, and a re-read of it stays one release', async () => {
    await ingest('destination', [mint(7n, 50, 2)]);
    await ingest('destination', [mint(7n, 50, 2)]);
    expect(await keys('finalizations')).toEqual(['0x7#1', '0x7#2', '0x7#3']);
    const found = await unbackedReleases(store.db, { bridge: 'nft', cutoff: LATE });
    expect(found.map((r) => [r.transferKey, r.blockNumber, r.logIndex])).toEqual([['0x7#3', 50, 2]]);
  });
});
