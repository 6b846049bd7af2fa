/**
 * Telegram MarkdownV2 checked by TDLib's own parser (test/support/tdlib.ts, what the Bot API runs
 * for parse_mode): every template rendered with hostile notes parses and fits 4,096 characters; a
 * cut never lands inside an entity or an escape; text Telegram still refuses is sent as plain text
 * and says so on the timeline — never lost.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../../src/app/service.ts';
import { sampleIncident } from '../../src/comms/check.ts';
import { createCommsIntegration } from '../../src/comms/integration.ts';
import { plainTextOfMarkdownV2, truncateMarkdownV2 } from '../../src/comms/markdown-v2.ts';
import { TELEGRAM_LIMIT, telegramMessage } from '../../src/comms/messages.ts';
import { escapeTelegram } from '../../src/comms/render.ts';
import { templatesFor } from '../../src/comms/templates.ts';
import { incidentVars } from '../../src/comms/vars.ts';
import { enqueue, listOutbox } from '../../src/store/outbox.ts';
import { startTelegramStandin, type TelegramStandin } from '../support/telegram-standin.ts';
import { parseMarkdownV2 } from '../support/tdlib.ts';
import { capturingLogger, testClock, testConfig, waitFor } from './telegram-harness.ts';

const SPECIALS = '_*[]()~`>#+-=|{}.!\\';
/** incident notes written by someone in a hurry, or by an attacker */
export const HOSTILE_NOTES = [
  `every special: ${SPECIALS} and again ${SPECIALS}`,
  '*unbalanced bold _half italic __under ~strike ||spoiler `code [link](http://x',
  '<script>alert("owned")</script> <b>bold</b> &amp; <@&123> <#456>',
  '@everyone @here look at this',
  'emoji 🚨🔥🌉 flags 🇺🇦 family 👨‍👩‍👧 and a lone surrogate-pair edge 😀',
  `a 5,000-character line: ${'Ω🚨*_'.repeat(1_250)}`,
];

function expectParses(text: string, label: string): string {
  const parsed = parseMarkdownV2(text);
  expect(parsed, `${label}: ${parsed.ok ? '' : parsed.message}`).toMatchObject({ ok: true });
  const visible = (parsed as { text: string }).text;
  expect(visible.length, `${label}: length after parsing`).toBeLessThanOrEqual(TELEGRAM_LIMIT);
  return visible;
}

describe('truncateMarkdownV2 (TDLib as the oracle)', () => {
  it('the seed failure: a *bold* label across the 4,096 boundary', () => {
    const filler = escapeTelegram('Stuck transfer 0xabc… of $1,150.00 (USDC). ').repeat(100);
    for (let shift = 0; shift < 24; shift++) {
      const text = `${filler.slice(0, TELEGRAM_LIMIT - 10 - shift).replace(/\\$/, '')}\n*Status:* investigating\n*Next update:* 01:30 UTC`;
      expect(parseMarkdownV2(text).ok).toBe(true);
      const cut = truncateMarkdownV2(text, TELEGRAM_LIMIT);
      expect(cut.length).toBeLessThanOrEqual(TELEGRAM_LIMIT);
      expectParses(cut, `shift ${shift}`);
    }
  });

  it('never cuts inside bold, italic, code, a link, an escape or a surrogate pair', () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 30 }).map(escapeTelegram),
      fc.constantFrom('🚨', '🇺🇦', 'Ω', '👨‍👩‍👧').map((s) => s.repeat(3)),
      fc.string({ minLength: 1, maxLength: 20 }).map((s) => `*${escapeTelegram(s)}*`),
      fc.string({ minLength: 1, maxLength: 20 }).map((s) => `_${escapeTelegram(s)}_`),
      fc.string({ minLength: 1, maxLength: 20 }).map((s) => `*bold _${escapeTelegram(s)}_ more*`),
      fc.string({ minLength: 1, maxLength: 20 }).map((s) => `\`${s.replace(/[`\\]/g, (c) => `\\${c}`)}\``),
      fc.string({ minLength: 1, maxLength: 20 }).map((s) => `[${escapeTelegram(s)}](https://status.example.org/a\\)b)`),
    );
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 400 }), (segments, max) => {
        const text = segments.join(' ');
        const full = parseMarkdownV2(text);
        if (!full.ok) return; // the generator made something Telegram would refuse too (e.g. `___`): not a truncation case
        const cut = truncateMarkdownV2(text, max);
        expect(cut.length).toBeLessThanOrEqual(max);
        const parsed = parseMarkdownV2(cut);
        expect(parsed.ok, `${JSON.stringify(cut)}: ${parsed.ok ? '' : parsed.message}`).toBe(true);
        if (cut === text) return;
        // what is left is the beginning of what the reader would have seen, then `…`
        const visible = (parsed as { text: string }).text;
        expect(visible.endsWith('…')).toBe(true);
        expect(full.text.startsWith(visible.slice(0, -1))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('the plain text of MarkdownV2 is what TDLib shows', () => {
    for (const note of HOSTILE_NOTES) {
      const text = `*${escapeTelegram('Update')}* ${escapeTelegram(note)} _${escapeTelegram('end')}_`;
      const parsed = parseMarkdownV2(text);
      expect(parsed.ok).toBe(true);
      expect(plainTextOfMarkdownV2(text)).toBe((parsed as { text: string }).text);
    }
  });
});

describe('every Telegram template with hostile notes', () => {
  it('parses in TDLib and fits the limit, for every note in every variable', () => {
    const config = testConfig();
    const templates = templatesFor(config);
    const files = Object.keys(templates).filter((f) => /^[a-z_]+\.[a-z]+\.md$/.test(f));
    expect(files.length).toBeGreaterThan(10);
    const now = new Date('2026-11-24T10:00:00Z');
    for (const note of HOSTILE_NOTES) {
      const incident = { ...sampleIncident(config, now), title: note.slice(0, 300), summary: note };
      const vars = incidentVars(config, incident, now, { type: 'notify', kind: 'update', dedup: 'x', message: note, actor: note.slice(0, 40), previousSeverity: 'S2', vars: { text: note, public: note, tier: 'primary' } }, { paged: '@alice' });
      for (const file of files) {
        const { payload } = telegramMessage(templates, file, vars, '-100');
        const visible = expectParses(payload.text, `${file} with ${note.slice(0, 30)}`);
        // outside text never notifies anyone
        expect(visible).not.toMatch(/@everyone|@here/);
      }
    }
  });
});

describe('Telegram delivery with hostile notes, through the comms integration', () => {
  let telegram: TelegramStandin;
  let service: Service;
  const clock = testClock();
  beforeAll(async () => {
    telegram = await startTelegramStandin();
    const config = testConfig((raw) => {
      raw.telegram = { token: telegram.token, apiRoot: telegram.apiRoot, chats: { ops: '-100111', community: '@acme_status' }, webhookSecret: 'secret-secret-1', allowedUserIds: [1] };
    });
    service = await startService({ config, logger: capturingLogger(), listen: false, now: clock.now, tickMs: 3_600_000, integrations: [createCommsIntegration] });
  });
  afterAll(async () => {
    await service?.stop();
    await telegram?.close();
  });

  it('every message arrives (the stand-in parses with TDLib) and is on the timeline', async () => {
    const incident = await service.engine.declare({ title: HOSTILE_NOTES[1]!, severity: 'S1', summary: HOSTILE_NOTES[0]! }, 'test');
    for (const note of HOSTILE_NOTES) await service.engine.postUpdate(incident.id, { status: 'identified', message: note }, 'test');
    const rows = await waitFor('every telegram row settled', async () => {
      const all = (await listOutbox(service.store.db, { incidentId: incident.id, channelPrefix: 'telegram:' })).filter((r) => r.status !== 'skipped');
      return all.length > 0 && all.every((r) => r.status === 'sent' || r.status === 'failed') ? all : null;
    });
    expect(rows.filter((r) => r.status === 'failed').map((r) => r.lastError)).toEqual([]);
    expect(rows.filter((r) => (r.result as { plainText?: boolean }).plainText)).toEqual([]);
    expect(telegram.requests.filter((r) => r.status === 400)).toEqual([]);
    for (const message of telegram.messages) expectParses(message.text, 'delivered');
    // every message is on the timeline (the live card: its first post, not each edit)
    const posted = rows.filter((r) => !(r.result as { edited?: boolean }).edited).map((r) => r.id);
    await waitFor('a timeline entry per message', async () => {
      const recorded = new Set((await service.engine.get(incident.id))!.timeline.map((e) => e.data?.outbox));
      return posted.every((id) => recorded.has(id));
    });
  });

  it('MarkdownV2 Telegram still refuses is sent again as plain text, and the timeline says so', async () => {
    const incident = await service.engine.declare({ title: 'Plain fallback', severity: 'S3', summary: 'x' }, 'test');
    const broken = '*Status* unbalanced *bold and a dot.';
    expect(parseMarkdownV2(broken).ok).toBe(false);
    await enqueue(service.store.db, [{ key: `${incident.id}:broken`, incidentId: incident.id, channel: 'telegram:ops', kind: 'update', payload: { chatId: '-100111', text: broken, parseMode: 'MarkdownV2' } }], clock.now());
    service.delivery.kick();
    const row = await waitFor('the broken row sent', async () => (await listOutbox(service.store.db, { incidentId: incident.id })).find((r) => r.key === `${incident.id}:broken` && r.status !== 'pending' && r.status !== 'sending'));
    expect(row.status).toBe('sent');
    expect(row.result).toMatchObject({ plainText: true, parseError: expect.stringMatching(/^Bad Request: can't parse entities: /) });
    const delivered = telegram.messages.find((m) => m.messageId === (row.result as { messageId: number }).messageId)!;
    expect(delivered.parseMode).toBeUndefined();
    expect(delivered.text).toBe('Status unbalanced bold and a dot.');
    expect(telegram.requests.some((r) => r.status === 400)).toBe(true);
    const entry = await waitFor('the fallback on the timeline', async () =>
      (await service.engine.get(incident.id))!.timeline.find((e) => e.kind === 'message' && /as plain text/.test(e.text)),
    );
    expect(entry.text).toMatch(/telegram:ops as plain text: Telegram could not parse its formatting/);
  });
});
