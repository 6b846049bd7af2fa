/**
 * The status page's two charts, as inline SVG (no script, no external asset: the page works from
 * any IPFS gateway and offline). Colours come from the page's CSS classes, so dark mode applies.
 * - A 90-day history bar per bridge, like Statuspage's uptime bars: one bar per UTC day, coloured
 *   by the worst severity of the incidents touching the bridge that day (maintenance in blue).
 * - A locked-value sparkline per open incident, from the readings its timeline carries (detection,
 *   scheduled updates) and its current impact.
 * Pure.
 */
import { formatUsd } from '../../core/format.ts';
import type { Incident, Severity } from '../../core/types.ts';
import type { MaintenanceWindow } from '../../config/types.ts';
import { escapeHtml as e } from './text.ts';

export const HISTORY_DAYS = 90;
const DAY_MS = 86_400_000;
const RANK: Record<Severity, number> = { S0: 0, S1: 1, S2: 2, S3: 3 };

export type DayState = 'ok' | 'maintenance' | Severity;

export interface HistoryDay {
  /** UTC date, YYYY-MM-DD */
  date: string;
  state: DayState;
  /** ids of the incidents that touched the bridge that day */
  incidents: string[];
}

function touches(incident: Incident, bridgeId: string): boolean {
  return incident.impact.bridges.includes(bridgeId) || incident.peakImpact.bridges.includes(bridgeId);
}

/** The last HISTORY_DAYS UTC days (oldest first) of one bridge. */
export function bridgeHistory(incidents: Incident[], maintenance: MaintenanceWindow[], bridgeId: string, now: Date): HistoryDay[] {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const mine = incidents.filter((i) => touches(i, bridgeId));
  const days: HistoryDay[] = [];
  for (let n = HISTORY_DAYS - 1; n >= 0; n--) {
    const start = today - n * DAY_MS;
    const end = start + DAY_MS;
    const that = mine.filter((i) => {
      const from = Date.parse(i.startedAt);
      const to = i.resolvedAt ? Date.parse(i.resolvedAt) : now.getTime();
      return from < end && to >= start;
    });
    const worst = that.map((i) => i.peakSeverity ?? i.severity).sort((a, b) => RANK[a] - RANK[b])[0];
    const maintained = maintenance.some(
      (w) => (w.bridges.length === 0 || w.bridges.includes(bridgeId)) && w.start.getTime() < end && w.end.getTime() > start && w.start.getTime() <= now.getTime(),
    );
    days.push({ date: new Date(start).toISOString().slice(0, 10), state: worst ?? (maintained ? 'maintenance' : 'ok'), incidents: that.map((i) => i.id) });
  }
  return days;
}

const STATE_TEXT: Record<DayState, string> = {
  ok: 'no incident',
  maintenance: 'maintenance',
  S0: 'critical incident (S0)',
  S1: 'major incident (S1)',
  S2: 'minor incident (S2)',
  S3: 'low-severity incident (S3)',
};
const STATE_CLASS: Record<DayState, string> = { ok: 'd-ok', maintenance: 'd-maint', S0: 'd-critical', S1: 'd-major', S2: 'd-minor', S3: 'd-low' };

/** One bridge's 90-day bar: 90 rects in a viewBox that stretches to the page's width. */
export function renderHistoryBar(name: string, days: HistoryDay[]): string {
  const clear = days.filter((d) => d.state === 'ok' || d.state === 'maintenance').length;
  const bars = days
    .map((day, i) => {
      const what = `${day.date}: ${STATE_TEXT[day.state]}${day.incidents.length ? ` (${day.incidents.join(', ')})` : ''}`;
      return `<rect class="${STATE_CLASS[day.state]}" x="${i * 4}" y="0" width="3" height="20" rx="0.6"><title>${e(what)}</title></rect>`;
    })
    .join('');
  const label = `${name}: ${clear} of ${days.length} days without incident`;
  return `<figure class="history">
<figcaption><strong>${e(name)}</strong> <span class="meta">${clear === days.length ? '100' : ((clear / days.length) * 100).toFixed(1)} % of days without incident</span></figcaption>
<svg class="bars" viewBox="0 0 ${days.length * 4 - 1} 20" preserveAspectRatio="none" role="img" aria-label="${e(label)}">${bars}</svg>
<p class="axis meta" aria-hidden="true"><span>${HISTORY_DAYS} days ago</span><span>today</span></p>
</figure>`;
}

export interface ValuePoint {
  atMs: number;
  lockedUsd: number;
}

/** Locked value over the incident's life: readings on its timeline, then its current impact. */
export function lockedSeries(incident: Incident, now: Date): ValuePoint[] {
  const points: ValuePoint[] = [];
  for (const entry of incident.timeline) {
    const impact = entry.data?.impact as { lockedUsd?: unknown } | undefined;
    if (impact && typeof impact.lockedUsd === 'number' && Number.isFinite(impact.lockedUsd)) points.push({ atMs: Date.parse(entry.at), lockedUsd: impact.lockedUsd });
  }
  // no reading recorded (a declared incident): what is known now, from the start
  if (points.length === 0) points.push({ atMs: Date.parse(incident.startedAt), lockedUsd: incident.impact.lockedUsd });
  points.push({ atMs: Math.max(now.getTime(), points.at(-1)!.atMs), lockedUsd: incident.impact.lockedUsd });
  return points.sort((a, b) => a.atMs - b.atMs);
}

/** A sparkline of the locked value with its current and peak figures in text beside it. */
export function renderSparkline(incident: Incident, now: Date): string {
  const points = lockedSeries(incident, now);
  const width = 200;
  const height = 40;
  const first = points[0]!.atMs;
  const span = Math.max(1, points.at(-1)!.atMs - first);
  const top = Math.max(1, ...points.map((p) => p.lockedUsd), incident.peakImpact.lockedUsd);
  const xy = points.map((p) => [((p.atMs - first) / span) * width, height - 2 - (p.lockedUsd / top) * (height - 4)] as const);
  // a step line: the value holds until the next reading
  const path = xy.map(([x, y], i) => (i === 0 ? `M${x.toFixed(1)} ${y.toFixed(1)}` : `H${x.toFixed(1)} V${y.toFixed(1)}`)).join(' ');
  const area = `${path} V${height} H0 Z`;
  const label = `Locked value of ${incident.id} over ${points.length} readings: now ${formatUsd(incident.impact.lockedUsd)}, peak ${formatUsd(incident.peakImpact.lockedUsd)}`;
  return `<figure class="spark">
<svg viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-label="${e(label)}"><path class="spark-area" d="${area}"/><path class="spark-line" d="${path}" vector-effect="non-scaling-stroke"/></svg>
<figcaption class="meta">Locked value: <strong>${e(formatUsd(incident.impact.lockedUsd))}</strong> now · peak ${e(formatUsd(incident.peakImpact.lockedUsd))}</figcaption>
</figure>`;
}
