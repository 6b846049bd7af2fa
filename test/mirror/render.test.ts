import { describe, expect, it } from 'vitest';
import { renderFeed } from '../../src/mirror/render/feed.ts';
import { renderStatusPage } from '../../src/mirror/render/page.ts';
import { publicUpdates } from '../../src/mirror/render/public.ts';
import { renderSite } from '../../src/mirror/render/site.ts';
import { renderHistory, renderSummary } from '../../src/mirror/render/summary.ts';
import { formatSpan } from '../../src/mirror/render/text.ts';
import { HOSTILE, openIncident, snapshotOf } from './fixtures.ts';

const resolved = openIncident({
  id: 'INC-0000',
  title: 'Earlier: Telegram relay down',
  severity: 'S2',
  peakSeverity: 'S2',
  status: 'resolved',
  startedAt: '2026-11-26T01:00:00.000Z',
  resolvedAt: '2026-11-26T02:30:00.000Z',
  nextUpdateDue: null,
  timeline: [
    { at: '2026-11-26T01:00:00.000Z', kind: 'declared', text: 'Declared S2: relay down', actor: 'dave' },
    { at: '2026-11-26T02:30:00.000Z', kind: 'resolved', text: 'Resolved by dave', actor: 'dave' },
  ],
});

describe('status page', () => {
  it('shows the state, the incident with plain figures, updates in UTC, next update, maintenance and resolved', () => {
    const html = renderStatusPage(snapshotOf([openIncident(), resolved]));
    expect(html).toContain('Partial System Outage');
    expect(html).toContain('Drill bridge: transfers stuck');
    expect(html).toContain('S1 · major');
    expect(html).toContain('$40,000 locked in 37 stuck transfers');
    expect(html).toContain('12 h 3 min');
    expect(html).toContain('2026-11-26 12:30 UTC');
    expect(html).toContain('The relayer is stalled; we are restarting it.');
    expect(html).toContain('Next update due by <time datetime="2026-11-26T13:00:00.000Z">2026-11-26 13:00 UTC</time>');
    expect(html).toContain('relayer &lt;upgrade&gt;');
    expect(html).toContain('Earlier: Telegram relay down');
    expect(html).toContain('after 1 h 30 min');
  });

  it('is self-contained: no scripts, no external resources, relative links only', () => {
    const html = renderStatusPage(snapshotOf([openIncident()]));
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/(src|href)="\//i);
    expect(html).toContain('href="summary.json"');
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain('<html lang="en">');
  });

  it('never publishes internal timeline entries (pages, notes, roles, who acknowledged)', () => {
    const site = renderSite(snapshotOf([openIncident(), resolved]));
    for (const [name, body] of Object.entries(site)) {
      for (const secret of ['SECRET-PAGE', 'SECRET-NOTE', 'SECRET-ROLE', 'alice', 'dave']) expect(body, `${name} leaks ${secret}`).not.toContain(secret);
    }
    expect(publicUpdates(resolved).at(-1)!.body).toBe('Resolved.');
  });

  it('escapes hostile alert text everywhere (XSS attempt in an alert summary)', () => {
    const hostile = openIncident({
      key: 'alert:x',
      title: HOSTILE,
      timeline: [{ at: '2026-11-26T12:00:00.000Z', kind: 'detected', text: `Detected S1: ${HOSTILE}` }],
    });
    const site = renderSite(snapshotOf([hostile]));
    expect(site['index.html']).not.toContain('<script>alert');
    expect(site['index.html']).not.toContain('<img');
    expect(site['index.html']).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;');
    expect(site['feed.xml']).not.toContain('<script>');
    expect(site['feed.xml']).toContain('&lt;script&gt;');
    // JSON keeps the text as data (JSON.parse gives it back exactly)
    expect(JSON.parse(site['summary.json']!).incidents[0].name).toBe(HOSTILE);
  });
});

describe('summary.json, history.json, feed', () => {
  it('has Statuspage shape with severity mapped to impact', () => {
    const summary = renderSummary(snapshotOf([openIncident(), openIncident({ id: 'INC-0002', key: 'chain:arbitrum:halted', severity: 'S0', impact: { stuckTransfers: 0, lockedUsd: 0, oldestStuckSeconds: 0, bridges: [] } })]));
    expect(summary.page).toMatchObject({ id: 'firebreak', name: 'Firebreak drill', time_zone: 'Etc/UTC' });
    expect(summary.status).toEqual({ indicator: 'critical', description: 'Major System Outage' });
    expect(summary.components.map((c) => [c.id, c.status])).toEqual([
      ['bridge-drill', 'partial_outage'],
      ['chain-ethereum', 'operational'],
      ['chain-arbitrum', 'major_outage'],
    ]);
    expect(summary.incidents.map((i) => [i.id, i.impact])).toEqual([
      ['INC-0002', 'critical'],
      ['INC-0001', 'major'],
    ]);
    const updates = summary.incidents[1]!.incident_updates;
    expect(updates[0]).toMatchObject({ status: 'identified', body: 'The relayer is stalled; we are restarting it.', incident_id: 'INC-0001', created_at: '2026-11-26T12:30:00.000Z' });
    expect(updates.at(-1)).toMatchObject({ status: 'investigating', body: expect.stringContaining('Detected S1') });
    expect(summary.scheduled_maintenances[0]).toMatchObject({ status: 'scheduled', name: 'relayer <upgrade>' });
  });

  it('maps S2 to minor and S3 to none; no incidents is operational', () => {
    expect(renderSummary(snapshotOf([openIncident({ severity: 'S2' })])).status.indicator).toBe('minor');
    expect(renderSummary(snapshotOf([openIncident({ severity: 'S3' })])).incidents[0]!.impact).toBe('none');
    expect(renderSummary(snapshotOf([])).status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
  });

  it('history lists open and recently resolved incidents', () => {
    expect(renderHistory(snapshotOf([openIncident(), resolved])).incidents.map((i) => [i.id, i.status])).toEqual([
      ['INC-0001', 'identified'],
      ['INC-0000', 'resolved'],
    ]);
  });

  it('feed is Atom with one entry per public update, newest first', () => {
    const feed = renderFeed(snapshotOf([openIncident(), resolved]));
    expect(feed).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    const ids = [...feed.matchAll(/<entry>\n<id>([^<]+)<\/id>/g)].map((m) => m[1]);
    expect(ids).toEqual([
      'urn:firebreak:incident:INC-0001:update:INC-0001-6',
      'urn:firebreak:incident:INC-0001:update:INC-0001-0',
      'urn:firebreak:incident:INC-0000:update:INC-0000-1',
      'urn:firebreak:incident:INC-0000:update:INC-0000-0',
    ]);
  });

  it('formats spans for people', () => {
    expect(formatSpan(43_380)).toBe('12 h 3 min');
    expect(formatSpan(2700)).toBe('45 min');
    expect(formatSpan(2 * 86_400 + 4 * 3600)).toBe('2 d 4 h');
  });
});
