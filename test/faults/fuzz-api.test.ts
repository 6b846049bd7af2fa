/**
 * Fault injection, bad input: random bodies, ids, headers and alert payloads thrown at the HTTP API
 * (fast-check). Whatever arrives, the answer is a clear 4xx (or a 2xx for a valid request), never a
 * 500 and never a crash, and a malformed request changes nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/app/service.ts';
import { checkConfigObject } from '../../src/config/load.ts';
import { formatIssue } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/log.ts';
import { held } from '../support/faults.ts';
import { deadUrl } from '../support/rpc-proxy.ts';

const WRITE = 'fuzz-write-token-0123';
const READ = 'fuzz-read-token-0123';
const ROUTING = 'fuzz-routing-key';

describe('fault: bad input to the HTTP API', () => {
  let service: Service;
  beforeAll(async () => {
    const rpc = await deadUrl();
    const result = checkConfigObject(
      {
        storage: { url: 'memory://' },
        server: { apiTokens: [WRITE, { name: 'grafana', token: READ, scope: 'read' }] },
        alerts: { routingKeys: [ROUTING] },
        chains: { ethereum: { chainId: 1, rpc: [rpc] }, arbitrum: { chainId: 42161, rpc: [rpc] } },
        bridges: [
          {
            id: 'fuzz',
            stuckAfter: '30m',
            source: {
              chain: 'ethereum',
              address: '0x3ee18b2214aff97000d974cf647e7c347e8fa585',
              event: 'event L(bytes32 indexed id, uint256 amount)',
              fields: { id: 'id', amount: 'amount' },
            },
            destination: { chain: 'arbitrum', address: '0x8eb8a3b98659cce290402893d0123abb75e3ab28', event: 'event R(bytes32 indexed id)', fields: { id: 'id' } },
            defaultToken: { symbol: 'ETH', decimals: 18, priceUsd: 3000 },
          },
        ],
      },
      { baseDir: process.cwd() },
    );
    if (!result.config) throw new Error(result.errors.map(formatIssue).join('\n'));
    service = await startService({ config: result.config, logger: silentLogger, listen: false });
  });
  afterAll(async () => {
    await service?.stop();
  });

  const body = fc.oneof(
    fc.json(),
    fc.string(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .record({
        title: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        severity: fc.oneof(fc.constantFrom('S0', 'S1', 'S2', 'S3', 'S4', 's1', ''), fc.integer()),
        summary: fc.option(fc.string()),
        status: fc.oneof(fc.constantFrom('investigating', 'identified', 'monitoring', 'resolved', 'nope'), fc.string()),
        message: fc.oneof(fc.string(), fc.integer()),
        role: fc.oneof(fc.constantFrom('commander', 'techLead', 'comms', 'scribe', 'king'), fc.string()),
        who: fc.oneof(fc.string(), fc.constant(null)),
        owner: fc.string(),
        due: fc.oneof(fc.string(), fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString()))),
        priority: fc.constantFrom('low', 'medium', 'high', 'urgent'),
      }, { requiredKeys: [] })
      .map((v) => JSON.stringify(v)),
  );
  const path = fc.oneof(
    fc.constant('/api/incidents'),
    fc.tuple(fc.oneof(fc.constant('INC-0001'), fc.string({ maxLength: 12 }).map(encodeURIComponent)), fc.constantFrom('ack', 'updates', 'roles', 'resolve', 'action-items', 'severity', 'notes', ''))
      .map(([id, action]) => `/api/incidents/${id}${action ? `/${action}` : ''}`),
  );
  const auth = fc.constantFrom<Record<string, string>>(
    {},
    { authorization: `Bearer ${WRITE}` },
    { authorization: `Bearer ${READ}` },
    { authorization: 'Bearer wrong' },
    { authorization: 'Basic Zm9vOmJhcg==' },
  );

  it('random requests to the incident routes: never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(path, body, auth, fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), async (route, payload, headers, method) => {
        const response = await service.app.request(route, {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          body: method === 'GET' ? undefined : payload,
        });
        expect(response.status, `${method} ${route} ${payload}`).toBeLessThan(500);
        if (response.status >= 400) {
          const text = await response.text();
          expect(text.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
    held('300 random API requests (bodies, ids, tokens, methods)', 'every answer a 2xx or a 4xx with a reason; no 500, no crash');
  });

  it('random inbound alerts: never a 500, and never touch a watcher key', async () => {
    const alert = fc.record(
      {
        routing_key: fc.constantFrom(ROUTING, 'wrong', ''),
        event_action: fc.oneof(fc.constantFrom('trigger', 'acknowledge', 'resolve'), fc.string()),
        dedup_key: fc.oneof(fc.constantFrom('bridge:fuzz:stuck', 'chain:ethereum:halted', 'x'), fc.string()),
        payload: fc.oneof(
          fc.record({ summary: fc.string(), source: fc.string(), severity: fc.oneof(fc.constantFrom('critical', 'error', 'warning', 'info'), fc.string()) }),
          fc.anything(),
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(alert.map((a) => JSON.stringify(a)), fc.string()), async (payload) => {
        const response = await service.app.request('/api/alerts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
        expect(response.status, payload).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    const incidents = await service.engine.list({ status: 'all', limit: 1000 });
    // alerts only ever live under alert: keys
    for (const incident of incidents.filter((i) => i.source === 'alert')) expect(incident.key.startsWith('alert:')).toBe(true);
    held('300 random inbound alerts', 'no 500; alert incidents only under alert: keys');
  });
});
