/**
 * Remote pinning through the outbox against a loopback Pinning Service API stand-in (429 with
 * retry-after, 500, then 202 and status polls until pinned; a wrong token is a permanent 401),
 * recorded on the incident's timeline. And the mirror with `ipfs.enabled: false`: the status page,
 * feed and summary still work, /api/mirror says cid null. And retention: versions stay pinned
 * while an incident open at their publication is open, then only the newest few are kept.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import { type MirrorIntegration, mirrorIntegration } from '../../src/mirror/integration.ts';
import { listOutbox } from '../../src/store/outbox.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { type PinningStandin, startPinningStandin } from '../support/pinning-standin.ts';
import { waitFor } from './support.ts';

let chains: DrillChains;
let standin: PinningStandin;
let dataDir: string;
const services: Service[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'firebreak-pin-'));
  [chains, standin] = await Promise.all([startDrillChains(), startPinningStandin({ token: 'good-token' })]);
}, 300_000);

afterAll(async () => {
  for (const service of services) await service.stop();
  await standin?.close();
  await chains?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('remote pinning', () => {
  it('pins each new version through the Pinning Service API, retrying 429 and 500, and records it', async () => {
    standin.failNext = [429, 500];
    const config = configFor(chains.bridge, {
      dataDir,
      patch: (raw) => {
        raw.ipfs = {
          listen: ['/ip4/127.0.0.1/tcp/0'],
          pinningServices: [
            { endpoint: standin.url, token: 'good-token' },
            { endpoint: standin.url, token: 'wrong-token' },
          ],
        };
      },
    });
    const service = await startService({ config, logger: silentLogger, listen: false, tickMs: 60_000, integrations: [mirrorIntegration({ quietMs: 100 })] });
    services.push(service);
    const incident = await service.engine.declare({ title: 'Relayer stalled', severity: 'S1', summary: 'deposits not finalized' }, 'tester');
    const cid = await waitFor(async () => (await service.engine.get(incident.id))?.mirror.cid ?? null, 'the mirror CID on the incident');

    const pinned = await waitFor(async () => {
      const current = await service.engine.get(incident.id);
      return current?.timeline.find((t) => t.kind === 'pin' && t.text.includes(cid) && t.text.includes('pinned at')) ?? null;
    }, 'the pin on the timeline', 180_000);
    expect(pinned.text).toBe(`Status mirror pinned at ${new URL(standin.url).host}: ipfs://${cid}`);
    expect(standin.pins.map((p) => p.pin.cid)).toContain(cid);
    const pin = standin.pins.find((p) => p.pin.cid === cid)!;
    expect(pin.status).toBe('pinned');
    expect(pin.pin.origins!.some((o) => o.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true);
    // the stand-in answered 429 then 500 first: the outbox retried
    expect(standin.requests.filter((r) => r.authorized).slice(0, 2).map((r) => r.status)).toEqual([429, 500]);

    // the second service's token is rejected: a permanent failure, on the timeline, not retried forever
    const failed = await waitFor(async () => {
      const current = await service.engine.get(incident.id);
      return current?.timeline.find((t) => t.kind === 'pin' && t.text.includes('failed')) ?? null;
    }, 'the failed pin on the timeline', 120_000);
    expect(failed.text).toContain('rejected the token (401)');
    expect(failed.text).not.toContain('wrong-token');
    const rows = await listOutbox(service.store.db, { limit: 100 });
    expect(rows.filter((r) => r.channel.startsWith('pin:1:') && r.status === 'failed').length).toBeGreaterThan(0);
    await service.stop();
    services.splice(services.indexOf(service), 1);
  }, 300_000);
});

describe('with ipfs.enabled: false', () => {
  it('serves /status, /feed.xml and summary.json; /api/mirror says cid null', async () => {
    const config = configFor(chains.bridge, {
      dataDir,
      patch: (raw) => {
        raw.ipfs = { enabled: false };
      },
    });
    const service = await startService({ config, logger: silentLogger, listen: false, tickMs: 60_000, integrations: [mirrorIntegration()] });
    services.push(service);
    await service.engine.declare({ title: 'Manual check', severity: 'S2', summary: 'looking into it' }, 'tester');
    const page = await service.app.request('/status');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Manual check');
    const feed = await service.app.request('/feed.xml');
    expect(feed.headers.get('content-type')).toContain('application/atom+xml');
    expect(await feed.text()).toContain('Manual check');
    const summary = (await (await service.app.request('/api/v2/summary.json')).json()) as { status: { indicator: string } };
    expect(summary.status.indicator).toBe('minor');
    expect(await (await service.app.request('/api/mirror')).json()).toEqual({ cid: null, ipns: null, publishedAt: null, multiaddrs: [] });
    expect((await service.app.request('/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy/')).status).toBe(503);
    expect((service.integrations.find((i) => i.name === 'mirror') as MirrorIntegration).mirrorState().enabled).toBe(false);
  }, 300_000);
});

describe('retention of old versions', () => {
  it('keeps versions pinned while their incident is open, unpins them after it resolves', async () => {
    const config = configFor(chains.bridge, {
      dataDir: join(dataDir, 'retention'),
      patch: (raw) => {
        raw.ipfs = { listen: ['/ip4/127.0.0.1/tcp/0'] };
      },
    });
    // only the publishes this test asks for (a debounced one landing in between would push a
    // version the test expects kept out of the last keepVersions)
    const never = 3_600_000;
    const service = await startService({ config, logger: silentLogger, listen: false, tickMs: 60_000, integrations: [mirrorIntegration({ quietMs: never, maxDelayMs: never, keepVersions: 2 })] });
    services.push(service);
    const mirror = service.integrations.find((i) => i.name === 'mirror') as MirrorIntegration;
    const incident = await service.engine.declare({ title: 'Short outage', severity: 'S2', summary: 'checking' }, 'tester');
    const during: string[] = [];
    for (let i = 0; i < 4; i++) {
      await service.engine.postUpdate(incident.id, { message: `update ${i}` }, 'tester');
      during.push((await mirror.publishNow())!);
    }
    // more than keepVersions, but the incident is open: all still served
    for (const cid of during) expect((await service.app.request(`/ipfs/${cid}/`)).status).toBe(200);
    await service.engine.resolve(incident.id, 'tester', 'fine again');
    const after = [(await mirror.publishNow())!, (await mirror.publishNow())!, (await mirror.publishNow())!];
    for (const cid of during) expect((await service.app.request(`/ipfs/${cid}/`)).status).toBe(404);
    for (const cid of after.slice(-2)) expect((await service.app.request(`/ipfs/${cid}/`)).status).toBe(200);
    // the version the resolved incident names (its final state, linked by its resolved message) stays
    const final = (await service.engine.get(incident.id))!.mirror.cid!;
    expect(during).not.toContain(final);
    expect((await service.app.request(`/ipfs/${final}/`)).status).toBe(200);
    const rows = await service.store.db.selectFrom('mirror_publications').selectAll().where('unpinned_at', 'is not', null).execute();
    expect(rows.map((r) => r.cid)).toEqual(expect.arrayContaining(during));
  }, 300_000);
});
