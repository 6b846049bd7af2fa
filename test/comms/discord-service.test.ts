/**
 * The comms integration inside the real service on the drill chains: the seed case (37 transfers,
 * $40,000, 12 h) produces the right messages in the right Discord channels (discord.js against a
 * loopback stand-in), Telegram rows are kept as `skipped` without a Telegram config, every message
 * sent is on the timeline; and the interactions endpoint with a generated Ed25519 key.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommsIntegration } from '../../src/comms/integration.ts';
import { startService, type Service } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import { seedStuckBridge } from '../../src/drill/seed.ts';
import { listOutbox } from '../../src/store/outbox.ts';
import { type DiscordStandin, startDiscordStandin } from '../../src/drill/standins/discord.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { until as waitUntil } from '../support/wait.ts';

const CHANNELS = { ops: '101', dev: '102', comms: '103', community: '104' };

/** this file's conditions get three minutes on a busy machine */
const until = <T,>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 180_000) => waitUntil(what, probe, timeoutMs);

describe('comms in the service: the seed incident and Discord interactions', () => {
  let chains: DrillChains;
  let standin: DiscordStandin;
  let service: Service;
  let privateKey: KeyObject;

  beforeAll(async () => {
    [chains, standin] = await Promise.all([startDrillChains(), startDiscordStandin()]);
    const keys = generateKeyPairSync('ed25519');
    privateKey = keys.privateKey;
    const publicKeyHex = Buffer.from(keys.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
    const config = configFor(chains.bridge, {
      extra: {
        discord: { token: standin.token, applicationId: '555', publicKey: publicKeyHex, channels: CHANNELS, allowedRoleIds: ['9'], api: standin.api },
        oncall: { tiers: [{ name: 'primary', discord: '<@111>', telegram: '@alice' }, { name: 'secondary', discord: '<@222>' }] },
      },
    });
    // seed first: the service then finds the finished seed case (37 stuck, $40,000, 12 h) at once
    await seedStuckBridge(chains.bridge, 2);
    service = await startService({ config, logger: silentLogger, listen: false, tickMs: 3_600_000, integrations: [createCommsIntegration] });
  }, 300_000);

  afterAll(async () => {
    await service?.stop();
    await Promise.all([chains?.stop(), standin?.close()]);
  });

  async function openIncident() {
    return until('the seed incident', async () => (await service.engine.list({ status: 'open' }))[0]);
  }

  it('the seed incident reaches every audience of its severity, in the right channels, exactly once', async () => {
    const incident = await openIncident();
    expect(incident.severity).toBe('S1');
    expect(incident.impact.stuckTransfers).toBe(37);
    // S1 audiences: ops, dev, comms, community; ops also gets the page and each a live card
    await until('messages in every channel', async () => CHANNELS && Object.values(CHANNELS).every((id) => standin.inChannel(id).some((m) => m.embeds[0]?.title?.includes('declared') || m.embeds[0]?.title?.startsWith('We are investigating'))) && standin.inChannel('101').length >= 3);
    const ops = standin.inChannel(CHANNELS.ops);
    const declared = ops.find((m) => m.embeds[0]!.title!.includes('declared'))!;
    expect(declared.embeds[0]!.title).toBe(`🚨 ${incident.id} S1 declared: Drill bridge: transfers stuck`);
    expect(declared.embeds[0]!.description).toContain('37 transfers stuck, $40,000 locked, oldest 12 h');
    expect(declared.embeds[0]!.description).toContain('**Next update by:**');
    expect(declared.allowed_mentions).toEqual({ parse: [], users: [], roles: [] });
    const page = ops.find((m) => m.embeds[0]!.title!.includes('paging'))!;
    expect(page.content).toBe('<@111>');
    expect(page.allowed_mentions).toEqual({ parse: [], users: ['111'], roles: [] });
    expect(standin.inChannel(CHANNELS.dev).some((m) => m.embeds[0]!.title!.includes('paging'))).toBe(false);

    // community: plain words, no ops-only details
    const community = standin.inChannel(CHANNELS.community);
    const text = community.map((m) => `${m.content}\n${m.embeds.map((e) => `${e.title}\n${e.description}`).join('\n')}`).join('\n');
    expect(text).toContain('Some transfers on Drill bridge are delayed');
    expect(text).toContain('$40,000');
    for (const secret of ['S1', 'bridge:drill:stuck', '<@', '@alice', 'primary', 'secondary', '0x', 'http', 'declared:', 'page:0', 'firebreak', 'commander']) {
      expect(text, `community must not see ${secret}`).not.toContain(secret);
    }

    // nothing twice
    const nonces = standin.messages.map((m) => m.nonce);
    expect(new Set(nonces).size).toBe(nonces.length);

    // no Telegram config: the same messages are rendered and kept as skipped (MarkdownV2-escaped)
    const telegram = await listOutbox(service.store.db, { channelPrefix: 'telegram:' });
    expect(telegram.map((r) => r.channel).sort()).toEqual(expect.arrayContaining(['telegram:comms', 'telegram:community', 'telegram:dev', 'telegram:ops']));
    expect(telegram.every((r) => r.status === 'skipped')).toBe(true);
    const tgDeclared = telegram.find((r) => r.channel === 'telegram:ops' && r.kind === 'declared')!.payload as { text: string; parseMode: string; chatId: string | null };
    expect(tgDeclared.parseMode).toBe('MarkdownV2');
    expect(tgDeclared.chatId).toBeNull();
    expect(tgDeclared.text).toContain('$40,000');
    expect(tgDeclared.text).toContain('*Next update by:*');
    expect(tgDeclared.text).toContain(`${incident.id.replace('-', '\\-')}`);

    // every message sent is on the incident's timeline
    const withMessages = await until('message entries on the timeline', async () => {
      const current = (await service.engine.get(incident.id))!;
      return current.timeline.filter((e) => e.kind === 'message').length >= 4 ? current : undefined;
    });
    expect(withMessages.timeline.some((e) => e.kind === 'message' && e.text === 'Message "declared" sent to discord:community')).toBe(true);
  }, 300_000);

  function signed(body: unknown, options: { timestamp?: number; key?: KeyObject; signature?: string } = {}) {
    const raw = JSON.stringify(body);
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = options.signature ?? sign(null, Buffer.from(timestamp + raw), options.key ?? privateKey).toString('hex');
    return service.app.request('/webhooks/discord', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp },
      body: raw,
    });
  }

  /**
   * The answer to an interaction: inline, or — when the busy machine made the command slower than
   * the deferral threshold — the reply edited in through the interaction webhook.
   */
  async function answer(body: ReturnType<typeof command>) {
    const json = await (await signed(body)).json();
    if (json.type !== 5) return json;
    const edit = await until('the deferred reply', async () => standin.interactionReplies.find((r) => r.token === body.token));
    return { type: 4, data: edit.body, deferred: true };
  }

  let nextId = 1;
  function command(sub: string, options: Record<string, string> = {}, roles: string[] = ['9'], id = String(nextId++)) {
    return {
      id: `interaction-${id}`,
      type: 2,
      application_id: '555',
      token: `token-${id}`,
      data: { name: 'incident', options: [{ type: 1, name: sub, options: Object.entries(options).map(([name, value]) => ({ type: 3, name, value })) }] },
      member: { roles, user: { id: '42', username: 'carol' } },
    };
  }

  it('verifies signatures, answers PING, refuses old timestamps and forgeries', async () => {
    const ping = await signed({ id: 'p1', type: 1 });
    expect(ping.status).toBe(200);
    expect(await ping.json()).toEqual({ type: 1 });
    const other = generateKeyPairSync('ed25519').privateKey;
    expect((await signed({ id: 'p2', type: 1 }, { key: other })).status).toBe(401);
    expect((await signed({ id: 'p3', type: 1 }, { signature: '' })).status).toBe(401);
    expect((await signed({ id: 'p4', type: 1 }, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    const unsigned = await service.app.request('/webhooks/discord', { method: 'POST', body: JSON.stringify({ id: 'p5', type: 1 }) });
    expect(unsigned.status).toBe(401);
  });

  it('/incident status answers with the open incident; an unauthorised ack changes nothing; ack, note once', async () => {
    const incident = await openIncident();
    const status = await answer(command('status', {}, []));
    expect(status.type).toBe(4);
    expect(status.data.content).toContain(incident.id);
    expect(status.data.content).toContain('$40,000');

    const before = (await service.engine.get(incident.id))!;
    const refused = await answer(command('ack', {}, ['1234']));
    expect(refused.data.flags).toBe(64);
    const unchanged = (await service.engine.get(incident.id))!;
    expect(unchanged.acknowledgedAt).toBeNull();
    // nothing changed but the record of the attempt (and of the status read)
    const notMessages = (timeline: typeof before.timeline) => timeline.filter((e) => e.kind !== 'message' && e.kind !== 'command');
    expect(notMessages(unchanged.timeline)).toEqual(notMessages(before.timeline));
    expect(unchanged.acknowledgedAt).toBe(before.acknowledgedAt);
    expect(unchanged.timeline.some((e) => e.kind === 'command' && /Refused \/incident ack/.test(e.text))).toBe(true);
    expect(unchanged.timeline.some((e) => e.kind === 'command' && /status asked/.test(e.text))).toBe(true);

    const acked = await answer(command('ack'));
    expect(acked.data.content).toContain('acknowledged by discord:carol');
    expect((await service.engine.get(incident.id))!.acknowledgedBy).toBe('discord:carol');

    // the same interaction id delivered twice is processed once
    const note = command('note', { text: 'relayer wallet is out of gas @everyone' }, ['9'], 'dup');
    expect((await signed(note)).status).toBe(200);
    const again = await answer(note);
    expect(again.data.content).toContain('already handled');
    const notes = (await service.engine.get(incident.id))!.timeline.filter((e) => e.kind === 'note');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.actor).toBe('discord:carol');

    // the acknowledgement reached ops (internal) but not the community
    await until('acknowledged message in ops', async () => standin.inChannel(CHANNELS.ops).some((m) => (m.embeds[0]?.title ?? '').includes('acknowledged')));
    expect(standin.inChannel(CHANNELS.community).some((m) => m.embeds[0]!.title!.includes('acknowledged'))).toBe(false);
  }, 300_000);

  it('an update from Discord is posted to every audience with outside text escaped; the live card is edited in place', async () => {
    const incident = await openIncident();
    // once the war room is open, ops gets a pointer to it for each update
    await until('the war room recorded', async () => (await service.engine.get(incident.id))!.warRoom?.discord);
    const reply = await answer(command('update', { message: 'Relayer refilled @everyone **now**', status: 'identified' }));
    expect(reply.data.content).toContain('Update posted');
    const update = await until('the update in the community channel', async () => standin.inChannel(CHANNELS.community).find((m) => m.embeds[0]!.title === 'Update: Cause identified, fix in progress'));
    expect(update.embeds[0]!.description).toContain('Relayer refilled @\u200beveryone \\*\\*now\\*\\*');
    expect(update.embeds[0]!.description).not.toContain('@everyone');
    // ops keeps a one-line pointer to the war room for the update itself (no embed)
    await until('the update pointer in ops', async () => standin.inChannel(CHANNELS.ops).find((m) => m.embeds.length === 0 && m.content.startsWith(`📣 ${incident.id} update: posted in the war room`)));
    const live = await until('the live card edited', async () => standin.inChannel(CHANNELS.ops).find((m) => (m.embeds[0]?.title ?? '').startsWith('🔴 LIVE') && m.edits > 0 && m.embeds[0]!.title!.includes('identified')));
    expect(standin.inChannel(CHANNELS.ops).filter((m) => (m.embeds[0]?.title ?? '').startsWith('🔴 LIVE'))).toHaveLength(1);
    expect(live.embeds[0]!.title).toBe(`🔴 LIVE · ${incident.id} S1 · identified`);
  }, 300_000);

  it('declare, role and resolve from Discord run the engine commands as discord:<user>', async () => {
    const declared = await answer(command('declare', { title: 'Explorer shows wrong balances', severity: 'S3' }));
    expect(declared.data.content).toMatch(/^Declared INC-\d+ \(S3\): Explorer shows wrong balances$/);
    const id = /INC-\d+/.exec(declared.data.content)![0];
    const role = await answer(command('role', { role: 'commander', who: 'dana', incident: id }));
    expect(role.data.content).toBe(`${id}: dana is commander.`);
    const unknown = await answer(command('note', { text: 'x', incident: 'INC-9999' }));
    expect(unknown.data).toMatchObject(unknown.deferred ? { content: 'No incident INC-9999.' } : { content: 'No incident INC-9999.', flags: 64 });
    const refused = await answer(command('resolve', { incident: id }, []));
    expect(refused.data.flags).toBe(64);
    expect((await service.engine.get(id))!.status).toBe('investigating');
    const resolved = await answer(command('resolve', { incident: id, message: 'false alarm' }));
    expect(resolved.data.content).toBe(`${id} resolved.`);
    const incident = (await service.engine.get(id))!;
    expect(incident.status).toBe('resolved');
    expect(incident.roles.commander).toBe('dana');
    expect(incident.timeline.filter((e) => e.actor === 'discord:carol' && e.kind !== 'command').map((e) => e.kind)).toEqual(['declared', 'role', 'resolved']);
  }, 300_000);
});
