/**
 * What people do from a war room on Discord, through the interactions endpoint (no gateway):
 * the message command "Add to timeline" (an APPLICATION_COMMAND interaction with `data.type` 3,
 * `data.target_id` and the message in `data.resolved.messages`) and the runbook step buttons
 * (MESSAGE_COMPONENT interactions, type 3, whose custom_id names the incident and the step). Both
 * need a role in `discord.allowedRoleIds`; anybody else is told so and nothing changes. A message
 * added twice, or a step marked twice the same way, is on the timeline once.
 */
import type { IncidentCommands } from '../../core/commands.ts';
import { reasonOf } from '../../core/errors.ts';
import { formatUtc } from '../../core/format.ts';
import type { Incident } from '../../core/types.ts';
import type { Db } from '../../store/store.ts';
import { escapeDiscord } from '../render.ts';
import { incidentOfThread } from './lookup.ts';
import { cutCodePoints, parseStepCustomId } from './room.ts';

export const ADD_TO_TIMELINE = 'Add to timeline';
/** longest chat message kept on the timeline (Discord allows 2,000, Telegram 4,096) */
const QUOTE_LIMIT = 1_500;

export interface ScribeDeps {
  db: Db;
  commands: IncidentCommands;
  allowedRoleIds: readonly string[];
  /** the runbook steps of an incident (the briefing's buttons) */
  runbookSteps(incident: Incident): string[];
}

export interface ScribeAnswer {
  content: string;
  ephemeral: boolean;
}

export interface ChatUser {
  id: string;
  username?: string;
  global_name?: string;
}

export interface ChatMessage {
  id: string;
  channel_id?: string;
  content?: string;
  timestamp?: string;
  author?: ChatUser;
  embeds?: Array<{ title?: string; description?: string }>;
}

function allowed(deps: ScribeDeps, roles: readonly string[]): boolean {
  return roles.some((role) => deps.allowedRoleIds.includes(role));
}

/** The quoted message as one timeline line: who said what, when (stored as written; every renderer escapes). */
export function quoteText(platform: 'Discord' | 'Telegram', author: string, at: string | null, text: string): string {
  const when = at ? ` at ${formatUtc(at)}` : '';
  return `${platform} message from ${author}${when}: ${cutCodePoints(text.replace(/\s+/g, ' ').trim(), QUOTE_LIMIT)}`;
}

function messageText(message: ChatMessage): string {
  if (message.content?.trim()) return message.content;
  return (message.embeds ?? []).map((e) => [e.title, e.description].filter(Boolean).join(' — ')).join(' / ');
}

export async function addToTimeline(
  deps: ScribeDeps,
  input: { channelId: string | undefined; roles: readonly string[]; actor: string; targetId: string | undefined; messages: Record<string, ChatMessage> },
): Promise<ScribeAnswer> {
  if (!allowed(deps, input.roles)) return { content: `You need an incident-responder role to use ${ADD_TO_TIMELINE}. Nothing was changed.`, ephemeral: true };
  const incidentId = input.channelId ? await incidentOfThread(deps.db, input.channelId) : null;
  if (!incidentId) return { content: `${ADD_TO_TIMELINE} works inside an incident's war room thread. Nothing was changed.`, ephemeral: true };
  const message = input.targetId ? input.messages[input.targetId] : undefined;
  const text = message ? messageText(message) : '';
  if (!message || !text.trim()) return { content: 'That message has no text to add. Nothing was changed.', ephemeral: true };
  const author = message.author?.global_name || message.author?.username || message.author?.id || 'unknown';
  const line = quoteText('Discord', author, message.timestamp ?? null, text);
  try {
    const { added } = await deps.commands.addOnce(
      incidentId,
      { once: `discord:${message.id}`, kind: 'note', text: line, data: { source: 'discord', messageId: message.id, channelId: input.channelId, author, authorId: message.author?.id ?? null, sentAt: message.timestamp ?? null } },
      input.actor,
    );
    return { content: added ? `Added to ${incidentId}'s timeline: ${escapeDiscord(line).slice(0, 1_800)}` : `That message is already on ${incidentId}'s timeline.`, ephemeral: true };
  } catch (error) {
    return { content: `Could not add it: ${reasonOf(error)}`, ephemeral: true };
  }
}

export async function pressStep(deps: ScribeDeps, input: { customId: string; roles: readonly string[]; actor: string }): Promise<ScribeAnswer> {
  const step = parseStepCustomId(input.customId);
  if (!step) return { content: 'This button is not one of Firebreak\'s.', ephemeral: true };
  if (!allowed(deps, input.roles)) return { content: 'You need an incident-responder role to mark runbook steps. Nothing was changed.', ephemeral: true };
  const incident = await deps.commands.get(step.incidentId);
  if (!incident) return { content: `No incident ${step.incidentId}.`, ephemeral: true };
  const text = deps.runbookSteps(incident)[step.index];
  if (text === undefined) return { content: `${step.incidentId}'s runbook has no step ${step.index + 1}.`, ephemeral: true };
  const words = step.outcome === 'done' ? 'done' : 'skipped';
  try {
    const { added } = await deps.commands.addOnce(
      incident.id,
      { once: `step:${step.index}:${step.outcome}`, kind: 'runbook_step', text: `Runbook step ${step.index + 1} ${words}: ${text}`, data: { step: step.index + 1, outcome: step.outcome } },
      input.actor,
    );
    return { content: added ? `Step ${step.index + 1} marked ${words} on ${incident.id} by ${escapeDiscord(input.actor)}.` : `Step ${step.index + 1} was already marked ${words}.`, ephemeral: !added };
  } catch (error) {
    return { content: `Could not mark it: ${reasonOf(error)}`, ephemeral: true };
  }
}
