/**
 * From a template set to platform payloads: picks `<kind>.<audience>.md` (or the shared
 * `<kind>.internal.md` for ops/dev/comms), renders it for Discord (an embed within Discord's
 * limits) and Telegram (MarkdownV2 text). Pure.
 */
import { createHash } from 'node:crypto';
import type { Audience, Severity } from '../core/types.ts';
import { truncateMarkdownV2 } from './markdown-v2.ts';
import { DISCORD, type Dialect, PLAIN, TELEGRAM, type Vars, expandIncludes, renderTemplate, truncate } from './render.ts';

/** The kinds that have templates: the engine's notifications, plus the page and the live status card. */
export type MessageKind = string;
export const LIVE_KIND = 'live';
export const PAGE_KIND = 'page';

export const DISCORD_LIMITS = { title: 256, description: 4096, footer: 2048, total: 6000, content: 2000 } as const;
export const TELEGRAM_LIMIT = 4096;

export interface DiscordEmbed {
  title: string;
  description: string;
  color: number;
  footer?: { text: string };
  timestamp?: string;
}

export interface DiscordPayload {
  channelId: string | null;
  content?: string;
  embeds: DiscordEmbed[];
  allowedMentions: { users: string[]; roles: string[] };
  nonce: string;
  liveStatus?: boolean;
  /** plain text for the dashboard */
  text: string;
}

export interface TelegramPayload {
  chatId: string | null;
  text: string;
  parseMode: 'MarkdownV2';
  /** the live-status card, edited in place */
  liveStatus?: boolean;
}

/** Which template file serves a kind for an audience; null = that audience does not get it. */
export function templateFile(templates: Record<string, string>, kind: MessageKind, audience: Audience): string | null {
  const own = `${kind}.${audience}.md`;
  if (templates[own] !== undefined) return own;
  if (audience !== 'community' && templates[`${kind}.internal.md`] !== undefined) return `${kind}.internal.md`;
  return null;
}

export function renderFile(templates: Record<string, string>, file: string, vars: Vars, dialect: Dialect) {
  return renderTemplate(expandIncludes(templates[file] ?? '', templates), vars, dialect);
}

const COLORS: Record<Severity, number> = { S0: 0xb00020, S1: 0xe8590c, S2: 0xf59f00, S3: 0x1c7ed6 };
const RESOLVED_COLOR = 0x2f9e44;

/** Discord's nonce is at most 25 characters: a digest of the idempotency key. */
export function nonceFor(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 25);
}

/** `<@111>` → user 111, `<@&9>` → role 9; anything else mentions nobody. */
export function mentionsOf(handles: string[]): { users: string[]; roles: string[] } {
  const users: string[] = [];
  const roles: string[] = [];
  for (const handle of handles) {
    const user = /^<@!?(\d+)>$/.exec(handle.trim());
    const role = /^<@&(\d+)>$/.exec(handle.trim());
    if (user) users.push(user[1]!);
    else if (role) roles.push(role[1]!);
  }
  return { users, roles };
}

export function discordMessage(
  templates: Record<string, string>,
  file: string,
  vars: Vars,
  options: { channelId: string | null; key: string; severity: Severity; resolved: boolean; at: Date; mentions?: string[]; liveStatus?: boolean },
): { payload: DiscordPayload; missing: string[] } {
  const rendered = renderFile(templates, file, vars, DISCORD);
  const plain = renderFile(templates, file, vars, PLAIN);
  const footer = truncate(`Firebreak · ${vars['incident.id'] ?? ''} · ${vars.now ?? ''}`, DISCORD_LIMITS.footer);
  const title = truncate(rendered.title || (vars['incident.id'] ?? 'Incident'), DISCORD_LIMITS.title);
  // the total (title + description + footer) must stay within 6000 as well
  const room = Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.total - title.length - footer.length - 10);
  const embed: DiscordEmbed = {
    title,
    description: truncate(rendered.body || '—', room),
    color: options.resolved ? RESOLVED_COLOR : COLORS[options.severity],
    footer: { text: footer },
    timestamp: options.at.toISOString(),
  };
  const mentions = options.mentions ?? [];
  const payload: DiscordPayload = {
    channelId: options.channelId,
    embeds: [embed],
    allowedMentions: mentionsOf(mentions),
    nonce: nonceFor(options.key),
    text: [plain.title, plain.body].filter(Boolean).join('\n'),
  };
  // mentions only notify from `content` (not embeds); only the paged handles go there
  if (mentions.length > 0) payload.content = truncate(mentions.join(' '), DISCORD_LIMITS.content);
  if (options.liveStatus) payload.liveStatus = true;
  return { payload, missing: rendered.missing };
}

export function telegramMessage(templates: Record<string, string>, file: string, vars: Vars, chatId: string | null): { payload: TelegramPayload; missing: string[] } {
  const rendered = renderFile(templates, file, vars, TELEGRAM);
  const text = [rendered.title ? `*${rendered.title}*` : '', rendered.body].filter(Boolean).join('\n\n');
  return { payload: { chatId, text: truncateMarkdownV2(text, TELEGRAM_LIMIT), parseMode: 'MarkdownV2' }, missing: rendered.missing };
}
