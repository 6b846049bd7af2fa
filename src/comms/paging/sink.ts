/**
 * The paging effect sink: turns `page` / `unpage` effects into outbox rows, inside the incident
 * change's transaction (no network I/O here).
 * - `page` of tier N: a `pagerduty:<tier name>` trigger when the tier has a PagerDuty key, and one
 *   `webhook:<i>` row per `oncall.webhooks[i]`.
 * - `unpage`: a PagerDuty `resolve` for every tier that was triggered and a `resolve` event for every
 *   webhook that was paged. Pages still held by a maintenance window are skipped instead: they never
 *   woke anybody, and a held trigger released after its resolve would wake people for nothing.
 * Payloads carry no secrets: routing keys, webhook URLs and secrets are read from the config when
 * the row is delivered (outbox rows are shown on the dashboard and kept for ever).
 */
import type { Effect } from '../../core/effects.ts';
import type { Incident, Severity } from '../../core/types.ts';
import type { Config } from '../../config/types.ts';
import type { EffectSink } from '../../store/effects.ts';
import { type OutboxInsert, enqueue } from '../../store/outbox.ts';
import type { Db } from '../../store/store.ts';
import { windowHolding } from './maintenance.ts';
import { cutCodePoints } from '../../core/text.ts';

export const PAGE_ROW_KIND = 'page';
export const UNPAGE_ROW_KIND = 'unpage';

/** PagerDuty Events v2 severities for ours. */
export const PAGERDUTY_SEVERITY: Record<Severity, 'critical' | 'error' | 'warning'> = { S0: 'critical', S1: 'critical', S2: 'error', S3: 'warning' };

export interface PagerDutyRowPayload {
  action: 'trigger' | 'resolve';
  /** the tier's name: its routing key is looked up in `oncall.tiers` at delivery */
  tier: string;
  incidentId: string;
  summary?: string;
  source?: string;
  severity?: 'critical' | 'error' | 'warning';
  customDetails?: Record<string, unknown>;
}

export interface WebhookRowPayload {
  event: 'page' | 'resolve';
  /** index into `oncall.webhooks` (URL and secret are looked up at delivery) */
  webhook: number;
  tier: string | null;
  escalation: boolean;
  /** one line for people reading the outbox (the dashboard) */
  summary: string;
  incident: Incident;
}

/** Timeline kept in the webhook body: the latest entries (the full one is on the API). */
const WEBHOOK_TIMELINE_ENTRIES = 50;

export function pagerDutySummary(incident: Incident): string {
  // PagerDuty caps the summary at 1024 characters
  return cutCodePoints(`[${incident.severity}] ${incident.id}: ${incident.title}`, 1024);
}

export function createPagingSink(config: Config): EffectSink {
  function webhookIncident(incident: Incident): Incident {
    return { ...incident, timeline: incident.timeline.slice(-WEBHOOK_TIMELINE_ENTRIES) };
  }

  function pageRows(effect: Extract<Effect, { type: 'page' }>, incident: Incident, now: Date): OutboxInsert[] {
    const tier = config.oncall.tiers[effect.tier];
    if (!tier) return [];
    const status = windowHolding(config.maintenance, incident, now) ? 'held' : 'pending';
    const rows: OutboxInsert[] = [];
    if (tier.pagerduty) {
      const payload: PagerDutyRowPayload = {
        action: 'trigger',
        tier: tier.name,
        incidentId: incident.id,
        summary: pagerDutySummary(incident),
        source: `firebreak:${incident.key}`,
        severity: PAGERDUTY_SEVERITY[incident.severity],
        customDetails: {
          incident: incident.id,
          severity: incident.severity,
          status: incident.status,
          tier: tier.name,
          escalation: effect.escalation,
          stuckTransfers: incident.impact.stuckTransfers,
          lockedUsd: incident.impact.lockedUsd,
          oldestStuckSeconds: incident.impact.oldestStuckSeconds,
          bridges: incident.impact.bridges,
          ...(config.server.publicUrl ? { dashboard: `${config.server.publicUrl.replace(/\/$/, '')}/api/incidents/${incident.id}` } : {}),
        },
      };
      rows.push({ key: `${incident.id}:${effect.dedup}:pagerduty:${tier.name}`, incidentId: incident.id, channel: `pagerduty:${tier.name}`, kind: PAGE_ROW_KIND, payload, status });
    }
    config.oncall.webhooks.forEach((_hook, index) => {
      const summary = `Page tier "${tier.name}" for ${pagerDutySummary(incident)}`;
      const payload: WebhookRowPayload = { event: 'page', webhook: index, tier: tier.name, escalation: effect.escalation, summary, incident: webhookIncident(incident) };
      rows.push({ key: `${incident.id}:${effect.dedup}:webhook:${index}`, incidentId: incident.id, channel: `webhook:${index}`, kind: PAGE_ROW_KIND, payload, status });
    });
    return rows;
  }

  async function unpageRows(trx: Db, incident: Incident, now: Date): Promise<OutboxInsert[]> {
    const pages = await trx
      .selectFrom('outbox')
      .select(['id', 'channel', 'status', 'payload'])
      .where('incident_id', '=', incident.id)
      .where('kind', '=', PAGE_ROW_KIND)
      .where((eb) => eb.or([eb('channel', 'like', 'pagerduty:%'), eb('channel', 'like', 'webhook:%')]))
      .orderBy('id')
      .execute();
    const held = pages.filter((row) => row.status === 'held').map((row) => Number(row.id));
    if (held.length > 0) {
      await trx
        .updateTable('outbox')
        .set({ status: 'skipped', last_error: 'resolved while held by a maintenance window', sent_at: now })
        .where('id', 'in', held)
        .execute();
    }
    const woken = new Map<string, { tier: string | null }>();
    for (const row of pages) {
      if (row.status === 'held' || row.status === 'skipped' || woken.has(row.channel)) continue;
      const payload = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as { tier?: string };
      woken.set(row.channel, { tier: payload?.tier ?? null });
    }
    const rows: OutboxInsert[] = [];
    for (const [channel, { tier }] of woken) {
      const key = `${incident.id}:unpage:${channel}`;
      if (channel.startsWith('pagerduty:')) {
        const payload: PagerDutyRowPayload = { action: 'resolve', tier: channel.slice('pagerduty:'.length), incidentId: incident.id, summary: `Resolve ${incident.id}` };
        rows.push({ key, incidentId: incident.id, channel, kind: UNPAGE_ROW_KIND, payload });
      } else {
        const payload: WebhookRowPayload = { event: 'resolve', webhook: Number(channel.slice('webhook:'.length)), tier, escalation: false, summary: `Resolve ${incident.id}`, incident: webhookIncident(incident) };
        rows.push({ key, incidentId: incident.id, channel, kind: UNPAGE_ROW_KIND, payload });
      }
    }
    return rows;
  }

  return {
    name: 'paging',
    async plan(trx, effect, incident, now) {
      if (effect.type === 'page') await enqueue(trx, pageRows(effect, incident, now), now);
      else if (effect.type === 'unpage') await enqueue(trx, await unpageRows(trx, incident, now), now);
    },
  };
}
