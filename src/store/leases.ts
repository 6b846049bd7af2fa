/**
 * Leases: leader election on the shared database, no home-made consensus. A lease row names its
 * holder and expires unless renewed; whoever renews it in time keeps it, anyone may take it once
 * it has expired. Every change of holder increments the fencing token, so work stamped with an
 * older token can be recognised as stale. Expiry is judged by the DATABASE clock, so instances
 * with skewed clocks still agree on who leads.
 */
import { sql } from 'kysely';
import type { Db } from './store.ts';

export interface LeaseState {
  name: string;
  holder: string;
  fencing: number;
  expiresAt: Date;
  heartbeatAt: Date;
}

type RawLease = { name: string; holder: string; fencing: string | number; expires_at: Date | string; heartbeat_at: Date | string };

function toLease(row: RawLease): LeaseState {
  return {
    name: row.name,
    holder: row.holder,
    fencing: Number(row.fencing),
    expiresAt: new Date(row.expires_at),
    heartbeatAt: new Date(row.heartbeat_at),
  };
}

/**
 * Take the lease if it is free or expired, or renew it if `holder` has it. Returns the lease when
 * `holder` holds it afterwards, null when somebody else does.
 */
export async function acquireLease(db: Db, name: string, holder: string, ttlMs: number): Promise<LeaseState | null> {
  const ttl = sql`make_interval(secs => ${ttlMs / 1000})`;
  const result = await sql<RawLease>`
    insert into leases (name, holder, fencing, expires_at, heartbeat_at)
    values (${name}, ${holder}, 1, now() + ${ttl}, now())
    on conflict (name) do update set
      fencing = case when leases.holder = excluded.holder then leases.fencing else leases.fencing + 1 end,
      holder = excluded.holder,
      expires_at = excluded.expires_at,
      heartbeat_at = excluded.heartbeat_at
    where leases.holder = excluded.holder or leases.expires_at <= now()
    returning name, holder, fencing, expires_at, heartbeat_at`.execute(db);
  const row = result.rows[0];
  return row ? toLease(row) : null;
}

/** Give the lease up at once (clean shutdown), so a follower need not wait for it to expire. */
export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await sql`update leases set expires_at = now() - interval '1 second' where name = ${name} and holder = ${holder}`.execute(db);
}

/** Is `holder` still the holder with this fencing token and an unexpired lease? */
export async function holdsLease(db: Db, name: string, holder: string, fencing: number): Promise<boolean> {
  const result = await sql<{ ok: number }>`
    select 1 as ok from leases where name = ${name} and holder = ${holder} and fencing = ${fencing} and expires_at > now()`.execute(db);
  return result.rows.length > 0;
}

export async function readLease(db: Db, name: string): Promise<(LeaseState & { ageMs: number }) | null> {
  const result = await sql<RawLease & { age_ms: string | number }>`
    select name, holder, fencing, expires_at, heartbeat_at,
           extract(epoch from (now() - heartbeat_at)) * 1000 as age_ms
    from leases where name = ${name}`.execute(db);
  const row = result.rows[0];
  return row ? { ...toLease(row), ageMs: Number(row.age_ms) } : null;
}
