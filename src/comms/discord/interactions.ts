/**
 * `POST /webhooks/discord`: Discord's interactions endpoint. Every request is verified (Ed25519
 * over timestamp + raw body with `discord.publicKey`); forged, unsigned or older than 5 minutes
 * (replay) → 401. Each interaction id is handled once (inbound_events). `/incident` runs the
 * incident engine's commands as `discord:<user>`; the mutating ones need a role in
 * `allowedRoleIds`, anybody else gets an ephemeral refusal and nothing changes.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { Hono } from 'hono';
import { sql } from 'kysely';
import type { IncidentCommands } from '../../core/commands.ts';
import { reasonOf } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Incident, IncidentStatus, Role, Severity } from '../../core/types.ts';
import type { DiscordConfig } from '../../config/types.ts';
import type { Db } from '../../store/store.ts';
import { statusReply } from './replies.ts';
import { escapeDiscord } from '../render.ts';
import { createDiscordRest } from './deliver.ts';
import { type REST, Routes } from 'discord.js';
import { cutCodePoints } from '../../core/text.ts';
import { incidentOfThread } from '../warroom/lookup.ts';
import { type ChatMessage, type ScribeDeps, addToTimeline, pressStep } from '../warroom/scribe.ts';

export const MAX_INTERACTION_AGE_MS = 5 * 60_000;
export const MUTATING = new Set(['declare', 'ack', 'update', 'note', 'role', 'resolve', 'rollback']);
const EPHEMERAL = 64;

export interface InteractionDeps {
  config?: DiscordConfig;
  db: Db;
  commands: IncidentCommands;
  logger: Logger;
  now: () => Date;
  /** Discord waits 3 s for the answer: a slower command is deferred and its reply edited in later */
  deferAfterMs?: number;
  /** for the deferred reply (the interaction webhook); defaults to one built from `config` */
  rest?: REST;
  /** the runbook steps of an incident (war-room step buttons); without it the buttons answer "no step" */
  runbookSteps?: ScribeDeps['runbookSteps'];
}

/** The raw 32-byte Ed25519 public key (hex, as Discord shows it) as a node:crypto key. */
export function discordPublicKey(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error('discord.publicKey must be 64 hex characters');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(hex, 'hex').toString('base64url') }, format: 'jwk' });
}

export function verifySignature(key: KeyObject, timestamp: string, body: string, signatureHex: string): boolean {
  if (!/^[0-9a-fA-F]{128}$/.test(signatureHex)) return false;
  try {
    return verify(null, Buffer.from(timestamp + body), key, Buffer.from(signatureHex, 'hex'));
  } catch {
    return false;
  }
}

interface CommandOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  options?: CommandOption[];
}

interface Interaction {
  id: string;
  type: number;
  application_id?: string;
  token?: string;
  /** where it was used: a war room thread makes commands act on its incident */
  channel_id?: string;
  data?: {
    name: string;
    options?: CommandOption[];
    /** application command type: 1 slash command, 3 message command */
    type?: number;
    target_id?: string;
    resolved?: { messages: Record<string, ChatMessage> };
    /** message components (type 3 interactions) */
    custom_id?: string;
  };
  member?: { roles?: string[]; user?: { id: string; username?: string } };
  user?: { id: string; username?: string };
}

function reply(content: string, ephemeral = false) {
  return { type: 4, data: { content: cutCodePoints(content, 2000), allowed_mentions: { parse: [] }, ...(ephemeral ? { flags: EPHEMERAL } : {}) } };
}

export function createDiscordInteractions(deps: InteractionDeps): Hono {
  const app = new Hono();
  const key = deps.config?.publicKey ? safeKey(deps.config.publicKey, deps.logger) : null;

  app.post('/webhooks/discord', async (c) => {
    if (!key) return c.json({ error: 'Discord interactions are not configured (discord.publicKey)' }, 401);
    const body = await c.req.text();
    const signature = c.req.header('x-signature-ed25519') ?? '';
    const timestamp = c.req.header('x-signature-timestamp') ?? '';
    if (!signature || !timestamp || !verifySignature(key, timestamp, body, signature)) {
      return c.json({ error: 'invalid request signature' }, 401);
    }
    const sentAt = Number(timestamp) * 1000;
    // Discord stamps wall-clock time: compare with the wall clock, not the engine's (drills move that one)
    if (!Number.isFinite(sentAt) || Math.abs(Date.now() - sentAt) > MAX_INTERACTION_AGE_MS) {
      return c.json({ error: 'interaction timestamp is too old (replay?)' }, 401);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return c.json({ error: 'body is not JSON' }, 400);
    }
    const interaction = asInteraction(parsed);
    if (!interaction) return c.json({ error: 'body is not a Discord interaction (a JSON object)' }, 400);
    if (interaction.type === 1) return c.json({ type: 1 });
    // 2: application command (slash or message command), 3: message component (runbook buttons)
    if ((interaction.type !== 2 && interaction.type !== 3) || !interaction.data) return c.json(reply('This interaction is not supported.', true));
    if (!interaction.id) return c.json({ error: 'interaction id is missing' }, 400);
    const fresh = await sql<{ id: string }>`insert into inbound_events (id, source, received_at)
      values (${`discord:${interaction.id}`}, 'discord', ${deps.now()}) on conflict (id) do nothing returning id`.execute(deps.db);
    if (fresh.rows.length === 0) return c.json(reply('This interaction was already handled.', true));
    const work = runCommand(deps, interaction);
    const quick = await Promise.race([work, new Promise<null>((resolve) => setTimeout(() => resolve(null), deps.deferAfterMs ?? 2_500).unref())]);
    if (quick) return c.json(quick);
    // too slow for Discord's 3 s window: say "thinking…" now, put the answer in when it is ready
    void work
      .then((answer) => editOriginal(deps, interaction, answer.data))
      .catch((error: unknown) => deps.logger.error({ interaction: interaction.id, reason: reasonOf(error) }, 'deferred Discord reply failed'));
    return c.json({ type: 5 });
  });
  return app;
}

async function editOriginal(deps: InteractionDeps, interaction: Interaction, data: ReturnType<typeof reply>['data']): Promise<void> {
  if (!interaction.application_id || !interaction.token || !deps.config) return;
  const rest = deps.rest ?? createDiscordRest(deps.config);
  const { flags: _ephemeralOnlyAtDeferral, ...body } = data as typeof data & { flags?: number };
  await rest.patch(Routes.webhookMessage(interaction.application_id, interaction.token, '@original'), { body, auth: false });
}

/** Signed JSON is still outside input: reduce it to the fields read here, of the types read (else absent). */
function asInteraction(value: unknown): Interaction | null {
  if (!isRecord(value)) return null;
  const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  const person = (u: unknown) => (isRecord(u) && text(u.id) ? { id: text(u.id)!, username: typeof u.username === 'string' ? u.username : undefined } : undefined);
  const data = isRecord(value.data)
    ? {
        name: typeof value.data.name === 'string' ? value.data.name : '',
        options: asOptions(value.data.options),
        type: typeof value.data.type === 'number' ? value.data.type : undefined,
        target_id: text(value.data.target_id),
        resolved: asResolved(value.data.resolved),
        custom_id: typeof value.data.custom_id === 'string' ? value.data.custom_id : undefined,
      }
    : undefined;
  const member = isRecord(value.member)
    ? { roles: Array.isArray(value.member.roles) ? value.member.roles.filter((r): r is string => typeof r === 'string') : [], user: person(value.member.user) }
    : undefined;
  return {
    id: text(value.id) ?? '',
    type: typeof value.type === 'number' ? value.type : -1,
    application_id: text(value.application_id),
    token: typeof value.token === 'string' ? value.token : undefined,
    channel_id: text(value.channel_id),
    data,
    member,
    user: person(value.user),
  };
}

/** `data.resolved.messages` of a message command: id → {content, author, timestamp, embeds}. */
function asResolved(value: unknown): { messages: Record<string, ChatMessage> } | undefined {
  if (!isRecord(value) || !isRecord(value.messages)) return undefined;
  const messages: Record<string, ChatMessage> = {};
  for (const [id, m] of Object.entries(value.messages)) {
    if (!isRecord(m)) continue;
    const author = isRecord(m.author) && (typeof m.author.id === 'string' || typeof m.author.id === 'number')
      ? { id: String(m.author.id), username: typeof m.author.username === 'string' ? m.author.username : undefined, global_name: typeof m.author.global_name === 'string' ? m.author.global_name : undefined }
      : undefined;
    const embeds = Array.isArray(m.embeds)
      ? m.embeds.filter(isRecord).map((e) => ({ title: typeof e.title === 'string' ? e.title : undefined, description: typeof e.description === 'string' ? e.description : undefined }))
      : [];
    messages[id] = {
      id,
      channel_id: typeof m.channel_id === 'string' ? m.channel_id : undefined,
      content: typeof m.content === 'string' ? m.content : '',
      timestamp: typeof m.timestamp === 'string' ? m.timestamp : undefined,
      author,
      embeds,
    };
  }
  return { messages };
}

function asOptions(value: unknown): CommandOption[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value
    .filter((o): o is Record<string, unknown> => isRecord(o) && typeof o.name === 'string')
    .map((o) => ({
      name: o.name as string,
      type: typeof o.type === 'number' ? o.type : 0,
      value: typeof o.value === 'string' || typeof o.value === 'number' || typeof o.value === 'boolean' ? o.value : undefined,
      options: asOptions(o.options),
    }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function safeKey(hex: string, logger: Logger): KeyObject | null {
  try {
    return discordPublicKey(hex);
  } catch (error) {
    logger.error({ reason: reasonOf(error) }, 'discord.publicKey is unusable; interactions are refused');
    return null;
  }
}

async function runCommand(deps: InteractionDeps, interaction: Interaction) {
  const scribe = await warRoomAction(deps, interaction);
  if (scribe) return reply(scribe.content, scribe.ephemeral);
  const sub = interaction.data!.options?.[0];
  if (interaction.data!.name !== 'incident' || !sub) return reply('Unknown command. Use /incident.', true);
  const options = Object.fromEntries((sub.options ?? []).map((o) => [o.name, String(o.value ?? '')]));
  const user = interaction.member?.user ?? interaction.user;
  const actor = `discord:${user?.username ?? user?.id ?? 'unknown'}`;
  const log = deps.logger.child({ interaction: interaction.id, subcommand: sub.name, actor });
  if (MUTATING.has(sub.name)) {
    const roles = interaction.member?.roles ?? [];
    const allowed = deps.config?.allowedRoleIds ?? [];
    if (!roles.some((role) => allowed.includes(role))) {
      log.warn({ roles: interaction.member?.roles ?? [] }, 'refused: no allowed role');
      const target = await targetIncident(deps, options.incident, interaction.channel_id).catch(() => null);
      if (target && 'id' in target) await deps.commands.logCommand(target.id, `Refused /incident ${sub.name} from Discord: no responder role.`, actor).catch(() => {});
      return reply(`You need an incident-responder role to run /incident ${sub.name}. Nothing was changed.`, true);
    }
  }
  try {
    if (sub.name === 'declare') {
      const incident = await deps.commands.declare({ title: options.title ?? '', severity: (options.severity ?? '') as Severity, summary: options.summary }, actor);
      log.info({ incident: incident.id }, 'declared from Discord');
      return reply(`Declared ${incident.id} (${incident.severity}): ${incident.title}`);
    }
    const target = await targetIncident(deps, options.incident, interaction.channel_id);
    if (!target) return reply(options.incident ? `No incident ${options.incident}.` : 'There is no open incident.', true);
    if ('refusal' in target) return reply(target.refusal, true);
    let incident: Incident;
    switch (sub.name) {
      case 'status':
        await deps.commands.logCommand(target.id, '/incident status asked from Discord.', actor).catch(() => {});
        return reply(statusReply(target, deps.now()));
      case 'ack':
        incident = await deps.commands.acknowledge(target.id, actor);
        return reply(`${incident.id} acknowledged by ${incident.acknowledgedBy}.`);
      case 'update':
        incident = await deps.commands.postUpdate(target.id, { message: options.message ?? '', status: options.status ? (options.status as IncidentStatus) : undefined }, actor);
        return reply(`Update posted on ${incident.id} (status ${incident.status}).`);
      case 'note':
        incident = await deps.commands.addNote(target.id, options.text ?? '', actor);
        return reply(`Note added to ${incident.id}'s timeline.`, true);
      case 'role':
        incident = await deps.commands.assignRole(target.id, (options.role ?? '') as Role, options.who ?? '', actor);
        return reply(`${incident.id}: ${options.who} is ${options.role}.`);
      case 'resolve':
        incident = await deps.commands.resolve(target.id, actor, options.message || undefined);
        return reply(`${incident.id} resolved.`);
      case 'rollback': {
        if (!deps.commands.requestRollback) return reply('No rollbacks are configured (governance.rollbackGovernor.rollbacks).', true);
        const queued = await deps.commands.requestRollback(target.id, options.proxy || undefined, actor);
        return reply(`${target.id}: rollback of ${queued.bridge} (${queued.proxy}) from ${queued.fromImpl} to ${queued.toImpl} queued; the transaction will be on the timeline.`);
      }
      default:
        return reply(`Unknown subcommand ${sub.name}.`, true);
    }
  } catch (error) {
    log.warn({ reason: reasonOf(error) }, 'command failed');
    return reply(`Could not run /incident ${sub.name}: ${reasonOf(error)}`, true);
  }
}

/**
 * The named incident; else the incident whose war room the command was sent in; else the only open
 * one. With several open and none named, nothing is guessed: the answer lists their ids.
 */
async function targetIncident(deps: InteractionDeps, id: string | undefined, channelId: string | undefined): Promise<Incident | { refusal: string } | null> {
  if (id) return deps.commands.get(id.trim().toUpperCase());
  const room = channelId ? await incidentOfThread(deps.db, channelId) : null;
  if (room) return deps.commands.get(room);
  const open = await deps.commands.list({ status: 'open', limit: 50 });
  if (open.length <= 1) return open[0] ?? null;
  const ids = open.map((i) => `${i.id} (${i.severity}) ${escapeDiscord(i.title)}`).join('\n');
  return { refusal: `${open.length} incidents are open: name one with the incident option, or run the command in its war room thread. Nothing was changed.\n${ids}` };
}

/** The war room's scribe tools: the "Add to timeline" message command and the runbook step buttons. */
async function warRoomAction(deps: InteractionDeps, interaction: Interaction): Promise<{ content: string; ephemeral: boolean } | null> {
  const data = interaction.data!;
  const user = interaction.member?.user ?? interaction.user;
  const scribe: ScribeDeps = {
    db: deps.db,
    commands: deps.commands,
    allowedRoleIds: deps.config?.allowedRoleIds ?? [],
    runbookSteps: deps.runbookSteps ?? (() => []),
  };
  const base = { roles: interaction.member?.roles ?? [], actor: `discord:${user?.username ?? user?.id ?? 'unknown'}` };
  if (interaction.type === 3) return pressStep(scribe, { ...base, customId: data.custom_id ?? '' });
  if (data.type === 3) {
    return addToTimeline(scribe, { ...base, channelId: interaction.channel_id, targetId: data.target_id, messages: data.resolved?.messages ?? {} });
  }
  return null;
}
