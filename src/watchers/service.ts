/**
 * Realtime watching: each chain polls its head every `pollIntervalMs` and reads new confirmed
 * blocks; after every pass the bridges whose two chains are both caught up are judged again.
 * A chain whose RPCs all fail is marked unobservable (never halted); it keeps being retried.
 */
import { reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Config } from '../config/types.ts';
import type { RpcClient } from '../chain/rpc.ts';
import type { ChainHeadState, ChainSync } from '../chain/sync.ts';
import { getChainStatus, saveChainStatus } from '../store/checkpoints.ts';
import type { Store } from '../store/store.ts';
import { type BridgeJudgement, isHalted, judgeBridge } from './bridge.ts';
import { createPriceBook } from './prices.ts';

export interface ChainView {
  name: string;
  head: ChainHeadState | undefined;
  caughtUp: boolean;
  halted: boolean;
  unobservableSince: Date | null;
  lastError: string | null;
  rpc: number;
}

export interface WatchServiceOptions {
  config: Config;
  store: Store;
  rpc: Record<string, RpcClient>;
  syncs: Record<string, ChainSync>;
  logger: Logger;
  now?: () => number;
  /** called with every fresh judgement of a bridge */
  onJudgement?(judgement: BridgeJudgement): void | Promise<void>;
  /** called after every pass of a chain (liveness: halted / unobservable) */
  onChainPass?(view: ChainView): void | Promise<void>;
}

export function createWatchService(options: WatchServiceOptions) {
  const { config, store, rpc, syncs, logger } = options;
  const now = options.now ?? Date.now;
  const chains = new Map<string, ChainView>(
    Object.keys(config.chains).map((name) => [
      name,
      { name, head: undefined, caughtUp: false, halted: false, unobservableSince: null, lastError: null, rpc: 0 },
    ]),
  );
  const judgements = new Map<string, BridgeJudgement>();
  const staleFeeds = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let running = false;
  let judging: Promise<void> = Promise.resolve();
  // passes in flight: stop() waits for them, so nothing writes to a store being closed
  const inflight = new Set<Promise<void>>();
  function tracked(pass: Promise<void>): Promise<void> {
    inflight.add(pass);
    return pass.finally(() => inflight.delete(pass));
  }

  async function passChain(name: string): Promise<void> {
    const view = chains.get(name)!;
    const sync = syncs[name]!;
    try {
      await sync.pollHead();
      for (let i = 0; i < 50 && running; i++) if (await sync.step()) break;
      view.head = sync.head();
      view.caughtUp = sync.caughtUp();
      view.lastError = null;
      if (view.unobservableSince) logger.info({ chain: name }, 'chain observable again');
      view.unobservableSince = null;
    } catch (error) {
      view.lastError = reasonOf(error);
      if (!rpc[name]!.observable() && !view.unobservableSince) {
        view.unobservableSince = new Date(now());
        logger.error({ chain: name, reason: view.lastError }, 'chain unobservable: no RPC answers');
        const stored = await getChainStatus(store.db, name).catch(() => undefined);
        if (stored) await saveChainStatus(store.db, { ...stored, unobservableSince: view.unobservableSince }).catch(() => {});
      } else logger.warn({ chain: name, reason: view.lastError }, 'chain pass failed; retrying');
    }
    view.rpc = rpc[name]!.current();
    view.halted = view.head !== undefined && !view.unobservableSince && isHalted(view.head.headTimestamp, config.chains[name]!.haltedAfterMs, now());
    try {
      await options.onChainPass?.({ ...view });
    } catch (error) {
      logger.error({ chain: name, reason: reasonOf(error) }, 'chain liveness handling failed');
    }
  }

  async function judgeAll(): Promise<void> {
    const prices = createPriceBook({
      rpcFor: (chain) => rpc[chain]!,
      chainTime: (chain) => chains.get(chain)?.head?.headTimestamp,
      logger,
      staleFeeds,
    });
    for (const bridge of config.bridges) {
      const source = chains.get(bridge.source.chain)!;
      const destination = chains.get(bridge.destination.chain)!;
      // SPEC §3: no verdict until both chains are read to their confirmed heads
      if (!source.caughtUp || !destination.caughtUp || !source.head) continue;
      try {
        const judgement = await judgeBridge(store.db, {
          bridge,
          policy: config.severityPolicy,
          sourceChainTime: source.head.confirmedTimestamp,
          destinationHalted: destination.halted,
          priceOf: await prices.forBridge(bridge),
        });
        judgements.set(bridge.id, judgement);
        try {
          await options.onJudgement?.(judgement);
        } catch (error) {
          logger.error({ bridge: bridge.id, reason: reasonOf(error) }, 'handling a judgement failed');
        }
      } catch (error) {
        logger.error({ bridge: bridge.id, reason: reasonOf(error) }, 'bridge judgement failed');
      }
    }
  }

  function loop(name: string): void {
    if (!running) return;
    const interval = config.chains[name]!.pollIntervalMs;
    const timer = setTimeout(async () => {
      timers.delete(timer);
      await tracked(passChain(name));
      if (!running) return;
      judging = judging.then(judgeAll, judgeAll);
      await judging;
      loop(name);
    }, interval);
    timers.add(timer);
  }

  return {
    start(): void {
      if (running) return;
      running = true;
      for (const name of chains.keys()) {
        void tracked(passChain(name)).then(() => {
          if (!running) return;
          judging = judging.then(judgeAll, judgeAll);
          loop(name);
        });
      }
    },
    async stop(): Promise<void> {
      running = false;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...inflight]);
      await judging.catch(() => {});
    },
    /** one synchronous round (tests, `--once` flows): every chain, then every bridge */
    async tick(): Promise<void> {
      const wasRunning = running;
      running = true;
      await Promise.all([...chains.keys()].map(passChain));
      running = wasRunning;
      await judgeAll();
    },
    chains: (): ChainView[] => [...chains.values()],
    judgements: (): BridgeJudgement[] => [...judgements.values()],
  };
}

export type WatchService = ReturnType<typeof createWatchService>;
