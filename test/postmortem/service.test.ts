/**
 * The postmortem inside the running service: GET /api/incidents/:id/postmortem (auth, 404,
 * markdown from the incident, its action items and messages), anchoring it on anvil and recording
 * the anchor through POST /api/incidents/:id/anchors (timeline + announcement, once), and the
 * reminders of the engine tick (action items due, postmortem due).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Integration } from '../../src/app/service.ts';
import { type Service, startService } from '../../src/app/service.ts';
import type { Effect } from '../../src/core/effects.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Incident } from '../../src/core/types.ts';
import { unixfs } from '@helia/unixfs';
import { MemoryBlockstore } from 'blockstore-core';
import { CID } from 'multiformats/cid';
import { anchoredEvents, anchorPostmortem, verifyPostmortem } from '../../src/postmortem/anchor.ts';
import { publishPostmortem } from '../../src/postmortem/publish.ts';
import { ANCHORER_KEY, configOf, type RegistryChain, rawConfig, seedDetection, startRegistryChain } from './support.ts';

const TOKEN = 'postmortem-write-token-0001';
const READ_TOKEN = 'postmortem-read-token-00001';
const HOUR = 3_600_000;
let setup: RegistryChain;
let service: Service;
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);
const planned: Array<{ effect: Effect; incident: string }> = [];
let incident: Incident;

const capture = (): Integration => ({
  name: 'capture',
  sinks: [{ name: 'capture', plan: async (_trx, effect, inc) => void planned.push({ effect, incident: inc.id }) }],
});

function api(path: string, options: { method?: string; body?: unknown; token?: string | null } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  return service.app.request(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
}

beforeAll(async () => {
  setup = await startRegistryChain();
  const raw = rawConfig(setup) as Record<string, any>;
  raw.server.apiTokens = [TOKEN, { name: 'grafana', token: READ_TOKEN, scope: 'read' }];
  for (const chain of Object.values(raw.chains) as Array<Record<string, unknown>>) chain.haltedAfter = '30d';
  service = await startService({ config: configOf(raw), logger: silentLogger, listen: false, now: clock, tickMs: 3_600_000, integrations: [capture] });
  // the seed case, as the watcher reports it: 37 stuck, $40,000 locked, S1
  incident = (await service.engine.observe(seedDetection('S1')))!;
  await service.engine.acknowledge(incident.id, 'alice');
  await service.engine.assignRole(incident.id, 'commander', 'alice', 'alice');
  await service.engine.observe(seedDetection(null));
  incident = await service.engine.resolve(incident.id, 'alice', 'relayer restarted, all transfers delivered');
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await setup?.stop();
});

describe('GET /api/incidents/:id/postmortem', () => {
  it('needs a token, 404s an unknown incident', async () => {
    expect((await api(`/api/incidents/${incident.id}/postmortem`, { token: null })).status).toBe(401);
    const missing = await api('/api/incidents/INC-9999/postmortem');
    expect(missing.status).toBe(404);
  });

  it('returns the Markdown of the incident (read token is enough), the same bytes twice', async () => {
    const response = await api(`/api/incidents/${incident.id}/postmortem`, { token: READ_TOKEN });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/markdown/);
    const markdown = await response.text();
    expect(markdown).toContain(`| Incident | ${incident.id} |`);
    expect(markdown).toContain('| Stuck transfers | 37 |');
    expect(markdown).toContain('| Locked value | \\$40,000 |');
    expect(markdown).toContain('| Pending transfers | 42 |');
    expect(markdown).toMatch(/\| Chains \| (ethereum, arbitrum|arbitrum, ethereum) \|/);
    expect(markdown).toContain('Acknowledged by alice\n');
    expect(markdown).toMatch(/^- \d\d:\d\d UTC — .*acknowledged/im);
    expect(await (await api(`/api/incidents/${incident.id}/postmortem`)).text()).toBe(markdown);
  });

  it('action items added through the API appear in the next postmortem', async () => {
    const created = await api(`/api/incidents/${incident.id}/action-items`, {
      method: 'POST',
      body: { title: 'Page on relayer lag | not on symptoms', owner: 'bob', due: '2030-01-15', priority: 'high' },
    });
    expect(created.status).toBe(201);
    const markdown = await (await api(`/api/incidents/${incident.id}/postmortem`)).text();
    expect(markdown).toMatch(/^\| \d+ \| Page on relayer lag \\\| not on symptoms \| bob \| 2030-01-15 \| high \| open \|$/m);
  });
});

describe('anchoring through the service', () => {
  it('records the anchor on the timeline and announces it to ops and community, once', async () => {
    const markdown = await (await api(`/api/incidents/${incident.id}/postmortem`)).text();
    const bytes = new TextEncoder().encode(markdown);
    const config = service.config;
    const result = await anchorPostmortem({ chain: config.chains.ethereum!, registry: setup.registry, signerKey: ANCHORER_KEY, bytes, incidentId: incident.id });
    const body = { digest: result.digest, cid: result.cid, uri: result.uri, txHash: result.txHash, chainId: result.chainId, registry: result.registry, submitter: result.submitter };

    expect((await api(`/api/incidents/${incident.id}/anchors`, { method: 'POST', body, token: READ_TOKEN })).status).toBe(403);
    expect((await api(`/api/incidents/${incident.id}/anchors`, { method: 'POST', body: { ...body, digest: 'nope' } })).status).toBe(400);
    const first = await api(`/api/incidents/${incident.id}/anchors`, { method: 'POST', body });
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ incident: incident.id, recorded: true });
    const again = await api(`/api/incidents/${incident.id}/anchors`, { method: 'POST', body });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ incident: incident.id, recorded: false });

    const stored = (await service.engine.get(incident.id))!;
    const anchored = stored.timeline.filter((e) => e.kind === 'anchored');
    expect(anchored).toHaveLength(1);
    expect(anchored[0]!.data).toMatchObject({ digest: result.digest, txHash: result.txHash, uri: `ipfs://${result.cid}` });
    const notes = planned.filter((p) => p.effect.type === 'notify' && p.effect.kind === 'anchored');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.effect).toMatchObject({ vars: { txHash: result.txHash, digest: result.digest, cid: result.cid, audiences: ['ops', 'community'] } });

    // the document describes the incident, not its own anchoring: generating it again gives the anchored bytes
    const regenerated = await (await api(`/api/incidents/${incident.id}/postmortem`)).text();
    expect(regenerated).toBe(markdown);
    expect((await verifyPostmortem({ chain: config.chains.ethereum!, registry: setup.registry, bytes: new TextEncoder().encode(regenerated), incidentId: incident.id })).ok).toBe(true);
  });
});

describe('publishPostmortem (the drill\'s one call)', () => {
  it('renders, adds to IPFS, anchors, records and verifies; the uri serves the same bytes', async () => {
    const declared = await service.engine.declare({ title: 'Relayer stalled', severity: 'S1', summary: 'by hand' }, 'alice');
    const resolved = await service.engine.resolve(declared.id, 'alice');
    const node = unixfs({ blockstore: new MemoryBlockstore() } as unknown as Parameters<typeof unixfs>[0]);
    const published = await publishPostmortem({
      config: service.config,
      store: service.store,
      engine: service.engine,
      incident: resolved,
      addToIpfs: async (bytes) => (await node.addBytes(bytes)).toString(),
    });
    expect(published.verified.ok).toBe(true);
    expect(published.anchor.cid).toBe(published.anchor.computedCid);
    const events = await anchoredEvents({ chain: service.config.chains.ethereum!, registry: setup.registry, incidentId: declared.id });
    expect(events).toEqual([expect.objectContaining({ digest: published.anchor.digest, uri: `ipfs://${published.anchor.cid}` })]);
    const chunks: Uint8Array[] = [];
    for await (const chunk of node.cat(CID.parse(events[0]!.uri.slice('ipfs://'.length)))) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(published.markdown);
    expect((await service.engine.get(declared.id))!.timeline.filter((e) => e.kind === 'anchored')).toHaveLength(1);
  });
});

describe('reminders from the engine tick', () => {
  it('reminds ops once when an action item is due, and once when the postmortem is due', async () => {
    await api(`/api/incidents/${incident.id}/action-items`, {
      method: 'POST',
      body: { title: 'Runbook for relayer restarts', owner: 'carol', due: new Date(Date.now() + 2 * HOUR).toISOString(), priority: 'medium' },
    });
    const reminders = () => planned.filter((p) => p.incident === incident.id && p.effect.type === 'notify' && p.effect.kind === 'reminder');
    const postmortemDue = () => planned.filter((p) => p.incident === incident.id && p.effect.type === 'notify' && p.effect.kind === 'postmortem_due');

    await service.engine.tick();
    expect(reminders()).toHaveLength(0);

    offsetMs = 3 * HOUR; // the item is due, the postmortem (24 h after resolution) not yet
    await service.engine.tick();
    await service.engine.tick();
    expect(reminders()).toHaveLength(1);
    expect(reminders()[0]!.effect).toMatchObject({ vars: { owner: 'carol', title: 'Runbook for relayer restarts', audiences: ['ops'] } });
    expect(postmortemDue()).toHaveLength(0);

    offsetMs = 25 * HOUR;
    await service.engine.tick();
    await service.engine.tick();
    expect(postmortemDue()).toHaveLength(1);
    expect(reminders()).toHaveLength(1);
    const timeline = (await service.engine.get(incident.id))!.timeline;
    expect(timeline.filter((e) => e.kind === 'reminder')).toHaveLength(1);
    expect(timeline.filter((e) => e.kind === 'postmortem_due')).toHaveLength(1);
  });
});
