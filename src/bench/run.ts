/**
 * `firebreak bench`: every benchmark on fresh local anvil chains, each figure next to its
 * reference measured in the same run, the targets of the benchmark issue beside them, and the
 * whole written to `bench/results.json`. Figures that could not be measured say why; nothing is
 * ever filled in.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { type ApiResult, benchApi } from './api.ts';
import { startBenchChains } from './chains.ts';
import { benchCost, benchJudge, type CostResult, type JudgeResult } from './cost.ts';
import { emitTraffic } from './emit.ts';
import { benchConfig, benchIngest, type IngestResult } from './ingest.ts';
import { benchLatency, type LatencyEndPoint, type LatencyResult } from './latency.ts';
import { benchMemory, type MemoryResult } from './memory.ts';
import { benchMirror, MIRROR_SIZES, type MirrorResult, type MirrorSizes } from './mirror.ts';
import { benchPeer, type PeerResult } from './peer.ts';
import { timeScanProcess } from './scan-process.ts';
import { round } from './stats.ts';
import { benchExploit, type ExploitBenchResult } from './exploit.ts';

export interface BenchSizes {
  /** events emitted for ingest and the peer (half deposits, half finalizations) */
  events: number;
  latencyTrials: number;
  pending: number;
  /** exploit containment trials (default 20) */
  exploitTrials?: number;
  /** cost: bridges on one pair of chains and seconds measured (default 10 bridges, 20 s) */
  costBridges?: number;
  costSeconds?: number;
  /** judge: settled transfers in the history (default 1M) */
  settled?: number;
}

export const DEFAULT_SIZES: BenchSizes = { events: 200_000, latencyTrials: 100, pending: 100_000 };
export const FULL_SIZES: BenchSizes = { events: 1_000_000, latencyTrials: 100, pending: 1_000_000 };

export interface BenchOptions {
  sizes: BenchSizes;
  logger: Logger;
  /** human progress lines (stderr) */
  say(line: string): void;
  /** skip the peer (Ponder) run */
  skipPeer?: boolean;
  /** incidents on the mirrored page and timed publishes (default 50 open + 500 resolved, 20 trials) */
  mirrorSizes?: Partial<MirrorSizes>;
  /** how long autocannon loads the API (default 5 s) */
  apiSeconds?: number;
  /** run only these benchmarks (default: all); the others say "not selected" */
  only?: BenchName[];
  /** where the latency clock stops (default: the incident change being committed) */
  latencyEndPoint?: () => Promise<LatencyEndPoint | undefined>;
  /** write the results here (default bench/results.json; null: do not write) */
  output?: string | null;
}

type Unavailable = { available: false; reason: string };

export const BENCH_NAMES = ['ingest', 'peer', 'latency', 'memory', 'mirror', 'api', 'cost', 'judge', 'exploit'] as const;
export type BenchName = (typeof BENCH_NAMES)[number];

export interface BenchResults {
  at: string;
  node: string;
  platform: string;
  sizes: BenchSizes;
  ingest: (IngestResult & { available: true }) | Unavailable;
  peer:
    | { available: true; name: string; version: string; logsPerSec: number; seconds: number; oursLogsPerSec: number; oursSeconds: number; ratio: number; events: number }
    | (Unavailable & { name: string; logsPerSec: null; ratio: null });
  latency: (LatencyResult & { available: true }) | Unavailable;
  memory: (MemoryResult & { available: true }) | Unavailable;
  mirror: (MirrorResult & { available: true }) | (Unavailable & { p50Ms: null });
  api: (ApiResult & { available: true }) | (Unavailable & { summaryRps: null });
  /** SPEC §11: first malicious release mined → pause tx mined */
  exploit: (ExploitBenchResult & { available: true }) | Unavailable;
  cost: (CostResult & { available: true }) | (Unavailable & { requestsPerBlock: null });
  judge: (JudgeResult & { available: true }) | (Unavailable & { msAt1MSettled: null });
  targets: Record<string, string>;
  seconds: number;
}

export const TARGETS = {
  'ingest.ratio': '>= 0.8',
  'peer.ratio': '>= 5',
  'latency.p99Ms': '<= 500 with 250 ms polling (<= 200 with WebSocket)',
  'memory.bytesPerPending': '<= 300',
  'mirror.p50Ms': '<= 500',
  'api.summaryRps': '>= 5000',
  'exploit.blocksToPause': 'p99 <= 2 blocks (1 s blocks, WebSocket heads)',
  'cost.requestsPerBlock': '<= 3',
  'judge.msAt1MSettled': '<= 50',
};

function rounded<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = typeof v === 'number' ? round(v, v < 10 ? 3 : 1) : v;
  return out as T;
}

export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const { sizes, logger, say } = options;
  const started = performance.now();
  const selected = (name: BenchName) => !options.only || options.only.includes(name);
  const notRun = (name: BenchName) => (selected(name) ? 'not run' : 'not selected (--only)');
  const results: BenchResults = {
    at: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    sizes,
    ingest: { available: false, reason: notRun('ingest') },
    peer: { available: false, name: 'ponder', reason: notRun('peer'), logsPerSec: null, ratio: null },
    latency: { available: false, reason: notRun('latency') },
    memory: { available: false, reason: notRun('memory') },
    mirror: { available: false, reason: notRun('mirror'), p50Ms: null },
    api: { available: false, reason: notRun('api'), summaryRps: null },
    exploit: { available: false, reason: notRun('exploit') },
    cost: { available: false, reason: notRun('cost'), requestsPerBlock: null },
    judge: { available: false, reason: notRun('judge'), msAt1MSettled: null },
    targets: TARGETS,
    seconds: 0,
  };

  // 1 + 2: ingest and the peer share one set of chains and one traffic
  if (selected('ingest') || selected('peer')) {
    const chains = await startBenchChains();
    try {
      say(`emitting ${sizes.events.toLocaleString('en-US')} events on two anvil chains`);
      const traffic = await emitTraffic(chains.bridge, { events: sizes.events });
      say(`  emitted in ${traffic.seconds.toFixed(1)} s; ingest: scan vs bare eth_getLogs`);
      if (selected('ingest')) try {
        const ingest = await benchIngest({ bridge: chains.bridge, traffic, logger });
        results.ingest = { available: true, ...rounded(ingest), raw: ingest.raw.map((r) => rounded(r)) };
        say(`  ours ${Math.round(ingest.logsPerSec)} logs/s, raw ${Math.round(ingest.rawLogsPerSec)} logs/s (fastest run ${Math.round(ingest.rawPeakLogsPerSec)}), ratio ${ingest.ratio.toFixed(3)}`);
      } catch (error) {
        results.ingest = { available: false, reason: reasonOf(error) };
        say(`  ingest failed: ${reasonOf(error)}`);
      }
      if (selected('peer') && !options.skipPeer) {
        say('peer: the same events through Ponder and through `firebreak scan`, both as processes');
        try {
          const peer: PeerResult = await benchPeer({ bridge: chains.bridge, traffic });
          if (!peer.available) {
            results.peer = { ...peer, logsPerSec: null, ratio: null };
          } else if (peer.pendingFound !== traffic.pending) {
            results.peer = { available: false, name: peer.name, reason: `ponder found ${peer.pendingFound} pending, expected ${traffic.pending}`, logsPerSec: null, ratio: null };
          } else {
            const ours = await timeScanProcess(chains.bridge);
            if (ours.pendingFound !== traffic.pending) throw new Error(`firebreak scan found ${ours.pendingFound} pending, expected ${traffic.pending}`);
            const events = traffic.deposits + traffic.finalizations;
            const oursLogsPerSec = events / ours.seconds;
            results.peer = rounded({
              available: true as const,
              name: peer.name,
              version: peer.version,
              events,
              logsPerSec: peer.logsPerSec,
              seconds: peer.seconds,
              oursLogsPerSec,
              oursSeconds: ours.seconds,
              ratio: oursLogsPerSec / peer.logsPerSec,
            });
            say(`  ponder ${Math.round(peer.logsPerSec)} events/s (${peer.seconds.toFixed(1)} s), ours ${Math.round(oursLogsPerSec)} events/s (${ours.seconds.toFixed(1)} s)`);
          }
        } catch (error) {
          results.peer = { available: false, name: 'ponder', reason: reasonOf(error), logsPerSec: null, ratio: null };
        }
        if (!results.peer.available) say(`  peer unavailable: ${results.peer.reason}`);
      } else if (selected('peer')) {
        results.peer = { available: false, name: 'ponder', reason: 'skipped (--no-peer)', logsPerSec: null, ratio: null };
      }
    } finally {
      await chains.stop();
    }
  }

  // 3: detection latency on fresh chains (a quiet chain, as in production between bursts)
  if (selected('latency')) {
    const chains = await startBenchChains();
    try {
      say(`detection latency: ${sizes.latencyTrials} trials`);
      const endPoint = await options.latencyEndPoint?.();
      const latency = await benchLatency({ bridge: chains.bridge, trials: sizes.latencyTrials, logger, endPoint });
      results.latency = { available: true, ...rounded(latency) };
      say(`  ${latency.mode}: p50 ${latency.p50Ms.toFixed(0)} ms, p99 ${latency.p99Ms.toFixed(0)} ms (to: ${latency.endPoint})`);
      if (latency.mode === 'websocket' && latency.polling) say(`  polling only: p50 ${latency.polling.p50Ms.toFixed(0)} ms, p99 ${latency.polling.p99Ms.toFixed(0)} ms`);
    } catch (error) {
      results.latency = { available: false, reason: reasonOf(error) };
      say(`  latency failed: ${reasonOf(error)}`);
    } finally {
      await chains.stop();
    }
  }

  // 4: memory with many pending transfers (no chain needed: the rows go straight into the store)
  if (selected('memory')) try {
    say(`memory: ${sizes.pending.toLocaleString('en-US')} pending transfers`);
    const chains = await startBenchChains();
    const config = benchConfig(chains.bridge);
    await chains.stop();
    const memory = await benchMemory({ config, pending: sizes.pending, logger });
    results.memory = { available: true, ...rounded(memory) };
    say(`  ${Math.round(memory.bytesPerPending)} bytes/pending (peak ${Math.round(memory.peakBytesPerPending)}, marginal ${Math.round(memory.marginalBytesPerPending)}), judge pass ${memory.judgeMs.toFixed(0)} ms`);
  } catch (error) {
    results.memory = { available: false, reason: reasonOf(error) };
    say(`  memory failed: ${reasonOf(error)}`);
  }

  // 5: the status mirror publish on the in-process helia node (the chains only give the config)
  if (selected('mirror')) try {
    const mirrorSizes = { ...MIRROR_SIZES, ...options.mirrorSizes };
    say(`mirror: render + add + pin + IPNS publish, ${mirrorSizes.open} open + ${mirrorSizes.resolved} resolved incidents, ${mirrorSizes.trials} trials`);
    const chains = await startBenchChains();
    const config = benchConfig(chains.bridge, { extra: { ipfs: { listen: ['/ip4/127.0.0.1/tcp/0'] } } });
    await chains.stop();
    const mirror = await benchMirror({ config, logger, sizes: mirrorSizes, say });
    results.mirror = { available: true, ...rounded(mirror), phasesP50: rounded(mirror.phasesP50) };
    const p = results.mirror.phasesP50;
    say(`  p50 ${mirror.p50Ms.toFixed(0)} ms, p99 ${mirror.p99Ms.toFixed(0)} ms (render ${p.renderMs}, add+pin ${p.addPinMs}, ipns ${p.ipnsMs}, record ${p.recordMs} ms)`);
  } catch (error) {
    results.mirror = { available: false, reason: reasonOf(error), p50Ms: null };
    say(`  mirror failed: ${reasonOf(error)}`);
  }

  // 6: the summary API under load (the service with 100 open incidents on loopback)
  if (selected('api')) {
    const chains = await startBenchChains();
    try {
      say('api: /api/v2/summary.json under load (autocannon, 100 open incidents)');
      const api = await benchApi({ bridge: chains.bridge, logger, seconds: options.apiSeconds });
      results.api = { available: true, ...rounded(api) };
      say(`  ${Math.round(api.summaryRps)} requests/s, p50 ${api.p50Ms} ms, p99 ${api.p99Ms} ms (rounds ${api.rpsRounds.join(', ')}); with gzip ${Math.round(api.gzipRps)} requests/s, p99 ${api.gzipP99Ms} ms (rounds ${api.gzipRpsRounds.join(', ')})`);
    } catch (error) {
      results.api = { available: false, reason: reasonOf(error), summaryRps: null };
      say(`  api failed: ${reasonOf(error)}`);
    } finally {
      await chains.stop();
    }
  }

  // 7: RPC calls per new block in steady state (10 bridges on one pair of chains, 250 ms blocks)
  if (selected('cost')) {
    const chains = await startBenchChains();
    try {
      const bridges = sizes.costBridges ?? 10;
      say(`cost: JSON-RPC calls per new block, ${bridges} bridges, a block every 250 ms`);
      const cost = await benchCost({ bridge: chains.bridge, bridges, seconds: sizes.costSeconds ?? 20, logger });
      results.cost = { available: true, ...rounded(cost) };
      say(`  ${cost.requestsPerBlock.toFixed(2)} calls per block per chain (${Object.entries(cost.byChain).map(([n, c]) => `${n}: ${c.calls} calls / ${c.blocks} blocks`).join(', ')})`);
    } catch (error) {
      results.cost = { available: false, reason: reasonOf(error), requestsPerBlock: null };
      say(`  cost failed: ${reasonOf(error)}`);
    } finally {
      await chains.stop();
    }
  }

  // 8: judging a bridge with a long settled history
  if (selected('judge')) try {
    const settled = sizes.settled ?? 1_000_000;
    say(`judge: ${settled.toLocaleString('en-US')} settled transfers in history, 100 pending`);
    const chains = await startBenchChains();
    const config = benchConfig(chains.bridge);
    await chains.stop();
    const judge = await benchJudge({ config, settled, logger, say });
    results.judge = { available: true, ...rounded(judge) };
    say(`  judge ${judge.msAt1MSettled.toFixed(1)} ms per bridge after pruning (prune ${Math.round(judge.pruneMs)} ms once; unpruned ${Math.round(judge.unprunedMs)} ms)`);
  } catch (error) {
    results.judge = { available: false, reason: reasonOf(error), msAt1MSettled: null };
    say(`  judge failed: ${reasonOf(error)}`);
  }

  // 9: exploit containment: a forged release to the pause of the releases (own chains, 1 s blocks)
  if (selected('exploit')) try {
    const trials = sizes.exploitTrials ?? 20;
    say(`exploit: forged release mined → pause mined, ${trials} trials, 1 s blocks`);
    const exploit = await benchExploit({ trials, logger });
    results.exploit = { available: true, ...exploit };
    say(`  blocks p50 ${exploit.blocksToPause.p50}, p99 ${exploit.blocksToPause.p99}; ms p50 ${exploit.msToPause.p50}, p99 ${exploit.msToPause.p99} (${exploit.heads} heads)`);
  } catch (error) {
    results.exploit = { available: false, reason: reasonOf(error) };
    say(`  exploit failed: ${reasonOf(error)}`);
  }

  results.seconds = round((performance.now() - started) / 1000, 1);
  if (options.output !== null) {
    const file = options.output ?? 'bench/results.json';
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  }
  return results;
}

/** The table for people. */
export function renderBench(results: BenchResults): string {
  const rows: Array<[string, string, string, string]> = [];
  const na = (r: { reason: string }) => `n/a (${r.reason})`;
  const { ingest, peer, latency, memory } = results;
  if (ingest.available) {
    rows.push(['ingest', `${Math.round(ingest.logsPerSec)} logs/s`, `raw eth_getLogs ${Math.round(ingest.rawLogsPerSec)} logs/s (${ingest.rawBestRangeBlocks}-block ranges)`, `ratio ${ingest.ratio} (target ${TARGETS['ingest.ratio']})`]);
    rows.push(['', `  ${ingest.rowsStored} rows stored`, `events ${ingest.depthBlocks}+ blocks deep, paired in memory`, '']);
  } else rows.push(['ingest', na(ingest), '', '']);
  if (peer.available) {
    rows.push(['peer', `${Math.round(peer.oursLogsPerSec)} events/s end to end`, `${peer.name} ${peer.version} ${Math.round(peer.logsPerSec)} events/s`, `ratio ${peer.ratio} (target ${TARGETS['peer.ratio']})`]);
  } else rows.push(['peer', na(peer), '', '']);
  if (latency.available) {
    const how = latency.mode === 'websocket' ? 'new-head subscriptions (polling fallback' : 'polling (';
    rows.push(['latency', `p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms`, `${latency.trials} trials, ${how} every ${latency.pollIntervalMs} ms)`, `target ${TARGETS['latency.p99Ms']}`]);
    if (latency.mode === 'websocket' && latency.polling) {
      rows.push(['', `polling only: p50 ${latency.polling.p50Ms} ms, p99 ${latency.polling.p99Ms} ms`, `every ${latency.pollIntervalMs} ms`, '']);
    }
    rows.push(['', `  (to: ${latency.endPoint})`, '', '']);
  } else rows.push(['latency', na(latency), '', '']);
  if (memory.available) {
    rows.push(['memory', `${Math.round(memory.bytesPerPending)} bytes/pending`, `${memory.pending} pending, peak ${Math.round(memory.peakBytesPerPending)} B, marginal ${Math.round(memory.marginalBytesPerPending)} B, judge ${Math.round(memory.judgeMs)} ms`, `target ${TARGETS['memory.bytesPerPending']}`]);
  } else rows.push(['memory', na(memory), '', '']);
  const { mirror } = results;
  if (mirror.available) {
    const p = mirror.phasesP50;
    rows.push(['mirror', `p50 ${mirror.p50Ms} ms, p99 ${mirror.p99Ms} ms per publish`, `${mirror.open} open + ${mirror.resolved} resolved, ${mirror.trials} trials`, `target ${TARGETS['mirror.p50Ms']}`]);
    rows.push(['', `  (p50 read ${p.snapshotMs}, render ${p.renderMs}, add+pin ${p.addPinMs}, ipns ${p.ipnsMs}, record ${p.recordMs} ms)`, '', '']);
  } else rows.push(['mirror', na(mirror), '', '']);
  const { api } = results;
  if (api.available) {
    rows.push(['api', `${Math.round(api.summaryRps)} requests/s`, `/api/v2/summary.json, ${api.openIncidents} open incidents, p50 ${api.p50Ms} ms, p99 ${api.p99Ms} ms (gzip ${Math.round(api.gzipRps)}/s, p99 ${api.gzipP99Ms} ms)`, `target ${TARGETS['api.summaryRps']}`]);
  } else rows.push(['api', na(api), '', '']);
  const { cost, judge } = results;
  if (cost.available) rows.push(['cost', `${cost.requestsPerBlock} calls/block/chain`, `${cost.bridges} bridges, ${cost.blocks} blocks of ${cost.blockMs} ms`, `target ${TARGETS['cost.requestsPerBlock']}`]);
  else rows.push(['cost', na(cost), '', '']);
  if (judge.available) rows.push(['judge', `${judge.msAt1MSettled} ms per bridge`, `${judge.settled} settled + ${judge.pending} pending (prune ${Math.round(judge.pruneMs)} ms, unpruned ${Math.round(judge.unprunedMs)} ms)`, `target ${TARGETS['judge.msAt1MSettled']}`]);
  else rows.push(['judge', na(judge), '', '']);
  const { exploit } = results;
  if (exploit?.available) {
    rows.push(['exploit', `blocks to pause p50 ${exploit.blocksToPause.p50}, p99 ${exploit.blocksToPause.p99}`, `${exploit.trials} trials, ${exploit.blockTimeSeconds} s blocks, ${exploit.heads} heads, source confirmations ${exploit.sourceConfirmations}, grace ${exploit.graceSeconds} s; ms p50 ${exploit.msToPause.p50}, p99 ${exploit.msToPause.p99}`, `target ${TARGETS['exploit.blocksToPause']}`]);
  } else if (exploit) rows.push(['exploit', na(exploit), '', '']);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd());
  return `firebreak bench (${results.sizes.events} events, ${results.seconds} s)\n\n${lines.join('\n')}\n`;
}
