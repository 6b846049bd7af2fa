/**
 * The interactions endpoint when a command is slower than Discord's 3 s window: it answers
 * "thinking" (type 5) at once and edits the original reply through the interaction webhook
 * (discord.js REST against the stand-in) when the command is done.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDiscordInteractions } from '../../src/comms/discord/interactions.ts';
import { sampleIncident } from '../../src/comms/check.ts';
import type { IncidentCommands } from '../../src/core/commands.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { type DiscordStandin, startDiscordStandin } from '../../src/drill/standins/discord.ts';
import { commsConfig } from './fixtures.ts';

let standin: DiscordStandin;
let store: Store;
beforeAll(async () => {
  [standin, store] = await Promise.all([startDiscordStandin(), createStore({ kind: 'pglite', url: 'memory://' })]);
}, 300_000);
afterAll(async () => {
  await Promise.all([standin?.close(), store?.close()]);
});

it('a slow command is deferred (type 5) and its answer edited in through the interaction webhook', async () => {
  const keys = generateKeyPairSync('ed25519');
  const publicKey = Buffer.from(keys.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
  const incident = { ...sampleIncident(commsConfig()), acknowledgedAt: null, acknowledgedBy: null };
  const acked: string[] = [];
  const commands = {
    list: async () => [incident],
    get: async () => incident,
    acknowledge: async (id: string, actor: string) => {
      await new Promise((r) => setTimeout(r, 300));
      acked.push(actor);
      return { ...incident, id, acknowledgedBy: actor };
    },
  } as unknown as IncidentCommands;
  const app = createDiscordInteractions({
    config: { publicKey, token: standin.token, api: standin.api, channels: {}, allowedRoleIds: ['9'] },
    db: store.db,
    commands,
    logger: silentLogger,
    now: () => new Date(),
    deferAfterMs: 50,
  });
  const body = JSON.stringify({
    id: 'slow-1',
    type: 2,
    application_id: '555',
    token: 'interaction-token-abc',
    data: { name: 'incident', options: [{ type: 1, name: 'ack' }] },
    member: { roles: ['9'], user: { id: '7', username: 'erin' } },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const response = await app.request('/webhooks/discord', {
    method: 'POST',
    headers: { 'x-signature-ed25519': sign(null, Buffer.from(timestamp + body), keys.privateKey).toString('hex'), 'x-signature-timestamp': timestamp },
    body,
  });
  expect(await response.json()).toEqual({ type: 5 });
  const deadline = Date.now() + 30_000;
  while (standin.interactionReplies.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(acked).toEqual(['discord:erin']);
  expect(standin.interactionReplies).toHaveLength(1);
  const [edit] = standin.interactionReplies;
  expect(edit).toMatchObject({ applicationId: '555', token: 'interaction-token-abc', authorization: undefined });
  expect(edit!.body.content).toBe('INC-0001 acknowledged by discord:erin.');
  expect(edit!.body.allowed_mentions).toEqual({ parse: [] });
}, 300_000);
