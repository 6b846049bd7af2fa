/**
 * Signed outbound webhooks (`oncall.webhooks[i]`, channel `webhook:<i>`).
 *
 * Request: `POST <url>`, `content-type: application/json`, body
 *   `{"event":"page"|"resolve","tier":"primary"|null,"escalation":false,"sentAt":"<ISO time>","incident":{…SPEC §5 incident…}}`
 * Headers:
 *   `X-Firebreak-Signature: sha256=<hex HMAC-SHA256 of the raw body bytes, keyed with the webhook's secret>`
 *     (only when the webhook has a `secret`); verify it over the exact bytes received, in constant time.
 *   `X-Firebreak-Timestamp: <sentAt as Unix seconds>`: for replay protection compare the SIGNED
 *     `sentAt` in the body (the header is a convenience copy and is not signed); reject old ones
 *     (e.g. older than 5 minutes).
 *   `X-Firebreak-Delivery: <outbox key>`: the same for every retry of one event; dedupe on it.
 *   `X-Firebreak-Event: page|resolve`.
 * The URL and the secret are read from the config at delivery time (never stored in the outbox, never
 * logged: URLs often carry tokens). 2xx = delivered; 408/429/5xx/network retry; other 4xx permanent.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestError, FirebreakError, RetryableError } from '../../core/errors.ts';
import type { OncallConfig } from '../../config/types.ts';
import type { Deliverer } from '../../delivery/worker.ts';
import { retryAfterMs } from './pagerduty.ts';
import type { WebhookRowPayload } from './sink.ts';

export const SIGNATURE_HEADER = 'X-Firebreak-Signature';
export const TIMESTAMP_HEADER = 'X-Firebreak-Timestamp';
export const DELIVERY_HEADER = 'X-Firebreak-Delivery';
export const EVENT_HEADER = 'X-Firebreak-Event';
const REQUEST_TIMEOUT_MS = 15_000;

export function signBody(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What a receiver does (used by the tests' receiver; exported as the reference implementation). */
export function verifySignature(body: string | Uint8Array, header: string | null | undefined, secret: string): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(body, secret));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function createWebhookDeliverer(oncall: OncallConfig, now: () => Date = () => new Date(), fetchImpl: typeof fetch = fetch): Deliverer {
  return {
    prefix: 'webhook',
    async deliver(row) {
      const payload = row.payload as WebhookRowPayload;
      if (!payload || typeof payload.webhook !== 'number' || !payload.incident) throw new BadRequestError(`outbox row ${row.id} is not a webhook event`);
      const hook = oncall.webhooks[payload.webhook];
      if (!hook) throw new FirebreakError(`oncall.webhooks[${payload.webhook}] is not configured (any more)`, { code: 'config' });
      const sentAt = now();
      const body = JSON.stringify({ event: payload.event, tier: payload.tier, escalation: payload.escalation, sentAt: sentAt.toISOString(), incident: payload.incident });
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'Firebreak',
        [TIMESTAMP_HEADER]: String(Math.floor(sentAt.getTime() / 1000)),
        [DELIVERY_HEADER]: row.key,
        [EVENT_HEADER]: payload.event,
      };
      if (hook.secret) headers[SIGNATURE_HEADER] = signBody(body, hook.secret);
      let response: Response;
      try {
        response = await fetchImpl(hook.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      } catch (error) {
        throw new RetryableError(`oncall.webhooks[${payload.webhook}] unreachable (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name})`, {
          code: 'webhook_unreachable',
        });
      }
      await response.body?.cancel().catch(() => {});
      if (response.status === 408 || response.status === 429 || response.status >= 500) {
        throw new RetryableError(`oncall.webhooks[${payload.webhook}] answered ${response.status}`, {
          code: 'webhook_unavailable',
          retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
        });
      }
      if (!response.ok) {
        throw new FirebreakError(`oncall.webhooks[${payload.webhook}] refused the ${payload.event} (${response.status}): check its URL and secret`, {
          code: 'webhook_rejected',
          status: 502,
        });
      }
      return { event: payload.event, webhook: payload.webhook, status: response.status };
    },
  };
}
