/**
 * The HTTP API (SPEC §5) through `app.request`: auth (401/403, token names as actors), 400 with a
 * reason, 404, the incident commands, inbound PagerDuty-shaped alerts and their namespace,
 * /healthz and /metrics. Real engine on a real in-memory PGlite; the watchers are a fixed view.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfigObject } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Detection, Incident } from '../../src/core/types.ts';
import { createIncidentEngine, type IncidentEngine } from '../../src/incidents/engine.ts';
import { createServerApp } from '../../src/server/app.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import type { WatchService } from '../../src/watchers/service.ts';

const WRITE = 'write-token-0123456789';
const READ = 'read-token-0123456789ab';
const ROUTING = 'routing-key-0123456789';
const SECRET_RPC = 'https://eth.example/v2/SECRET_API_KEY';

function testConfig(): Config {
  const result = checkConfigObject(
    {
      storage: { url: 'memory://' },
      server: {
        apiTokens: [
          { name: 'ops-bot', token: WRITE, scope: 'write' },
          { name: 'grafana', token: READ, scope: 'read' },
        ],
      },
      alerts: { routingKeys: [ROUTING] },
      chains: {
        ethereum: { chainId: 1, rpc: [SECRET_RPC] },
        arbitrum: { chainId: 42161, rpc: ['https://arb.example/KEY2'] },
      },
      bridges: [
        {
          id: 'acme',
          stuckAfter: '30m',
          source: {
            chain: 'ethereum',
            address: '0x3ee18b2214aff97000d974cf647e7c347e8fa585',
            event: 'event TokensLocked(uint64 indexed nonce, address token, uint256 amount)',
            fields: { id: 'nonce', amount: 'amount' },
          },
          destination: {
            chain: 'arbitrum',
            address: '0x8eb8a3b98659cce290402893d0123abb75e3ab28',
            event: 'event TokensReleased(uint64 indexed nonce)',
            fields: { id: 'nonce' },
          },
          defaultToken: { symbol: 'USDC', decimals: 6, priceUsd: 1 },
        },
      ],
    },
    { baseDir: process.cwd(), env: {} },
  );
  if (!result.config) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

const NOW_S = 1_767_225_600;
const fakeWatch = {
  chains: () => [
    {
      name: 'ethereum',
      head: { chain: 'ethereum', head: 1000, headTimestamp: NOW_S - 12, confirmed: 998, confirmedTimestamp: NOW_S - 36, confirmedHash: '0xabc', rpc: 0 },
      caughtUp: true,
      halted: false,
      unobservableSince: null,
      lastError: null,
      rpc: 0,
    },
    { name: 'arbitrum', head: undefined, caughtUp: false, halted: false, unobservableSince: null, lastError: null, rpc: 0 },
  ],
  judgements: () => [
    { id: 'acme', name: 'acme', pending: 42, stuck: 37, lockedUsd: 40_000, oldestStuckSeconds: 43_200, unpriced: 0, severity: 'S1', chainTime: NOW_S, destinationHalted: false },
  ],
} as unknown as WatchService;

const stuck: Detection = {
  key: 'bridge:acme:stuck',
  source: 'watcher',
  kind: 'bridge-stuck',
  title: 'acme: transfers stuck',
  severity: 'S1',
  bridgeId: 'acme',
  summary: 'acme: 37 transfers stuck, $40,000 locked',
  impact: { stuckTransfers: 37, lockedUsd: 40_000, oldestStuckSeconds: 43_200, bridges: ['acme'] },
};

let store: Store;
let engine: IncidentEngine;
let app: ReturnType<typeof createServerApp>;

beforeAll(async () => {
  const config = testConfig();
  store = await createStore(config.storage);
  engine = createIncidentEngine({ store, config, logger: silentLogger });
  app = createServerApp({ config, watch: fakeWatch, engine, logger: silentLogger, now: () => NOW_S * 1000 });
}, 240_000);
afterAll(async () => {
  await store?.close();
});

function call(method: string, path: string, options: { token?: string; body?: unknown; raw?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
  return app.request(path, { method, headers, body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)) });
}

async function json<T = any>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

describe('auth', () => {
  it('401 without a token, on reads of incidents too', async () => {
    for (const path of ['/api/incidents', '/api/incidents/INC-0001', '/metrics', '/api/bridges']) {
      const response = await call('GET', path);
      expect(response.status, path).toBe(401);
      expect((await json(response)).error).toBe('unauthorized');
    }
    expect((await call('POST', '/api/incidents', { body: { title: 'x', severity: 'S2' } })).status).toBe(401);
    expect((await call('GET', '/api/incidents', { token: 'not-a-token-at-all' })).status).toBe(401);
  });

  it('a read token reads but cannot write (403)', async () => {
    expect((await call('GET', '/api/incidents', { token: READ })).status).toBe(200);
    const response = await call('POST', '/api/incidents', { token: READ, body: { title: 'x', severity: 'S2' } });
    expect(response.status).toBe(403);
    expect((await json(response)).message).toContain('grafana');
  });
});

describe('incidents', () => {
  let declared: Incident;

  it('declares by hand with the token name as actor', async () => {
    const response = await call('POST', '/api/incidents', { token: WRITE, body: { title: 'Relayer wallet empty', severity: 'S2', summary: 'gas ran out' } });
    expect(response.status).toBe(201);
    declared = await json<Incident>(response);
    expect(declared).toMatchObject({ title: 'Relayer wallet empty', severity: 'S2', status: 'investigating', source: 'manual' });
    expect(declared.id).toMatch(/^INC-\d{4}$/);
    expect(declared.key).toBe(`manual:${declared.id}`);
    expect(declared.timeline[0]).toMatchObject({ kind: 'declared', actor: 'ops-bot' });
    expect(declared.nextUpdateDue).not.toBeNull();
  });

  it('400 with a reason for a malformed body', async () => {
    const cases: Array<[unknown, string | undefined, RegExp]> = [
      [undefined, '{not json', /not valid JSON/],
      [{ title: 'x', severity: 'S9' }, undefined, /severity/],
      [{ severity: 'S1' }, undefined, /title/],
      [undefined, '', /JSON body is required/],
    ];
    for (const [body, raw, reason] of cases) {
      const response = await call('POST', '/api/incidents', { token: WRITE, body, raw });
      expect(response.status).toBe(400);
      const payload = await json(response);
      expect(payload.error).toBe('bad_request');
      expect(payload.message).toMatch(reason);
    }
    const badRole = await call('POST', `/api/incidents/${declared.id}/roles`, { token: WRITE, body: { role: 'king', who: 'x' } });
    expect(badRole.status).toBe(400);
    expect((await json(badRole)).message).toMatch(/role/);
    const badItem = await call('POST', `/api/incidents/${declared.id}/action-items`, { token: WRITE, body: { title: 't', owner: 'o', due: 'd', priority: 'urgent' } });
    expect(badItem.status).toBe(400);
  });

  it('404 for an unknown incident', async () => {
    expect((await call('GET', '/api/incidents/INC-9999', { token: READ })).status).toBe(404);
    for (const action of ['ack', 'resolve']) expect((await call('POST', `/api/incidents/INC-9999/${action}`, { token: WRITE })).status).toBe(404);
    const response = await call('POST', '/api/incidents/INC-9999/updates', { token: WRITE, body: { message: 'x' } });
    expect(response.status).toBe(404);
    expect((await json(response)).error).toBe('not_found');
  });

  it('ack, updates, roles, action items and resolve, each recorded with the actor', async () => {
    const id = declared.id;
    const acked = await json<Incident>(await call('POST', `/api/incidents/${id}/ack`, { token: WRITE }));
    expect(acked.acknowledgedBy).toBe('ops-bot');
    const updated = await json<Incident>(
      await call('POST', `/api/incidents/${id}/updates`, { token: WRITE, body: { status: 'identified', message: 'Relayer out of gas; refilling' } }),
    );
    expect(updated.status).toBe('identified');
    expect(updated.timeline.at(-1)).toMatchObject({ kind: 'update', text: 'Relayer out of gas; refilling', actor: 'ops-bot' });
    const roled = await json<Incident>(await call('POST', `/api/incidents/${id}/roles`, { token: WRITE, body: { role: 'commander', who: 'alice' } }));
    expect(roled.roles.commander).toBe('alice');
    const itemResponse = await call('POST', `/api/incidents/${id}/action-items`, {
      token: WRITE,
      body: { title: 'Alert on relayer balance', owner: 'bob', due: '2026-12-01', priority: 'high' },
    });
    expect(itemResponse.status).toBe(201);
    expect(await json(itemResponse)).toMatchObject({ title: 'Alert on relayer balance', owner: 'bob', priority: 'high', status: 'open' });
    const resolved = await json<Incident>(await call('POST', `/api/incidents/${id}/resolve`, { token: WRITE, body: { message: 'refilled' } }));
    expect(resolved.status).toBe('resolved');
    expect(resolved.resolvedAt).not.toBeNull();

    const detail = await json<Incident>(await call('GET', `/api/incidents/${id}`, { token: READ }));
    expect(detail.actionItems).toHaveLength(1);
    expect(detail.timeline.map((e) => e.kind)).toEqual(['declared', 'acknowledged', 'status', 'update', 'role', 'action_item', 'resolved']);
    expect(detail.timeline.filter((e) => e.kind !== 'declared').every((e) => e.actor === 'ops-bot')).toBe(true);

    const open = await json<Incident[]>(await call('GET', '/api/incidents?status=open', { token: READ }));
    expect(open.map((i) => i.id)).not.toContain(id);
    expect((await call('GET', '/api/incidents?status=nope', { token: READ })).status).toBe(400);
  });
});

describe('POST /api/alerts (PagerDuty Events v2 shape)', () => {
  const trigger = (dedup: string, severity = 'critical') => ({
    routing_key: ROUTING,
    event_action: 'trigger',
    dedup_key: dedup,
    payload: { summary: 'Relayer heartbeat missing', source: 'grafana', severity },
  });

  it('authenticates by routing key or write token; not otherwise', async () => {
    expect((await call('POST', '/api/alerts', { body: { ...trigger('auth'), routing_key: 'wrong-key' } })).status).toBe(401);
    expect((await call('POST', '/api/alerts', { token: READ, body: { ...trigger('auth'), routing_key: undefined } })).status).toBe(403);
    const ok = await call('POST', '/api/alerts', { token: WRITE, body: { ...trigger('auth'), routing_key: undefined } });
    expect(ok.status).toBe(202);
    expect((await call('POST', '/api/alerts', { body: { routing_key: ROUTING, event_action: 'trigger', dedup_key: 'x' } })).status).toBe(400);
  });

  it('duplicates with one dedup_key make one incident; resolve closes it', async () => {
    const responses = [];
    for (let i = 0; i < 3; i++) responses.push(await json(await call('POST', '/api/alerts', { body: trigger('relayer-heartbeat') })));
    expect(responses[0]).toMatchObject({ status: 'success', dedup_key: 'relayer-heartbeat' });
    const ids = new Set(responses.map((r) => r.incident));
    expect(ids.size).toBe(1);
    const id = responses[0].incident as string;
    const incident = await engine.get(id);
    expect(incident).toMatchObject({ key: 'alert:relayer-heartbeat', severity: 'S1', source: 'alert' });
    const all = await engine.list({ status: 'all' });
    expect(all.filter((i) => i.key === 'alert:relayer-heartbeat')).toHaveLength(1);

    await call('POST', '/api/alerts', { body: { routing_key: ROUTING, event_action: 'resolve', dedup_key: 'relayer-heartbeat' } });
    expect((await engine.get(id))!.status).toBe('resolved');
  });

  it("an alert whose dedup_key equals a watcher key cannot touch the watcher's incident", async () => {
    const watcher = (await engine.observe(stuck))!;
    expect(watcher.key).toBe('bridge:acme:stuck');
    const resolve = await call('POST', '/api/alerts', { body: { routing_key: ROUTING, event_action: 'resolve', dedup_key: 'bridge:acme:stuck' } });
    expect(resolve.status).toBe(202);
    expect((await json(resolve)).incident).toBeNull();
    await call('POST', '/api/alerts', { body: { routing_key: ROUTING, event_action: 'acknowledge', dedup_key: 'bridge:acme:stuck' } });
    const triggered = await json(await call('POST', '/api/alerts', { body: trigger('bridge:acme:stuck', 'critical') }));
    expect(triggered.incident).not.toBe(watcher.id);
    const after = (await engine.get(watcher.id))!;
    expect(after.status).toBe('investigating');
    expect(after.acknowledgedAt).toBeNull();
    expect(after.timeline.map((e) => e.kind)).toEqual(watcher.timeline.map((e) => e.kind));
    expect((await engine.get(triggered.incident))!.key).toBe('alert:bridge:acme:stuck');
  });
});

describe('GET /api/stats', () => {
  it('needs a token and gives MTTA/MTTR per incident and over 30/90 days', async () => {
    expect((await call('GET', '/api/stats')).status).toBe(401);
    const stats = await json(await call('GET', '/api/stats', { token: READ }));
    expect(Object.keys(stats.windows)).toEqual(['30d', '90d']);
    expect(stats.windows['30d'].incidents).toBeGreaterThan(0);
    expect(stats.windows['30d'].mttrSeconds).not.toBeNull();
    const manual = stats.incidents.find((i: { key: string }) => i.key.startsWith('manual:'));
    expect(manual.acknowledge).toBeGreaterThanOrEqual(0);
    expect(manual.resolve).toBeGreaterThanOrEqual(manual.acknowledge);
  });
});

describe('/healthz and /metrics', () => {
  it('/healthz says role and chain heads, never RPC URLs', async () => {
    const response = await call('GET', '/healthz');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain('eth.example');
    expect(text).not.toContain('SECRET_API_KEY');
    const body = JSON.parse(text);
    expect(body).toMatchObject({ ok: true, role: 'leader' });
    expect(body.chains.ethereum).toEqual({ head: 1000, headTimestamp: NOW_S - 12, lagSeconds: 12, rpc: 0 });
    expect(body.chains.arbitrum).toMatchObject({ head: null, rpc: 0 });
  });

  it('/metrics is Prometheus text with chains, bridges and open incidents by severity', async () => {
    const response = await call('GET', '/metrics', { token: READ });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('# TYPE firebreak_chain_blocks_behind gauge');
    expect(text).toContain('firebreak_chain_blocks_behind{chain="ethereum"} 2');
    expect(text).toContain('firebreak_bridge_pending_transfers{bridge="acme"} 42');
    expect(text).toContain('firebreak_bridge_stuck_transfers{bridge="acme"} 37');
    expect(text).toContain('firebreak_bridge_locked_usd{bridge="acme"} 40000');
    const open = await engine.list({ status: 'open' });
    const s1 = open.filter((i) => i.severity === 'S1').length;
    expect(s1).toBeGreaterThan(0);
    expect(text).toContain(`firebreak_open_incidents{severity="S1"} ${s1}`);
    expect(text).toContain('firebreak_mttr_seconds{window="30d"}');
    expect(text).toContain('firebreak_mttd_seconds{window="90d"}');
    expect(text).not.toContain('SECRET_API_KEY');
  });
});
