/**
 * Log sync for one chain, split the way Ponder splits historical and realtime sync:
 *
 * - a **tip follower**, shared by every source that has caught up: one `eth_getLogs` over all their
 *   addresses and events per new confirmed range, so ten bridges cost what one costs;
 * - a **backfill** per group of sources that are behind (sources with the same checkpoint read
 *   together), in ranges that adapt to the provider and to the density of the history, with the
 *   next ranges prefetched. A backfill reads up to the follower's block and joins it there.
 *
 * The follower is read first on every pass; backfills get what is left of a time budget
 * (`backfill(budgetMs)`), so a bridge added with years of history never delays the others. Each
 * range's rows and checkpoints are committed in one transaction (a source that holds its logs in
 * memory commits them itself, at least every commit interval), so a restart resumes where it
 * stopped. Only confirmed blocks are read (head − confirmations, or the node's safe/finalized
 * block). A reorg is noticed by parent hash (the first block of a range must build on the
 * checkpointed block) and, when the head changed in place, by re-checking checkpointed hashes; the
 * fork point is found from stored headers and everything above it is rolled back and read again.
 */
import { FirebreakError, RetryableError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { ChainConfig } from '../config/types.ts';
import {
  type Checkpoint,
  deleteHeadersAbove,
  getChainStatus,
  getCheckpoints,
  pruneHeaders,
  recentHeaders,
  saveChainStatus,
  saveCheckpoint,
  saveCheckpoints,
  saveHeaders,
} from '../store/checkpoints.ts';
import type { Db, Store } from '../store/store.ts';
import { type BlockHeader, type RawLog, getHead, getHeaders, getLogs } from './blocks.ts';
import { RangeTooLargeError, type RpcClient } from './rpc.ts';

/** logs per eth_getLogs response the range size aims at (see createChainSync) */
const DEFAULT_TARGET_LOGS = 2_500;
/** Ranges requested ahead of the one being processed during a backfill. */
const PREFETCH_DEPTH = 2;
/** final ranges nobody writes for: their checkpoints and edge headers are saved at least this often */
export const QUIET_RANGES_KEPT = 32;
const QUIET_KEPT_MS = 30_000;
/** polled heads kept below the latest (ranges end `confirmations` below it) */
const POLLED_HEADS_KEPT = 128;

/** Blocks below the head where a reorg is still looked for (finality `confirmations`), at least. */
export const REORG_WINDOW = 256;
/** ... and at least this much chain time: 256 blocks are 51 min on Ethereum but 64 s on Arbitrum. */
export const REORG_WINDOW_SECONDS = 300;
/**
 * Ranges accepted at the range ceiling before one range at twice it is tried. Providers' caps move
 * (a refusal under load, a failover endpoint with a larger cap, a plan upgraded): probing after a
 * count of ranges recovers within minutes of a backfill, where the former fixed 30-minute expiry
 * left it crawling at the low cap meanwhile (and then jumped to maxRange, costing a run of
 * refusals). A refused probe costs one request; the next waits for as many accepted ranges again.
 */
export const CEILING_PROBE_AFTER = 32;

/** The reorg window in blocks for `confirmations` finality, given the chain's seconds per block. */
export function reorgWindowBlocks(confirmations: number, secondsPerBlock: number | undefined): number {
  const byTime = secondsPerBlock && secondsPerBlock > 0 ? Math.ceil(REORG_WINDOW_SECONDS / secondsPerBlock) : 0;
  // a chain that mints several blocks per second would otherwise ask for a window of days of headers
  return Math.max(REORG_WINDOW, confirmations + 1, Math.min(byTime, 20_000));
}

/** One contract event read on this chain (a bridge side, an admin-event watcher…). */
export interface LogSource {
  /** checkpoint key, e.g. `bridge:acme:source` */
  key: string;
  /** lower-case */
  address: string;
  topic0: string;
  /**
   * only logs whose topics[1] (the first indexed argument) is this 32-byte word, lower-case: asked
   * of eth_getLogs, so a busy contract's other logs never cross the wire (e.g. Transfers from one holder)
   */
  topic1?: string;
  fromBlock: number;
  /** what is read (address, event, fromBlock): when it changes the source starts over */
  fingerprint: string;
  /**
   * an earlier form of the same fingerprint: a checkpoint stored under it is kept (and saved under
   * the new one), so an upgrade that only re-spells fingerprints does not read histories again
   */
  legacyFingerprint?: string;
  /**
   * store what these logs mean; runs inside the range's transaction, for every range the source
   * does not hold (also an empty one, unless `quietWhenEmpty`)
   */
  ingest(trx: Db, logs: RawLog[], range: IngestRange): Promise<void>;
  /**
   * asked first, outside any transaction: true when the source keeps the range in memory instead
   * (through `range.afterCommit`, so a failed transaction leaves nothing behind) and saves
   * `range.checkpoint` itself when it writes it (`commit`); the sync then leaves the stored
   * checkpoint where it is and does not call `ingest`
   */
  hold?(logs: RawLog[], range: IngestRange): boolean;
  /**
   * an empty range changes nothing this source stores: below the reorg window its checkpoint may
   * wait for a later write (a range nobody writes for needs no transaction of its own; what a crash
   * loses of it is read again, and it was empty)
   */
  quietWhenEmpty?: boolean;
  /** a source that holds ranges: whether it is time to commit them (size, commit interval) */
  commitDue?(): boolean;
  /** write what the source holds, in a transaction of its own (before a rollback: `pair: false`) */
  commit?(store: Store, options?: { pair?: boolean }): Promise<void>;
  /** forget everything read above `block` (a reorg took it back) */
  rollback(trx: Db, block: number): Promise<void>;
  /** forget everything (the source's configuration changed) */
  reset(trx: Db): Promise<void>;
}

export interface IngestRange {
  /** the checkpoint this range brings the source to */
  checkpoint: Checkpoint;
  /** the highest block below the reorg window (or the node's finalized block): what is read up to here is final */
  finalBlock: number;
  /** run `fn` once the range's transaction has committed (never when it failed) */
  afterCommit(fn: () => void): void;
}

export interface ChainHeadState {
  chain: string;
  head: number;
  headTimestamp: number;
  confirmed: number;
  confirmedTimestamp: number;
  confirmedHash: string;
  /** the highest block regarded final (below the reorg window, or the node's finalized block) */
  finalized: number;
  rpc: number;
}

/** One source's backfill, for progress reports (blocks, percent, ETA are derived from these). */
export interface SourceProgress {
  source: string;
  /** the block before the source's fromBlock: its history runs from here to the target */
  startBlock: number;
  doneBlock: number;
  targetBlock: number;
  /** caught up: read by the tip follower */
  following: boolean;
}

export interface SyncProgress {
  chain: string;
  /** where the chain's histories start (the lowest over its sources) */
  startBlock: number;
  /** the lowest checkpoint over the chain's sources */
  doneBlock: number;
  targetBlock: number;
  sources: SourceProgress[];
}

export interface ReorgEvent {
  chain: string;
  /** the highest block both forks share */
  forkBlock: number;
  /** the checkpoint that turned out not to be canonical */
  fromBlock: number;
}

export interface ChainSyncOptions {
  chain: ChainConfig;
  rpc: RpcClient;
  store: Store;
  sources: LogSource[];
  logger: Logger;
  initialRange?: number;
  maxRange?: number;
  /** logs per response the range size aims at */
  targetLogs?: number;
  /** fixed reorg window in blocks (tests, benchmarks); otherwise derived from the chain's finality */
  reorgWindow?: number;
  /** consecutive transient failures catchUp() rides out before giving up */
  maxRetries?: number;
  onProgress?(progress: SyncProgress): void;
  onReorg?(event: ReorgEvent): void;
  now?: () => number;
}

export interface ChainSync {
  readonly chain: string;
  /** read the head and derive the confirmed head */
  pollHead(): Promise<ChainHeadState>;
  /** read one range (follower first, then one backfill range) or handle one reorg; true when every source is at the confirmed head */
  step(): Promise<boolean>;
  /** read the follower up to the confirmed head of the last poll (backfills wait) */
  follow(): Promise<void>;
  /** backfill ranges until `budgetMs` is spent or every source follows the tip; the ranges read */
  backfill(budgetMs: number): Promise<number>;
  /** pollHead, then steps until every source has reached the confirmed head seen by that poll */
  catchUp(signal?: AbortSignal): Promise<ChainHeadState>;
  /** last head seen, undefined before the first poll */
  head(): ChainHeadState | undefined;
  /** every source (or the one named) has read up to the confirmed head of the last poll */
  caughtUp(source?: string): boolean;
  /** per-source backfill figures */
  progress(): SyncProgress | undefined;
  /** the block range the follower (or the named source's backfill) asks for next */
  rangeSize(source?: string): number;
  /** seconds per block, as measured on the chain (undefined until known) */
  secondsPerBlock(): number | undefined;
}

/** A group of sources read together: the follower, or one backfill. */
interface Lane {
  key: string;
  sources: LogSource[];
  /** the last block every source of the lane has read */
  at: number;
  /** the lane does not read past this block */
  cap: number;
  follower: boolean;
}

interface Sizing {
  range: number;
  largestAccepted: number;
  /** light answers in a row (under an eighth of the target): only after two does a range grow 8× */
  light: number;
}

type RangeRead = [BlockHeader[], RawLog[] | RangeTooLargeError];

/** what the provider told us about its limit (fields the RPC client adds where the provider says) */
interface RangeRefusal {
  suggested?: { from: number; to: number };
  maxBlocks?: number;
  byResults?: boolean;
}

export function createChainSync(options: ChainSyncOptions): ChainSync {
  const { chain, rpc, store, sources, logger } = options;
  const log = logger.child({ chain: chain.name });
  const now = options.now ?? Date.now;
  const maxRange = options.maxRange ?? 50_000;
  // a quarter of the usual 10,000-result cap: a denser stretch rarely crosses it (no refused round
  // trip), and a node serves such responses for much less CPU per log than big ones (anvil, over the
  // ingest benchmark's traffic: less than half at 2–3k logs than at 10k) while prefetching keeps it
  // busy; the extra calls are few (a backfill of 10M logs makes 4,000)
  const targetLogs = options.targetLogs ?? DEFAULT_TARGET_LOGS;
  // small at first: nothing is known of the density yet (a blind 16 blocks of a dense history is a
  // 16k-log answer); a sparse history grows 2×, then 8× per range (see `accepted`)
  const initialRange = Math.min(options.initialRange ?? 2, maxRange);
  /** below the smallest range the provider refused for its block count (chain-wide) */
  let ceiling = maxRange;
  /** ranges accepted at the ceiling since it moved or was last probed: a probe is due at CEILING_PROBE_AFTER */
  let atCeiling = 0;
  const sizings = new Map<string, Sizing>();
  let headState: ChainHeadState | undefined;
  /** the latest header of the last poll (its parent hash is known: a range ending there need not read it again) */
  let latestHeader: BlockHeader | undefined;
  /**
   * the latest headers of recent polls by number: with one poll per block, the block a range ends
   * at (`confirmations` below the head) was polled as the head before. Used only while linked to the
   * current head by parent hashes (as canonical as the head itself), it spares reading it again.
   */
  const polledHeads = new Map<number, BlockHeader>();
  /** the confirmed head moved and its header has not been read yet (the follower's next range reads it) */
  let confirmedPending = false;
  let lastLaneKey = 'tip';
  /** checkpoints may no longer be canonical (first pass, or the head changed in place) */
  let verifyPending = true;
  let secondsPerBlock: number | undefined;
  let checkpoints: Map<string, Checkpoint> | undefined;
  /** sources read by the tip follower; they all share one checkpoint */
  const following = new Set<string>();
  let lastProgressAt = 0;
  /**
   * The next ranges' logs and edge headers of a backfill, requested while this range is decoded and
   * stored so that the RPC is never idle. A read is used when the lane's next step starts where it
   * starts (its end was within every bound when asked, and bounds only grow until a reorg, which
   * drops the queue); it is checked like a fresh read (parent hash, near-head hashes).
   */
  const readAhead = new Map<string, Array<{ from: number; to: number; result: Promise<RangeRead> }>>();
  /** what final ranges nobody wrote for moved (checkpoints of quiet sources, edge headers): saved with the next write */
  // by source and by number: a range read again after a failed save replaces its entries (a header
  // twice in one upsert is refused by the store, and every later save with it)
  const unsaved = { checkpoints: new Map<string, Checkpoint>(), headers: new Map<number, BlockHeader>(), ranges: 0, since: 0 };

  function sizing(key: string): Sizing {
    let found = sizings.get(key);
    if (!found) sizings.set(key, (found = { range: initialRange, largestAccepted: 0, light: 0 }));
    return found;
  }

  function readRange(group: LogSource[], from: number, to: number, known: BlockHeader[]): Promise<RangeRead> {
    // edges already known (the head just read) are not asked again
    const wanted = [...new Set(from === to ? [to] : [from, to])];
    const missing = wanted.filter((n) => !known.some((h) => h.number === n));
    return Promise.all([
      getHeaders(rpc, missing).then((read) => wanted.map((n) => read.find((h) => h.number === n) ?? known.find((h) => h.number === n)!)),
      readLogs(group, from, to).catch((error: unknown) => {
        // only a range refusal sizes ranges; a rate limit (RateLimitedError) is thrown on and never moves the ceiling
        if (error instanceof RangeTooLargeError) return error;
        throw error;
      }),
    ]);
  }

  /**
   * One eth_getLogs for the group, or two when some sources filter on topics[1]: a filter's topic
   * positions are ANDed, so a topics[1] in the shared request would drop every other source's logs
   * (an OR-list cannot say "any"). The filtered sources share a request of their own, their words as
   * one OR-list (two requests per range however many such sources); routing (commitRange) gives each
   * log only to the sources whose word it carries, and a log both requests return is kept once.
   */
  function readLogs(group: LogSource[], from: number, to: number): Promise<RawLog[]> {
    const filters = [group.filter((s) => s.topic1 === undefined), group.filter((s) => s.topic1 !== undefined)]
      .filter((part) => part.length > 0)
      .map((part) => ({
        addresses: [...new Set(part.map((s) => s.address))],
        topic0: [...new Set(part.map((s) => s.topic0))],
        ...(part[0]!.topic1 !== undefined ? { topic1: [...new Set(part.map((s) => s.topic1!))] } : {}),
        fromBlock: from,
        toBlock: to,
      }));
    if (filters.length === 1) return getLogs(rpc, filters[0]!);
    return Promise.all(filters.map((filter) => getLogs(rpc, filter))).then(([plain, filtered]) => {
      const seen = new Set(plain!.map((l) => `${l.blockHash}:${l.logIndex}`));
      return [...plain!, ...filtered!.filter((l) => !seen.has(`${l.blockHash}:${l.logIndex}`))].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    });
  }

  /** the queued read of this lane starting at `from`, or a fresh one up to `to` */
  function takeRange(lane: Lane, from: number, to: number, known: BlockHeader[]): { to: number; result: Promise<RangeRead> } {
    const queue = readAhead.get(lane.key);
    const next = queue?.[0];
    if (next && next.from === from) {
      queue!.shift();
      return next;
    }
    readAhead.delete(lane.key);
    return { to, result: readRange(lane.sources, from, to, known) };
  }

  /** keep PREFETCH_DEPTH reads of this backfill queued after `to` */
  function prefetchAfter(lane: Lane, to: number, head: ChainHeadState): void {
    const queue = readAhead.get(lane.key) ?? [];
    readAhead.set(lane.key, queue);
    let from = (queue.length > 0 ? queue[queue.length - 1]!.to : to) + 1;
    while (queue.length < PREFETCH_DEPTH && from <= Math.min(head.confirmed, lane.cap)) {
      const start = from;
      const end = rangeEnd(lane, start, head);
      const result = readRange(lane.sources, start, end, []);
      // a failed read-ahead is only a missed head start: the step that takes it reads it again
      result.catch(() => {});
      const retried = result.catch(() => readRange(lane.sources, start, end, []));
      // never taken (the lane joined the tip, the sync stopped): its failure is nobody's business
      retried.catch(() => {});
      queue.push({ from: start, to: end, result: retried });
      from = end + 1;
    }
  }

  async function loadCheckpoints(): Promise<Map<string, Checkpoint>> {
    if (checkpoints) return checkpoints;
    const stored = new Map((await getCheckpoints(store.db, chain.name)).map((c) => [c.source, c]));
    const fresh = new Map<string, Checkpoint>();
    const initials: Checkpoint[] = [];
    const changed: LogSource[] = [];
    const respelled: Checkpoint[] = [];
    for (const source of sources) {
      const existing = stored.get(source.key);
      if (existing && existing.fingerprint === source.fingerprint) {
        fresh.set(source.key, existing);
        continue;
      }
      if (existing && source.legacyFingerprint !== undefined && existing.fingerprint === source.legacyFingerprint) {
        const kept = { ...existing, fingerprint: source.fingerprint };
        respelled.push(kept);
        fresh.set(source.key, kept);
        continue;
      }
      if (existing) changed.push(source);
      const initial: Checkpoint = {
        source: source.key,
        chain: chain.name,
        blockNumber: source.fromBlock - 1,
        blockHash: '',
        blockTimestamp: 0,
        fingerprint: source.fingerprint,
      };
      initials.push(initial);
      fresh.set(source.key, initial);
    }
    // one transaction: a source whose configuration changed forgets what it read and starts over
    if (initials.length > 0 || respelled.length > 0) {
      await store.transaction(async (trx) => {
        for (const source of changed) {
          log.warn({ source: source.key }, 'source configuration changed: reading it again from fromBlock');
          await source.reset(trx);
        }
        await saveCheckpoints(trx, [...initials, ...respelled]);
      });
    }
    checkpoints = fresh;
    return fresh;
  }

  /** latest, plus the safe/finalized blocks the finality asks for, in one round trip */
  async function readHeads(): Promise<{ latest: BlockHeader; confirmed?: BlockHeader; finalized?: BlockHeader }> {
    if (chain.finality === 'confirmations') return { latest: await getHead(rpc) };
    const tags = chain.finality === 'safe' ? ['latest', 'safe', 'finalized'] : chain.finality === 'finalized' ? ['latest', 'finalized'] : ['latest'];
    const blocks = await rpc.batch<RawHeader | null>(tags.map((tag) => ({ method: 'eth_getBlockByNumber', params: [tag, false] })));
    const headers = blocks.map((block, i) => toHeader(block, tags[i]!));
    return { latest: headers[0]!, confirmed: headers[1]!, finalized: headers[headers.length - 1]! };
  }

  /** seconds per block over the last REORG_WINDOW blocks: sizes the time-based part of the reorg window */
  async function measureBlockTime(latest: BlockHeader): Promise<void> {
    const back = Math.min(latest.number, REORG_WINDOW);
    if (back < 16) return;
    const [old] = await getHeaders(rpc, [latest.number - back]);
    secondsPerBlock = Math.max(0, (latest.timestamp - old!.timestamp) / back);
  }

  async function pollHead(): Promise<ChainHeadState> {
    const { latest, confirmed: tagged, finalized: taggedFinal } = await readHeads();
    if (chain.finality === 'confirmations' && secondsPerBlock === undefined) await measureBlockTime(latest).catch(() => undefined);
    const confirmedNumber = tagged ? Math.min(tagged.number, latest.number) : Math.max(0, latest.number - chain.confirmations);
    const previous = headState ?? (await storedHead());
    // the head changed in place (same number, another hash; or the chain got shorter): re-check checkpoints
    if (headState && latestHeader && (latest.number < latestHeader.number || (latest.number === latestHeader.number && latest.hash !== latestHeader.hash))) {
      verifyPending = true;
    }
    latestHeader = latest;
    polledHeads.set(latest.number, latest);
    for (const number of polledHeads.keys()) if (number > latest.number || number < latest.number - POLLED_HEADS_KEPT) polledHeads.delete(number);
    let confirmed: BlockHeader | undefined = tagged ?? (confirmedNumber === latest.number ? latest : undefined);
    confirmedPending = false;
    if (!confirmed && headState?.confirmed === confirmedNumber) {
      confirmed = { number: confirmedNumber, hash: headState.confirmedHash, parentHash: '', timestamp: headState.confirmedTimestamp };
    } else if (!confirmed && following.size > 0 && headState) {
      // the follower's next range ends there and reads its header (one call less per block); until
      // then the previous confirmed head's time stands
      confirmed = { number: confirmedNumber, hash: '', parentHash: '', timestamp: headState.confirmedTimestamp };
      confirmedPending = true;
    }
    if (!confirmed) confirmed = (await getHeaders(rpc, [confirmedNumber]))[0]!;
    const window = options.reorgWindow ?? reorgWindowBlocks(chain.confirmations, secondsPerBlock);
    const finalized = taggedFinal ? Math.min(taggedFinal.number, confirmed.number) : Math.max(-1, latest.number - window);
    headState = {
      chain: chain.name,
      head: latest.number,
      headTimestamp: latest.timestamp,
      confirmed: confirmed.number,
      confirmedTimestamp: confirmed.timestamp,
      confirmedHash: confirmed.hash,
      finalized,
      rpc: rpc.current(),
    };
    const at = new Date(now());
    const stored = await getChainStatus(store.db, chain.name);
    await saveChainStatus(store.db, {
      chain: chain.name,
      head: latest.number,
      headTimestamp: latest.timestamp,
      confirmed: confirmed.number,
      confirmedTimestamp: confirmed.timestamp,
      rpc: rpc.current(),
      observedAt: at,
      headChangedAt: stored && previous && previous.head === latest.number ? stored.headChangedAt : at,
      unobservableSince: null,
    });
    return headState;
  }

  async function storedHead(): Promise<{ head: number } | undefined> {
    const stored = await getChainStatus(store.db, chain.name);
    return stored ? { head: stored.head } : undefined;
  }

  function progressNow(): SyncProgress | undefined {
    if (!headState || !checkpoints) return undefined;
    const target = headState.confirmed;
    // a source's whole history counts (from its fromBlock): a resumed backfill shows what it had done
    const list: SourceProgress[] = sources.map((source) => ({
      source: source.key,
      startBlock: Math.min(source.fromBlock - 1, target),
      // a fromBlock still ahead of the head: done up to it (nothing to read yet)
      doneBlock: Math.min(checkpoints!.get(source.key)!.blockNumber, target),
      targetBlock: target,
      following: following.has(source.key),
    }));
    const doneBlock = list.length ? Math.min(...list.map((s) => s.doneBlock)) : target;
    const startBlock = list.length ? Math.min(...list.map((s) => s.startBlock)) : target;
    return { chain: chain.name, startBlock, doneBlock, targetBlock: target, sources: list };
  }

  function progress(force = false): void {
    if (!options.onProgress) return;
    const at = now();
    if (!force && at - lastProgressAt < 250) return;
    lastProgressAt = at;
    const figures = progressNow();
    if (figures) options.onProgress(figures);
  }

  /** Find the highest stored block that is still canonical and roll every source back to it. */
  async function handleReorg(points: Map<string, Checkpoint>, suspect: number): Promise<void> {
    readAhead.clear();
    let fork: BlockHeader | undefined;
    let below = suspect;
    for (let round = 0; round < 8 && !fork; round++) {
      const stored = await recentHeaders(store.db, chain.name, below, 64);
      if (stored.length === 0) break;
      const canonical = await getHeaders(
        rpc,
        stored.map((h) => h.number),
      ).catch(() => stored.map(() => undefined));
      for (let i = 0; i < stored.length; i++) {
        if (canonical[i] && canonical[i]!.hash === stored[i]!.hash) {
          fork = canonical[i];
          break;
        }
      }
      below = stored[stored.length - 1]!.number - 1;
    }
    if (!fork) {
      // nothing stored is canonical near the suspect: step back a whole reorg window and re-read it
      const window = headState ? Math.max(REORG_WINDOW, headState.head - headState.finalized) : REORG_WINDOW;
      const floor = Math.max(0, suspect - window);
      if (floor > Math.min(...sources.map((s) => s.fromBlock))) fork = (await getHeaders(rpc, [floor]))[0];
      log.warn({ suspect, floor }, 'no stored block near the reorg is canonical: re-reading a whole reorg window');
    }
    const forkBlock = fork?.number ?? Math.min(...sources.map((s) => s.fromBlock - 1));
    log.warn({ forkBlock, fromBlock: suspect }, 'reorg: rolling back and re-reading');
    await saveUnsaved();
    const affected = sources.filter((source) => points.get(source.key)!.blockNumber > forkBlock);
    // what the sources hold in memory becomes rows first (committed on its own): the rollback
    // below must be able to take either side of a pair back
    for (const source of affected) await source.commit?.(store, { pair: false });
    const moved = new Map<string, Checkpoint>();
    await store.transaction(async (trx) => {
      for (const source of affected) {
        const point = points.get(source.key)!;
        await source.rollback(trx, forkBlock);
        const next: Checkpoint =
          fork && fork.number >= source.fromBlock - 1
            ? { ...point, blockNumber: fork.number, blockHash: fork.hash, blockTimestamp: fork.timestamp }
            : { ...point, blockNumber: source.fromBlock - 1, blockHash: '', blockTimestamp: 0 };
        await saveCheckpoint(trx, next);
        moved.set(source.key, next);
      }
      await deleteHeadersAbove(trx, chain.name, forkBlock);
    });
    for (const [key, point] of moved) points.set(key, point);
    // the follower keeps only the sources still sharing its (rolled back) checkpoint
    const cursor = followerCursor(points);
    for (const key of [...following]) if (points.get(key)!.blockNumber !== cursor) following.delete(key);
    options.onReorg?.({ chain: chain.name, forkBlock, fromBlock: suspect });
  }

  /** Checkpointed hashes must still be canonical (a head replaced in place, a chain that got shorter). */
  async function verifyCheckpoints(points: Map<string, Checkpoint>): Promise<number | undefined> {
    const numbers = [...new Set([...points.values()].filter((c) => c.blockHash !== '').map((c) => c.blockNumber))];
    const recent = numbers.filter((n) => n > headState!.finalized);
    if (recent.length === 0) return undefined;
    let canonical: BlockHeader[];
    try {
      canonical = await getHeaders(rpc, recent);
    } catch (error) {
      // a checkpoint above the new head: the chain got shorter, which is a reorg
      if (error instanceof RetryableError && /not available/.test(error.message)) return Math.max(...recent);
      throw error;
    }
    const byNumber = new Map(canonical.map((h) => [h.number, h.hash]));
    for (const point of points.values()) {
      if (point.blockHash !== '' && byNumber.has(point.blockNumber) && byNumber.get(point.blockNumber) !== point.blockHash) {
        return point.blockNumber;
      }
    }
    return undefined;
  }

  /**
   * Where a range of this lane starting at `from` ends: its range size, not past the confirmed head
   * or the lane's cap, and not across the reorg window's edge (final history and blocks that may
   * still be reorganized are read as separate ranges; sources store them differently).
   */
  function rangeEnd(lane: Lane, from: number, head: ChainHeadState): number {
    const wanted = sizing(lane.key).range;
    const end = (range: number) => Math.min(from + range - 1, head.confirmed, lane.cap, from <= head.finalized ? head.finalized : Infinity);
    // a probe when the lane wants at least the ceiling: one range only (its outcome moves the ceiling or not)
    if (atCeiling >= CEILING_PROBE_AFTER && ceiling < maxRange && wanted >= ceiling) {
      const probe = end(Math.min(2 * ceiling, maxRange));
      if (probe - from + 1 > ceiling) {
        atCeiling = 0;
        log.debug({ ceiling, probe: probe - from + 1, lane: lane.key }, 'probing above the range ceiling');
        return probe;
      }
    }
    return end(Math.min(wanted, ceiling));
  }

  function moveCeiling(to: number): void {
    if (to === ceiling) return;
    log.debug({ ceiling: to, was: ceiling }, to > ceiling ? 'range ceiling raised' : 'range ceiling lowered');
    ceiling = to;
    atCeiling = 0;
  }

  function followerCursor(points: Map<string, Checkpoint>): number | undefined {
    let cursor: number | undefined;
    for (const key of following) cursor = Math.max(cursor ?? -Infinity, points.get(key)!.blockNumber);
    return cursor;
  }

  /** the confirmed head's header when no range of the follower read it (nothing follows, or it stopped short) */
  async function fillConfirmed(): Promise<void> {
    if (!confirmedPending || !headState) return;
    const [header] = await getHeaders(rpc, [headState.confirmed]);
    headState = { ...headState, confirmedHash: header!.hash, confirmedTimestamp: header!.timestamp };
    confirmedPending = false;
  }

  /** the polled heads linked to the latest one by parent hashes, latest first */
  function linkedToHead(): BlockHeader[] {
    if (!latestHeader) return [];
    const linked = [latestHeader];
    for (let header = latestHeader; ; ) {
      const parent = polledHeads.get(header.number - 1);
      if (!parent || parent.hash !== header.parentHash) return linked;
      linked.push(parent);
      header = parent;
    }
  }

  /** the follower (if any) and the backfills, highest checkpoint first (closest to joining the tip) */
  function lanes(points: Map<string, Checkpoint>, head: ChainHeadState): { follower: Lane | undefined; backfills: Lane[] } {
    let cursor = followerCursor(points);
    // a backfill that reached the follower's block joins it; with no follower, the first one at the
    // head becomes it. A source whose fromBlock is still ahead of the head waits (nothing to read
    // yet): as the cursor it would leave the others short of it, never joining the tip
    for (const source of sources) {
      const at = points.get(source.key)!.blockNumber;
      if (following.has(source.key)) continue;
      if (cursor === undefined ? at === head.confirmed : at === cursor) {
        following.add(source.key);
        cursor = at;
      }
    }
    const followers = sources.filter((s) => following.has(s.key));
    const follower: Lane | undefined =
      followers.length > 0 ? { key: 'tip', sources: followers, at: cursor!, cap: head.confirmed, follower: true } : undefined;
    const groups = new Map<number, LogSource[]>();
    for (const source of sources) {
      if (following.has(source.key)) continue;
      const at = points.get(source.key)!.blockNumber;
      if (at > head.confirmed) continue; // waiting for the chain to reach it
      groups.set(at, [...(groups.get(at) ?? []), source]);
    }
    const backfills = [...groups]
      .sort(([a], [b]) => b - a)
      .map(([at, group]) => ({ key: group.map((s) => s.key).join(','), sources: group, at, cap: cursor ?? head.confirmed, follower: false }));
    // read-aheads of lanes that joined or merged are dropped
    for (const key of readAhead.keys()) if (!backfills.some((b) => b.key === key)) readAhead.delete(key);
    return { follower, backfills };
  }

  /** size the lane's next range after a refusal, from what the provider said about its limit */
  function refused(lane: Lane, from: number, to: number, error: RangeTooLargeError): void {
    readAhead.delete(lane.key); // asked at the refused size
    const size = sizing(lane.key);
    const blocks = to - from + 1;
    const said = error as RangeTooLargeError & RangeRefusal;
    if (said.suggested && said.suggested.to >= said.suggested.from && said.suggested.to - said.suggested.from + 1 < blocks) {
      size.range = Math.max(1, said.suggested.to - said.suggested.from + 1);
      log.debug({ range: size.range }, 'provider suggested a range: taking it');
      return;
    }
    if (blocks === 1) throw new FirebreakError(`${chain.name}: the provider refuses even one block of logs`, { cause: error });
    if (said.maxBlocks && said.maxBlocks > 0) {
      // the provider named its cap: taken as the ceiling, also above it (a refused probe learns the cap it hit)
      moveCeiling(Math.min(said.maxBlocks, blocks - 1, maxRange));
      size.range = Math.min(size.range, ceiling);
    } else if (said.byResults) {
      // too many results here: this dense stretch needs smaller ranges, the provider's block limit is not lower
      size.range = Math.max(1, Math.floor(blocks / 2));
    } else {
      // the provider's limit lies below this size: not above it again until a probe passes
      moveCeiling(Math.min(ceiling, blocks - 1));
      size.range = Math.max(1, size.largestAccepted, Math.min(Math.floor(blocks / 2), ceiling));
      if (size.range >= blocks) size.range = Math.max(1, Math.floor(blocks / 2));
    }
    log.debug({ range: size.range, lane: lane.key }, 'provider refused the range: shrinking');
  }

  /** size the next range from the density just seen, toward `targetLogs` per response */
  function accepted(lane: Lane, blocks: number, logs: number): void {
    const size = sizing(lane.key);
    // a range above the ceiling went through (a probe): the provider takes that much now
    if (blocks > ceiling) moveCeiling(blocks);
    else if (blocks === ceiling && ceiling < maxRange) atCeiling++;
    size.largestAccepted = Math.max(size.largestAccepted, blocks);
    // one light answer says little (a deploy block with one log, the busy stretch beginning right
    // after it): 2×; two in a row are a quiet stretch: 8×. Growing 8× at once from a 2-block answer
    // with one log ran into 16 blocks of dense history
    size.light = logs * 8 < targetLogs ? size.light + 1 : 0;
    const factor = size.light >= 2 ? 8 : 2;
    // below a refused size, grow halfway to it (the provider's limit is found in a few steps)
    const grown =
      ceiling < maxRange
        ? Math.min(size.range * factor, Math.max(size.largestAccepted, Math.floor((size.largestAccepted + ceiling + 1) / 2)))
        : Math.min(maxRange, size.range * factor);
    if (logs > 0) size.range = Math.max(1, Math.min(grown, Math.floor((blocks * targetLogs) / logs)));
    else if (blocks >= size.range) size.range = grown;
  }

  /** Read one range of a lane and commit it. 'reorg': a reorg was handled instead. */
  async function readLane(lane: Lane, points: Map<string, Checkpoint>, head: ChainHeadState): Promise<'read' | 'refused' | 'reorg'> {
    const from = lane.at + 1;
    lastLaneKey = lane.key;
    const known = linkedToHead();
    const taken = takeRange(lane, from, rangeEnd(lane, from, head), known);
    const to = taken.to;
    const anchor = points.get(lane.sources[0]!.key)!;
    const [edges, logs] = await taken.result;
    if (logs instanceof RangeTooLargeError) {
      refused(lane, from, to, logs);
      return 'refused';
    }
    accepted(lane, to - from + 1, logs.length);
    if (!lane.follower) prefetchAfter(lane, to, head);
    const first = edges[0]!;
    const last = edges[edges.length - 1]!;
    // parent hash: the range must build on the block we checkpointed
    if (anchor.blockHash !== '' && first.parentHash !== anchor.blockHash) {
      await handleReorg(points, anchor.blockNumber);
      return 'reorg';
    }
    await verifyLogBlocks(logs, edges, head);
    if (last.number === headState!.confirmed && confirmedPending) {
      headState = { ...headState!, confirmedHash: last.hash, confirmedTimestamp: last.timestamp };
      confirmedPending = false;
    }
    await commitRange(lane, logs, last, head, points);
    return 'read';
  }

  /** route the logs to their sources and commit them with the checkpoints in one transaction */
  async function commitRange(lane: Lane, logs: RawLog[], last: BlockHeader, head: ChainHeadState, points: Map<string, Checkpoint>): Promise<void> {
    const group = lane.sources;
    const bySource = new Map(group.map((s) => [s.key, [] as RawLog[]]));
    // address → topic0 → the lists of the sources reading that event (several may read the same one),
    // each with its topics[1] filter if it has one
    const route = new Map<string, Map<string, Array<{ topic1: string | undefined; list: RawLog[] }>>>();
    for (const source of group) {
      const byTopic = route.get(source.address) ?? new Map<string, Array<{ topic1: string | undefined; list: RawLog[] }>>();
      route.set(source.address, byTopic);
      byTopic.set(source.topic0, [...(byTopic.get(source.topic0) ?? []), { topic1: source.topic1, list: bySource.get(source.key)! }]);
    }
    for (const entry of logs) {
      if (entry.removed) continue;
      const topic0 = entry.topics[0];
      const lists = topic0 === undefined ? undefined : route.get(entry.address)?.get(topic0);
      if (lists) for (const { topic1, list } of lists) if (topic1 === undefined || entry.topics[1]?.toLowerCase() === topic1) list.push(entry);
    }
    const afterCommit: Array<() => void> = [];
    const rangeOf = (source: LogSource): IngestRange => ({
      checkpoint: { ...points.get(source.key)!, blockNumber: last.number, blockHash: last.hash, blockTimestamp: last.timestamp },
      finalBlock: head.finalized,
      afterCommit: (fn) => afterCommit.push(fn),
    });
    const ranges = new Map(group.map((source) => [source.key, rangeOf(source)]));
    const held = new Set(group.filter((source) => source.hold?.(bySource.get(source.key)!, ranges.get(source.key)!)).map((s) => s.key));
    const writers = group.filter((source) => !held.has(source.key) && !(source.quietWhenEmpty && bySource.get(source.key)!.length === 0));
    const moved = group.filter((source) => !held.has(source.key)).map((source) => ranges.get(source.key)!.checkpoint);
    if (writers.length === 0 && last.number <= head.finalized) {
      // final and nobody writes: no transaction of its own (one per range was most of a quiet backfill's store time)
      for (const checkpoint of moved) unsaved.checkpoints.set(checkpoint.source, checkpoint);
      unsaved.headers.set(last.number, last);
      if (unsaved.ranges++ === 0) unsaved.since = now();
      if (unsaved.ranges >= QUIET_RANGES_KEPT || now() - unsaved.since >= QUIET_KEPT_MS) await saveUnsaved();
    } else {
      // with what quiet ranges moved before (this range's checkpoints are newer), but kept apart from
      // it until committed: a failed write must not leave checkpoints past logs nobody stored
      const checkpointsToSave = new Map(unsaved.checkpoints);
      for (const checkpoint of moved) checkpointsToSave.set(checkpoint.source, checkpoint);
      const headers = new Map(unsaved.headers).set(last.number, last);
      await store.transaction(async (trx) => {
        for (const source of writers) await source.ingest(trx, bySource.get(source.key)!, ranges.get(source.key)!);
        await saveProgress(trx, checkpointsToSave, headers);
        if (last.number % 512 === 0) await pruneHeaders(trx, chain.name, head.finalized - 3 * Math.max(REORG_WINDOW, head.head - head.finalized));
      });
      clearUnsaved();
    }
    for (const fn of afterCommit) fn();
    for (const source of group) {
      points.set(source.key, { ...points.get(source.key)!, blockNumber: last.number, blockHash: last.hash, blockTimestamp: last.timestamp });
    }
    // durable progress: a source holding ranges in memory commits them every commit interval
    for (const source of group) if (source.commitDue?.()) await source.commit!(store);
  }

  async function saveProgress(trx: Db, checkpointsToSave: Map<string, Checkpoint>, headers: Map<number, BlockHeader>): Promise<void> {
    await saveCheckpoints(trx, [...checkpointsToSave.values()]);
    await saveHeaders(trx, chain.name, [...headers.values()]);
  }

  function clearUnsaved(): void {
    unsaved.checkpoints.clear();
    unsaved.headers.clear();
    unsaved.ranges = 0;
  }

  /** save what quiet final ranges moved (before a rollback, at the commit interval, when caught up) */
  async function saveUnsaved(): Promise<void> {
    if (unsaved.ranges === 0) return;
    await store.transaction((trx) => saveProgress(trx, unsaved.checkpoints, unsaved.headers));
    clearUnsaved();
  }

  /** Near the head, a log's block must still be the canonical one when we commit it. */
  async function verifyLogBlocks(logs: RawLog[], edges: BlockHeader[], head: ChainHeadState): Promise<void> {
    const last = edges[edges.length - 1]!;
    const byNumber = new Map(edges.map((h) => [h.number, h]));
    if (last.number > head.finalized) {
      // blocks with logs that are not range edges: their headers (edges were read with the logs)
      const others = [...new Set(logs.map((l) => l.blockNumber))].filter((n) => !byNumber.has(n));
      if (others.length > 0) for (const header of await getHeaders(rpc, others)) byNumber.set(header.number, header);
      if (logs.some((l) => byNumber.get(l.blockNumber)!.hash !== l.blockHash)) {
        throw new RetryableError(`${chain.name}: the chain reorganized while reading; reading again`);
      }
    }
    // timestamps: from the logs when the node sends them, else from headers (one batched read)
    const missing = [...new Set(logs.filter((l) => l.blockTimestamp === undefined && !byNumber.has(l.blockNumber)).map((l) => l.blockNumber))];
    if (missing.length > 0) for (const header of await getHeaders(rpc, missing)) byNumber.set(header.number, header);
    for (const entry of logs) entry.blockTimestamp ??= byNumber.get(entry.blockNumber)!.timestamp;
  }

  /** verify checkpoints when due; true when a reorg was handled */
  async function checkReorg(points: Map<string, Checkpoint>): Promise<boolean> {
    if (!verifyPending) return false;
    const reorgAt = await verifyCheckpoints(points);
    verifyPending = false;
    if (reorgAt === undefined) return false;
    await handleReorg(points, reorgAt);
    return true;
  }

  /**
   * The source has read up to the confirmed head: it follows the tip, or its fromBlock is still
   * ahead (nothing to read yet). An unknown source has not.
   */
  function atHead(points: Map<string, Checkpoint>, head: ChainHeadState, key: string): boolean {
    return (points.get(key)?.blockNumber ?? -Infinity) >= head.confirmed;
  }

  /** Every source is at the head. With no range left to read this always holds, so a catch-up never loops on a head it cannot finish. */
  function allAtHead(points: Map<string, Checkpoint>, head: ChainHeadState): boolean {
    return sources.every((s) => atHead(points, head, s.key));
  }

  /** one range: the follower when it is behind, else the backfill closest to the tip */
  async function step(): Promise<boolean> {
    if (!headState) await pollHead();
    const head = headState!;
    const points = await loadCheckpoints();
    if (await checkReorg(points)) return false;
    const { follower, backfills } = lanes(points, head);
    const lane = follower && follower.at < head.confirmed ? follower : backfills.find((b) => b.at < Math.min(b.cap, head.confirmed));
    if (!lane) {
      await fillConfirmed();
      await saveUnsaved();
      progress(true);
      return allAtHead(points, head);
    }
    await readLane(lane, points, head);
    lanes(points, head); // joins
    const done = allAtHead(points, head);
    if (done) await saveUnsaved();
    progress(done);
    return done;
  }

  async function follow(): Promise<void> {
    if (!headState) await pollHead();
    const points = await loadCheckpoints();
    for (let i = 0; i < 10_000; i++) {
      const head = headState!;
      if (await checkReorg(points)) continue;
      const { follower } = lanes(points, head);
      if (!follower || follower.at >= head.confirmed) break;
      await readLane(follower, points, head);
    }
    await fillConfirmed();
  }

  async function backfill(budgetMs: number): Promise<number> {
    if (!headState) return 0;
    const points = await loadCheckpoints();
    const until = now() + budgetMs;
    let read = 0;
    do {
      const head = headState;
      const { backfills } = lanes(points, head);
      const lane = backfills.find((b) => b.at < Math.min(b.cap, head.confirmed));
      if (!lane) break;
      if ((await readLane(lane, points, head)) === 'reorg') break;
      read++;
      lanes(points, head);
      progress();
    } while (now() < until);
    progress(true);
    return read;
  }

  return {
    chain: chain.name,
    pollHead,
    step,
    follow,
    backfill,
    async catchUp(signal?: AbortSignal): Promise<ChainHeadState> {
      let failures = 0;
      let first = true;
      for (;;) {
        if (signal?.aborted) throw new FirebreakError('sync aborted', { code: 'aborted' });
        try {
          if (first) await pollHead();
          first = false;
          if (await step()) return headState!;
          failures = 0;
        } catch (error) {
          // transient trouble (a node restarting, a reorg mid-read) delays the pass; it does not fail it
          if (!(error instanceof RetryableError) || ++failures > (options.maxRetries ?? 5)) throw error;
          const retryAfter = (error as RetryableError).retryAfterMs;
          const waitMs = Math.max(retryAfter ?? 0, Math.min(8_000, 250 * 2 ** failures));
          log.warn({ reason: error.message, attempt: failures, waitMs }, 'sync step failed: retrying');
          await new Promise((resolve) => setTimeout(resolve, waitMs));
        }
      }
    },
    head: () => headState,
    caughtUp(source?: string): boolean {
      if (!headState || !checkpoints) return false;
      return source === undefined ? allAtHead(checkpoints, headState) : atHead(checkpoints, headState, source);
    },
    progress: progressNow,
    rangeSize: (source?: string) => {
      if (source === undefined) return Math.min(sizing(lastLaneKey).range, ceiling);
      if (following.has(source)) return Math.min(sizing('tip').range, ceiling);
      const key = [...sizings.keys()].find((k) => k.split(',').includes(source));
      return Math.min(key ? sizings.get(key)!.range : initialRange, ceiling);
    },
    secondsPerBlock: () => secondsPerBlock,
  };
}

interface RawHeader {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
}

function toHeader(block: RawHeader | null, label: string): BlockHeader {
  if (!block || typeof block.hash !== 'string') throw new RetryableError(`block ${label} not available yet`);
  return { number: Number(block.number), hash: block.hash.toLowerCase(), parentHash: block.parentHash.toLowerCase(), timestamp: Number(block.timestamp) };
}
