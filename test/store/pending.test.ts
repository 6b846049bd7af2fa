/**
 * The pending-transfer aggregates the database computes (src/store/pending.ts) are exactly what the
 * same aggregation gives over the full list of pending rows: counts, numeric sums of uint256
 * amounts, oldest stuck timestamps, token order, and the oldest transfers listed — on PGlite and
 * PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizePending } from '../../src/core/valuation.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { pendingSummary } from '../../src/store/pending.ts';
import { type DepositRow, insertDeposits, insertFinalizations, pendingTransfers } from '../../src/store/transfers.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { requirePostgres } from '../support/requires.ts';

const pgUp = await requirePostgres('pending aggregates on PostgreSQL (test/store/pending.test.ts)');

const T0 = 1_700_000_000;
const row = fc.record({
  token: fc.constantFrom<string | null>('0xaa', '0xbb', '0xcc', null),
  // up to uint256: numeric(78) sums must stay exact
  amount: fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 2n ** 256n - 1n })),
  block: fc.nat(40),
  logIndex: fc.nat(3),
  finalized: fc.boolean(),
});

for (const kind of ['pglite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !pgUp)(`pending aggregates on ${kind}`, () => {
    let store: Store;
    let drop = async () => {};
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

    let run = 0;
    it('match the aggregation of every pending row', { timeout: 60_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(row, { maxLength: 40 }), fc.integer({ min: T0, max: T0 + 40 * 12 }), fc.nat(50), async (rows, cutoff, limit) => {
          const bridge = `b${run++}`;
          // block timestamps rise with block numbers, as on a chain; (block, logIndex) is unique
          const seen = new Set<string>();
          const deposits: DepositRow[] = [];
          const finalized: DepositRow[] = [];
          rows.forEach((r, i) => {
            const position = `${r.block}:${r.logIndex}`;
            if (seen.has(position)) return;
            seen.add(position);
            const deposit = { bridge, transferKey: `0x${i.toString(16)}`, transferId: String(i), blockNumber: r.block, blockTimestamp: T0 + r.block * 12, txHash: `0x${i}`, logIndex: r.logIndex, token: r.token, amount: r.amount };
            deposits.push(deposit);
            if (r.finalized) finalized.push(deposit);
          });
          await insertDeposits(store.db, deposits);
          await insertFinalizations(store.db, finalized.map((d, i) => ({ bridge, transferKey: d.transferKey, blockNumber: 1, blockTimestamp: T0, txHash: '0xf', logIndex: i })));

          const all = (await pendingTransfers(store.db, bridge)).map((p) => ({ id: p.transferId, sourceTx: p.txHash, token: p.token, amount: p.amount, blockTimestamp: p.blockTimestamp }));
          const expected = summarizePending(all, cutoff, limit);
          expect(await pendingSummary(store.db, { bridge, stuckCutoff: cutoff, list: limit })).toEqual(expected);
          expect((await pendingSummary(store.db, { bridge, stuckCutoff: cutoff, list: 'all' })).listed).toEqual(all);
        }),
        { numRuns: 25 },
      );
    });

    it('inside a transaction uses its handle', async () => {
      await insertDeposits(store.db, [{ bridge: 'trx', transferKey: '0x1', transferId: '1', blockNumber: 1, blockTimestamp: T0, txHash: '0x1', logIndex: 0, token: null, amount: 5n }]);
      const summary = await store.transaction((trx) => pendingSummary(trx, { bridge: 'trx', stuckCutoff: T0, list: 1 }));
      expect(summary.tokens).toEqual([{ token: null, tokenId: null, waiting: 0, expired: 0, failed: 0, pending: 1, stuck: 1, stuckAmount: 5n, oldestStuckTimestamp: T0 }]);
    });
  });
}
