/**
 * The store: PGlite in a directory by default, PostgreSQL by URL (Ponder's arrangement). One Kysely
 * interface over both; queries live beside their domain in this folder as plain functions taking
 * the Kysely handle (viem-style actions), so a transaction can pass its handle instead.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const PGLITE_BUILD = (() => {
  try {
    return String((createRequire(import.meta.url)('@electric-sql/pglite/package.json') as { version: string }).version);
  } catch {
    return 'unknown';
  }
})();

/** Arbitrary but fixed: serializes migrations across instances sharing one PostgreSQL. */
const MIGRATION_LOCK = 7_240_111;

export async function createStore(storage: StorageConfig, logger: Logger = silentLogger): Promise<Store> {
  const opened = storage.kind === 'postgres' ? { db: await openPostgres(storage.url) } : await openPglite(storage.url);
  const { db } = opened;
  const discard = 'discard' in opened ? opened.discard : undefined;
  try {
    await migrate(db, storage.kind, logger);
    if ('saveTemplate' in opened) await opened.saveTemplate?.();
  } catch (error) {
    await db.destroy().catch(() => {});
    discard?.();
    throw error;
  }
  return {
    kind: storage.kind,
    db,
    transaction: (fn) => db.transaction().execute(fn),
    close: async () => {
      await db.destroy();
      discard?.();
    },
  };
}

async function openPglite(url: string): Promise<{ db: Db; saveTemplate?: () => Promise<void>; discard?: () => void }> {
  const { PGlite, types } = await import('@electric-sql/pglite');
  let client: InstanceType<typeof PGlite>;
  let saveTemplate: (() => Promise<void>) | undefined;
  // memory:// is a throwaway database: a private temp folder removed on close (PGlite's in-memory
  // file system loads and starts several times slower than its on-disk one)
  const dir = url === 'memory://' ? mkdtempSync(join(tmpdir(), 'firebreak-memory-')) : url;
  const discard = url === 'memory://' ? () => rmSync(dir, { recursive: true, force: true }) : undefined;
  try {
    const fresh = !existsSync(dir) || readdirSync(dir).length === 0;
    mkdirSync(dir, { recursive: true });
    const template = fresh ? readTemplate() : undefined;
    // int8 as text, as node-postgres does, so both stores return the same shapes
    const open = (loadDataDir?: Blob) => new PGlite(dir, { parsers: { [types.INT8]: (value: string) => value }, loadDataDir });
    client = open(template);
    try {
      await client.waitReady;
    } catch (error) {
      if (!template) throw error;
      // a damaged template: forget it and start from scratch
      rmSync(templateFile(), { force: true });
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      client = open();
      await client.waitReady;
    }
    if (fresh && !template) saveTemplate = () => writeTemplate(client);
  } catch (error) {
    discard?.();
    throw new FirebreakError(
      `cannot open the embedded database in ${url}: ${(error as Error).message}. Is another Firebreak process using it?`,
      { code: 'store_open', cause: error, details: { url } },
    );
  }
  return { db: new Kysely<Database>({ dialect: new PGliteDialect(client) }), saveTemplate, discard };
}

/**
 * A fresh embedded database costs an initdb inside WebAssembly (seconds). The first fresh store on
 * a machine is migrated and dumped to a template in the temp folder, keyed by the schema and the
 * PGlite build; later fresh stores (a first `start`, each drill) load it in a fraction of that.
 */
function templateFile(): string {
  const hash = createHash('sha256').update(PGLITE_BUILD).update(MIGRATIONS.map((m) => m.sql).join('\n')).digest('hex').slice(0, 16);
  return join(tmpdir(), `firebreak-pglite-template-${hash}.tar`);
}

function readTemplate(): Blob | undefined {
  try {
    return new Blob([readFileSync(templateFile())]);
  } catch {
    return undefined;
  }
}

async function writeTemplate(client: { dumpDataDir(compression?: 'none' | 'gzip' | 'auto'): Promise<File | Blob> }): Promise<void> {
  try {
    const dump = Buffer.from(await (await client.dumpDataDir('none')).arrayBuffer());
    const file = templateFile();
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, dump);
    renameSync(partial, file); // atomic: a concurrent reader sees the old file or the whole new one
  } catch {
    // only a speed-up: a store works without it
  }
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
