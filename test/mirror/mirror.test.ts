/**
 * The status mirror through the real service on the drill chains (seed case: S1, 37 stuck,
 * $40,000 locked): the page is published to IPFS, served back through /ipfs/<cid>/ and as a
 * verifiable CAR, fetched by a second helia node over loopback libp2p (bitswap), its IPNS name
 * resolves to the newest CID, a restart keeps the name and the old CIDs, hostile text is escaped.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Config } from '../../src/config/types.ts';
import { seedStuckBridge } from '../../src/drill/seed.ts';
import { type IpfsNode, startIpfsNode } from '../../src/mirror/ipfs.ts';
import { type MirrorIntegration, mirrorIntegration } from '../../src/mirror/integration.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { HOSTILE } from './fixtures.ts';
import { verifyCar, waitFor } from './support.ts';

let chains: DrillChains;
let dataDir: string;
let config: Config;
let service: Service;
let peer: IpfsNode | undefined;
let firstCid: string;
let incidentId: string;

const mirror = () => service.integrations.find((i) => i.name === 'mirror') as MirrorIntegration;
const get = (path: string, init?: RequestInit) => service.app.request(path, init);

async function start(): Promise<Service> {
  return startService({ config, logger: silentLogger, listen: false, tickMs: 60_000, integrations: [mirrorIntegration({ quietMs: 100, maxDelayMs: 1_000 })] });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'firebreak-mirror-'));
  chains = await startDrillChains();
  await seedStuckBridge(chains.bridge, 2);
  config = configFor(chains.bridge, {
    dataDir,
    patch: (raw) => {
      raw.ipfs = { listen: ['/ip4/127.0.0.1/tcp/0'], ipnsKey: 'status' };
    },
  });
  service = await start();
}, 300_000);

afterAll(async () => {
  await peer?.stop();
  await service?.stop();
  await chains?.stop();
  // a stopped helia node may still be flushing its datastore on a busy machine (ENOTEMPTY): retry
  if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});

describe('status mirror on IPFS', () => {
  it('publishes the seed incident and records the CID on it', async () => {
    const incident = await waitFor(async () => {
      const found = (await service.engine.list({ status: 'open' })).find((i) => i.key === 'bridge:drill:stuck');
      return found?.mirror.cid ? found : null;
    }, 'the seed incident with a mirror CID', 120_000);
    incidentId = incident.id;
    expect(incident.severity).toBe('S1');
    const mirrorEntries = incident.timeline.filter((t) => t.kind === 'mirror');
    expect(mirrorEntries[0]!.text).toMatch(/^Status mirror updated: ipfs:\/\/bafy/);
    // /api/mirror converges on the newest version, which the incident carries
    const api = await waitFor(async () => {
      const body = (await (await get('/api/mirror')).json()) as { cid: string; ipns: string; publishedAt: string; multiaddrs: string[] };
      const current = await service.engine.get(incidentId);
      return body.cid && body.cid === current?.mirror.cid && !mirror().mirrorState().pending ? body : null;
    }, '/api/mirror to match the incident');
    expect(api.ipns).toMatch(/^k51/);
    expect(api.multiaddrs.some((m) => m.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true);
    expect(Date.parse(api.publishedAt)).not.toBeNaN();
    firstCid = api.cid;
  }, 300_000);

  it('serves the page through /ipfs/<cid>/ with the incident, severity and locked value', async () => {
    const redirect = await get(`/ipfs/${firstCid}`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe(`/ipfs/${firstCid}/`);
    const page = await get(`/ipfs/${firstCid}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('S1 · major');
    expect(html).toContain('$40,000 locked in 37 stuck transfers');
    expect(html).toContain('Partial System Outage');
    const summary = await get(`/ipfs/${firstCid}/summary.json`);
    expect(summary.headers.get('content-type')).toContain('application/json');
    const json = (await summary.json()) as { status: { indicator: string }; incidents: Array<{ id: string; impact: string }> };
    expect(json.status.indicator).toBe('major');
    expect(json.incidents.map((i) => [i.id, i.impact])).toContainEqual([incidentId, 'major']);
    expect((await get(`/ipfs/${firstCid}/feed.xml`)).headers.get('content-type')).toContain('application/atom+xml');
    expect((await get(`/ipfs/${firstCid}/nope.html`)).status).toBe(404);
  });

  it('returns a CAR (trustless gateway) whose blocks verify against their CIDs', async () => {
    for (const init of [{ path: `/ipfs/${firstCid}?format=car` }, { path: `/ipfs/${firstCid}`, headers: { accept: 'application/vnd.ipld.car' } }]) {
      const response = await get(init.path, { headers: init.headers });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/vnd.ipld.car');
      const { roots, cids } = await verifyCar(new Uint8Array(await response.arrayBuffer()));
      expect(roots.map(String)).toEqual([firstCid]);
      expect(cids).toContain(firstCid);
      expect(cids.length).toBeGreaterThanOrEqual(5); // the directory and its four files
    }
  });

  it('answers 400 for a malformed CID and 404 for content it does not pin', async () => {
    expect((await get('/ipfs/not-a-cid/')).status).toBe(400);
    expect((await get('/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy/')).status).toBe(404);
    expect((await get('/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy?format=car')).status).toBe(404);
  });

  it('a second helia node on loopback fetches the page by bitswap and resolves the IPNS name', async () => {
    peer = await startIpfsNode({ dir: join(dataDir, 'peer'), listen: ['/ip4/127.0.0.1/tcp/0'], ipnsKey: 'peer', logger: silentLogger });
    const { multiaddrs, ipns, cid } = (await (await get('/api/mirror')).json()) as { multiaddrs: string[]; ipns: string; cid: string };
    await peer.dial(multiaddrs[0]!);
    // the peer knows nothing locally: the blocks come over libp2p from the service's node
    expect(await peer.resolvePath(cid, ['summary.json'])).toBeNull();
    const served = await (await get(`/ipfs/${cid}/summary.json`)).text();
    const fileCid = (await mirror().node()!.resolvePath(cid, ['summary.json']))!.cid;
    const chunks: Uint8Array[] = [];
    for await (const chunk of peer.cat(fileCid, { offline: false, signal: AbortSignal.timeout(60_000) })) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(served);
    // the signed IPNS record, as a trustless gateway serves it; the peer verifies and resolves it
    const record = await get(`/ipns/${ipns}`, { headers: { accept: 'application/vnd.ipfs.ipns-record' } });
    expect(record.headers.get('content-type')).toBe('application/vnd.ipfs.ipns-record');
    await peer.importIpnsRecord(ipns, new Uint8Array(await record.arrayBuffer()));
    expect(await peer.resolveName(ipns)).toBe(cid);
  }, 300_000);

  it('escapes hostile alert text on /status, on IPFS and in the feed', async () => {
    const hostile = await service.engine.declare({ title: HOSTILE, severity: 'S2', summary: HOSTILE }, 'tester');
    const published = await waitFor(async () => (await service.engine.get(hostile.id))?.mirror.cid ?? null, 'the hostile incident on the mirror');
    for (const html of [await (await get('/status')).text(), await (await get(`/ipfs/${published}/`)).text()]) {
      expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<img src=x');
    }
    const status = await get('/status');
    expect(status.headers.get('content-security-policy')).toContain("default-src 'none'");
    const feed = await (await get('/feed.xml')).text();
    expect(feed).not.toContain('<script>');
    const summary = (await (await get('/api/v2/summary.json')).json()) as { incidents: Array<{ name: string }> };
    expect(summary.incidents.map((i) => i.name)).toContain(HOSTILE);
  }, 300_000);

  it('records the newest CID on every republish, but a timeline entry only per status or severity change', async () => {
    const incident = await service.engine.declare({ title: 'Telegram relay slow', severity: 'S3', summary: 'messages late' }, 'tester');
    const first = await waitFor(async () => (await service.engine.get(incident.id))?.mirror.cid ?? null, 'the first mirror CID');
    await service.engine.postUpdate(incident.id, { message: 'Still looking.' }, 'tester');
    const second = await waitFor(async () => {
      const cid = (await service.engine.get(incident.id))?.mirror.cid;
      return cid && cid !== first ? cid : null;
    }, 'a newer CID after the update');
    const page = await (await get(`/ipfs/${second}/`)).text();
    expect(page).toContain('Still looking.');
    let current = (await service.engine.get(incident.id))!;
    expect(current.timeline.filter((t) => t.kind === 'mirror')).toHaveLength(1);
    await service.engine.postUpdate(incident.id, { message: 'Found it.', status: 'identified' }, 'tester');
    await waitFor(async () => {
      current = (await service.engine.get(incident.id))!;
      return current.timeline.filter((t) => t.kind === 'mirror').length === 2;
    }, 'a mirror entry for the status change');
    await service.engine.resolve(incident.id, 'tester', 'relay restarted');
    await waitFor(async () => {
      current = (await service.engine.get(incident.id))!;
      const last = current.timeline.filter((t) => t.kind === 'mirror').at(-1);
      return last?.data?.status === 'resolved';
    }, 'the final mirror entry of the resolved incident');
    const resolvedPage = await (await get(`/ipfs/${current.mirror.cid}/`)).text();
    expect(resolvedPage).toContain('Resolved: relay restarted');
  }, 300_000);

  it('a restart keeps the IPNS name and still serves the old CIDs', async () => {
    const before = (await (await get('/api/mirror')).json()) as { ipns: string; cid: string };
    await service.stop();
    service = await start();
    const after = (await (await get('/api/mirror')).json()) as { ipns: string; cid: string | null };
    expect(after.ipns).toBe(before.ipns);
    // the store here is in memory: the IPNS record on disk still names the last version
    expect(after.cid).toBe(before.cid);
    for (const cid of [firstCid, before.cid]) {
      const page = await get(`/ipfs/${cid}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('status');
    }
    await waitFor(async () => mirror().mirrorState().cid !== before.cid && mirror().mirrorState().publishedAt, 'a fresh version after the restart');
    expect(await mirror().node()!.resolveName()).toBe(mirror().mirrorState().cid);
  }, 300_000);
});
