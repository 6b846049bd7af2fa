/**
 * A loopback JSON-RPC relay in front of a local chain: the drill lists it as a chain's FIRST RPC so
 * that the `rpc-outage` scenario can kill it mid-drill (connection refused, like a provider that
 * went away) and show the watcher carrying on through the second RPC.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RpcRelay {
  url: string;
  /** requests relayed so far */
  relayed(): number;
  alive(): boolean;
  /** die: stop listening and drop every open connection (keep-alive ones too) */
  kill(): Promise<void>;
}

export async function startRpcRelay(upstream: string): Promise<RpcRelay> {
  let relayed = 0;
  let alive = true;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      const answer = await fetch(upstream, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
        signal: AbortSignal.timeout(15_000),
      });
      relayed++;
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      if (!res.headersSent) res.writeHead(502).end('upstream unavailable');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    relayed: () => relayed,
    alive: () => alive,
    async kill() {
      if (!alive) return;
      alive = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
