/**
 * Telegram's part of the comms integration: the deliverer of `telegram:*` outbox rows (when a bot
 * token is configured) and the `/webhooks/telegram` route. The rows
 * themselves are planned by the comms sink (src/comms/sink.ts).
 */
import type { Hono } from 'hono';
import type { IncidentCommands } from '../../core/commands.ts';
import type { Logger } from '../../core/log.ts';
import type { Config } from '../../config/types.ts';
import type { Deliverer } from '../../delivery/worker.ts';
import type { Store } from '../../store/store.ts';
import { createTelegramClient } from './client.ts';
import { createTelegramDeliverer } from './deliver.ts';
import { telegramWebhookRoutes } from './webhook.ts';

/** What the composition root hands a feature module (structurally its IntegrationContext). */
export interface TelegramPartsContext {
  config: Config;
  store: Store;
  engine: IncidentCommands;
  logger: Logger;
  now: () => Date;
}

export interface TelegramParts {
  deliverers: Deliverer[];
  routes?: Hono;
}

export function createTelegramParts(ctx: TelegramPartsContext): TelegramParts {
  const telegram = ctx.config.telegram;
  if (!telegram) return { deliverers: [] };
  const logger = ctx.logger.child({ module: 'telegram' });
  const client = telegram.token ? createTelegramClient(telegram) : null;
  return {
    deliverers: client ? [createTelegramDeliverer(telegram, { db: ctx.store.db, client })] : [],
    // mounted even without a webhook secret: the route then refuses every update (401)
    routes: telegramWebhookRoutes({ config: telegram, commands: ctx.engine, db: ctx.store.db, client, logger, now: ctx.now }),
  };
}
