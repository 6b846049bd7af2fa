/**
 * A loopback stand-in for Discord's REST API (v10), answering like Discord: `POST
 * /api/v10/channels/:id/messages` → 200 with a message object; with `enforce_nonce: true` a nonce
 * seen before in that channel returns the message already made (no second message); `PATCH
 * .../messages/:mid` edits; `PUT /api/v10/applications/:id/commands` stores command definitions.
 * Threads: `POST /channels/:id/threads` (type 11, public) → 201 with a thread channel object
 * (`parent_id`, `thread_metadata`), `GET /channels/:id`, `PATCH /channels/:id` (name, archived),
 * `GET /guilds/:id/threads/active`; anything done in an archived thread other than unarchiving it
 * gets 400 `{code: 50083, message: "Thread is archived"}`. Every text channel is in one guild
 * (`guildId`). For interactions it builds the payloads Discord would send (a button press, the
 * "Add to timeline" message command) from the messages it holds; tests sign and post them.
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
  components?: Array<{ type: number; components: Array<{ type: number; style?: number; label?: string; custom_id?: string }> }>;
  nonce?: string;
  allowed_mentions?: { parse?: string[]; users?: string[]; roles?: string[] };
  author: { id: string; username: string; global_name?: string; bot?: boolean };
  timestamp: string;
  type: 0;
  edits: number;
}

/** A thread channel object as Discord returns it (type 11 = public thread). */
export interface StandinThread {
  id: string;
  type: 11;
  guild_id: string;
  parent_id: string;
  owner_id: string;
  name: string;
  message_count: number;
  member_count: number;
  rate_limit_per_user: number;
  thread_metadata: { archived: boolean; auto_archive_duration: number; archive_timestamp: string; locked: boolean; create_timestamp: string };
}

export interface InteractionMember {
  userId: string;
  username: string;
  roles: string[];
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
  guildId: string;
  /** threads made with POST /channels/:id/threads, in order */
  threads: StandinThread[];
  /** a person writes in a channel or thread (what the scribe adds to the timeline) */
  postAsUser(channelId: string, content: string, author: { id: string; username: string }): StandinMessage;
  /** the MESSAGE_COMPONENT interaction (type 3) Discord sends when `member` presses a button of a message */
  buttonInteraction(messageId: string, customId: string, member: InteractionMember, applicationId?: string): Record<string, unknown>;
  /** the APPLICATION_COMMAND interaction of a message command (data.type 3) used on a message */
  messageCommandInteraction(name: string, messageId: string, member: InteractionMember, applicationId?: string): Record<string, unknown>;
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
  const guildId = '700000000000000001';
  const botUserId = '700000000000000002';
  const threads: StandinThread[] = [];
  const threadOf = (id: string) => threads.find((t) => t.id === id);
  const archivedError = (res: ServerResponse): number => {
    send(res, 400, { message: 'Thread is archived', code: 50083 });
    return 400;
  };
  const textChannel = (id: string) => ({ id, type: 0, guild_id: guildId, name: `channel-${id}`, position: 0, permission_overwrites: [], nsfw: false, parent_id: null });
  function makeMessage(channelId: string, body: any, author: StandinMessage['author']): StandinMessage {
    const message: StandinMessage = {
      id: String(nextId++),
      channel_id: channelId,
      content: body.content ?? '',
      embeds: body.embeds ?? [],
      ...(body.components ? { components: body.components } : {}),
      nonce: body.nonce,
      allowed_mentions: body.allowed_mentions,
      author,
      timestamp: new Date().toISOString(),
      type: 0,
      edits: 0,
    };
    messages.push(message);
    const thread = threadOf(channelId);
    if (thread) thread.message_count++;
    return message;
  }
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
      if (threadOf(channelId)?.thread_metadata.archived) return archivedError(res);
      if (body.enforce_nonce && body.nonce) {
        const existing = messages.find((m) => m.channel_id === channelId && m.nonce === body.nonce);
        if (existing) {
          send(res, 200, existing);
          return 200;
        }
      }
      const message = makeMessage(channelId, body, { id: botUserId, username: 'Firebreak', bot: true });
      arrivals.push(receivedAt);
      for (const resolve of waiting.splice(0)) resolve(receivedAt);
      if (standin.holdResponses) return 200;
      send(res, 200, message);
      return 200;
    }
    match = /^\/api\/v10\/channels\/(\d+)\/messages\/(\d+)$/.exec(path);
    if (match && req.method === 'PATCH') {
      if (threadOf(match[1]!)?.thread_metadata.archived) return archivedError(res);
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
    match = /^\/api\/v10\/channels\/(\d+)\/threads$/.exec(path);
    if (match && req.method === 'POST') {
      if (threadOf(match[1]!)) {
        send(res, 400, { message: 'Cannot execute action on this channel type', code: 50024 });
        return 400;
      }
      const name = typeof body.name === 'string' ? body.name : '';
      if (name.length < 1 || name.length > 100 || body.type !== 11) {
        send(res, 400, { message: 'Invalid Form Body', code: 50035, errors: { name: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }] } } });
        return 400;
      }
      const at = new Date().toISOString();
      const thread: StandinThread = {
        id: String(nextId++),
        type: 11,
        guild_id: guildId,
        parent_id: match[1]!,
        owner_id: botUserId,
        name,
        message_count: 0,
        member_count: 1,
        rate_limit_per_user: 0,
        thread_metadata: { archived: false, auto_archive_duration: body.auto_archive_duration ?? 4320, archive_timestamp: at, locked: false, create_timestamp: at },
      };
      threads.push(thread);
      if (standin.holdResponses) return 201;
      send(res, 201, thread);
      return 201;
    }
    match = /^\/api\/v10\/channels\/(\d+)$/.exec(path);
    if (match && req.method === 'GET') {
      send(res, 200, threadOf(match[1]!) ?? textChannel(match[1]!));
      return 200;
    }
    if (match && req.method === 'PATCH') {
      const thread = threadOf(match[1]!);
      if (!thread) {
        send(res, 403, { message: 'Missing Permissions', code: 50013 });
        return 403;
      }
      // an archived thread accepts only requests that unarchive it (Discord: "Thread is archived")
      if (thread.thread_metadata.archived && body.archived !== false) return archivedError(res);
      if (typeof body.name === 'string') thread.name = body.name;
      if (typeof body.archived === 'boolean') {
        thread.thread_metadata.archived = body.archived;
        thread.thread_metadata.archive_timestamp = new Date().toISOString();
      }
      if (typeof body.locked === 'boolean') thread.thread_metadata.locked = body.locked;
      send(res, 200, thread);
      return 200;
    }
    match = /^\/api\/v10\/guilds\/(\d+)\/threads\/active$/.exec(path);
    if (match && req.method === 'GET') {
      send(res, 200, { threads: match[1] === guildId ? threads.filter((t) => !t.thread_metadata.archived) : [], members: [] });
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

  /** the fields every interaction carries (Discord sends `channel` too since 2024) */
  function interactionBase(channelId: string, member: InteractionMember, applicationId: string) {
    const channel = threadOf(channelId) ?? textChannel(channelId);
    return {
      id: String(nextId++),
      application_id: applicationId,
      token: `interaction-token-${nextId}`,
      version: 1,
      guild_id: guildId,
      channel_id: channelId,
      channel,
      member: { roles: member.roles, user: { id: member.userId, username: member.username, global_name: member.username } },
      locale: 'en-US',
    };
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
    guildId,
    threads,
    postAsUser: (channelId, content, author) => makeMessage(channelId, { content }, { ...author, global_name: author.username }),
    buttonInteraction(messageId, customId, member, applicationId = '555') {
      const message = messages.find((m) => m.id === messageId);
      if (!message) throw new Error(`no message ${messageId} in the Discord stand-in`);
      return { ...interactionBase(message.channel_id, member, applicationId), type: 3, message, data: { custom_id: customId, component_type: 2 } };
    },
    messageCommandInteraction(name, messageId, member, applicationId = '555') {
      const message = messages.find((m) => m.id === messageId);
      if (!message) throw new Error(`no message ${messageId} in the Discord stand-in`);
      return {
        ...interactionBase(message.channel_id, member, applicationId),
        type: 2,
        data: { id: '900', name, type: 3, target_id: message.id, resolved: { messages: { [message.id]: message } } },
      };
    },
    arrivals,
    next: () => new Promise<number>((resolve) => waiting.push(resolve)),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return standin;
}
