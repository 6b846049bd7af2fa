/**
 * Detection latency: the real service (watchers polling at the configured interval, incident
 * engine, effect sinks) on the drill bridge. Each trial deposits a transfer, then mines the block
 * whose timestamp makes it stuck; the clock runs from just before that block is mined to the end
 * point: by default the message arriving at a Discord stand-in, sent by the real comms module
 * through the outbox (or, with `incidentEndPoint()`, the incident change that queues it). The trial
 * then finalizes the transfer and waits for the incident to clear, so that the next trial's stuck
 * transfer is news again (declared, then "recurred").
 */
import { FirebreakError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Incident } from '../core/types.ts';
import { type IntegrationFactory, startService } from '../app/service.ts';
import { createCommsIntegration } from '../comms/integration.ts';
import { countOutbox } from '../store/outbox.ts';
import { startBenchDiscord } from './discord-standin.ts';
import { DRILL_TOKENS, type DrillBridge } from '../drill/bridge.ts';
import { benchTransferId } from './emit.ts';
import { benchConfig } from './ingest.ts';
import { percentile } from './stats.ts';

export interface LatencyResult {
  trials: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  pollIntervalMs: number;
  /** where the clock stops */
  endPoint: string;
  /** how new blocks are noticed */
  mode: 'polling';
}

/** Where the clock stops: resolves with performance.now() when the trial's message arrives. */
export interface LatencyEndPoint {
  name: string;
  integrations?: IntegrationFactory[];
  extraConfig?: Record<string, unknown>;
  /** arm before the block is mined; resolves at arrival */
  arm(trial: number): Promise<number>;
  /** called with every incident change (the default end point listens here) */
  onChange?(incident: Incident, notified: boolean): void;
  close?(): Promise<void>;
}

const STUCK_AFTER_SECONDS = 60;
const KEY = 'bridge:drill:stuck';

/** Default end point: the incident change that plans the notification is committed. */
export function incidentEndPoint(): LatencyEndPoint {
  let waiting: ((at: number) => void) | undefined;
  return {
    name: 'incident change committed (notification queued in the outbox)',
    arm: () => new Promise<number>((resolve) => (waiting = resolve)),
    onChange(incident, notified) {
      if (notified && incident.status !== 'monitoring' && waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve(performance.now());
      }
    },
  };
}

/** The message arriving at the Discord stand-in, sent by the real comms module through its outbox. */
export async function discordEndPoint(): Promise<LatencyEndPoint> {
  const discord = await startBenchDiscord();
  return {
    name: 'message arrived at the Discord stand-in (comms module, outbox, discord.js REST)',
    integrations: [createCommsIntegration],
    extraConfig: { discord: { token: discord.token, api: discord.api, channels: { ops: '100000000000000001' } } },
    arm: () => discord.next(),
    close: () => discord.close(),
  };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new FirebreakError(`benchmark: ${what} did not happen within ${ms / 1000} s`, { code: 'bench_timeout' })), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

async function settled(db: Parameters<typeof countOutbox>[0]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await countOutbox(db, 'pending')) + (await countOutbox(db, 'sending')) > 0) {
    if (Date.now() > deadline) throw new FirebreakError('benchmark: the outbox did not drain within 30 s', { code: 'bench_timeout' });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function benchLatency(options: {
  bridge: DrillBridge;
  trials: number;
  logger: Logger;
  pollIntervalMs?: number;
  endPoint?: LatencyEndPoint;
}): Promise<LatencyResult> {
  const { bridge, logger } = options;
  const endPoint = options.endPoint ?? (await discordEndPoint());
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const config = benchConfig(bridge, { stuckAfter: `${STUCK_AFTER_SECONDS}s`, extra: endPoint.extraConfig });
  for (const chain of Object.values(config.chains)) chain.pollIntervalMs = pollIntervalMs;
  const service = await startService({ config, logger, listen: false, tickMs: 60_000, integrations: endPoint.integrations });
  let cleared: (() => void) | undefined;
  const unsubscribe = service.engine.onChange(({ incident, effects }) => {
    if (incident.key !== KEY) return;
    endPoint.onChange?.(incident, effects.some((e) => e.type === 'notify'));
    if (incident.status === 'monitoring' && cleared) {
      const done = cleared;
      cleared = undefined;
      done();
    }
  });
  const samples: number[] = [];
  const salt = `1a7${Date.now().toString(16)}`;
  try {
    for (let trial = 0; trial < options.trials; trial++) {
      const id = benchTransferId(salt, trial);
      await bridge.deposit([{ id, token: DRILL_TOKENS.usdc.address, amount: 1_000n * 10n ** 6n }]);
      const latest = await bridge.source.publicClient.getBlock();
      await bridge.source.testClient.setNextBlockTimestamp({ timestamp: latest.timestamp + BigInt(STUCK_AFTER_SECONDS + 1) });
      // nothing still on its way (the previous trial's "cleared" message) may stop the clock
      await settled(service.store.db);
      const arrival = endPoint.arm(trial);
      const minedAt = performance.now();
      await bridge.source.testClient.mine({ blocks: 1 });
      const arrivedAt = await within(arrival, 60_000, `detection of trial ${trial + 1}`);
      samples.push(arrivedAt - minedAt);
      // the relayer delivers it: the incident clears, so the next stuck transfer is news again
      const clearing = new Promise<void>((resolve) => (cleared = resolve));
      await bridge.finalize([id]);
      await within(clearing, 60_000, `clearing after trial ${trial + 1}`);
    }
  } finally {
    unsubscribe();
    await service.stop();
    await endPoint.close?.();
  }
  samples.sort((a, b) => a - b);
  return {
    trials: samples.length,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    maxMs: samples[samples.length - 1] ?? 0,
    pollIntervalMs,
    endPoint: endPoint.name,
    mode: 'polling',
  };
}
