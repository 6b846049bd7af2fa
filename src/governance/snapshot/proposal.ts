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
  const timeline = incident.timeline
    .filter((e) => !['reading', 'message', 'page', 'page_held'].includes(e.kind))
    .slice(-15)
    .map((e) => `- ${e.at.slice(0, 16).replace('T', ' ')} — ${e.text.replace(/\s+/g, ' ')}`)
    .join('\n');
  const vars: Record<string, string> = {
    id: incident.id,
    title: incident.title,
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
    timeline: timeline || '- (no entries yet)',
    mirror: incident.mirror.cid ? `ipfs://${incident.mirror.cid}` : 'not published yet',
  };
  const start = Math.floor(input.now.getTime() / 1000);
  return {
    from: input.from,
    space: input.snapshot.space,
    timestamp: start,
    type: 'basic',
    title: fill(input.templates[PROPOSAL_TITLE_TEMPLATE] ?? DEFAULT_TITLE, vars).trim().slice(0, 256),
    body: fill(input.templates[PROPOSAL_BODY_TEMPLATE] ?? DEFAULT_BODY, vars),
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
