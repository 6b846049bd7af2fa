/**
 * The comms feature module plugged into the service: the message sink (templates → outbox rows
 * for Discord and Telegram), the Discord deliverer, the Discord interactions webhook, and the
 * timeline record of every chat message sent. Telegram's deliverer and webhook (src/comms/telegram)
 * and paging — PagerDuty and signed webhooks, with their own sink (src/comms/paging) — join below.
 */
import { Hono } from 'hono';
import type { IntegrationFactory } from '../incidents/integration.ts';
import { COMMS_ROUTES } from './api-docs.ts';
import type { Deliverer, DeliveryEvent } from '../delivery/worker.ts';
import type { EffectSink } from '../store/effects.ts';
import { createDiscordDeliverer } from './discord/deliver.ts';
import { createDiscordInteractions } from './discord/interactions.ts';
import { LIVE_KIND, createCommsSink } from './sink.ts';
import { createPagingParts } from './paging/integration.ts';
import { createTelegramParts } from './telegram/integration.ts';
import { createWarRoomParts } from './warroom/integration.ts';
import { runbookSteps } from './warroom/room.ts';

/** chat channels whose deliveries go on the incident timeline */
const CHAT_PREFIXES = ['discord:', 'telegram:'];

export const createCommsIntegration: IntegrationFactory = (ctx) => {
  const { config, store, engine, logger, now } = ctx;
  const log = logger.child({ module: 'comms' });
  const sinks: EffectSink[] = [createCommsSink({ config })];
  const deliverers: Deliverer[] = [];
  const routes = new Hono();

  // Discord: deliverer only with a token (without one the sink queues rows as `skipped`)
  if (config.discord?.token) deliverers.push(createDiscordDeliverer({ config: config.discord, db: store.db }));
  routes.route('/', createDiscordInteractions({ config: config.discord, db: store.db, commands: engine.commands, logger: log, now, runbookSteps: (incident) => runbookSteps(config, incident) }));

  // Telegram: deliverer of `telegram:*` rows (with a token) and the /webhooks/telegram commands
  const telegram = createTelegramParts(ctx);
  deliverers.push(...telegram.deliverers);
  if (telegram.routes) routes.route('/', telegram.routes);
  // Paging: PagerDuty Events v2 and signed webhooks for page/unpage effects (held in maintenance windows)
  const paging = createPagingParts(ctx);
  sinks.push(...paging.sinks);
  deliverers.push(...paging.deliverers);
  // War rooms: a Discord thread / Telegram topic per incident (src/comms/warroom)
  const warRoom = createWarRoomParts({ config, store, engine, logger });
  sinks.push(...warRoom.sinks);
  deliverers.push(...warRoom.deliverers);

  return {
    name: 'comms',
    sinks,
    deliverers,
    routes,
    apiDocs: COMMS_ROUTES,
    async start() {
      await paging.start?.();
      await warRoom.reconcile().catch((error: unknown) => log.warn({ reason: String(error) }, 'war room reconcile failed'));
    },
    stop: paging.stop,
    async onDelivered(event: DeliveryEvent) {
      await paging.onDelivered(event);
      await warRoom.onDelivered(event);
      const { row } = event;
      if (!row.incidentId || !CHAT_PREFIXES.some((p) => row.channel.startsWith(p)) || event.outcome === 'retry') return;
      const result = (event.result ?? {}) as { messageId?: string | number; edited?: boolean; plainText?: boolean; parseError?: string };
      // the live card is edited on every change: only its first post goes on the timeline (and any plain-text fallback)
      if (row.kind === LIVE_KIND && result.edited && !result.plainText) return;
      const text =
        event.outcome === 'failed'
          ? `Message "${row.kind}" to ${row.channel} failed: ${event.error ?? 'unknown error'}`
          : result.plainText
            ? `Message "${row.kind}" sent to ${row.channel} as plain text: Telegram could not parse its formatting (${result.parseError ?? 'can\'t parse entities'})`
            : `Message "${row.kind}" sent to ${row.channel}`;
      await engine.record(row.incidentId, [
        { kind: 'message', text, actor: 'firebreak', data: { channel: row.channel, messageKind: row.kind, outcome: event.outcome, messageId: result.messageId ?? null, outbox: row.id, ...(result.plainText ? { plainText: true } : {}) } },
      ]);
    },
  };
};
