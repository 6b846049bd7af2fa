/**
 * Drafting the Snapshot proposal for an incident from `playbooks/templates/proposal-title.txt` and
 * `proposal.md` (`{{name}}` placeholders). Pure: the caller brings the incident, the pause (if one
 * was fired), the snapshot block and the clock.
 *
 * When a pause was fired the question is whether governance ratifies it (it then stays until
 * governance lifts it) or lifts it; otherwise governance is asked to acknowledge the response.
 * Snapshot's `basic` voting: For / Against / Abstain.
 */
import type { GovernanceAction, Incident } from '../../core/types.ts';
import type { SnapshotConfig } from '../../config/types.ts';
import { cutCodePoints, cutWithEllipsis } from '../../core/text.ts';

export const PROPOSAL_TITLE_TEMPLATE = 'proposal-title.txt';
export const PROPOSAL_BODY_TEMPLATE = 'proposal.md';
export const PROPOSAL_PLACEHOLDERS = ['id', 'title', 'question', 'severity', 'status', 'detectedAt', 'summary', 'impact', 'pause', 'choices', 'timeline', 'mirror'] as const;

const DEFAULT_TITLE = '[{{id}}] {{question}}';
const DEFAULT_BODY = '## {{question}}\n\n{{summary}}\n\n### Impact\n\n{{impact}}\n\n### Emergency pause\n\n{{pause}}\n\n### What the choices mean\n\n{{choices}}\n\n### Timeline (UTC)\n\n{{timeline}}\n\nStatus mirror: {{mirror}}\n';

/** The EIP-712 domain and types snapshot.js 0.17 signs a proposal with (the hub checks these). */
export const SNAPSHOT_DOMAIN = { name: 'snapshot', version: '0.1.4' } as const;
export const PROPOSAL_TYPES = {
  Proposal: [
    { name: 'from', type: 'string' },
    { name: 'space', type: 'string' },
    { name: 'timestamp', type: 'uint64' },
    { name: 'type', type: 'string' },
    { name: 'title', type: 'string' },
    { name: 'body', type: 'string' },
    { name: 'discussion', type: 'string' },
    { name: 'choices', type: 'string[]' },
    { name: 'labels', type: 'string[]' },
    { name: 'start', type: 'uint64' },
    { name: 'end', type: 'uint64' },
    { name: 'snapshot', type: 'uint64' },
    { name: 'plugins', type: 'string' },
    { name: 'privacy', type: 'string' },
    { name: 'app', type: 'string' },
  ],
} as const;

export interface ProposalMessage {
  from: string;
  space: string;
  timestamp: number;
  type: string;
  title: string;
  body: string;
  discussion: string;
  choices: string[];
  labels: string[];
  start: number;
  end: number;
  snapshot: number;
  plugins: string;
  privacy: string;
  app: string;
}

export interface DraftInput {
  incident: Incident;
  snapshot: SnapshotConfig;
  templates: Record<string, string>;
  /** the confirmed pause, when one was fired */
  pause: GovernanceAction | null;
  /** a pause that was attempted and did not happen (rejected, failed) */
  failedPause: GovernanceAction | null;
  block: number;
  now: Date;
  /** the proposer's address (checksummed); '' for an unsigned draft */
  from: string;
}

/** snapshot.js's proposal schema: `name` (the title) at most 256 characters */
const TITLE_MAX = 256;
/** one timeline line in the body */
const ENTRY_MAX = 280;

/**
 * The timeline a proposal shows: what the public was told (detection, severity and status changes,
 * posted updates, recovery) and the pause. Internal notes, roles, pages, messages and commands stay
 * internal: the proposal is public forever.
 */
const PUBLIC_TIMELINE_KINDS = new Set(['detected', 'declared', 'severity', 'update', 'cleared', 'recurred', 'resolved', 'pause']);

export function publicTimeline(incident: Incident): Array<{ at: string; text: string }> {
  return incident.timeline
    .filter((e) => PUBLIC_TIMELINE_KINDS.has(e.kind))
    .map((e) => ({
      at: e.at,
      // a severity change is told without who made it (actors are internal)
      text: e.kind === 'severity' && typeof e.data?.from === 'string' && typeof e.data?.to === 'string' ? `Severity changed from ${e.data.from} to ${e.data.to}.` : e.text,
    }));
}

/** The first entry (detection) and the newest `keep − 1`, each line cut to `lineMax`. */
function timelineText(entries: Array<{ at: string; text: string }>, keep: number, lineMax: number): string {
  if (entries.length === 0) return '- (no entries yet)';
  const line = (e: { at: string; text: string }) => `- ${e.at.slice(0, 16).replace('T', ' ')} — ${cutWithEllipsis(e.text.replace(/\s+/g, ' '), lineMax)}`;
  if (entries.length <= keep) return entries.map(line).join('\n');
  const newest = keep > 1 ? entries.slice(-(keep - 1)) : [];
  const left = entries.length - 1 - newest.length;
  return [line(entries[0]!), `- … ${left} more ${left === 1 ? 'entry' : 'entries'}: the full timeline is on the status mirror`, ...newest.map(line)].join('\n');
}

/**
 * The body within the hub's limit (Snapshot refuses longer ones): the free texts from outside are
 * shortened first, then the timeline summarised (fewer, shorter entries); impact and the mirror CID
 * always stay. Lengths in UTF-16 units, as the hub counts.
 */
function fitBody(template: string, vars: Record<string, string>, timeline: Array<{ at: string; text: string }>, limit: number): string {
  const shortTexts = { summary: cutWithEllipsis(vars.summary!, 2_000), title: cutWithEllipsis(vars.title!, 160), question: cutWithEllipsis(vars.question!, 200), pause: cutWithEllipsis(vars.pause!, 1_000) };
  const attempts: Array<Record<string, string>> = [
    {},
    // texts from outside (alert summaries, titles, revert reasons) first, then the timeline
    shortTexts,
    ...[10, 5, 3, 1].map((keep) => ({ ...shortTexts, timeline: timelineText(timeline, keep, 160) })),
    { timeline: timelineText(timeline, 1, 80), summary: cutWithEllipsis(vars.summary!, 280), title: cutWithEllipsis(vars.title!, 80), question: cutWithEllipsis(vars.question!, 120), pause: cutWithEllipsis(vars.pause!, 280) },
  ];
  for (const change of attempts) {
    const body = fill(template, { ...vars, ...change });
    if (body.length <= limit) return body;
  }
  // an operator's template longer than the limit: keep its beginning, then impact and the mirror
  const tail = `\n\n### Impact\n\n${vars.impact}\n\nStatus mirror: ${vars.mirror}\n`;
  return cutWithEllipsis(fill(template, vars), Math.max(0, limit - tail.length)) + tail;
}

function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (whole, name: string) => (name in vars ? vars[name]! : whole));
}

function usd(value: number): string {
  return `$${Math.round(value).toLocaleString('en-US')}`;
}

function hours(seconds: number): string {
  return seconds >= 3600 ? `${(seconds / 3600).toFixed(1)} h` : `${Math.round(seconds / 60)} min`;
}

export function draftProposal(input: DraftInput): ProposalMessage {
  const { incident, pause, failedPause } = input;
  const impact = incident.peakImpact;
  const target = pause?.target ?? '';
  const question = pause
    ? `Ratify the emergency pause of ${impact.bridges.join(', ') || target}?`
    : `Acknowledge the response to ${incident.title}`;
  const choices = pause
    ? '- **For**: ratify the pause; it stays in place until governance lifts it.\n- **Against**: lift the pause (governance calls `unpause`).\n- **Abstain**: no preference; unratified, the pause lapses at its expiry.'
    : '- **For**: the response is adequate; no further governance action.\n- **Against**: governance should intervene (e.g. pause the bridge or upgrade it).\n- **Abstain**: no preference.';
  const pauseText = pause
    ? `The rollback governor paused \`${pause.target}\` on ${pause.chain}: transaction \`${pause.txHash}\`${pause.reason ? ` (${pause.reason})` : ''}.`
    : failedPause
      ? `An automatic pause was attempted and did not happen: ${failedPause.reason ?? failedPause.outcome}.`
      : 'No pause was fired.';
  const vars: Record<string, string> = {
    id: incident.id,
    title: cutCodePoints(incident.title, TITLE_MAX),
    question,
    severity: incident.severity,
    status: incident.status,
    detectedAt: incident.detectedAt.slice(0, 16).replace('T', ' '),
    summary: incident.summary || incident.title,
    impact: [
      `- Stuck transfers: ${impact.stuckTransfers}`,
      `- Value locked: ${usd(impact.lockedUsd)}`,
      `- Oldest stuck transfer: ${hours(impact.oldestStuckSeconds)}`,
      `- Bridges: ${impact.bridges.join(', ') || '—'}${impact.chains?.length ? `; chains: ${impact.chains.join(', ')}` : ''}`,
    ].join('\n'),
    pause: pauseText,
    choices,
    timeline: timelineText(publicTimeline(incident), 15, ENTRY_MAX),
    mirror: incident.mirror.cid ? `ipfs://${incident.mirror.cid}` : 'not published yet',
  };
  const bodyTemplate = input.templates[PROPOSAL_BODY_TEMPLATE] ?? DEFAULT_BODY;
  const start = Math.floor(input.now.getTime() / 1000);
  return {
    from: input.from,
    space: input.snapshot.space,
    timestamp: start,
    type: 'basic',
    title: cutCodePoints(fill(input.templates[PROPOSAL_TITLE_TEMPLATE] ?? DEFAULT_TITLE, vars).trim(), TITLE_MAX),
    body: fitBody(bodyTemplate, vars, publicTimeline(incident), input.snapshot.bodyLimit),
    discussion: '',
    choices: ['For', 'Against', 'Abstain'],
    labels: [],
    start,
    end: start + Math.round(input.snapshot.votingPeriodMs / 1000),
    snapshot: input.block,
    plugins: '{}',
    privacy: '',
    app: 'firebreak',
  };
}

/** `firebreak validate`: placeholders of the proposal templates that nothing fills. */
export function proposalTemplateIssues(templates: Record<string, string>, templatesDir: string): Array<{ path: string; message: string }> {
  const known = new Set<string>(PROPOSAL_PLACEHOLDERS);
  const issues: Array<{ path: string; message: string }> = [];
  for (const file of [PROPOSAL_TITLE_TEMPLATE, PROPOSAL_BODY_TEMPLATE]) {
    const text = templates[file];
    if (text === undefined) continue;
    for (const [, name] of text.matchAll(/\{\{\s*([A-Za-z]+)\s*\}\}/g)) {
      if (!known.has(name!)) issues.push({ path: `${templatesDir}/${file}`, message: `unknown placeholder {{${name}}} (known: ${PROPOSAL_PLACEHOLDERS.join(', ')})` });
    }
  }
  return issues;
}
