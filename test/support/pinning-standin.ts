/**
 * A loopback stand-in of the IPFS Pinning Service API (pinning-services-api-spec v1): POST /pins,
 * GET /pins/:requestid, GET /pins, DELETE /pins/:requestid. Checks the bearer token (401 with the
 * spec's error body), can be told to answer the next requests with 429 + retry-after or 5xx, and
 * moves a pin queued → pinning → pinned over successive status polls, like a real service.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PinRecord {
  requestid: string;
  status: 'queued' | 'pinning' | 'pinned' | 'failed';
  created: string;
  pin: { cid: string; name?: string; origins?: string[] };
  polls: number;
}

export interface PinningStandin {
  url: string;
  token: string;
  /** every request, in order, with the status answered */
  requests: Array<{ method: string; path: string; status: number; authorized: boolean }>;
  pins: PinRecord[];
  /** answered to the next requests, in order, before normal service: 429 (with retry-after 1) or 5xx */
  failNext: number[];
  /** status polls before a pin becomes `pinned` */
  pollsUntilPinned: number;
  close(): Promise<void>;
}

export async function startPinningStandin(options: { token?: string } = {}): Promise<PinningStandin> {
  const state: PinningStandin = {
    url: '',
    token: options.token ?? 'pin-secret',
    requests: [],
    pins: [],
    failNext: [],
    pollsUntilPinned: 2,
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    // the API lives under /psa, like a hosted endpoint with a path
    const url = new URL((req.url ?? '/').replace(/^\/psa(?=\/)/, ''), 'http://localhost');
    const authorized = req.headers.authorization === `Bearer ${state.token}`;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      state.requests.push({ method: req.method ?? '', path: url.pathname, status, authorized });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (!authorized) return send(401, { error: { reason: 'UNAUTHORIZED', details: 'access token is missing or invalid' } });
    const fail = state.failNext.shift();
    if (fail === 429) return send(429, { error: { reason: 'RATE_LIMITED', details: 'slow down' } }, { 'retry-after': '1' });
    if (fail !== undefined) return send(fail, { error: { reason: 'INTERNAL_SERVER_ERROR', details: 'try again' } });

    const view = (pin: PinRecord) => ({ requestid: pin.requestid, status: pin.status, created: pin.created, pin: pin.pin, delegates: ['/ip4/127.0.0.1/tcp/1/p2p/standin'] });
    if (req.method === 'POST' && url.pathname === '/pins') {
      let body: { cid?: unknown; name?: unknown; origins?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(400, { error: { reason: 'BAD_REQUEST', details: 'body is not JSON' } });
      }
      if (typeof body.cid !== 'string' || body.cid.length < 10) return send(400, { error: { reason: 'BAD_REQUEST', details: 'cid is required' } });
      const pin: PinRecord = {
        requestid: randomUUID(),
        status: 'queued',
        created: new Date().toISOString(),
        pin: { cid: body.cid, name: typeof body.name === 'string' ? body.name : undefined, origins: Array.isArray(body.origins) ? (body.origins as string[]) : [] },
        polls: 0,
      };
      state.pins.push(pin);
      return send(202, view(pin));
    }
    const match = /^\/pins\/([^/]+)$/.exec(url.pathname);
    if (match) {
      const pin = state.pins.find((p) => p.requestid === decodeURIComponent(match[1]!));
      if (!pin) return send(404, { error: { reason: 'NOT_FOUND', details: 'no such pin request' } });
      if (req.method === 'DELETE') {
        state.pins.splice(state.pins.indexOf(pin), 1);
        return send(202, {});
      }
      pin.polls++;
      if (pin.status !== 'failed') pin.status = pin.polls >= state.pollsUntilPinned ? 'pinned' : 'pinning';
      return send(200, view(pin));
    }
    if (req.method === 'GET' && url.pathname === '/pins') {
      const cids = url.searchParams.get('cid')?.split(',');
      const results = state.pins.filter((p) => !cids || cids.includes(p.pin.cid)).map(view);
      return send(200, { count: results.length, results });
    }
    return send(404, { error: { reason: 'NOT_FOUND', details: `no route ${req.method} ${url.pathname}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/psa`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
