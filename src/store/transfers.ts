/**
 * Bridge transfers as read from the chains: deposits on the source, finalizations on the
 * destination, joined by `transfer_key` (the id's value, whatever its ABI type). A transfer is
 * pending while it has a deposit and no finalization.
 */
import { sql } from 'kysely';
import type { Db } from './store.ts';

export interface DepositRow {
  bridge: string;
  transferKey: string;
  /** the id as the source event spells it (decimal for integers, hex for bytes/addresses) */
  transferId: string;
  blockNumber: number;
  blockTimestamp: number;
  txHash: string;
  logIndex: number;
  token: string | null;
  amount: bigint;
}

export interface FinalizationRow {
  bridge: string;
  transferKey: string;
  blockNumber: number;
  blockTimestamp: number;
  txHash: string;
  logIndex: number;
}

/**
 * Rows go in as one array per column through unnest(): a handful of parameters however many rows,
 * about twice as fast as multi-row VALUES on PGlite and PostgreSQL alike. Chunks bound the size of
 * one statement.
 */
const CHUNK = 10_000;

export async function insertDeposits(db: Db, rows: DepositRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    // an id seen twice keeps its first deposit (a replayed id is not a second transfer)
    await sql`INSERT INTO deposits (bridge, transfer_key, transfer_id, block_number, block_timestamp, tx_hash, log_index, token, amount)
      SELECT * FROM unnest(
        ${chunk.map((r) => r.bridge)}::text[], ${chunk.map((r) => r.transferKey)}::text[], ${chunk.map((r) => r.transferId)}::text[],
        ${chunk.map((r) => r.blockNumber)}::bigint[], ${chunk.map((r) => r.blockTimestamp)}::bigint[], ${chunk.map((r) => r.txHash)}::text[],
        ${chunk.map((r) => r.logIndex)}::int[], ${chunk.map((r) => r.token)}::text[], ${chunk.map((r) => r.amount.toString())}::numeric[])
      ON CONFLICT (bridge, transfer_key) DO NOTHING`.execute(db);
  }
}

export async function insertFinalizations(db: Db, rows: FinalizationRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await sql`INSERT INTO finalizations (bridge, transfer_key, block_number, block_timestamp, tx_hash, log_index)
      SELECT * FROM unnest(
        ${chunk.map((r) => r.bridge)}::text[], ${chunk.map((r) => r.transferKey)}::text[], ${chunk.map((r) => r.blockNumber)}::bigint[],
        ${chunk.map((r) => r.blockTimestamp)}::bigint[], ${chunk.map((r) => r.txHash)}::text[], ${chunk.map((r) => r.logIndex)}::int[])
      ON CONFLICT (bridge, transfer_key) DO NOTHING`.execute(db);
  }
}

/** Undo what a reorg took back: everything read above the fork point. */
export async function deleteDepositsAbove(db: Db, bridge: string, above: number): Promise<number> {
  const result = await db.deleteFrom('deposits').where('bridge', '=', bridge).where('block_number', '>', above).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteFinalizationsAbove(db: Db, bridge: string, above: number): Promise<number> {
  const result = await db
    .deleteFrom('finalizations')
    .where('bridge', '=', bridge)
    .where('block_number', '>', above)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteBridgeSide(db: Db, bridge: string, side: 'source' | 'destination'): Promise<void> {
  await db.deleteFrom(side === 'source' ? 'deposits' : 'finalizations').where('bridge', '=', bridge).execute();
}

/** Deposits without a finalization, oldest first. */
export async function pendingTransfers(db: Db, bridge: string): Promise<DepositRow[]> {
  const rows = await db
    .selectFrom('deposits as d')
    .selectAll('d')
    .where('d.bridge', '=', bridge)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('finalizations as f')
            .select(sql`1`.as('one'))
            .whereRef('f.bridge', '=', 'd.bridge')
            .whereRef('f.transfer_key', '=', 'd.transfer_key'),
        ),
      ),
    )
    .orderBy('d.block_number')
    .orderBy('d.log_index')
    .execute();
  return rows.map((row) => ({
    bridge: row.bridge,
    transferKey: row.transfer_key,
    transferId: row.transfer_id,
    blockNumber: Number(row.block_number),
    blockTimestamp: Number(row.block_timestamp),
    txHash: row.tx_hash,
    logIndex: row.log_index,
    token: row.token,
    amount: BigInt(row.amount),
  }));
}

export async function countTransfers(db: Db, bridge: string): Promise<{ deposits: number; finalizations: number }> {
  const [d, f] = await Promise.all([
    db.selectFrom('deposits').select((eb) => eb.fn.countAll<string>().as('n')).where('bridge', '=', bridge).executeTakeFirstOrThrow(),
    db
      .selectFrom('finalizations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('bridge', '=', bridge)
      .executeTakeFirstOrThrow(),
  ]);
  return { deposits: Number(d.n), finalizations: Number(f.n) };
}
