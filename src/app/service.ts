/**
 * The composition root of the long-running service (`firebreak start`, and the drill, which runs
 * the very same service on local chains): store → chains → watchers → incident engine → effect
 * sinks and delivery → HTTP server. The only module that knows the whole graph.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { RouteDoc } from '../core/api.ts';
import { FirebreakError, reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Config } from '../config/types.ts';
import { createDeliveryWorker, type Deliverer, type DeliveryEvent, type DeliveryWorker } from '../delivery/worker.ts';
import { createIncidentEngine, type IncidentEngine } from '../incidents/engine.ts';
import { renderPostmortemFor } from '../postmortem/generate.ts';
import { createServerApp } from '../server/app.ts';
import type { EffectSink } from '../store/effects.ts';
import { listOutbox, releaseForeignClaims } from '../store/outbox.ts';
import { createStore, type Store } from '../store/store.ts';
import { bridgeDetection, chainDetections } from '../watchers/detections.ts';
import { exploitDetections } from '../watchers/exploit/detections.ts';
import { createWatchService, type WatchService } from '../watchers/service.ts';
import type { Integration, IntegrationFactory } from '../incidents/integration.ts';
import { wireChains } from './watch.ts';
import { createLeadership, type Leadership } from './leadership.ts';
import { createMonitorWatch, writeHeartbeat } from './monitor.ts';
import { operationalFigures } from './operational.ts';

export type { Integration, IntegrationContext, IntegrationFactory } from '../incidents/integration.ts';

export interface ServiceOptions {
  config: Config;
  logger: Logger;
  /** listen (default true); tests may drive `app.request` instead */
  listen?: boolean;
  /** the drill: dashboard with action buttons using this write token */
  dashboardToken?: string;
  /** the drill: its own controls on the dashboard (POST paths served by `publicRoutes`) */
  drillControls?: Array<{ path: string; label: string }>;
  title?: string;
  notes?: string[];
  /** engine clock (tests move it to pass quiet periods and cadences) */
  now?: () => Date;
  tickMs?: number;
  /** extra integrations (comms, governance, mirror) contributed by the caller */
  sinks?: EffectSink[];
  deliverers?: Deliverer[];
  publicRoutes?: Hono[];
  /** the API reference of `publicRoutes` */
  apiDocs?: RouteDoc[];
  onDelivered?(event: DeliveryEvent, engine: IncidentEngine): Promise<void>;
  /** feature modules (src/app/integrations.ts lists the ones `firebreak start` uses) */
  integrations?: IntegrationFactory[];
  /** leader lease length (scale-out failover time); tests shorten it */
  leaseMs?: number;
  /** this instance's name in the lease table and logs */
  instanceId?: string;
  /** wake watcher passes on new-head notifications over WebSocket (default true; false: polling only) */
  headSubscriptions?: boolean;
}

export interface Service {
  config: Config;
  store: Store;
  engine: IncidentEngine;
  watch: WatchService;
  delivery: DeliveryWorker;
  integrations: Integration[];
  leadership: Leadership;
  app: ReturnType<typeof createServerApp>;
  url: string | null;
  stop(): Promise<void>;
}

export async function startService(options: ServiceOptions): Promise<Service> {
  const { config, logger } = options;
  const cleanup: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch((error: unknown) => logger.warn({ reason: reasonOf(error) }, 'shutdown step failed'));
  };
  try {
    const store = await createStore(config.storage, logger);
    cleanup.push(() => store.close());
    const engine = createIncidentEngine({ store, config, logger, sinks: options.sinks, now: options.now });
    const { rpc, syncs, settle, sideKeys } = wireChains({ config, store, logger, ...backfillTuning() });
    const watch = createWatchService({
      config,
      store,
      rpc,
      syncs,
      settle,
      sideKeys,
      logger,
      headSubscriptions: options.headSubscriptions,
      async onJudgement(judgement) {
        const bridge = config.bridges.find((b) => b.id === judgement.id)!;
        await engine.observe(bridgeDetection(config, bridge, judgement));
        for (const detection of exploitDetections(config, bridge, judgement)) await engine.observe(detection);
      },
      async onChainPass(view) {
        for (const detection of chainDetections(config, view)) await engine.observe(detection);
        await writeHeartbeat(store.db);
      },
    });
    const now = options.now ?? (() => new Date());
    let leading = false;
    const instanceId = options.instanceId ?? `firebreak-${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`;
    const integrations: Integration[] = [];
    for (const factory of options.integrations ?? []) {
      const integration = await factory({ config, store, engine, watch, logger: logger.child({ module: 'integration' }), now, isLeader: () => leading });
      integrations.push(integration);
      for (const sink of integration.sinks ?? []) engine.addSink(sink);
      // commands a module adds (e.g. requestRollback) reach the API, chat and dashboard through the engine
      if (integration.commands) {
        Object.assign(engine.commands, integration.commands);
        Object.assign(engine, integration.commands);
      }
    }
    const delivery = createDeliveryWorker({
      db: store.db,
      deliverers: [...(options.deliverers ?? []), ...integrations.flatMap((i) => i.deliverers ?? [])],
      logger,
      owner: instanceId,
      now: options.now,
      // fencing: a leader that lost its lease (a long pause, a partition) must not send any more
      stillLeader: () => leadership.confirm(),
      async onDelivered(event) {
        for (const integration of integrations) {
          await integration.onDelivered?.(event).catch((error: unknown) =>
            logger.warn({ integration: integration.name, reason: reasonOf(error) }, 'onDelivered failed'),
          );
        }
        await options.onDelivered?.(event, engine);
        await recordUnrecordedFailure(engine, event, logger);
      },
    });
    // new outbox rows are planned inside incident changes: deliver them right away
    engine.onChange((change) => {
      if (change.effects.some((e) => e.type !== 'publish')) delivery.kick();
    });

    const app = createServerApp({
      config,
      watch,
      engine,
      logger,
      title: options.title,
      notes: options.notes,
      dashboardToken: options.dashboardToken,
      drillControls: options.drillControls,
      addToIpfs: ipfsAdder(integrations),
      role: () => (leadership.isLeader() ? 'leader' : 'follower'),
      postmortem: (incident) => renderPostmortemFor(store, config, incident),
      operational: () => operationalFigures({ store, watch, leader: leadership.isLeader(), now: now() }),
      publicRoutes: [...(options.publicRoutes ?? []), ...integrations.flatMap((i) => (i.routes ? [i.routes] : []))],
      apiDocs: [...(options.apiDocs ?? []), ...integrations.flatMap((i) => i.apiDocs ?? [])],
      messages: async () =>
        (await listOutbox(store.db, { limit: 200 })).map((row) => ({
          incidentId: row.incidentId,
          channel: row.channel,
          kind: row.kind,
          status: row.status,
          text: messageText(row.payload),
          createdAt: row.createdAt.toISOString(),
        })),
    });

    for (const integration of integrations) {
      if (integration.leaderOnly) continue;
      await integration.start?.();
      if (integration.stop) cleanup.push(() => integration.stop!());
    }
    // the leader's work: watchers, cadence and escalation, outbox delivery, leader-only integrations
    const tickMs = options.tickMs ?? 5_000;
    let ticker: NodeJS.Timeout | undefined;
    const monitor = createMonitorWatch({ store, engine, config, logger });
    const leadership: Leadership = createLeadership({
      db: store.db,
      holder: instanceId,
      logger,
      ttlMs: options.leaseMs,
      async onChange(leader) {
        leading = leader;
        for (const integration of integrations) integration.onLeadership?.(leader);
        if (leader) {
          monitor.stop();
          const taken = await releaseForeignClaims(store.db, instanceId, now());
          if (taken > 0) logger.warn({ rows: taken }, 'took over outbox rows the previous leader was sending');
          watch.start();
          delivery.start();
          ticker = setInterval(() => {
            engine.tick().catch((error: unknown) => logger.error({ reason: reasonOf(error) }, 'engine tick failed'));
          }, tickMs);
          for (const integration of integrations) if (integration.leaderOnly) await integration.start?.();
        } else {
          clearInterval(ticker);
          await watch.stop();
          await delivery.stop();
          for (const integration of integrations) if (integration.leaderOnly) await integration.stop?.();
          if (!stopping) monitor.start();
        }
      },
    });
    let stopping = false;
    cleanup.push(async () => {
      stopping = true;
      await leadership.stop();
      monitor.stop();
    });
    await leadership.start();
    if (!leadership.isLeader()) monitor.start();

    let url: string | null = null;
    if (options.listen !== false) {
      const server: ServerType = await new Promise((resolve, reject) => {
        const s = serve({ fetch: app.fetch, hostname: config.server.host, port: config.server.port }, () => resolve(s));
        s.once('error', (error: NodeJS.ErrnoException) =>
          reject(
            new FirebreakError(
              error.code === 'EADDRINUSE'
                ? `server.port ${config.server.port} is in use (another Firebreak?): set server.port or pass --port`
                : `cannot listen on ${config.server.host}:${config.server.port}: ${error.message}`,
              { cause: error, code: 'listen' },
            ),
          ),
        );
      });
      cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const address = server.address();
      url = `http://${config.server.host}:${typeof address === 'object' && address ? address.port : config.server.port}`;
      logger.info({ url }, 'listening');
    }
    return { config, store, engine, watch, delivery, integrations, leadership, app, url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A readable text for any outbox payload (a chat message, a page, a transaction). */
function messageText(payload: unknown): string {
  if (payload && typeof payload === 'object') {
    const p = payload as Record<string, unknown>;
    for (const field of ['text', 'content', 'body', 'summary', 'title']) if (typeof p[field] === 'string') return p[field] as string;
  }
  return JSON.stringify(payload);
}

/** The mirror's node, when there is one: `firebreak anchor` adds the postmortem to it. */
function ipfsAdder(integrations: Integration[]): ((bytes: Uint8Array) => Promise<string>) | undefined {
  const mirror = integrations.find((i) => i.name === 'mirror') as (Integration & { addFile?(bytes: Uint8Array): Promise<string> }) | undefined;
  return mirror?.addFile ? (bytes) => mirror.addFile!(bytes) : undefined;
}

/**
 * FIREBREAK_COMMIT_EVERY_MS / FIREBREAK_COMMIT_EVERY_RANGES: how often a backfill commits what it
 * holds in memory (defaults 30 s / 200 ranges). For tests that kill the process mid-backfill.
 */
function backfillTuning(): { commitEveryMs?: number; commitEveryRanges?: number } {
  const read = (name: string) => {
    const value = Number(process.env[name]);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  };
  return { commitEveryMs: read('FIREBREAK_COMMIT_EVERY_MS'), commitEveryRanges: read('FIREBREAK_COMMIT_EVERY_RANGES') };
}

/**
 * The safety net for permanent delivery failures: whatever the channel, a row that failed for good
 * is on its incident's timeline (and so on the dashboard). The feature modules record their own
 * failures in their words (with `data.outbox`); one that did not is recorded here.
 */
async function recordUnrecordedFailure(engine: IncidentEngine, event: DeliveryEvent, logger: Logger): Promise<void> {
  const { row } = event;
  if (event.outcome !== 'failed' || event.recorded || !row.incidentId) return;
  try {
    const incident = await engine.get(row.incidentId);
    if (!incident || incident.timeline.some((e) => e.data?.outbox === row.id)) return;
    await engine.record(row.incidentId, [
      { kind: 'message', actor: 'firebreak', text: `Delivery to ${row.channel} (${row.kind}) failed and will not be retried: ${event.error ?? 'unknown error'}`, data: { channel: row.channel, outcome: 'failed', outbox: row.id } },
    ]);
  } catch (error) {
    logger.error({ outbox: row.id, channel: row.channel, reason: reasonOf(error) }, 'cannot record a permanent delivery failure on the timeline');
  }
}
