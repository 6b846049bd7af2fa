/**
 * `firebreak scan`: read every chain up to its confirmed head, then judge every bridge whose two
 * chains were both read. A chain nobody answers for is reported as unobservable and its bridges
 * as not judged — never as healthy.
 */
import { reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Config } from '../config/types.ts';
import type { ChainHeadState, SyncProgress } from '../chain/sync.ts';
import { createStore, type Store } from '../store/store.ts';
import { type BridgeJudgement, isHalted, judgeBridge } from '../watchers/bridge.ts';
import { createPriceBook } from '../watchers/prices.ts';
import { watchedOriginOf } from '../watchers/exploit/unbacked.ts';
import { wireChains } from './watch.ts';
import { createTableStatistics } from '../store/statistics.ts';

export interface ScanChain {
  head: number | null;
  headTimestamp: number | null;
  confirmed: number | null;
  confirmedTimestamp: number | null;
  /** index of the RPC in use (never its URL) */
  rpc: number;
  halted: boolean;
  unobservable: boolean;
  error?: string;
}

export type ScanBridge =
  | (BridgeJudgement & { judged: true })
  | { id: string; name: string; judged: false; reason: string; severity: null };

export interface ScanResult {
  at: string;
  chains: Record<string, ScanChain>;
  bridges: ScanBridge[];
}

export interface ScanOptions {
  config: Config;
  logger: Logger;
  /** an open store (tests); otherwise the configured one is opened and closed */
  store?: Store;
  onProgress?(progress: SyncProgress): void;
  now?: () => number;
  initialRange?: number;
  maxRange?: number;
  /** transient failures a chain rides out before it is reported as not read */
  maxRetries?: number;
  rpcTimeoutMs?: number;
  /** rows a bridge's pairing book holds before it writes them (tests) */
  maxHeld?: number;
}

export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const store = options.store ?? (await createStore(config.storage, logger));
  try {
    const { rpc, syncs, settle } = wireChains({ ...options, store });
    const heads: Record<string, ChainHeadState> = {};
    // keys in config order, whichever chain finishes first: the JSON is stable run to run
    const chains: Record<string, ScanChain> = Object.fromEntries(Object.keys(config.chains).map((name) => [name, undefined as unknown as ScanChain]));
    await Promise.all(
      Object.values(config.chains).map(async (chain) => {
        try {
          const head = await syncs[chain.name]!.catchUp();
          heads[chain.name] = head;
          chains[chain.name] = {
            head: head.head,
            headTimestamp: head.headTimestamp,
            confirmed: head.confirmed,
            confirmedTimestamp: head.confirmedTimestamp,
            rpc: head.rpc,
            halted: isHalted(head.headTimestamp, chain.haltedAfterMs, now()),
            unobservable: false,
          };
        } catch (error) {
          logger.error({ chain: chain.name, reason: reasonOf(error) }, 'chain could not be read');
          chains[chain.name] = {
            head: null,
            headTimestamp: null,
            confirmed: null,
            confirmedTimestamp: null,
            rpc: rpc[chain.name]!.current(),
            halted: false,
            unobservable: !rpc[chain.name]!.observable(),
            error: reasonOf(error),
          };
        }
      }),
    );
    const prices = createPriceBook({
      rpcFor: (chain) => rpc[chain]!,
      chainTime: (chain) => heads[chain]?.headTimestamp,
      logger,
    });
    const bridges: ScanBridge[] = [];
    // what the pass wrote, analyzed before the judgements read it (PGlite has no autovacuum)
    const statistics = createTableStatistics({ db: store.db, logger });
    for (const bridge of config.bridges) {
      const source = heads[bridge.source.chain];
      const destination = heads[bridge.destination.chain];
      if (!source || !destination) {
        const missing = [bridge.source.chain, bridge.destination.chain].filter((c) => !heads[c]);
        bridges.push({
          id: bridge.id,
          name: bridge.name,
          judged: false,
          reason: `not judged: ${missing.join(' and ')} could not be read`,
          severity: null,
        });
        continue;
      }
      await settle(bridge.id);
      await statistics.refresh();
      const judgement = await judgeBridge(store.db, {
        bridge,
        policy: config.severityPolicy,
        sourceChainTime: source.confirmedTimestamp,
        destinationHalted: chains[bridge.destination.chain]!.halted,
        priceOf: await prices.forBridge(bridge),
        // SPEC §5: the scan JSON lists every pending transfer
        list: 'all',
        watchedOrigin: watchedOriginOf(config, bridge),
        chainTime: (chain) => heads[chain]?.confirmedTimestamp,
      });
      for (const warning of judgement.warnings) logger.warn({ bridge: bridge.id }, warning);
      bridges.push({ ...judgement, judged: true });
    }
    return { at: new Date(now()).toISOString(), chains, bridges };
  } finally {
    if (!options.store) await store.close();
  }
}
