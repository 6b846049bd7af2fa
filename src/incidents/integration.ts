/**
 * The contract between the composition root (src/app/service.ts) and the feature modules it plugs
 * in (comms, mirror, governance): what a module gets, and what it contributes. It lives here, below
 * the app, so that modules never import the app.
 */
import type { Hono } from 'hono';
import type { IncidentCommands } from '../core/commands.ts';
import type { RouteDoc } from '../core/api.ts';
import type { Logger } from '../core/log.ts';
import type { Config } from '../config/types.ts';
import type { Deliverer, DeliveryEvent } from '../delivery/worker.ts';
import type { EffectSink } from '../store/effects.ts';
import type { Store } from '../store/store.ts';
import type { WatchService } from '../watchers/service.ts';
import type { IncidentEngine } from './engine.ts';

/** What an integration (comms, mirror, governance, postmortem) gets from the composition root. */
export interface IntegrationContext {
  config: Config;
  store: Store;
  engine: IncidentEngine;
  watch: WatchService;
  logger: Logger;
  now: () => Date;
  /** whether this instance leads (scale-out): only the leader publishes, sends, watches */
  isLeader: () => boolean;
}

/**
 * One feature module plugged into the service: effect sinks plan outbox rows inside incident
 * changes, deliverers send them, routes are mounted publicly (webhooks, status page, mirror; they
 * carry their own auth), start/stop bracket background work. Built by a factory per module.
 */
export interface Integration {
  name: string;
  sinks?: EffectSink[];
  deliverers?: Deliverer[];
  routes?: Hono;
  /** commands this module adds to the incident commands (API, chat, dashboard), e.g. requestRollback */
  commands?: Partial<IncidentCommands>;
  /** the API reference of `routes` (GET /api/openapi.json) */
  apiDocs?: RouteDoc[];
  /** a delivery finished (sent, retry, failed): e.g. record it on the incident's timeline */
  onDelivered?(event: DeliveryEvent): Promise<void>;
  start?(): Promise<void> | void;
  stop?(): Promise<void>;
  /** start only on the leader (scale-out); stopped when leadership is lost */
  leaderOnly?: boolean;
  /** told when this instance gains or loses the lead (e.g. the mirror republishes on gaining it) */
  onLeadership?(leader: boolean): void;
}

export type IntegrationFactory = (ctx: IntegrationContext) => Integration | Promise<Integration>;
