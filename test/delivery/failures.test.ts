/**
 * Nothing lost silently: a message that fails for good — whatever the channel — is on its
 * incident's timeline and stands out on the dashboard. Each channel's refusal comes from its
 * loopback stand-in answering like the real service (Discord 401, Telegram 400 "chat not found",
 * PagerDuty 400 "Event object is invalid", a webhook 410); a channel whose module records nothing
 * itself (a new one) is caught by the service's safety net. And a lone surrogate from outside text
 * (an alert's "\ud83d") no longer makes the outbox insert fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../../src/app/service.ts';
import { createCommsIntegration } from '../../src/comms/integration.ts';
import { FirebreakError } from '../../src/core/errors.ts';
import { startDiscordStandin, type DiscordStandin } from '../../src/drill/standins/discord.ts';
import { enqueue, listOutbox } from '../../src/store/outbox.ts';
import { capturingLogger, testClock, testConfig, waitFor } from '../comms/telegram-harness.ts';
import { startPagerDutyStandin, type PagerDutyStandin } from '../support/pagerduty-standin.ts';
import { startTelegramStandin, type TelegramStandin } from '../support/telegram-standin.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-standin.ts';

const PD_KEY = 'R0UT1NGKEYFAILURES000000000001';
let discord: DiscordStandin;
let telegram: TelegramStandin;
let pagerduty: PagerDutyStandin;
let hook: WebhookReceiver;
let service: Service;
const clock = testClock();

beforeAll(async () => {
  [discord, telegram, pagerduty, hook] = await Promise.all([startDiscordStandin(), startTelegramStandin(), startPagerDutyStandin(), startWebhookReceiver('hook-secret-1')]);
  const config = testConfig((raw) => {
    // a revoked bot token: Discord answers 401 to every post
    raw.discord = { token: 'revoked-token', applicationId: '555', channels: { ops: '1' }, api: discord.api };
    raw.telegram = { token: telegram.token, apiRoot: telegram.apiRoot, chats: { ops: '-100111' }, webhookSecret: 'secret-secret-1', allowedUserIds: [1] };
    raw.oncall = { pagerduty: { eventsUrl: pagerduty.eventsUrl }, webhooks: [{ url: hook.url, secret: 'hook-secret-1' }], tiers: [{ name: 'primary', pagerduty: PD_KEY }] };
  });
  // a channel whose module records nothing itself: the service's safety net must
  const forum = { prefix: 'forum', deliver: async () => Promise.reject(new FirebreakError('forum answered 403: invalid api key', { code: 'forum_rejected' })) };
  service = await startService({
    config,
    logger: capturingLogger(),
    listen: false,
    now: clock.now,
    tickMs: 3_600_000,
    integrations: [createCommsIntegration],
    deliverers: [forum],
    dashboardToken: 'dash-token',
  });
});

afterAll(async () => {
  await service?.stop();
  await Promise.all([discord?.close(), telegram?.close(), pagerduty?.close(), hook?.close()]);
});

describe('permanent delivery failures', () => {
  it('Discord, Telegram, PagerDuty, webhook and an unknown channel: each failed row is on the timeline and on the dashboard', async () => {
    telegram.failNext({ status: 400, description: 'Bad Request: chat not found' });
    pagerduty.failNext(400);
    hook.failNext(410);
    const incident = await service.engine.declare({ title: 'Acme bridge: transfers stuck 🚨', severity: 'S1', summary: 'x' }, 'test');
    await enqueue(service.store.db, [{ key: `${incident.id}:forum`, incidentId: incident.id, channel: 'forum:postmortem', kind: 'postmortem', payload: { title: 'p' } }], clock.now());
    service.delivery.kick();

    const failed = await waitFor('a failed row on every channel', async () => {
      const rows = (await listOutbox(service.store.db, { incidentId: incident.id })).filter((r) => r.status === 'failed');
      const prefixes = new Set(rows.map((r) => r.channel.split(':')[0]));
      return ['discord', 'telegram', 'pagerduty', 'webhook', 'forum'].every((p) => prefixes.has(p)) ? rows : null;
    }, 60_000);
    const timeline = await waitFor('every failure on the timeline', async () => {
      const entries = (await service.engine.get(incident.id))!.timeline;
      const recorded = new Set(entries.filter((e) => e.data?.outcome === 'failed').map((e) => e.data?.outbox));
      return failed.every((r) => recorded.has(r.id)) ? entries : null;
    });
    const text = (prefix: string) => timeline.find((e) => e.data?.outcome === 'failed' && String(e.data?.channel).startsWith(prefix))?.text ?? '';
    expect(text('discord:')).toMatch(/failed: .*401/);
    expect(text('telegram:')).toMatch(/failed: .*chat not found/);
    expect(text('pagerduty:')).toMatch(/Failed to send .*400/);
    expect(text('webhook:')).toMatch(/Failed to send .*410/);
    expect(text('forum:')).toBe('Delivery to forum:postmortem (postmortem) failed and will not be retried: forum answered 403: invalid api key');
    // each failure is recorded once
    for (const row of failed) expect(timeline.filter((e) => e.data?.outbox === row.id && e.data?.outcome === 'failed')).toHaveLength(1);

    const page = await (await service.app.request('/')).text();
    expect(page).toContain('class="bad delivery-failures"');
    expect(page).toMatch(new RegExp(`${failed.length} delivery failures`));
    expect(page).toContain('forum answered 403: invalid api key');
  });

  it('text with a lone surrogate or NUL from outside is stored (repaired), not lost with an insert error', async () => {
    const incident = await service.engine.declare({ title: `alert \ud83d from outside\u0000`, severity: 'S3', summary: 'broken \udc00 text' }, 'test');
    const rows = await waitFor('its messages planned', async () => {
      const all = await listOutbox(service.store.db, { incidentId: incident.id });
      return all.length > 0 ? all : null;
    });
    expect(JSON.stringify(rows.map((r) => r.payload))).toContain('alert \ufffd from outside');
    expect((await service.engine.get(incident.id))!.title).toBe('alert \ufffd from outside\ufffd');
  });
});
