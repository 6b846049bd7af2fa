/**
 * How the ops channel points at an incident's war room, once the room is open (recorded on the
 * incident): the full update or escalation goes to the room and ops keeps a one-line pointer to
 * it; every other ops message (and the live card) gets a "War room" line. Before that — or when
 * the room could not be opened — ops gets the full messages. Pure.
 */
import type { Incident } from '../../core/types.ts';
import type { Config } from '../../config/types.ts';
import type { DiscordPayload, TelegramPayload } from '../messages.ts';
import { DISCORD_LIMITS, TELEGRAM_LIMIT } from '../messages.ts';
import { escapeTelegram } from '../render.ts';
import { type RoomPlatform, roomName, roomPlatforms, telegramTopicLink } from './room.ts';

/** the kinds whose full text lives in the room; ops gets one line each */
export const POINTER_KINDS: ReadonlySet<string> = new Set(['update', 'escalation']);

/** Only a room that exists (recorded on the incident) replaces ops messages: a room that failed to open must not swallow them. */
function hasRoom(config: Config, incident: Incident, platform: RoomPlatform): boolean {
  return roomPlatforms(config).includes(platform) && Boolean(incident.warRoom?.[platform]);
}

function discordLink(incident: Incident): string {
  return `<#${incident.warRoom!.discord!.threadId}>`;
}

function telegramLink(incident: Incident): string {
  const topic = incident.warRoom!.telegram!;
  return escapeTelegram(telegramTopicLink(topic.chatId, topic.topicId) ?? `topic "${roomName(incident)}"`);
}

export function discordOpsPayload(config: Config, incident: Incident, kind: string, payload: DiscordPayload): DiscordPayload {
  if (!hasRoom(config, incident, 'discord')) return payload;
  if (POINTER_KINDS.has(kind)) {
    const text = `📣 ${incident.id} ${kind}: posted in the war room ${discordLink(incident)}`;
    return { ...payload, content: payload.content ? `${payload.content} ${text}` : text, embeds: [], text: `${payload.text.split('\n')[0] ?? ''} (in the war room)` };
  }
  const line = `\n**War room:** ${discordLink(incident)}`;
  const [first, ...rest] = payload.embeds;
  if (!first || first.description.length + line.length > DISCORD_LIMITS.description) return payload;
  return { ...payload, embeds: [{ ...first, description: first.description + line }, ...rest] };
}

export function telegramOpsPayload(config: Config, incident: Incident, kind: string, payload: TelegramPayload): TelegramPayload {
  if (!hasRoom(config, incident, 'telegram')) return payload;
  if (POINTER_KINDS.has(kind)) return { ...payload, text: `${escapeTelegram(`📣 ${incident.id} ${kind}: posted in the war room `)}${telegramLink(incident)}` };
  const line = `\n\n*War room:* ${telegramLink(incident)}`;
  return payload.text.length + line.length > TELEGRAM_LIMIT ? payload : { ...payload, text: payload.text + line };
}
