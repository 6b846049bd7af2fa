/**
 * API under load: the real service (with the mirror module, whose routes serve
 * `/api/v2/summary.json`) on loopback with 100 open incidents, hit by autocannon (a dev
 * dependency of the benchmark) for a few seconds. autocannon runs as its own process (its CLI,
 * `--json`): in this process it would take the server's one JS thread for itself. Requests per
 * second and latency percentiles are autocannon's own figures. Plain and gzip runs alternate over
 * a few rounds (the machine may be shared); each figure is its median round's.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { FirebreakError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { startService } from '../app/service.ts';
import { freePort } from '../chain/anvil.ts';
import { createMirrorIntegration } from '../mirror/integration.ts';
import type { DrillBridge } from '../drill/bridge.ts';
import { benchConfig } from './ingest.ts';

export interface ApiResult {
  /** the median round (no Accept-Encoding, as autocannon sends by default) */
  summaryRps: number;
  p50Ms: number;
  p99Ms: number;
  openIncidents: number;
  connections: number;
  /** per run */
  seconds: number;
  rounds: number;
  /** every round's requests/s, plain and gzip */
  rpsRounds: number[];
  gzipRpsRounds: number[];
  errors: number;
  /** CPU time of the service's process per request in the median round (user + system, its background work included) */
  serverCpuUsPerRequest: number;
  /** the same load with `Accept-Encoding: gzip`, as browsers and most HTTP clients ask (median round) */
  gzipRps: number;
  gzipP50Ms: number;
  gzipP99Ms: number;
  /** the machine's 1-minute load average before the runs: on 2 shared cores the figures move with it */
  loadAverage: number;
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

interface Run {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpuUsPerRequest: number;
}

async function measured(url: string, connections: number, seconds: number, headers: string[] = []): Promise<Run> {
  const cpu = process.cpuUsage();
  const result = await autocannon(url, connections, seconds, headers);
  const used = process.cpuUsage(cpu);
  return {
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    cpuUsPerRequest: result.requests.total > 0 ? (used.user + used.system) / result.requests.total : 0,
  };
}

function median(runs: Run[]): Run {
  return [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;
}

export async function benchApi(options: {
  bridge: DrillBridge;
  logger: Logger;
  incidents?: number;
  seconds?: number;
  connections?: number;
  rounds?: number;
}): Promise<ApiResult> {
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
    const rounds = options.rounds ?? 3;
    const loadAverage = loadavg()[0]!;
    // a short first run warms the JIT on both sides; it is not counted
    await autocannon(url, connections, 1);
    const plain: Run[] = [];
    const gzip: Run[] = [];
    for (let round = 0; round < rounds; round++) {
      plain.push(await measured(url, connections, duration));
      gzip.push(await measured(url, connections, duration, ['accept-encoding=gzip']));
    }
    const p = median(plain);
    const g = median(gzip);
    return {
      summaryRps: p.rps,
      p50Ms: p.p50Ms,
      p99Ms: p.p99Ms,
      openIncidents: incidents,
      connections,
      seconds: duration,
      rounds,
      rpsRounds: plain.map((r) => Math.round(r.rps)),
      gzipRpsRounds: gzip.map((r) => Math.round(r.rps)),
      errors: [...plain, ...gzip].reduce((sum, r) => sum + r.errors, 0),
      serverCpuUsPerRequest: p.cpuUsPerRequest,
      gzipRps: g.rps,
      gzipP50Ms: g.p50Ms,
      gzipP99Ms: g.p99Ms,
      loadAverage,
    };
  } finally {
    await service.stop();
  }
}
