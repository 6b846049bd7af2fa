/**
 * `POST /webhooks/telegram`: the Bot API webhook. Telegram sends the secret given to setWebhook in
 * `X-Telegram-Bot-Api-Secret-Token`; missing → 401, wrong → 403 (compared in constant time). Each
 * update id is processed once (inbound_events), so Telegram's redelivery cannot run a command twice.
 *
 * Replies go straight to the Bot API, not through the outbox: they answer the person who just
 * typed the command, are worthless minutes later, and a lost reply is fixed by asking again —
 * whereas incident messages (which do go through the outbox) must never be lost.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { IncidentCommands } from '../../core/commands.ts';
import { reasonOf } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { TelegramConfig } from '../../config/types.ts';
import type { Db } from '../../store/store.ts';
import type { TelegramClient } from './client.ts';
import { type QuotedMessage, parseCommand, runCommand } from './commands.ts';
import { incidentOfTopic } from '../warroom/lookup.ts';

export interface TelegramWebhookDeps {
  config: TelegramConfig;
  commands: IncidentCommands;
  db: Db;
  /** null when no bot token is configured: commands run, replies are only logged */
  client: TelegramClient | null;
  logger: Logger;
  now: () => Date;
}

interface TelegramUpdate {
  update_id?: unknown;
  message?: {
    message_id: number;
    text?: string;
    chat?: { id: number | string };
    from?: { id: number; username?: string; is_bot?: boolean };
    /** a forum topic (war rooms) */
    message_thread_id?: number;
    reply_to_message?: TelegramRepliedMessage;
  };
}

interface TelegramRepliedMessage {
  message_id?: unknown;
  text?: unknown;
  caption?: unknown;
  date?: unknown;
  from?: { id?: unknown; username?: unknown; first_name?: unknown; last_name?: unknown };
  /** the service message that opened a forum topic: every message in a topic "replies" to it */
  forum_topic_created?: unknown;
}

/** The message a command replied to, unless it is only the topic's opening (no real reply). */
function quotedOf(chatId: string, message: NonNullable<TelegramUpdate['message']>): QuotedMessage | undefined {
  const replied = message.reply_to_message;
  if (!replied || typeof replied !== 'object' || replied.forum_topic_created !== undefined) return undefined;
  if (typeof replied.message_id !== 'number' || replied.message_id === message.message_thread_id) return undefined;
  const text = typeof replied.text === 'string' ? replied.text : typeof replied.caption === 'string' ? replied.caption : '';
  const from = replied.from ?? {};
  const name = [from.first_name, from.last_name].filter((p): p is string => typeof p === 'string').join(' ');
  const author = typeof from.username === 'string' ? `@${from.username}` : name || (typeof from.id === 'number' ? String(from.id) : 'unknown');
  const at = typeof replied.date === 'number' ? new Date(replied.date * 1000).toISOString() : null;
  return { chatId, messageId: replied.message_id, text, author, at };
}

export const TELEGRAM_SECRET_HEADER = 'X-Telegram-Bot-Api-Secret-Token';

/** Constant-time comparison; hashing first makes the lengths equal and hides the secret's length. */
export function secretMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** A chat's or user's id when it is one (a number or a string), else null. */
function idOf(holder: unknown): string | null {
  const id = typeof holder === 'object' && holder !== null ? (holder as { id?: unknown }).id : undefined;
  return typeof id === 'number' || (typeof id === 'string' && id !== '') ? String(id) : null;
}

export function telegramWebhookRoutes(deps: TelegramWebhookDeps): Hono {
  const { config, logger } = deps;
  const app = new Hono();
  // chats that hear about incidents may ask for the status; allowed users may ask anywhere
  const knownChats = new Set([...Object.values(config.chats), config.warRoomChat].filter((id): id is string => typeof id === 'string'));

  app.post('/webhooks/telegram', async (c) => {
    const given = c.req.header(TELEGRAM_SECRET_HEADER);
    if (!config.webhookSecret) return c.json({ error: 'telegram.webhookSecret is not set: updates cannot be verified' }, 401);
    if (!given) return c.json({ error: `missing ${TELEGRAM_SECRET_HEADER}` }, 401);
    if (!secretMatches(given, config.webhookSecret)) return c.json({ error: `wrong ${TELEGRAM_SECRET_HEADER}` }, 403);

    let update: TelegramUpdate;
    try {
      update = (await c.req.json()) as TelegramUpdate;
    } catch {
      return c.json({ error: 'the body is not a JSON Telegram update' }, 400);
    }
    if (typeof update?.update_id !== 'number') return c.json({ error: 'update_id is missing' }, 400);
    const eventId = `telegram:${update.update_id}`;

    // the secret proves the sender, not the shape: fields of the wrong type make the update one we ignore
    const message = update.message;
    const command = typeof message?.text === 'string' ? parseCommand(message.text) : null;
    const chatId = idOf(message?.chat);
    const userId = idOf(message?.from);
    if (!message || !command || chatId === null || userId === null || message.from?.is_bot) return c.json({ ok: true, ignored: true });

    const fresh = await deps.db
      .insertInto('inbound_events')
      .values({ id: eventId, source: 'telegram', received_at: deps.now() })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!fresh) {
      logger.info({ updateId: update.update_id }, 'telegram update already processed');
      return c.json({ ok: true, duplicate: true });
    }

    const sender = { userId, username: typeof message.from?.username === 'string' ? message.from.username : undefined };
    const log = logger.child({ updateId: update.update_id, chat: chatId, user: sender.userId, command: command.name });
    let reply: string;
    try {
      if (!knownChats.has(chatId) && !config.allowedUserIds.includes(sender.userId)) {
        reply = 'This chat is not configured for Firebreak (telegram.chats).';
        log.warn({}, 'telegram command from an unknown chat refused');
      } else {
        // in a war room topic, the command acts on its incident; a reply quotes the message replied to
        const topic = typeof message.message_thread_id === 'number' && chatId === config.warRoomChat ? message.message_thread_id : null;
        const room = topic !== null && !command.incidentId ? await incidentOfTopic(deps.db, chatId, topic) : null;
        const quoted = command.name === 'note' && !command.text ? quotedOf(chatId, message) : undefined;
        const outcome = await runCommand(deps.commands, { ...command, incidentId: command.incidentId ?? room, quoted }, sender, config.allowedUserIds);
        reply = outcome.reply;
        log.info({ incident: outcome.incidentId, refused: outcome.refused }, 'telegram command');
      }
    } catch (error) {
      // nothing was done: forget the update so that Telegram's redelivery runs it again
      await deps.db.deleteFrom('inbound_events').where('id', '=', eventId).execute().catch(() => {});
      log.error({ reason: reasonOf(error) }, 'telegram command failed');
      return c.json({ error: 'the command failed; Telegram will redeliver it' }, 500);
    }

    if (deps.client) {
      try {
        await deps.client.sendMessage({
          chatId,
          text: reply,
          replyToMessageId: typeof message.message_id === 'number' ? message.message_id : undefined,
          messageThreadId: typeof message.message_thread_id === 'number' ? message.message_thread_id : undefined,
        });
      } catch (error) {
        log.warn({ reason: reasonOf(error) }, 'telegram reply failed');
      }
    } else log.info({ reply }, 'telegram reply not sent: no telegram.token');
    return c.json({ ok: true });
  });
  return app;
}
