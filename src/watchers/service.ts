/**
 * Realtime watching: each chain polls its head every `pollIntervalMs`; a pass reads the new
 * confirmed blocks of every caught-up source (the tip follower) first, then gives backfills what is
 * left of a time budget. After every pass each bridge whose own two sides are read to their chains'
 * confirmed heads is judged again (SPEC §3: a bridge backfilling never delays the others).
 * A new-head subscription (WebSocket), when the chain's RPC offers one, only wakes the next pass
 * early: polling stays the source of truth (a slower safety net while the subscription is open),
 * and a chain's passes never overlap (wake-ups during a pass become one follow-up pass, started no
 * sooner than a block time after the previous one). A chain none of whose RPCs answers for
 * `unobservableAfter` is marked unobservable (never halted); a failed pass or a rate limit is not.
 */
import { reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { BridgeConfig, Config } from '../config/types.ts';
import { createHeadSubscription, type HeadSubscription, type HeadSubscriptionState } from '../chain/heads.ts';
import type { RpcClient } from '../chain/rpc.ts';
import type { ChainHeadState, ChainSync } from '../chain/sync.ts';
import { getChainStatus, saveChainStatus } from '../store/checkpoints.ts';
import type { Store } from '../store/store.ts';
import { type BridgeJudgement, isHalted, judgeBridge } from './bridge.ts';
import { createPriceBook } from './prices.ts';
import { createTableStatistics } from '../store/statistics.ts';
import { createBackingWatch } from './exploit/backing.ts';
import { watchedOriginOf } from './exploit/unbacked.ts';
import type { TokenPrice } from '../core/valuation.ts';

/** a provider's rate limit: the endpoint answered (RateLimitedError from src/chain/rpc.ts, anywhere in the causes) */
export function isRateLimited(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as Error).name === 'RateLimitedError' || (e as { code?: unknown }).code === 'rate_limited') return true;
  }
  return false;
}

/** time a pass spends on backfills after the tip (the tip is read again by the next pass) */
const BACKFILL_BUDGET_MS = 1_000;
/** the transfer tables' planner statistics are looked at most this often (before a judgement) */
const STATISTICS_CHECK_MS = 5_000;
/** price feeds are read again at most this often (and decimals() once per feed) */
const PRICE_REFRESH_MS = 15_000;

export interface ChainView {
  name: string;
  head: ChainHeadState | undefined;
  caughtUp: boolean;
  halted: boolean;
  unobservableSince: Date | null;
  lastError: string | null;
  rpc: number;
}

/**
 * The checkpoint keys of a bridge's own sources, per side (a preset side may read several events,
 * each its own source), and of its outflow limits, each on its limit's chain (in limit order).
 */
export interface SideKeys {
  source: string[];
  destination: string[];
  outflow: { chain: string; key: string }[];
}

export interface WatchServiceOptions {
  config: Config;
  store: Store;
  rpc: Record<string, RpcClient>;
  syncs: Record<string, ChainSync>;
  /** write what a bridge's pairing book holds in memory (the judgement reads the store) */
  settle(bridgeId: string): Promise<void>;
  /** the checkpoint keys of a bridge's own sources (undefined: not wired, never judged) */
  sideKeys(bridgeId: string): SideKeys | undefined;
  logger: Logger;
  now?: () => number;
  /** called with every fresh judgement of a bridge */
  onJudgement?(judgement: BridgeJudgement): void | Promise<void>;
  /** called after every pass of a chain (liveness: halted / unobservable) */
  onChainPass?(view: ChainView): void | Promise<void>;
  /** wake passes on new-head notifications (WebSocket) where the RPC offers them (default true) */
  headSubscriptions?: boolean;
}

/** One source's backfill as people see it (/healthz, /metrics, the dashboard). */
export interface BackfillView {
  chain: string;
  source: string;
  doneBlock: number;
  targetBlock: number;
  blocksDone: number;
  blocksTotal: number;
  blocksRemaining: number;
  percent: number;
  /** null until a rate is known */
  etaSeconds: number | null;
  /** caught up: read by the chain's tip follower */
  following: boolean;
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
  /** when the last pass started (passes are at least a block time apart) */
  lastPassAt: number;
  /** when an RPC of the chain last answered (unobservable only after `unobservableAfter` without) */
  lastAnswerAt: number;
  /** the last pass read backfill ranges: the next one follows right away */
  backfilled: boolean;
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
  const backing = createBackingWatch({ rpcFor: (chain) => rpc[chain]! });
  const staleFeeds = new Set<string>();
  let running = false;
  let judging: Promise<void> = Promise.resolve();
  // passes in flight: stop() waits for them, so nothing writes to a store being closed
  const inflight = new Set<Promise<void>>();
  function tracked(pass: Promise<void>): Promise<void> {
    inflight.add(pass);
    return pass.finally(() => inflight.delete(pass));
  }

  async function passChain(name: string, backfillBudgetMs = BACKFILL_BUDGET_MS): Promise<void> {
    const view = chains.get(name)!;
    const sync = syncs[name]!;
    const runner = runners.get(name)!;
    const chain = config.chains[name]!;
    let headRead = false;
    try {
      await sync.pollHead();
      headRead = true;
      runner.lastAnswerAt = now();
      view.head = sync.head();
      // the tip first, for every caught-up source; then the backfills, within a budget
      await sync.follow();
      view.head = sync.head();
      runner.backfilled = running ? (await sync.backfill(backfillBudgetMs)) > 0 : false;
      view.head = sync.head();
      view.caughtUp = sync.caughtUp();
      view.lastError = null;
      if (view.unobservableSince) logger.info({ chain: name }, 'chain observable again');
      view.unobservableSince = null;
    } catch (error) {
      view.lastError = reasonOf(error);
      view.caughtUp = sync.caughtUp();
      // a rate limit is an answer; so is any RPC error that reached an endpoint
      if (isRateLimited(error) || rpc[name]!.observable()) runner.lastAnswerAt = now();
      const silentMs = now() - runner.lastAnswerAt;
      if (!view.unobservableSince && silentMs >= chain.unobservableAfterMs) {
        view.unobservableSince = new Date(runner.lastAnswerAt);
        logger.error({ chain: name, reason: view.lastError, silentMs }, 'chain unobservable: no RPC answers');
        const stored = await getChainStatus(store.db, name).catch(() => undefined);
        if (stored) await saveChainStatus(store.db, { ...stored, unobservableSince: view.unobservableSince }).catch(() => {});
      } else logger.warn({ chain: name, reason: view.lastError, rateLimited: isRateLimited(error) || undefined }, 'chain pass failed; retrying');
    }
    view.rpc = rpc[name]!.current();
    // halted needs a head the RPC just answered with (a head we could not read is not a halted chain)
    if (headRead) view.halted = view.head !== undefined && !view.unobservableSince && isHalted(view.head.headTimestamp, chain.haltedAfterMs, now());
    else if (view.unobservableSince) view.halted = false;
    try {
      await options.onChainPass?.({ ...view });
    } catch (error) {
      logger.error({ chain: name, reason: reasonOf(error) }, 'chain liveness handling failed');
    }
  }

  /**
   * A bridge is judged once every one of its own sources is read to its chain's confirmed head;
   * other sources on those chains (another bridge backfilling) do not hold it back. No keys (a
   * bridge not wired, a side with no source) is never ready: nothing read is not "caught up".
   */
  function ready(bridge: Config['bridges'][number]): boolean {
    const keys = options.sideKeys(bridge.id);
    const source = chains.get(bridge.source.chain)!;
    const destination = chains.get(bridge.destination.chain)!;
    if (!keys || !source.head || !destination.head) return false;
    // the syncs' own answer: a view's caughtUp is from the end of its last pass, while its head is
    // renewed at the start of the next one
    return caughtUp(bridge.source.chain, keys.source) && caughtUp(bridge.destination.chain, keys.destination);
  }

  function caughtUp(chain: string, keys: string[]): boolean {
    const sync = syncs[chain];
    return sync !== undefined && keys.length > 0 && keys.every((key) => sync.caughtUp(key));
  }

  /** SPEC §11: a limit is judged only once its own source is read to its chain's confirmed head (else left out) */
  function outflowRead(bridge: BridgeConfig): (index: number) => boolean {
    const outflow = options.sideKeys(bridge.id)?.outflow ?? [];
    return (index) => {
      const limit = outflow[index];
      return limit !== undefined && caughtUp(limit.chain, [limit.key]);
    };
  }

  // judging reads the transfer tables with anti-joins: stale statistics make them quadratic
  const statistics = createTableStatistics({ db: store.db, logger });
  let statisticsCheckedAt = -Infinity;

  // one price book across passes, renewed every PRICE_REFRESH_MS; decimals() are read once per feed
  const decimals = new Map<string, number>();
  let prices: { book: ReturnType<typeof createPriceBook>; at: number } | undefined;
  function priceBook(): ReturnType<typeof createPriceBook> {
    if (!prices || now() - prices.at >= PRICE_REFRESH_MS) {
      prices = {
        at: now(),
        book: createPriceBook({
          rpcFor: (chain) => rpc[chain]!,
          chainTime: (chain) => chains.get(chain)?.head?.headTimestamp,
          logger,
          staleFeeds,
          decimals,
        }),
      };
    }
    return prices.book;
  }

  async function judgeAll(): Promise<void> {
    const prices = priceBook();
    if (now() - statisticsCheckedAt >= STATISTICS_CHECK_MS) {
      statisticsCheckedAt = now();
      await statistics.refresh();
    }
    for (const bridge of config.bridges) {
      const source = chains.get(bridge.source.chain)!;
      const destination = chains.get(bridge.destination.chain)!;
      // SPEC §3: no verdict until the bridge's two sides are read to their chains' confirmed heads.
      // The source head is taken before the check: its chain's next pass may renew it while this
      // judgement awaits, and ages or an unbacked cutoff measured against a head the source is not
      // read to would count releases whose deposits are simply not read yet (a false S0).
      const sourceHead = source.head;
      if (!sourceHead || !ready(bridge)) continue;
      try {
        await options.settle(bridge.id);
        // settling awaited: a reorg handled meanwhile takes rows back until they are read again
        if (!ready(bridge)) continue;
        const priceOf = await prices.forBridge(bridge);
        const judgement = await judgeBridge(store.db, {
          bridge,
          policy: config.severityPolicy,
          sourceChainTime: sourceHead.confirmedTimestamp,
          destinationHalted: destination.halted,
          priceOf,
          watchedOrigin: watchedOriginOf(config, bridge),
          chainTime: (chain) => chains.get(chain)?.head?.confirmedTimestamp,
          outflowRead: outflowRead(bridge),
        });
        await readBacking(bridge, judgement, priceOf);
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

  /** SPEC §11 backing: read at the heads of this pass; a failed read is logged, never a verdict */
  async function readBacking(bridge: BridgeConfig, judgement: BridgeJudgement, priceOf: (token: string | null) => TokenPrice | undefined): Promise<void> {
    const source = chains.get(bridge.source.chain)?.head;
    const destination = chains.get(bridge.destination.chain)?.head;
    if (!bridge.backing?.length || !source || !destination) return;
    try {
      judgement.backing = await backing.judge(store.db, bridge, { sourceHead: source.head, destinationConfirmed: destination.confirmed }, priceOf);
    } catch (error) {
      logger.warn({ bridge: bridge.id, reason: reasonOf(error) }, 'backing could not be read; no backing verdict this pass');
    }
  }

  /** first sighting of each source's backfill this run: the rate (and ETA) is measured from there */
  const backfillStarts = new Map<string, { at: number; block: number }>();
  function backfill(): BackfillView[] {
    const out: BackfillView[] = [];
    for (const [name, sync] of Object.entries(syncs)) {
      const progress = sync.progress?.();
      if (!progress) continue;
      for (const source of progress.sources) {
        const key = `${name}|${source.source}`;
        let start = backfillStarts.get(key);
        if (!start) backfillStarts.set(key, (start = { at: now(), block: source.doneBlock }));
        const total = Math.max(0, source.targetBlock - source.startBlock);
        const done = Math.max(0, Math.min(total, source.doneBlock - source.startBlock));
        const remaining = Math.max(0, source.targetBlock - source.doneBlock);
        const rate = (source.doneBlock - start.block) / Math.max(0.001, (now() - start.at) / 1000);
        out.push({
          chain: name,
          source: source.source,
          doneBlock: source.doneBlock,
          targetBlock: source.targetBlock,
          blocksDone: done,
          blocksTotal: total,
          blocksRemaining: remaining,
          percent: total === 0 ? 100 : Math.floor((done / total) * 1000) / 10,
          etaSeconds: remaining === 0 ? 0 : rate > 0 ? Math.round(remaining / rate) : null,
          following: source.following,
        });
      }
    }
    return out;
  }

  const runners = new Map<string, Runner>(
    [...chains.keys()].map((name) => [
      name,
      { timer: undefined, busy: false, again: false, notified: 0, lagRetried: 0, wakeups: 0, unannounced: 0, subscription: undefined, lastPassAt: 0, lastAnswerAt: now(), backfilled: false },
    ]),
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
        // coalesced wake-ups: at most one pass in flight, and no sooner than a block time after the
        // last, unless a block it has not read was announced (waiting would only delay detection:
        // a timer pass just before a block held its detection back by up to a block time)
        // nor while a backfill runs: each pass reads the tip first, then backfills for a budget
        const announced = runner.notified > (chains.get(name)!.head?.head ?? Number.POSITIVE_INFINITY);
        const gap = announced || backfilling(name) ? 0 : minGapMs(name) - (now() - runner.lastPassAt);
        if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap));
        if (!running) return;
        runner.again = false;
        runner.lastPassAt = now();
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

  /** the chain's block time (as measured), not above its poll interval */
  function minGapMs(name: string): number {
    const interval = config.chains[name]!.pollIntervalMs;
    const seconds = syncs[name]!.secondsPerBlock?.();
    return seconds === undefined ? 0 : Math.min(interval, Math.round(seconds * 1000));
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
    // a backfill still running continues right away, not a block time later (on a 12 s chain that
    // read for 1 s in 12); not a timer pass: the subscription's silence is judged by those
    const byTimer = !backfilling(name);
    runner.timer = setTimeout(
      () => {
        runner.timer = undefined;
        wake(name, byTimer);
      },
      byTimer ? delay : 0,
    );
  }

  /** the chain answers and its last pass moved a backfill on (one with nothing to read waits its turn) */
  function backfilling(name: string): boolean {
    const view = chains.get(name)!;
    return runners.get(name)!.backfilled && !view.caughtUp && !view.lastError && view.head !== undefined;
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
      // a round reads everything there is (no backfill budget)
      await Promise.all([...chains.keys()].map((name) => passChain(name, Number.POSITIVE_INFINITY)));
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
    /** per-source backfill progress: blocks done/total, percent, ETA */
    backfill,
  };
}

export type WatchService = ReturnType<typeof createWatchService>;
