/**
 * `/incident rollback` (Discord) and `/rollback` (Telegram) ask the governance module for the
 * rollback as the chat user, only for allowed roles/users; others are refused and nothing is asked.
 * (The rollback itself, on anvil: test/governance/rollback.test.ts.)
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordInteractions } from '../../src/comms/discord/interactions.ts';
import { INCIDENT_COMMAND } from '../../src/comms/discord/commands.ts';
import { parseCommand, runCommand } from '../../src/comms/telegram/commands.ts';
import { sampleIncident } from '../../src/comms/check.ts';
import type { IncidentCommands, RollbackRequestResult } from '../../src/core/commands.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { commsConfig } from './fixtures.ts';

const PROXY = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

function fakeCommands() {
  const incident = { ...sampleIncident(commsConfig()), status: 'investigating' as const };
  const asked: Array<{ id: string; proxy: string | undefined; actor: string }> = [];
  const logged: string[] = [];
  const commands = {
    list: async () => [incident],
    get: async () => incident,
    logCommand: async (_id: string, text: string) => void logged.push(text),
    requestRollback: async (id: string, proxy: string | undefined, actor: string): Promise<RollbackRequestResult> => {
      asked.push({ id, proxy, actor });
      return { incident: id, status: 'queued', key: `${id}:rollback`, proxy: proxy ?? PROXY, bridge: 'acme', chain: 'ethereum', governor: '0x1', fromImpl: '0xBAD', toImpl: '0x600D', validUntil: '2026-12-31T00:00:00.000Z' };
    },
  } as unknown as IncidentCommands;
  return { incident, asked, logged, commands };
}

describe('Telegram /rollback', () => {
  it('parses an optional incident id and proxy', () => {
    expect(parseCommand(`/rollback INC-0002 ${PROXY}`)).toEqual({ name: 'rollback', incidentId: 'INC-0002', text: PROXY });
    expect(parseCommand('/rollback')).toEqual({ name: 'rollback', incidentId: null, text: '' });
  });

  it('an allowed user asks for it; anyone else is refused and nothing is asked', async () => {
    const { asked, logged, commands, incident } = fakeCommands();
    const ok = await runCommand(commands, parseCommand(`/rollback ${PROXY}`)!, { userId: '42', username: 'alice' }, ['42']);
    expect(ok.refused).toBe(false);
    expect(ok.reply).toContain('rollback of acme');
    expect(asked).toEqual([{ id: incident.id, proxy: PROXY, actor: 'telegram:alice' }]);
    const no = await runCommand(commands, parseCommand('/rollback')!, { userId: '7', username: 'mallory' }, ['42']);
    expect(no.refused).toBe(true);
    expect(asked).toHaveLength(1);
    expect(logged.some((l) => l.includes('Refused /rollback'))).toBe(true);
  });
});

describe('Discord /incident rollback', () => {
  let store: Store;
  beforeAll(async () => {
    store = await createStore({ kind: 'pglite', url: 'memory://' });
  }, 300_000);
  afterAll(async () => {
    await store?.close();
  });

  it('is registered and runs only for an allowed role', { timeout: 120_000 }, async () => {
    expect(INCIDENT_COMMAND.options.some((o) => o.name === 'rollback')).toBe(true);
    const keys = generateKeyPairSync('ed25519');
    const publicKey = Buffer.from(keys.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
    const { asked, commands } = fakeCommands();
    const app = createDiscordInteractions({
      config: { publicKey, token: 't', api: 'http://127.0.0.1:9/api', channels: {}, allowedRoleIds: ['9'] },
      db: store.db,
      commands,
      logger: silentLogger,
      now: () => new Date(),
    });
    const send = async (id: string, roles: string[]) => {
      const body = JSON.stringify({
        id,
        type: 2,
        application_id: '555',
        token: 'tok',
        data: { name: 'incident', options: [{ type: 1, name: 'rollback', options: [{ type: 3, name: 'proxy', value: PROXY }] }] },
        member: { roles, user: { id: '7', username: 'erin' } },
      });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const response = await app.request('/webhooks/discord', {
        method: 'POST',
        headers: { 'x-signature-ed25519': sign(null, Buffer.from(timestamp + body), keys.privateKey).toString('hex'), 'x-signature-timestamp': timestamp },
        body,
      });
      return (await response.json()) as { type: number; data?: { content?: string } };
    };
    const refused = await send('rb-1', ['1']);
    expect(refused.data?.content).toMatch(/You need an incident-responder role to run \/incident rollback/);
    expect(asked).toHaveLength(0);
    const done = await send('rb-2', ['9']);
    expect(done.data?.content).toMatch(/rollback of acme \(0x5FbDB2315678afecb367f032d93F642f64180aa3\) from 0xBAD to 0x600D queued/);
    expect(asked).toEqual([{ id: 'INC-0001', proxy: PROXY, actor: 'discord:erin' }]);
  });
});
