/**
 * Fault injection (slow suite, `npm run test:faults`): PostgreSQL restarted under a running
 * service. A private cluster (initdb + pg_ctl on a free port) is restarted while the service
 * watches the seed case; the service rides it out, reconnects, and carries on with the same
 * incident — nothing duplicated, nothing lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../../src/app/service.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { finalizeAll, seedStuckBridge } from '../../../src/drill/seed.ts';
import { configFor, type DrillChains, startDrillChains } from '../../support/drill.ts';
import { held } from '../../support/faults.ts';
import { type PgCluster, startPgCluster } from '../../support/pg-cluster.ts';
import { requirePostgresBinaries } from '../../support/requires.ts';
import { untilOk as until } from '../../support/wait.ts';

const available = requirePostgresBinaries('the PostgreSQL-restart fault test');

describe.skipIf(!available)('fault: PostgreSQL restarted under the service', () => {
  let chains: DrillChains;
  let cluster: PgCluster;
  let service: Service | undefined;

  beforeAll(async () => {
    [chains, cluster] = await Promise.all([startDrillChains(), startPgCluster()]);
  });
  afterAll(async () => {
    await service?.stop().catch(() => {});
    await chains?.stop();
    await cluster?.stop();
  });

  it('reconnects and continues with the same incident', async () => {
    const traffic = await seedStuckBridge(chains.bridge, 2);
    const config = configFor(chains.bridge, { storage: cluster.url });
    service = await startService({ config, logger: silentLogger, listen: false, tickMs: 500 });
    const opened = await until('the seed incident', async () => (await service!.engine.list({ status: 'open' })).find((i) => i.key.startsWith('bridge:')));
    expect(opened.severity).toBe('S1');

    await cluster.restart(2_000);
    // the condition clears while the service reconnects: it must notice on the same incident
    await finalizeAll(chains.bridge, traffic.stuck.map((t) => t.id), 2);
    const cleared = await until('the incident to move to monitoring', async () => {
      const incident = await service!.engine.get(opened.id);
      return incident?.status === 'monitoring' ? incident : null;
    });
    expect(cleared.id).toBe(opened.id);
    const all = await service.engine.list({ status: 'all' });
    expect(all.filter((i) => i.key === opened.key)).toHaveLength(1);
    held('PostgreSQL restarted under the service', 'reconnected; the same incident moved to monitoring; no duplicate incident');
  });
});
