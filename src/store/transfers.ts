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
  /** presets (SPEC §10): NFT token id, delivery deadline (chain time), needs a user's action */
  tokenId?: string | null;
  expiresAt?: number | null;
  waitsForUser?: boolean;
}

export interface FinalizationRow {
  bridge: string;
  transferKey: string;
  blockNumber: number;
  blockTimestamp: number;
  txHash: string;
  logIndex: number;
  /**
   * delivered (default) | failed-retryable | waiting-for-user: one row per log (tx_hash, log_index),
   * the latest stage wins; a key's first delivered row settles its deposit, any later delivered
   * row of the key is a replay (counted as unbacked, store/exploit.ts)
   */
  stage?: string;
  /** what the release says, when its event has the field (SPEC §11: an unbacked release is valued) */
  token?: string | null;
  amount?: bigint | null;
  recipient?: string | null;
  /** the origin the release claims (a decoder's value; null: the watched source) */
  origin?: string | null;
  /**
   * the source chain's head timestamp (seconds) when this was read: the unbacked grace runs on the
   * source's clock from here (null/absent: unknown, the release's own timestamp stands in)
   */
  sourceSeenAt?: number | null;
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
    await sql`INSERT INTO deposits (bridge, transfer_key, transfer_id, block_number, block_timestamp, tx_hash, log_index, token, amount, token_id, expires_at, waits_for_user)
      SELECT * FROM unnest(
        ${chunk.map((r) => r.bridge)}::text[], ${chunk.map((r) => r.transferKey)}::text[], ${chunk.map((r) => r.transferId)}::text[],
        ${chunk.map((r) => r.blockNumber)}::bigint[], ${chunk.map((r) => r.blockTimestamp)}::bigint[], ${chunk.map((r) => r.txHash)}::text[],
        ${chunk.map((r) => r.logIndex)}::int[], ${chunk.map((r) => r.token)}::text[], ${chunk.map((r) => r.amount.toString())}::numeric[],
        ${chunk.map((r) => r.tokenId ?? null)}::text[], ${chunk.map((r) => r.expiresAt ?? null)}::bigint[], ${chunk.map((r) => r.waitsForUser ?? false)}::boolean[])
      ON CONFLICT (bridge, transfer_key) DO NOTHING`.execute(db);
  }
}

export async function insertFinalizations(db: Db, rows: FinalizationRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await sql`INSERT INTO finalizations (bridge, transfer_key, block_number, block_timestamp, tx_hash, log_index, stage, token, amount, recipient, origin, source_seen_at)
      SELECT * FROM unnest(
        ${chunk.map((r) => r.bridge)}::text[], ${chunk.map((r) => r.transferKey)}::text[], ${chunk.map((r) => r.blockNumber)}::bigint[],
        ${chunk.map((r) => r.blockTimestamp)}::bigint[], ${chunk.map((r) => r.txHash)}::text[], ${chunk.map((r) => r.logIndex)}::int[],
        ${chunk.map((r) => r.stage ?? 'delivered')}::text[],
        ${chunk.map((r) => r.token ?? null)}::text[], ${chunk.map((r) => (r.amount === undefined || r.amount === null ? null : r.amount.toString()))}::numeric[],
        ${chunk.map((r) => r.recipient ?? null)}::text[], ${chunk.map((r) => r.origin ?? null)}::text[],
        ${chunk.map((r) => r.sourceSeenAt ?? null)}::bigint[])
      ON CONFLICT (bridge, tx_hash, log_index) DO NOTHING`.execute(db);
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
  // both sides start over together (one fingerprint over the pair): numbering starts again at #1
  await db.deleteFrom('occurrence_offsets').where('bridge', '=', bridge).execute();
}

/** pairs pruned per call at most (~1 s on the embedded store) */
export const PRUNE_BATCH = 100_000;

/**
 * Drop pairs (a deposit and its finalization) that are final on both sides: they can no longer be
 * undone by a reorg and will never be pending again, so judging needs only what is pending (and
 * what is still inside the reorg window), however long the history. Returns the pairs dropped.
 */
export async function pruneSettled(
  db: Db,
  bridge: string,
  sourceFinal: number,
  destinationFinal: number,
  options: { occurrence?: boolean; limit?: number } = {},
): Promise<number> {
  if (sourceFinal < 0 || destinationFinal < 0) return 0;
  // at most so many pairs a call: the first prune after a long backfill is spread over passes (a
  // million pairs at once hold the embedded store for ~10 s); what is left waits for the next one
  const limit = options.limit ?? PRUNE_BATCH;
  // occurrence keys (`base#n`) are numbered by what the store holds: count what leaves it per base
  const offsets = options.occurrence
    ? sql`,
    counted AS (
      INSERT INTO occurrence_offsets (bridge, base_key, pruned)
      SELECT ${bridge}, split_part(transfer_key, '#', 1), count(*) FROM gone GROUP BY 2
      ON CONFLICT (bridge, base_key) DO UPDATE SET pruned = occurrence_offsets.pruned + excluded.pruned
      RETURNING 1)`
    : sql``;
  // the deposit goes with its FIRST delivered release (and the key's other stages); a later
  // delivered release of the key (a replay) stays: with no deposit left it still reads unbacked
  const { rows } = await sql<{ n: string }>`
    WITH gone AS (
      DELETE FROM deposits d
      WHERE d.bridge = ${bridge} AND d.transfer_key IN (
        SELECT c.transfer_key FROM deposits c
        WHERE c.bridge = ${bridge} AND c.block_number <= ${sourceFinal}
          AND EXISTS (SELECT 1 FROM finalizations f WHERE f.bridge = c.bridge AND f.transfer_key = c.transfer_key AND f.stage = 'delivered'
            AND f.block_number <= ${destinationFinal})
        LIMIT ${limit})
      RETURNING d.transfer_key),
    first AS (
      SELECT DISTINCT ON (f.transfer_key) f.transfer_key, f.tx_hash, f.log_index FROM finalizations f JOIN gone ON f.transfer_key = gone.transfer_key
      WHERE f.bridge = ${bridge} AND f.stage = 'delivered'
      ORDER BY f.transfer_key, f.block_number, f.log_index),
    -- a join, not \`IN (SELECT … FROM first)\`: past work_mem that subplan is not hashed and is
    -- scanned once per row (100,000 pairs took minutes; a first settle after a backfill, hours)
    done AS (
      DELETE FROM finalizations f USING first x WHERE f.bridge = ${bridge} AND f.transfer_key = x.transfer_key
        AND (f.stage <> 'delivered' OR (f.tx_hash = x.tx_hash AND f.log_index = x.log_index))
      RETURNING 1)${offsets}
    SELECT count(*)::text AS n FROM gone`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Give the space of many pruned rows back (outside any transaction): PGlite has no autovacuum, and
 * the dead rows of a large prune would otherwise be scanned by every judge pass.
 */
export async function vacuumTransfers(db: Db): Promise<void> {
  await sql`VACUUM deposits`.execute(db);
  await sql`VACUUM finalizations`.execute(db);
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
            .whereRef('f.transfer_key', '=', 'd.transfer_key')
            .where('f.stage', '=', 'delivered'),
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

/**
 * Occurrence numbering (SPEC §3, keys that legitimately repeat): how many rows of each base key
 * this side already holds, so that the n-th deposit and the n-th delivery get the same `key#n`.
 * Rows are written in chain order and a reorg deletes from the top, so the counts stay aligned.
 */
export async function occurrenceCounts(db: Db, table: 'deposits' | 'finalizations', bridge: string, baseKeys: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const unique = [...new Set(baseKeys)];
  if (unique.length === 0) return counts;
  const stage = table === 'finalizations' ? sql`AND stage = 'delivered'` : sql``;
  const { rows } = await sql<{ base: string; n: string }>`
    SELECT split_part(transfer_key, '#', 1) AS base, count(*) AS n FROM ${sql.table(table)}
    WHERE bridge = ${bridge} AND strpos(transfer_key, '#') > 0 AND split_part(transfer_key, '#', 1) = ANY(${unique}::text[]) ${stage}
    GROUP BY 1`.execute(db);
  for (const row of rows) counts.set(row.base, Number(row.n));
  // pruned occurrences count too (a pruned pair took one row from each side)
  const pruned = await sql<{ base_key: string; pruned: string }>`
    SELECT base_key, pruned FROM occurrence_offsets WHERE bridge = ${bridge} AND base_key = ANY(${unique}::text[])`.execute(db);
  for (const row of pruned.rows) counts.set(row.base_key, (counts.get(row.base_key) ?? 0) + Number(row.pruned));
  return counts;
}

/**
 * The logs of these rows this side already holds, as `tx_hash:log_index` (occurrence numbering must
 * not number a log read again — a restart, a re-read range — as the key's next occurrence).
 */
export async function storedLogs(db: Db, table: 'deposits' | 'finalizations', bridge: string, logs: Array<{ blockNumber: number; txHash: string; logIndex: number }>): Promise<Set<string>> {
  if (logs.length === 0) return new Set();
  const blocks = [...new Set(logs.map((l) => l.blockNumber))];
  const { rows } = await sql<{ tx_hash: string; log_index: number }>`
    SELECT tx_hash, log_index FROM ${sql.table(table)}
    WHERE bridge = ${bridge} AND block_number = ANY(${blocks}::bigint[]) AND tx_hash = ANY(${[...new Set(logs.map((l) => l.txHash))]}::text[])`.execute(db);
  return new Set(rows.map((r) => `${r.tx_hash}:${r.log_index}`));
}
