/**
 * Paging's part of the comms integration: the `paging` effect sink, the PagerDuty and webhook
 * deliverers, the timeline record of each page delivered (or failed), and the release of pages held
 * by a maintenance window once the window is over.
 */
import { reasonOf } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Incident, TimelineEntry } from '../../core/types.ts';
import type { Config } from '../../config/types.ts';
import type { Deliverer, DeliveryEvent } from '../../delivery/worker.ts';
import type { EffectSink } from '../../store/effects.ts';
import type { Store } from '../../store/store.ts';
import { windowHolding } from './maintenance.ts';
import { createPagerDutyDeliverer } from './pagerduty.ts';
import { createPagingSink, PAGE_ROW_KIND } from './sink.ts';
import { createWebhookDeliverer } from './webhook.ts';

/** The part of the incident engine paging needs (structurally the engine). */
export interface PagingEngine {
  get(id: string): Promise<Incident | null>;
  record(id: string, entries: Array<Omit<TimelineEntry, 'at'>>): Promise<unknown>;
  onChange(listener: (change: { incident: Incident; effects: Array<{ type: string }> }) => void): unknown;
}

export interface PagingPartsContext {
  config: Config;
  store: Store;
  engine: PagingEngine;
  logger: Logger;
  now: () => Date;
}

export interface PagingParts {
  sinks: EffectSink[];
  deliverers: Deliverer[];
  onDelivered(event: DeliveryEvent): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  /** release held pages whose maintenance window is over (the timer calls it; tests may too) */
  releaseHeld(): Promise<number>;
}

const RELEASE_EVERY_MS = 30_000;

function describe(channel: string, kind: string): string {
  const [prefix, target] = channel.split(':');
  const what = kind === PAGE_ROW_KIND ? 'page' : 'resolve';
  return prefix === 'pagerduty' ? `PagerDuty ${what === 'page' ? 'trigger' : 'resolve'} for tier "${target}"` : `signed webhook #${target} (${what})`;
}

export function createPagingParts(ctx: PagingPartsContext, options: { releaseEveryMs?: number } = {}): PagingParts {
  const { config, store, engine, now } = ctx;
  const logger = ctx.logger.child({ module: 'paging' });
  let timer: NodeJS.Timeout | undefined;

  // a page planned inside a maintenance window: say so on the timeline once the change is committed
  engine.onChange((change) => {
    if (!change.effects.some((e) => e.type === 'page')) return;
    const window = windowHolding(config.maintenance, change.incident, now());
    if (!window) return;
    const text = `Page held by the maintenance window until ${window.end.toISOString()}${window.note ? ` (${window.note})` : ''}`;
    void engine.record(change.incident.id, [{ kind: 'page_held', text, actor: 'firebreak' }]).catch((error: unknown) =>
      logger.warn({ incident: change.incident.id, reason: reasonOf(error) }, 'recording a held page failed'),
    );
  });

  async function releaseHeld(): Promise<number> {
    const held = await store.db
      .selectFrom('outbox')
      .select(['id', 'incident_id'])
      .where('status', '=', 'held')
      .where((eb) => eb.or([eb('channel', 'like', 'pagerduty:%'), eb('channel', 'like', 'webhook:%')]))
      .execute();
    let released = 0;
    for (const incidentId of new Set(held.map((row) => row.incident_id).filter((id): id is string => id !== null))) {
      const incident = await engine.get(incidentId);
      if (!incident || windowHolding(config.maintenance, incident, now())) continue;
      const ids = held.filter((row) => row.incident_id === incidentId).map((row) => row.id);
      const result = await store.db
        .updateTable('outbox')
        .set({ status: 'pending', next_attempt_at: now() })
        .where('id', 'in', ids)
        .where('status', '=', 'held')
        .executeTakeFirst();
      const count = Number(result.numUpdatedRows ?? 0);
      released += count;
      if (count > 0) await engine.record(incidentId, [{ kind: 'page', text: `Maintenance window over: ${count} held page(s) sent`, actor: 'firebreak' }]);
    }
    return released;
  }

  return {
    sinks: [createPagingSink(config)],
    deliverers: [createPagerDutyDeliverer(config.oncall), createWebhookDeliverer(config.oncall, now)],
    async onDelivered(event) {
      const { row } = event;
      if (!row.incidentId || !(row.channel.startsWith('pagerduty:') || row.channel.startsWith('webhook:')) || event.outcome === 'retry') return;
      const what = describe(row.channel, row.kind);
      const text = event.outcome === 'sent' ? `Sent ${what}` : `Failed to send ${what}: ${event.error ?? 'unknown error'}`;
      await engine.record(row.incidentId, [{ kind: 'message', text, actor: 'firebreak', data: { channel: row.channel, outcome: event.outcome, outbox: row.id } }]);
    },
    start() {
      if (config.maintenance.length === 0 || timer) return;
      const every = options.releaseEveryMs ?? RELEASE_EVERY_MS;
      const loop = () => {
        timer = setTimeout(() => {
          releaseHeld()
            .catch((error: unknown) => logger.error({ reason: reasonOf(error) }, 'releasing held pages failed'))
            .finally(() => {
              if (timer) loop();
            });
        }, every);
      };
      loop();
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
    },
    releaseHeld,
  };
}
