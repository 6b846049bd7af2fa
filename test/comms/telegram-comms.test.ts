/**
 * Telegram and paging inside the whole comms integration (src/comms/integration.ts): the comms sink
 * renders the templates, this module delivers them to the Bot API stand-in and pages PagerDuty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../../src/app/service.ts';
import { createCommsIntegration } from '../../src/comms/integration.ts';
import { listOutbox } from '../../src/store/outbox.ts';
import { startPagerDutyStandin, type PagerDutyStandin } from '../support/pagerduty-standin.ts';
import { startTelegramStandin, type TelegramStandin } from '../support/telegram-standin.ts';
import { capturingLogger, testClock, testConfig, waitFor } from './telegram-harness.ts';

const OPS = '-100111';
const COMMUNITY = '@acme_status';
const SECRET = 'comms-webhook-secret-xyz';
const PD_KEY = 'R0UT1NGKEYCOMMS0000000000000004';

let telegram: TelegramStandin;
let pagerduty: PagerDutyStandin;
let service: Service;
const logger = capturingLogger();

beforeAll(async () => {
  telegram = await startTelegramStandin();
  pagerduty = await startPagerDutyStandin();
  const config = testConfig((raw) => {
    raw.telegram = { token: telegram.token, apiRoot: telegram.apiRoot, chats: { ops: OPS, community: COMMUNITY }, webhookSecret: SECRET, allowedUserIds: [1] };
    raw.oncall = { pagerduty: { eventsUrl: pagerduty.eventsUrl }, tiers: [{ name: 'primary', telegram: '@alice', pagerduty: PD_KEY }] };
  });
  service = await startService({ config, logger, listen: false, now: testClock().now, tickMs: 3_600_000, integrations: [createCommsIntegration] });
});

afterAll(async () => {
  await service?.stop();
  await telegram?.close();
  await pagerduty?.close();
});

describe('Telegram and paging in the comms integration', () => {
  it('a declared S1 incident reaches the Telegram chats (MarkdownV2, once each) and pages PagerDuty', async () => {
    const incident = await service.engine.declare({ title: 'Acme bridge: transfers stuck', severity: 'S1', summary: 'Deposits are not finalized' }, 'test');
    const rows = await waitFor('every telegram row sent', async () => {
      // audiences without a chat (dev, comms) are kept as `skipped`
      const all = (await listOutbox(service.store.db, { incidentId: incident.id, channelPrefix: 'telegram:' })).filter((r) => r.status !== 'skipped');
      return all.length > 0 && all.every((r) => r.status === 'sent') ? all : null;
    });
    await waitFor('the PagerDuty trigger', () => pagerduty.events.find((e) => e.dedup_key === incident.id));
    const delivered = telegram.messages.filter((m) => m.parseMode === 'MarkdownV2');
    expect(delivered).toHaveLength(rows.length);
    expect(new Set(delivered.map((m) => m.chatId))).toEqual(new Set([OPS, COMMUNITY]));
    for (const row of rows) {
      const payload = row.payload as { chatId: string; text: string };
      const message = delivered.find((m) => m.messageId === (row.result as { messageId: number }).messageId)!;
      expect(message.text).toBe(payload.text);
      expect(message.chatId).toBe(payload.chatId);
    }
    // sent messages are on the timeline
    await waitFor('timeline entries for the telegram messages', async () => {
      const timeline = (await service.engine.get(incident.id))!.timeline;
      return timeline.filter((e) => e.kind === 'message' && String(e.data?.channel ?? '').startsWith('telegram:')).length === rows.length;
    });
  });

  it('the /webhooks/telegram route is mounted by the comms integration', async () => {
    const response = await service.app.request('/webhooks/telegram', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
      body: JSON.stringify({ update_id: 1, message: { message_id: 9, date: 1, text: '/status', chat: { id: Number(OPS), type: 'supergroup' }, from: { id: 5, is_bot: false, first_name: 'Y' } } }),
    });
    expect(response.status).toBe(200);
    expect(telegram.messages.at(-1)).toMatchObject({ chatId: OPS, replyToMessageId: 9 });
    expect(telegram.messages.at(-1)!.text).toMatch(/INC-\d+ · S1/);
    const logs = logger.lines.join('\n');
    for (const secret of [telegram.token, SECRET, PD_KEY]) expect(logs).not.toContain(secret);
  });
});
