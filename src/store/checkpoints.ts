/**
 * Sync progress: one checkpoint per log source (the last block fully read and stored, with its
 * hash so that a reorg below it is noticed), the headers of checkpointed blocks (to find the fork
 * point), and each chain's last observed head.
 */
import type { Db } from './store.ts';

export interface Checkpoint {
  source: string;
  chain: string;
  blockNumber: number;
  /** '' before the first block was read */
  blockHash: string;
  blockTimestamp: number;
  fingerprint: string;
}

export async function getCheckpoints(db: Db, chain: string): Promise<Checkpoint[]> {
  const rows = await db.selectFrom('sync_checkpoints').selectAll().where('chain', '=', chain).execute();
  return rows.map((row) => ({
    source: row.source,
    chain: row.chain,
    blockNumber: Number(row.block_number),
    blockHash: row.block_hash,
    blockTimestamp: Number(row.block_timestamp),
    fingerprint: row.fingerprint,
  }));
}

export async function saveCheckpoint(db: Db, checkpoint: Checkpoint): Promise<void> {
  await saveCheckpoints(db, [checkpoint]);
}

/** rows per statement: 7 parameters each, under the protocol's 32,767 parameters per statement */
const CHECKPOINTS_PER_STATEMENT = 2_000;

/** One statement for many (a range of a chain moves every source reading it), in chunks. */
export async function saveCheckpoints(db: Db, checkpoints: Checkpoint[]): Promise<void> {
  for (let i = 0; i < checkpoints.length; i += CHECKPOINTS_PER_STATEMENT) {
    await saveCheckpointChunk(db, checkpoints.slice(i, i + CHECKPOINTS_PER_STATEMENT));
  }
}

async function saveCheckpointChunk(db: Db, checkpoints: Checkpoint[]): Promise<void> {
  if (checkpoints.length === 0) return;
  const now = new Date();
  await db
    .insertInto('sync_checkpoints')
    .values(
      checkpoints.map((c) => ({
        source: c.source,
        chain: c.chain,
        block_number: c.blockNumber,
        block_hash: c.blockHash,
        block_timestamp: c.blockTimestamp,
        fingerprint: c.fingerprint,
        updated_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.column('source').doUpdateSet((eb) => ({
        chain: eb.ref('excluded.chain'),
        block_number: eb.ref('excluded.block_number'),
        block_hash: eb.ref('excluded.block_hash'),
        block_timestamp: eb.ref('excluded.block_timestamp'),
        fingerprint: eb.ref('excluded.fingerprint'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

export interface StoredHeader {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
}

export async function saveHeaders(db: Db, chain: string, headers: StoredHeader[]): Promise<void> {
  if (headers.length === 0) return;
  await db
    .insertInto('chain_blocks')
    .values(
      headers.map((h) => ({ chain, number: h.number, hash: h.hash, parent_hash: h.parentHash, timestamp: h.timestamp })),
    )
    .onConflict((oc) =>
      oc.columns(['chain', 'number']).doUpdateSet((eb) => ({
        hash: eb.ref('excluded.hash'),
        parent_hash: eb.ref('excluded.parent_hash'),
        timestamp: eb.ref('excluded.timestamp'),
      })),
    )
    .execute();
}

/** Stored headers at or below `atOrBelow`, newest first. */
export async function recentHeaders(db: Db, chain: string, atOrBelow: number, limit: number): Promise<StoredHeader[]> {
  const rows = await db
    .selectFrom('chain_blocks')
    .selectAll()
    .where('chain', '=', chain)
    .where('number', '<=', atOrBelow)
    .orderBy('number', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    number: Number(row.number),
    hash: row.hash,
    parentHash: row.parent_hash,
    timestamp: Number(row.timestamp),
  }));
}

export async function deleteHeadersAbove(db: Db, chain: string, above: number): Promise<void> {
  await db.deleteFrom('chain_blocks').where('chain', '=', chain).where('number', '>', above).execute();
}

/** Keep the header table small: only the recent window can be reorged. */
export async function pruneHeaders(db: Db, chain: string, below: number): Promise<void> {
  await db.deleteFrom('chain_blocks').where('chain', '=', chain).where('number', '<', below).execute();
}

export interface ChainStatusRow {
  chain: string;
  head: number;
  headTimestamp: number;
  confirmed: number;
  confirmedTimestamp: number;
  rpc: number;
  observedAt: Date;
  headChangedAt: Date;
  unobservableSince: Date | null;
}

export async function getChainStatus(db: Db, chain: string): Promise<ChainStatusRow | undefined> {
  const row = await db.selectFrom('chain_status').selectAll().where('chain', '=', chain).executeTakeFirst();
  if (!row) return undefined;
  return {
    chain: row.chain,
    head: Number(row.head),
    headTimestamp: Number(row.head_timestamp),
    confirmed: Number(row.confirmed),
    confirmedTimestamp: Number(row.confirmed_timestamp),
    rpc: row.rpc,
    observedAt: new Date(row.observed_at),
    headChangedAt: new Date(row.head_changed_at),
    unobservableSince: row.unobservable_since ? new Date(row.unobservable_since) : null,
  };
}

export async function saveChainStatus(db: Db, status: ChainStatusRow): Promise<void> {
  const values = {
    chain: status.chain,
    head: status.head,
    head_timestamp: status.headTimestamp,
    confirmed: status.confirmed,
    confirmed_timestamp: status.confirmedTimestamp,
    rpc: status.rpc,
    observed_at: status.observedAt,
    head_changed_at: status.headChangedAt,
    unobservable_since: status.unobservableSince,
  };
  await db
    .insertInto('chain_status')
    .values(values)
    .onConflict((oc) => oc.column('chain').doUpdateSet(values))
    .execute();
}
