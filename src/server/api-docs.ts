/**
 * The API reference of the routes this module registers (src/server/app.ts and incident-routes.ts):
 * request bodies are the very schemas the routes validate with; responses are described here.
 * test/server/openapi.test.ts fails when a registered route has no entry.
 */
import { z } from 'zod';
import type { RouteDoc } from '../core/api.ts';
import { schemas } from './incident-routes.ts';

const severity = z.enum(['S0', 'S1', 'S2', 'S3']);
const time = z.string().meta({ format: 'date-time' });

export const errorSchema = z
  .object({ error: z.string().meta({ description: 'machine-readable code, e.g. bad_request, unauthorized, not_found' }), message: z.string() })
  .meta({ id: 'Error' });

const impactSchema = z
  .object({
    stuckTransfers: z.number().int(),
    lockedUsd: z.number(),
    oldestStuckSeconds: z.number(),
    bridges: z.array(z.string()),
    chains: z.array(z.string()).optional(),
    unpriced: z.number().int().optional(),
    pendingTransfers: z.number().int().optional(),
  })
  .meta({ id: 'Impact' });

const timelineEntrySchema = z
  .object({
    at: time,
    kind: z.string().meta({ description: 'detected, declared, reading, severity, status, acknowledged, update, note, role, page, message, pause, proposal, resolved, anchored, …' }),
    text: z.string(),
    actor: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'TimelineEntry' });

const personOrNull = z.string().nullable();

export const incidentSchema = z
  .object({
    id: z.string().meta({ examples: ['INC-0001'] }),
    key: z.string().meta({ description: 'dedup key: bridge:<id>:stuck, chain:<name>:halted, chain:<name>:unobservable, alert:<dedup_key>, …' }),
    title: z.string(),
    severity,
    status: z.enum(['investigating', 'identified', 'monitoring', 'resolved']),
    source: z.enum(['watcher', 'alert', 'manual', 'monitor']),
    summary: z.string(),
    startedAt: time,
    detectedAt: time,
    acknowledgedAt: time.nullable(),
    acknowledgedBy: z.string().nullable(),
    mitigatedAt: time.nullable(),
    resolvedAt: time.nullable(),
    roles: z.object({ commander: personOrNull, techLead: personOrNull, comms: personOrNull, scribe: personOrNull }),
    impact: impactSchema,
    peakImpact: impactSchema,
    peakSeverity: severity,
    nextUpdateDue: time.nullable(),
    lastUpdateAt: time.nullable(),
    escalation: z.object({ tier: z.number().int(), nextAt: time.nullable(), held: z.boolean() }),
    severityOverride: z.object({ severity, readingSeverity: severity.nullable(), by: z.string(), at: time }).nullable(),
    clearedAt: time.nullable(),
    postmortemDue: time.nullable(),
    mirror: z.object({ cid: z.string().nullable() }),
    governance: z.array(
      z.object({
        kind: z.string().meta({ description: 'pause | proposal | rollback' }),
        at: time,
        outcome: z.string(),
        chain: z.string().optional(),
        target: z.string().optional(),
        txHash: z.string().optional(),
        proposalId: z.string().optional(),
        url: z.string().optional(),
        draftPath: z.string().optional(),
        reason: z.string().optional(),
      }),
    ),
    actionItems: z.array(
      z.object({
        id: z.number().int(),
        title: z.string(),
        owner: z.string(),
        due: z.string(),
        priority: z.enum(['low', 'medium', 'high']),
        status: z.enum(['open', 'done']),
        createdAt: time,
      }),
    ),
    timeline: z.array(timelineEntrySchema),
  })
  .meta({ id: 'Incident' });

const stats = z.object({
  days: z.number().int(),
  incidents: z.number().int(),
  mttdSeconds: z.number().nullable(),
  mttaSeconds: z.number().nullable(),
  mttmSeconds: z.number().nullable(),
  mttrSeconds: z.number().nullable(),
});

const healthSchema = z.object({
  ok: z.boolean(),
  role: z.enum(['leader', 'follower']),
  chains: z.record(
    z.string(),
    z.object({
      head: z.number().int().nullable(),
      headTimestamp: z.number().int().nullable(),
      lagSeconds: z.number().int().nullable(),
      rpc: z.number().int().meta({ description: 'index of the RPC endpoint in use (never its URL: URLs carry API keys)' }),
    }),
  ),
});

const judgementSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  pending: z.number().int(),
  stuck: z.number().int(),
  lockedUsd: z.number(),
  oldestStuckSeconds: z.number(),
  unpriced: z.number().int(),
  severity: severity.nullable(),
  chainTime: z.number(),
  destinationHalted: z.boolean(),
});

const ok = (description: string, schema?: z.ZodType) => ({ description, ...(schema ? { schema } : {}) });
const problems = { 400: ok('the body or a parameter is invalid; `message` says which', errorSchema), 404: ok('no such incident', errorSchema) };
const incidentOk = { 200: ok('the incident after the change', incidentSchema), ...problems };

/** One action on an incident: POST /api/incidents/:id/<what>. */
function action(what: string, summary: string, body?: z.ZodType, extra: Partial<RouteDoc> = {}): RouteDoc {
  return { method: 'post', path: `/api/incidents/:id/${what}`, summary, access: 'write', tag: 'incidents', ...(body ? { body } : {}), responses: incidentOk, ...extra };
}

export const SERVER_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness, role and chain heads',
    access: 'public',
    tag: 'service',
    responses: { 200: ok('every chain observable', healthSchema), 503: ok('a chain is unobservable (no RPC answers)', healthSchema) },
  },
  {
    method: 'get',
    path: '/',
    summary: 'The drill dashboard; elsewhere a redirect to /status',
    access: 'public',
    tag: 'service',
    responses: { 200: { description: 'dashboard (drill only)', contentType: 'text/html' }, 302: { description: 'redirect to /status' } },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus text exposition',
    description: 'Metric names and labels: docs/operations.md; alert rules and a Grafana dashboard in deploy/.',
    access: 'read',
    tag: 'service',
    responses: { 200: { description: 'Prometheus text format 0.0.4', contentType: 'text/plain' } },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    access: 'public',
    tag: 'service',
    responses: { 200: { description: 'OpenAPI 3.1 document of the HTTP API', contentType: 'application/json' } },
  },
  { method: 'get', path: '/api/bridges', summary: "Every bridge's latest judgement", access: 'read', tag: 'bridges', responses: { 200: ok('judgements', z.array(judgementSchema)) } },
  {
    method: 'get',
    path: '/api/dashboard/live',
    summary: "The dashboard's live data (chain heads, a version that changes with the page)",
    access: 'read',
    tag: 'service',
    responses: {
      200: ok(
        'live figures',
        z.object({
          version: z.string(),
          chains: z.array(z.looseObject({ name: z.string(), head: z.number().nullable(), confirmed: z.number().nullable(), lagSeconds: z.number().nullable(), rpc: z.number(), state: z.string() })),
          generatedAt: time,
        }),
      ),
    },
  },
  {
    method: 'post',
    path: '/api/ipfs',
    summary: "Add a file to the status mirror's IPFS node (pinned); `firebreak anchor` uses it",
    access: 'write',
    tag: 'mirror',
    body: z.object({ content: z.string().meta({ description: 'the file, base64 (1 byte to 5 MiB)' }) }),
    responses: { 201: ok('added', z.object({ cid: z.string() })), 400: ok('no content or too large', errorSchema), 404: ok('this service has no IPFS node', errorSchema) },
  },
  {
    method: 'get',
    path: '/api/incidents',
    summary: 'Incidents, newest first',
    access: 'read',
    tag: 'incidents',
    query: z.object({ status: z.enum(['open', 'resolved', 'all']).optional() }),
    responses: { 200: ok('incidents', z.array(incidentSchema)), 400: problems[400] },
  },
  {
    method: 'get',
    path: '/api/stats',
    summary: 'MTTD/MTTA/MTTM/MTTR over 30 and 90 days, and per incident (seconds)',
    access: 'read',
    tag: 'incidents',
    responses: {
      200: ok(
        'response figures',
        z.object({
          at: time,
          windows: z.object({ '30d': stats, '90d': stats }),
          incidents: z.array(
            z.object({
              id: z.string(),
              key: z.string(),
              severity,
              status: z.string(),
              detectedAt: time,
              detect: z.number().nullable(),
              acknowledge: z.number().nullable(),
              mitigate: z.number().nullable(),
              resolve: z.number().nullable(),
            }),
          ),
        }),
      ),
    },
  },
  { method: 'get', path: '/api/incidents/:id', summary: 'One incident with its full timeline', access: 'read', tag: 'incidents', responses: { 200: ok('the incident', incidentSchema), 404: problems[404] } },
  {
    method: 'post',
    path: '/api/incidents',
    summary: 'Declare an incident by hand',
    access: 'write',
    tag: 'incidents',
    body: schemas.declare,
    responses: { 201: ok('the new incident', incidentSchema), 400: problems[400] },
  },
  action('ack', 'Acknowledge (stops escalation)'),
  action('updates', 'Post an update (optionally change the status); goes to the audiences the playbook names', schemas.update),
  action('roles', 'Assign a role', schemas.role),
  action('resolve', 'Resolve', schemas.resolve, { bodyOptional: true }),
  action('severity', 'Change the severity by hand (recorded; readings raise it again only when they exceed it)', schemas.severity),
  action('notes', 'Add an internal note to the timeline (never public)', schemas.note),
  action('action-items', 'Add a postmortem action item', schemas.actionItem, { responses: { 201: ok('the incident with the item', incidentSchema), ...problems } }),
  action('rollback', "Roll back a bad upgrade through the RollbackGovernor (a person's decision; checked against `rollbackOf` and the proxy's ERC-1967 slot, then sent once)", schemas.rollback, {
    bodyOptional: true,
    responses: { 202: ok('queued: the transaction goes on the timeline', z.record(z.string(), z.unknown())), ...problems },
  }),
  action('anchors', 'Record a postmortem anchored on-chain (`firebreak anchor` calls it); idempotent per transaction', schemas.anchor, {
    responses: {
      201: ok('recorded and announced', z.object({ incident: z.string(), recorded: z.literal(true) })),
      200: ok('this transaction was recorded before', z.object({ incident: z.string(), recorded: z.literal(false) })),
      ...problems,
    },
  }),
  {
    method: 'get',
    path: '/api/incidents/:id/postmortem',
    summary: 'The postmortem Markdown (deterministic: same incident, same bytes)',
    access: 'read',
    tag: 'incidents',
    responses: { 200: { description: 'Markdown', contentType: 'text/markdown' }, 404: problems[404] },
  },
  {
    method: 'post',
    path: '/api/alerts',
    summary: 'Inbound alert in PagerDuty Events API v2 shape',
    description:
      'Auth: a write token, or a `routing_key` listed in `alerts.routingKeys`. Severities map critical→S1, error→S2, warning/info→S3; alerts live under `alert:<dedup_key>` and never trigger a pause.',
    access: 'write',
    tag: 'incidents',
    body: schemas.alert,
    responses: {
      202: ok('accepted', z.object({ status: z.literal('success'), message: z.string(), dedup_key: z.string(), incident: z.string().nullable() })),
      400: problems[400],
      401: ok('neither a write token nor a listed routing key', errorSchema),
    },
  },
];
