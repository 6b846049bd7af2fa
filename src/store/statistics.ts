/**
 * Planner statistics for the transfer tables. PGlite has no autovacuum: without ANALYZE the planner
 * takes a table written since the last one for nearly empty and joins pending deposits against
 * their finalizations as a nested loop (a judge pass took 3.4 s at 10,000 stored transfers, 54 s at
 * 30,000, quadratic; 11 ms once analyzed). This applies autovacuum's own rule, read from the
 * cumulative statistics PGlite keeps too: a table is analyzed once the rows changed since its last
 * ANALYZE exceed `minChanged + fraction × live rows`. On PostgreSQL autovacuum does the same; this
 * only makes it prompt after a large backfill commit.
 */
import { sql } from 'kysely';
import { reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Db } from './store.ts';

/** the tables every judgement reads with anti-joins */
const TRANSFER_TABLES = ['deposits', 'finalizations'] as const;

export interface TableStatisticsOptions {
  db: Db;
  logger: Logger;
  /** autovacuum_analyze_threshold's role (PostgreSQL's default is 50; a judge pass is cheap below this) */
  minChanged?: number;
  /** autovacuum_analyze_scale_factor's role */
  fraction?: number;
}

export interface TableStatistics {
  /** ANALYZE the transfer tables that changed enough; returns the ones analyzed (never throws) */
  refresh(): Promise<string[]>;
}

export function createTableStatistics(options: TableStatisticsOptions): TableStatistics {
  const { db, logger } = options;
  const minChanged = options.minChanged ?? 500;
  const fraction = options.fraction ?? 0.1;
  return {
    async refresh() {
      try {
        // this session's counts reach pg_stat_user_tables at most once a second unless flushed
        await sql`SELECT pg_stat_force_next_flush()`.execute(db).catch(() => undefined);
        const { rows } = await sql<{ relname: string; live: string; changed: string }>`
          SELECT relname, n_live_tup AS live, n_mod_since_analyze AS changed FROM pg_stat_user_tables
          WHERE relname IN (${sql.join(TRANSFER_TABLES.map((t) => sql.lit(t)))})`.execute(db);
        const due = rows.filter((row) => Number(row.changed) > minChanged + fraction * Number(row.live));
        for (const row of due) {
          const started = performance.now();
          await sql`ANALYZE ${sql.table(row.relname)}`.execute(db);
          logger.debug({ table: row.relname, changed: Number(row.changed), live: Number(row.live), ms: Math.round(performance.now() - started) }, 'table statistics refreshed');
        }
        return due.map((row) => row.relname);
      } catch (error) {
        // a missed refresh only makes the next judgement slower; it never stops one
        logger.warn({ reason: reasonOf(error) }, 'table statistics not refreshed');
        return [];
      }
    },
  };
}
