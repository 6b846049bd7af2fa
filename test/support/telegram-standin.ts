/**
 * A loopback Telegram Bot API: `POST /bot<token>/sendMessage` answers like Telegram
 * (`{ok:true,result:{message_id,chat,date,text}}`), can be told to fail the next calls with 500 or
 * 429 (`{ok:false,error_code:429,parameters:{retry_after}}`), and records every message it accepted.
 * `editMessageText` edits a recorded message (400 when it is unknown or unchanged, as Telegram).
 * A wrong token gets 401 / 404 as Telegram does.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedTelegramMessage {
  chatId: string;
  text: string;
  parseMode?: string;
  replyToMessageId?: number;
  messageId: number;
  body: Record<string, unknown>;
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
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startTelegramStandin(token = '123456:TEST-token'): Promise<TelegramStandin> {
  const messages: ReceivedTelegramMessage[] = [];
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
    if (method === 'editMessageText') {
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
    if (body.parse_mode === 'MarkdownV2' && hasUnescapedReserved(body.text)) {
      return send(400, { ok: false, error_code: 400, description: "Bad Request: can't parse entities" }, method);
    }
    const messageId = nextId++;
    messages.push({
      chatId: String(body.chat_id),
      text: body.text,
      parseMode: body.parse_mode as string | undefined,
      replyToMessageId: body.reply_to_message_id as number | undefined,
      messageId,
      body,
    });
    send(
      200,
      { ok: true, result: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: Number(body.chat_id) || body.chat_id, type: 'supergroup' }, text: body.text } },
      method,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
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
}

/**
 * Telegram rejects MarkdownV2 text with an unescaped reserved character outside entities. This is
 * simplified check: only the reserved characters that never start an entity (`.!-=+#{}`) count.
 */
function hasUnescapedReserved(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      i++;
      continue;
    }
    if ('.!-=+#{}'.includes(ch)) return true;
  }
  return false;
}
