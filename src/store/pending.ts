/**
 * What a bridge's verdict needs from its pending transfers (deposits without a finalization),
 * computed by the database: per token the pending count, the stuck count, the exact sum of the
 * stuck amounts (numeric, never a float) and the oldest stuck timestamp; plus the oldest few
 * transfers to list one by one. Only these cross into JS, so a judgement pass costs the same
 * memory with a million transfers pending as with ten.
 */
import { sql } from 'kysely';
import type { PendingSummary, PendingTransfer, TokenPending } from '../core/valuation.ts';
import type { Db } from './store.ts';

export interface PendingQuery {
  bridge: string;
  /** deposits with block_timestamp <= this are stuck (core/valuation.ts stuckCutoff) */
  stuckCutoff: number;
  /** how many of the oldest pending transfers to list; 'all' lists every one */
  list: number | 'all';
}

const PENDING = sql`NOT EXISTS (SELECT 1 FROM finalizations f WHERE f.bridge = d.bridge AND f.transfer_key = d.transfer_key)`;

export async function pendingByToken(db: Db, bridge: string, stuckCutoff: number): Promise<TokenPending[]> {
  const cutoff = sql`${String(stuckCutoff)}::bigint`;
  const { rows } = await sql<{ token: string | null; pending: string; stuck: string; stuck_amount: string; oldest_stuck: string | null }>`
    SELECT d.token,
      count(*) AS pending,
      count(*) FILTER (WHERE d.block_timestamp <= ${cutoff}) AS stuck,
      coalesce(sum(d.amount) FILTER (WHERE d.block_timestamp <= ${cutoff}), 0)::text AS stuck_amount,
      min(d.block_timestamp) FILTER (WHERE d.block_timestamp <= ${cutoff}) AS oldest_stuck
    FROM deposits d
    WHERE d.bridge = ${bridge} AND ${PENDING}
    GROUP BY d.token
    -- tokens in the order they first appear, oldest first (the order their warnings are raised in)
    ORDER BY min(ARRAY[d.block_number, d.log_index::bigint])`.execute(db);
  return rows.map((row) => ({
    token: row.token,
    pending: Number(row.pending),
    stuck: Number(row.stuck),
    stuckAmount: BigInt(row.stuck_amount),
    oldestStuckTimestamp: row.oldest_stuck === null ? null : Number(row.oldest_stuck),
  }));
}

/** The oldest pending transfers, oldest first (`limit` null: all of them). */
export async function oldestPending(db: Db, bridge: string, limit: number | null): Promise<PendingTransfer[]> {
  const { rows } = await sql<{ transfer_id: string; tx_hash: string; token: string | null; amount: string; block_timestamp: string }>`
    SELECT d.transfer_id, d.tx_hash, d.token, d.amount::text AS amount, d.block_timestamp
    FROM deposits d
    WHERE d.bridge = ${bridge} AND ${PENDING}
    ORDER BY d.block_number, d.log_index
    ${limit === null ? sql`` : sql`LIMIT ${limit}`}`.execute(db);
  return rows.map((row) => ({
    id: row.transfer_id,
    sourceTx: row.tx_hash,
    token: row.token,
    amount: BigInt(row.amount),
    blockTimestamp: Number(row.block_timestamp),
  }));
}

/**
 * Both in one snapshot (repeatable read on PostgreSQL; PGlite runs one transaction at a time), so
 * the counts and the listed transfers never disagree with a sync writing in between.
 */
export async function pendingSummary(db: Db, query: PendingQuery): Promise<PendingSummary> {
  const read = async (trx: Db): Promise<PendingSummary> => ({
    tokens: await pendingByToken(trx, query.bridge, query.stuckCutoff),
    listed: await oldestPending(trx, query.bridge, query.list === 'all' ? null : query.list),
  });
  if (db.isTransaction) return read(db);
  return db.transaction().setIsolationLevel('repeatable read').execute(read);
}
