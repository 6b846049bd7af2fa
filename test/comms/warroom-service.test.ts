/**
 * War rooms in the real service on the drill chains (SPEC §6): the seed incident (S1) opens one
 * Discord thread in ops and one Telegram forum topic, each with the briefing; updates go to the
 * room with a one-line pointer in ops; commands in the room act on its incident; the scribe's tools
 * ("Add to timeline", a Telegram /note sent as a reply) add a chat message once and only for
 * allowed people; a runbook button press is on the timeline; S1 → S0 renames the room; outside a
 * room with several incidents open a command without an id is refused with their ids; resolving
 * posts the postmortem link, then archives the thread and closes the topic.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommsIntegration } from '../../src/comms/integration.ts';
import { startService, type Service } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Incident } from '../../src/core/types.ts';
import { seedStuckBridge } from '../../src/drill/seed.ts';
import { type DiscordStandin, type StandinMessage, startDiscordStandin } from '../../src/drill/standins/discord.ts';
import { listOutbox } from '../../src/store/outbox.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { type TelegramStandin, startTelegramStandin } from '../support/telegram-standin.ts';
import { until as waitUntil } from '../support/wait.ts';

const CHANNELS = { ops: '101', dev: '102', comms: '103', community: '104' };
const ROOM_CHAT = '-1001234567890';
const TG_SECRET = 'tg-secret';
const API_TOKEN = 'warroom-test-api-token';
const CAROL = { userId: '42', username: 'carol', roles: ['9'] };
const MALLORY = { userId: '66', username: 'mallory', roles: ['1234'] };

/** this file's conditions get three minutes on a busy machine */
const until = <T,>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 180_000) => waitUntil(what, probe, timeoutMs);

describe('war rooms: a Discord thread and a Telegram topic per incident', () => {
  let chains: DrillChains;
  let discord: DiscordStandin;
  let telegram: TelegramStandin;
  let service: Service;
  let privateKey: KeyObject;
  let updateId = 1;

  beforeAll(async () => {
    [chains, discord, telegram] = await Promise.all([startDrillChains(), startDiscordStandin(), startTelegramStandin(undefined, { forumChats: [ROOM_CHAT] })]);
    const keys = generateKeyPairSync('ed25519');
    privateKey = keys.privateKey;
    const publicKeyHex = Buffer.from(keys.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
    const config = configFor(chains.bridge, {
      extra: {
        server: { host: '127.0.0.1', port: 8787, apiTokens: [API_TOKEN] },
        discord: { token: discord.token, applicationId: '555', publicKey: publicKeyHex, channels: CHANNELS, allowedRoleIds: ['9'], api: discord.api },
        telegram: { token: telegram.token, apiRoot: telegram.apiRoot, chats: { ops: '-1009' }, warRoomChat: ROOM_CHAT, webhookSecret: TG_SECRET, allowedUserIds: [7] },
        oncall: { tiers: [{ name: 'primary', discord: '<@111>', telegram: '@alice' }] },
      },
    });
    await seedStuckBridge(chains.bridge, 2);
    service = await startService({ config, logger: silentLogger, listen: false, tickMs: 3_600_000, integrations: [createCommsIntegration], dashboardToken: API_TOKEN });
  }, 300_000);

  afterAll(async () => {
    await service?.stop();
    await Promise.all([chains?.stop(), discord?.close(), telegram?.close()]);
  });

  const seed = () => until('the seed incident', async () => (await service.engine.list({ status: 'open' })).find((i) => i.key.startsWith('bridge:')));
  const get = async (id: string) => (await service.engine.get(id))!;
  const thread = () => discord.threads[0]!;
  const inThread = () => discord.inChannel(thread().id);
  const title = (m: StandinMessage) => m.embeds[0]?.title ?? '';
  /** what people and the engine did: deliveries of earlier messages keep arriving in the background */
  const changes = async (id: string) => (await get(id)).timeline.filter((e) => e.kind !== 'message' && e.kind !== 'war_room');

  function signed(body: unknown) {
    const raw = JSON.stringify(body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign(null, Buffer.from(timestamp + raw), privateKey).toString('hex');
    return service.app.request('/webhooks/discord', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp },
      body: raw,
    });
  }

  /** the interaction's answer, inline or (busy machine) edited in through the interaction webhook */
  async function answer(body: Record<string, unknown>): Promise<{ content: string; flags?: number }> {
    const json = await (await signed(body)).json();
    if (json.type !== 5) return json.data;
    return (await until('the deferred reply', async () => discord.interactionReplies.find((r) => r.token === body.token))).body;
  }

  let interactionId = 1;
  function slash(sub: string, options: Record<string, string>, channelId: string, member = CAROL) {
    const id = interactionId++;
    return {
      id: `warroom-${id}`,
      type: 2,
      application_id: '555',
      token: `warroom-token-${id}`,
      channel_id: channelId,
      data: { name: 'incident', type: 1, options: [{ type: 1, name: sub, options: Object.entries(options).map(([name, value]) => ({ type: 3, name, value })) }] },
      member: { roles: member.roles, user: { id: member.userId, username: member.username } },
    };
  }

  function telegramUpdate(message: Record<string, unknown>) {
    return service.app.request('/webhooks/telegram', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_SECRET },
      body: JSON.stringify({ update_id: updateId++, message: { date: Math.floor(Date.now() / 1000), ...message } }),
    });
  }

  it('the seed incident opens one thread in ops and one forum topic, each with the briefing, recorded on the incident', async () => {
    const incident = await seed();
    expect(incident.severity).toBe('S1');
    const briefing = await until('the briefing in the thread', () => discord.threads.length > 0 && inThread().find((m) => title(m).startsWith('🧭 War room')));
    expect(discord.threads).toHaveLength(1);
    expect(thread()).toMatchObject({ type: 11, parent_id: CHANNELS.ops, name: `${incident.id} · S1 · Drill bridge: transfers stuck` });
    expect(thread().thread_metadata.auto_archive_duration).toBe(10080);
    expect(briefing.embeds[0]!.description).toContain('37 transfers stuck, $40,000 locked');
    expect(briefing.embeds[0]!.description).toContain('☐ 1) Confirm on the destination chain');
    expect(briefing.embeds[0]!.description).toContain('commander unassigned');
    // one action row per runbook step (bridge-stuck has six: five here, the sixth in a follow-up)
    expect(briefing.components).toHaveLength(5);
    expect(briefing.components![0]!.components.map((b) => b.custom_id)).toEqual([`fb:step:${incident.id}:0:done`, `fb:step:${incident.id}:0:skip`]);
    await until('the sixth step with its buttons', () => inThread().some((m) => m.components?.[0]?.components[0]?.custom_id === `fb:step:${incident.id}:5:done`));

    const topicBriefing = await until('the briefing in the topic', () => telegram.topics.length > 0 && telegram.messages.find((m) => m.messageThreadId === telegram.topics[0]!.messageThreadId && m.text.includes('War room')));
    expect(telegram.topics).toHaveLength(1);
    expect(telegram.topics[0]).toMatchObject({ chatId: ROOM_CHAT, name: `${incident.id} · S1 · Drill bridge: transfers stuck`, closed: false });
    expect(topicBriefing.chatId).toBe(ROOM_CHAT);
    expect(topicBriefing.text).toContain('☐ 1\\) Confirm on the destination chain');

    const recorded = await until('the room on the incident', async () => {
      const current = await get(incident.id);
      return current.warRoom?.discord && current.warRoom.telegram ? current : undefined;
    });
    expect(recorded.warRoom).toEqual({ discord: { threadId: thread().id }, telegram: { chatId: ROOM_CHAT, topicId: telegram.topics[0]!.messageThreadId } });
    const api = await service.app.request(`/api/incidents/${incident.id}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect((await api.json()).warRoom).toEqual(recorded.warRoom);
    const dashboard = await (await service.app.request('/')).text();
    expect(dashboard).toContain(`war room: Discord thread <code class="war-room-thread">${thread().id}</code>`);
    expect(dashboard).toContain(`href="https://t.me/c/1234567890/${telegram.topics[0]!.messageThreadId}"`);
    // the room's live card, and the ops live card links the room
    await until('the live card in the thread', () => inThread().some((m) => title(m).startsWith('🔴 LIVE')));
    await until('the ops live card links the room', () => discord.inChannel(CHANNELS.ops).some((m) => title(m).startsWith('🔴 LIVE') && m.embeds[0]!.description!.includes(`<#${thread().id}>`)));
  }, 300_000);

  it('/incident update in the thread acts on its incident without an id; ops keeps a one-line pointer', async () => {
    const incident = await seed();
    const reply = await answer(slash('update', { message: 'Relayer refilled; transfers resuming' }, thread().id));
    expect(reply.content).toBe(`Update posted on ${incident.id} (status investigating).`);
    const full = await until('the full update in the thread', () => inThread().find((m) => title(m).includes('update') && m.embeds[0]!.description!.includes('Relayer refilled')));
    expect(full.embeds[0]!.description).toContain('From discord:carol');
    const pointer = await until('the pointer in ops', () => discord.inChannel(CHANNELS.ops).find((m) => m.content.includes(`${incident.id} update: posted in the war room`)));
    expect(pointer.content).toBe(`📣 ${incident.id} update: posted in the war room <#${thread().id}>`);
    expect(pointer.embeds).toEqual([]);
    // the community still reads the update itself
    await until('the update in community', () => discord.inChannel(CHANNELS.community).some((m) => m.embeds[0]?.description?.includes('Relayer refilled')));
  }, 300_000);

  it('"Add to timeline" from the room by an allowed role adds the message once; by anyone else changes nothing', async () => {
    const incident = await seed();
    const said = discord.postAsUser(thread().id, 'Relayer key rotated at 10:02 @everyone **not** the cause', { id: '77', username: 'dave' });
    const before = await changes(incident.id);
    const refused = await answer(discord.messageCommandInteraction('Add to timeline', said.id, MALLORY));
    expect(refused.flags).toBe(64);
    expect(refused.content).toContain('Nothing was changed');
    expect(await changes(incident.id)).toEqual(before);

    const added = await answer(discord.messageCommandInteraction('Add to timeline', said.id, CAROL));
    expect(added.content).toContain(`Added to ${incident.id}'s timeline`);
    // the echo is escaped for Discord: no live mention, no markup
    expect(added.content).not.toContain('@everyone');
    expect(added.content).toContain('\\*\\*not\\*\\*');
    const again = await answer(discord.messageCommandInteraction('Add to timeline', said.id, CAROL));
    expect(again.content).toContain('already on');
    const notes = (await get(incident.id)).timeline.filter((e) => e.data?.source === 'discord');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ kind: 'note', actor: 'discord:carol' });
    expect(notes[0]!.text).toMatch(/^Discord message from dave at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: Relayer key rotated at 10:02 @everyone \*\*not\*\* the cause$/);

    // outside a war room the message command does nothing
    const elsewhere = discord.postAsUser(CHANNELS.ops, 'unrelated chatter', { id: '78', username: 'erin' });
    const outside = await answer(discord.messageCommandInteraction('Add to timeline', elsewhere.id, CAROL));
    expect(outside.content).toContain("inside an incident's war room");

    // the postmortem's timeline has it, escaped for Markdown
    const markdown = await (await service.app.request(`/api/incidents/${incident.id}/postmortem`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).text();
    expect(markdown).toContain('Discord message from dave');
    expect(markdown).toContain('\\*\\*not\\*\\* the cause');
  }, 300_000);

  it('a runbook button press is on the timeline with who pressed it; a press without the role changes nothing', async () => {
    const incident = await seed();
    const briefing = inThread().find((m) => title(m).startsWith('🧭 War room'))!;
    const before = await changes(incident.id);
    const refused = await answer(discord.buttonInteraction(briefing.id, `fb:step:${incident.id}:1:done`, MALLORY));
    expect(refused.flags).toBe(64);
    expect(await changes(incident.id)).toEqual(before);
    const pressed = await answer(discord.buttonInteraction(briefing.id, `fb:step:${incident.id}:1:done`, CAROL));
    expect(pressed.content).toBe(`Step 2 marked done on ${incident.id} by discord:carol.`);
    await answer(discord.buttonInteraction(briefing.id, `fb:step:${incident.id}:1:done`, CAROL));
    const steps = (await get(incident.id)).timeline.filter((e) => e.kind === 'runbook_step');
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ actor: 'discord:carol', text: 'Runbook step 2 done: Check the relayer / message executor for the bridge: is it running, funded, and on the right RPC?' });
  }, 300_000);

  it('a Telegram /note sent as a reply in the topic quotes that message once; others change nothing', async () => {
    const incident = await seed();
    const topicId = telegram.topics[0]!.messageThreadId;
    const quoted = { message_id: 5001, date: 1_764_900_000, text: 'Gas price spike on L1 (x10) — relayer underpriced', from: { id: 88, is_bot: false, first_name: 'Frank', username: 'frank' }, chat: { id: Number(ROOM_CHAT) }, message_thread_id: topicId };
    const base = { chat: { id: Number(ROOM_CHAT), type: 'supergroup', is_forum: true }, message_thread_id: topicId, is_topic_message: true, text: '/note', reply_to_message: quoted };
    const before = await changes(incident.id);
    expect((await telegramUpdate({ ...base, message_id: 6001, from: { id: 66, is_bot: false, username: 'mallory' } })).status).toBe(200);
    expect(await changes(incident.id)).toEqual(before);
    expect((await telegramUpdate({ ...base, message_id: 6002, from: { id: 7, is_bot: false, username: 'gina' } })).status).toBe(200);
    expect((await telegramUpdate({ ...base, message_id: 6003, from: { id: 7, is_bot: false, username: 'gina' } })).status).toBe(200);
    const notes = (await get(incident.id)).timeline.filter((e) => e.data?.source === 'telegram');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ kind: 'note', actor: 'telegram:gina', text: 'Telegram message from @frank at 2025-12-05 02:00 UTC: Gas price spike on L1 (x10) — relayer underpriced' });
    // the replies went back into the topic
    const replies = telegram.messages.filter((m) => m.messageThreadId === topicId && m.parseMode === undefined);
    expect(replies.map((m) => m.text)).toEqual(expect.arrayContaining([`Added that message to ${incident.id}'s timeline.`, `That message is already on ${incident.id}'s timeline.`]));
    // /status in the topic acts on the room's incident without an id
    expect((await telegramUpdate({ chat: base.chat, message_thread_id: topicId, message_id: 6004, text: '/status', from: { id: 7, username: 'gina' } })).status).toBe(200);
    await until('the status reply in the topic', () => telegram.messages.some((m) => m.messageThreadId === topicId && m.text.startsWith(`${incident.id} · S1`)));
  }, 300_000);

  it('outside a room with several incidents open, a command without an id is refused with their ids; /declare and /role from Telegram', async () => {
    const incident = await seed();
    const declared = await telegramUpdate({ chat: { id: -1009, type: 'supergroup' }, message_id: 7001, text: '/declare S3 Explorer shows stale balances', from: { id: 7, username: 'gina' } });
    expect(declared.status).toBe(200);
    const other = await until('the declared incident', async () => (await service.engine.list({ status: 'open' })).find((i) => i.title === 'Explorer shows stale balances'));
    expect(other.severity).toBe('S3');
    expect(other.timeline[0]!.actor).toBe('telegram:gina');
    await telegramUpdate({ chat: { id: -1009, type: 'supergroup' }, message_id: 7002, text: `/role ${other.id} commander @gina`, from: { id: 7, username: 'gina' } });
    await until('the role from Telegram', async () => (await get(other.id)).roles.commander === '@gina');

    const before = await get(incident.id);
    const refused = await answer(slash('ack', {}, CHANNELS.ops));
    expect(refused.flags).toBe(64);
    expect(refused.content).toContain('2 incidents are open');
    expect(refused.content).toContain(incident.id);
    expect(refused.content).toContain(other.id);
    expect((await get(incident.id)).acknowledgedAt).toBe(before.acknowledgedAt);
    expect((await get(other.id)).acknowledgedAt).toBeNull();
    // the same command in the war room acts on its incident
    const acked = await answer(slash('ack', {}, thread().id));
    expect(acked.content).toBe(`${incident.id} acknowledged by discord:carol.`);
    // an S3 incident gets no room
    expect(discord.threads).toHaveLength(1);
    expect(telegram.topics).toHaveLength(1);
    await service.engine.resolve(other.id, 'api:test');
  }, 300_000);

  it('S1 → S0 renames the thread and the topic', async () => {
    const incident = await seed();
    await service.engine.setSeverity(incident.id, 'S0', 'api:test', 'value still flowing in');
    const name = `${incident.id} · S0 · Drill bridge: transfers stuck`;
    await until('the thread renamed', () => thread().name === name);
    await until('the topic renamed', () => telegram.topics[0]!.name === name);
    await until('the rename on the timeline', async () => (await get(incident.id)).timeline.some((e) => e.kind === 'war_room' && e.text.includes('renamed')));
    expect(discord.threads).toHaveLength(1);
  }, 300_000);

  it('resolve posts the postmortem link, then archives the thread and closes the topic', async () => {
    const incident = await seed();
    await service.engine.resolve(incident.id, 'api:test', 'relayer back, queue drained');
    await until('the thread archived', () => thread().thread_metadata.archived);
    await until('the topic closed', () => telegram.topics[0]!.closed);
    const link = `/api/incidents/${incident.id}/postmortem`;
    const messages = inThread();
    const linkAt = messages.findIndex((m) => m.content.includes(link));
    expect(linkAt).toBeGreaterThan(-1);
    expect(messages.findIndex((m) => title(m).includes('resolved'))).toBeLessThan(linkAt);
    expect(telegram.messages.some((m) => m.messageThreadId === telegram.topics[0]!.messageThreadId && m.text.includes(link))).toBe(true);
    const resolved: Incident = await until('the close on the timeline', async () => {
      const current = await get(incident.id);
      return current.timeline.filter((e) => e.kind === 'war_room' && /archived|closed/.test(e.text)).length === 2 ? current : undefined;
    });
    expect(resolved.status).toBe('resolved');
    // a notice after the resolution (the postmortem anchored) reaches the closed room, which is closed again
    await service.engine.record(incident.id, [{ kind: 'anchored', text: 'Postmortem anchored (test)', actor: 'api:test' }], undefined, [
      { type: 'notify', kind: 'anchored', dedup: 'anchored:0xabc', vars: { txHash: '0xabc', digest: '0xdef', cid: 'bafy' } },
    ]);
    await until('the anchored notice in the thread, archived again', () => inThread().some((m) => title(m).includes('postmortem anchored')) && thread().thread_metadata.archived);
    const topicId = telegram.topics[0]!.messageThreadId;
    await until('the anchored notice in the topic, closed again', () => telegram.messages.some((m) => m.messageThreadId === topicId && m.text.includes('anchored')) && telegram.topics[0]!.closed);
    await until('every room row done', async () => (await listOutbox(service.store.db, { incidentId: incident.id })).filter((r) => r.channel.startsWith('warroom-')).every((r) => r.status === 'sent' || r.status === 'failed'));
    expect(thread().thread_metadata.archived).toBe(true);
    expect(telegram.topics[0]!.closed).toBe(true);
    // the platforms refused the first try in the closed room (50083 / TOPIC_CLOSED): reopened, sent, closed again
    expect(discord.requests.some((r) => r.method === 'POST' && r.path.endsWith(`/channels/${thread().id}/messages`) && r.status === 400)).toBe(true);
    expect(telegram.requests.some((r) => r.method === 'reopenForumTopic' && r.status === 200)).toBe(true);
    // nothing in the room failed
    const rows = await listOutbox(service.store.db, { incidentId: incident.id });
    expect(rows.filter((r) => r.channel.startsWith('warroom-') && r.status === 'failed')).toEqual([]);
  }, 300_000);
});
