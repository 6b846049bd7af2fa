/**
 * The incident API (SPEC §5). Bodies are validated with zod; a malformed body is a 400 with the
 * reason, an unknown incident a 404. The token's name is the actor of every change.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { BadRequestError, ForbiddenError, NotFoundError, UnauthorizedError } from '../core/errors.ts';
import { responseStats, stageDurations } from '../core/incident.ts';
import type { Incident } from '../core/types.ts';
import type { Config } from '../config/types.ts';
import type { IncidentEngine } from '../incidents/engine.ts';
import { recordAnchor } from '../postmortem/record.ts';
import { type AuthEnv, findToken, isRoutingKey } from './auth.ts';

const severity = z.enum(['S0', 'S1', 'S2', 'S3']);
/** Request bodies (also the API reference's: src/server/api-docs.ts). */
export const schemas = {
  declare: z.object({ title: z.string().trim().min(1).max(300), severity, summary: z.string().max(5000).optional() }),
  update: z.object({
    status: z.enum(['investigating', 'identified', 'monitoring', 'resolved']).optional(),
    message: z.string().trim().min(1).max(5000),
  }),
  role: z.object({ role: z.enum(['commander', 'techLead', 'comms', 'scribe']), who: z.string().trim().min(1).max(200) }),
  resolve: z.object({ message: z.string().max(5000).optional() }),
  severity: z.object({ severity, reason: z.string().max(1000).optional() }),
  note: z.object({ text: z.string().trim().min(1).max(5000) }),
  actionItem: z.object({
    title: z.string().trim().min(1).max(300),
    owner: z.string().trim().min(1).max(200),
    due: z.string().trim().min(1).max(100),
    priority: z.enum(['low', 'medium', 'high']),
  }),
  rollback: z.object({ proxy: z.string().min(1).optional() }),
  anchor: z.object({
    digest: z.string(),
    cid: z.string(),
    uri: z.string().max(300).optional(),
    txHash: z.string(),
    chainId: z.number().int().positive(),
    registry: z.string(),
    submitter: z.string().optional(),
  }),
  alert: z.object({
    routing_key: z.string().optional(),
    event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
    dedup_key: z.string().trim().min(1).max(255),
    payload: z
      .object({
        summary: z.string().trim().min(1).max(1024),
        source: z.string().trim().min(1).max(255),
        severity: z.enum(['critical', 'error', 'warning', 'info']),
      })
      .passthrough()
      .optional(),
  }),
};

async function body<T extends z.ZodType>(request: Request, schema: T, allowEmpty = false): Promise<z.infer<T>> {
  const text = await request.text();
  let json: unknown = {};
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      throw new BadRequestError('the body is not valid JSON');
    }
  } else if (!allowEmpty) throw new BadRequestError('a JSON body is required');
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BadRequestError(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}

export interface IncidentRoutesDeps {
  config: Config;
  engine: IncidentEngine;
  /** the postmortem Markdown for an incident (postmortem module) */
  postmortem?(incident: Incident): Promise<string>;
}

/** Mounted behind requireToken (except /api/alerts, which also accepts a routing key). */
export function incidentRoutes(deps: IncidentRoutesDeps): Hono<AuthEnv> {
  const { engine } = deps;
  const app = new Hono<AuthEnv>();
  const found = async (id: string) => {
    const incident = await engine.get(id);
    if (!incident) throw new NotFoundError(`no incident ${id}`);
    return incident;
  };

  app.get('/incidents', async (c) => {
    const status = c.req.query('status');
    if (status && !['open', 'resolved', 'all'].includes(status)) throw new BadRequestError('status must be open, resolved or all');
    return c.json(await engine.list({ status: (status as 'open' | 'resolved' | 'all' | undefined) ?? 'all' }));
  });
  /** MTTD/MTTA/MTTM/MTTR over 30 and 90 days, and per incident (seconds) */
  app.get('/stats', async (c) => {
    const nowMs = Date.now();
    const incidents = await engine.list({ status: 'all', limit: 1000 });
    return c.json({
      at: new Date(nowMs).toISOString(),
      windows: { '30d': responseStats(incidents, nowMs, 30), '90d': responseStats(incidents, nowMs, 90) },
      incidents: incidents
        .filter((i) => Date.parse(i.startedAt) >= nowMs - 90 * 86_400_000)
        .map((i) => ({ id: i.id, key: i.key, severity: i.peakSeverity, status: i.status, detectedAt: i.detectedAt, ...stageDurations(i) })),
    });
  });
  app.get('/incidents/:id', async (c) => c.json(await found(c.req.param('id'))));
  app.post('/incidents', async (c) => {
    const input = await body(c.req.raw, schemas.declare);
    return c.json(await engine.declare(input, c.get('actor')), 201);
  });
  app.post('/incidents/:id/ack', async (c) => {
    await found(c.req.param('id'));
    return c.json(await engine.acknowledge(c.req.param('id'), c.get('actor')));
  });
  app.post('/incidents/:id/updates', async (c) => {
    const input = await body(c.req.raw, schemas.update);
    await found(c.req.param('id'));
    return c.json(await engine.postUpdate(c.req.param('id'), input, c.get('actor')));
  });
  app.post('/incidents/:id/roles', async (c) => {
    const input = await body(c.req.raw, schemas.role);
    await found(c.req.param('id'));
    return c.json(await engine.assignRole(c.req.param('id'), input.role, input.who, c.get('actor')));
  });
  app.post('/incidents/:id/resolve', async (c) => {
    const input = await body(c.req.raw, schemas.resolve, true);
    await found(c.req.param('id'));
    return c.json(await engine.resolve(c.req.param('id'), c.get('actor'), input.message));
  });
  app.post('/incidents/:id/severity', async (c) => {
    const input = await body(c.req.raw, schemas.severity);
    await found(c.req.param('id'));
    return c.json(await engine.setSeverity(c.req.param('id'), input.severity, c.get('actor'), input.reason));
  });
  app.post('/incidents/:id/notes', async (c) => {
    const input = await body(c.req.raw, schemas.note);
    await found(c.req.param('id'));
    return c.json(await engine.addNote(c.req.param('id'), input.text, c.get('actor')));
  });
  app.post('/incidents/:id/action-items', async (c) => {
    const input = await body(c.req.raw, schemas.actionItem);
    await found(c.req.param('id'));
    return c.json(await engine.addActionItem(c.req.param('id'), input, c.get('actor')), 201);
  });
  // `firebreak anchor` reports an anchored postmortem: timeline entry + announcement (idempotent per tx)
  app.post('/incidents/:id/anchors', async (c) => {
    const input = await body(c.req.raw, schemas.anchor);
    await found(c.req.param('id'));
    const { incident, recorded } = await recordAnchor(engine, c.req.param('id'), input, c.get('actor'));
    return c.json({ incident: incident.id, recorded }, recorded ? 201 : 200);
  });
  // §8: a person's rollback of a bad upgrade (checked now, queued, sent once by the governance module)
  app.post('/incidents/:id/rollback', async (c) => {
    const input = await body(c.req.raw, schemas.rollback, true);
    await found(c.req.param('id'));
    if (!engine.commands.requestRollback) throw new NotFoundError('no rollbacks are configured (governance.rollbackGovernor.rollbacks)');
    return c.json(await engine.commands.requestRollback(c.req.param('id'), input.proxy, c.get('actor')), 202);
  });
  app.get('/incidents/:id/postmortem', async (c) => {
    const incident = await found(c.req.param('id'));
    if (!deps.postmortem) throw new NotFoundError('postmortems are not available in this build');
    return c.body(await deps.postmortem(incident), 200, { 'content-type': 'text/markdown; charset=utf-8' });
  });
  return app;
}

/** POST /api/alerts: PagerDuty Events v2 shape; auth by a write token or a listed routing key. */
export function alertRoutes(deps: IncidentRoutesDeps): Hono {
  const app = new Hono();
  app.post('/alerts', async (c) => {
    const input = await body(c.req.raw, schemas.alert);
    const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim();
    const token = bearer ? findToken(deps.config.server.apiTokens, bearer) : undefined;
    let actor: string | undefined;
    if (token && token.scope === 'write') actor = token.name;
    else if (typeof input.routing_key === 'string' && isRoutingKey(deps.config.alerts.routingKeys, input.routing_key)) actor = 'alert';
    if (!actor && token) throw new ForbiddenError(`token "${token.name}" is read-only`);
    if (!actor) throw new UnauthorizedError('send a write token or a routing_key listed in alerts.routingKeys');
    if (input.event_action === 'trigger' && !input.payload) throw new BadRequestError('payload: required for trigger');
    const incident = await deps.engine.handleAlert(input as Parameters<IncidentEngine['handleAlert']>[0], actor);
    return c.json({ status: 'success', message: 'Event processed', dedup_key: input.dedup_key, incident: incident?.id ?? null }, 202);
  });
  return app;
}
