/**
 * One schema, one set of migrations, the same queries on PGlite and PostgreSQL.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCheckpoints, saveCheckpoint, saveCheckpoints } from '../../src/store/checkpoints.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { deleteDepositsAbove, insertDeposits, insertFinalizations, pendingTransfers } from '../../src/store/transfers.ts';
import type { StorageConfig } from '../../src/config/types.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { requirePostgres } from '../support/requires.ts';

const pgUp = await requirePostgres('the store on PostgreSQL (test/store/store.test.ts)');
if (!pgUp) console.warn('PostgreSQL not reachable at 127.0.0.1:5432: PostgreSQL store tests are skipped');

for (const kind of ['pglite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !pgUp)(`store on ${kind}`, () => {
    let storage: StorageConfig;
    let drop = async () => {};
    let store: Store;

    beforeAll(async () => {
      if (kind === 'postgres') {
        const database = await createTestDatabase();
        storage = { kind: 'postgres', url: database.url };
        drop = database.drop;
      } else storage = { kind: 'pglite', url: 'memory://' };
      store = await createStore(storage);
    });
    afterAll(async () => {
      await store?.close();
      await drop();
    });

    it('migrations are idempotent (a second instance finds them applied)', async () => {
      if (kind === 'postgres') {
        const second = await createStore(storage);
        await second.close();
      }
      const versions = await sql<{ version: number }>`select version from schema_migrations`.execute(store.db);
      expect(versions.rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
    });

    it('keeps transfers, pairs them by key, rolls back above a block', async () => {
      const base = { bridge: 'b', blockTimestamp: 1_700_000_000, txHash: '0xabc', token: '0xt' };
      await insertDeposits(store.db, [
        { ...base, transferKey: '0x1', transferId: '1', blockNumber: 10, logIndex: 0, amount: 10n ** 30n },
        { ...base, transferKey: '0x2', transferId: '2', blockNumber: 11, logIndex: 0, amount: 5n },
        { ...base, transferKey: '0x3', transferId: '3', blockNumber: 12, logIndex: 0, amount: 6n },
      ]);
      await insertFinalizations(store.db, [{ bridge: 'b', transferKey: '0x2', blockNumber: 3, blockTimestamp: 1, txHash: '0xdef', logIndex: 1 }]);
      let pending = await pendingTransfers(store.db, 'b');
      expect(pending.map((p) => p.transferId)).toEqual(['1', '3']);
      expect(pending[0]!.amount).toBe(10n ** 30n); // numeric(78) keeps uint256 precision
      await deleteDepositsAbove(store.db, 'b', 11);
      pending = await pendingTransfers(store.db, 'b');
      expect(pending.map((p) => p.transferId)).toEqual(['1']);
    });

    it('saves the checkpoints of thousands of sources at once (more than one statement may carry)', async () => {
      const many = Array.from({ length: 6_000 }, (_, i) => ({ source: `many:${i}`, chain: 'many', blockNumber: i, blockHash: '0xab', blockTimestamp: 1, fingerprint: 'f' }));
      await store.transaction((trx) => saveCheckpoints(trx, many));
      await saveCheckpoints(store.db, many.map((c) => ({ ...c, blockNumber: c.blockNumber + 1 })));
      const saved = await getCheckpoints(store.db, 'many');
      expect(saved).toHaveLength(6_000);
      expect(saved.every((c) => c.blockNumber === Number(c.source.slice(5)) + 1)).toBe(true);
    });

    it('commits a checkpoint with its rows or not at all', async () => {
      const checkpoint = { source: 's', chain: 'c', blockNumber: 5, blockHash: '0xh', blockTimestamp: 9, fingerprint: 'f' };
      await saveCheckpoint(store.db, checkpoint);
      await expect(
        store.transaction(async (trx) => {
          await saveCheckpoint(trx, { ...checkpoint, blockNumber: 6 });
          throw new Error('crash mid-range');
        }),
      ).rejects.toThrow('crash mid-range');
      expect((await getCheckpoints(store.db, 'c'))[0]!.blockNumber).toBe(5);
    });
  });
}
