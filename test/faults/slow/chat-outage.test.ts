/**
 * Fault injection, chat platforms down for minutes: Discord and Telegram (loopback stand-ins behind
 * a gate) answer 503 and then refuse connections for a quarter of an hour of service time while the
 * engine produces an incident's messages (declared, updates, a severity change, the live cards).
 * Nothing is lost or reordered: the rows wait in the outbox (each channel behind its head), and when
 * the platforms come back every message is delivered exactly once, in order, per channel.
 *
 * The service runs on a clock the test moves, so the delivery worker's backoff (up to 5 minutes)
 * passes in seconds of test time; "processed" is the outbox having no due row left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../../src/app/service.ts';
import type { Config } from '../../../src/config/types.ts';
import { createCommsIntegration } from '../../../src/comms/integration.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { dueHeads, listOutbox, type OutboxRow } from '../../../src/store/outbox.ts';
import { testClock, type TestClock, testConfig } from '../../comms/telegram-harness.ts';
import { type DiscordStandin, startDiscordStandin } from '../../../src/drill/standins/discord.ts';
import { held, type OutageGate, startOutageGate } from '../../support/faults.ts';
import { startTelegramStandin, type TelegramStandin } from '../../support/telegram-standin.ts';
import { until } from '../../support/wait.ts';

const DISCORD_CHANNELS = { ops: '101', dev: '102', comms: '103', community: '104' };
const TELEGRAM_CHATS = { ops: '-100111', dev: '-100222', comms: '-100333', community: '@acme_status' };
const CHAT = ['discord:', 'telegram:'];
const MINUTE = 60_000;

describe('fault: Discord and Telegram down for minutes', () => {
  let discord: DiscordStandin;
  let telegram: TelegramStandin;
  let discordGate: OutageGate;
  let telegramGate: OutageGate;
  let service: Service;
  let clock: TestClock;
  let config: Config;
  // a store on disk: the second test restarts the service in the middle of the outage
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-chat-outage-'));
  const start = () => startService({ config, logger: silentLogger, listen: false, now: clock.now, tickMs: 3_600_000, integrations: [createCommsIntegration] });

  beforeAll(async () => {
    [discord, telegram] = await Promise.all([startDiscordStandin(), startTelegramStandin()]);
    [discordGate, telegramGate] = await Promise.all([startOutageGate(discord.api), startOutageGate(telegram.apiRoot)]);
    config = testConfig((raw) => {
      raw.storage = { url: `pglite://${dir}/db` };
      raw.discord = { token: discord.token, applicationId: '555', channels: DISCORD_CHANNELS, api: `${discordGate.url}/api` };
      raw.telegram = { token: telegram.token, apiRoot: telegramGate.url, chats: TELEGRAM_CHATS };
    });
    clock = testClock();
    service = await start();
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await Promise.all([discordGate?.close(), telegramGate?.close()]);
    await Promise.all([discord?.close(), telegram?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function chatRows(): Promise<OutboxRow[]> {
    return (await listOutbox(service.store.db, { limit: 1000 })).filter((r) => CHAT.some((p) => r.channel.startsWith(p)) && r.status !== 'skipped');
  }

  /** the worker has tried every row that is due at the current (test) time */
  async function processed(): Promise<void> {
    await until('the outbox worked through its due rows', async () => {
      const due = await dueHeads(service.store.db, clock.now(), 50, CHAT);
      const sending = (await chatRows()).some((r) => r.status === 'sending');
      return due.length === 0 && !sending;
    });
  }

  /** move the service's clock in steps, letting the worker retry at each */
  async function pass(ms: number, step = 30_000): Promise<void> {
    for (let left = ms; left > 0; left -= step) {
      clock.advance(Math.min(step, left));
      service.delivery.kick();
      await processed();
    }
  }

  it('messages made during a 15-minute outage are delivered afterwards, exactly once and in order per channel', async () => {
    await discordGate.set('5xx');
    await telegramGate.set('5xx');

    // the incident's messages, made while both platforms answer 503
    const incident = await service.engine.declare({ title: 'Acme bridge: transfers stuck', severity: 'S2', summary: 'Deposits are not finalized' }, 'test');
    await processed();
    await pass(2 * MINUTE);
    await service.engine.postUpdate(incident.id, { message: 'Relayer is out of gas; refilling', status: 'identified' }, 'test');
    await pass(3 * MINUTE);
    await service.engine.setSeverity(incident.id, 'S1', 'test', '$40,000 locked');

    // …then refuse connections altogether
    await discordGate.set('refused');
    await telegramGate.set('refused');
    await pass(4 * MINUTE);
    await service.engine.postUpdate(incident.id, { message: 'Relayer refilled; transfers are being finalized', status: 'monitoring' }, 'test');
    await pass(6 * MINUTE);

    // 15 minutes down: nothing arrived, nothing was given up, each channel waits behind its head
    expect(discord.messages).toHaveLength(0);
    expect(telegram.messages).toHaveLength(0);
    const waiting = await chatRows();
    expect(waiting.every((r) => r.status === 'pending')).toBe(true);
    const channels = [...new Set(waiting.map((r) => r.channel))];
    expect(channels.some((c) => c.startsWith('discord:'))).toBe(true);
    expect(channels.some((c) => c.startsWith('telegram:'))).toBe(true);
    expect(channels).toEqual(expect.arrayContaining(['discord:ops', 'discord:community', 'telegram:ops', 'telegram:community']));
    for (const channel of channels) {
      const rows = waiting.filter((r) => r.channel === channel).sort((a, b) => a.id - b.id);
      // the head was retried many times (with growing backoff); the rows behind it were never tried out of turn
      expect(rows[0]!.attempts, channel).toBeGreaterThanOrEqual(4);
      for (const later of rows.slice(1)) expect(later.attempts, `${channel} row ${later.id}`).toBe(0);
    }
    expect(discordGate.failed + telegramGate.failed).toBeGreaterThan(0);
    const kinds = new Set(waiting.map((r) => r.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(3);

    // the platforms come back, rate-limiting the first requests (2 min); the longest backoff (5 min + jitter) passes
    discord.failNext({ status: 429, retryAfterSeconds: 120 }, { status: 503 });
    telegram.failNext({ status: 429, retryAfter: 120 }, { status: 500 });
    await discordGate.set('up');
    await telegramGate.set('up');
    await until(
      'every chat message sent',
      async () => {
        await pass(MINUTE);
        const rows = await chatRows();
        return rows.every((r) => r.status === 'sent') ? rows : undefined;
      },
      120_000,
    );

    expect(discord.requests.some((r) => r.status === 429)).toBe(true);
    expect(telegram.requests.some((r) => r.status === 429)).toBe(true);
    const rows = (await chatRows()).sort((a, b) => a.id - b.id);
    // rows planned after the platforms came back: only live cards (re-rendered when the war room
    // thread was recorded on the incident, to link it)
    const later = rows.filter((r) => !waiting.some((w) => w.id === r.id));
    expect(later.filter((r) => r.kind !== 'live').map((r) => `${r.channel} ${r.kind}`)).toEqual([]);
    expect(rows.length - later.length).toBe(waiting.length);
    for (const channel of channels) {
      const inOrder = rows.filter((r) => r.channel === channel);
      // posts (not edits of a live card), in outbox order, are exactly the platform's messages in that chat
      const posted = inOrder.filter((r) => !(r.result as { edited?: boolean }).edited).map((r) => String((r.result as { messageId: string | number }).messageId));
      const audience = channel.split(':')[1] as keyof typeof DISCORD_CHANNELS;
      const arrived = channel.startsWith('discord:')
        ? discord.inChannel(DISCORD_CHANNELS[audience]).map((m) => m.id)
        : telegram.messages.filter((m) => m.chatId === TELEGRAM_CHATS[audience]).map((m) => String(m.messageId));
      expect(arrived, channel).toEqual(posted);
      expect(new Set(arrived).size, channel).toBe(arrived.length);
    }
    // the live card of each Discord channel is one message, edited with every change
    for (const id of Object.values(DISCORD_CHANNELS)) {
      expect(discord.inChannel(id).filter((m) => m.embeds[0]?.title?.startsWith('🔴 LIVE')).length, id).toBeLessThanOrEqual(1);
    }
    const nonces = discord.messages.map((m) => m.nonce);
    expect(new Set(nonces).size).toBe(nonces.length);
    // what the platforms show last is the last state: monitoring, S1
    // (the war room could not open during the outage, so ops got the updates in full, not pointers)
    const opsLast = discord.inChannel(DISCORD_CHANNELS.ops).filter((m) => !m.embeds[0]?.title?.startsWith('🔴 LIVE')).at(-1)!;
    expect(JSON.stringify(opsLast.embeds)).toContain('Relayer refilled');

    held(
      `Discord and Telegram down 15 min of service time (503, then connection refused, then 429 + retry-after on the way back) during declare, 2 updates and S2→S1; ${rows.length} messages queued on ${channels.length} channels`,
      'nothing sent or dropped during the outage, heads retried with backoff, later rows waited; afterwards every message delivered exactly once, in outbox order per channel',
    );
  }, 300_000);
  it('an outage that outlasts a restart of the service: the queued messages survive it and go out once, in order', async () => {
    const before = new Map<string, number>();
    const arrivedIn = (channel: string) => {
      const audience = channel.split(':')[1] as keyof typeof DISCORD_CHANNELS;
      return channel.startsWith('discord:')
        ? discord.inChannel(DISCORD_CHANNELS[audience]).map((m) => m.id)
        : telegram.messages.filter((m) => m.chatId === TELEGRAM_CHATS[audience]).map((m) => String(m.messageId));
    };
    for (const channel of Object.keys(DISCORD_CHANNELS).flatMap((a) => [`discord:${a}`, `telegram:${a}`])) before.set(channel, arrivedIn(channel).length);
    const lastRowBefore = Math.max(0, ...(await chatRows()).map((r) => r.id));

    await discordGate.set('refused');
    await telegramGate.set('refused');
    const incident = await service.engine.declare({ title: 'Acme bridge: relayer down', severity: 'S2', summary: 'Relayer stopped' }, 'test');
    await pass(3 * MINUTE);
    await service.engine.postUpdate(incident.id, { message: 'Restarting the relayer', status: 'identified' }, 'test');
    await pass(2 * MINUTE);
    const queued = (await chatRows()).filter((r) => r.id > lastRowBefore);
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.every((r) => r.status === 'pending')).toBe(true);

    // the service stops and starts again on the same store, the platforms still unreachable
    await service.stop();
    service = await start();
    await pass(4 * MINUTE);
    const stillQueued = (await chatRows()).filter((r) => r.id > lastRowBefore);
    expect(stillQueued.map((r) => r.id)).toEqual(queued.map((r) => r.id));
    expect(stillQueued.every((r) => r.status === 'pending')).toBe(true);
    for (const [channel, count] of before) expect(arrivedIn(channel).length, channel).toBe(count);

    await discordGate.set('up');
    await telegramGate.set('up');
    const rows = await until(
      'every queued message sent after the restart',
      async () => {
        await pass(MINUTE);
        const mine = (await chatRows()).filter((r) => r.id > lastRowBefore);
        return mine.every((r) => r.status === 'sent') ? mine.sort((a, b) => a.id - b.id) : undefined;
      },
      120_000,
    );
    const channels = [...new Set(rows.map((r) => r.channel))];
    for (const channel of channels) {
      const posted = rows.filter((r) => r.channel === channel && !(r.result as { edited?: boolean }).edited).map((r) => String((r.result as { messageId: string | number }).messageId));
      expect(arrivedIn(channel).slice(before.get(channel) ?? 0), channel).toEqual(posted);
    }
    held(
      `Discord and Telegram unreachable for 9 min of service time across a restart of the service (${rows.length} messages on ${channels.length} channels)`,
      'the queued rows survived the restart unchanged; afterwards each message delivered exactly once, in order per channel',
    );
  }, 300_000);
});
