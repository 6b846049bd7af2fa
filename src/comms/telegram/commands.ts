/**
 * Telegram chat commands: /status, /ack, /update <text>, /note <text>, /role <role> <who>,
 * /resolve [text], /rollback [proxy], each with an optional incident id (`/ack INC-0003`); without one they act on the
 * war room's incident when sent in its topic, else on the single open incident, and ask to name it
 * when several are open. /declare <S0–S3> <title> opens one. /note sent as a reply puts the quoted
 * message (author, time, text) on the timeline, once. Mutating commands run only for `telegram.allowedUserIds`; the
 * engine records each one on the incident's timeline with the actor `telegram:<username or id>`.
 * Replies are plain text (no parse mode), so text from the chat can never be read as markup.
 */
import type { IncidentCommands } from '../../core/commands.ts';
import { FirebreakError, reasonOf } from '../../core/errors.ts';
import { formatUtc } from '../../core/format.ts';
import type { Incident, IncidentStatus, Severity } from '../../core/types.ts';
import { ROLES } from '../../core/types.ts';
import { quoteText } from '../warroom/scribe.ts';

export const TELEGRAM_COMMANDS = ['status', 'declare', 'ack', 'update', 'note', 'role', 'resolve', 'rollback'] as const;
export type TelegramCommandName = (typeof TELEGRAM_COMMANDS)[number];
const MUTATING: ReadonlySet<TelegramCommandName> = new Set(['declare', 'ack', 'update', 'note', 'role', 'resolve', 'rollback']);

/** A chat message quoted by a command sent as a reply (the scribe's /note). */
export interface QuotedMessage {
  chatId: string;
  messageId: number;
  text: string;
  author: string;
  /** when it was sent (ISO) */
  at: string | null;
}

export interface ParsedCommand {
  name: TelegramCommandName;
  incidentId: string | null;
  text: string;
  /** the message this command replied to, if any */
  quoted?: QuotedMessage;
}

/** `/update@FirebreakBot INC-0002 fix deployed` → {name:'update', incidentId:'INC-0002', text:'fix deployed'}; null when not ours. */
export function parseCommand(messageText: string): ParsedCommand | null {
  const match = /^\/([a-z_]+)(?:@\w+)?(?:\s+([\s\S]*))?$/i.exec(messageText.trim());
  if (!match) return null;
  const name = match[1]!.toLowerCase() as TelegramCommandName;
  if (!TELEGRAM_COMMANDS.includes(name)) return null;
  let rest = (match[2] ?? '').trim();
  let incidentId: string | null = null;
  const id = /^(INC-\d+)\b\s*:?\s*/i.exec(rest);
  if (id) {
    incidentId = id[1]!.toUpperCase();
    rest = rest.slice(id[0].length).trim();
  }
  return { name, incidentId, text: rest };
}

export interface CommandSender {
  userId: string;
  username?: string;
}

export function actorOf(sender: CommandSender): string {
  return `telegram:${sender.username ? sender.username : sender.userId}`;
}

export interface CommandOutcome {
  reply: string;
  /** the command was refused (not allowed) or invalid: nothing changed */
  refused: boolean;
  incidentId?: string;
}

const STATUS_WORDS: readonly IncidentStatus[] = ['investigating', 'identified', 'monitoring'];

export async function runCommand(
  engine: IncidentCommands,
  command: ParsedCommand,
  sender: CommandSender,
  allowedUserIds: readonly string[],
): Promise<CommandOutcome> {
  if (MUTATING.has(command.name) && !allowedUserIds.includes(sender.userId)) {
    // nothing changes, but the attempt is on the timeline of the incident it was aimed at (the
    // scribe's quoting /note excepted: a refused quote leaves the timeline exactly as it was)
    const aimed = command.quoted ? null : await targetIncident(engine, command).catch(() => null);
    if (aimed && 'incident' in aimed) {
      await engine.logCommand(aimed.incident.id, `Refused /${command.name} from Telegram: not an allowed user.`, actorOf(sender)).catch(() => {});
    }
    return { reply: `/${command.name} is not allowed for you: ask an incident responder to add your user id (${sender.userId}) to telegram.allowedUserIds.`, refused: true };
  }
  if (command.name === 'declare') return declare(engine, command, actorOf(sender));
  const target = await targetIncident(engine, command);
  if ('reply' in target) return target;
  const incident = target.incident;
  const actor = actorOf(sender);
  try {
    switch (command.name) {
      case 'status':
        await engine.logCommand(incident.id, '/status asked from Telegram.', actor).catch(() => {});
        return { reply: statusText(incident), refused: false, incidentId: incident.id };
      case 'ack': {
        if (incident.status === 'resolved') return { reply: `${incident.id} is already resolved.`, refused: true, incidentId: incident.id };
        const after = await engine.acknowledge(incident.id, actor);
        const by = after.acknowledgedBy === actor ? 'you' : after.acknowledgedBy;
        return { reply: `${incident.id} acknowledged by ${by}.`, refused: false, incidentId: incident.id };
      }
      case 'update': {
        const { status, message } = splitStatus(command.text);
        if (!message) return { reply: 'Usage: /update [INC-0001] [investigating|identified|monitoring:] <what is known and being done>', refused: true };
        const after = await engine.postUpdate(incident.id, { message, status }, actor);
        return { reply: `Update posted on ${incident.id} (${after.status}).`, refused: false, incidentId: incident.id };
      }
      case 'note': {
        if (command.quoted) return noteQuoted(engine, incident, command.quoted, actor);
        if (!command.text) return { reply: 'Usage: /note [INC-0001] <a line for the timeline>, or reply to a message with /note', refused: true };
        await engine.addNote(incident.id, command.text, actor);
        return { reply: `Noted on ${incident.id}.`, refused: false, incidentId: incident.id };
      }
      case 'role': {
        const match = /^(commander|techLead|comms|scribe)\s+(\S[\s\S]*)$/i.exec(command.text);
        const role = match ? ROLES.find((r) => r.toLowerCase() === match[1]!.toLowerCase()) : undefined;
        if (!match || !role) return { reply: `Usage: /role [INC-0001] <${ROLES.join('|')}> <who>`, refused: true };
        await engine.assignRole(incident.id, role, match[2]!.trim(), actor);
        return { reply: `${incident.id}: ${match[2]!.trim()} is ${role}.`, refused: false, incidentId: incident.id };
      }
      // (/rollback joins here: the rollback governor's command)
      case 'resolve': {
        if (incident.status === 'resolved') return { reply: `${incident.id} is already resolved.`, refused: true, incidentId: incident.id };
        await engine.resolve(incident.id, actor, command.text || undefined);
        return { reply: `${incident.id} resolved.`, refused: false, incidentId: incident.id };
      }
      case 'rollback': {
        // `/rollback [INC-0001] [0xproxy]`: a person's decision to roll back a bad upgrade (§8)
        if (!engine.requestRollback) return { reply: 'No rollbacks are configured (governance.rollbackGovernor.rollbacks).', refused: true, incidentId: incident.id };
        const queued = await engine.requestRollback(incident.id, command.text || undefined, actor);
        return { reply: `${incident.id}: rollback of ${queued.bridge} (${queued.proxy}) from ${queued.fromImpl} to ${queued.toImpl} queued; the transaction will be on the timeline.`, refused: false, incidentId: incident.id };
      }
    }
  } catch (error) {
    // a rule said no (resolved incident, empty text): tell the person; anything else is ours to fix
    if (error instanceof FirebreakError && error.status < 500) return { reply: `Not done: ${reasonOf(error)}`, refused: true, incidentId: incident.id };
    throw error;
  }
}

async function declare(engine: IncidentCommands, command: ParsedCommand, actor: string): Promise<CommandOutcome> {
  const match = /^(S[0-3])\b\s*:?\s*(\S[\s\S]*)$/i.exec(command.text);
  if (!match) return { reply: 'Usage: /declare <S0|S1|S2|S3> <title>', refused: true };
  const incident = await engine.declare({ title: match[2]!.trim(), severity: match[1]!.toUpperCase() as Severity }, actor);
  return { reply: `Declared ${incident.id} (${incident.severity}): ${incident.title}`, refused: false, incidentId: incident.id };
}

/** The quoted chat message on the timeline, once: a second /note on the same message adds nothing. */
async function noteQuoted(engine: IncidentCommands, incident: Incident, quoted: QuotedMessage, actor: string): Promise<CommandOutcome> {
  if (!quoted.text.trim()) return { reply: 'That message has no text to add.', refused: true, incidentId: incident.id };
  const { added } = await engine.addOnce(
    incident.id,
    {
      once: `telegram:${quoted.chatId}:${quoted.messageId}`,
      kind: 'note',
      text: quoteText('Telegram', quoted.author, quoted.at, quoted.text),
      data: { source: 'telegram', chatId: quoted.chatId, messageId: quoted.messageId, author: quoted.author, sentAt: quoted.at },
    },
    actor,
  );
  return { reply: added ? `Added that message to ${incident.id}'s timeline.` : `That message is already on ${incident.id}'s timeline.`, refused: false, incidentId: incident.id };
}

async function targetIncident(engine: IncidentCommands, command: ParsedCommand): Promise<{ incident: Incident } | CommandOutcome> {
  if (command.incidentId) {
    const incident = await engine.get(command.incidentId);
    return incident ? { incident } : { reply: `There is no incident ${command.incidentId}.`, refused: true };
  }
  const open = await engine.list({ status: 'open' });
  if (open.length === 1) return { incident: open[0]! };
  if (open.length === 0) return { reply: 'No incident is open.', refused: command.name !== 'status' };
  const ids = open.map((i) => `${i.id} (${i.severity}) ${i.title}`).join('\n');
  return { reply: `${open.length} incidents are open; name one, e.g. /${command.name} ${open[0]!.id}:\n${ids}`, refused: true };
}

function splitStatus(text: string): { status?: IncidentStatus; message: string } {
  const match = /^(investigating|identified|monitoring)\b\s*:?\s*/i.exec(text);
  if (!match) return { message: text };
  const status = match[1]!.toLowerCase() as IncidentStatus;
  return STATUS_WORDS.includes(status) ? { status, message: text.slice(match[0].length).trim() } : { message: text };
}

export function statusText(incident: Incident): string {
  const lines = [
    `${incident.id} · ${incident.severity} · ${incident.status}`,
    incident.title,
    `Started ${formatUtc(incident.startedAt)}`,
    incident.acknowledgedAt ? `Acknowledged by ${incident.acknowledgedBy ?? 'someone'}` : 'Not acknowledged yet',
  ];
  if (incident.resolvedAt) lines.push(`Resolved ${formatUtc(incident.resolvedAt)}`);
  else if (incident.nextUpdateDue) lines.push(`Next update by ${formatUtc(incident.nextUpdateDue)}`);
  return lines.join('\n');
}
