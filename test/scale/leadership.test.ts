/**
 * Scale-out: several instances on one PostgreSQL elect one leader through a lease row; the leader
 * runs the watchers and delivery, followers serve the API and take over when the lease lapses.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitorWatch, MONITOR_DOWN_KEY, writeHeartbeat } from '../../src/app/monitor.ts';
import { type Service, startService } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createIncidentEngine } from '../../src/incidents/engine.ts';
import { acquireLease, holdsLease, readLease, releaseLease } from '../../src/store/leases.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { requirePostgres } from '../support/requires.ts';
import { until } from '../support/wait.ts';

const pgUp = await requirePostgres('leases and three instances on PostgreSQL (test/scale/leadership.test.ts)');
if (!pgUp) console.warn('PostgreSQL not reachable at 127.0.0.1:5432: scale-out tests are SKIPPED');

describe.skipIf(!pgUp)('leases on PostgreSQL', () => {
  let store: Store;
  let drop = async () => {};
  beforeAll(async () => {
    const database = await createTestDatabase('firebreak_lease');
    drop = database.drop;
    store = await createStore({ kind: 'postgres', url: database.url });
  });
  afterAll(async () => {
    await store?.close();
    await drop();
  });

  it('one holder at a time; renewal keeps the fencing token, a takeover increments it', async () => {
    const a = await acquireLease(store.db, 'test', 'a', 60_000);
    expect(a?.holder).toBe('a');
    expect(await acquireLease(store.db, 'test', 'b', 60_000)).toBeNull();
    const renewed = await acquireLease(store.db, 'test', 'a', 60_000);
    expect(renewed?.fencing).toBe(a!.fencing);
    expect(await holdsLease(store.db, 'test', 'a', a!.fencing)).toBe(true);

    await releaseLease(store.db, 'test', 'a');
    const b = await acquireLease(store.db, 'test', 'b', 60_000);
    expect(b?.holder).toBe('b');
    expect(b!.fencing).toBe(a!.fencing + 1);
    // the old holder's token is stale now: it must not act on it
    expect(await holdsLease(store.db, 'test', 'a', a!.fencing)).toBe(false);
    expect((await readLease(store.db, 'test'))?.holder).toBe('b');
  });

  it('an expired lease can be taken by anyone', async () => {
    await acquireLease(store.db, 'short', 'a', 200);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await acquireLease(store.db, 'short', 'b', 60_000))?.holder).toBe('b');
  });

  it("a follower opens firebreak:monitor-down when the leader's heartbeat goes stale, and clears it when it is back", async () => {
    const chains = await startDrillChains();
    try {
      const config = configFor(chains.bridge, { storage: 'memory://' });
      const engine = createIncidentEngine({ store, config, logger: silentLogger });
      // a follower's view on the shared database: the leader wrote its last heartbeat 10 minutes ago
      await writeHeartbeat(store.db);
      await sql`update kv set updated_at = now() - interval '10 minutes' where key = 'heartbeat:watchers'`.execute(store.db);
      const monitor = createMonitorWatch({ store, engine, config, logger: silentLogger });
      await monitor.check();
      const open = await engine.list({ status: 'open' });
      const down = open.find((incident) => incident.key === MONITOR_DOWN_KEY);
      expect(down?.severity).toBe('S1');
      expect(down?.timeline.some((entry) => entry.kind === 'detected')).toBe(true);

      await writeHeartbeat(store.db);
      await monitor.check();
      expect((await engine.get(down!.id))?.status).toBe('monitoring');
    } finally {
      await chains.stop();
    }
  });
});

describe.skipIf(!pgUp)('three instances on one PostgreSQL', () => {
  let chains: DrillChains;
  let drop = async () => {};
  let url = '';
  const services: Service[] = [];

  beforeAll(async () => {
    chains = await startDrillChains();
    const database = await createTestDatabase('firebreak_scale');
    drop = database.drop;
    url = database.url;
  });
  afterAll(async () => {
    for (const service of services) await service.stop().catch(() => {});
    await chains?.stop();
    await drop();
  });

  it('elects exactly one leader, reports roles in /healthz, and a follower takes over when the leader goes', async () => {
    const config = configFor(chains.bridge, { storage: url });
    for (let i = 0; i < 3; i++) {
      services.push(await startService({ config, logger: silentLogger, listen: false, leaseMs: 2_000, instanceId: `instance-${i}` }));
    }
    const roles = async () =>
      Promise.all(services.map(async (s) => ((await (await s.app.request('/healthz')).json()) as { role: string }).role));
    const initial = await roles();
    expect(initial.filter((role) => role === 'leader')).toHaveLength(1);
    expect(initial.filter((role) => role === 'follower')).toHaveLength(2);

    // the leader watches: the seed incident is opened once, by whoever leads
    const leaderIndex = initial.indexOf('leader');
    const leader = services[leaderIndex]!;
    await until('the leader to read the chains', async () => leader.watch.chains().every((c) => c.head !== null));

    // the leader goes away (its lease is released on a clean stop; a crash waits out the lease)
    await leader.stop();
    const followers = services.filter((_, i) => i !== leaderIndex);
    const started = Date.now();
    await until('a follower to lead', async () => followers.some((s) => s.leadership.isLeader()), 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(followers.filter((s) => s.leadership.isLeader())).toHaveLength(1);
    const lease = await readLease(followers[0]!.store.db, 'leader');
    expect(lease?.holder).not.toBe(`instance-${leaderIndex}`);
    services.splice(leaderIndex, 1);
  });
});
