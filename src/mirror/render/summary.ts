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
} from './public.ts';

const PAGE_ID = 'firebreak';

function page(snapshot: StatusSnapshot) {
  return {
    id: PAGE_ID,
    name: snapshot.page.name,
    // relative: the same document is served from /api/v2/, /status and any IPFS gateway
    url: './',
    time_zone: 'Etc/UTC',
    updated_at: snapshot.generatedAt.toISOString(),
  };
}

function incidentJson(incident: Incident) {
  const updates = publicUpdates(incident).reverse();
  const monitoring = incident.timeline.find((t) => t.kind === 'cleared' || (t.kind === 'status' && t.data?.to === 'monitoring'));
  const last = updates[0]?.at ?? incident.startedAt;
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
    shortlink: `./#${incident.id}`,
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
    components: affectedComponents(incident),
    impact_figures: {
      stuck_transfers: incident.impact.stuckTransfers,
      locked_usd: incident.impact.lockedUsd,
      oldest_stuck_seconds: incident.impact.oldestStuckSeconds,
      bridges: incident.impact.bridges,
    },
  };
}

function maintenanceJson(snapshot: StatusSnapshot) {
  const active = new Set(activeMaintenance(snapshot));
  return [...active, ...upcomingMaintenance(snapshot)].map((w, index) => ({
    id: `maintenance-${w.start.toISOString()}-${index}`,
    name: w.note || 'Scheduled maintenance',
    status: active.has(w) ? 'in_progress' : 'scheduled',
    scheduled_for: w.start.toISOString(),
    scheduled_until: w.end.toISOString(),
    components: w.bridges.map((b) => `bridge-${b}`),
    incident_updates: [],
  }));
}

export function renderSummary(snapshot: StatusSnapshot) {
  const now = snapshot.generatedAt.toISOString();
  return {
    page: page(snapshot),
    status: overallStatus(snapshot),
    components: componentStates(snapshot).map((c, position) => ({
      id: c.id,
      name: c.name,
      status: c.status,
      created_at: now,
      updated_at: now,
      position: position + 1,
      description: null,
      showcase: true,
      group_id: null,
      page_id: PAGE_ID,
      group: false,
      only_show_if_degraded: false,
    })),
    incidents: openIncidents(snapshot).map(incidentJson),
    scheduled_maintenances: maintenanceJson(snapshot),
  };
}

/** Open and recently resolved incidents with their public updates (Statuspage incidents.json). */
export function renderHistory(snapshot: StatusSnapshot) {
  return {
    page: page(snapshot),
    incidents: [...openIncidents(snapshot), ...recentlyResolved(snapshot, 50)].map(incidentJson),
  };
}
