/**
 * What watching costs a team at its RPC provider, and what judging costs with a long history.
 *
 * - `requestsPerBlock`: the realtime service (tip follower, new-head subscriptions, judging, price
 *   book) in steady state, `bridges` bridges on one pair of chains, a block every `blockMs` on both:
 *   JSON-RPC calls (batch items counted one by one) per new block per chain. Every bridge here
 *   watches the drill contracts under its own id, so the follower's one `eth_getLogs` carries them all.
 * - `judgeMsAt1MSettled`: one bridge with `settled` settled transfers stored as rows (as the tip
 *   follower writes them over months) and 100 pending: the judge pass after the settled pairs were
 *   pruned (timed too), next to the same judge over the unpruned history.
 */
import type { Logger } from '../core/log.ts';
import type { Config } from '../config/types.ts';
import type { RpcClient } from '../chain/rpc.ts';
import { wireChains } from '../app/watch.ts';
import type { DrillBridge } from '../drill/bridge.ts';
import { DRILL_TOKENS } from '../drill/bridge.ts';
import { createStore } from '../store/store.ts';
import { createTableStatistics } from '../store/statistics.ts';
import { type DepositRow, type FinalizationRow, insertDeposits, insertFinalizations, PRUNE_BATCH, pruneSettled, vacuumTransfers } from '../store/transfers.ts';
import { judgeBridge } from '../watchers/bridge.ts';
import { createWatchService } from '../watchers/service.ts';
import { benchConfig } from './ingest.ts';

export interface CostResult {
  bridges: number;
  blockMs: number;
  seconds: number;
  /** new blocks per chain during the measured window */
  blocks: number;
  /** JSON-RPC calls per new block, per chain (mean over the two chains) */
  requestsPerBlock: number;
  byChain: Record<string, { calls: number; blocks: number; perBlock: number; byMethod: Record<string, number> }>;
}

/** count every JSON-RPC call made through this client (batch items one by one), by method */
function counted(rpc: RpcClient): { byMethod: Record<string, number>; total(): number; reset(): void } {
  const byMethod: Record<string, number> = {};
  const request = rpc.request.bind(rpc);
  const batch = rpc.batch.bind(rpc);
  rpc.request = ((method: string, params: unknown[], opts?: { timeoutMs?: number }) => {
    byMethod[method] = (byMethod[method] ?? 0) + 1;
    return request(method, params, opts);
  }) as RpcClient['request'];
  rpc.batch = ((calls: Array<{ method: string; params: unknown[] }>, opts?: { timeoutMs?: number }) => {
    for (const call of calls) byMethod[call.method] = (byMethod[call.method] ?? 0) + 1;
    return batch(calls, opts);
  }) as RpcClient['batch'];
  return {
    byMethod,
    total: () => Object.values(byMethod).reduce((a, b) => a + b, 0),
    reset: () => {
      for (const key of Object.keys(byMethod)) delete byMethod[key];
    },
  };
}

export async function benchCost(options: { bridge: DrillBridge; bridges: number; seconds: number; blockMs?: number; logger: Logger }): Promise<CostResult> {
  const blockMs = options.blockMs ?? 250;
  const base = benchConfig(options.bridge, { confirmations: 2 });
  const config: Config = {
    ...base,
    chains: Object.fromEntries(Object.entries(base.chains).map(([name, chain]) => [name, { ...chain, pollIntervalMs: 1_000 }])),
    bridges: Array.from({ length: options.bridges }, (_, i) => ({ ...base.bridges[0]!, id: `bridge-${i}`, name: `Bridge ${i}` })),
  };
  const store = await createStore({ kind: 'pglite', url: 'memory://' }, options.logger);
  const wiring = wireChains({ config, store, logger: options.logger });
  const counters = Object.fromEntries(Object.entries(wiring.rpc).map(([name, rpc]) => [name, counted(rpc)]));
  const watch = createWatchService({ config, store, logger: options.logger, ...wiring });
  const chains = { [options.bridge.source.name]: options.bridge.source, [options.bridge.destination.name]: options.bridge.destination };
  const heads = async () => Object.fromEntries(await Promise.all(Object.entries(chains).map(async ([name, chain]) => [name, Number(await chain.publicClient.getBlockNumber({ cacheTime: 0 }))] as const)));
  let mining: NodeJS.Timeout | undefined;
  try {
    watch.start();
    const deadline = Date.now() + 120_000;
    while (!watch.chains().every((c) => c.caughtUp) || watch.judgements().length < options.bridges) {
      if (Date.now() > deadline) throw new Error('the watchers did not catch up within 120 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    // blocks every blockMs on both chains; a few seconds to settle into the steady state first
    mining = setInterval(() => {
      for (const chain of Object.values(chains)) void chain.mine(1).catch(() => {});
    }, blockMs);
    await new Promise((r) => setTimeout(r, 2_000));
    const before = await heads();
    for (const counter of Object.values(counters)) counter.reset();
    const started = performance.now();
    await new Promise((r) => setTimeout(r, options.seconds * 1000));
    const after = await heads();
    const seconds = (performance.now() - started) / 1000;
    const byChain: CostResult['byChain'] = {};
    for (const [name, counter] of Object.entries(counters)) {
      const blocks = Math.max(1, after[name]! - before[name]!);
      byChain[name] = { calls: counter.total(), blocks, perBlock: counter.total() / blocks, byMethod: { ...counter.byMethod } };
    }
    const list = Object.values(byChain);
    return {
      bridges: options.bridges,
      blockMs,
      seconds,
      blocks: Math.round(list.reduce((a, c) => a + c.blocks, 0) / list.length),
      requestsPerBlock: list.reduce((a, c) => a + c.perBlock, 0) / list.length,
      byChain,
    };
  } finally {
    clearInterval(mining);
    await watch.stop();
    await store.close();
  }
}

export interface JudgeResult {
  settled: number;
  pending: number;
  /** one judge pass after the settled pairs were pruned (median of 5) */
  msAt1MSettled: number;
  /** the prune that keeps it there (amortized: the follower prunes as pairs become final) */
  pruneMs: number;
  /** the same judge over the unpruned history (what every pass cost before pruning) */
  unprunedMs: number;
  /** writing the history into the store (setup, not a product figure) */
  seedSeconds: number;
}

export async function benchJudge(options: { config: Config; settled: number; logger: Logger; say?(line: string): void }): Promise<JudgeResult> {
  const bridge = options.config.bridges[0]!;
  const store = await createStore({ kind: 'pglite', url: 'memory://' }, options.logger);
  const pending = 100;
  try {
    const seedStarted = performance.now();
    const say = options.say ?? (() => undefined);
    const chunk = 10_000;
    for (let start = 0; start < options.settled + pending; start += chunk) {
      const deposits: DepositRow[] = [];
      const finalizations: FinalizationRow[] = [];
      for (let i = start; i < Math.min(start + chunk, options.settled + pending); i++) {
        const key = `0x${i.toString(16)}`;
        deposits.push({ bridge: bridge.id, transferKey: key, transferId: String(i), blockNumber: 1_000 + Math.floor(i / 10), blockTimestamp: 1_700_000_000 + i, txHash: `0x${i.toString(16).padStart(64, '0')}`, logIndex: i % 10, token: DRILL_TOKENS.usdc.address, amount: 10n ** 6n });
        if (i < options.settled) finalizations.push({ bridge: bridge.id, transferKey: key, blockNumber: 2_000 + Math.floor(i / 10), blockTimestamp: 1_700_000_100 + i, txHash: `0x${(i + 1).toString(16).padStart(64, '0')}`, logIndex: i % 10 });
      }
      await store.transaction(async (trx) => {
        await insertDeposits(trx, deposits);
        await insertFinalizations(trx, finalizations);
      });
      if ((start / chunk) % 20 === 19) say(`  ${(start + chunk).toLocaleString('en-US')} transfers stored (${Math.round((performance.now() - seedStarted) / 1000)} s)`);
    }
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const judge = async () => {
      const started = performance.now();
      const verdict = await judgeBridge(store.db, {
        bridge,
        policy: options.config.severityPolicy,
        sourceChainTime: 1_800_000_000,
        destinationHalted: false,
        priceOf: () => ({ symbol: 'USDC', decimals: 6, priceUsd: 1 }),
      });
      if (verdict.pending !== pending) throw new Error(`judge found ${verdict.pending} pending, expected ${pending}`);
      return performance.now() - started;
    };
    // what the watch service does before judging (PGlite has no autovacuum)
    const statistics = createTableStatistics({ db: store.db, logger: options.logger });
    await statistics.refresh();
    const unprunedMs = await judge();
    say(`  unpruned judge ${Math.round(unprunedMs)} ms; pruning`);
    const pruneStarted = performance.now();
    // what settle() does before a judgement: the prune, and a vacuum after a large one
    // in batches, as settle() does pass after pass
    while ((await store.transaction((trx) => pruneSettled(trx, bridge.id, 1_000_000_000, 1_000_000_000))) >= PRUNE_BATCH);
    await vacuumTransfers(store.db);
    await statistics.refresh();
    const pruneMs = performance.now() - pruneStarted;
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push(await judge());
    times.sort((a, b) => a - b);
    return { settled: options.settled, pending, msAt1MSettled: times[2]!, pruneMs, unprunedMs, seedSeconds };
  } finally {
    await store.close();
  }
}
