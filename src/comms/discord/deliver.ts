/**
 * Sends `discord:<audience>` outbox rows through discord.js REST. The outbox owns retries: the
 * REST client is told not to retry (`retries: 0`) and to reject on rate limits instead of
 * sleeping on them (`rejectOnRateLimit`), so every attempt, every 429 and its retry-after are
 * recorded on the row and a restart picks up exactly where it stopped. Posts carry `nonce` with
 * `enforce_nonce: true`: a resend after a crash (the row was `sending` when we died) returns the
 * message Discord already made instead of a second one. The live-status card is one message per
 * incident and channel, edited in place; its id is kept in the kv table.
 */
import { DiscordAPIError, HTTPError, RateLimitError, REST, Routes } from 'discord.js';
import { sql } from 'kysely';
import { FirebreakError, RetryableError, reasonOf } from '../../core/errors.ts';
import type { DiscordConfig } from '../../config/types.ts';
import type { Deliverer } from '../../delivery/worker.ts';
import type { Db } from '../../store/store.ts';
import type { DiscordPayload } from '../messages.ts';

export function createDiscordRest(config: DiscordConfig): REST {
  return new REST({
    api: config.api.replace(/\/+$/, ''),
    version: '10',
    retries: 0,
    rejectOnRateLimit: () => true,
    timeout: 15_000,
  }).setToken(config.token ?? '');
}

/** discord.js errors → the outbox's: 429 and 5xx/network retry, other 4xx are permanent. */
export function toDeliveryError(error: unknown, what: string): FirebreakError {
  if (error instanceof RateLimitError) {
    return new RetryableError(`Discord rate limit on ${what}`, { retryAfterMs: Math.max(error.retryAfter, error.timeToReset, 0), cause: error });
  }
  if (error instanceof DiscordAPIError || error instanceof HTTPError) {
    const status = error.status;
    if (status >= 500 || status === 429) return new RetryableError(`Discord answered ${status} to ${what}`, { cause: error });
    return new FirebreakError(`Discord refused ${what} (${status}): ${reasonOf(error)}`, { code: 'discord_rejected', cause: error, details: { status } });
  }
  if (error instanceof FirebreakError) return error;
  return new RetryableError(`Discord unreachable for ${what}: ${reasonOf(error)}`, { cause: error });
}

function liveKey(incidentId: string | null, channelId: string): string {
  return `discord:live:${incidentId ?? 'none'}:${channelId}`;
}

export interface DiscordDelivererOptions {
  config: DiscordConfig;
  db: Db;
  rest?: REST;
}

export function createDiscordDeliverer(options: DiscordDelivererOptions): Deliverer {
  const rest = options.rest ?? createDiscordRest(options.config);
  const { db } = options;

  async function post(payload: DiscordPayload, channelId: string): Promise<{ id: string }> {
    return (await rest.post(Routes.channelMessages(channelId), {
      body: {
        content: payload.content,
        embeds: payload.embeds,
        allowed_mentions: { parse: [], users: payload.allowedMentions.users, roles: payload.allowedMentions.roles },
        nonce: payload.nonce,
        enforce_nonce: true,
      },
    })) as { id: string };
  }

  return {
    prefix: 'discord',
    async deliver(row) {
      const payload = row.payload as DiscordPayload;
      const channelId = payload.channelId;
      if (!channelId) throw new FirebreakError(`no Discord channel configured for ${row.channel}`, { code: 'discord_no_channel' });
      try {
        if (!payload.liveStatus) {
          const message = await post(payload, channelId);
          return { messageId: message.id, channelId };
        }
        const key = liveKey(row.incidentId, channelId);
        const known = await sql<{ value: string }>`select value from kv where key = ${key}`.execute(db);
        const messageId = known.rows[0]?.value;
        if (messageId) {
          try {
            await rest.patch(Routes.channelMessage(channelId, messageId), {
              body: { embeds: payload.embeds, allowed_mentions: { parse: [] } },
            });
            return { messageId, channelId, edited: true };
          } catch (error) {
            // somebody deleted the card: post a new one below
            if (!(error instanceof DiscordAPIError && error.status === 404)) throw error;
          }
        }
        const message = await post(payload, channelId);
        await sql`insert into kv (key, value, updated_at) values (${key}, ${JSON.stringify(message.id)}, ${new Date()})
          on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at`.execute(db);
        return { messageId: message.id, channelId, edited: false };
      } catch (error) {
        throw toDeliveryError(error, `${row.kind} to ${row.channel}`);
      }
    },
  };
}
