/**
 * A loopback JSON-RPC proxy in front of anvil that behaves like a hosted provider where it
 * matters: it can refuse eth_getLogs ranges above a limit (with the error text providers use),
 * go dead (connection refused / HTTP 503), and it records what was asked of it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RpcProxy {
  url: string;
  /** every JSON-RPC call forwarded or refused, in order */
  calls: Array<{ method: string; params: unknown[]; refused?: boolean; logs?: Array<{ address: string; topics: string[]; transactionHash: string }> }>;
  /** refuse eth_getLogs spanning more than this many blocks */
  maxLogRange: number;
  /** answer every request with HTTP 503 */
  down: boolean;
  /** misbehave like a broken provider: JSON-RPC errors, a body that is not JSON, no answer at all */
  fault: 'none' | 'errors' | 'garbage' | 'timeout';
  /** eth_getLogs filters this says yes to are answered with an error (a backfill held where it is) */
  holdLogs: ((filter: Record<string, unknown>) => boolean) | undefined;
  close(): Promise<void>;
}

interface Call {
  id: number;
  method: string;
  params: unknown[];
}

export async function startRpcProxy(upstream: string, options: { maxLogRange?: number } = {}): Promise<RpcProxy> {
  const state: RpcProxy = {
    url: '',
    calls: [],
    maxLogRange: options.maxLogRange ?? Number.POSITIVE_INFINITY,
    down: false,
    fault: 'none',
    holdLogs: undefined,
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (state.down) {
      res.writeHead(503).end('upstream unavailable');
      return;
    }
    // like most HTTP-only providers: no WebSocket upgrade, no GET
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end('only JSON-RPC over POST');
      return;
    }
    if (state.fault === 'timeout') return; // never answers; the client's timeout must fire
    if (state.fault === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('<html>502 Bad Gateway</html>');
      return;
    }
    if (state.fault === 'errors') {
      const parsed = JSON.parse(Buffer.concat(chunks).toString()) as Call | Call[];
      const error = (call: Call) => ({ jsonrpc: '2.0', id: call.id, error: { code: -32603, message: 'internal error' } });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(Array.isArray(parsed) ? parsed.map(error) : error(parsed)));
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString()) as Call | Call[];
    const calls = Array.isArray(body) ? body : [body];
    const refusals = new Map<number, unknown>();
    for (const call of calls) {
      if (call.method === 'eth_getLogs') {
        const filter = call.params[0] as { fromBlock: string; toBlock: string };
        if (state.holdLogs?.(filter)) {
          state.calls.push({ method: call.method, params: call.params, refused: true });
          // a request error (not a sick node): the client neither retries it nor rests the endpoint
          refusals.set(call.id, { jsonrpc: '2.0', id: call.id, error: { code: -32602, message: 'held back by the test' } });
          continue;
        }
        const span = Number(filter.toBlock) - Number(filter.fromBlock) + 1;
        if (span > state.maxLogRange) {
          state.calls.push({ method: call.method, params: call.params, refused: true });
          refusals.set(call.id, {
            jsonrpc: '2.0',
            id: call.id,
            error: { code: -32005, message: `query exceeds max block range ${state.maxLogRange}` },
          });
          continue;
        }
      }
      state.calls.push({ method: call.method, params: call.params });
    }
    const recorded = new Map(calls.map((call, i) => [call.id, state.calls[state.calls.length - calls.length + i]!]));
    const forward = calls.filter((call) => !refusals.has(call.id));
    let answers: unknown[] = [];
    if (forward.length > 0) {
      const upstreamResponse = await fetch(upstream, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(Array.isArray(body) ? forward : forward[0]),
      });
      const payload = (await upstreamResponse.json()) as unknown;
      answers = Array.isArray(payload) ? payload : [payload];
    }
    const byId = new Map(answers.map((a) => [(a as { id: number }).id, a]));
    // what eth_getLogs answered (address, topics, tx of each log): what crossed the wire
    for (const call of forward) {
      const result = (byId.get(call.id) as { result?: unknown } | undefined)?.result;
      if (call.method === 'eth_getLogs' && Array.isArray(result)) {
        recorded.get(call.id)!.logs = (result as Array<{ address: string; topics: string[]; transactionHash: string }>).map((l) => ({ address: l.address, topics: l.topics, transactionHash: l.transactionHash }));
      }
    }
    const out = calls.map((call) => refusals.get(call.id) ?? byId.get(call.id));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(Array.isArray(body) ? out : out[0]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A loopback URL where nothing listens: connection refused. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
