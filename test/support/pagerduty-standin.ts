/**
 * A loopback PagerDuty Events API v2 (`POST /v2/enqueue`): 202 `{status:'success', message, dedup_key}`
 * for a valid event, 400 `{status:'invalid event', errors}` for a bad one (as PagerDuty checks:
 * routing_key, event_action, and summary/source/severity for triggers), 429 or 500 when told to.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key?: string;
  payload?: { summary?: string; source?: string; severity?: string; custom_details?: Record<string, unknown> };
  [key: string]: unknown;
}

export interface PagerDutyStandin {
  eventsUrl: string;
  events: PagerDutyEvent[];
  /** the status of every answer, in order */
  statuses: number[];
  /** 400 answers as PagerDuty does for an invalid event (e.g. an unknown routing key) */
  failNext(...statuses: Array<400 | 429 | 500>): void;
  /** forget the failures still queued */
  recover(): void;
  close(): Promise<void>;
}

const SEVERITIES = ['critical', 'error', 'warning', 'info'];

function problems(event: PagerDutyEvent): string[] {
  const errors: string[] = [];
  if (typeof event.routing_key !== 'string' || event.routing_key.length === 0) errors.push("'routing_key' is missing or blank");
  if (!['trigger', 'acknowledge', 'resolve'].includes(event.event_action)) errors.push("'event_action' is invalid");
  if (event.event_action === 'trigger') {
    if (!event.payload?.summary) errors.push("'payload.summary' is missing or blank");
    if (!event.payload?.source) errors.push("'payload.source' is missing or blank");
    if (!SEVERITIES.includes(String(event.payload?.severity))) errors.push("'payload.severity' is invalid");
  } else if (!event.dedup_key) errors.push("'dedup_key' is missing or blank");
  return errors;
}

export async function startPagerDutyStandin(): Promise<PagerDutyStandin> {
  const events: PagerDutyEvent[] = [];
  const statuses: number[] = [];
  const failures: number[] = [];
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      statuses.push(status);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== '/v2/enqueue') return send(404, { status: 'not found' });
    const failure = failures.shift();
    if (failure === 429) return send(429, { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' });
    if (failure === 500) return send(500, { status: 'error', message: 'internal error' });
    if (failure === 400) return send(400, { status: 'invalid event', message: 'Event object is invalid', errors: ["'routing_key' is invalid"] });
    let event: PagerDutyEvent;
    try {
      event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PagerDutyEvent;
    } catch {
      return send(400, { status: 'invalid event', message: 'Event object is invalid', errors: ['Malformed JSON'] });
    }
    const errors = problems(event);
    if (errors.length > 0) return send(400, { status: 'invalid event', message: 'Event object is invalid', errors });
    events.push(event);
    send(202, { status: 'success', message: 'Event processed', dedup_key: event.dedup_key ?? `pd-${events.length}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    eventsUrl: `http://127.0.0.1:${port}/v2/enqueue`,
    events,
    statuses,
    failNext(...next) {
      failures.push(...next);
    },
    recover() {
      failures.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
