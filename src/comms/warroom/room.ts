/**
 * War rooms (SPEC §6), the pure part: which incidents get one, the room's name, the outbox channels
 * and keys its work is queued under, and the briefing's variables. A room is a Discord thread in
 * the `ops` channel and a forum topic in `telegram.warRoomChat`; everything done to it (open,
 * post, rename, close) is an outbox row on one channel per incident and platform, so it happens
 * in order and survives a restart.
 */
import { runbookKindOf } from '../../core/incident.ts';
import type { Incident } from '../../core/types.ts';
import type { Config } from '../../config/types.ts';
import type { Vars } from '../render.ts';

export type RoomPlatform = 'discord' | 'telegram';
/** deliverer prefixes: `warroom-discord:INC-0001`, `warroom-telegram:INC-0001` */
export const ROOM_PREFIX: Record<RoomPlatform, string> = { discord: 'warroom-discord', telegram: 'warroom-telegram' };
export const ROOM_OPEN_KIND = 'room-open';
export const BRIEFING_KIND = 'briefing';
export const NAME_LIMIT = 100;

export function roomChannel(platform: RoomPlatform, incidentId: string): string {
  return `${ROOM_PREFIX[platform]}:${incidentId}`;
}

export function openKey(platform: RoomPlatform, incidentId: string): string {
  return `${incidentId}:room:${platform}:open`;
}

/** The platforms a room can be opened on with this config. */
export function roomPlatforms(config: Config): RoomPlatform[] {
  const platforms: RoomPlatform[] = [];
  if (config.discord?.token && config.discord.channels.ops) platforms.push('discord');
  if (config.telegram?.token && config.telegram.warRoomChat) platforms.push('telegram');
  return platforms;
}

export function wantsRoom(config: Config, incident: Pick<Incident, 'severity' | 'status'>): boolean {
  return incident.status !== 'resolved' && config.playbooks.levels[incident.severity].warRoom === true;
}

/** At most `max` code points and at most `max` UTF-16 units, never half a character. */
export function cutCodePoints(text: string, max: number): string {
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
}

/** `INC-0001 · S1 · Drill bridge: transfers stuck`, within Discord's 100 (Telegram allows 128). */
export function roomName(incident: Pick<Incident, 'id' | 'severity' | 'title'>): string {
  const oneLine = incident.title.replace(/\s+/g, ' ').trim();
  return cutCodePoints(`${incident.id} · ${incident.severity} · ${oneLine}`, NAME_LIMIT);
}

/** The runbook that applies to the incident (the briefing's checklist, the step buttons). */
export function runbookSteps(config: Config, incident: Pick<Incident, 'key' | 'source'>): string[] {
  const runbooks = config.playbooks.runbooks as Record<string, { steps: string[] } | undefined>;
  return runbooks[runbookKindOf(incident)]?.steps ?? [];
}

/** What the briefing shows besides the incident's own variables; `rollback`: the allowed rollback and how to run it (the incident's advice). */
export interface BriefingExtras {
  rollback?: string | null;
}

export function briefingVars(config: Config, incident: Incident, extras: BriefingExtras = {}): Vars {
  const steps = runbookSteps(config, incident);
  const base = config.server.publicUrl?.replace(/\/+$/, '');
  const cid = incident.mirror.cid;
  return {
    'room.checklist': steps.map((step, i) => `☐ ${i + 1}) ${step}`).join('\n'),
    'room.mirror': cid ? (base ? `${base}/ipfs/${cid}/` : `ipfs://${cid}`) : '',
    'room.rollback': extras.rollback ?? '',
    'room.postmortem': postmortemLink(config, incident.id),
  };
}

/** Where people read the postmortem: the API route, absolute when `server.publicUrl` is set. */
export function postmortemLink(config: Config, incidentId: string): string {
  const base = config.server.publicUrl?.replace(/\/+$/, '') ?? `http://${config.server.host}:${config.server.port}`;
  return `${base}/api/incidents/${encodeURIComponent(incidentId)}/postmortem`;
}

/** Telegram's link to a topic of a supergroup (`-100123…` → t.me/c/123…/<topic>). */
export function telegramTopicLink(chatId: string, topicId: number): string | null {
  const match = /^-100(\d+)$/.exec(chatId);
  return match ? `https://t.me/c/${match[1]}/${topicId}` : null;
}

/** Runbook step buttons: `fb:step:<incident>:<index>:<done|skip>` (Discord allows 100 characters). */
export function stepCustomId(incidentId: string, index: number, outcome: 'done' | 'skip'): string {
  return `fb:step:${incidentId}:${index}:${outcome}`;
}

export function parseStepCustomId(customId: string): { incidentId: string; index: number; outcome: 'done' | 'skip' } | null {
  const match = /^fb:step:(INC-\d+):(\d{1,3}):(done|skip)$/.exec(customId);
  return match ? { incidentId: match[1]!, index: Number(match[2]), outcome: match[3] as 'done' | 'skip' } : null;
}

/** Sample values for `validate` (templates that use the briefing's variables). */
export const SAMPLE_BRIEFING_VARS: Vars = {
  'room.checklist': '☐ 1) Confirm the stall\n☐ 2) Check the relayer',
  'room.mirror': 'ipfs://bafy',
  'room.rollback': '',
  'room.postmortem': 'http://127.0.0.1:8787/api/incidents/INC-0001/postmortem',
};
