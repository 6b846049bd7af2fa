/**
 * The persistent outbox: every outgoing effect (a chat message, a page, a pause transaction, a
 * proposal, a remote pin) is a row written in the same transaction as the incident change that
 * caused it. Delivery claims rows, records the result, retries with backoff. The idempotency `key`
 * is unique, so planning the same effect twice queues it once.
 */
import { cutCodePoints, storableJson, wellFormed } from '../core/text.ts';
import { sql } from 'kysely';
import type { Db } from './store.ts';

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'held' | 'skipped';

export interface OutboxInsert {
  /** idempotency key: the same key is queued once, ever */
  key: string;
  incidentId: string | null;
  /** `<adapter>:<target>`, e.g. `discord:ops`, `telegram:community`, `pagerduty:primary`, `governor:pause` */
  channel: string;
  /** message kind (declared, update, …) or action kind */
  kind: string;
  payload: unknown;
  /** held rows wait until released (pages during a maintenance window); skipped rows are kept
   *  for people to read but not sent (the platform is not configured) */
  status?: 'pending' | 'held' | 'skipped';
}

export interface OutboxRow {
  id: number;
  key: string;
  incidentId: string | null;
  channel: string;
  kind: string;
  payload: unknown;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  result: unknown;
  createdAt: Date;
  sentAt: Date | null;
}

type RawRow = {
  id: string | number;
  key: string;
  incident_id: string | null;
  channel: string;
  kind: string;
  payload: unknown;
  status: string;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  result: unknown;
  created_at: Date;
  sent_at: Date | null;
};

export function toOutboxRow(row: RawRow): OutboxRow {
  return {
    id: Number(row.id),
    key: row.key,
    incidentId: row.incident_id,
    channel: row.channel,
    kind: row.kind,
    payload: row.payload,
    status: row.status as OutboxStatus,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.next_attempt_at),
    lastError: row.last_error,
    result: row.result,
    createdAt: new Date(row.created_at),
    sentAt: row.sent_at ? new Date(row.sent_at) : null,
  };
}

/** Queue rows; rows whose key already exists are ignored. Returns the keys that were new. */
export async function enqueue(db: Db, rows: OutboxInsert[], now: Date): Promise<string[]> {
  if (rows.length === 0) return [];
  const inserted = await db
    .insertInto('outbox')
    .values(
      rows.map((row) => ({
        key: row.key,
        incident_id: row.incidentId,
        channel: row.channel,
        kind: row.kind,
        payload: storableJson(row.payload),
        status: row.status ?? 'pending',
        next_attempt_at: now,
        created_at: now,
      })),
    )
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('key')
    .execute();
  return inserted.map((row) => row.key);
}

/**
 * The oldest open row of each channel whose turn has come. Order per channel is kept: while a
 * channel's head row waits for its retry, nothing behind it is sent.
 * `sending` rows whose claim expired (a crash mid-send) come back here and are sent again.
 */
export async function dueHeads(db: Db, now: Date, limit = 50, channelPrefixes?: string[]): Promise<OutboxRow[]> {
  const prefixFilter =
    channelPrefixes && channelPrefixes.length > 0
      ? sql`and (${sql.join(
          channelPrefixes.map((prefix) => sql`o.channel like ${prefix + '%'}`),
          sql` or `,
        )})`
      : sql``;
  const result = await sql<RawRow>`
    select o.* from outbox o
    where o.id in (
      select min(id) from outbox
      where status in ('pending', 'sending')
      group by channel
    )
    and o.next_attempt_at <= ${now}
    and (o.status = 'pending' or o.claimed_until is null or o.claimed_until <= ${now})
    ${prefixFilter}
    order by o.id
    limit ${limit}`.execute(db);
  return result.rows.map(toOutboxRow);
}

/**
 * Claim a row for sending. With several instances the row lock (FOR UPDATE SKIP LOCKED) and the
 * status check make sure only one of them sends it; the claim expires so a crashed sender's row is
 * retried. Returns false when somebody else has it or it is no longer open.
 */
export async function claim(db: Db, id: number, owner: string, now: Date, leaseMs: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const locked = await sql<{ id: string }>`
      select id from outbox where id = ${id}
        and (status = 'pending' or (status = 'sending' and (claimed_until is null or claimed_until <= ${now})))
      for update skip locked`.execute(trx);
    if (locked.rows.length === 0) return false;
    await trx
      .updateTable('outbox')
      .set({
        status: 'sending',
        claimed_by: owner,
        claimed_until: new Date(now.getTime() + leaseMs),
        attempts: sql`attempts + 1`,
      })
      .where('id', '=', id)
      .execute();
    return true;
  });
}

/**
 * The result of a send is recorded only by the sender that still holds the claim: a row whose claim
 * expired and was taken by another sender is theirs now (returns false, nothing written).
 */
export async function markSent(db: Db, id: number, owner: string, result: unknown, now: Date): Promise<boolean> {
  return fenced(db, id, owner, { status: 'sent', result: storableJson(result ?? null), sent_at: now, claimed_until: null, last_error: null });
}

export async function markRetry(db: Db, id: number, owner: string, error: string, nextAttemptAt: Date): Promise<boolean> {
  return fenced(db, id, owner, { status: 'pending', last_error: cutCodePoints(wellFormed(error), 500), next_attempt_at: nextAttemptAt, claimed_until: null });
}

export async function markFailed(db: Db, id: number, owner: string, error: string, now: Date, result?: unknown): Promise<boolean> {
  return fenced(db, id, owner, {
    status: 'failed',
    last_error: cutCodePoints(wellFormed(error), 500),
    sent_at: now,
    claimed_until: null,
    ...(result === undefined ? {} : { result: storableJson(result) }),
  });
}

/** Record an intermediate result before the row is done (e.g. a signed tx hash before broadcast). */
export async function recordProgress(db: Db, id: number, owner: string, result: unknown): Promise<boolean> {
  return fenced(db, id, owner, { result: storableJson(result) });
}

async function fenced(db: Db, id: number, owner: string, values: Record<string, unknown>): Promise<boolean> {
  const outcome = await db
    .updateTable('outbox')
    .set(values)
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .where('claimed_by', '=', owner)
    .executeTakeFirst();
  return Number(outcome.numUpdatedRows ?? 0) > 0;
}

/**
 * A new leader takes over the rows a previous leader had claimed once their claims expired: only
 * the leader sends, so a `sending` row claimed by anyone else belongs to a leader that died or was
 * deposed (a deposed one still mid-send keeps its row until its claim runs out). Sending it
 * again is made harmless by the deliverers (Discord nonce + enforce_nonce, the same signed tx).
 */
export async function releaseForeignClaims(db: Db, owner: string, now: Date): Promise<number> {
  // a claim still running belongs to a sender that may be mid-send: it is taken only once it expires
  const result = await db
    .updateTable('outbox')
    .set({ status: 'pending', claimed_until: null, next_attempt_at: now })
    .where('status', '=', 'sending')
    .where((eb) => eb.or([eb('claimed_by', '<>', owner), eb('claimed_by', 'is', null)]))
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows ?? 0);
}

/** Release held rows (e.g. pages after a maintenance window) so they are delivered. */
export async function releaseHeld(db: Db, filter: { incidentId: string }, now: Date): Promise<number> {
  const result = await db
    .updateTable('outbox')
    .set({ status: 'pending', next_attempt_at: now })
    .where('status', '=', 'held')
    .where('incident_id', '=', filter.incidentId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows ?? 0);
}

export async function getByKey(db: Db, key: string): Promise<OutboxRow | null> {
  const row = await db.selectFrom('outbox').selectAll().where('key', '=', key).executeTakeFirst();
  return row ? toOutboxRow(row as unknown as RawRow) : null;
}

export async function listOutbox(
  db: Db,
  filter: { incidentId?: string; channelPrefix?: string; status?: OutboxStatus; limit?: number } = {},
): Promise<OutboxRow[]> {
  let query = db.selectFrom('outbox').selectAll().orderBy('id', 'asc');
  if (filter.incidentId !== undefined) query = query.where('incident_id', '=', filter.incidentId);
  if (filter.channelPrefix !== undefined) query = query.where('channel', 'like', `${filter.channelPrefix}%`);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  const rows = await query.execute();
  return rows.map((row) => toOutboxRow(row as unknown as RawRow));
}

export async function countOutbox(db: Db, status: OutboxStatus): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', '=', status)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Rows per channel prefix (`discord`, `telegram`, …) and status, and the oldest row still to send (for /metrics). */
export async function outboxFigures(db: Db, now: Date): Promise<{ counts: Array<{ channel: string; status: string; rows: number }>; oldestPendingSeconds: number }> {
  const counts = await sql<{ channel: string; status: string; n: string | number }>`
    select split_part(channel, ':', 1) as channel, status, count(*) as n from outbox group by 1, 2 order by 1, 2`.execute(db);
  const oldest = await sql<{ created_at: Date | null }>`
    select min(created_at) as created_at from outbox where status in ('pending', 'sending')`.execute(db);
  const since = oldest.rows[0]?.created_at ?? null;
  return {
    counts: counts.rows.map((row) => ({ channel: row.channel, status: row.status, rows: Number(row.n) })),
    oldestPendingSeconds: since ? Math.max(0, Math.round((now.getTime() - new Date(since).getTime()) / 1000)) : 0,
  };
}
