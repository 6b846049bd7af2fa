/**
 * Delivers `pagerduty:<tier>` rows as PagerDuty Events API v2 events (POST `oncall.pagerduty.eventsUrl`).
 * dedup_key is the incident id, so a resend (crash, timeout) of the same trigger or resolve is
 * harmless: PagerDuty folds events with one dedup_key into one alert. The tier's routing key is read
 * from the config here, never stored in the outbox. 429 and 5xx retry; 400 (invalid event) and other
 * 4xx are permanent.
 */
import { BadRequestError, FirebreakError, RetryableError } from '../../core/errors.ts';
import type { OncallConfig } from '../../config/types.ts';
import type { Deliverer } from '../../delivery/worker.ts';
import type { PagerDutyRowPayload } from './sink.ts';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
const REQUEST_TIMEOUT_MS = 15_000;

/** The Events v2 body for a row (exported for tests). */
export function pagerDutyEvent(payload: PagerDutyRowPayload, routingKey: string): Record<string, unknown> {
  if (payload.action === 'resolve') return { routing_key: routingKey, event_action: 'resolve', dedup_key: payload.incidentId };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: payload.incidentId,
    client: 'Firebreak',
    payload: {
      summary: payload.summary,
      source: payload.source,
      severity: payload.severity,
      custom_details: payload.customDetails ?? {},
    },
  };
}

export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export function createPagerDutyDeliverer(oncall: OncallConfig, fetchImpl: typeof fetch = fetch): Deliverer {
  const url = oncall.pagerduty.eventsUrl || PAGERDUTY_EVENTS_URL;
  return {
    prefix: 'pagerduty',
    async deliver(row) {
      const payload = row.payload as PagerDutyRowPayload;
      if (!payload || (payload.action !== 'trigger' && payload.action !== 'resolve') || !payload.incidentId) {
        throw new BadRequestError(`outbox row ${row.id} is not a PagerDuty event`);
      }
      const tier = oncall.tiers.find((t) => t.name === payload.tier);
      if (!tier?.pagerduty) throw new FirebreakError(`oncall tier "${payload.tier}" has no pagerduty key (any more): set oncall.tiers[].pagerduty`, { code: 'config' });
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(pagerDutyEvent(payload, tier.pagerduty)),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        throw new RetryableError(`PagerDuty unreachable (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name})`, { code: 'pagerduty_unreachable' });
      }
      const text = await response.text().catch(() => '');
      let body: { status?: string; message?: string; dedup_key?: string; errors?: string[] } = {};
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        // not JSON (a proxy's error page): the status code decides
      }
      if (response.status === 429 || response.status >= 500) {
        throw new RetryableError(`PagerDuty answered ${response.status}`, {
          code: 'pagerduty_unavailable',
          retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
          details: { status: response.status },
        });
      }
      if (!response.ok) {
        const why = [body.message, ...(body.errors ?? [])].filter(Boolean).join('; ');
        throw new FirebreakError(`PagerDuty rejected the ${payload.action} (${response.status}${why ? `: ${why}` : ''})`, {
          code: 'pagerduty_rejected',
          status: 502,
          details: { status: response.status },
        });
      }
      return { action: payload.action, tier: payload.tier, dedupKey: body.dedup_key ?? payload.incidentId, status: body.status ?? 'success' };
    },
  };
}
