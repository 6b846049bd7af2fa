/**
 * Delivers `warroom-telegram:<incident>` rows: the incident's forum topic in `telegram.warRoomChat`.
 * Telegram has no idempotency key and no way to list a chat's topics, so creating the topic records
 * its intent on the row first and returns the moment Telegram answers (the worker records the
 * topic at once): a duplicate topic needs a crash in that instant, and a retry after such an
 * attempt says so in its result. A closed topic (TOPIC_CLOSED) is reopened and the message sent again.
 */
import { sql } from 'kysely';
import { FirebreakError } from '../../core/errors.ts';
import type { TelegramConfig } from '../../config/types.ts';
import type { Deliverer } from '../../delivery/worker.ts';
import type { Db } from '../../store/store.ts';
import { type TelegramClient, createTelegramClient } from '../telegram/client.ts';
import { telegramTopicOf } from './lookup.ts';
import type { TelegramRoomOpened, TelegramRoomPayload } from './payloads.ts';
import { ROOM_PREFIX } from './room.ts';

function described(error: unknown, pattern: RegExp): boolean {
  const description = error instanceof FirebreakError ? error.details?.description : undefined;
  return typeof description === 'string' && pattern.test(description);
}

const TOPIC_CLOSED = /TOPIC_CLOSED/;
const NOT_MODIFIED = /TOPIC_NOT_MODIFIED/;

export function createWarRoomTelegramDeliverer(config: TelegramConfig, deps: { db: Db; client?: TelegramClient }): Deliverer {
  const client = deps.client ?? createTelegramClient(config);
  const { db } = deps;

  /** Send; in a closed topic, reopen it and send again (and close it again when `reclose`). */
  async function reopened<T>(topic: TelegramRoomOpened, send: () => Promise<T>, reclose = false): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (!described(error, TOPIC_CLOSED)) throw error;
      await client.call('reopenForumTopic', { chat_id: topic.chatId, message_thread_id: topic.topicId });
      const result = await send();
      if (reclose) await topicCall('closeForumTopic', topic);
      return result;
    }
  }

  async function post(incidentId: string, topic: TelegramRoomOpened, payload: Extract<TelegramRoomPayload, { op: 'post' }>) {
    const parseMode = payload.plain ? undefined : 'MarkdownV2';
    if (!payload.live) {
      const sent = await reopened(topic, () => client.sendMessage({ chatId: topic.chatId, text: payload.text, parseMode, messageThreadId: topic.topicId }), payload.afterResolve === true);
      return { messageId: sent.messageId, chatId: topic.chatId, topicId: topic.topicId };
    }
    const key = `warroom:live:telegram:${incidentId}`;
    const known = Number((await sql<{ value: unknown }>`select value from kv where key = ${key}`.execute(db)).rows[0]?.value);
    if (Number.isInteger(known) && known > 0) {
      try {
        await reopened(topic, () => client.editMessageText({ chatId: topic.chatId, messageId: known, text: payload.text, parseMode }), payload.afterResolve === true);
        return { messageId: known, chatId: topic.chatId, edited: true };
      } catch (error) {
        if (!(error instanceof FirebreakError && error.code === 'telegram_message_gone')) throw error;
      }
    }
    const sent = await reopened(topic, () => client.sendMessage({ chatId: topic.chatId, text: payload.text, parseMode, messageThreadId: topic.topicId }), payload.afterResolve === true);
    await sql`insert into kv (key, value, updated_at) values (${key}, ${JSON.stringify(sent.messageId)}, ${new Date()})
      on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at`.execute(db);
    return { messageId: sent.messageId, chatId: topic.chatId, edited: false };
  }

  async function topicCall(method: string, topic: TelegramRoomOpened, extra: Record<string, unknown> = {}): Promise<void> {
    try {
      await client.call(method, { chat_id: topic.chatId, message_thread_id: topic.topicId, ...extra });
    } catch (error) {
      // the topic already has that name / is already closed: done
      if (!described(error, NOT_MODIFIED)) throw error;
    }
  }

  return {
    prefix: ROOM_PREFIX.telegram,
    async deliver(row, ctx) {
      const payload = row.payload as TelegramRoomPayload;
      const incidentId = row.incidentId ?? row.channel.slice(ROOM_PREFIX.telegram.length + 1);
      if (payload.op === 'open') {
        const earlier = (row.result as { intent?: string } | null)?.intent;
        await ctx.progress({ intent: 'createForumTopic', chatId: payload.chatId, name: payload.name });
        const topic = (await client.call('createForumTopic', { chat_id: payload.chatId, name: payload.name })) as { message_thread_id: number };
        // straight back to the worker, which records it at once: the duplicate window stays an instant
        return { chatId: payload.chatId, topicId: topic.message_thread_id, ...(earlier ? { afterUnrecordedAttempt: true } : {}) };
      }
      const topic = await telegramTopicOf(db, incidentId);
      if (!topic) throw new FirebreakError(`the war room topic of ${incidentId} was never opened (see its room-open row)`, { code: 'warroom_not_open' });
      switch (payload.op) {
        case 'post':
          return post(incidentId, topic, payload);
        case 'rename':
          await reopened(topic, () => topicCall('editForumTopic', topic, { name: payload.name }));
          return { topicId: topic.topicId, name: payload.name };
        case 'close':
          await topicCall('closeForumTopic', topic);
          return { topicId: topic.topicId, closed: true };
      }
    },
  };
}
