/**
 * The incident state machine (pure). Every function takes an incident and the time, and returns
 * the changed incident, the timeline entries to append and the effects to plan. Nothing here
 * reads a clock or a database, so the rules (SPEC §4) are tested with a controlled clock.
 */
import { formatDuration } from './duration.ts';
import type { Effect } from './effects.ts';
import { formatUsd, plural } from './format.ts';
import { atLeast, isWorse } from './severity.ts';
import type {
  Detection,
  Impact,
  Incident,
  IncidentSource,
  IncidentStatus,
  Role,
  Severity,
  TimelineEntry,
} from './types.ts';

/** What the playbooks and on-call config say, in the shape the rules need. */
export interface IncidentRules {
  levels: Record<Severity, { updateEveryMs: number | null; ackTimeoutMs: number | null; page: boolean; postmortem: boolean }>;
  /** per runbook kind: page only at this severity or worse (null = never) */
  pageMinSeverity: Record<string, Severity | null>;
  quietPeriodMs: number;
  postmortemDueAfterMs: number;
  /** on-call tiers in escalation order; a tier's own ackTimeout wins over the level's */
  tiers: Array<{ name: string; ackTimeoutMs?: number }>;
  /** maintenance windows hold pages (not detection) of the incidents they cover */
  maintenance?: MaintenanceRule[];
}

/** A maintenance window: `bridges` empty = every incident except manual declarations. */
export interface MaintenanceRule {
  startMs: number;
  endMs: number;
  bridges: string[];
  note: string;
}

export interface Transition {
  incident: Incident;
  entries: TimelineEntry[];
  effects: Effect[];
}

const SYSTEM = 'firebreak';

function iso(now: Date): string {
  return now.toISOString();
}

function plus(now: Date, ms: number | null): string | null {
  return ms === null ? null : new Date(now.getTime() + ms).toISOString();
}

export function isOpen(incident: Pick<Incident, 'status'>): boolean {
  return incident.status !== 'resolved';
}

function peakOf(a: Impact, b: Impact): Impact {
  return {
    stuckTransfers: Math.max(a.stuckTransfers, b.stuckTransfers),
    lockedUsd: Math.max(a.lockedUsd, b.lockedUsd),
    oldestStuckSeconds: Math.max(a.oldestStuckSeconds, b.oldestStuckSeconds),
    bridges: [...new Set([...a.bridges, ...b.bridges])].sort(),
    chains: [...new Set([...(a.chains ?? []), ...(b.chains ?? [])])].sort(),
    unpriced: Math.max(a.unpriced ?? 0, b.unpriced ?? 0),
    pendingTransfers: Math.max(a.pendingTransfers ?? 0, b.pendingTransfers ?? 0),
  };
}

export function runbookKindOf(incident: Pick<Incident, 'key' | 'source'>): string {
  if (incident.source === 'alert') return 'alert';
  if (incident.source === 'manual') return 'manual';
  if (incident.key.endsWith(':stuck')) return 'bridge-stuck';
  if (/^bridge:.*:(unbacked|outflow|backing)$/.test(incident.key)) return 'bridge-exploit';
  if (incident.key.endsWith(':halted')) return 'chain-halted';
  if (incident.key.endsWith(':unobservable')) return 'chain-unobservable';
  return 'monitor-down';
}

/** Whether on-call is paged at this severity (the level pages and the runbook allows it). */
export function pagesAt(rules: IncidentRules, incident: Pick<Incident, 'key' | 'source'>, severity: Severity): boolean {
  if (!rules.levels[severity].page || rules.tiers.length === 0) return false;
  const min = rules.pageMinSeverity[runbookKindOf(incident)];
  return min !== null && min !== undefined && atLeast(severity, min);
}

function ackTimeout(rules: IncidentRules, severity: Severity, tier: number): number | null {
  return rules.tiers[tier]?.ackTimeoutMs ?? rules.levels[severity].ackTimeoutMs;
}

function entry(now: Date, kind: TimelineEntry['kind'], text: string, actor = SYSTEM, data?: Record<string, unknown>): TimelineEntry {
  return data ? { at: iso(now), kind, text, actor, data } : { at: iso(now), kind, text, actor };
}

function withEntries(incident: Incident, entries: TimelineEntry[]): Incident {
  return { ...incident, timeline: [...incident.timeline, ...entries] };
}

/** The maintenance window covering this incident now, if any (the one ending last). */
export function maintenanceFor(rules: IncidentRules, incident: Pick<Incident, 'source' | 'impact'>, now: Date): MaintenanceRule | null {
  if (incident.source === 'manual') return null;
  const t = now.getTime();
  const covering = (rules.maintenance ?? []).filter(
    (w) => w.startMs <= t && t < w.endMs && (w.bridges.length === 0 || w.bridges.some((b) => incident.impact.bridges.includes(b))),
  );
  return covering.sort((a, b) => b.endMs - a.endMs)[0] ?? null;
}

/** Paging effects when an incident starts paging (or its severity newly requires it). */
function startPaging(rules: IncidentRules, incident: Incident, now: Date, effects: Effect[], entries: TimelineEntry[]): Incident {
  if (incident.acknowledgedAt || !pagesAt(rules, incident, incident.severity)) return incident;
  if (incident.escalation.held || incident.escalation.nextAt !== null || incident.timeline.some((e) => e.kind === 'page')) return incident;
  const window = maintenanceFor(rules, incident, now);
  if (window) {
    const until = new Date(window.endMs).toISOString();
    entries.push(entry(now, 'page_held', `Page held: maintenance window until ${until}${window.note ? ` (${window.note})` : ''}`, SYSTEM, { until }));
    return { ...incident, escalation: { tier: -1, nextAt: until, held: true } };
  }
  effects.push({ type: 'page', tier: 0, dedup: 'page:0', escalation: false });
  entries.push(entry(now, 'page', `Paged on-call tier "${rules.tiers[0]!.name}"`, SYSTEM, { tier: 0 }));
  const timeout = ackTimeout(rules, incident.severity, 0);
  return { ...incident, escalation: { tier: 0, nextAt: rules.tiers.length > 1 ? plus(now, timeout) : null, held: false } };
}

export interface OpenInput {
  id: string;
  key: string;
  title: string;
  severity: Severity;
  source: IncidentSource;
  summary: string;
  impact: Impact;
  actor?: string;
  /** how long the condition existed before it was detected (MTTD), seconds of chain time */
  detectionDelaySeconds?: number;
}

export function openIncident(rules: IncidentRules, input: OpenInput, now: Date): Transition {
  const manual = input.source === 'manual';
  const base: Incident = {
    id: input.id,
    key: input.key,
    title: input.title,
    severity: input.severity,
    status: 'investigating',
    source: input.source,
    summary: input.summary,
    startedAt: iso(now),
    detectedAt: iso(now),
    acknowledgedAt: null,
    acknowledgedBy: null,
    mitigatedAt: null,
    resolvedAt: null,
    roles: { commander: null, techLead: null, comms: null, scribe: null },
    impact: input.impact,
    peakImpact: input.impact,
    peakSeverity: input.severity,
    nextUpdateDue: plus(now, rules.levels[input.severity].updateEveryMs),
    lastUpdateAt: null,
    escalation: { tier: -1, nextAt: null, held: false },
    severityOverride: null,
    clearedAt: null,
    postmortemDue: null,
    mirror: { cid: null },
    warRoom: null,
    governance: [],
    actionItems: [],
    timeline: [],
  };
  const entries: TimelineEntry[] = [
    entry(now, manual ? 'declared' : 'detected', manual ? `Declared ${input.severity}: ${input.summary || input.title}` : `Detected ${input.severity}: ${input.summary}`, input.actor ?? SYSTEM, {
      severity: input.severity,
      ...(input.detectionDelaySeconds === undefined ? {} : { detectionDelaySeconds: input.detectionDelaySeconds }),
      // the first reading (the status page's locked-value sparkline starts here)
      ...(manual ? {} : { impact: base.impact }),
    }),
  ];
  const effects: Effect[] = [{ type: 'notify', kind: 'declared', dedup: 'declared', actor: input.actor }];
  let incident = withEntries(base, entries);
  const more: TimelineEntry[] = [];
  incident = startPaging(rules, incident, now, effects, more);
  effects.push({ type: 'severity-reached', severity: input.severity, dedup: `severity:${input.severity}` });
  effects.push({ type: 'publish' });
  return { incident: withEntries(incident, more), entries: [...entries, ...more], effects };
}

/** A watcher's reading for an open incident: raise (never lower), clear, or recur. */
export function applyReading(rules: IncidentRules, current: Incident, detection: Detection, now: Date): Transition {
  const entries: TimelineEntry[] = [];
  const effects: Effect[] = [];
  let incident: Incident = { ...current, impact: detection.impact, peakImpact: peakOf(current.peakImpact, detection.impact) };

  if (detection.severity === null) {
    // (a person may have set monitoring already: the quiet period still starts when it clears)
    if (!incident.clearedAt) {
      incident = { ...incident, status: 'monitoring', clearedAt: iso(now), mitigatedAt: incident.mitigatedAt ?? iso(now) };
      entries.push(entry(now, 'cleared', `Condition cleared: ${detection.summary}. Monitoring; resolves after ${Math.round(rules.quietPeriodMs / 60000)} min without recurrence.`));
      effects.push({ type: 'notify', kind: 'status', dedup: `cleared:${incident.timeline.length}`, message: detection.summary }, { type: 'publish' });
    }
    return { incident: withEntries(incident, entries), entries, effects };
  }

  // back after it had cleared (not: a person set monitoring while the condition still holds)
  if (incident.clearedAt) {
    incident = { ...incident, status: 'investigating', clearedAt: null };
    entries.push(entry(now, 'recurred', `Condition is back: ${detection.summary}`));
    effects.push({ type: 'notify', kind: 'status', dedup: `recurred:${incident.timeline.length}`, message: detection.summary });
  }

  // people lowered it: readings raise it again only when they are worse than what people saw
  const floor = incident.severityOverride ? incident.severityOverride.readingSeverity : null;
  const raises = isWorse(detection.severity, incident.severity) && (floor === null || isWorse(detection.severity, floor));
  if (raises) {
    const previous = incident.severity;
    incident = {
      ...incident,
      severity: detection.severity,
      peakSeverity: isWorse(detection.severity, incident.peakSeverity) ? detection.severity : incident.peakSeverity,
      severityOverride: null,
    };
    entries.push(entry(now, 'severity', `Severity raised ${previous} → ${detection.severity}: ${detection.summary}`, SYSTEM, { from: previous, to: detection.severity }));
    effects.push({ type: 'notify', kind: 'severity', dedup: `severity:${detection.severity}`, previousSeverity: previous, message: detection.summary });
    effects.push({ type: 'severity-reached', severity: detection.severity, dedup: `severity:${detection.severity}` });
    // a faster cadence starts now if it is sooner than the one scheduled
    const due = plus(now, rules.levels[detection.severity].updateEveryMs);
    if (due && (!incident.nextUpdateDue || due < incident.nextUpdateDue)) incident = { ...incident, nextUpdateDue: due };
    incident = startPaging(rules, withEntries(incident, entries.splice(0)), now, effects, entries);
    incident = { ...incident, timeline: incident.timeline };
    const appended = incident.timeline.slice(current.timeline.length);
    return { incident: withEntries({ ...incident, timeline: incident.timeline }, entries), entries: [...appended, ...entries], effects: [...effects, { type: 'publish' }] };
  }
  const changed =
    current.impact.stuckTransfers !== detection.impact.stuckTransfers ||
    current.impact.lockedUsd !== detection.impact.lockedUsd ||
    JSON.stringify(current.impact.exploit) !== JSON.stringify(detection.impact.exploit);
  if (changed) effects.push({ type: 'publish' });
  // the same reading again: nothing to save
  if (entries.length === 0 && JSON.stringify(current.impact) === JSON.stringify(detection.impact) && JSON.stringify(current.peakImpact) === JSON.stringify(incident.peakImpact)) {
    return { incident: current, entries, effects };
  }
  return { incident: withEntries(incident, entries), entries, effects };
}

/** Time passing: due updates, escalation, auto-resolve after the quiet period, postmortem due. */
export function tickIncident(rules: IncidentRules, current: Incident, now: Date): Transition {
  const entries: TimelineEntry[] = [];
  const effects: Effect[] = [];
  let incident = current;
  const t = iso(now);

  if (isOpen(incident) && incident.status === 'monitoring' && incident.clearedAt && new Date(incident.clearedAt).getTime() + rules.quietPeriodMs <= now.getTime()) {
    return resolveIncident(rules, incident, now, SYSTEM, `No recurrence for ${Math.round(rules.quietPeriodMs / 60000)} min: resolved.`);
  }
  if (isOpen(incident) && incident.nextUpdateDue && incident.nextUpdateDue <= t) {
    const every = rules.levels[incident.severity].updateEveryMs;
    const figures = liveFigures(incident);
    entries.push(entry(now, 'update', `Scheduled update (${incident.status}, ${incident.severity}): ${figures}.`, SYSTEM, { automatic: true, impact: incident.impact }));
    effects.push({ type: 'notify', kind: 'update', dedup: `update:auto:${incident.nextUpdateDue}`, message: figures });
    incident = { ...incident, lastUpdateAt: t, nextUpdateDue: plus(now, every) };
    effects.push({ type: 'publish' });
  }
  if (isOpen(incident) && incident.escalation.held && incident.escalation.nextAt && incident.escalation.nextAt <= t) {
    // the maintenance window ended: page now unless another window still covers the incident
    const window = maintenanceFor(rules, incident, now);
    if (window) incident = { ...incident, escalation: { tier: -1, nextAt: new Date(window.endMs).toISOString(), held: true } };
    else {
      incident = { ...incident, escalation: { tier: -1, nextAt: null, held: false } };
      if (!incident.acknowledgedAt) {
        entries.push(entry(now, 'note', 'Maintenance window over: sending the held page.'));
        incident = startPaging(rules, incident, now, effects, entries);
      }
    }
  }
  if (isOpen(incident) && !incident.acknowledgedAt && !incident.escalation.held && incident.escalation.nextAt && incident.escalation.nextAt <= t) {
    const tier = incident.escalation.tier + 1;
    if (tier < rules.tiers.length) {
      effects.push({ type: 'page', tier, dedup: `page:${tier}`, escalation: true });
      entries.push(entry(now, 'escalated', `Not acknowledged in time: escalated to tier "${rules.tiers[tier]!.name}"`, SYSTEM, { tier }));
      effects.push({ type: 'notify', kind: 'escalation', dedup: `escalation:${tier}`, vars: { tier: rules.tiers[tier]!.name } });
      const next = tier + 1 < rules.tiers.length ? plus(now, ackTimeout(rules, incident.severity, tier)) : null;
      incident = { ...incident, escalation: { tier, nextAt: next, held: false } };
    } else incident = { ...incident, escalation: { ...incident.escalation, nextAt: null } };
  }
  if (!isOpen(incident) && incident.postmortemDue && incident.postmortemDue <= t && !incident.timeline.some((e) => e.kind === 'postmortem_due' || e.kind === 'postmortem')) {
    entries.push(entry(now, 'postmortem_due', `The postmortem is due (${formatDuration(rules.postmortemDueAfterMs)} after resolution).`));
    effects.push({ type: 'notify', kind: 'postmortem_due', dedup: 'postmortem_due' });
  }
  return { incident: withEntries(incident, entries), entries, effects };
}

/** The live figures of an incident in one line (automatic updates). */
export function liveFigures(incident: Pick<Incident, 'impact'>): string {
  const i = incident.impact;
  const parts = [`${plural(i.stuckTransfers, 'transfer')} stuck`, `${formatUsd(i.lockedUsd)} locked`];
  if (i.oldestStuckSeconds > 0) parts.push(`oldest ${formatDuration(i.oldestStuckSeconds * 1000)}`);
  if (i.pendingTransfers !== undefined) parts.push(`${i.pendingTransfers} pending`);
  return parts.join(', ');
}

export function acknowledgeIncident(current: Incident, now: Date, actor: string): Transition {
  if (current.acknowledgedAt) return { incident: current, entries: [], effects: [] };
  const entries = [entry(now, 'acknowledged', `Acknowledged by ${actor}`, actor)];
  const incident = withEntries({ ...current, acknowledgedAt: iso(now), acknowledgedBy: actor, escalation: { ...current.escalation, nextAt: null, held: false } }, entries);
  return { incident, entries, effects: [{ type: 'notify', kind: 'acknowledged', dedup: 'acknowledged', actor }, { type: 'publish' }] };
}

export function postUpdate(rules: IncidentRules, current: Incident, now: Date, actor: string, message: string, status?: IncidentStatus): Transition {
  if (status === 'resolved') return resolveIncident(rules, current, now, actor, message);
  const entries: TimelineEntry[] = [];
  let incident: Incident = { ...current, lastUpdateAt: iso(now), nextUpdateDue: plus(now, rules.levels[current.severity].updateEveryMs) };
  if (status && status !== current.status) {
    incident = { ...incident, status, mitigatedAt: status === 'monitoring' ? (incident.mitigatedAt ?? iso(now)) : incident.mitigatedAt };
    entries.push(entry(now, 'status', `Status ${current.status} → ${status}`, actor, { from: current.status, to: status }));
  }
  entries.push(entry(now, 'update', message, actor));
  incident = withEntries(incident, entries);
  return {
    incident,
    entries,
    effects: [{ type: 'notify', kind: 'update', dedup: `update:manual:${incident.timeline.length}`, message, actor }, { type: 'publish' }],
  };
}

export function addNote(current: Incident, now: Date, actor: string, text: string): Transition {
  const entries = [entry(now, 'note', text, actor)];
  return { incident: withEntries(current, entries), entries, effects: [] };
}

export function assignRole(current: Incident, now: Date, actor: string, role: Role, who: string): Transition {
  const entries = [entry(now, 'role', `${who} is ${role}`, actor, { role, who })];
  return { incident: withEntries({ ...current, roles: { ...current.roles, [role]: who } }, entries), entries, effects: [{ type: 'publish' }] };
}

/** People may lower (or raise) the severity; recorded, and readings no longer undo it silently. */
export function setSeverity(rules: IncidentRules, current: Incident, now: Date, actor: string, severity: Severity, reason?: string): Transition {
  if (severity === current.severity) return { incident: current, entries: [], effects: [] };
  const entries = [entry(now, 'severity', `Severity set ${current.severity} → ${severity} by ${actor}${reason ? `: ${reason}` : ''}`, actor, { from: current.severity, to: severity, manual: true })];
  let incident: Incident = {
    ...current,
    severity,
    peakSeverity: isWorse(severity, current.peakSeverity) ? severity : current.peakSeverity,
    severityOverride: isWorse(current.severity, severity) ? { severity, readingSeverity: current.severity, by: actor, at: iso(now) } : null,
  };
  const due = plus(now, rules.levels[severity].updateEveryMs);
  incident = { ...incident, nextUpdateDue: due };
  // lowered below paging: no further escalation (a held page stays held until the window ends)
  if (!pagesAt(rules, incident, severity) && !incident.escalation.held) incident = { ...incident, escalation: { ...incident.escalation, nextAt: null } };
  const effects: Effect[] = [{ type: 'notify', kind: 'severity', dedup: `severity:${severity}:manual:${current.timeline.length}`, previousSeverity: current.severity, actor, message: reason }];
  const more: TimelineEntry[] = [];
  incident = startPaging(rules, withEntries(incident, entries), now, effects, more);
  effects.push({ type: 'publish' });
  return { incident: withEntries(incident, more), entries: [...entries, ...more], effects };
}

export function resolveIncident(rules: IncidentRules, current: Incident, now: Date, actor: string, message?: string): Transition {
  if (!isOpen(current)) return { incident: current, entries: [], effects: [] };
  const needsPostmortem = rules.levels[current.peakSeverity].postmortem;
  const entries = [entry(now, 'resolved', message ? `Resolved: ${message}` : `Resolved by ${actor}`, actor)];
  const incident = withEntries(
    {
      ...current,
      status: 'resolved',
      resolvedAt: iso(now),
      mitigatedAt: current.mitigatedAt ?? iso(now),
      nextUpdateDue: null,
      escalation: { ...current.escalation, nextAt: null },
      postmortemDue: needsPostmortem ? plus(now, rules.postmortemDueAfterMs) : null,
    },
    entries,
  );
  const effects: Effect[] = [{ type: 'notify', kind: 'resolved', dedup: 'resolved', message, actor }, { type: 'publish' }];
  if (current.timeline.some((e) => e.kind === 'page')) effects.push({ type: 'unpage', dedup: 'unpage' });
  return { incident, entries, effects };
}

/** Time to detect / acknowledge / mitigate / resolve of one incident, in seconds (null = not yet). */
export interface StageDurations {
  detect: number | null;
  acknowledge: number | null;
  mitigate: number | null;
  resolve: number | null;
}

export function stageDurations(incident: Pick<Incident, 'detectedAt' | 'acknowledgedAt' | 'mitigatedAt' | 'resolvedAt' | 'timeline'>): StageDurations {
  const since = (t: string | null) => (t ? Math.max(0, (Date.parse(t) - Date.parse(incident.detectedAt)) / 1000) : null);
  const delay = incident.timeline.find((e) => e.kind === 'detected')?.data?.detectionDelaySeconds;
  return {
    detect: typeof delay === 'number' ? delay : null,
    acknowledge: since(incident.acknowledgedAt),
    mitigate: since(incident.mitigatedAt),
    resolve: since(incident.resolvedAt),
  };
}

export interface ResponseStats {
  days: number;
  incidents: number;
  mttdSeconds: number | null;
  mttaSeconds: number | null;
  mttmSeconds: number | null;
  mttrSeconds: number | null;
}

/** MTTD/MTTA/MTTM/MTTR over the incidents started in the last `days` days. */
export function responseStats(incidents: Incident[], nowMs: number, days: number): ResponseStats {
  const inWindow = incidents.filter((i) => Date.parse(i.startedAt) >= nowMs - days * 86_400_000);
  const stages = inWindow.map(stageDurations);
  const mean = (key: keyof StageDurations) => {
    const values = stages.map((s) => s[key]).filter((v): v is number => v !== null);
    return values.length ? Math.round(values.reduce((a, b) => a + b, 0) / values.length) : null;
  };
  return { days, incidents: inWindow.length, mttdSeconds: mean('detect'), mttaSeconds: mean('acknowledge'), mttmSeconds: mean('mitigate'), mttrSeconds: mean('resolve') };
}
