/**
 * Where a room is and whose room it is. The outbox row that opened the room holds the platform's
 * answer (thread id, topic id) as its result, written in the same statement that marks it sent, so
 * it is the authority; the incident's `warRoom` field is the copy people see (API, dashboard).
 */
import { sql } from 'kysely';
import { getByKey } from '../../store/outbox.ts';
import type { Db } from '../../store/store.ts';
import type { DiscordRoomOpened, TelegramRoomOpened } from './payloads.ts';
import { ROOM_OPEN_KIND, ROOM_PREFIX, openKey } from './room.ts';

export async function discordThreadOf(db: Db, incidentId: string): Promise<string | null> {
  const row = await getByKey(db, openKey('discord', incidentId));
  const result = row?.status === 'sent' ? (row.result as DiscordRoomOpened | null) : null;
  return result?.threadId ?? null;
}

export async function telegramTopicOf(db: Db, incidentId: string): Promise<TelegramRoomOpened | null> {
  const row = await getByKey(db, openKey('telegram', incidentId));
  const result = row?.status === 'sent' ? (row.result as TelegramRoomOpened | null) : null;
  return result && typeof result.topicId === 'number' ? result : null;
}

/** The incident whose Discord war room is this thread (a command or message sent in it). */
export async function incidentOfThread(db: Db, threadId: string): Promise<string | null> {
  const found = await sql<{ incident_id: string }>`select incident_id from outbox
    where kind = ${ROOM_OPEN_KIND} and channel like ${`${ROOM_PREFIX.discord}:%`} and status = 'sent'
      and result->>'threadId' = ${threadId} limit 1`.execute(db);
  return found.rows[0]?.incident_id ?? null;
}

/** The incident whose Telegram war room is this topic of this chat. */
export async function incidentOfTopic(db: Db, chatId: string, topicId: number): Promise<string | null> {
  const found = await sql<{ incident_id: string }>`select incident_id from outbox
    where kind = ${ROOM_OPEN_KIND} and channel like ${`${ROOM_PREFIX.telegram}:%`} and status = 'sent'
      and result->>'chatId' = ${chatId} and result->>'topicId' = ${String(topicId)} limit 1`.execute(db);
  return found.rows[0]?.incident_id ?? null;
}
