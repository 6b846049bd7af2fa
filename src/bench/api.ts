/**
 * API under load: the real service (with the mirror module, whose routes serve
 * `/api/v2/summary.json`) on loopback with 100 open incidents, hit by autocannon (a dev
 * dependency of the benchmark) for a few seconds. autocannon runs as its own process (its CLI,
 * `--json`): in this process it would take the server's one JS thread for itself. Requests per
 * second and latency percentiles are autocannon's own figures.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
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
  /** CPU time of the service's process per request (user + system): steadier than requests/s on a shared machine */
  serverCpuUsPerRequest: number;
  /** the same load with `Accept-Encoding: gzip`, as browsers and most HTTP clients ask */
  gzipRps: number;
  gzipP99Ms: number;
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

/** One autocannon run in a child process; its `--json` result. */
async function autocannon(url: string, connections: number, seconds: number, headers: string[] = []): Promise<AutocannonJson> {
  const cli = createRequire(import.meta.url).resolve('autocannon');
  const args = [cli, '--json', '--connections', String(connections), '--duration', String(seconds), ...headers.flatMap((h) => ['--headers', h]), url];
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
    child.on('error', reject);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve({ code: exitCode, stdout: out, stderr: err });
    });
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) {
    throw new FirebreakError(`autocannon exited with ${code}: ${stderr.trim().split('\n').pop() ?? 'no output'}`, { code: 'bench_api' });
  }
  return JSON.parse(line) as AutocannonJson;
}

export async function benchApi(options: { bridge: DrillBridge; logger: Logger; incidents?: number; seconds?: number; connections?: number }): Promise<ApiResult> {
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
    const body = (await probe.json()) as { incidents?: unknown[] };
    if (body.incidents?.length !== incidents) throw new FirebreakError(`/api/v2/summary.json lists ${body.incidents?.length} incidents, expected ${incidents}`, { code: 'bench_api' });
    const connections = options.connections ?? 50;
    const duration = options.seconds ?? 5;
    // a short first run warms the JIT on both sides; the figures are the second run's
    await autocannon(url, connections, 1);
    const cpu = process.cpuUsage();
    const result = await autocannon(url, connections, duration);
    const used = process.cpuUsage(cpu);
    const gzip = await autocannon(url, connections, duration, ['accept-encoding=gzip']);
    return {
      summaryRps: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      openIncidents: incidents,
      connections,
      seconds: duration,
      errors: result.errors + result.timeouts + result.non2xx + gzip.errors + gzip.timeouts + gzip.non2xx,
      serverCpuUsPerRequest: result.requests.total > 0 ? (used.user + used.system) / result.requests.total : 0,
      gzipRps: gzip.requests.average,
      gzipP99Ms: gzip.latency.p99,
    };
  } finally {
    await service.stop();
  }
}
