/**
 * Fault injection, RPC side: the first provider of each chain misbehaves in one way at a time;
 * the seed case must be read exactly as with healthy providers (37 stuck, $40,000, S1), through
 * the second provider, and a chain nobody answers for is reported unobservable, never healthy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScan } from '../../src/app/scan.ts';
import { silentLogger } from '../../src/core/log.ts';
import { SEED, seedStuckBridge } from '../../src/drill/seed.ts';
import { createStore } from '../../src/store/store.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { held } from '../support/faults.ts';
import { type RpcProxy, startRpcProxy } from '../support/rpc-proxy.ts';

describe('fault: RPC providers misbehave', () => {
  let chains: DrillChains;
  beforeAll(async () => {
    chains = await startDrillChains();
    await seedStuckBridge(chains.bridge, 2);
  });
  afterAll(async () => {
    await chains?.stop();
  });

  for (const fault of ['errors', 'garbage', 'timeout'] as const) {
    it(`first URL answering with ${fault}: the fallback carries the scan, same figures`, async () => {
      const proxies: RpcProxy[] = [];
      const store = await createStore({ kind: 'pglite', url: 'memory://' });
      try {
        for (const upstream of [chains.source.anvil.url, chains.destination.anvil.url]) {
          const proxy = await startRpcProxy(upstream);
          proxy.fault = fault;
          proxies.push(proxy);
        }
        const config = configFor(chains.bridge, {
          patch: (raw) => {
            raw.chains.ethereum.rpc = [proxies[0]!.url, chains.source.anvil.url];
            raw.chains.arbitrum.rpc = [proxies[1]!.url, chains.destination.anvil.url];
          },
        });
        const result = await runScan({ config, logger: silentLogger, store, rpcTimeoutMs: 1_500 });
        const bridge = result.bridges[0] as { stuck: number; lockedUsd: number; severity: string };
        expect(result.chains.ethereum).toMatchObject({ rpc: 1, unobservable: false });
        expect(result.chains.arbitrum).toMatchObject({ rpc: 1, unobservable: false });
        expect(bridge).toMatchObject({ stuck: SEED.stuck, lockedUsd: SEED.lockedUsd, severity: 'S1' });
        held(`RPC ${fault} on the first URL`, 'fallback to the second URL; 37 stuck / $40,000 / S1 as with healthy providers');
      } finally {
        for (const proxy of proxies) await proxy.close();
        await store.close();
      }
    });
  }

  it('every URL of a chain failing: the chain is unobservable and nothing is judged healthy', async () => {
    const proxy = await startRpcProxy(chains.destination.anvil.url);
    proxy.fault = 'garbage';
    const store = await createStore({ kind: 'pglite', url: 'memory://' });
    try {
      const config = configFor(chains.bridge, {
        patch: (raw) => {
          raw.chains.arbitrum.rpc = [proxy.url];
        },
      });
      const result = await runScan({ config, logger: silentLogger, store, rpcTimeoutMs: 1_500, maxRetries: 1 });
      expect(result.chains.arbitrum).toMatchObject({ unobservable: true });
      const bridge = result.bridges[0] as { severity?: string | null; judged?: boolean };
      expect(bridge.judged).toBe(false);
      held('every RPC of a chain returning garbage', 'chain reported unobservable; the bridge is not judged (no false all-clear)');
    } finally {
      await proxy.close();
      await store.close();
    }
  });
});
