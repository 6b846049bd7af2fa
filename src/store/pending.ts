/**
 * What a bridge's verdict needs from its pending transfers (deposits without a finalization),
 * computed by the database: per token the pending count, the stuck count, the exact sum of the
 * stuck amounts (numeric, never a float) and the oldest stuck timestamp; plus the oldest few
 * transfers to list one by one. Only these cross into JS, so a judgement pass costs the same
 * memory with a million transfers pending as with ten.
 */
import { sql } from 'kysely';
import type { PendingState, PendingSummary, PendingTransfer, TokenPending } from '../core/valuation.ts';
import type { Db } from './store.ts';

export interface PendingQuery {
  bridge: string;
  /** deposits with block_timestamp <= this are stuck (core/valuation.ts stuckCutoff) */
  stuckCutoff: number;
  /** how many of the oldest pending transfers to list; 'all' lists every one */
  list: number | 'all';
  /** the source chain's confirmed head timestamp: deadlines (Across fillDeadline) pass in chain time */
  chainTime?: number;
}

/**
 * Each deposit not delivered, with its state (SPEC §10): the latest non-delivered stage of its
 * message (failed → retried → delivered: a delivered row ends it), a user's step from the start,
 * or a deadline passed in chain time.
 */
function undelivered(bridge: string, chainTime: number) {
  const now = sql`${String(chainTime)}::bigint`;
  return sql`(SELECT d.*,
      CASE
        WHEN l.stage = 'failed-retryable' THEN 'failed-retryable'
        WHEN l.stage = 'waiting-for-user' OR d.waits_for_user THEN 'waiting-for-user'
        WHEN d.expires_at IS NOT NULL AND d.expires_at < ${now} THEN 'expired'
        ELSE 'pending'
      END AS state
    FROM deposits d
    LEFT JOIN LATERAL (
      SELECT f.stage FROM finalizations f
      WHERE f.bridge = d.bridge AND f.transfer_key = d.transfer_key AND f.stage <> 'delivered'
      ORDER BY f.block_number DESC, f.log_index DESC LIMIT 1
    ) l ON true
    WHERE d.bridge = ${bridge}
      AND NOT EXISTS (SELECT 1 FROM finalizations f WHERE f.bridge = d.bridge AND f.transfer_key = d.transfer_key AND f.stage = 'delivered'))`;
}

const STUCKABLE = sql`p.state IN ('pending', 'failed-retryable')`;

export async function pendingByToken(db: Db, bridge: string, stuckCutoff: number, chainTime = Number.MAX_SAFE_INTEGER): Promise<TokenPending[]> {
  const cutoff = sql`${String(stuckCutoff)}::bigint`;
  const stuck = sql`${STUCKABLE} AND p.block_timestamp <= ${cutoff}`;
  const live = sql`p.state <> 'expired'`;
  const { rows } = await sql<{
    token: string | null; token_id: string | null; pending: string; waiting: string; expired: string; failed: string;
    stuck: string; stuck_amount: string; oldest_stuck: string | null;
  }>`
    SELECT p.token, p.token_id,
      count(*) FILTER (WHERE ${live}) AS pending,
      count(*) FILTER (WHERE p.state = 'waiting-for-user') AS waiting,
      count(*) FILTER (WHERE p.state = 'expired') AS expired,
      count(*) FILTER (WHERE p.state = 'failed-retryable') AS failed,
      count(*) FILTER (WHERE ${stuck}) AS stuck,
      coalesce(sum(p.amount) FILTER (WHERE ${stuck}), 0)::text AS stuck_amount,
      min(p.block_timestamp) FILTER (WHERE ${stuck}) AS oldest_stuck
    FROM ${undelivered(bridge, chainTime)} p
    GROUP BY p.token, p.token_id
    -- tokens in the order they first appear, oldest first (the order their warnings are raised in)
    ORDER BY min(ARRAY[p.block_number, p.log_index::bigint])`.execute(db);
  return rows.map((row) => ({
    token: row.token,
    tokenId: row.token_id,
    pending: Number(row.pending),
    waiting: Number(row.waiting),
    expired: Number(row.expired),
    failed: Number(row.failed),
    stuck: Number(row.stuck),
    stuckAmount: BigInt(row.stuck_amount),
    oldestStuckTimestamp: row.oldest_stuck === null ? null : Number(row.oldest_stuck),
  }));
}

/** The oldest pending (not expired) transfers, oldest first (`limit` null: all of them). */
export async function oldestPending(db: Db, bridge: string, limit: number | null, chainTime = Number.MAX_SAFE_INTEGER): Promise<PendingTransfer[]> {
  const { rows } = await sql<{ transfer_id: string; tx_hash: string; token: string | null; amount: string; block_timestamp: string; token_id: string | null; state: PendingState }>`
    SELECT p.transfer_id, p.tx_hash, p.token, p.amount::text AS amount, p.block_timestamp, p.token_id, p.state
    FROM ${undelivered(bridge, chainTime)} p
    WHERE p.state <> 'expired'
    ORDER BY p.block_number, p.log_index
    ${limit === null ? sql`` : sql`LIMIT ${limit}`}`.execute(db);
  return rows.map((row) => ({
    id: row.transfer_id,
    sourceTx: row.tx_hash,
    token: row.token,
    amount: BigInt(row.amount),
    blockTimestamp: Number(row.block_timestamp),
    ...(row.token_id !== null ? { tokenId: row.token_id } : {}),
    ...(row.state !== 'pending' ? { state: row.state } : {}),
  }));
}

/**
 * Both in one snapshot (repeatable read on PostgreSQL; PGlite runs one transaction at a time), so
 * the counts and the listed transfers never disagree with a sync writing in between.
 */
export async function pendingSummary(db: Db, query: PendingQuery): Promise<PendingSummary> {
  const read = async (trx: Db): Promise<PendingSummary> => ({
    tokens: await pendingByToken(trx, query.bridge, query.stuckCutoff, query.chainTime),
    listed: await oldestPending(trx, query.bridge, query.list === 'all' ? null : query.list, query.chainTime),
  });
  if (db.isTransaction) return read(db);
  return db.transaction().setIsolationLevel('repeatable read').execute(read);
}
