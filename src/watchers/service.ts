/**
 * Realtime watching: each chain polls its head every `pollIntervalMs` and reads new confirmed
 * blocks; after every pass the bridges whose two chains are both caught up are judged again.
 * A new-head subscription (WebSocket), when the chain's RPC offers one, only wakes the next pass
 * early: polling stays the source of truth (a slower safety net while the subscription is open),
 * and a chain's passes never overlap (wake-ups during a pass become one follow-up pass). A chain
 * whose RPCs all fail is marked unobservable (never halted); it keeps being retried.
 */
import { reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Config } from '../config/types.ts';
import { createHeadSubscription, type HeadSubscription, type HeadSubscriptionState } from '../chain/heads.ts';
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
  /** write what a bridge's pairing book holds in memory (the judgement reads the store) */
  settle(bridgeId: string): Promise<void>;
  logger: Logger;
  now?: () => number;
  /** called with every fresh judgement of a bridge */
  onJudgement?(judgement: BridgeJudgement): void | Promise<void>;
  /** called after every pass of a chain (liveness: halted / unobservable) */
  onChainPass?(view: ChainView): void | Promise<void>;
  /** wake passes on new-head notifications (WebSocket) where the RPC offers them (default true) */
  headSubscriptions?: boolean;
}

export interface ChainHeadsView extends HeadSubscriptionState {
  name: string;
  /** passes started early by a notification */
  wakeups: number;
  /** a pass (or its judgement) is running */
  passing: boolean;
}

/** One chain's pass scheduling: a poll timer, a subscription, and the no-overlap bookkeeping. */
interface Runner {
  timer: NodeJS.Timeout | undefined;
  busy: boolean;
  again: boolean;
  /** highest head number notified; a pass that read less retries once soon (a lagging HTTP node) */
  notified: number;
  lagRetried: number;
  wakeups: number;
  /** timer passes in a row that found blocks no notification announced */
  unannounced: number;
  subscription: HeadSubscription | undefined;
}

/** delay of the quick retry when the notified head is not yet served over HTTP */
const LAGGING_RETRY_MS = 50;
/**
 * While a subscription is open the poll timer is a safety net, run this many times less often: a
 * pass running when a head arrives delays that head's pass, and every poll is an RPC call. Two
 * timer passes in a row finding blocks that no notification announced mean a silent socket: it is
 * replaced, and polling runs at the full rate until the new one is open.
 */
const SUBSCRIBED_POLL_FACTOR = 4;
const SILENT_AFTER_PASSES = 2;

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
        await options.settle(bridge.id);
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

  const runners = new Map<string, Runner>(
    [...chains.keys()].map((name) => [name, { timer: undefined, busy: false, again: false, notified: 0, lagRetried: 0, wakeups: 0, unannounced: 0, subscription: undefined }]),
  );

  /** run the chain's pass now, or once more right after the one in progress */
  function wake(name: string, byTimer = false): void {
    const runner = runners.get(name)!;
    if (!running) return;
    if (runner.busy) {
      runner.again = true;
      return;
    }
    clearTimeout(runner.timer);
    runner.timer = undefined;
    runner.busy = true;
    void tracked(cycle(name, runner, byTimer));
  }

  async function cycle(name: string, runner: Runner, byTimer: boolean): Promise<void> {
    try {
      do {
        runner.again = false;
        const before = chains.get(name)!.head?.head;
        await passChain(name);
        if (byTimer) checkSilence(name, runner, before);
        byTimer = false;
        if (!running) return;
        judging = judging.then(judgeAll, judgeAll);
        await judging;
      } while (runner.again && running);
    } finally {
      runner.busy = false;
      schedule(name, runner);
    }
  }

  function schedule(name: string, runner: Runner): void {
    if (!running) return;
    const interval = config.chains[name]!.pollIntervalMs;
    const view = chains.get(name)!;
    let delay = runner.subscription?.state().subscribed ? interval * SUBSCRIBED_POLL_FACTOR : interval;
    if (runner.notified > (view.head?.head ?? 0) && runner.notified !== runner.lagRetried && !view.lastError) {
      runner.lagRetried = runner.notified;
      delay = Math.min(LAGGING_RETRY_MS, interval);
    }
    runner.timer = setTimeout(() => {
      runner.timer = undefined;
      wake(name, true);
    }, delay);
  }

  function checkSilence(name: string, runner: Runner, before: number | undefined): void {
    const head = chains.get(name)!.head?.head;
    const subscription = runner.subscription;
    if (!subscription?.state().subscribed || before === undefined || head === undefined) return;
    const unannounced = head > before && head > runner.notified;
    runner.unannounced = unannounced ? runner.unannounced + 1 : 0;
    if (runner.unannounced < SILENT_AFTER_PASSES) return;
    logger.warn({ chain: name, rpc: subscription.state().rpc, head, notified: runner.notified }, 'head subscription silent; reconnecting');
    runner.unannounced = 0;
    void tracked(subscription.stop());
    subscribe(name, runner);
  }

  function subscribe(name: string, runner: Runner): void {
    runner.subscription = createHeadSubscription({
      chain: name,
      urls: config.chains[name]!.rpc,
      logger,
      onHead(head) {
        runner.notified = Math.max(runner.notified, head.number);
        if (!runner.busy) runner.wakeups++;
        wake(name);
      },
      // back to the full poll rate now, and a pass for what the dying socket may have swallowed
      onLost: () => wake(name),
    });
    runner.subscription.start();
  }

  return {
    start(): void {
      if (running) return;
      running = true;
      for (const [name, runner] of runners) {
        if (options.headSubscriptions !== false) subscribe(name, runner);
        wake(name);
      }
    },
    async stop(): Promise<void> {
      running = false;
      const closing: Promise<void>[] = [];
      for (const runner of runners.values()) {
        clearTimeout(runner.timer);
        runner.timer = undefined;
        // kept (closed) so that heads() still reports what it delivered
        if (runner.subscription) closing.push(runner.subscription.stop());
      }
      await Promise.allSettled([...inflight, ...closing]);
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
    /** new-head subscriptions per chain (not subscribed: polling only) */
    heads: (): ChainHeadsView[] =>
      [...runners].map(([name, runner]) => ({
        name,
        ...(runner.subscription?.state() ?? { subscribed: false, rpc: null, notifications: 0 }),
        wakeups: runner.wakeups,
        passing: runner.busy,
      })),
    judgements: (): BridgeJudgement[] => [...judgements.values()],
  };
}

export type WatchService = ReturnType<typeof createWatchService>;
