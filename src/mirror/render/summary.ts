/**
 * summary.json and history.json in Atlassian Statuspage's v2 shapes (`/api/v2/summary.json`,
 * `/api/v2/incidents.json`), so existing status widgets and aggregators read them unchanged. Pure.
 */
import type { Incident } from '../../core/types.ts';
import {
  INDICATOR,
  type StatusSnapshot,
  affectedComponents,
  componentStates,
  openIncidents,
  overallStatus,
  publicUpdates,
  recentlyResolved,
  upcomingMaintenance,
  activeMaintenance,
  incidentLink,
} from './public.ts';

const PAGE_ID = 'firebreak';

/**
 * Statuspage's `page`: `url` is the status page's absolute address when `server.publicUrl` is set;
 * without it `/status`, the public page (a relative `./` resolved to /api/v2/, a protected route).
 */
function page(snapshot: StatusSnapshot) {
  return {
    id: PAGE_ID,
    name: snapshot.page.name,
    url: snapshot.page.url ?? '/status',
    time_zone: 'Etc/UTC',
    updated_at: snapshot.generatedAt.toISOString(),
  };
}

type ComponentJson = ReturnType<typeof componentsJson>[number];

function componentsJson(snapshot: StatusSnapshot) {
  const now = snapshot.generatedAt.toISOString();
  return componentStates(snapshot).map((c, position) => ({
    id: c.id,
    name: c.name,
    status: c.status,
    created_at: now,
    updated_at: now,
    position: position + 1,
    description: null as string | null,
    showcase: true,
    // when the component started to be monitored: not known to the renderer (Statuspage allows null)
    start_date: null as string | null,
    group_id: null as string | null,
    page_id: PAGE_ID,
    group: false,
    only_show_if_degraded: false,
  }));
}

function componentObjects(ids: string[], components: ComponentJson[]): ComponentJson[] {
  return ids.map((id) => components.find((c) => c.id === id)).filter((c): c is ComponentJson => c !== undefined);
}

function incidentJson(snapshot: StatusSnapshot, incident: Incident, components: ComponentJson[]) {
  const updates = publicUpdates(incident).reverse();
  const monitoring = incident.timeline.find((t) => t.kind === 'cleared' || (t.kind === 'status' && t.data?.to === 'monitoring'));
  const last = updates[0]?.at ?? incident.startedAt;
  const affected = componentObjects(affectedComponents(incident), components);
  return {
    id: incident.id,
    name: incident.title,
    status: incident.status,
    impact: INDICATOR[incident.severity],
    severity: incident.severity,
    created_at: incident.startedAt,
    started_at: incident.startedAt,
    updated_at: last,
    monitoring_at: monitoring?.at ?? null,
    resolved_at: incident.resolvedAt,
    shortlink: incidentLink(snapshot, incident.id),
    page_id: PAGE_ID,
    incident_updates: updates.map((u) => ({
      id: u.id,
      status: u.status,
      body: u.body,
      incident_id: incident.id,
      created_at: u.at,
      updated_at: u.at,
      display_at: u.at,
      affected_components: null,
    })),
    components: affected,
    impact_figures: {
      stuck_transfers: incident.impact.stuckTransfers,
      locked_usd: incident.impact.lockedUsd,
      oldest_stuck_seconds: incident.impact.oldestStuckSeconds,
      bridges: incident.impact.bridges,
    },
  };
}

/** Scheduled maintenances in Statuspage's shape: an incident's fields plus `scheduled_for`/`scheduled_until`. */
function maintenanceJson(snapshot: StatusSnapshot, components: ComponentJson[]) {
  const active = new Set(activeMaintenance(snapshot));
  return [...active, ...upcomingMaintenance(snapshot)].map((w, index) => {
    const id = `maintenance-${w.start.toISOString()}-${index}`;
    const ids = w.bridges.length > 0 ? w.bridges.map((b) => `bridge-${b}`) : snapshot.components.bridges.map((b) => `bridge-${b.id}`);
    return {
      id,
      name: w.note || 'Scheduled maintenance',
      status: active.has(w) ? ('in_progress' as const) : ('scheduled' as const),
      impact: 'maintenance' as const,
      created_at: w.start.toISOString(),
      updated_at: w.start.toISOString(),
      started_at: w.start.toISOString(),
      monitoring_at: null as string | null,
      resolved_at: null as string | null,
      shortlink: `${snapshot.page.url ?? '/status'}#${encodeURIComponent(id)}`,
      page_id: PAGE_ID,
      scheduled_for: w.start.toISOString(),
      scheduled_until: w.end.toISOString(),
      components: componentObjects(ids, components),
      incident_updates: [] as Array<never>,
    };
  });
}

export function renderSummary(snapshot: StatusSnapshot) {
  const components = componentsJson(snapshot);
  return {
    page: page(snapshot),
    status: overallStatus(snapshot),
    components,
    incidents: openIncidents(snapshot).map((incident) => incidentJson(snapshot, incident, components)),
    scheduled_maintenances: maintenanceJson(snapshot, components),
  };
}

/** Open and recently resolved incidents with their public updates (Statuspage incidents.json). */
export function renderHistory(snapshot: StatusSnapshot) {
  const components = componentsJson(snapshot);
  return {
    page: page(snapshot),
    incidents: [...openIncidents(snapshot), ...recentlyResolved(snapshot, 50)].map((incident) => incidentJson(snapshot, incident, components)),
  };
}
