/**
 * Fault injection, a provider refusing large eth_getLogs ranges (the error text hosted providers
 * use) on both chains, under the running service: it shrinks its ranges and reads the seed case
 * exactly (37 stuck, $40,000, S1) through the ranges the provider accepts (one block at a time).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import { SEED, seedStuckBridge } from '../../src/drill/seed.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { held } from '../support/faults.ts';
import { type RpcProxy, startRpcProxy } from '../support/rpc-proxy.ts';
import { until } from '../support/wait.ts';

// below the first range (2 blocks): both chains meet the refusal at once, whatever their density
const MAX_RANGE = 1;

describe('fault: a provider refusing large log ranges', () => {
  let chains: DrillChains;
  let proxies: RpcProxy[];
  let service: Service;

  beforeAll(async () => {
    chains = await startDrillChains();
    await seedStuckBridge(chains.bridge, 2);
    proxies = await Promise.all([chains.source, chains.destination].map((c) => startRpcProxy(c.anvil.url, { maxLogRange: MAX_RANGE })));
    const config = configFor(chains.bridge, {
      patch: (raw) => {
        raw.chains.ethereum.rpc = [proxies[0]!.url];
        raw.chains.arbitrum.rpc = [proxies[1]!.url];
      },
    });
    service = await startService({ config, logger: silentLogger, listen: false, tickMs: 3_600_000 });
  }, 180_000);
  afterAll(async () => {
    await service?.stop();
    for (const proxy of proxies ?? []) await proxy.close();
    await chains?.stop();
  });

  it(`ranges of more than one block refused: the service shrinks them and reads the seed case exactly`, async () => {
    const incident = await until('the seed incident', async () => {
      const open = (await service.engine.list({ status: 'open' })).find((i) => i.key === 'bridge:drill:stuck');
      return open?.impact.stuckTransfers === SEED.stuck ? open : undefined;
    });
    expect(incident.impact.lockedUsd).toBe(SEED.lockedUsd);
    expect(incident.severity).toBe('S1');
    for (const proxy of proxies) {
      const logs = proxy.calls.filter((c) => c.method === 'eth_getLogs');
      expect(logs.some((c) => c.refused)).toBe(true);
      expect(logs.some((c) => !c.refused)).toBe(true);
    }
    const judgement = service.watch.judgements().find((j) => j.id === 'drill')!;
    expect(judgement).toMatchObject({ stuck: SEED.stuck, lockedUsd: SEED.lockedUsd, pending: SEED.stuck + SEED.fresh });
    const refusals = proxies.reduce((n, p) => n + p.calls.filter((c) => c.refused).length, 0);
    held(`both providers refusing eth_getLogs over more than one block (${refusals} refusals)`, 'ranges shrunk; the seed case read exactly: 37 stuck, $40,000, S1');
  }, 180_000);
});
