/**
 * Who leads: several `firebreak start` processes share one PostgreSQL; exactly one (the holder of
 * the `leader` lease) runs the watchers, the cadence and outbox delivery, the others serve the API
 * and take over when the leader's lease lapses. The leader also writes a heartbeat after every
 * watcher pass; a follower that sees it go stale opens `firebreak:monitor-down` (the dead man's
 * switch for a leader that holds its lease but no longer watches).
 */
import { reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { acquireLease, holdsLease, releaseLease } from '../store/leases.ts';
import type { Db } from '../store/store.ts';

export const LEADER_LEASE = 'leader';

export interface LeadershipOptions {
  db: Db;
  /** this instance's id (shows up as the lease holder) */
  holder: string;
  logger: Logger;
  /** the lease lasts this long unless renewed; failover takes at most about this long */
  ttlMs?: number;
  renewEveryMs?: number;
  /** called on every change of role; leader work starts/stops here */
  onChange(leader: boolean): Promise<void>;
}

export interface Leadership {
  start(): Promise<void>;
  stop(): Promise<void>;
  isLeader(): boolean;
  fencing(): number | null;
  /** still the leader with the same fencing token (checked against the database before a send) */
  confirm(): Promise<boolean>;
}

export function createLeadership(options: LeadershipOptions): Leadership {
  const ttlMs = options.ttlMs ?? 8_000;
  const renewEveryMs = options.renewEveryMs ?? Math.max(250, Math.floor(ttlMs / 4));
  const { db, holder, logger } = options;
  let leader = false;
  let fencingToken: number | null = null;
  let lastRenewedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let pass: Promise<void> = Promise.resolve();

  async function setRole(next: boolean): Promise<void> {
    if (next === leader) return;
    leader = next;
    if (!next) fencingToken = null;
    logger.info({ role: next ? 'leader' : 'follower', holder, fencing: fencingToken }, next ? 'leading' : 'following');
    await options.onChange(next).catch((error: unknown) => logger.error({ reason: reasonOf(error) }, 'role change failed'));
  }

  async function renew(): Promise<void> {
    try {
      const lease = await acquireLease(db, LEADER_LEASE, holder, ttlMs);
      if (lease) {
        lastRenewedAt = Date.now();
        fencingToken = lease.fencing;
        await setRole(true);
      } else {
        await setRole(false);
      }
    } catch (error) {
      // the database is unreachable: keep leading only while our lease can still be valid
      logger.warn({ reason: reasonOf(error) }, 'lease renewal failed');
      if (leader && Date.now() - lastRenewedAt >= ttlMs) await setRole(false);
    }
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      pass = renew().finally(schedule);
    }, renewEveryMs);
  }

  return {
    async start() {
      running = true;
      await renew();
      schedule();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await pass;
      if (leader) {
        await releaseLease(db, LEADER_LEASE, holder).catch(() => {});
        await setRole(false);
      }
    },
    isLeader: () => leader,
    fencing: () => fencingToken,
    async confirm() {
      if (!leader || fencingToken === null) return false;
      return holdsLease(db, LEADER_LEASE, holder, fencingToken).catch(() => false);
    },
  };
}
