/**
 * The postmortem generator: Markdown from `playbooks/templates/postmortem.md`, filled from the
 * incident (its peak impact, stage timestamps, own timeline, action items) and the messages that
 * were sent about it.
 *
 * Deterministic: the same inputs give the same bytes (no "generated at now", stable ordering), so
 * the file's keccak256 digest can be anchored on-chain and checked later. Every piece of text that
 * comes from outside (titles, notes, owners, chat names) is escaped, so a note cannot break the
 * document structure (a `|` cannot split a table cell, a newline cannot start a heading).
 *
 * Template syntax: `{{name}}` placeholders (see POSTMORTEM_PLACEHOLDERS); everything else is kept
 * as written. Inserted text is never re-scanned for placeholders.
 */
import { readFileSync } from 'node:fs';
import { formatDuration } from '../core/duration.ts';
import { BadRequestError, FirebreakError } from '../core/errors.ts';
import { formatCount, formatUsd, formatUtc, plural } from '../core/format.ts';
import type { ActionItem, Incident, IsoTime, TimelineEntry } from '../core/types.ts';

export interface PostmortemMessage {
  channel: string;
  kind: string;
  status: string;
  sentAt: string | null;
}

export interface PostmortemExtras {
  actionItems: ActionItem[];
  messages: PostmortemMessage[];
  /** the template text; default `playbooks/templates/postmortem.md` of this repository */
  template?: string;
  /** chains involved, added to the ones the impact names (e.g. from the bridges' config) */
  chains?: string[];
}

/** The placeholders a postmortem template may use. */
export const POSTMORTEM_PLACEHOLDERS = [
  'title',
  'id',
  'severity',
  'peakSeverity',
  'status',
  'startedAt',
  'detectedAt',
  'resolvedAt',
  'postmortemDue',
  'summary',
  'roles',
  'impact',
  'metrics',
  'timeline',
  'wentWell',
  'wentBadly',
  'actionItems',
  'communications',
  'governance',
  'rollback',
  'footer',
] as const;

export type PostmortemPlaceholder = (typeof POSTMORTEM_PLACEHOLDERS)[number];

/** The template file name inside the playbooks' `templates/` folder. */
export const POSTMORTEM_TEMPLATE_NAME = 'postmortem.md';

const DEFAULT_TEMPLATE_URL = new URL('../../playbooks/templates/postmortem.md', import.meta.url);
let defaultTemplate: string | undefined;

/** The template shipped with Firebreak (`playbooks/templates/postmortem.md`). */
export function defaultPostmortemTemplate(): string {
  if (defaultTemplate === undefined) {
    try {
      defaultTemplate = readFileSync(DEFAULT_TEMPLATE_URL, 'utf8');
    } catch (error) {
      throw new FirebreakError('the default postmortem template playbooks/templates/postmortem.md is missing', {
        code: 'template_missing',
        cause: error,
      });
    }
  }
  return defaultTemplate;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

/** Problems with a postmortem template (unknown placeholders), one line each; empty when fine. */
export function checkPostmortemTemplate(template: string): string[] {
  const known = new Set<string>(POSTMORTEM_PLACEHOLDERS);
  const problems: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] as string;
    if (!known.has(name)) problems.push(`unknown placeholder {{${name}}} (known: ${POSTMORTEM_PLACEHOLDERS.join(', ')})`);
  }
  return [...new Set(problems)];
}

// ---------------------------------------------------------------------------------------------
// escaping

const LINE_BREAKS = /\r\n|[\r\n\u2028\u2029\u0085\v\f]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f]/g;

/**
 * Outside text as one line of inline Markdown: line breaks become spaces, control characters
 * go, and every character that could start markup is escaped (CommonMark backslash escapes;
 * `&` and `<` as entities so no HTML or entity can be formed).
 */
export function escapeInline(text: string): string {
  let out = String(text)
    .replace(LINE_BREAKS, ' ')
    .replace(CONTROL, '')
    .replace(/\t/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~{}$]/g, (c) => `\\${c}`)
    .trim();
  // markup that only counts at the start of a line: headings, lists, quotes, rules, setext
  out = out.replace(/^([#+\-=!])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2');
  return out;
}

/** A table cell: inline text, never empty (an empty cell reads as a missing value). */
export function escapeCell(text: string | null | undefined): string {
  const value = text === null || text === undefined ? '' : escapeInline(text);
  return value === '' ? '—' : value;
}

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// time

function ms(iso: IsoTime | null | undefined): number | null {
  if (!iso) return null;
  const value = Date.parse(iso);
  return Number.isFinite(value) ? value : null;
}

function utc(iso: IsoTime | null | undefined, missing = 'n/a'): string {
  const value = ms(iso);
  return value === null ? missing : formatUtc(new Date(value));
}

function between(from: IsoTime | null | undefined, to: IsoTime | null | undefined): string {
  const a = ms(from);
  const b = ms(to);
  if (a === null || b === null) return 'n/a';
  return formatDuration(Math.max(0, b - a));
}

/** The earliest of startedAt and detectedAt: when the incident's condition began. */
function beganAt(incident: Incident): IsoTime {
  const started = ms(incident.startedAt);
  const detected = ms(incident.detectedAt);
  if (started !== null && detected !== null) return started <= detected ? incident.startedAt : incident.detectedAt;
  return started !== null ? incident.startedAt : incident.detectedAt;
}

// ---------------------------------------------------------------------------------------------
// sections

function rolesSection(incident: Incident): string {
  const roles = incident.roles;
  const names: Array<[string, string | null]> = [
    ['Incident commander', roles.commander],
    ['Tech lead', roles.techLead],
    ['Communications', roles.comms],
    ['Scribe', roles.scribe],
  ];
  return `**Roles:** ${names.map(([label, who]) => `${label}: ${who ? escapeInline(who) : 'unassigned'}`).join('; ')}.`;
}

function summarySection(incident: Incident): string {
  const text = escapeInline(incident.summary ?? '');
  return text === '' ? '_No summary was written; please add one._' : text;
}

export function involvedChains(incident: Incident, extra: string[] = []): string[] {
  const out: string[] = [];
  for (const name of [...(incident.peakImpact.chains ?? []), ...(incident.impact.chains ?? []), ...extra]) {
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

function sentMessages(messages: PostmortemMessage[]): number {
  return messages.filter((m) => m.status === 'sent' || (m.sentAt !== null && m.status !== 'failed')).length;
}

function impactSection(incident: Incident, extras: PostmortemExtras): string {
  const peak = incident.peakImpact;
  const end = incident.resolvedAt;
  const duration = end ? between(beganAt(incident), end) : `not resolved yet (began ${utc(beganAt(incident))})`;
  const bridges = peak.bridges.length > 0 ? peak.bridges.map(escapeInline).join(', ') : 'none recorded';
  const chains = involvedChains(incident, extras.chains);
  const rows: string[][] = [
    ['Stuck transfers', formatCount(peak.stuckTransfers)],
    // `$` escaped like everywhere else: two of them on a line read as math on GitHub
    ['Locked value', escapeInline(formatUsd(peak.lockedUsd)) + (peak.unpriced ? ` (plus ${plural(peak.unpriced, 'transfer')} without a price)` : '')],
    ['Oldest stuck transfer', peak.oldestStuckSeconds > 0 ? formatDuration(peak.oldestStuckSeconds * 1000) : 'n/a'],
    ['Duration', duration],
    ['Bridges', bridges],
    ['Chains', chains.length > 0 ? chains.map(escapeInline).join(', ') : 'none recorded'],
    ['Messages sent', formatCount(sentMessages(extras.messages))],
  ];
  if (peak.pendingTransfers !== undefined) rows.splice(1, 0, ['Pending transfers', formatCount(peak.pendingTransfers)]);
  return table(['What', 'At the peak'], rows);
}

function metricsSection(incident: Incident): string {
  const began = beganAt(incident);
  return table(
    ['Measure', 'Value', 'From → to'],
    [
      ['MTTD (time to detect)', between(began, incident.detectedAt), 'condition began → detected'],
      ['MTTA (time to acknowledge)', between(incident.detectedAt, incident.acknowledgedAt), 'detected → acknowledged'],
      ['Time to mitigate', between(incident.detectedAt, incident.mitigatedAt), 'detected → mitigated'],
      ['MTTR (time to resolve)', between(incident.detectedAt, incident.resolvedAt), 'detected → resolved'],
    ],
  );
}

function timelineSection(timeline: TimelineEntry[]): string {
  const entries = timeline
    .map((entry, index) => ({ entry, index, at: ms(entry.at) }))
    .sort((a, b) => (a.at ?? Number.POSITIVE_INFINITY) - (b.at ?? Number.POSITIVE_INFINITY) || a.index - b.index);
  if (entries.length === 0) return '_The incident has no timeline entries._';
  const lines: string[] = [];
  let day = '';
  for (const { entry, at } of entries) {
    const iso = at === null ? null : new Date(at).toISOString();
    const thisDay = iso ? iso.slice(0, 10) : 'unknown date';
    if (thisDay !== day) {
      if (lines.length > 0) lines.push('');
      lines.push(`**${thisDay}**`, '');
      day = thisDay;
    }
    const clock = iso ? `${iso.slice(11, 16)} UTC` : '??:?? UTC';
    const text = escapeInline(entry.text) || escapeInline(entry.kind);
    // the actor, unless automatic or already named in the text ("Acknowledged by alice")
    const actor = entry.actor && entry.actor !== 'firebreak' && !entry.text.includes(entry.actor) ? ` (${escapeInline(entry.actor)})` : '';
    lines.push(`- ${clock} — ${text}${actor}`);
  }
  return lines.join('\n');
}

function firstAfter(timeline: TimelineEntry[], kinds: string[], from: IsoTime): TimelineEntry | undefined {
  const start = ms(from) ?? Number.NEGATIVE_INFINITY;
  return timeline
    .filter((entry) => kinds.includes(entry.kind) && (ms(entry.at) ?? Number.NEGATIVE_INFINITY) >= start)
    .sort((a, b) => (ms(a.at) ?? 0) - (ms(b.at) ?? 0))[0];
}

const INTERNAL_KINDS = /page|escalat|remind|ack/i;

function facts(incident: Incident, extras: PostmortemExtras): { well: string[]; badly: string[] } {
  const well: string[] = [];
  const badly: string[] = [];
  const detected = incident.detectedAt;
  if (incident.source === 'watcher' || incident.source === 'monitor') {
    well.push(`The condition was detected automatically (${incident.source}) after ${between(beganAt(incident), detected)}.`);
  }
  if (incident.acknowledgedAt) {
    const who = incident.acknowledgedBy ? ` by ${escapeInline(incident.acknowledgedBy)}` : '';
    well.push(`The page was acknowledged${who} ${between(detected, incident.acknowledgedAt)} after detection.`);
  } else {
    badly.push('Nobody acknowledged the incident.');
  }
  // an update to the people affected: pages and reminders to the on-call do not count
  const firstMessage = extras.messages
    .filter((m) => m.sentAt !== null && m.status !== 'failed' && !INTERNAL_KINDS.test(m.kind))
    .map((m) => ms(m.sentAt))
    .filter((value): value is number => value !== null)
    .sort((a, b) => a - b)[0];
  const firstUpdate = firstAfter(incident.timeline, ['update', 'message'], detected);
  const firstAt = firstMessage ?? ms(firstUpdate?.at);
  if (firstAt !== null && firstAt !== undefined) {
    well.push(`First update went out ${between(detected, new Date(firstAt).toISOString())} after detection.`);
  } else {
    badly.push('No update was sent to the affected people.');
  }
  const escalations = incident.timeline.filter((entry) => entry.kind === 'escalated').length;
  if (escalations > 0) badly.push(`The page was escalated ${plural(escalations, 'time')} because the acknowledgement timed out.`);
  const failed = extras.messages.filter((m) => m.status === 'failed').length;
  if (failed > 0) badly.push(`${plural(failed, 'message')} could not be delivered.`);
  for (const action of incident.governance) {
    const what = action.kind === 'pause' ? 'The pause' : action.kind === 'rollback' ? 'The rollback' : 'The governance proposal';
    if (action.outcome === 'confirmed' || action.outcome === 'sent') well.push(`${what} went through (${escapeInline(action.outcome)}).`);
    else if (action.outcome === 'failed' || action.outcome === 'rejected' || action.outcome === 'simulated-failure') {
      badly.push(`${what} failed${action.reason ? `: ${escapeInline(action.reason)}` : ''}.`);
    }
  }
  if (incident.mirror.cid) well.push('The status mirror on IPFS was kept up to date.');
  if (incident.timeline.some((entry) => entry.kind === 'recurred')) badly.push('The condition came back after it had cleared.');
  return { well, badly };
}

function listWithPrompts(items: string[], prompts: string[]): string {
  return [...items.map((item) => `- ${item}`), ...prompts.map((prompt) => `- _${prompt}_`)].join('\n');
}

function actionItemsSection(items: ActionItem[]): string {
  if (items.length === 0) {
    return '_No action items yet. Add them with `POST /api/incidents/:id/action-items`; every item needs an owner and a due date._';
  }
  const sorted = [...items].sort((a, b) => a.id - b.id);
  return table(
    ['#', 'Action', 'Owner', 'Due', 'Priority', 'Status'],
    sorted.map((item) => [
      String(item.id),
      escapeCell(item.title),
      escapeCell(item.owner),
      escapeCell(item.due),
      escapeCell(item.priority),
      escapeCell(item.status),
    ]),
  );
}

function communicationsSection(messages: PostmortemMessage[]): string {
  if (messages.length === 0) return '_No messages were sent about this incident._';
  const groups = new Map<string, { channel: string; kind: string; sent: number; failed: number; other: number; first: number | null }>();
  for (const message of messages) {
    const key = JSON.stringify([message.channel, message.kind]);
    const group = groups.get(key) ?? { channel: message.channel, kind: message.kind, sent: 0, failed: 0, other: 0, first: null };
    if (message.status === 'failed') group.failed++;
    else if (message.status === 'sent' || message.sentAt !== null) group.sent++;
    else group.other++;
    const at = ms(message.sentAt);
    if (at !== null && (group.first === null || at < group.first)) group.first = at;
    groups.set(key, group);
  }
  const rows = [...groups.values()].sort((a, b) => (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  const sent = sentMessages(messages);
  return [
    `${plural(sent, 'message')} sent over ${plural(new Set(messages.map((m) => m.channel)).size, 'channel')}.`,
    '',
    table(
      ['Channel', 'Kind', 'Sent', 'Failed', 'Not sent', 'First sent'],
      rows.map((g) => [
        escapeCell(g.channel),
        escapeCell(g.kind),
        String(g.sent),
        String(g.failed),
        String(g.other),
        g.first === null ? '—' : formatUtc(new Date(g.first)),
      ]),
    ),
  ].join('\n');
}

function governanceSection(incident: Incident): string {
  if (incident.governance.length === 0) return '_No pause, rollback or governance proposal was made._';
  const sorted = incident.governance
    .map((action, index) => ({ action, index }))
    .sort((a, b) => (ms(a.action.at) ?? 0) - (ms(b.action.at) ?? 0) || a.index - b.index)
    .map(({ action }) => action);
  return table(
    ['When', 'Action', 'Outcome', 'Chain', 'Reference'],
    sorted.map((action) => [
      utc(action.at),
      action.kind,
      escapeCell(action.outcome),
      escapeCell(action.chain),
      escapeCell(action.txHash ?? action.proposalId ?? action.draftPath ?? action.target),
    ]),
  );
}

/** §8: each rollback of a bad upgrade, with its transaction and who decided it (empty when none). */
function rollbackSection(incident: Incident): string {
  const done = incident.timeline.filter((e) => e.kind === 'rollback' && (e.data as { outcome?: string } | undefined)?.outcome === 'confirmed');
  if (done.length === 0) return '';
  const lines = done.map((entry) => {
    const d = (entry.data ?? {}) as { proxy?: string; chain?: string; fromImpl?: string; toImpl?: string; txHash?: string; requestedBy?: string };
    return `- ${utc(entry.at)}: proxy \`${escapeInline(d.proxy ?? '')}\` on ${escapeInline(d.chain ?? '')} rolled back from \`${escapeInline(d.fromImpl ?? '')}\` to \`${escapeInline(d.toImpl ?? '')}\` through the rollback governor, asked for by ${escapeInline(d.requestedBy ?? entry.actor ?? 'unknown')}: tx \`${escapeInline(d.txHash ?? '')}\`.`;
  });
  return `### Rollback\n\n${lines.join('\n')}\n`;
}

function footer(incident: Incident): string {
  return (
    `_Generated by Firebreak from incident ${escapeInline(incident.id)}. Once reviewed, anchor this exact file with ` +
    '`firebreak anchor <file> --incident <id>`; `firebreak verify` recomputes its keccak256 digest and compares it with the chain._'
  );
}

// ---------------------------------------------------------------------------------------------

/** The postmortem Markdown for an incident. Same inputs → same bytes. */
export function renderPostmortem(incident: Incident, extras: PostmortemExtras): string {
  const template = extras.template ?? defaultPostmortemTemplate();
  const problems = checkPostmortemTemplate(template);
  if (problems.length > 0) throw new BadRequestError(`postmortem template: ${problems[0]}`, { code: 'template_invalid' });
  const { well, badly } = facts(incident, extras);
  const values: Record<PostmortemPlaceholder, string> = {
    title: escapeInline(incident.title) || escapeInline(incident.id),
    id: escapeInline(incident.id),
    severity: escapeInline(incident.severity),
    peakSeverity: escapeInline(incident.peakSeverity ?? incident.severity),
    status: escapeInline(incident.status),
    startedAt: utc(beganAt(incident)),
    detectedAt: utc(incident.detectedAt),
    resolvedAt: utc(incident.resolvedAt, 'not resolved yet'),
    postmortemDue: utc(incident.postmortemDue, 'n/a'),
    summary: summarySection(incident),
    roles: rolesSection(incident),
    impact: impactSection(incident, extras),
    metrics: metricsSection(incident),
    timeline: timelineSection(incident.timeline),
    wentWell: listWithPrompts(well, ['What helped us detect, decide or communicate quickly? (to be written by the team)']),
    wentBadly: listWithPrompts(badly, [
      'Where did the process, tools or documentation slow us down? (to be written by the team; about systems, not people)',
    ]),
    actionItems: actionItemsSection(extras.actionItems),
    communications: communicationsSection(extras.messages),
    governance: governanceSection(incident),
    rollback: rollbackSection(incident),
    footer: footer(incident),
  };
  const text = template.replace(PLACEHOLDER, (_whole, name: string) => values[name as PostmortemPlaceholder]);
  // one trailing newline, Unix line endings: the bytes do not depend on the template's editor
  return `${text.replace(/\r\n?/g, '\n').replace(/\s+$/, '')}\n`;
}
