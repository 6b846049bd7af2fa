/**
 * The fault suite lists, in its output, each fault it tried and what held. Tests call `held()`
 * after their assertions passed; the lines are printed as they happen, prefixed so that CI logs
 * can be searched for them (`grep FAULT`).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One line per fault tried: `FAULT <what> -> held: <what held>`. */
export function held(fault: string, whatHeld: string): void {
  process.stdout.write(`FAULT ${fault} -> held: ${whatHeld}\n`);
}

/**
 * A loopback HTTP gate in front of a stand-in (Discord, Telegram): `up` forwards every request,
 * `5xx` answers 503 without forwarding (the platform's edge is failing), `refused` stops listening
 * so that connections are refused (the platform is unreachable). It listens again on the same port.
 */
export interface OutageGate {
  url: string;
  state: 'up' | '5xx' | 'refused';
  /** requests answered 503 while in `5xx` */
  failed: number;
  forwarded: number;
  set(state: OutageGate['state']): Promise<void>;
  close(): Promise<void>;
}

const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'content-encoding']);

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startOutageGate(upstream: string): Promise<OutageGate> {
  const origin = new URL(upstream).origin;
  const server: Server = createServer(async (req, res) => {
    const body = await readAll(req);
    if (gate.state !== 'up') {
      gate.failed++;
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Service Unavailable', code: 0, ok: false, error_code: 503 }));
      return;
    }
    gate.forwarded++;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && !HOP_HEADERS.has(name)) headers[name] = value;
    try {
      const answer = await fetch(origin + (req.url ?? '/'), { method: req.method, headers, body: body.length > 0 ? new Uint8Array(body) : undefined });
      const out: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!HOP_HEADERS.has(name)) out[name] = value;
      });
      res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      res.writeHead(502).end('bad gateway');
    }
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stopListening = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const gate: OutageGate = {
    url: `http://127.0.0.1:${port}`,
    state: 'up',
    failed: 0,
    forwarded: 0,
    async set(state) {
      if (state === gate.state) return;
      if (state === 'refused') await stopListening();
      else if (gate.state === 'refused') await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      else server.closeAllConnections();
      gate.state = state;
    },
    async close() {
      if (gate.state !== 'refused') await stopListening();
      gate.state = 'refused';
    },
  };
  return gate;
}
