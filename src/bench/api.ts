/**
 * API under load: the real service (with the mirror module, whose routes serve
 * `/api/v2/summary.json`) on loopback with 100 open incidents, hit by autocannon (a dev
 * dependency of the benchmark) for a few seconds. Requests per second and latency percentiles
 * are autocannon's own figures.
 */
import { FirebreakError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { startService } from '../app/service.ts';
import { freePort } from '../chain/anvil.ts';
import { createMirrorIntegration } from '../mirror/integration.ts';
import type { DrillBridge } from '../drill/bridge.ts';
import { benchConfig } from './ingest.ts';

export interface ApiResult {
  summaryRps: number;
  p50Ms: number;
  p99Ms: number;
  openIncidents: number;
  connections: number;
  seconds: number;
  errors: number;
}

export async function benchApi(options: { bridge: DrillBridge; logger: Logger; incidents?: number; seconds?: number; connections?: number }): Promise<ApiResult> {
  const { default: autocannon } = await import('autocannon');
  const port = await freePort();
  const config = benchConfig(options.bridge, { extra: { server: { host: '127.0.0.1', port, apiTokens: [] }, ipfs: { enabled: false } } });
  const service = await startService({ config, logger: options.logger, listen: true, tickMs: 60_000, integrations: [createMirrorIntegration] });
  try {
    const incidents = options.incidents ?? 100;
    for (let i = 0; i < incidents; i++) {
      await service.engine.commands.declare({ title: `Benchmark incident ${i + 1}`, severity: i % 4 === 0 ? 'S2' : 'S3', summary: 'declared by firebreak bench' }, 'bench');
    }
    const url = `http://127.0.0.1:${port}/api/v2/summary.json`;
    const probe = await fetch(url);
    if (!probe.ok) throw new FirebreakError(`/api/v2/summary.json answered HTTP ${probe.status}`, { code: 'bench_api' });
    await probe.arrayBuffer();
    const connections = options.connections ?? 50;
    const duration = options.seconds ?? 5;
    const result = await autocannon({ url, connections, duration });
    return {
      summaryRps: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      openIncidents: incidents,
      connections,
      seconds: duration,
      errors: result.errors + result.non2xx,
    };
  } finally {
    await service.stop();
  }
}
