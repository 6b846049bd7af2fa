/**
 * The HTTP surface (hono). Public: /healthz, /status and the mirror routes, the dashboard, and the
 * two webhooks (which carry their own signatures). Everything else under /api and /metrics needs
 * a bearer token: read for GET, write for the rest (SPEC §5).
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { SERVICE_HEADER } from './identity.ts';
import { BadRequestError, NotFoundError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Incident } from '../core/types.ts';
import type { Config } from '../config/types.ts';
import type { IncidentEngine } from '../incidents/engine.ts';
import type { WatchService } from '../watchers/service.ts';
import { type AuthEnv, requireToken } from './auth.ts';
import { type DashboardMirror, dashboardVersion, liveChains, renderDashboard } from './dashboard.ts';
import { errorResponse } from './errors.ts';
import { alertRoutes, incidentRoutes } from './incident-routes.ts';
import { type OperationalFigures, renderMetrics } from './metrics.ts';
import type { RouteDoc } from '../core/api.ts';
import { SERVER_ROUTES } from './api-docs.ts';
import { buildOpenApi } from './openapi.ts';

export interface ServerDeps {
  config: Config;
  watch: WatchService;
  engine: IncidentEngine;
  logger: Logger;
  /** leader or follower (scale-out); a single instance is the leader */
  role?: () => 'leader' | 'follower';
  title?: string;
  /** shown on the dashboard (drill hints, what this build does not do yet) */
  notes?: string[];
  /** the drill's write token: the dashboard at / gets action buttons. Without it, / is the public status page. */
  dashboardToken?: string;
  /** the drill's own controls (e.g. "the relayer is back"), shown on the dashboard as buttons */
  drillControls?: Array<{ path: string; label: string }>;
  /** add a file to the status mirror's IPFS node (pinned); absent when IPFS is off */
  addToIpfs?(bytes: Uint8Array): Promise<string>;
  /** messages for the dashboard (outbox rows rendered) */
  messages?(): Promise<Array<{ incidentId: string | null; channel: string; kind: string; status: string; text: string; createdAt?: string }>>;
  /** extra public routes mounted at / (status page, mirror, webhooks) */
  publicRoutes?: Hono[];
  /** the API reference of `publicRoutes` (GET /api/openapi.json adds them to this module's own) */
  apiDocs?: RouteDoc[];
  /** this instance's lease, heartbeat, outbox and backfill figures for /metrics */
  operational?(): Promise<OperationalFigures>;
  /** render the postmortem Markdown of an incident */
  postmortem?(incident: Incident): Promise<string>;
  now?: () => number;
}

/** request bodies: 1 MiB, except the postmortem upload (5 MiB of content, base64 in JSON) */
export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_UPLOAD_BYTES = 8 * 1024 * 1024;

function limitBodies(): MiddlewareHandler {
  const tooLarge = (limit: number) =>
    bodyLimit({
      maxSize: limit,
      // the rest of the body is not read: the connection cannot carry another request
      onError: (c) => c.json({ error: 'payload_too_large', message: `request bodies are limited to ${limit} bytes` }, 413, { connection: 'close' }),
    });
  const regular = tooLarge(MAX_BODY_BYTES);
  const upload = tooLarge(MAX_UPLOAD_BYTES);
  return (c, next) => (c.req.method === 'POST' && c.req.path === '/api/ipfs' ? upload(c, next) : regular(c, next));
}

export function createServerApp(deps: ServerDeps): Hono<AuthEnv> {
  const { config, watch, engine, logger } = deps;
  const now = deps.now ?? Date.now;
  const app = new Hono<AuthEnv>();
  app.onError((error, c) => errorResponse(error, c, logger));
  app.use('*', async (c, next) => {
    await next();
    c.res.headers.set(SERVICE_HEADER, '1');
  });
  // every body is size-limited before any route (or its auth) reads it
  app.use('*', limitBodies());

  app.get('/healthz', (c) => {
    const chains: Record<string, { head: number | null; headTimestamp: number | null; lagSeconds: number | null; rpc: number }> = {};
    for (const chain of watch.chains()) {
      const head = chain.head;
      chains[chain.name] = {
        head: head?.head ?? null,
        headTimestamp: head?.headTimestamp ?? null,
        lagSeconds: head ? Math.max(0, Math.round(now() / 1000 - head.headTimestamp)) : null,
        rpc: chain.rpc,
      };
    }
    const ok = watch.chains().every((chain) => !chain.unobservableSince);
    // every source's history: blocks done/total, percent, ETA (following: caught up, read at the tip)
    const backfill = watch.backfill?.() ?? [];
    return c.json({ ok, role: deps.role?.() ?? 'leader', chains, backfill }, ok ? 200 : 503);
  });

  // the dashboard's model; the mirror is asked through its own public route (GET /api/mirror)
  const dashboardModel = async () => {
    const mirrorResponse = await Promise.resolve(app.request('/api/mirror')).catch(() => null);
    const mirror = mirrorResponse?.ok ? ((await mirrorResponse.json().catch(() => null)) as DashboardMirror | null) : null;
    return {
      title: deps.title ?? 'Firebreak',
      chains: watch.chains(),
      backfill: watch.backfill?.() ?? [],
      bridges: config.bridges.map((b) => ({ id: b.id, name: b.name, judgement: watch.judgements().find((j) => j.id === b.id) })),
      incidents: await engine.list({ status: 'all', limit: 20 }),
      messages: deps.messages ? await deps.messages() : [],
      mirror,
      actionToken: deps.dashboardToken,
      controls: deps.drillControls ?? [],
      notes: deps.notes ?? [],
      nowMs: now(),
    };
  };
  app.get('/', async (c) => {
    // timelines are not public: outside the drill, / is the public status page
    if (!deps.dashboardToken) return c.redirect('/status');
    return c.html(renderDashboard(await dashboardModel()));
  });

  for (const routes of deps.publicRoutes ?? []) app.route('/', routes);
  // the API reference is public (it holds no data, and client generators fetch it without a token)
  let openApi: string | undefined;
  app.get('/api/openapi.json', (c) => {
    openApi ??= JSON.stringify(apiDocument(deps.apiDocs ?? []));
    return c.body(openApi, 200, { 'content-type': 'application/json' });
  });
  app.route('/api', alertRoutes({ config, engine }));

  app.use('/metrics', requireToken(config.server.apiTokens));
  app.get('/metrics', async (c) =>
    c.body(
      renderMetrics({
        chains: watch.chains(),
        backfill: watch.backfill?.() ?? [],
        judgements: watch.judgements(),
        incidents: await engine.list({ status: 'all', limit: 500 }),
        nowMs: now(),
        operational: await deps.operational?.(),
      }),
      200,
      { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
    ),
  );
  app.use('/api/*', requireToken(config.server.apiTokens));
  app.get('/api/bridges', (c) => c.json(watch.judgements()));
  // the dashboard's live data: chain heads and lag, and a version that changes with the page
  app.get('/api/dashboard/live', async (c) => {
    const model = await dashboardModel();
    return c.json({ version: dashboardVersion(model), chains: liveChains(model.chains, model.nowMs), generatedAt: new Date(model.nowMs).toISOString() });
  });
  app.route('/api', incidentRoutes({ config, engine, postmortem: deps.postmortem }));
  // `firebreak anchor` puts the postmortem on the node it anchors `ipfs://<cid>` of (write token)
  app.post('/api/ipfs', async (c) => {
    if (!deps.addToIpfs) throw new NotFoundError('this service has no IPFS node (ipfs.enabled: false)');
    const parsed = (await c.req.json().catch(() => null)) as { content?: unknown } | null;
    if (!parsed || typeof parsed.content !== 'string') throw new BadRequestError('send {"content": "<the file, base64>"}');
    const bytes = Buffer.from(parsed.content, 'base64');
    if (bytes.length === 0 || bytes.length > 5 * 1024 * 1024) throw new BadRequestError('content must be 1 byte to 5 MiB');
    return c.json({ cid: await deps.addToIpfs(new Uint8Array(bytes)) }, 201);
  });

  app.notFound((c) => c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404));
  return app;
}

/** The OpenAPI 3.1 document of this server's routes plus those described by `extra`. */
export function apiDocument(extra: RouteDoc[]): Record<string, unknown> {
  return buildOpenApi([...SERVER_ROUTES, ...extra], {
    title: 'Firebreak HTTP API',
    version: API_VERSION,
    description: 'Incident response for Web3 bridges. Bearer tokens come from `server.apiTokens` (docs/configuration.md).',
  });
}

/** The API document's version: the package's (bumped with releases). */
export const API_VERSION = '0.1.0';
