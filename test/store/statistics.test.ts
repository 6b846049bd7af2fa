/**
 * PGlite has no autovacuum: the transfer tables' statistics are refreshed before judging
 * (src/store/statistics.ts). Without them the planner takes freshly written tables for empty and
 * runs the pending anti-join as a nested loop (quadratic in stored transfers).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.ts';
import { createTableStatistics } from '../../src/store/statistics.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { type DepositRow, type FinalizationRow, insertDeposits, insertFinalizations } from '../../src/store/transfers.ts';

let store: Store;
beforeAll(async () => {
  store = await createStore({ kind: 'pglite', url: 'memory://' }, silentLogger);
});
afterAll(async () => {
  await store?.close();
});

function transfers(from: number, count: number, settled: number): { deposits: DepositRow[]; finalizations: FinalizationRow[] } {
  const deposits: DepositRow[] = [];
  const finalizations: FinalizationRow[] = [];
  for (let i = from; i < from + count; i++) {
    const key = `0x${i.toString(16)}`;
    deposits.push({ bridge: 'b', transferKey: key, transferId: String(i), blockNumber: 1_000 + i, blockTimestamp: 1_700_000_000 + i, txHash: `0x${i.toString(16).padStart(64, '0')}`, logIndex: 0, token: null, amount: 1n });
    if (i < from + settled) finalizations.push({ bridge: 'b', transferKey: key, blockNumber: 2_000 + i, blockTimestamp: 1_700_000_100 + i, txHash: `0x${(i + 1).toString(16).padStart(64, '0')}`, logIndex: 0 });
  }
  return { deposits, finalizations };
}

async function pendingPlan(): Promise<string> {
  const { rows } = await sql<Record<string, string>>`EXPLAIN SELECT count(*) FROM deposits d WHERE d.bridge = 'b'
    AND NOT EXISTS (SELECT 1 FROM finalizations f WHERE f.bridge = d.bridge AND f.transfer_key = d.transfer_key AND f.stage = 'delivered')`.execute(store.db);
  return rows.map((row) => Object.values(row)[0]).join('\n');
}

describe('transfer table statistics', () => {
  it('a large write is analyzed before judging: the pending anti-join is no longer a nested loop', async () => {
    const { deposits, finalizations } = transfers(0, 3_000, 2_990);
    await insertDeposits(store.db, deposits);
    await insertFinalizations(store.db, finalizations);
    expect(await pendingPlan()).toContain('Nested Loop Anti Join');
    const statistics = createTableStatistics({ db: store.db, logger: silentLogger });
    expect((await statistics.refresh()).sort()).toEqual(['deposits', 'finalizations']);
    expect(await pendingPlan()).not.toContain('Nested Loop');
  });

  it('small changes do not analyze again (autovacuum rule: threshold plus a tenth of the live rows)', async () => {
    const statistics = createTableStatistics({ db: store.db, logger: silentLogger });
    expect(await statistics.refresh()).toEqual([]);
    const few = transfers(10_000, 100, 100);
    await insertDeposits(store.db, few.deposits);
    expect(await statistics.refresh()).toEqual([]);
    const many = transfers(20_000, 1_000, 0);
    await insertDeposits(store.db, many.deposits);
    expect(await statistics.refresh()).toEqual(['deposits']);
  });
});
