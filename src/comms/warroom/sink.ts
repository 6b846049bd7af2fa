/**
 * The war-room effect sink: inside the incident change's transaction it queues the room's work on
 * one outbox channel per incident and platform (`warroom-discord:INC-0001`), in order: open the
 * room (once: its key is unique), the briefing with the runbook's steps, then a copy of every ops
 * message (updates, escalations, pages), the live-status card, a rename when the severity changes,
 * and on resolve the postmortem link followed by closing the room.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Effect } from '../../core/effects.ts';
import { allowedRollback } from '../../core/rollback-advice.ts';
import type { Incident } from '../../core/types.ts';
import type { Config } from '../../config/types.ts';
import type { EffectSink } from '../../store/effects.ts';
import { type OutboxInsert, enqueue, getByKey } from '../../store/outbox.ts';
import type { Db } from '../../store/store.ts';
import { LIVE_KIND, PAGE_KIND, discordMessage, telegramMessage, templateFile } from '../messages.ts';
import { templatesFor } from '../templates.ts';
import { incidentVars } from '../vars.ts';
import {
  BRIEFING_KIND,
  type BriefingExtras,
  ROOM_OPEN_KIND,
  type RoomPlatform,
  briefingVars,
  openKey,
  roomChannel,
  roomName,
  roomPlatforms,
  runbookSteps,
  stepCustomId,
  wantsRoom,
} from './room.ts';
import type { DiscordRoomPayload, TelegramRoomPayload } from './payloads.ts';

export interface WarRoomSinkOptions {
  config: Config;
  templates?: Record<string, string>;
  /** what the briefing shows besides the incident (default: the allowed rollback of the incident's advice) */
  extras?: (incident: Incident) => BriefingExtras;
}

/** Discord: at most 5 action rows per message; one row (done, skip) per runbook step. */
const STEPS_PER_MESSAGE = 5;

export function createWarRoomSink(options: WarRoomSinkOptions): EffectSink {
  const { config } = options;
  const templates = options.templates ?? templatesFor(config);
  const platforms = roomPlatforms(config);
  const extras = options.extras ?? ((incident: Incident): BriefingExtras => ({ rollback: allowedRollback(incident) }));

  function row(platform: RoomPlatform, incident: Incident, key: string, kind: string, payload: DiscordRoomPayload | TelegramRoomPayload): OutboxInsert {
    return { key: `${incident.id}:room:${platform}:${key}`, incidentId: incident.id, channel: roomChannel(platform, incident.id), kind, payload };
  }

  /** One rendered ops message for the room (Discord embed / Telegram text); null = no template. */
  function message(platform: RoomPlatform, incident: Incident, kind: string, key: string, vars: Record<string, string>, now: Date, extra: { components?: unknown[]; live?: boolean } = {}): OutboxInsert | null {
    const file = templateFile(templates, kind, 'ops');
    if (!file) return null;
    if (platform === 'discord') {
      const { payload } = discordMessage(templates, file, vars, { channelId: null, key: `${incident.id}:room:${key}`, severity: incident.severity, resolved: incident.status === 'resolved', at: now });
      return row(platform, incident, key, kind, { op: 'post', embeds: payload.embeds, nonce: payload.nonce, text: payload.text, ...extra, ...afterResolve(incident, kind) } as DiscordRoomPayload);
    }
    const { payload } = telegramMessage(templates, file, vars, config.telegram!.warRoomChat!);
    return row(platform, incident, key, kind, { op: 'post', text: payload.text, parseMode: 'MarkdownV2', live: extra.live, ...afterResolve(incident, kind) });
  }

  function openRows(platform: RoomPlatform, incident: Incident, now: Date): OutboxInsert[] {
    const name = roomName(incident);
    const open =
      platform === 'discord'
        ? row(platform, incident, 'open', ROOM_OPEN_KIND, { op: 'open', name, parentId: config.discord!.channels.ops! })
        : row(platform, incident, 'open', ROOM_OPEN_KIND, { op: 'open', name, chatId: config.telegram!.warRoomChat! });
    const vars = { ...incidentVars(config, incident, now), ...briefingVars(config, incident, extras(incident)) };
    const rows = [open];
    const steps = runbookSteps(config, incident);
    const briefing = message(platform, incident, BRIEFING_KIND, 'briefing', vars, now, platform === 'discord' ? { components: stepButtons(incident.id, steps, 0) } : {});
    if (briefing) rows.push(briefing);
    // Discord: the steps past the fifth get their buttons in follow-up messages
    if (platform === 'discord') {
      for (let from = STEPS_PER_MESSAGE; from < steps.length; from += STEPS_PER_MESSAGE) {
        const text = steps.slice(from, from + STEPS_PER_MESSAGE).map((s, i) => `☐ ${from + i + 1}) ${s}`).join('\n');
        rows.push(row(platform, incident, `steps:${from}`, BRIEFING_KIND, { op: 'post', content: text.slice(0, 2000), embeds: [], nonce: nonce(`${incident.id}:steps:${from}`), text, components: stepButtons(incident.id, steps, from) }));
      }
    }
    return rows;
  }

  /** The live card in the room: queued only when it changed since the last one (like the channels' cards). */
  async function liveRow(trx: Db, platform: RoomPlatform, incident: Incident, now: Date): Promise<OutboxInsert | null> {
    const candidate = message(platform, incident, LIVE_KIND, `live:${incident.timeline.length}:${now.toISOString()}`, incidentVars(config, incident, now), now, { live: true });
    if (!candidate) return null;
    const payload = candidate.payload as { embeds?: Array<{ title: string; description: string; color: number }>; text: string };
    // the footer and timestamp carry the time: compare the card without them
    const card = platform === 'discord' ? (payload.embeds ?? []).map((e) => `${e.title}\n${e.description}\n${e.color}`).join('\n') : payload.text;
    const digest = createHash('sha256').update(card).digest('hex');
    const kvKey = `warroom:live-digest:${incident.id}:${platform}`;
    const previous = await sql<{ value: unknown }>`select value from kv where key = ${kvKey}`.execute(trx);
    if (previous.rows[0]?.value === digest) return null;
    await sql`insert into kv (key, value, updated_at) values (${kvKey}, ${JSON.stringify(digest)}, ${now})
      on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at`.execute(trx);
    return candidate;
  }

  async function plan(trx: Db, platform: RoomPlatform, effect: Effect, incident: Incident, now: Date): Promise<void> {
    const exists = (await getByKey(trx, openKey(platform, incident.id))) !== null;
    if (!exists) {
      if (!wantsRoom(config, incident)) return;
      // the briefing covers what this first effect says; the live card and later messages follow
      await enqueue(trx, openRows(platform, incident, now), now);
      if (effect.type === 'notify' && effect.kind === 'declared') return;
    }
    const rows: Array<OutboxInsert | null> = [];
    if (effect.type === 'notify') {
      const vars = incidentVars(config, incident, now, effect);
      if (effect.kind === 'severity') rows.push(row(platform, incident, `${effect.dedup}:rename`, 'room-rename', { op: 'rename', name: roomName(incident) }));
      rows.push(message(platform, incident, effect.kind, effect.dedup, vars, now));
      if (effect.kind === 'resolved') {
        const link = briefingVars(config, incident)['room.postmortem']!;
        rows.push(postmortemPost(platform, incident, effect.dedup, link));
        rows.push(row(platform, incident, `${effect.dedup}:close`, 'room-close', { op: 'close' }));
      }
    } else if (effect.type === 'page') {
      rows.push(message(platform, incident, PAGE_KIND, `${effect.dedup}:page`, incidentVars(config, incident, now, { dedup: effect.dedup }, { tier: config.oncall.tiers[effect.tier]?.name ?? '', held: '', paged: '' }), now));
    } else if (effect.type === 'publish') {
      rows.push(await liveRow(trx, platform, incident, now));
    }
    await enqueue(trx, rows.filter((r): r is OutboxInsert => r !== null), now);
  }

  function postmortemPost(platform: RoomPlatform, incident: Incident, dedup: string, link: string): OutboxInsert {
    const text = `Resolved. The postmortem: ${link}`;
    return platform === 'discord'
      ? row(platform, incident, `${dedup}:postmortem`, 'room-postmortem', { op: 'post', content: text, embeds: [], nonce: nonce(`${incident.id}:${dedup}:postmortem`), text })
      : row(platform, incident, `${dedup}:postmortem`, 'room-postmortem', { op: 'post', text, plain: true });
  }

  return {
    name: 'warroom',
    async plan(trx, effect, incident, now) {
      if (effect.type === 'severity-reached' || effect.type === 'unpage') return;
      for (const platform of platforms) await plan(trx, platform, effect, incident, now);
    },
  };
}

/** A message about a resolved incident, other than the resolution itself (which the close follows). */
function afterResolve(incident: Incident, kind: string): { afterResolve?: true } {
  return incident.status === 'resolved' && kind !== 'resolved' ? { afterResolve: true } : {};
}

export function nonce(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 25);
}

/** Discord components: one action row (type 1) per step with a "done" (style 3, green) and a "skip" (style 2, grey) button (type 2). */
export function stepButtons(incidentId: string, steps: string[], from: number): unknown[] {
  return steps.slice(from, from + STEPS_PER_MESSAGE).map((_step, i) => ({
    type: 1,
    components: [
      { type: 2, style: 3, label: `${from + i + 1}. done`, custom_id: stepCustomId(incidentId, from + i, 'done') },
      { type: 2, style: 2, label: `${from + i + 1}. skip`, custom_id: stepCustomId(incidentId, from + i, 'skip') },
    ],
  }));
}

