/**
 * The dead man's switch. The leader writes a heartbeat after every watcher pass; followers read
 * it and, when it is older than the shortest `haltedAfter` of the configured chains, open
 * `firebreak:monitor-down` (a leader that holds its lease but no longer watches is as bad as no
 * leader). The heartbeat age is measured by the database clock, like the leases.
 */
import { sql } from 'kysely';
import { reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { EMPTY_IMPACT, type Detection } from '../core/types.ts';
import type { Config } from '../config/types.ts';
import type { IncidentEngine } from '../incidents/engine.ts';
import type { Db, Store } from '../store/store.ts';

export const MONITOR_DOWN_KEY = 'firebreak:monitor-down';
const HEARTBEAT_KEY = 'heartbeat:watchers';

export async function writeHeartbeat(db: Db): Promise<void> {
  await sql`
    insert into kv (key, value, updated_at) values (${HEARTBEAT_KEY}, ${JSON.stringify({ pid: process.pid })}::jsonb, now())
    on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at`.execute(db);
}

/** Milliseconds since the leader's last watcher pass; null when no leader ever wrote one. */
export async function heartbeatAgeMs(db: Db): Promise<number | null> {
  const result = await sql<{ age_ms: string | number }>`
    select extract(epoch from (now() - updated_at)) * 1000 as age_ms from kv where key = ${HEARTBEAT_KEY}`.execute(db);
  const row = result.rows[0];
  return row ? Number(row.age_ms) : null;
}

export function monitorDownDetection(ageMs: number | null, limitMs: number): Detection {
  const stale = ageMs !== null && ageMs > limitMs;
  const minutes = ageMs === null ? 0 : Math.round(ageMs / 60_000);
  return {
    key: MONITOR_DOWN_KEY,
    source: 'monitor',
    kind: 'monitor-down',
    title: 'Firebreak: monitoring leader is down',
    severity: stale ? 'S1' : null,
    impact: EMPTY_IMPACT,
    summary: stale
      ? `no watcher heartbeat for ${minutes} min (limit ${Math.round(limitMs / 60_000)} min): chains are not being watched`
      : 'the watcher heartbeat is fresh again',
  };
}

export interface MonitorWatchOptions {
  store: Store;
  engine: IncidentEngine;
  config: Config;
  logger: Logger;
  checkEveryMs?: number;
}

export function createMonitorWatch(options: MonitorWatchOptions) {
  const { store, engine, config, logger } = options;
  const limitMs = Math.min(...Object.values(config.chains).map((chain) => chain.haltedAfterMs), 5 * 60_000);
  const checkEveryMs = options.checkEveryMs ?? Math.max(1_000, Math.min(10_000, Math.floor(limitMs / 4)));
  let timer: NodeJS.Timeout | undefined;

  async function check(): Promise<void> {
    const age = await heartbeatAgeMs(store.db);
    // no heartbeat ever: nothing has been watched yet, that is startup, not an outage
    if (age === null) return;
    await engine.observe(monitorDownDetection(age, limitMs));
  }

  return {
    start(): void {
      if (timer) return;
      timer = setInterval(() => {
        check().catch((error: unknown) => logger.warn({ reason: reasonOf(error) }, 'heartbeat check failed'));
      }, checkEveryMs);
    },
    stop(): void {
      clearInterval(timer);
      timer = undefined;
    },
    check,
  };
}
