/**
 * The war room's part of the comms integration: its effect sink, the two deliverers, and what a
 * delivery means for the incident — the room recorded on it (`warRoom`) once opened, failures on
 * its timeline. `start` records rooms whose opening was delivered but not yet recorded (a crash
 * between the two), so the incident JSON always catches up with the outbox.
 */
import { reasonOf } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Incident, WarRoom } from '../../core/types.ts';
import type { Config } from '../../config/types.ts';
import type { Deliverer, DeliveryEvent } from '../../delivery/worker.ts';
import type { IncidentEngine } from '../../incidents/engine.ts';
import type { EffectSink } from '../../store/effects.ts';
import { toOutboxRow } from '../../store/outbox.ts';
import type { Store } from '../../store/store.ts';
import { createTelegramClient } from '../telegram/client.ts';
import { createWarRoomDiscordDeliverer } from './discord.ts';
import type { DiscordRoomOpened, TelegramRoomOpened } from './payloads.ts';
import { ROOM_OPEN_KIND, ROOM_PREFIX, type RoomPlatform } from './room.ts';
import { createWarRoomSink } from './sink.ts';
import { createWarRoomTelegramDeliverer } from './telegram.ts';

export interface WarRoomPartsContext {
  config: Config;
  store: Store;
  engine: IncidentEngine;
  logger: Logger;
}

function platformOf(channel: string): RoomPlatform | null {
  if (channel.startsWith(`${ROOM_PREFIX.discord}:`)) return 'discord';
  if (channel.startsWith(`${ROOM_PREFIX.telegram}:`)) return 'telegram';
  return null;
}

const EMPTY_ROOM: WarRoom = { discord: null, telegram: null };

export function createWarRoomParts(ctx: WarRoomPartsContext) {
  const { config, store, engine } = ctx;
  const log = ctx.logger.child({ module: 'warroom' });
  const sinks: EffectSink[] = [createWarRoomSink({ config })];
  const deliverers: Deliverer[] = [];
  if (config.discord?.token) deliverers.push(createWarRoomDiscordDeliverer({ config: config.discord, db: store.db }));
  if (config.telegram?.token && config.telegram.warRoomChat) {
    deliverers.push(createWarRoomTelegramDeliverer(config.telegram, { db: store.db, client: createTelegramClient(config.telegram) }));
  }

  async function recordOpened(incidentId: string, platform: RoomPlatform, result: unknown, name: string): Promise<Incident> {
    const place = platform === 'discord' ? { threadId: (result as DiscordRoomOpened).threadId } : { chatId: (result as TelegramRoomOpened).chatId, topicId: (result as TelegramRoomOpened).topicId };
    const text =
      platform === 'discord'
        ? `War room opened: Discord thread "${name}"${(result as DiscordRoomOpened).found ? ' (found among the channel\'s threads: it was made before a restart)' : ''}`
        : `War room opened: Telegram topic "${name}"${(result as { afterUnrecordedAttempt?: boolean }).afterUnrecordedAttempt ? ' (an earlier attempt was interrupted; a duplicate topic is possible)' : ''}`;
    return engine.record(
      incidentId,
      [{ kind: 'war_room', text, actor: 'firebreak', data: { platform, ...place } }],
      (incident) => ({ ...incident, warRoom: { ...(incident.warRoom ?? EMPTY_ROOM), [platform]: place } }),
      // the ops live card links the room from now on
      [{ type: 'publish' }],
    );
  }

  async function onDelivered(event: DeliveryEvent): Promise<void> {
    const { row } = event;
    const platform = platformOf(row.channel);
    if (!platform || !row.incidentId || event.outcome === 'retry') return;
    const where = platform === 'discord' ? 'Discord thread' : 'Telegram topic';
    if (event.outcome === 'failed') {
      await engine.record(row.incidentId, [
        { kind: 'war_room', text: `War room (${where}): "${row.kind}" failed: ${event.error ?? 'unknown error'}`, actor: 'firebreak', data: { platform, messageKind: row.kind, outcome: 'failed', outbox: row.id } },
      ]);
      return;
    }
    if (row.kind === ROOM_OPEN_KIND) {
      await recordOpened(row.incidentId, platform, event.result, (row.payload as { name: string }).name);
    } else if (row.kind === 'room-rename') {
      await engine.record(row.incidentId, [{ kind: 'war_room', text: `War room renamed: ${where} "${(row.payload as { name: string }).name}"`, actor: 'firebreak', data: { platform } }]);
    } else if (row.kind === 'room-close') {
      await engine.record(row.incidentId, [{ kind: 'war_room', text: `War room ${platform === 'discord' ? 'archived' : 'closed'} (${where}), after the postmortem link`, actor: 'firebreak', data: { platform } }]);
    }
  }

  /** Rooms opened but not recorded on their incident (the process died in between): record them now. */
  async function reconcile(): Promise<void> {
    const rows = await store.db.selectFrom('outbox').selectAll().where('kind', '=', ROOM_OPEN_KIND).where('status', '=', 'sent').orderBy('id').execute();
    const opened = rows.map((row) => toOutboxRow(row as unknown as Parameters<typeof toOutboxRow>[0])).filter((r) => r.incidentId);
    for (const row of opened) {
      const platform = platformOf(row.channel)!;
      const incident = await engine.get(row.incidentId!);
      if (!incident || incident.warRoom?.[platform]) continue;
      await recordOpened(incident.id, platform, row.result, (row.payload as { name: string }).name).catch((error: unknown) =>
        log.warn({ incident: incident.id, reason: reasonOf(error) }, 'could not record the war room'),
      );
    }
  }

  return { sinks, deliverers, onDelivered, reconcile };
}
