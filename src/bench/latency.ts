/**
 * Detection latency: the real service (watchers woken by new-head subscriptions over WebSocket,
 * polling as the source of truth, incident engine, effect sinks) on the drill bridge, then the
 * same trials on a polling-only service for comparison. Each trial deposits a transfer, waits
 * until the watchers have read it and are idle (real blocks come seconds apart), waits a spread
 * offset within the poll interval, then mines the block whose timestamp makes the transfer stuck;
 * the clock runs from just before that block is mined to the end point: by default the message
 * arriving at a Discord stand-in, sent by the real comms module through the outbox (or, with
 * `incidentEndPoint()`, the incident change that queues it). The trial then finalizes the
 * transfer and waits for the incident to clear, so that the next trial's stuck transfer is news
 * again (declared, then "recurred"). One unrecorded warm-up trial starts each service's run.
 */
import { FirebreakError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Incident } from '../core/types.ts';
import { type IntegrationFactory, type Service, startService } from '../app/service.ts';
import type { Config } from '../config/types.ts';
import { createCommsIntegration } from '../comms/integration.ts';
import { countOutbox } from '../store/outbox.ts';
import { startDiscordStandin } from '../drill/standins/discord.ts';
import { DRILL_TOKENS, type DrillBridge } from '../drill/bridge.ts';
import { benchTransferId } from './emit.ts';
import { benchConfig } from './ingest.ts';
import { percentile, round } from './stats.ts';

export type LatencyMode = 'websocket' | 'polling';

export interface LatencySamples {
  trials: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LatencyResult extends LatencySamples {
  pollIntervalMs: number;
  /** where the clock stops */
  endPoint: string;
  /** how new blocks were noticed in the headline figures: "websocket" only when notifications woke the passes */
  mode: LatencyMode;
  /** trials run first and not recorded, per service */
  warmupTrials: number;
  /** the same trials on a polling-only service (when measured) */
  polling?: LatencySamples;
  /** why the headline figures are not WebSocket ones, when subscriptions were asked for and not used */
  websocketUnavailable?: string;
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
  const discord = await startDiscordStandin('bench-bot-token');
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

/** polls `probe` every 20 ms; false when it is still not true after `timeoutMs` */
async function until(probe: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

async function settled(db: Parameters<typeof countOutbox>[0]): Promise<void> {
  const drained = async () => (await countOutbox(db, 'pending')) + (await countOutbox(db, 'sending')) === 0;
  if (!(await until(drained, 30_000))) throw new FirebreakError('benchmark: the outbox did not drain within 30 s', { code: 'bench_timeout' });
}

const GOLDEN = 0.6180339887498949;
/** unrecorded trials first: the first incident of a fresh service pays for cold code paths */
const WARMUP_TRIALS = 1;

/** every chain's watcher has read the chain's latest block and no pass is running */
async function quiet(service: Service, bridge: DrillBridge, config: Config): Promise<void> {
  const clients = { [config.bridges[0]!.source.chain]: bridge.source.publicClient, [config.bridges[0]!.destination.chain]: bridge.destination.publicClient };
  const latest = new Map<string, number>();
  for (const [name, client] of Object.entries(clients)) latest.set(name, Number(await client.getBlockNumber({ cacheTime: 0 })));
  const idle = () =>
    service.watch.chains().every((c) => (c.head?.head ?? -1) >= (latest.get(c.name) ?? 0)) && service.watch.heads().every((h) => !h.passing);
  if (!(await until(idle, 30_000))) throw new FirebreakError('benchmark: the watchers did not catch up within 30 s', { code: 'bench_timeout' });
}

interface Run {
  samples: number[];
  /** the source chain's subscription: open at the end, notifications that woke a pass */
  subscribed: boolean;
  wakeups: number;
}

async function runTrials(options: {
  bridge: DrillBridge;
  trials: number;
  logger: Logger;
  pollIntervalMs: number;
  endPoint: LatencyEndPoint;
  mode: LatencyMode;
}): Promise<Run> {
  const { bridge, logger, endPoint, mode } = options;
  const config = benchConfig(bridge, { stuckAfter: `${STUCK_AFTER_SECONDS}s`, extra: endPoint.extraConfig });
  for (const chain of Object.values(config.chains)) chain.pollIntervalMs = options.pollIntervalMs;
  const service = await startService({
    config,
    logger,
    listen: false,
    tickMs: 60_000,
    integrations: endPoint.integrations,
    headSubscriptions: mode === 'websocket',
  });
  const source = config.bridges.find((b) => b.id === 'drill')?.source.chain ?? Object.keys(config.chains)[0]!;
  const heads = () => service.watch.heads().find((h) => h.name === source);
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
  const salt = `1a7${mode === 'websocket' ? '1' : '0'}${Date.now().toString(16)}`;
  let subscribed = false;
  let wakeups = 0;
  try {
    // the first trial must not pay for the start-up catch-up (or the subscription being opened)
    await until(() => service.watch.chains().every((c) => c.caughtUp), 60_000);
    if (mode === 'websocket') await until(() => service.watch.heads().every((h) => h.subscribed), 5_000);
    for (let trial = 0; trial < WARMUP_TRIALS + options.trials; trial++) {
      const id = benchTransferId(salt, trial);
      await bridge.deposit([{ id, token: DRILL_TOKENS.usdc.address, amount: 1_000n * 10n ** 6n }]);
      const latest = await bridge.source.publicClient.getBlock();
      await bridge.source.testClient.setNextBlockTimestamp({ timestamp: latest.timestamp + BigInt(STUCK_AFTER_SECONDS + 1) });
      // nothing still on its way (the previous trial's "cleared" message) may stop the clock
      await settled(service.store.db);
      // real blocks come seconds apart, not milliseconds after the deposit's: the watchers have
      // read every block and are idle, and the poll timer is at a spread-out phase (low-discrepancy
      // offsets in [0, interval)), as a block landing at a random moment would find it
      await quiet(service, bridge, config);
      await new Promise((resolve) => setTimeout(resolve, ((trial * GOLDEN) % 1) * options.pollIntervalMs));
      const arrival = endPoint.arm(trial);
      const minedAt = performance.now();
      await bridge.source.testClient.mine({ blocks: 1 });
      const arrivedAt = await within(arrival, 60_000, `detection of trial ${trial + 1} (${mode})`);
      if (trial >= WARMUP_TRIALS) samples.push(arrivedAt - minedAt);
      // the relayer delivers it: the incident clears, so the next stuck transfer is news again
      const clearing = new Promise<void>((resolve) => (cleared = resolve));
      await bridge.finalize([id]);
      await within(clearing, 60_000, `clearing after trial ${trial + 1} (${mode})`);
    }
    subscribed = heads()?.subscribed ?? false;
    wakeups = heads()?.wakeups ?? 0;
  } finally {
    unsubscribe();
    await service.stop();
  }
  samples.sort((a, b) => a - b);
  return { samples, subscribed, wakeups };
}

function summary(samples: number[]): LatencySamples {
  return {
    trials: samples.length,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    maxMs: samples[samples.length - 1] ?? 0,
  };
}

export async function benchLatency(options: {
  bridge: DrillBridge;
  trials: number;
  logger: Logger;
  pollIntervalMs?: number;
  endPoint?: LatencyEndPoint;
  /** which services to measure (default both; the first one measured is the headline) */
  modes?: LatencyMode[];
}): Promise<LatencyResult> {
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const modes = options.modes ?? ['websocket', 'polling'];
  const runs = new Map<LatencyMode, Run>();
  let endPointName = options.endPoint?.name ?? '';
  try {
    for (const mode of modes) {
      // a Discord of its own per service: a fresh store numbers incidents (and so message nonces)
      // from the start again, and Discord answers a nonce it has seen with the old message
      const endPoint = options.endPoint ?? (await discordEndPoint());
      endPointName = endPoint.name;
      try {
        runs.set(mode, await runTrials({ ...options, pollIntervalMs, endPoint, mode }));
      } finally {
        if (!options.endPoint) await endPoint.close?.();
      }
    }
  } finally {
    await options.endPoint?.close?.();
  }
  const ws = runs.get('websocket');
  const polling = runs.get('polling');
  // WebSocket figures only when notifications did wake the passes (every trial mines a block)
  const wsUsed = ws !== undefined && ws.subscribed && ws.wakeups >= options.trials;
  const headline = wsUsed ? ws : (polling ?? ws!);
  const rounded = (s: LatencySamples): LatencySamples => ({ ...s, p50Ms: round(s.p50Ms, 1), p99Ms: round(s.p99Ms, 1), maxMs: round(s.maxMs, 1) });
  return {
    ...summary(headline.samples),
    warmupTrials: WARMUP_TRIALS,
    pollIntervalMs,
    endPoint: endPointName,
    mode: wsUsed ? 'websocket' : 'polling',
    ...(wsUsed && polling ? { polling: rounded(summary(polling.samples)) } : {}),
    ...(ws && !wsUsed
      ? { websocketUnavailable: ws.subscribed ? `notifications woke only ${ws.wakeups} passes in ${options.trials} trials` : 'no head subscription could be opened (see the log)' }
      : {}),
  };
}
