/**
 * Delivers `warroom-discord:<incident>` rows through discord.js REST (same client settings as the
 * channel deliverer: the outbox owns retries). Opening is made crash-safe by looking first: the
 * thread is searched among the guild's active threads (parent = the ops channel, name starting
 * with the incident id) before one is created, so a process killed between Discord creating the
 * thread and the outbox recording it finds that thread on the next attempt instead of making a
 * second. Messages carry a nonce with enforce_nonce like every other post. A thread that was
 * archived (error 50083) is unarchived and the message sent again.
 */
import { DiscordAPIError, type REST, Routes } from 'discord.js';
import { sql } from 'kysely';
import { FirebreakError } from '../../core/errors.ts';
import type { DiscordConfig } from '../../config/types.ts';
import type { Deliverer } from '../../delivery/worker.ts';
import type { Db } from '../../store/store.ts';
import { createDiscordRest, toDeliveryError } from '../discord/deliver.ts';
import { discordThreadOf } from './lookup.ts';
import type { DiscordRoomOpened, DiscordRoomPayload } from './payloads.ts';
import { ROOM_PREFIX } from './room.ts';

/** Discord's "Thread is archived" (Operation cannot be performed on an archived thread). */
export const THREAD_ARCHIVED = 50083;
const PUBLIC_THREAD = 11;
/** the longest auto-archive duration Discord offers: 7 days, in minutes */
const AUTO_ARCHIVE_MINUTES = 10080;

interface ThreadChannel {
  id: string;
  name?: string;
  parent_id?: string;
  type?: number;
  guild_id?: string;
}

function archivedError(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.code === THREAD_ARCHIVED;
}

export function createWarRoomDiscordDeliverer(options: { config: DiscordConfig; db: Db; rest?: REST }): Deliverer {
  const rest = options.rest ?? createDiscordRest(options.config);
  const { db } = options;

  async function open(incidentId: string, payload: Extract<DiscordRoomPayload, { op: 'open' }>): Promise<DiscordRoomOpened> {
    const parent = (await rest.get(Routes.channel(payload.parentId))) as ThreadChannel;
    if (parent.guild_id) {
      const active = (await rest.get(Routes.guildActiveThreads(parent.guild_id))) as { threads?: ThreadChannel[] };
      const mine = (active.threads ?? []).find((t) => t.parent_id === payload.parentId && (t.name ?? '').startsWith(`${incidentId} · `));
      if (mine) return { threadId: mine.id, found: true };
    }
    const made = (await rest.post(Routes.threads(payload.parentId), {
      body: { name: payload.name, type: PUBLIC_THREAD, auto_archive_duration: AUTO_ARCHIVE_MINUTES },
    })) as ThreadChannel;
    return { threadId: made.id };
  }

  /** Send; in an archived thread, unarchive and send again (and archive it again when `rearchive`). */
  async function unarchived<T>(threadId: string, send: () => Promise<T>, rearchive = false): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (!archivedError(error)) throw error;
      await rest.patch(Routes.channel(threadId), { body: { archived: false } });
      const result = await send();
      if (rearchive) await rest.patch(Routes.channel(threadId), { body: { archived: true } });
      return result;
    }
  }

  async function post(threadId: string, payload: Extract<DiscordRoomPayload, { op: 'post' }>): Promise<{ id: string }> {
    return unarchived(threadId, async () =>
      (await rest.post(Routes.channelMessages(threadId), {
        body: {
          content: payload.content,
          embeds: payload.embeds,
          components: payload.components,
          allowed_mentions: { parse: [] },
          nonce: payload.nonce,
          enforce_nonce: true,
        },
      })) as { id: string },
    payload.afterResolve === true);
  }

  async function live(incidentId: string, threadId: string, payload: Extract<DiscordRoomPayload, { op: 'post' }>) {
    const key = `warroom:live:discord:${incidentId}`;
    const known = (await sql<{ value: string }>`select value from kv where key = ${key}`.execute(db)).rows[0]?.value;
    if (known) {
      try {
        await unarchived(threadId, () => rest.patch(Routes.channelMessage(threadId, known), { body: { embeds: payload.embeds, allowed_mentions: { parse: [] } } }), payload.afterResolve === true);
        return { messageId: known, threadId, edited: true };
      } catch (error) {
        if (!(error instanceof DiscordAPIError && error.status === 404)) throw error;
      }
    }
    const message = await post(threadId, payload);
    await sql`insert into kv (key, value, updated_at) values (${key}, ${JSON.stringify(message.id)}, ${new Date()})
      on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at`.execute(db);
    return { messageId: message.id, threadId, edited: false };
  }

  return {
    prefix: ROOM_PREFIX.discord,
    async deliver(row) {
      const payload = row.payload as DiscordRoomPayload;
      const incidentId = row.incidentId ?? row.channel.slice(ROOM_PREFIX.discord.length + 1);
      try {
        if (payload.op === 'open') return await open(incidentId, payload);
        const threadId = await discordThreadOf(db, incidentId);
        if (!threadId) throw new FirebreakError(`the war room of ${incidentId} was never opened (see its room-open row)`, { code: 'warroom_not_open' });
        switch (payload.op) {
          case 'post':
            if (payload.live) return await live(incidentId, threadId, payload);
            return { messageId: (await post(threadId, payload)).id, threadId };
          case 'rename':
            // archived: false in the same request: a thread that auto-archived can be renamed too
            await rest.patch(Routes.channel(threadId), { body: { name: payload.name, archived: false } });
            return { threadId, name: payload.name };
          case 'close':
            try {
              await rest.patch(Routes.channel(threadId), { body: { archived: true } });
            } catch (error) {
              if (!archivedError(error)) throw error;
            }
            return { threadId, archived: true };
        }
      } catch (error) {
        throw toDeliveryError(error, `${row.kind} in the war room of ${incidentId}`);
      }
    },
  };
}
