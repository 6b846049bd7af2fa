/**
 * A loopback Telegram Bot API: `POST /bot<token>/sendMessage` answers like Telegram
 * (`{ok:true,result:{message_id,chat,date,text}}`), can be told to fail the next calls with 500 or
 * 429 (`{ok:false,error_code:429,parameters:{retry_after}}`), and records every message it accepted.
 * `editMessageText` edits a recorded message (400 when it is unknown or unchanged, as Telegram).
 * A wrong token gets 401 / 404 as Telegram does. MarkdownV2 is parsed by TDLib itself (./tdlib.ts):
 * what Telegram cannot parse gets its 400.
 * Forum topics (war rooms), in the chats named as forums: `createForumTopic` → `{message_thread_id,
 * name, icon_color}`, `editForumTopic`, `closeForumTopic`, `reopenForumTopic` (→ true; no change →
 * "Bad Request: TOPIC_NOT_MODIFIED"); `sendMessage` with `message_thread_id` to a closed topic →
 * "Bad Request: TOPIC_CLOSED", to an unknown one → "Bad Request: message thread not found"; a
 * chat that is not a forum → "Bad Request: the chat is not a forum". `setWebhook` is recorded.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { botApiParseError, parseMarkdownV2 } from './tdlib.ts';

export interface ReceivedTelegramMessage {
  chatId: string;
  text: string;
  parseMode?: string;
  replyToMessageId?: number;
  /** the forum topic it was posted in */
  messageThreadId?: number;
  messageId: number;
  body: Record<string, unknown>;
}

export interface StandinTopic {
  chatId: string;
  messageThreadId: number;
  name: string;
  closed: boolean;
  iconColor: number;
}

export interface TelegramStandin {
  apiRoot: string;
  token: string;
  messages: ReceivedTelegramMessage[];
  /** editMessageText calls that changed a message (the message's text in `messages` is updated) */
  edits: Array<{ chatId: string; messageId: number; text: string }>;
  /** every request seen (including failed ones), by method */
  requests: Array<{ method: string; status: number }>;
  /** the next calls fail, in order: 500, or 429 with retry_after seconds */
  failNext(...failures: Array<{ status: 500 } | { status: 429; retryAfter: number } | { status: 400; description: string }>): void;
  /** forget the failures still queued: answer normally again */
  recover(): void;
  /** forum topics made with createForumTopic, in order */
  topics: StandinTopic[];
  /** the chats that are forum supergroups (topics enabled) */
  forumChats: Set<string>;
  /** setWebhook calls */
  webhooks: Array<Record<string, unknown>>;
  /** while true, createForumTopic makes the topic but never answers (a client that dies mid-call) */
  holdTopicResponses: boolean;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startTelegramStandin(token = '123456:TEST-token', options: { forumChats?: string[] } = {}): Promise<TelegramStandin> {
  const messages: ReceivedTelegramMessage[] = [];
  const topics: StandinTopic[] = [];
  const forumChats = new Set(options.forumChats ?? []);
  const webhooks: Array<Record<string, unknown>> = [];
  const requests: TelegramStandin['requests'] = [];
  const edits: TelegramStandin['edits'] = [];
  const failures: Array<{ status: number; retryAfter?: number; description?: string }> = [];
  let nextId = 1000;

  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown, method = '') => {
      requests.push({ method, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    if (!match) return send(404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, gotToken, method] = match;
    if (gotToken !== token) return send(401, { ok: false, error_code: 401, description: 'Unauthorized' }, method);
    let body: Record<string, unknown>;
    try {
      body = await readJson(req);
    } catch {
      return send(400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' }, method);
    }
    const failure = failures.shift();
    if (failure?.status === 500) return send(500, { ok: false, error_code: 500, description: 'Internal Server Error' }, method);
    if (failure?.status === 429) {
      return send(
        429,
        { ok: false, error_code: 429, description: `Too Many Requests: retry after ${failure.retryAfter}`, parameters: { retry_after: failure.retryAfter } },
        method,
      );
    }
    if (failure?.status === 400) return send(400, { ok: false, error_code: 400, description: failure.description }, method);
    const bad = (description: string) => send(400, { ok: false, error_code: 400, description: `Bad Request: ${description}` }, method);
    const topicOf = () => topics.find((t) => t.chatId === String(body.chat_id) && t.messageThreadId === body.message_thread_id);
    if (method === 'setWebhook') {
      webhooks.push(body);
      return send(200, { ok: true, result: true, description: 'Webhook was set' }, method);
    }
    if (method === 'createForumTopic') {
      if (!forumChats.has(String(body.chat_id))) return bad('the chat is not a forum');
      const name = typeof body.name === 'string' ? body.name : '';
      if (name.length < 1 || name.length > 128) return bad('TOPIC_TITLE_EMPTY');
      const topic: StandinTopic = { chatId: String(body.chat_id), messageThreadId: nextId++, name, closed: false, iconColor: 7322096 };
      topics.push(topic);
      if (standin.holdTopicResponses) return;
      return send(200, { ok: true, result: { message_thread_id: topic.messageThreadId, name, icon_color: topic.iconColor } }, method);
    }
    if (method === 'editForumTopic' || method === 'closeForumTopic' || method === 'reopenForumTopic') {
      const topic = topicOf();
      if (!topic) return bad('message thread not found');
      if (method === 'editForumTopic') {
        if (typeof body.name === 'string' && body.name === topic.name) return bad('TOPIC_NOT_MODIFIED');
        if (typeof body.name === 'string') topic.name = body.name;
      } else {
        const closing = method === 'closeForumTopic';
        if (topic.closed === closing) return bad('TOPIC_NOT_MODIFIED');
        topic.closed = closing;
      }
      return send(200, { ok: true, result: true }, method);
    }
    if (method === 'sendMessage' && body.message_thread_id !== undefined) {
      const topic = topicOf();
      if (!topic) return bad('message thread not found');
      if (topic.closed) return bad('TOPIC_CLOSED');
    }
    if (method === 'editMessageText') {
      const refusedEdit = textRefusal(body);
      if (refusedEdit) return send(400, { ok: false, error_code: 400, description: refusedEdit }, method);
      const target = messages.find((m) => m.chatId === String(body.chat_id) && m.messageId === body.message_id);
      if (!target) return send(400, { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' }, method);
      if (target.text === body.text) {
        return send(400, { ok: false, error_code: 400, description: 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same' }, method);
      }
      target.text = String(body.text);
      edits.push({ chatId: target.chatId, messageId: target.messageId, text: target.text });
      return send(200, { ok: true, result: { message_id: target.messageId, chat: { id: target.chatId }, text: target.text } }, method);
    }
    if (method !== 'sendMessage') return send(404, { ok: false, error_code: 404, description: 'Not Found: method not found' }, method);
    if (body.chat_id === undefined || typeof body.text !== 'string' || body.text.length === 0) {
      return send(400, { ok: false, error_code: 400, description: 'Bad Request: message text is empty' }, method);
    }
    const refused = textRefusal(body);
    if (refused) return send(400, { ok: false, error_code: 400, description: refused }, method);
    const messageId = nextId++;
    messages.push({
      chatId: String(body.chat_id),
      text: body.text,
      parseMode: body.parse_mode as string | undefined,
      replyToMessageId: body.reply_to_message_id as number | undefined,
      messageThreadId: body.message_thread_id as number | undefined,
      messageId,
      body,
    });
    send(
      200,
      {
        ok: true,
        result: {
          message_id: messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(body.chat_id) || body.chat_id, type: 'supergroup', ...(forumChats.has(String(body.chat_id)) ? { is_forum: true } : {}) },
          text: body.text,
          ...(body.message_thread_id !== undefined ? { message_thread_id: body.message_thread_id, is_topic_message: true } : {}),
        },
      },
      method,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const standin: TelegramStandin = {
    topics,
    forumChats,
    webhooks,
    holdTopicResponses: false,
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    messages,
    edits,
    requests,
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
  return standin;
}

/**
 * What the Bot API refuses about a message's text: MarkdownV2 that TDLib's own parser cannot parse
 * (`Bad Request: can't parse entities: <TDLib's reason>`), and text over 4,096 characters after
 * entity parsing (`Bad Request: message is too long`).
 */
function textRefusal(body: Record<string, unknown>): string | null {
  if (typeof body.text !== 'string') return null;
  let visible = body.text;
  if (body.parse_mode === 'MarkdownV2') {
    const parsed = parseMarkdownV2(body.text);
    if (!parsed.ok) return botApiParseError(parsed.message);
    visible = parsed.text;
  }
  return visible.length > 4096 ? 'Bad Request: message is too long' : null;
}
