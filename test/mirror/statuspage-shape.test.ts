/**
 * summary.json and incidents.json in Atlassian Statuspage's exact shape, checked against the
 * `statuspage.io` npm client's own types (keys at compile time: `npx tsgo` fails when one is
 * missing) and against the value types of Atlassian's documented example (at run time). Links are
 * absolute with `server.publicUrl`, and never point at a token-protected route.
 */
import type { Component, Incident, IncidentUpdate, Page, ScheduledMaintenance } from 'statuspage.io';
import { describe, expect, it } from 'vitest';
import { renderFeed } from '../../src/mirror/render/feed.ts';
import { statusPageUrl } from '../../src/mirror/render/public.ts';
import { renderHistory, renderSummary } from '../../src/mirror/render/summary.ts';
import { openIncident, snapshotOf } from './fixtures.ts';

type Summary = ReturnType<typeof renderSummary>;
/** keys Statuspage's type has that ours lacks: must be none */
type Missing<Theirs, Ours> = Exclude<keyof Theirs, keyof Ours>;
type None<T> = [T] extends [never] ? true : false;
const componentKeys: None<Missing<Component, Summary['components'][number]>> = true;
const incidentKeys: None<Missing<Incident, Summary['incidents'][number]>> = true;
const updateKeys: None<Missing<IncidentUpdate, Summary['incidents'][number]['incident_updates'][number]>> = true;
const maintenanceKeys: None<Missing<ScheduledMaintenance, Summary['scheduled_maintenances'][number]>> = true;
const pageKeys: None<Missing<Page['page'], Summary['page']>> = true;

/** Atlassian's documented example, as value types: 's' string, 'n' number, 'b' boolean, 'z' null, 'sz' string or null, 'a' array */
const COMPONENT = { id: 's', name: 's', status: 's', created_at: 's', updated_at: 's', position: 'n', description: 'sz', showcase: 'b', start_date: 'sz', group_id: 'sz', page_id: 's', group: 'b', only_show_if_degraded: 'b' };
const INCIDENT = { id: 's', name: 's', status: 's', created_at: 's', updated_at: 's', monitoring_at: 'sz', resolved_at: 'sz', impact: 's', shortlink: 's', started_at: 's', page_id: 's', incident_updates: 'a', components: 'a' };
const UPDATE = { id: 's', status: 's', body: 's', incident_id: 's', created_at: 's', updated_at: 's', display_at: 's', affected_components: 'z' };
const MAINTENANCE = { ...INCIDENT, scheduled_for: 's', scheduled_until: 's' };

function typeOf(value: unknown): string {
  return value === null ? 'z' : Array.isArray(value) ? 'a' : ({ string: 's', number: 'n', boolean: 'b' } as Record<string, string>)[typeof value] ?? typeof value;
}

function expectShape(value: Record<string, unknown>, shape: Record<string, string>, where: string): void {
  for (const [key, kind] of Object.entries(shape)) {
    expect(key in value, `${where}.${key} missing`).toBe(true);
    expect(kind.includes(typeOf(value[key])) || (kind === 'sz' && typeOf(value[key]) === 's'), `${where}.${key}: ${typeOf(value[key])}, want ${kind}`).toBe(true);
  }
}

const PROTECTED = /\/api\/(?!v2\/(summary|incidents)\.json)|\/api\/incidents|\/dashboard/;

describe("Statuspage's shape", () => {
  const incidents = [openIncident(), openIncident({ id: 'INC-0002', key: 'chain:arbitrum:halted', severity: 'S0', impact: { stuckTransfers: 0, lockedUsd: 0, oldestStuckSeconds: 0, bridges: [] } })];

  it('matches the statuspage.io client types (compile time) and Atlassian\'s example value types', () => {
    expect([componentKeys, incidentKeys, updateKeys, maintenanceKeys, pageKeys]).toEqual([true, true, true, true, true]);
    const summary = JSON.parse(JSON.stringify(renderSummary(snapshotOf(incidents)))) as Record<string, any>;
    expect(Object.keys(summary).sort()).toEqual(['components', 'incidents', 'page', 'scheduled_maintenances', 'status']);
    expectShape(summary.page, { id: 's', name: 's', url: 's', time_zone: 's', updated_at: 's' }, 'page');
    for (const c of summary.components) expectShape(c, COMPONENT, 'components[]');
    for (const i of summary.incidents) {
      expectShape(i, INCIDENT, 'incidents[]');
      for (const u of i.incident_updates) expectShape(u, UPDATE, 'incident_updates[]');
      // components of an incident are component objects, as in the components list
      for (const c of i.components) expect(summary.components).toContainEqual(c);
    }
    expect(summary.incidents[0].components.map((c: { id: string }) => c.id)).toEqual(['chain-arbitrum']);
    expect(summary.incidents[1].components.map((c: { id: string }) => c.id)).toEqual(['bridge-drill']);
    expect(summary.scheduled_maintenances).toHaveLength(1);
    expectShape(summary.scheduled_maintenances[0], MAINTENANCE, 'scheduled_maintenances[]');
    expect(summary.scheduled_maintenances[0]).toMatchObject({ impact: 'maintenance', status: 'scheduled', page_id: 'firebreak' });
    expect(summary.scheduled_maintenances[0].components.map((c: { id: string }) => c.id)).toEqual(['bridge-drill']);
    const history = JSON.parse(JSON.stringify(renderHistory(snapshotOf(incidents)))) as Record<string, any>;
    for (const i of history.incidents) expectShape(i, INCIDENT, 'history incidents[]');
  });

  it('with server.publicUrl every link is absolute, to the public status page', () => {
    const snapshot = { ...snapshotOf(incidents), page: { name: 'Firebreak drill', url: statusPageUrl('https://status.example.org') } };
    const summary = renderSummary(snapshot);
    expect(summary.page.url).toBe('https://status.example.org/status');
    expect(summary.incidents.map((i) => i.shortlink)).toEqual(['https://status.example.org/status#INC-0002', 'https://status.example.org/status#INC-0001']);
    expect(summary.scheduled_maintenances[0]!.shortlink).toMatch(/^https:\/\/status\.example\.org\/status#maintenance-/);
    expect(statusPageUrl('https://example.org/firebreak/')).toBe('https://example.org/firebreak/status');
    const feed = renderFeed(snapshot);
    expect(feed).toContain('href="https://status.example.org/status#INC-0001"');
  });

  it('without it, links stay on public routes: never ./ from /api/v2/ (a token-protected route)', () => {
    const summary = renderSummary(snapshotOf(incidents));
    expect(summary.page.url).toBe('/status');
    expect(summary.incidents[0]!.shortlink).toBe('/status#INC-0002');
    const everything = JSON.stringify([summary, renderHistory(snapshotOf(incidents))]);
    expect(everything).not.toMatch(PROTECTED);
    for (const link of everything.match(/"(url|shortlink)":"[^"]*"/g) ?? []) {
      const href = JSON.parse(`{${link}}`) as Record<string, string>;
      const value = Object.values(href)[0]!;
      // resolved from where the document is served, the link lands on the public status page
      expect(new URL(value, 'http://127.0.0.1:8787/api/v2/summary.json').pathname).toBe('/status');
    }
  });
});
