/**
 * Delivers `telegram:<audience>` outbox rows (payload `{chatId, text, parseMode}`, text already
 * escaped for its parse mode) through the Bot API.
 *
 * Telegram has no idempotency key, so exactly-once rests on the outbox: a row is marked sent by the
 * worker right after this function returns. The only way to send a message twice is a crash (or a
 * timeout after Telegram accepted) in the instant between Telegram's answer and that record, so
 * NOTHING slow happens between the two: no logging to the timeline, no extra requests — the result
 * is returned as soon as Telegram answers and the timeline learns about it later (onDelivered).
 *
 * MarkdownV2 that Telegram still cannot parse (400 "can't parse entities") is sent again as plain
 * text: the message arrives, and the timeline says it went out unformatted.
 *
 * A row with `liveStatus: true` is the incident's live-status message: edited in place
 * (editMessageText) once it exists in that chat; its message id is kept in the kv table.
 */
import { sql } from 'kysely';
import { BadRequestError, FirebreakError } from '../../core/errors.ts';
import type { TelegramConfig } from '../../config/types.ts';
import type { Deliverer } from '../../delivery/worker.ts';
import type { OutboxRow } from '../../store/outbox.ts';
import type { Db } from '../../store/store.ts';
import { plainTextOfMarkdownV2 } from '../markdown-v2.ts';
import { createTelegramClient, MESSAGE_GONE, type TelegramClient } from './client.ts';

export interface TelegramMessagePayload {
  chatId: string;
  text: string;
  parseMode?: 'MarkdownV2' | 'HTML';
  /** the live-status message: edit the previous one in this chat instead of posting anew */
  liveStatus?: boolean;
}

export function telegramPayloadOf(row: OutboxRow): TelegramMessagePayload {
  const payload = row.payload as Partial<TelegramMessagePayload> | null;
  if (!payload || typeof payload.chatId !== 'string' || !payload.chatId || typeof payload.text !== 'string' || !payload.text) {
    throw new BadRequestError(`outbox row ${row.id} on ${row.channel} has no chatId/text`);
  }
  return { chatId: payload.chatId, text: payload.text, parseMode: payload.parseMode, liveStatus: payload.liveStatus === true };
}

function liveKey(incidentId: string | null, chatId: string): string {
  return `telegram:live:${incidentId ?? 'none'}:${chatId}`;
}

export interface TelegramDelivererDeps {
  /** where live-status message ids are kept (kv) */
  db: Db;
  client?: TelegramClient;
}

export function createTelegramDeliverer(config: TelegramConfig, deps: TelegramDelivererDeps): Deliverer {
  const client = deps.client ?? createTelegramClient(config);
  const { db } = deps;
  return {
    prefix: 'telegram',
    async deliver(row) {
      const message = telegramPayloadOf(row);
      if (!message.liveStatus) {
        const sent = await parsedOrPlain(message, (m) => client.sendMessage(m));
        // straight back to the worker, which records `sent` at once (see the comment at the top)
        return { messageId: sent.value.messageId, chatId: sent.value.chatId, ...sent.fallback };
      }
      const key = liveKey(row.incidentId, message.chatId);
      const known = await sql<{ value: unknown }>`select value from kv where key = ${key}`.execute(db);
      const messageId = Number(known.rows[0]?.value);
      if (Number.isInteger(messageId) && messageId > 0) {
        try {
          // an edit is idempotent: repeating it after a crash changes nothing
          const edited = await parsedOrPlain(message, (m) => client.editMessageText({ chatId: m.chatId, messageId, text: m.text, parseMode: m.parseMode }));
          return { messageId, chatId: message.chatId, edited: true, ...edited.fallback };
        } catch (error) {
          if (!(error instanceof FirebreakError && error.code === MESSAGE_GONE)) throw error;
        }
      }
      const posted = await parsedOrPlain(message, (m) => client.sendMessage(m));
      const sent = posted.value;
      // one quick local write between Telegram's answer and the record: the duplicate window stays an instant
      await sql`insert into kv (key, value, updated_at) values (${key}, ${JSON.stringify(sent.messageId)}, ${new Date()})
        on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at`.execute(db);
      return { messageId: sent.messageId, chatId: sent.chatId, edited: false, ...posted.fallback };
    },
  };
}

/** Telegram's answer when the text's MarkdownV2 does not parse (`400 Bad Request: can't parse entities: …`). */
export function isUnparsableEntities(error: unknown): boolean {
  const description = error instanceof FirebreakError ? error.details?.description : undefined;
  return typeof description === 'string' && /can't parse entities/i.test(description);
}

/**
 * Sends as formatted; when Telegram cannot parse the entities, the same text once more as plain text
 * (markers and escapes removed, no parse_mode) rather than losing the message. Nothing was sent by
 * the refused call, so this adds no duplicate. `fallback` says so for the timeline.
 */
async function parsedOrPlain<T>(
  message: TelegramMessagePayload,
  send: (message: TelegramMessagePayload) => Promise<T>,
): Promise<{ value: T; fallback: { plainText?: true; parseError?: string } }> {
  try {
    return { value: await send(message), fallback: {} };
  } catch (error) {
    if (message.parseMode !== 'MarkdownV2' || !isUnparsableEntities(error)) throw error;
    const plain = plainTextOfMarkdownV2(message.text);
    const value = await send({ ...message, text: plain || message.text, parseMode: undefined });
    return { value, fallback: { plainText: true, parseError: String((error as FirebreakError).details?.description) } };
  }
}
