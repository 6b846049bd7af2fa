/**
 * The variables a message template can use, formatted for people ($40,000, "12 h 3 min",
 * "2026-11-24 10:03 UTC"). Pure: the incident, the effect and the config in, strings out.
 * Internal-only variables are listed in INTERNAL_ONLY so `validate` refuses them in community
 * templates.
 */
import { formatDuration } from '../core/duration.ts';
import type { Effect } from '../core/effects.ts';
import { formatCount, formatUsd, formatUtc } from '../core/format.ts';
import type { Incident, IncidentStatus, Severity } from '../core/types.ts';
import type { Config, OncallTier } from '../config/types.ts';
import type { Vars } from './render.ts';

/** Plain words for the community: they do not know our S0–S3 scale. */
export const SEVERITY_WORDS: Record<Severity, string> = { S0: 'critical', S1: 'major', S2: 'moderate', S3: 'minor' };
export const STATUS_WORDS: Record<IncidentStatus, string> = {
  investigating: 'Investigating',
  identified: 'Cause identified, fix in progress',
  monitoring: 'Fix in place, monitoring',
  resolved: 'Resolved',
};

/** Variables that name people, roles, keys, handles or chain internals: never for the community. */
export const INTERNAL_ONLY = [
  'incident.key',
  'incident.summary',
  'incident.title',
  'incident.severity',
  'incident.source',
  'previousSeverity',
  'dedup',
  'actor',
  'acknowledgedBy',
  'roles',
  'roles.commander',
  'roles.techLead',
  'roles.comms',
  'roles.scribe',
  'paged',
  'held',
  'tier',
  'latest.internal',
  'governance.latest',
  'message',
  'impact.unpriced',
  'impact.pendingTransfers',
] as const;

export type NotifyEffect = Extract<Effect, { type: 'notify' }>;

function bridgeName(config: Config, id: string): string {
  return config.bridges.find((b) => b.id === id)?.name ?? id;
}

function lastText(incident: Incident, kinds: string[]): string | undefined {
  for (let i = incident.timeline.length - 1; i >= 0; i--) {
    const entry = incident.timeline[i]!;
    if (kinds.includes(entry.kind) && !entry.data?.automatic) return entry.text;
  }
  return undefined;
}

function lastUpdateByPerson(incident: Incident): string | undefined {
  for (let i = incident.timeline.length - 1; i >= 0; i--) {
    const entry = incident.timeline[i]!;
    if (entry.kind === 'update' && !entry.data?.automatic && entry.actor !== 'firebreak') return entry.text;
  }
  return undefined;
}

/** What the community reads as "what is happening", in plain words from the impact. */
function publicWhat(config: Config, incident: Incident): string {
  const bridges = incident.impact.bridges.map((id) => bridgeName(config, id));
  if (incident.key.endsWith(':halted')) return `The ${(incident.impact.chains ?? []).join(', ') || 'destination'} network has stopped producing blocks, so transfers into it are delayed.`;
  if (incident.key.endsWith(':unobservable')) return 'We have temporarily lost visibility of a network we monitor; transfers may be delayed.';
  // SPEC §11 exploit readings: say funds may be at risk, without speculating about cause or amounts
  if (/:(unbacked|outflow|backing)$/.test(incident.key)) {
    return `We detected unexpected outflows from ${bridges.join(', ') || 'a bridge we monitor'}. Funds held by the bridge may be at risk. As a precaution we are pausing it while we investigate; please do not start new transfers until our next update.`;
  }
  if (bridges.length > 0) return `Some transfers on ${bridges.join(', ')} are delayed and have not arrived yet. Funds are not lost; they will complete once the issue is fixed.`;
  return 'We are investigating an issue that may affect bridge transfers.';
}

export function tierHandles(tier: OncallTier | undefined): { discord?: string; telegram?: string } {
  return { discord: tier?.discord, telegram: tier?.telegram };
}

export function incidentVars(config: Config, incident: Incident, now: Date, effect?: Partial<NotifyEffect>, extra: Vars = {}): Vars {
  const bridges = incident.impact.bridges.map((id) => bridgeName(config, id));
  const chains = incident.impact.chains ?? [];
  const services = [...bridges, ...chains];
  const roles = Object.entries(incident.roles)
    .filter(([, who]) => who)
    .map(([role, who]) => `${role}: ${who}`);
  const gov = incident.governance.at(-1);
  const latest = effect?.message ?? lastText(incident, ['update', 'cleared', 'recurred', 'severity', 'resolved']) ?? incident.summary;
  const tierIndex = incident.escalation.tier;
  const vars: Vars = {
    'incident.id': incident.id,
    'incident.key': incident.key,
    'incident.title': incident.title,
    'incident.summary': incident.summary,
    'incident.severity': incident.severity,
    'incident.source': incident.source,
    'incident.status': incident.status,
    'incident.startedAt': formatUtc(incident.startedAt),
    'incident.duration': formatDuration(Math.max(0, now.getTime() - new Date(incident.startedAt).getTime())),
    'severity.words': SEVERITY_WORDS[incident.severity],
    'status.words': STATUS_WORDS[incident.status],
    'impact.lockedUsd': formatUsd(incident.impact.lockedUsd),
    'impact.stuckTransfers': formatCount(incident.impact.stuckTransfers),
    'impact.oldestStuck': formatDuration(incident.impact.oldestStuckSeconds * 1000),
    'impact.pendingTransfers': formatCount(incident.impact.pendingTransfers ?? 0),
    'impact.unpriced': incident.impact.unpriced ? formatCount(incident.impact.unpriced) : '',
    'impact.hasTransfers': incident.impact.stuckTransfers > 0 ? 'yes' : '',
    'peak.lockedUsd': formatUsd(incident.peakImpact.lockedUsd),
    'peak.stuckTransfers': formatCount(incident.peakImpact.stuckTransfers),
    services: services.join(', ') || 'none identified yet',
    'services.bridges': bridges.join(', '),
    'services.chains': chains.join(', '),
    'public.what': publicWhat(config, incident),
    // what people wrote as an update is a public statement; automatic texts stay internal
    'public.latest': lastUpdateByPerson(incident) ?? 'Our team is working on it.',
    latest,
    'latest.internal': latest,
    message: effect?.message ?? '',
    actor: effect?.actor ?? '',
    previousSeverity: effect?.previousSeverity ?? '',
    'previousSeverity.words': effect?.previousSeverity ? SEVERITY_WORDS[effect.previousSeverity] : '',
    dedup: effect?.dedup ?? '',
    nextUpdateBy: incident.nextUpdateDue ? formatUtc(incident.nextUpdateDue) : '',
    acknowledgedBy: incident.acknowledgedBy ?? '',
    acknowledgedAt: incident.acknowledgedAt ? formatUtc(incident.acknowledgedAt) : '',
    resolvedAt: incident.resolvedAt ? formatUtc(incident.resolvedAt) : '',
    postmortemDue: incident.postmortemDue ? formatUtc(incident.postmortemDue) : '',
    roles: roles.join(', '),
    'roles.commander': incident.roles.commander ?? '',
    'roles.techLead': incident.roles.techLead ?? '',
    'roles.comms': incident.roles.comms ?? '',
    'roles.scribe': incident.roles.scribe ?? '',
    tier: config.oncall.tiers[tierIndex]?.name ?? '',
    paged: '',
    held: '',
    'governance.latest': gov ? [gov.kind, gov.outcome, gov.chain, gov.txHash ?? gov.proposalId].filter(Boolean).join(' · ') : '',
    'mirror.cid': incident.mirror.cid ?? '',
    now: formatUtc(now),
  };
  for (const [name, value] of Object.entries(effect?.vars ?? {})) {
    if (value !== undefined && value !== null) vars[`vars.${name}`] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  if (typeof effect?.vars?.tier === 'string') vars.tier = effect.vars.tier;
  return { ...vars, ...extra };
}
