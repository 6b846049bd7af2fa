import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/app/service.ts';
import { startTelegramStandin, type TelegramStandin } from '../support/telegram-standin.ts';
import { type CapturedLogger, startTestService, testClock, testConfig } from './telegram-harness.ts';

const SECRET = 'webhook-secret-0123456789';
const OPS_CHAT = '-1001234';
const RESPONDER = 4242;
const STRANGER = 777;

let standin: TelegramStandin;
let service: Service & { logger: CapturedLogger };
let nextUpdateId = 1;

function update(text: string, from = RESPONDER, chat: string | number = OPS_CHAT, updateId = nextUpdateId++) {
  return {
    update_id: updateId,
    message: { message_id: 500 + updateId, date: 1, text, chat: { id: Number(chat), type: 'supergroup' }, from: { id: from, is_bot: false, first_name: 'X', username: from === RESPONDER ? 'alice' : undefined } },
  };
}

function post(body: unknown, secret: string | null = SECRET) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secret !== null) headers['X-Telegram-Bot-Api-Secret-Token'] = secret;
  return service.app.request('/webhooks/telegram', { method: 'POST', headers, body: JSON.stringify(body) });
}

beforeAll(async () => {
  standin = await startTelegramStandin();
  const config = testConfig((raw) => {
    raw.telegram = { token: standin.token, apiRoot: standin.apiRoot, chats: { ops: OPS_CHAT }, webhookSecret: SECRET, allowedUserIds: [RESPONDER] };
  });
  service = await startTestService(config, testClock());
});

afterAll(async () => {
  await service?.stop();
  await standin?.close();
});

describe('POST /webhooks/telegram', () => {
  it('refuses a missing secret with 401 and a wrong one with 403, without running anything', async () => {
    const before = standin.messages.length;
    expect((await post(update('/status'), null)).status).toBe(401);
    expect((await post(update('/status'), 'not-the-secret')).status).toBe(403);
    expect((await post(update('/status'), SECRET.slice(0, -1))).status).toBe(403);
    expect(standin.messages.length).toBe(before);
  });

  it('answers /status from the ops chat with the open incident, as a reply', async () => {
    const incident = await service.engine.declare({ title: 'Acme bridge transfers stuck', severity: 'S2', summary: 'x' }, 'test');
    const body = update('/status');
    const response = await post(body);
    expect(response.status).toBe(200);
    const reply = standin.messages.at(-1)!;
    expect(reply.chatId).toBe(OPS_CHAT);
    expect(reply.replyToMessageId).toBe(body.message.message_id);
    expect(reply.text).toContain(incident.id);
    expect(reply.text).toContain('Acme bridge transfers stuck');
    expect(reply.text).toContain('S2');
  });

  it('refuses /ack from a user who is not allowed: nothing changes', async () => {
    const [incident] = await service.engine.list({ status: 'open' });
    const timelineBefore = (await service.engine.get(incident!.id))!.timeline.length;
    const response = await post(update('/ack', STRANGER));
    expect(response.status).toBe(200);
    expect(standin.messages.at(-1)!.text).toMatch(/not allowed/);
    const after = (await service.engine.get(incident!.id))!;
    expect(after.acknowledgedAt).toBeNull();
    // nothing changed; the refused attempt itself is recorded
    expect(after.timeline.length).toBe(timelineBefore + 1);
    expect(after.timeline.at(-1)).toMatchObject({ kind: 'command' });
    expect(after.timeline.at(-1)!.text).toMatch(/Refused \/ack/);
  });

  it('runs /ack, /note and /update for an allowed user, recorded on the timeline with the chat actor', async () => {
    const [incident] = await service.engine.list({ status: 'open' });
    expect((await post(update('/ack'))).status).toBe(200);
    expect((await post(update('/note@FirebreakBot relayer restarted by hand'))).status).toBe(200);
    expect((await post(update(`/update ${incident!.id} identified: relayer key rotated, backlog draining`))).status).toBe(200);
    const after = (await service.engine.get(incident!.id))!;
    expect(after.acknowledgedBy).toBe('telegram:alice');
    expect(after.status).toBe('identified');
    const mine = after.timeline.filter((e) => e.actor === 'telegram:alice').map((e) => `${e.kind}:${e.text}`);
    expect(mine).toEqual(
      expect.arrayContaining([expect.stringMatching(/^acknowledged:/), 'note:relayer restarted by hand', 'update:relayer key rotated, backlog draining']),
    );
  });

  it('processes an update id once, however often Telegram delivers it', async () => {
    const [incident] = await service.engine.list({ status: 'open' });
    const body = update('/note said once');
    const replies = standin.messages.length;
    for (let i = 0; i < 3; i++) expect((await post(body)).status).toBe(200);
    const notes = (await service.engine.get(incident!.id))!.timeline.filter((e) => e.text === 'said once');
    expect(notes).toHaveLength(1);
    expect(standin.messages.length).toBe(replies + 1);
  });

  it('asks which incident when several are open, and acts on the one named', async () => {
    const second = await service.engine.declare({ title: 'Second incident', severity: 'S3' }, 'test');
    await post(update('/resolve'));
    expect(standin.messages.at(-1)!.text).toMatch(/2 incidents are open/);
    expect((await service.engine.get(second.id))!.status).not.toBe('resolved');
    await post(update(`/resolve ${second.id} false alarm`));
    const resolved = (await service.engine.get(second.id))!;
    expect(resolved.status).toBe('resolved');
    expect(resolved.timeline.at(-1)).toMatchObject({ kind: 'resolved', actor: 'telegram:alice', text: 'Resolved: false alarm' });
  });

  it('refuses commands from chats that are not configured, and rejects malformed bodies', async () => {
    await post(update('/status', STRANGER, '-999'));
    expect(standin.messages.at(-1)!.text).toMatch(/not configured/);
    const bad = await service.app.request('/webhooks/telegram', {
      method: 'POST',
      headers: { 'X-Telegram-Bot-Api-Secret-Token': SECRET, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
  });

  it('never logs the bot token or the webhook secret', () => {
    const logs = service.logger.lines.join('\n');
    expect(logs).not.toContain(standin.token);
    expect(logs).not.toContain(SECRET);
  });
});
