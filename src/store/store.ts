/**
 * The store: PGlite in a directory by default, PostgreSQL by URL (Ponder's arrangement). One Kysely
 * interface over both; queries live beside their domain in this folder as plain functions taking
 * the Kysely handle (viem-style actions), so a transaction can pass its handle instead.
 */
import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { FirebreakError, RetryableError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { silentLogger } from '../core/log.ts';
import type { StorageConfig } from '../config/types.ts';
import type { Database } from './database.ts';
import { MIGRATIONS } from './migrations.ts';
import { PGliteDialect } from './pglite-dialect.ts';

export type Db = Kysely<Database>;

export interface Store {
  kind: 'pglite' | 'postgres';
  db: Db;
  /** run `fn` in one transaction; its handle must be used for every query inside */
  transaction<T>(fn: (trx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Arbitrary but fixed: serializes migrations across instances sharing one PostgreSQL. */
const MIGRATION_LOCK = 7_240_111;

export async function createStore(storage: StorageConfig, logger: Logger = silentLogger): Promise<Store> {
  const db = storage.kind === 'postgres' ? await openPostgres(storage.url) : await openPglite(storage.url);
  try {
    await migrate(db, storage.kind, logger);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
  return {
    kind: storage.kind,
    db,
    transaction: (fn) => db.transaction().execute(fn),
    close: () => db.destroy(),
  };
}

async function openPglite(url: string): Promise<Db> {
  const { PGlite, types } = await import('@electric-sql/pglite');
  let client: InstanceType<typeof PGlite>;
  try {
    if (url !== 'memory://') mkdirSync(url, { recursive: true });
    // int8 as text, as node-postgres does, so both stores return the same shapes
    client = new PGlite(url === 'memory://' ? undefined : url, { parsers: { [types.INT8]: (value: string) => value } });
    await client.waitReady;
  } catch (error) {
    throw new FirebreakError(
      `cannot open the embedded database in ${url}: ${(error as Error).message}. Is another Firebreak process using it?`,
      { code: 'store_open', cause: error, details: { url } },
    );
  }
  return new Kysely<Database>({ dialect: new PGliteDialect(client) });
}

async function openPostgres(url: string): Promise<Db> {
  const pg = await import('pg');
  const Pool = pg.default?.Pool ?? (pg as unknown as { Pool: typeof import('pg').Pool }).Pool;
  const pool = new Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  // an idle client losing its server (PostgreSQL restarted) must not crash the process
  pool.on('error', () => {});
  // ...nor a checked-out one (between two queries of a transaction): the query in flight fails and
  // is retried by its caller; the client is discarded by the pool
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw new RetryableError(`cannot connect to PostgreSQL at ${redactPostgresUrl(url)}: ${(error as Error).message}`, {
      code: 'store_connect',
      cause: error,
    });
  }
  return db;
}

export function redactPostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

async function migrate(db: Db, kind: Store['kind'], logger: Logger): Promise<void> {
  await db.connection().execute(async (conn) => {
    if (kind === 'postgres') await sql`select pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
    try {
      await sql`create table if not exists schema_migrations (version int primary key, name text not null, applied_at timestamptz not null default now())`.execute(
        conn,
      );
      const applied = await sql<{ version: number }>`select version from schema_migrations`.execute(conn);
      const done = new Set(applied.rows.map((row) => Number(row.version)));
      for (const migration of MIGRATIONS) {
        if (done.has(migration.version)) continue;
        await conn.transaction().execute(async (trx) => {
          await sql.raw(migration.sql).execute(trx);
          await sql`insert into schema_migrations (version, name) values (${migration.version}, ${migration.name})`.execute(trx);
        });
        logger.info({ version: migration.version, name: migration.name }, 'store migrated');
      }
    } finally {
      if (kind === 'postgres') await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn);
    }
  });
}
