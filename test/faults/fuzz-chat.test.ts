/**
 * Fault injection, bad input from the chat platforms (fast-check): Discord interactions to
 * `POST /webhooks/discord` (random bodies signed correctly, garbled or missing signatures, stale
 * timestamps, random `/incident` option trees) and Telegram updates to `POST /webhooks/telegram`
 * (random update JSON with the right secret, random command texts, random chat and user ids).
 * Whatever arrives: never a 500, never a crash, a clear 4xx or a 2xx; and a request that is not
 * authorised or not well-formed changes no incident.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/app/service.ts';
import { createCommsIntegration } from '../../src/comms/integration.ts';
import { silentLogger } from '../../src/core/log.ts';
import { testConfig } from '../comms/telegram-harness.ts';
import { held } from '../support/faults.ts';

const RESPONDER_ROLE = '9';
const TELEGRAM_SECRET = 'fuzz-telegram-secret-0123';
const OPS_CHAT = '-100111';
const TELEGRAM_RESPONDER = 4242;
const NOW = new Date('2026-11-27T00:00:00.000Z');
/** Discord stamps interactions with wall-clock seconds, and the endpoint compares with the wall clock */
const wallSeconds = () => Math.floor(Date.now() / 1000);

describe('fault: bad input from Discord and Telegram', () => {
  let service: Service;
  let privateKey: KeyObject;

  beforeAll(async () => {
    const keys = generateKeyPairSync('ed25519');
    privateKey = keys.privateKey;
    const publicKeyHex = Buffer.from(keys.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
    // no bot tokens: nothing is sent anywhere, the routes and the engine are what is under test
    const config = testConfig((raw) => {
      raw.discord = { applicationId: '555', publicKey: publicKeyHex, channels: { ops: '101' }, allowedRoleIds: [RESPONDER_ROLE] };
      raw.telegram = { chats: { ops: OPS_CHAT }, webhookSecret: TELEGRAM_SECRET, allowedUserIds: [TELEGRAM_RESPONDER] };
    });
    service = await startService({ config, logger: silentLogger, listen: false, now: () => NOW, tickMs: 3_600_000, integrations: [createCommsIntegration] });
    await service.engine.declare({ title: 'Fuzz bridge: transfers stuck', severity: 'S2', summary: 'target of the fuzzed commands' }, 'test');
  });
  afterAll(async () => {
    await service?.stop();
  });

  /** what a command could change: every incident's state and its timeline (chat deliveries aside) */
  async function snapshot(): Promise<string> {
    const incidents = await service.engine.list({ status: 'all', limit: 1000 });
    const full = await Promise.all(incidents.map((i) => service.engine.get(i.id)));
    return JSON.stringify(
      full.map((i) => ({
        id: i!.id,
        status: i!.status,
        severity: i!.severity,
        title: i!.title,
        acknowledgedBy: i!.acknowledgedBy,
        roles: i!.roles,
        // the record of a refused or read-only command is the one thing such a request may add
        timeline: i!.timeline.filter((e) => e.kind !== 'message' && e.kind !== 'command').length,
      })),
    );
  }

  // ---- Discord ----

  function postDiscord(raw: string, headers: Record<string, string | undefined>) {
    const clean = Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined));
    return service.app.request('/webhooks/discord', { method: 'POST', headers: { 'content-type': 'application/json', ...clean }, body: raw });
  }
  function signature(timestamp: string, raw: string, key = privateKey): string {
    return sign(null, Buffer.from(timestamp + raw), key).toString('hex');
  }
  function postSigned(raw: string, timestamp = String(wallSeconds())) {
    return postDiscord(raw, { 'x-signature-ed25519': signature(timestamp, raw), 'x-signature-timestamp': timestamp });
  }

  const SUBCOMMANDS = ['declare', 'status', 'ack', 'update', 'note', 'role', 'resolve'];
  const optionValue = fc.oneof(
    fc.string(),
    fc.constantFrom('S0', 'S1', 'S2', 'S3', 'S4', 's9', 'INC-0001', 'inc-0001', 'INC-9999', 'commander', 'identified', 'resolved', ''),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.anything(),
  );
  const leafOption = fc.record(
    {
      name: fc.oneof(fc.constantFrom('title', 'severity', 'summary', 'incident', 'message', 'status', 'text', 'role', 'who'), fc.string()),
      type: fc.oneof(fc.constantFrom(3, 4, 5), fc.integer()),
      value: optionValue,
    },
    { requiredKeys: [] },
  );
  const subcommand = fc.record(
    {
      name: fc.oneof(fc.constantFrom(...SUBCOMMANDS), fc.string(), fc.anything()),
      type: fc.constantFrom(1, 2),
      options: fc.oneof(fc.array(leafOption, { maxLength: 5 }), fc.anything()),
    },
    { requiredKeys: [] },
  );
  const commandData = fc.oneof(
    fc.record({ name: fc.constant('incident'), options: fc.oneof(fc.array(subcommand, { maxLength: 2 }), fc.anything()) }, { requiredKeys: [] }),
    fc.record({ name: fc.oneof(fc.string(), fc.anything()), options: fc.anything() }, { requiredKeys: [] }),
    fc.anything(),
  );
  const user = fc.oneof(fc.record({ id: fc.oneof(fc.string(), fc.integer()), username: fc.option(fc.string()) }, { requiredKeys: [] }), fc.anything());
  const interactionId = fc.oneof(fc.uuid(), fc.string(), fc.integer(), fc.anything());
  const interactionType = fc.oneof(fc.constantFrom(1, 2, 3, 4, 5), fc.anything());
  /** random interactions from members without the responder role (roles of any shape) */
  const unauthorisedInteraction = fc.record(
    {
      id: interactionId,
      type: interactionType,
      data: commandData,
      member: fc.oneof(
        fc.record({ roles: fc.oneof(fc.array(fc.string().filter((r) => r !== RESPONDER_ROLE)), fc.anything().filter((v) => !(Array.isArray(v) && v.includes(RESPONDER_ROLE)))), user }, { requiredKeys: [] }),
        fc.anything().filter((v) => !JSON.stringify(v ?? null).includes(`"${RESPONDER_ROLE}"`)),
      ),
      user,
    },
    { requiredKeys: [] },
  );
  /** random option trees for /incident from a responder: may change incidents, must never break */
  const responderInteraction = fc.record({
    id: fc.uuid(),
    type: fc.constant(2),
    data: fc.record({ name: fc.constant('incident'), options: fc.array(subcommand, { minLength: 1, maxLength: 2 }) }),
    member: fc.record({ roles: fc.constant([RESPONDER_ROLE]), user: fc.record({ id: fc.string({ minLength: 1, maxLength: 8 }), username: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }) }) }),
  });
  const randomBody = fc.oneof(fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)), unauthorisedInteraction.map((v) => JSON.stringify(v)));

  it('Discord: random or garbled signatures and timestamps are refused with 401 and change nothing', async () => {
    const before = await snapshot();
    const signatureHeader = fc.oneof(
      fc.constant(undefined),
      fc.string(),
      fc.stringMatching(/^[0-9a-f]{128}$/),
      fc.constant('00'.repeat(64)),
    );
    const timestampHeader = fc.oneof(fc.constant(undefined), fc.string(), fc.integer().map(String), fc.constant('now'));
    await fc.assert(
      fc.asyncProperty(randomBody, signatureHeader, timestampHeader, async (raw, sig, timestamp) => {
        const stamp = timestamp === 'now' ? String(wallSeconds()) : timestamp;
        const response = await postDiscord(raw, { 'x-signature-ed25519': sig, 'x-signature-timestamp': stamp });
        expect(response.status, `${sig} ${stamp} ${raw}`).toBe(401);
        expect((await response.json()).error).toBeTruthy();
      }),
      { numRuns: 200 },
    );
    // a real signature over a different body, or by another key, or a flipped bit
    const other = generateKeyPairSync('ed25519').privateKey;
    await fc.assert(
      fc.asyncProperty(responderInteraction.map((v) => JSON.stringify(v)), fc.nat(127), async (raw, position) => {
        const timestamp = String(wallSeconds());
        const good = signature(timestamp, raw);
        const flipped = good.slice(0, position) + (good[position] === '0' ? '1' : '0') + good.slice(position + 1);
        for (const sig of [signature(timestamp, raw, other), flipped, signature(timestamp, `${raw} `)]) {
          const response = await postDiscord(raw, { 'x-signature-ed25519': sig, 'x-signature-timestamp': timestamp });
          expect(response.status).toBe(401);
        }
      }),
      { numRuns: 60 },
    );
    expect(await snapshot()).toBe(before);
    held('Discord interactions with 200 random/missing/garbled signature headers and 180 forged signatures', 'every one 401 with a reason; no incident changed');
  });

  it('Discord: correctly signed but stale or future timestamps are refused (replay) and change nothing', async () => {
    const before = await snapshot();
    // seconds away from now: more than the 5 minutes allowed, either way
    const offset = fc.oneof(fc.integer({ min: -1e12, max: -310 }), fc.integer({ min: 310, max: 1e12 }));
    await fc.assert(
      fc.asyncProperty(responderInteraction.map((v) => JSON.stringify(v)), offset, async (raw, seconds) => {
        const response = await postSigned(raw, String(wallSeconds() + seconds));
        expect(response.status).toBe(401);
      }),
      { numRuns: 100 },
    );
    expect(await snapshot()).toBe(before);
    held('100 signed Discord interactions with timestamps outside 5 minutes', 'every one 401 (replay refused); no incident changed');
  });

  it('Discord: correctly signed random bodies from members without the role: never a 500, nothing changes', async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(randomBody, async (raw) => {
        const response = await postSigned(raw);
        expect(response.status, raw).toBeLessThan(500);
        expect(response.status, raw).not.toBe(401);
        const answer = await response.json();
        if (response.status >= 400) expect(answer.error, raw).toBeTruthy();
        else expect([1, 4], raw).toContain(answer.type);
      }),
      { numRuns: 400 },
    );
    expect(await snapshot()).toBe(before);
    held('400 correctly signed random Discord bodies (any JSON, random option trees, roles of any shape) without the responder role', 'no 500; a 400 or an interaction answer; no incident changed');
  });

  it('Discord: random /incident option trees from a responder: never a 500, always an answer', async () => {
    await fc.assert(
      fc.asyncProperty(responderInteraction, async (interaction) => {
        const raw = JSON.stringify(interaction);
        const response = await postSigned(raw);
        expect(response.status, raw).toBe(200);
        const answer = await response.json();
        expect(answer.type, raw).toBe(4);
        expect(typeof answer.data.content, raw).toBe('string');
        expect(answer.data.content.length, raw).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
    // the service still works afterwards
    const status = await (await postSigned(JSON.stringify({ id: 'after-fuzz', type: 2, data: { name: 'incident', options: [{ type: 1, name: 'status', options: [{ type: 3, name: 'incident', value: 'INC-0001' }] }] }, member: { roles: [], user: { id: '1' } } }))).json();
    expect(status.data.content).toContain('INC-0001');
    held('300 random /incident option trees from a responder (declare/ack/update/note/role/resolve, random values)', 'every one answered 200 with a message; no 500; the service still answers');
  });

  // ---- Telegram ----

  function postTelegram(raw: string, secret: string | null = TELEGRAM_SECRET) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (secret !== null) headers['X-Telegram-Bot-Api-Secret-Token'] = secret;
    return service.app.request('/webhooks/telegram', { method: 'POST', headers, body: raw });
  }

  const commandText = fc.oneof(
    fc.string(),
    fc
      .tuple(
        fc.constantFrom('/status', '/ack', '/update', '/note', '/resolve', '/start', '/STATUS', '/update@FirebreakBot', '/'),
        fc.constantFrom('', ' INC-0001', ' inc-0001:', ' INC-9999', ' INC-', ' identified:', ' monitoring'),
        fc.string(),
      )
      .map(([command, id, rest]) => `${command}${id} ${rest}`),
    fc.anything(),
  );
  const chatId = fc.oneof(fc.constant(Number(OPS_CHAT)), fc.constant(OPS_CHAT), fc.integer(), fc.string(), fc.anything());
  const update = (from: fc.Arbitrary<unknown>) =>
    fc.record(
      {
        update_id: fc.oneof(fc.integer(), fc.nat(), fc.string(), fc.anything()),
        message: fc.oneof(
          fc.record(
            {
              message_id: fc.oneof(fc.nat(), fc.anything()),
              text: commandText,
              chat: fc.oneof(fc.record({ id: chatId, type: fc.constantFrom('supergroup', 'private') }, { requiredKeys: [] }), fc.anything()),
              from,
            },
            { requiredKeys: [] },
          ),
          fc.anything(),
        ),
      },
      { requiredKeys: [] },
    );
  const stranger = fc.oneof(
    fc.record({ id: fc.integer().filter((id) => id !== TELEGRAM_RESPONDER), is_bot: fc.boolean(), username: fc.option(fc.string(), { nil: undefined }) }, { requiredKeys: [] }),
    fc.anything().filter((v) => !JSON.stringify(v ?? null).includes(String(TELEGRAM_RESPONDER))),
  );
  const responder = fc.record({ id: fc.constant(TELEGRAM_RESPONDER), is_bot: fc.constant(false), username: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }) });

  it('Telegram: a missing or wrong secret is refused (401/403) whatever the update, and changes nothing', async () => {
    const before = await snapshot();
    const secret = fc.oneof(fc.constant(null), fc.string().filter((s) => s !== TELEGRAM_SECRET), fc.constant(TELEGRAM_SECRET.slice(0, -1)), fc.constant(`${TELEGRAM_SECRET}x`));
    await fc.assert(
      fc.asyncProperty(fc.oneof(update(responder).map((u) => JSON.stringify(u)), fc.json(), fc.string()), secret, async (raw, given) => {
        const response = await postTelegram(raw, given);
        // an empty header is a missing header (401); HTTP trims header values, so only other text is wrong (403)
        expect([401, 403], `${given} ${raw}`).toContain(response.status);
        expect((await response.json()).error).toBeTruthy();
      }),
      { numRuns: 200 },
    );
    expect(await snapshot()).toBe(before);
    held('200 Telegram updates with a missing or wrong secret header', 'every one 401/403 with a reason; no incident changed');
  });

  it('Telegram: random update JSON and commands from strangers with the right secret: never a 500, nothing changes', async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(fc.oneof(update(stranger).map((u) => JSON.stringify(u)), fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), async (raw) => {
        const response = await postTelegram(raw);
        expect(response.status, raw).toBeLessThan(500);
        if (response.status >= 400) expect((await response.json()).error, raw).toBeTruthy();
      }),
      { numRuns: 400 },
    );
    expect(await snapshot()).toBe(before);
    held('400 random Telegram updates (any JSON, random command texts, chat and user ids) with the right secret, not from a responder', 'no 500; a 2xx or a 400 with a reason; no incident changed');
  });

  it('Telegram: random commands from a responder: never a 500', async () => {
    let nextUpdate = 1_000_000;
    await fc.assert(
      fc.asyncProperty(commandText.filter((t) => typeof t === 'string'), chatId, responder, async (text, chat, from) => {
        const raw = JSON.stringify({ update_id: nextUpdate++, message: { message_id: 1, date: 1, text, chat: { id: chat, type: 'supergroup' }, from } });
        const response = await postTelegram(raw);
        expect(response.status, raw).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    held('300 random Telegram commands from a responder (/status /ack /update /note /resolve, random ids and texts)', 'no 500, no crash');
  });
});
