/**
 * HTTP hardening over a real listening server (@hono/node-server): bodies are size-limited before
 * any route or auth reads them (413), routing keys match exactly (constant-time), and a malformed
 * percent-escape in /ipfs/… is a 400, never a 500.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfigObject } from '../../src/config/load.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createIncidentEngine, type IncidentEngine } from '../../src/incidents/engine.ts';
import { mirrorRoutes } from '../../src/mirror/routes.ts';
import type { MirrorState } from '../../src/mirror/publisher.ts';
import type { StatusSnapshot } from '../../src/mirror/render/public.ts';
import { createServerApp, MAX_BODY_BYTES } from '../../src/server/app.ts';
import { SERVICE_HEADER } from '../../src/server/identity.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import type { WatchService } from '../../src/watchers/service.ts';

const WRITE = 'write-token-0123456789';
const ROUTING = 'routing-key-0123456789';
const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';

const watch = { chains: () => [], judgements: () => [] } as unknown as WatchService;

let store: Store;
let engine: IncidentEngine;
let server: ServerType;
let base: string;

beforeAll(async () => {
  const result = checkConfigObject(
    {
      storage: { url: 'memory://' },
      server: { apiTokens: [{ name: 'ops-bot', token: WRITE, scope: 'write' }] },
      alerts: { routingKeys: [ROUTING] },
      chains: { ethereum: { chainId: 1, rpc: ['http://127.0.0.1:9'] }, arbitrum: { chainId: 42161, rpc: ['http://127.0.0.1:9'] } },
      bridges: [
        {
          id: 'acme',
          stuckAfter: '30m',
          source: { chain: 'ethereum', address: '0x3ee18b2214aff97000d974cf647e7c347e8fa585', event: 'event L(uint64 indexed nonce, uint256 amount)', fields: { id: 'nonce', amount: 'amount' } },
          destination: { chain: 'arbitrum', address: '0x8eb8a3b98659cce290402893d0123abb75e3ab28', event: 'event R(uint64 indexed nonce)', fields: { id: 'nonce' } },
          defaultToken: { symbol: 'USDC', decimals: 6, priceUsd: 1 },
        },
      ],
    },
    { baseDir: process.cwd(), env: {} },
  );
  const config = result.config!;
  store = await createStore(config.storage);
  engine = createIncidentEngine({ store, config, logger: silentLogger });
  const mirror = mirrorRoutes({
    snapshot: async () => ({}) as StatusSnapshot,
    state: () => ({ cid: null, ipns: null, publishedAt: null, multiaddrs: [] }) as unknown as MirrorState,
    node: () => null,
    logger: silentLogger,
  });
  const app = createServerApp({ config, watch, engine, logger: silentLogger, publicRoutes: [mirror] });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await store?.close();
});

const alert = (routingKey: string, padding = '') =>
  JSON.stringify({ routing_key: routingKey, event_action: 'trigger', dedup_key: `k-${routingKey.length}`, payload: { summary: `disk full${padding}`, source: 'grafana', severity: 'warning' } });

describe('request bodies are size-limited before auth', () => {
  it('POST /api/alerts over 1 MiB without any credentials: 413, not 401, and no incident', async () => {
    const response = await fetch(`${base}/api/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: alert('nobody', 'x'.repeat(MAX_BODY_BYTES)) });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'payload_too_large' });
    expect(await engine.list({ status: 'all' })).toHaveLength(0);
  });

  it('a chunked body (no content-length) over the limit is cut off too', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 2 * MAX_BODY_BYTES) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${base}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${WRITE}` }, body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('every answer says it is the service (the CLI tells it from another program on the port)', async () => {
    const answers = await Promise.all([
      fetch(`${base}/healthz`),
      fetch(`${base}/api/incidents`),
      fetch(`${base}/no-such-route`),
      fetch(`${base}/api/alerts`, { method: 'POST', body: 'x'.repeat(MAX_BODY_BYTES + 1) }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 401, 404, 413]);
    for (const answer of answers) expect(answer.headers.get(SERVICE_HEADER)).toBe('1');
  });

  it('must NOT refuse: a normal alert with a listed routing key is accepted', async () => {
    const response = await fetch(`${base}/api/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: alert(ROUTING) });
    expect(response.status).toBe(202);
  });
});

describe('routing keys match exactly', () => {
  for (const near of [ROUTING.slice(0, -1), `${ROUTING}x`, ROUTING.toUpperCase(), '', ' ' + ROUTING]) {
    it(`"${near}" is not a routing key`, async () => {
      const response = await fetch(`${base}/api/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: alert(near) });
      expect(response.status).toBe(401);
    });
  }
});

describe('/ipfs/… with a malformed percent-escape', () => {
  for (const path of [`/ipfs/${CID}/%E0%A4%A`, `/ipfs/${CID}/a%zz`, '/ipfs/%E0%A4%A', `/ipfs/${CID}/%`]) {
    it(`${path}: 400`, async () => {
      const response = await fetch(`${base}${path}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'bad_request' });
    });
  }

  it('must NOT be a 400: a well-formed path reaches the gateway (503 here: IPFS is off)', async () => {
    expect((await fetch(`${base}/ipfs/${CID}/index.html`)).status).toBe(503);
  });
});
