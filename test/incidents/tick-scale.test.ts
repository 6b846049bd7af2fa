/**
 * The tick looks at every open incident, however many and however old: 1,000 open incidents older
 * than 600 resolved ones all get their scheduled update (the tick used to load only the newest
 * 500 incidents of any status, so old open ones silently lost their cadence and escalations).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfigObject } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Incident } from '../../src/core/types.ts';
import { createIncidentEngine } from '../../src/incidents/engine.ts';
import { insertIncident, nextIncidentId } from '../../src/store/incidents.ts';
import { createStore, type Store } from '../../src/store/store.ts';

const HOUR = 3_600_000;
const OPEN = 1_000;
const RESOLVED = 600;

let store: Store;
let config: Config;
let offsetMs = 0;
const clock = () => new Date(Date.parse('2026-12-01T00:00:00Z') + offsetMs);

beforeAll(async () => {
  const result = checkConfigObject(
    {
      storage: { url: 'memory://' },
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
  config = result.config!;
  store = await createStore(config.storage);
}, 120_000);

afterAll(async () => {
  await store?.close();
});

describe('engine.tick at scale', () => {
  it(`${OPEN} open incidents older than ${RESOLVED} resolved ones all get their cadence update`, async () => {
    const engine = createIncidentEngine({ store, config, logger: silentLogger, now: clock });
    // one real S2 incident (update every 2 h) as the template for the old open ones
    const template = await engine.declare({ title: 'template', severity: 'S2' }, 'test');
    await store.transaction(async (trx) => {
      for (let i = 1; i < OPEN; i++) {
        const { id, number } = await nextIncidentId(trx);
        await insertIncident(trx, { ...template, id, key: `manual:${id}`, title: `open ${i}` }, number);
      }
      // newer, resolved (S2: no postmortem, no action items): nothing is due for them
      for (let i = 0; i < RESOLVED; i++) {
        const { id, number } = await nextIncidentId(trx);
        const resolved: Incident = { ...template, id, key: `manual:${id}`, title: `resolved ${i}`, status: 'resolved', resolvedAt: clock().toISOString(), nextUpdateDue: null };
        await insertIncident(trx, resolved, number);
      }
    });
    offsetMs = 2 * HOUR + 60_000;
    await engine.tick();
    const updated = await sql<{ n: string }>`select count(distinct incident_id) as n from timeline where kind = 'update' and actor = 'firebreak'`.execute(store.db);
    expect(Number(updated.rows[0]!.n)).toBe(OPEN);
    const resolvedTouched = await sql<{ n: string }>`select count(*) as n from timeline t join incidents i on i.id = t.incident_id where i.status = 'resolved' and t.kind = 'update'`.execute(store.db);
    expect(Number(resolvedTouched.rows[0]!.n)).toBe(0);
    // a second tick right after: nothing is due again (no duplicate updates)
    await engine.tick();
    const again = await sql<{ n: string }>`select count(*) as n from timeline where kind = 'update' and actor = 'firebreak'`.execute(store.db);
    expect(Number(again.rows[0]!.n)).toBe(OPEN);
  }, 300_000);
});
