/**
 * Delivers the outbox. Each channel prefix (`discord`, `telegram`, `pagerduty`, `webhook`,
 * `governor`, `snapshot`, `pin`) has one Deliverer; the worker sends each channel's rows in order,
 * retries retryable failures with exponential backoff (honouring retry-after), and records
 * permanent failures so people see them. A crash mid-send leaves the row `sending`; its claim
 * expires and it is sent again, which the deliverers make harmless where the platform allows
 * (Discord nonce + enforce_nonce, a signed transaction re-broadcast by hash).
 */
import { FirebreakError, RetryableError, reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import {
  type OutboxRow,
  claim,
  dueHeads,
  markFailed,
  markRetry,
  markSent,
  recordProgress,
} from '../store/outbox.ts';
import type { Db } from '../store/store.ts';

export interface DeliveryContext {
  /** persist an intermediate result before a side effect that cannot be repeated safely */
  progress(result: unknown): Promise<void>;
  logger: Logger;
}

export interface Deliverer {
  /** channel prefix this deliverer handles, e.g. `discord` for `discord:ops` */
  prefix: string;
  /** send the row; return what to record (message id, tx hash…). Throw RetryableError to retry. */
  deliver(row: OutboxRow, ctx: DeliveryContext): Promise<unknown>;
}

export interface DeliveryEvent {
  row: OutboxRow;
  outcome: 'sent' | 'retry' | 'failed';
  result?: unknown;
  error?: string;
  /** the deliverer already put this failure on the incident's timeline (details.recorded) */
  recorded?: boolean;
}

export interface DeliveryWorkerOptions {
  db: Db;
  deliverers: Deliverer[];
  logger: Logger;
  owner: string;
  now?: () => Date;
  /** how long a claim lasts before another attempt may take the row (a crashed sender) */
  claimMs?: number;
  pollMs?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** give up (status failed) after this many attempts of retryable errors; rows stay visible */
  maxAttempts?: number;
  onDelivered?: (event: DeliveryEvent) => void | Promise<void>;
  /** fencing: checked after claiming a row; false (leadership lost) hands the row back unsent */
  stillLeader?: () => Promise<boolean>;
}

export interface DeliveryWorker {
  start(): void;
  stop(): Promise<void>;
  /** deliver everything due now, once (tests and drills use it to run deterministically) */
  drain(): Promise<number>;
  /** wake the loop early (new rows were queued) */
  kick(): void;
}

/** Our claim on a row expired and another sender took it. */
class ClaimLostError extends FirebreakError {}

export function backoffMs(attempts: number, base: number, max: number): number {
  const exponential = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
  // ±20 % jitter so that many rows failing together do not retry in lockstep
  return Math.round(exponential * (0.8 + Math.random() * 0.4));
}

export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const now = options.now ?? (() => new Date());
  const claimMs = options.claimMs ?? 60_000;
  const pollMs = options.pollMs ?? 500;
  const base = options.baseBackoffMs ?? 1_000;
  const max = options.maxBackoffMs ?? 5 * 60_000;
  const maxAttempts = options.maxAttempts ?? 1_000;
  const byPrefix = new Map(options.deliverers.map((d) => [d.prefix, d]));
  const prefixes = [...byPrefix.keys()].map((prefix) => `${prefix}:`);
  const inFlight = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let active: Promise<unknown> = Promise.resolve();

  async function deliverOne(row: OutboxRow): Promise<boolean> {
    const prefix = row.channel.split(':')[0] ?? '';
    const deliverer = byPrefix.get(prefix);
    if (!deliverer) return false;
    if (!(await claim(options.db, row.id, options.owner, now(), claimMs))) return false;
    if (options.stillLeader && !(await options.stillLeader())) {
      await markRetry(options.db, row.id, options.owner, 'handed back: this instance is no longer the leader', now());
      return false;
    }
    const logger = options.logger.child({ outbox: row.id, channel: row.channel, kind: row.kind });
    const ctx: DeliveryContext = {
      logger,
      progress: async (result) => {
        // another sender took the row (our claim expired): stop before a side effect it will repeat
        if (!(await recordProgress(options.db, row.id, options.owner, result))) throw new ClaimLostError('the outbox row was claimed by another sender');
      },
    };
    const attempts = row.attempts + 1;
    try {
      const result = await deliverer.deliver({ ...row, attempts }, ctx);
      if (!(await markSent(options.db, row.id, options.owner, result, now()))) {
        logger.warn({ attempts }, 'delivered, but the row was claimed by another sender meanwhile: its record stands');
        return true;
      }
      logger.info({ attempts }, 'delivered');
      await options.onDelivered?.({ row, outcome: 'sent', result });
    } catch (error) {
      const reason = reasonOf(error);
      if (error instanceof ClaimLostError) {
        logger.warn({ attempts, reason }, 'delivery stopped: the row belongs to another sender now');
        return true;
      }
      const retryable = error instanceof RetryableError || (!(error instanceof FirebreakError) && isNetworkError(error));
      if (retryable && attempts < maxAttempts) {
        const wait = Math.max(
          error instanceof RetryableError && error.retryAfterMs !== undefined ? error.retryAfterMs : 0,
          backoffMs(attempts, base, max),
        );
        if (!(await markRetry(options.db, row.id, options.owner, reason, new Date(now().getTime() + wait)))) return true;
        logger.warn({ attempts, retryInMs: wait, reason }, 'delivery failed; will retry');
        await options.onDelivered?.({ row, outcome: 'retry', error: reason });
      } else {
        if (!(await markFailed(options.db, row.id, options.owner, reason, now()))) return true;
        logger.error({ attempts, reason }, 'delivery failed permanently');
        const recorded = error instanceof FirebreakError && error.details?.recorded === true;
        await options.onDelivered?.({ row, outcome: 'failed', error: reason, ...(recorded ? { recorded } : {}) });
      }
    }
    return true;
  }

  async function drain(): Promise<number> {
    let delivered = 0;
    // several passes: delivering a channel's head makes its next row the head
    for (let pass = 0; pass < 100; pass++) {
      const heads = (await dueHeads(options.db, now(), 50, prefixes)).filter((row) => !inFlight.has(row.channel));
      if (heads.length === 0) break;
      // channels are independent: send their heads concurrently, each channel in order
      const results = await Promise.all(
        heads.map(async (row) => {
          inFlight.add(row.channel);
          try {
            return await deliverOne(row);
          } finally {
            inFlight.delete(row.channel);
          }
        }),
      );
      const count = results.filter(Boolean).length;
      delivered += count;
      if (count === 0) break;
    }
    return delivered;
  }

  function schedule(delay: number): void {
    if (!running) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      active = drain()
        .catch((error) => options.logger.error({ reason: reasonOf(error) }, 'outbox pass failed'))
        .finally(() => schedule(pollMs));
    }, delay);
  }

  return {
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await active;
    },
    drain,
    kick() {
      schedule(0);
    },
  };
}

function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: string; cause?: { code?: string } })?.cause?.code ?? (error as { code?: string })?.code;
  return typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR)/.test(code);
}
