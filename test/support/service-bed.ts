/**
 * The drill chains for one test file and the services its tests start: the chains start once before
 * the file and stop after it; each test's services stop after the test (their watchers poll both
 * chains: left running they pile up). Registers the vitest hooks where it is called (file level).
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type IntegrationFactory, type Service, startService } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Config } from '../../src/config/types.ts';
import type { DrillConfigOptions } from '../../src/drill/bridge.ts';
import type { EffectSink } from '../../src/store/effects.ts';
import { configFor, type DrillChains, startDrillChains } from './drill.ts';

export interface ServiceBed {
  /** the chains (after beforeAll) */
  readonly chains: DrillChains;
  /** the drill config, chains polled every second, then `patch` */
  config(patch: (raw: Record<string, any>) => void, options?: Partial<Omit<DrillConfigOptions, 'bridge'>>): Config;
  /** a service that listens nowhere and ticks rarely (tests drive it), stopped after the test */
  start(config: Config, options: { integrations: IntegrationFactory[]; sinks?: EffectSink[] }): Promise<Service>;
}

export function useServiceBed(): ServiceBed {
  let chains: DrillChains | undefined;
  const services: Service[] = [];

  beforeAll(async () => {
    chains = await startDrillChains();
  }, 180_000);

  afterEach(async () => {
    for (const service of services.splice(0)) await service.stop();
  });

  afterAll(async () => {
    await chains?.stop();
  });

  return {
    get chains() {
      if (!chains) throw new Error('the drill chains are not started yet (use them inside tests or hooks)');
      return chains;
    },
    config(patch, options = {}) {
      return configFor(this.chains.bridge, {
        ...options,
        patch: (raw) => {
          for (const chain of Object.values(raw.chains) as Array<Record<string, unknown>>) chain.pollIntervalMs = 1000;
          patch(raw);
        },
      });
    },
    async start(config, options) {
      const service = await startService({ config, logger: silentLogger, listen: false, tickMs: 60_000, integrations: options.integrations, sinks: options.sinks ?? [] });
      services.push(service);
      return service;
    },
  };
}
