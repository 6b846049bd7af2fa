/**
 * What of an incident is public. Timelines are internal (pages, roles, notes, who acknowledged):
 * only status changes, posted updates and automatic updates reach the status page, the feed and
 * summary.json, with wording that never names people. Pure.
 */
import { formatCount, formatUsd, plural } from '../../core/format.ts';
import type { Impact, Incident, IncidentStatus, Severity, TimelineEntry } from '../../core/types.ts';
import type { MaintenanceWindow } from '../../config/types.ts';
import { formatSpan } from './text.ts';

export interface PublicUpdate {
  /** stable within the incident: index of the timeline entry */
  id: string;
  incidentId: string;
  at: string;
  status: IncidentStatus;
  body: string;
}

/** Everything the renderers need; built by the mirror from the store, or by tests. */
export interface StatusSnapshot {
  /**
   * `url`: the status page's absolute address (from `server.publicUrl`), for links in the public
   * documents; without it they link relatively, and only to public routes.
   */
  page: { name: string; url?: string | null };
  generatedAt: Date;
  /** open incidents and recently resolved ones (the renderers pick) */
  incidents: Incident[];
  maintenance: MaintenanceWindow[];
  components: { bridges: Array<{ id: string; name: string }>; chains: string[] };
  /** IPNS name of the mirror, when there is one (the page cannot contain its own CID) */
  ipns?: string | null;
}

/** The status page's address under `server.publicUrl` (its `/status` route); null without one. */
export function statusPageUrl(publicUrl: string | undefined | null): string | null {
  if (!publicUrl) return null;
  return new URL('status', publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`).toString();
}

/** Link to an incident on the public status page: absolute with a public URL, else `/status#id` (never a protected route). */
export function incidentLink(snapshot: StatusSnapshot, incidentId: string): string {
  return `${snapshot.page.url ?? '/status'}#${encodeURIComponent(incidentId)}`;
}

export const RESOLVED_SHOWN_FOR_MS = 7 * 86_400_000;

export function openIncidents(snapshot: StatusSnapshot): Incident[] {
  return snapshot.incidents.filter((i) => i.status !== 'resolved').sort(bySeverityThenStart);
}

export function recentlyResolved(snapshot: StatusSnapshot, limit = 10): Incident[] {
  const since = snapshot.generatedAt.getTime() - RESOLVED_SHOWN_FOR_MS;
  return snapshot.incidents
    .filter((i) => i.status === 'resolved' && i.resolvedAt && new Date(i.resolvedAt).getTime() >= since)
    .sort((a, b) => (b.resolvedAt ?? '').localeCompare(a.resolvedAt ?? ''))
    .slice(0, limit);
}

function bySeverityThenStart(a: Incident, b: Incident): number {
  return a.severity.localeCompare(b.severity) || a.startedAt.localeCompare(b.startedAt);
}

export function activeMaintenance(snapshot: StatusSnapshot): MaintenanceWindow[] {
  const now = snapshot.generatedAt.getTime();
  return snapshot.maintenance.filter((w) => w.start.getTime() <= now && now < w.end.getTime());
}

export function upcomingMaintenance(snapshot: StatusSnapshot): MaintenanceWindow[] {
  const now = snapshot.generatedAt.getTime();
  return snapshot.maintenance.filter((w) => w.start.getTime() > now).sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** Statuspage's impact/indicator vocabulary (S0→critical, S1→major, S2→minor, S3→none). */
export const INDICATOR: Record<Severity, 'critical' | 'major' | 'minor' | 'none'> = { S0: 'critical', S1: 'major', S2: 'minor', S3: 'none' };

export const SEVERITY_LABEL: Record<Severity, string> = {
  S0: 'S0 · critical',
  S1: 'S1 · major',
  S2: 'S2 · minor',
  S3: 'S3 · low',
};

export type Indicator = 'none' | 'minor' | 'major' | 'critical' | 'maintenance';

export function overallStatus(snapshot: StatusSnapshot): { indicator: Indicator; description: string } {
  const open = openIncidents(snapshot);
  const worst = open[0]?.severity;
  const indicator = worst ? INDICATOR[worst] : 'none';
  if (indicator === 'critical') return { indicator, description: 'Major System Outage' };
  if (indicator === 'major') return { indicator, description: 'Partial System Outage' };
  if (indicator === 'minor') return { indicator, description: 'Minor Service Outage' };
  if (open.length > 0) return { indicator: 'none', description: 'Minor issue under investigation' };
  if (activeMaintenance(snapshot).length > 0) return { indicator: 'maintenance', description: 'Service Under Maintenance' };
  return { indicator: 'none', description: 'All Systems Operational' };
}

/** "$40,000 locked in 37 stuck transfers; the oldest has waited 12 h 3 min" */
export function impactSentence(impact: Impact): string {
  if (impact.stuckTransfers === 0 && impact.lockedUsd === 0) return 'No transfers are stuck right now.';
  const parts = [`${formatUsd(impact.lockedUsd)} locked in ${plural(impact.stuckTransfers, 'stuck transfer')}`];
  if (impact.unpriced) parts.push(`${formatCount(impact.unpriced)} of them not priced`);
  if (impact.oldestStuckSeconds > 0) parts.push(`the oldest has waited ${formatSpan(impact.oldestStuckSeconds)}`);
  return parts.join('; ') + '.';
}

const PUBLIC_KINDS = new Set<TimelineEntry['kind']>(['detected', 'declared', 'severity', 'status', 'update', 'cleared', 'recurred', 'resolved']);

/** The public updates of an incident, oldest first, each with the status it was posted under. */
export function publicUpdates(incident: Incident): PublicUpdate[] {
  const updates: PublicUpdate[] = [];
  let status: IncidentStatus = 'investigating';
  incident.timeline.forEach((entry, index) => {
    if (!PUBLIC_KINDS.has(entry.kind)) return;
    const body = publicBody(entry);
    if (entry.kind === 'status' && typeof entry.data?.to === 'string') status = entry.data.to as IncidentStatus;
    if (entry.kind === 'cleared') status = 'monitoring';
    if (entry.kind === 'recurred') status = 'investigating';
    if (entry.kind === 'resolved') status = 'resolved';
    if (body === null) return;
    updates.push({ id: `${incident.id}-${index}`, incidentId: incident.id, at: entry.at, status, body });
  });
  return updates;
}

/** Public wording: never names who acted (actors are internal). */
function publicBody(entry: TimelineEntry): string | null {
  switch (entry.kind) {
    case 'severity': {
      const from = entry.data?.from;
      const to = entry.data?.to;
      return typeof from === 'string' && typeof to === 'string' ? `Severity changed from ${from} to ${to}.` : 'Severity changed.';
    }
    case 'status':
      // the update posted with it carries the words; the status itself shows on the update
      return null;
    case 'resolved':
      return entry.text.startsWith('Resolved: ') ? entry.text : 'Resolved.';
    default:
      return entry.text;
  }
}

/** Component ids: `bridge-<id>`, `chain-<name>` */
export function affectedComponents(incident: Incident): string[] {
  const ids = new Set<string>();
  for (const bridge of incident.impact.bridges) ids.add(`bridge-${bridge}`);
  // a stuck bridge lists its chains in impact.chains, but the chains themselves are fine:
  // only chain incidents (halted, unobservable) mark a chain
  const chainKey = /^chain:([^:]+):/.exec(incident.key);
  if (chainKey) ids.add(`chain-${chainKey[1]}`);
  return [...ids];
}

export type ComponentStatus = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage' | 'under_maintenance';

const COMPONENT_STATUS: Record<Severity, ComponentStatus> = {
  S0: 'major_outage',
  S1: 'partial_outage',
  S2: 'degraded_performance',
  S3: 'degraded_performance',
};

export interface PublicComponent {
  id: string;
  name: string;
  status: ComponentStatus;
}

export function componentStates(snapshot: StatusSnapshot): PublicComponent[] {
  const open = openIncidents(snapshot);
  const maintenance = activeMaintenance(snapshot);
  const all = [
    ...snapshot.components.bridges.map((b) => ({ id: `bridge-${b.id}`, name: b.name, bridge: b.id })),
    ...snapshot.components.chains.map((c) => ({ id: `chain-${c}`, name: `${c} chain`, bridge: null as string | null })),
  ];
  return all.map(({ id, name, bridge }) => {
    const worst = open.find((i) => affectedComponents(i).includes(id));
    let status: ComponentStatus = worst ? COMPONENT_STATUS[worst.severity] : 'operational';
    if (!worst && bridge && maintenance.some((w) => w.bridges.length === 0 || w.bridges.includes(bridge))) status = 'under_maintenance';
    return { id, name, status };
  });
}

export const COMPONENT_LABEL: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};
