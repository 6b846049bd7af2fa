/**
 * A loopback stand-in for Discord's REST API (v10), answering like Discord: `POST
 * /api/v10/channels/:id/messages` → 200 with a message object; with `enforce_nonce: true` a nonce
 * seen before in that channel returns the message already made (no second message); `PATCH
 * .../messages/:mid` edits; `PUT /api/v10/applications/:id/commands` stores command definitions.
 * It can be told to fail the next requests with 5xx or with 429 + retry-after (header and body).
 * Tests use it as Discord; the benchmark stops its detection-latency clock when a message arrives.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandinMessage {
  id: string;
  channel_id: string;
  content: string;
  embeds: Array<{ title?: string; description?: string; footer?: { text: string } }>;
  nonce?: string;
  allowed_mentions?: { parse?: string[]; users?: string[]; roles?: string[] };
  edits: number;
}

export type Failure = { status: 500 | 502 | 503 } | { status: 429; retryAfterSeconds: number };

export interface DiscordStandin {
  /** base URL to put in `discord.api` (ends with /api) */
  api: string;
  token: string;
  messages: StandinMessage[];
  requests: Array<{ method: string; path: string; status: number }>;
  commands: Map<string, unknown[]>;
  /** deferred interaction answers (PATCH /webhooks/:app/:token/messages/@original) */
  interactionReplies: Array<{ applicationId: string; token: string; body: any; authorization?: string }>;
  /** while true, messages are recorded but their responses never leave (a client that dies mid-send) */
  holdResponses: boolean;
  /** the next requests (any route) fail like this, in order */
  failNext(...failures: Failure[]): void;
  /** messages posted to a channel (not counting nonce replays) */
  inChannel(channelId: string): StandinMessage[];
  /** when each new message's request arrived (performance.now()), in order */
  arrivals: number[];
  /** resolves with the arrival time of the first new message after this call */
  next(): Promise<number>;
  close(): Promise<void>;
}

export async function startDiscordStandin(token = 'standin-bot-token'): Promise<DiscordStandin> {
  const messages: StandinMessage[] = [];
  const requests: DiscordStandin['requests'] = [];
  const commands = new Map<string, unknown[]>();
  const interactionReplies: DiscordStandin['interactionReplies'] = [];
  const failures: Failure[] = [];
  let nextId = 1_000_000_000_000_000n;
  const arrivals: number[] = [];
  const waiting: Array<(at: number) => void> = [];

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  async function readBody(req: IncomingMessage): Promise<any> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? JSON.parse(text) : {};
  }

  function answer(req: IncomingMessage, res: ServerResponse, body: any, receivedAt: number): number {
    const path = (req.url ?? '').split('?')[0]!;
    // interaction webhooks are authorised by their token in the path, not the bot token
    const hook = /^\/api\/v10\/webhooks\/(\d+)\/([\w.-]+)\/messages\/(?:@|%40)original$/.exec(path);
    if (hook && req.method === 'PATCH') {
      interactionReplies.push({ applicationId: hook[1]!, token: hook[2]!, body, authorization: req.headers.authorization });
      send(res, 200, { id: String(nextId++), ...body });
      return 200;
    }
    if (req.headers.authorization !== `Bot ${token}`) {
      send(res, 401, { message: '401: Unauthorized', code: 0 });
      return 401;
    }
    const failure = failures.shift();
    if (failure) {
      if (failure.status === 429) {
        send(res, 429, { message: 'You are being rate limited.', retry_after: failure.retryAfterSeconds, global: false }, {
          'retry-after': String(failure.retryAfterSeconds),
          'x-ratelimit-scope': 'user',
        });
      } else send(res, failure.status, { message: 'Internal Server Error', code: 0 });
      return failure.status;
    }
    let match = /^\/api\/v10\/channels\/(\d+)\/messages$/.exec(path);
    if (match && req.method === 'POST') {
      const channelId = match[1]!;
      if (body.enforce_nonce && body.nonce) {
        const existing = messages.find((m) => m.channel_id === channelId && m.nonce === body.nonce);
        if (existing) {
          send(res, 200, existing);
          return 200;
        }
      }
      const message: StandinMessage = {
        id: String(nextId++),
        channel_id: channelId,
        content: body.content ?? '',
        embeds: body.embeds ?? [],
        nonce: body.nonce,
        allowed_mentions: body.allowed_mentions,
        edits: 0,
      };
      messages.push(message);
      arrivals.push(receivedAt);
      for (const resolve of waiting.splice(0)) resolve(receivedAt);
      if (standin.holdResponses) return 200;
      send(res, 200, message);
      return 200;
    }
    match = /^\/api\/v10\/channels\/(\d+)\/messages\/(\d+)$/.exec(path);
    if (match && req.method === 'PATCH') {
      const message = messages.find((m) => m.channel_id === match![1] && m.id === match![2]);
      if (!message) {
        send(res, 404, { message: 'Unknown Message', code: 10008 });
        return 404;
      }
      if (body.embeds) message.embeds = body.embeds;
      if (body.content !== undefined) message.content = body.content;
      message.edits++;
      send(res, 200, message);
      return 200;
    }
    match = /^\/api\/v10\/applications\/(\d+)\/commands$/.exec(path);
    if (match && req.method === 'PUT') {
      commands.set(match[1]!, body);
      send(res, 200, (body as unknown[]).map((c, i) => ({ id: String(900 + i), application_id: match![1], ...(c as object) })));
      return 200;
    }
    send(res, 404, { message: '404: Not Found', code: 0 });
    return 404;
  }

  const server = createServer((req, res) => {
    const receivedAt = performance.now();
    readBody(req)
      .then((body) => {
        const status = answer(req, res, body, receivedAt);
        requests.push({ method: req.method ?? '', path: req.url ?? '', status });
      })
      .catch(() => send(res, 400, { message: 'bad JSON', code: 50109 }));
  });
  // like Discord's edge: keep connections open (a short timeout makes clients hit ECONNRESET)
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const standin: DiscordStandin = {
    holdResponses: false,
    api: `http://127.0.0.1:${port}/api`,
    token,
    messages,
    requests,
    commands,
    interactionReplies,
    failNext: (...more) => failures.push(...more),
    inChannel: (channelId) => messages.filter((m) => m.channel_id === channelId),
    arrivals,
    next: () => new Promise<number>((resolve) => waiting.push(resolve)),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return standin;
}
