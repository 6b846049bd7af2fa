import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/app/service.ts';
import { createPagerDutyDeliverer } from '../../src/comms/paging/pagerduty.ts';
import { FirebreakError, RetryableError } from '../../src/core/errors.ts';
import type { Incident } from '../../src/core/types.ts';
import { listOutbox, type OutboxRow } from '../../src/store/outbox.ts';
import { startPagerDutyStandin, type PagerDutyStandin } from '../support/pagerduty-standin.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-standin.ts';
import { type CapturedLogger, startTestService, testClock, testConfig, type TestClock, waitFor } from './telegram-harness.ts';
import { silentLogger } from '../../src/core/log.ts';

const PD_PRIMARY = 'R0UT1NGKEYPRIMARY00000000000001';
const PD_SECONDARY = 'R0UT1NGKEYSECONDARY000000000002';
const HOOK_SECRET = 'hook-secret-do-not-leak-42';

let pagerduty: PagerDutyStandin;
let receiver: WebhookReceiver;
let clock: TestClock;
let service: Service & { logger: CapturedLogger };
let incident: Incident;

beforeAll(async () => {
  pagerduty = await startPagerDutyStandin();
  receiver = await startWebhookReceiver(HOOK_SECRET);
  clock = testClock();
  const config = testConfig((raw) => {
    raw.oncall = {
      pagerduty: { eventsUrl: pagerduty.eventsUrl },
      webhooks: [{ url: receiver.url, secret: HOOK_SECRET }],
      tiers: [
        { name: 'primary', pagerduty: PD_PRIMARY, ackTimeout: '15m' },
        { name: 'secondary', pagerduty: PD_SECONDARY, ackTimeout: '30m' },
        { name: 'leadership' },
      ],
    };
  });
  service = await startTestService(config, clock);
});

afterAll(async () => {
  await service?.stop();
  await pagerduty?.close();
  await receiver?.close();
});

const triggers = (key: string) => pagerduty.events.filter((e) => e.event_action === 'trigger' && e.routing_key === key);
const resolves = (key: string) => pagerduty.events.filter((e) => e.event_action === 'resolve' && e.routing_key === key);

describe('paging through the outbox', () => {
  it('an S1 incident triggers PagerDuty for the first tier (dedup_key = incident id) and a signed webhook', async () => {
    incident = await service.engine.declare({ title: 'Acme bridge: 37 transfers stuck', severity: 'S1', summary: '$40,000 locked' }, 'test');
    await waitFor('the PagerDuty trigger', () => triggers(PD_PRIMARY).length === 1);
    const [trigger] = triggers(PD_PRIMARY);
    expect(trigger).toMatchObject({
      event_action: 'trigger',
      dedup_key: incident.id,
      payload: { severity: 'critical', source: `firebreak:${incident.key}`, summary: `[S1] ${incident.id}: Acme bridge: 37 transfers stuck` },
    });
    expect(triggers(PD_SECONDARY)).toHaveLength(0);

    const hook = await waitFor('the webhook', () => receiver.received.find((r) => r.body.event === 'page'));
    expect(hook.verified).toBe(true);
    expect(hook.headers['x-firebreak-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(hook.body).toMatchObject({ event: 'page', tier: 'primary', escalation: false, incident: { id: incident.id, severity: 'S1' } });
    expect(hook.headers['x-firebreak-delivery']).toBe(`${incident.id}:page:0:webhook:0`);
    expect(Number(hook.headers['x-firebreak-timestamp'])).toBe(Math.floor(new Date(hook.body.sentAt).getTime() / 1000));
  });

  it('each page is on the timeline once delivered', async () => {
    const after = await waitFor('the timeline entries', async () => {
      const current = (await service.engine.get(incident.id))!;
      const sent = current.timeline.filter((e) => e.kind === 'message' && e.text.startsWith('Sent '));
      return sent.length >= 2 ? sent : null;
    });
    expect(after.map((e) => e.text)).toEqual(expect.arrayContaining(['Sent PagerDuty trigger for tier "primary"', 'Sent signed webhook #0 (page)']));
  });

  it('no acknowledgement in time escalates: the next tier is paged (429 and 500 on the way delay it, once)', async () => {
    pagerduty.failNext(429, 500);
    clock.advance(16 * 60_000);
    await service.engine.tick();
    await waitFor('the 429 and the 500', () => pagerduty.statuses.filter((s) => s === 429 || s === 500).length === 1);
    for (let i = 0; i < 2 && triggers(PD_SECONDARY).length === 0; i++) {
      // let the worker take its retries (base backoff 1 s, doubled): the clock moves, not the wall
      await waitFor('the retry to be scheduled', async () => (await pagingRows()).some((r) => r.channel === 'pagerduty:secondary' && r.status === 'pending' && r.attempts > i));
      clock.advance(5_000);
      service.delivery.kick();
      await waitFor('the next attempt', async () => (await pagingRows()).some((r) => r.channel === 'pagerduty:secondary' && (r.attempts > i + 1 || r.status === 'sent')));
    }
    await waitFor('the secondary trigger', () => triggers(PD_SECONDARY).length === 1);
    expect(pagerduty.statuses).toEqual(expect.arrayContaining([429, 500]));
    expect(triggers(PD_SECONDARY)[0]).toMatchObject({ dedup_key: incident.id, payload: { severity: 'critical' } });
    await waitFor('the escalation webhook', () => receiver.received.find((r) => r.body.event === 'page' && r.body.tier === 'secondary'));
    // exactly once each, despite the retries
    clock.advance(60_000);
    await service.delivery.drain();
    expect(triggers(PD_PRIMARY)).toHaveLength(1);
    expect(triggers(PD_SECONDARY)).toHaveLength(1);
    expect(receiver.received.filter((r) => r.body.event === 'page' && r.body.tier === 'secondary')[0]!.body.escalation).toBe(true);
  });

  it('resolving sends a PagerDuty resolve for every tier that was triggered, and a resolve webhook', async () => {
    await service.engine.resolve(incident.id, 'test', 'relayer fixed');
    await waitFor('the resolves', () => resolves(PD_PRIMARY).length === 1 && resolves(PD_SECONDARY).length === 1);
    expect(resolves(PD_PRIMARY)[0]).toEqual({ routing_key: PD_PRIMARY, event_action: 'resolve', dedup_key: incident.id });
    expect(resolves(PD_SECONDARY)[0]!.dedup_key).toBe(incident.id);
    const hook = await waitFor('the resolve webhook', () => receiver.received.find((r) => r.body.event === 'resolve'));
    expect(hook.verified).toBe(true);
    expect(hook.body.incident).toMatchObject({ id: incident.id, status: 'resolved' });
  });

  it('an S2 page maps to PagerDuty severity "error"; an S3 incident pages nobody', async () => {
    const s2 = await service.engine.declare({ title: 'S2 thing', severity: 'S2' }, 'test');
    await waitFor('the S2 trigger', () => pagerduty.events.find((e) => e.dedup_key === s2.id));
    expect(pagerduty.events.find((e) => e.dedup_key === s2.id)!.payload!.severity).toBe('error');
    const s3 = await service.engine.declare({ title: 'S3 thing', severity: 'S3' }, 'test');
    await service.delivery.drain();
    expect(pagerduty.events.find((e) => e.dedup_key === s3.id)).toBeUndefined();
    expect((await listOutbox(service.store.db, { incidentId: s3.id })).filter((r) => r.channel.startsWith('pagerduty:'))).toHaveLength(0);
  });

  it('secrets (routing keys, webhook secret and URL) are in no outbox row and no log line', async () => {
    const rows = JSON.stringify(await listOutbox(service.store.db));
    const logs = service.logger.lines.join('\n');
    expect(rows).toContain('pagerduty:primary'); // the rows are there…
    for (const secret of [PD_PRIMARY, PD_SECONDARY, HOOK_SECRET, 'url-secret-123', receiver.url]) {
      expect(rows).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    // …and the timeline carries no secret either
    expect(JSON.stringify(await service.engine.get(incident.id))).not.toContain(PD_PRIMARY);
  });

  it('PagerDuty answering 400 (invalid event) is a permanent failure; 429 is retryable', async () => {
    const oncall = { pagerduty: { eventsUrl: pagerduty.eventsUrl }, webhooks: [], tiers: [{ name: 'primary', pagerduty: PD_PRIMARY }] };
    const deliverer = createPagerDutyDeliverer(oncall);
    const row = (payload: unknown) => ({ id: 1, key: 'k', incidentId: 'INC-9', channel: 'pagerduty:primary', kind: 'page', payload, status: 'sending', attempts: 1, nextAttemptAt: new Date(), lastError: null, result: null, createdAt: new Date(), sentAt: null }) as OutboxRow;
    const ctx = { logger: silentLogger, progress: async () => {} };
    const bad = deliverer.deliver(row({ action: 'trigger', tier: 'primary', incidentId: 'INC-9', summary: '', source: 'x', severity: 'critical' }), ctx);
    await expect(bad).rejects.toThrow(/400.*summary/);
    await expect(bad).rejects.not.toBeInstanceOf(RetryableError);
    await expect(bad).rejects.toBeInstanceOf(FirebreakError);
    pagerduty.failNext(429);
    await expect(deliverer.deliver(row({ action: 'resolve', tier: 'primary', incidentId: 'INC-9' }), ctx)).rejects.toBeInstanceOf(RetryableError);
  });
});

async function pagingRows(): Promise<OutboxRow[]> {
  return listOutbox(service.store.db, { incidentId: incident.id });
}
