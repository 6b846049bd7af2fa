/**
 * Wires the chain side of the graph: one RPC client and one sync per configured chain, with the
 * log sources of every bridge that lives on it. Shared by `scan` (one pass) and `start`
 * (realtime).
 */
import type { Logger } from '../core/log.ts';
import type { BridgeConfig, Config } from '../config/types.ts';
import { createRpcClient, type RpcClient } from '../chain/rpc.ts';
import { type ChainSync, type LogSource, type SyncProgress, createChainSync } from '../chain/sync.ts';
import type { Store } from '../store/store.ts';
import { adminSources } from '../watchers/admin-sources.ts';
import { outflowSourceKey, outflowSources } from '../watchers/exploit/outflow.ts';
import { type BridgeSources, bridgeSources, createPairPruner } from '../watchers/bridge-sources.ts';
import { presetNamed } from '../core/presets/index.ts';
import { presetSources } from '../watchers/preset-sources.ts';
import { createTableStatistics } from '../store/statistics.ts';
import type { SideKeys } from '../watchers/service.ts';

export interface ChainWiring {
  rpc: Record<string, RpcClient>;
  syncs: Record<string, ChainSync>;
  /** write what a bridge's pairing book holds in memory; call before judging the bridge */
  settle(bridgeId: string): Promise<void>;
  /** the checkpoint keys of a bridge's own sources (caughtUp(key) on their chains' syncs); undefined: no such bridge */
  sideKeys(bridgeId: string): SideKeys | undefined;
}

export interface ChainWiringOptions {
  config: Config;
  store: Store;
  logger: Logger;
  onProgress?(progress: SyncProgress): void;
  /** eth_getLogs range tuning (benchmarks, tests) */
  initialRange?: number;
  maxRange?: number;
  maxRetries?: number;
  /** per-request RPC timeout (a provider that never answers is left after this) */
  rpcTimeoutMs?: number;
  /** rows a bridge's pairing book holds in memory before it writes them */
  maxHeld?: number;
  /** a backfill's held ranges are committed at least this often (default 30 s) or every so many ranges */
  commitEveryMs?: number;
  commitEveryRanges?: number;
  /** fixed reorg window in blocks (benchmarks); otherwise from each chain's finality */
  reorgWindow?: number;
}

export function wireChains(options: ChainWiringOptions): ChainWiring {
  const { config, store, logger } = options;
  const rpc: Record<string, RpcClient> = {};
  const sourcesByChain = new Map<string, LogSource[]>();
  for (const name of Object.keys(config.chains)) sourcesByChain.set(name, []);
  const books = new Map<string, BridgeSources>();
  const keys = new Map<string, SideKeys>();
  /** preset bridges (no pairing book): pruned at settle from their chains' final blocks */
  const presetBridges = new Map<string, { bridge: BridgeConfig; prune: ReturnType<typeof createPairPruner>; wrote: boolean }>();
  const syncs: Record<string, ChainSync> = {};
  // a chain's head as its sync last read it (the syncs are made below, after their sources)
  const sourceClockOf = (chain: string) => () => syncs[chain]?.head()?.headTimestamp;
  for (const bridge of config.bridges) {
    // SPEC §11 outflow limits: one source per limit, on the limit's chain (made below with the others)
    const outflow = (bridge.limits ?? []).map((limit, index) => ({ chain: limit.chain, key: outflowSourceKey(bridge.id, index) }));
    if (bridge.preset) {
      // SPEC §10: a preset's sides read every event it knows (no pairing book), several sources a side
      const chainIds = { source: config.chains[bridge.source.chain]!.chainId, destination: config.chains[bridge.destination.chain]!.chainId };
      const own: SideKeys = { source: [], destination: [], outflow };
      const entry = {
        bridge,
        prune: createPairPruner(store, bridge.id, logger.child({ bridge: bridge.id }), { occurrence: presetNamed(bridge.preset.name)?.keying === 'occurrence' }),
        // rows written since the settle last looked at planner statistics (the first settle looks)
        wrote: true,
      };
      for (const { chain, side, source } of presetSources(bridge, chainIds, logger, sourceClockOf(bridge.source.chain))) {
        const ingest = source.ingest;
        sourcesByChain.get(chain)!.push({
          ...source,
          async ingest(trx, logs, range) {
            await ingest(trx, logs, range);
            if (logs.length > 0) entry.wrote = true;
          },
        });
        own[side].push(source.key);
      }
      keys.set(bridge.id, own);
      presetBridges.set(bridge.id, entry);
      continue;
    }
    const sides = bridgeSources(bridge, logger, {
      maxHeld: options.maxHeld,
      commitEveryMs: options.commitEveryMs,
      commitEveryRanges: options.commitEveryRanges,
      sourceClock: sourceClockOf(bridge.source.chain),
    });
    books.set(bridge.id, sides);
    const { source, destination } = sides;
    keys.set(bridge.id, { source: [source.key], destination: [destination.key], outflow });
    sourcesByChain.get(bridge.source.chain)!.push(source);
    sourcesByChain.get(bridge.destination.chain)!.push(destination);
  }
  // "what changed": admin events of every configured contract, read with the bridges' logs
  for (const name of sourcesByChain.keys()) sourcesByChain.get(name)!.push(...adminSources(config, name, logger));
  // SPEC §11 outflow limits: transfers out of watched escrows
  for (const name of sourcesByChain.keys()) sourcesByChain.get(name)!.push(...outflowSources(config, name, logger));
  for (const chain of Object.values(config.chains)) {
    rpc[chain.name] = createRpcClient({
      chain: chain.name,
      urls: chain.rpc,
      chainId: chain.chainId,
      logger: logger.child({ chain: chain.name }),
      timeoutMs: options.rpcTimeoutMs,
    });
    syncs[chain.name] = createChainSync({
      chain,
      rpc: rpc[chain.name]!,
      store,
      sources: sourcesByChain.get(chain.name)!,
      logger,
      onProgress: options.onProgress,
      initialRange: options.initialRange,
      maxRange: options.maxRange,
      maxRetries: options.maxRetries,
      reorgWindow: options.reorgWindow,
    });
  }
  // a commit can write a backfill's worth of rows at once: the prune after it needs fresh statistics
  const statistics = createTableStatistics({ db: store.db, logger });
  async function settle(bridgeId: string): Promise<void> {
    const sides = books.get(bridgeId);
    if (sides) return sides.settle(store, { wrote: () => statistics.refresh() });
    const preset = presetBridges.get(bridgeId);
    if (!preset) return;
    // a preset writes its events as they are read (a backfill's worth since the last look, maybe);
    // nothing written since the last look: the service's own periodic look is enough
    if (preset.wrote) {
      preset.wrote = false;
      await statistics.refresh();
    }
    const finalOf = (chain: string) => syncs[chain]?.head()?.finalized ?? -1;
    await preset.prune({ source: finalOf(preset.bridge.source.chain), destination: finalOf(preset.bridge.destination.chain) });
  }
  return { rpc, syncs, settle, sideKeys: (bridgeId) => keys.get(bridgeId) };
}
