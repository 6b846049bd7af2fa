/**
 * Delivers `telegram:<audience>` outbox rows (payload `{chatId, text, parseMode}`, text already
 * escaped for its parse mode) through the Bot API.
 *
 * Telegram has no idempotency key, so exactly-once rests on the outbox: a row is marked sent by the
 * worker right after this function returns. The only way to send a message twice is a crash (or a
 * timeout after Telegram accepted) in the instant between Telegram's answer and that record, so
 * NOTHING slow happens between the two: no logging to the timeline, no extra requests — the result
 * is returned as soon as Telegram answers and the timeline learns about it later (onDelivered).
 */
import { BadRequestError } from '../../core/errors.ts';
import type { TelegramConfig } from '../../config/types.ts';
import type { Deliverer } from '../../delivery/worker.ts';
import type { OutboxRow } from '../../store/outbox.ts';
import { createTelegramClient, type TelegramClient } from './client.ts';

export interface TelegramMessagePayload {
  chatId: string;
  text: string;
  parseMode?: 'MarkdownV2' | 'HTML';
}

export function telegramPayloadOf(row: OutboxRow): TelegramMessagePayload {
  const payload = row.payload as Partial<TelegramMessagePayload> | null;
  if (!payload || typeof payload.chatId !== 'string' || !payload.chatId || typeof payload.text !== 'string' || !payload.text) {
    throw new BadRequestError(`outbox row ${row.id} on ${row.channel} has no chatId/text`);
  }
  return { chatId: payload.chatId, text: payload.text, parseMode: payload.parseMode };
}

export function createTelegramDeliverer(config: TelegramConfig, client: TelegramClient = createTelegramClient(config)): Deliverer {
  return {
    prefix: 'telegram',
    async deliver(row) {
      const message = telegramPayloadOf(row);
      const sent = await client.sendMessage(message);
      // straight back to the worker, which records `sent` at once (see the comment at the top)
      return { messageId: sent.messageId, chatId: sent.chatId };
    },
  };
}
