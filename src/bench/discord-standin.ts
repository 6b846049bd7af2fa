/**
 * The benchmark's Discord: a loopback server answering Discord's REST routes the deliverer uses
 * (`POST /api/v10/channels/:id/messages` creates, `PATCH …/messages/:mid` edits) with message
 * objects, noting when each new message arrives. Where detection latency stops its clock.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchDiscord {
  /** base URL for `discord.api` */
  api: string;
  token: string;
  /** arrival times (performance.now()) of new messages, in order */
  arrivals: number[];
  /** resolves at the first new message after this call */
  next(): Promise<number>;
  close(): Promise<void>;
}

export async function startBenchDiscord(token = 'bench-bot-token'): Promise<BenchDiscord> {
  const arrivals: number[] = [];
  let waiting: ((at: number) => void) | undefined;
  let nextId = 2_000_000_000_000_000n;

  function reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
    } catch {
      return {};
    }
  }

  const server = createServer(async (req, res) => {
    const at = performance.now();
    const path = (req.url ?? '').split('?')[0]!;
    if (req.headers.authorization !== `Bot ${token}`) return reply(res, 401, { message: '401: Unauthorized', code: 0 });
    const created = /^\/api\/v10\/channels\/(\d+)\/messages$/.exec(path);
    const edited = /^\/api\/v10\/channels\/(\d+)\/messages\/(\d+)$/.exec(path);
    if (req.method === 'POST' && created) {
      const message = await body(req);
      arrivals.push(at);
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve(at);
      }
      return reply(res, 200, { id: String(nextId++), channel_id: created[1], content: message.content ?? '', embeds: message.embeds ?? [], nonce: message.nonce });
    }
    if (req.method === 'PATCH' && edited) {
      const message = await body(req);
      return reply(res, 200, { id: edited[2], channel_id: edited[1], content: message.content ?? '', embeds: message.embeds ?? [] });
    }
    return reply(res, 404, { message: 'Unknown route', code: 0 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    api: `http://127.0.0.1:${port}/api`,
    token,
    arrivals,
    next: () => new Promise<number>((resolve) => (waiting = resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
