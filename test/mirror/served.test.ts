/**
 * The public documents as served: the same JSON, page and feed as the renderers', one ETag per
 * snapshot, If-None-Match → 304, gzip for clients that accept it; and in the running service, an
 * incident change shows at once while the snapshot is otherwise refreshed in the background.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createMirrorIntegration } from '../../src/mirror/integration.ts';
import type { StatusSnapshot } from '../../src/mirror/render/public.ts';
import { renderFeed } from '../../src/mirror/render/feed.ts';
import { renderStatusPage } from '../../src/mirror/render/page.ts';
import { renderHistory, renderSummary } from '../../src/mirror/render/summary.ts';
import { mirrorRoutes } from '../../src/mirror/routes.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { openIncident, snapshotOf } from './fixtures.ts';
import { waitFor } from './support.ts';

const DISABLED = { enabled: false, cid: null, ipns: null, publishedAt: null, multiaddrs: [], peerId: null, pending: false, lastError: null };

function routesServing(current: { snapshot: StatusSnapshot }) {
  return mirrorRoutes({ snapshot: async () => current.snapshot, state: () => DISABLED, node: () => null, logger: silentLogger });
}

describe('summary.json and incidents.json as served', () => {
  const current = { snapshot: snapshotOf([openIncident()]) };
  const app = routesServing(current);

  it('answers the rendered JSON with its length, a strong ETag and no-cache', async () => {
    const response = await app.request('/api/v2/summary.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-encoding')).toBeNull();
    const body = new Uint8Array(await response.arrayBuffer());
    expect(Number(response.headers.get('content-length'))).toBe(body.byteLength);
    expect(JSON.parse(new TextDecoder().decode(body))).toEqual(JSON.parse(JSON.stringify(renderSummary(current.snapshot))));
    expect(response.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    // same snapshot, same version
    expect((await app.request('/status/summary.json')).headers.get('etag')).toBe(response.headers.get('etag'));
    const history = await (await app.request('/api/v2/incidents.json')).json();
    expect(history).toEqual(JSON.parse(JSON.stringify(renderHistory(current.snapshot))));
  });

  it('answers 304 to If-None-Match naming the current version (strong, weak, in a list, or *)', async () => {
    const etag = (await app.request('/api/v2/summary.json')).headers.get('etag')!;
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await app.request('/api/v2/summary.json', { headers: { 'if-none-match': header } });
      expect(response.status, header).toBe(304);
      expect(response.headers.get('etag')).toBe(etag);
      expect((await response.arrayBuffer()).byteLength).toBe(0);
    }
    expect((await app.request('/api/v2/summary.json', { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
  });

  it('gzips for clients that accept it, under its own ETag, and not for q=0', async () => {
    const plain = await app.request('/api/v2/summary.json');
    const plainBytes = new Uint8Array(await plain.arrayBuffer());
    const zipped = await app.request('/api/v2/summary.json', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('vary')).toBe('accept-encoding');
    const zippedBytes = new Uint8Array(await zipped.arrayBuffer());
    expect(Number(zipped.headers.get('content-length'))).toBe(zippedBytes.byteLength);
    expect(new Uint8Array(gunzipSync(zippedBytes))).toEqual(plainBytes);
    expect(zipped.headers.get('etag')).not.toBe(plain.headers.get('etag'));
    const revalidated = await app.request('/api/v2/summary.json', { headers: { 'accept-encoding': 'gzip', 'if-none-match': zipped.headers.get('etag')! } });
    expect(revalidated.status).toBe(304);
    const refused = await app.request('/api/v2/summary.json', { headers: { 'accept-encoding': 'gzip;q=0, identity' } });
    expect(refused.headers.get('content-encoding')).toBeNull();
  });

  it('serves the status page (both link prefixes) and the feed the same way', async () => {
    const page = await app.request('/status');
    expect(page.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toBe(renderStatusPage(current.snapshot, { linkPrefix: 'status/' }));
    expect(await (await app.request('/status/')).text()).toBe(renderStatusPage(current.snapshot, { linkPrefix: '' }));
    const revalidated = await app.request('/status', { headers: { 'if-none-match': page.headers.get('etag')! } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get('cache-control')).toBe('no-cache');
    const feed = await app.request('/feed.xml');
    expect(feed.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(await feed.text()).toBe(renderFeed(current.snapshot));
    expect((await app.request('/status/feed.xml')).headers.get('etag')).toBe(feed.headers.get('etag'));
  });

  it('gives a new snapshot with other content a new ETag', async () => {
    const before = (await app.request('/api/v2/summary.json')).headers.get('etag')!;
    current.snapshot = snapshotOf([openIncident({ title: 'Relayer stalled' })]);
    const after = await app.request('/api/v2/summary.json', { headers: { 'if-none-match': before } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before);
    expect(((await after.json()) as { incidents: Array<{ name: string }> }).incidents[0]!.name).toBe('Relayer stalled');
  });
});

describe('the public snapshot in the running service', () => {
  let chains: DrillChains;
  let service: Service;
  beforeAll(async () => {
    chains = await startDrillChains();
    const config = configFor(chains.bridge, { patch: (raw) => void (raw.ipfs = { enabled: false }) });
    service = await startService({ config, logger: silentLogger, listen: false, tickMs: 60_000, integrations: [createMirrorIntegration] });
  }, 300_000);
  afterAll(async () => {
    await service?.stop();
    await chains?.stop();
  });

  type Summary = { page: { updated_at: string }; incidents: Array<{ name: string }> };
  const summary = async () => (await (await service.app.request('/api/v2/summary.json')).json()) as Summary;

  it('shows an incident change at once, and is refreshed after a second', async () => {
    const first = await summary();
    await service.engine.declare({ title: 'Served at once', severity: 'S2', summary: 'declared by the test' }, 'tester');
    const second = await summary();
    expect(second.incidents.map((i) => i.name)).toContain('Served at once');
    // without a change, the snapshot is renewed in the background once it is older than a second
    await waitFor(async () => (await summary()).page.updated_at > second.page.updated_at, 'a refreshed snapshot', 30_000);
    expect(second.page.updated_at >= first.page.updated_at).toBe(true);
  }, 120_000);
});
