/**
 * Wires the chain side of the graph: one RPC client and one sync per configured chain, with the
 * log sources of every bridge that lives on it. Shared by `scan` (one pass) and `start`
 * (realtime).
 */
import type { Logger } from '../core/log.ts';
import type { Config } from '../config/types.ts';
import { createRpcClient, type RpcClient } from '../chain/rpc.ts';
import { type ChainSync, type LogSource, type SyncProgress, createChainSync } from '../chain/sync.ts';
import type { Store } from '../store/store.ts';
import { adminSources } from '../watchers/admin-sources.ts';
import { type BridgeSources, bridgeSources } from '../watchers/bridge-sources.ts';

export interface ChainWiring {
  rpc: Record<string, RpcClient>;
  syncs: Record<string, ChainSync>;
  /** write what a bridge's pairing book holds in memory; call before judging the bridge */
  settle(bridgeId: string): Promise<void>;
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
}

export function wireChains(options: ChainWiringOptions): ChainWiring {
  const { config, store, logger } = options;
  const rpc: Record<string, RpcClient> = {};
  const sourcesByChain = new Map<string, LogSource[]>();
  for (const name of Object.keys(config.chains)) sourcesByChain.set(name, []);
  const books = new Map<string, BridgeSources>();
  for (const bridge of config.bridges) {
    const sides = bridgeSources(bridge, logger, { maxHeld: options.maxHeld });
    books.set(bridge.id, sides);
    const { source, destination } = sides;
    sourcesByChain.get(bridge.source.chain)!.push(source);
    sourcesByChain.get(bridge.destination.chain)!.push(destination);
  }
  // "what changed": admin events of every configured contract, read with the bridges' logs
  for (const name of sourcesByChain.keys()) sourcesByChain.get(name)!.push(...adminSources(config, name, logger));
  const syncs: Record<string, ChainSync> = {};
  for (const chain of Object.values(config.chains)) {
    rpc[chain.name] = createRpcClient({
      chain: chain.name,
      urls: chain.rpc,
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
    });
  }
  async function settle(bridgeId: string): Promise<void> {
    const sides = books.get(bridgeId);
    if (sides?.dirty()) await store.transaction((trx) => sides.settle(trx));
  }
  return { rpc, syncs, settle };
}
