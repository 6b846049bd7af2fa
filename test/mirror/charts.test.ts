/**
 * The status page's 90-day history bars and locked-value sparklines: the day states computed from
 * incidents (worst severity per UTC day; other bridges', older and later incidents must not
 * colour a day), the series from the timeline's readings, and the page in real Chromium on a phone
 * viewport with no request beyond the page itself (it must work from IPFS). Screenshots go to
 * test-artifacts/mirror/. Without /usr/bin/chromium the browser part skips with one line.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/types.ts';
import { HISTORY_DAYS, bridgeHistory, lockedSeries, renderSparkline } from '../../src/mirror/render/charts.ts';
import { renderStatusPage } from '../../src/mirror/render/page.ts';
import { openIncident, snapshotOf } from './fixtures.ts';

const NOW = new Date('2026-11-27T00:03:00.000Z');
const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`SKIPPED: status page charts in Chromium (no ${CHROMIUM}; install Debian's chromium, as .ci/run does)`);

function resolved(id: string, bridge: string, severity: Incident['severity'], startedAt: string, resolvedAt: string): Incident {
  const impact = { stuckTransfers: 3, lockedUsd: 1_200, oldestStuckSeconds: 3600, bridges: [bridge] };
  return openIncident({ id, key: `bridge:${bridge}:stuck`, title: `${bridge} transfers delayed`, severity, peakSeverity: severity, status: 'resolved', startedAt, resolvedAt, impact, peakImpact: impact, timeline: [] });
}

/** The seed incident with readings: detection at $12,000, scheduled updates climbing to $40,000. */
function climbing(): Incident {
  const base = openIncident();
  const reading = (at: string, lockedUsd: number, kind: 'detected' | 'update' = 'update') => ({
    at,
    kind,
    text: `reading $${lockedUsd}`,
    actor: 'firebreak',
    data: { impact: { ...base.impact, lockedUsd } },
  });
  return {
    ...base,
    timeline: [
      reading('2026-11-26T12:00:00.000Z', 12_000, 'detected'),
      ...base.timeline.slice(1),
      reading('2026-11-26T15:00:00.000Z', 25_000),
      reading('2026-11-26T18:00:00.000Z', 31_000),
      reading('2026-11-26T21:00:00.000Z', 40_000),
    ],
  };
}

const history = [
  resolved('INC-0002', 'drill', 'S2', '2026-11-20T10:00:00.000Z', '2026-11-20T12:00:00.000Z'),
  // two the same day: the worse one colours it
  resolved('INC-0003', 'drill', 'S3', '2026-11-10T01:00:00.000Z', '2026-11-10T02:00:00.000Z'),
  resolved('INC-0004', 'drill', 'S0', '2026-11-10T05:00:00.000Z', '2026-11-10T06:00:00.000Z'),
  // across midnight: two days
  resolved('INC-0005', 'drill', 'S1', '2026-10-01T22:00:00.000Z', '2026-10-02T03:00:00.000Z'),
  // another bridge: never on drill's bar
  resolved('INC-0006', 'other', 'S0', '2026-11-15T10:00:00.000Z', '2026-11-15T11:00:00.000Z'),
  // older than 90 days: off the bar
  resolved('INC-0007', 'drill', 'S0', '2026-07-01T10:00:00.000Z', '2026-07-01T11:00:00.000Z'),
];

describe('90-day history per bridge', () => {
  const days = bridgeHistory([climbing(), ...history], [], 'drill', NOW);
  const on = (date: string) => days.find((d) => d.date === date)!;

  it('has one day per UTC day, oldest first, ending today', () => {
    expect(days).toHaveLength(HISTORY_DAYS);
    expect(days.at(-1)!.date).toBe('2026-11-27');
    expect(days[0]!.date).toBe('2026-08-30');
  });

  it('colours a day by the worst incident of the bridge that day; an open incident runs until now', () => {
    expect(on('2026-11-20')).toMatchObject({ state: 'S2', incidents: ['INC-0002'] });
    expect(on('2026-11-10').state).toBe('S0');
    expect(on('2026-10-01').state).toBe('S1');
    expect(on('2026-10-02').state).toBe('S1');
    expect(on('2026-11-26').state).toBe('S1');
    expect(on('2026-11-27').state).toBe('S1');
  });

  it('does not colour: other bridges, days before or after an incident, incidents older than 90 days', () => {
    expect(on('2026-11-15').state).toBe('ok');
    expect(on('2026-11-21').state).toBe('ok');
    expect(on('2026-10-03').state).toBe('ok');
    expect(days.some((d) => d.incidents.includes('INC-0006') || d.incidents.includes('INC-0007'))).toBe(false);
    expect(days.filter((d) => d.state !== 'ok')).toHaveLength(6);
    expect(bridgeHistory(history, [], 'quiet-bridge', NOW).every((d) => d.state === 'ok')).toBe(true);
  });

  it('shows maintenance that has begun (not a scheduled one) in its own colour', () => {
    const windows = [
      { start: new Date('2026-11-05T02:00:00Z'), end: new Date('2026-11-05T04:00:00Z'), bridges: ['drill'], note: 'upgrade' },
      { start: new Date('2026-12-01T02:00:00Z'), end: new Date('2026-12-01T04:00:00Z'), bridges: [], note: 'later' },
    ];
    const withMaintenance = bridgeHistory([], windows, 'drill', NOW);
    expect(withMaintenance.find((d) => d.date === '2026-11-05')!.state).toBe('maintenance');
    expect(withMaintenance.filter((d) => d.state !== 'ok')).toHaveLength(1);
  });
});

describe('locked-value sparkline', () => {
  it('follows the readings on the timeline, then the current value', () => {
    const points = lockedSeries(climbing(), NOW);
    expect(points.map((p) => p.lockedUsd)).toEqual([12_000, 25_000, 31_000, 40_000, 40_000]);
    expect(points.at(-1)!.atMs).toBe(NOW.getTime());
  });

  it('a declared incident without readings is a flat line at its current value', () => {
    const declared = openIncident({ timeline: [], impact: { ...openIncident().impact, lockedUsd: 0 } });
    expect(lockedSeries(declared, NOW).map((p) => p.lockedUsd)).toEqual([0, 0]);
  });

  it('says the figures in text as well (screen readers, text browsers)', () => {
    const html = renderSparkline(climbing(), NOW);
    expect(html).toContain('aria-label="Locked value of INC-0001 over 5 readings: now $40,000, peak $40,000"');
    expect(html).toContain('Locked value: <strong>$40,000</strong> now');
  });
});

describe('the page carries both, self-contained', () => {
  const html = renderStatusPage(snapshotOf([climbing(), ...history], NOW));

  it('inline SVG only: no external reference of any kind', () => {
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<(script|img|link rel="stylesheet"|iframe)/);
    expect(html).not.toContain('url(');
  });
});

describe.skipIf(!HAVE_CHROMIUM)('in Chromium, on a phone', () => {
  let browser: import('playwright-core').Browser;
  const artifacts = join(process.cwd(), 'test-artifacts', 'mirror');
  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    await mkdir(artifacts, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`draws 90 bars per bridge and the sparkline, fits 390 px, asks for nothing (${scheme})`, async () => {
      const snapshot = snapshotOf([climbing(), ...history], NOW);
      snapshot.components.bridges.push({ id: 'other', name: 'Other bridge' });
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, colorScheme: scheme, offline: true });
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.setContent(renderStatusPage(snapshot), { waitUntil: 'load' });

      const bars = page.locator('figure.history');
      expect(await bars.count()).toBe(2);
      for (let i = 0; i < 2; i++) expect(await bars.nth(i).locator('rect').count()).toBe(HISTORY_DAYS);
      // each bar is drawn across the width, and days are visible (not collapsed to nothing)
      const box = await bars.first().locator('svg').boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      expect(box!.height).toBeGreaterThanOrEqual(30);
      const colours = await bars.first().locator('rect').evaluateAll((rects) => [...new Set(rects.map((r) => getComputedStyle(r).fill))]);
      expect(colours.length).toBeGreaterThanOrEqual(4);
      const other = await bars.nth(1).locator('rect').evaluateAll((rects) => [...new Set(rects.map((r) => r.getAttribute('class')))]);
      expect(other.sort()).toEqual(['d-critical', 'd-ok']);

      const spark = page.locator('article figure.spark');
      expect(await spark.count()).toBe(1);
      expect(await spark.innerText()).toContain('Locked value: $40,000 now');
      const sparkBox = await spark.locator('svg').boundingBox();
      expect(sparkBox!.width).toBeGreaterThan(300);

      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(requests.filter((url) => !url.startsWith('about:') && !url.startsWith('data:'))).toEqual([]);
      await page.screenshot({ path: join(artifacts, `charts-${scheme}.png`), fullPage: true });
      await page.locator('section[aria-labelledby="history-h"]').screenshot({ path: join(artifacts, `history-${scheme}.png`) });
      await page.locator('article').first().screenshot({ path: join(artifacts, `sparkline-${scheme}.png`) });
      await context.close();
    });
  }
});
