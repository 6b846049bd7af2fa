/**
 * Log sync for one chain: every configured source (contract + event) is read from its checkpoint
 * up to the confirmed head (head − confirmations) in block ranges that adapt to the provider,
 * and each range's rows and checkpoint are committed in one transaction, so a crash resumes
 * exactly where it stopped. A reorg is noticed by parent hash (the first block of the next range
 * must build on the checkpointed block) and by re-checking checkpointed hashes; the fork point is
 * found from stored headers and everything above it is rolled back and read again.
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
import { type BlockHeader, type RawLog, fillTimestamps, getHead, getHeaders, getLogs } from './blocks.ts';
import { RangeTooLargeError, type RpcClient } from './rpc.ts';

/** Ranges requested ahead of the one being processed during a catch-up. */
const PREFETCH_DEPTH = 2;

/** Blocks below the head where a reorg is still looked for; what lies deeper is final. */
export const REORG_WINDOW = 256;

/** One contract event read on this chain (a bridge side, an admin-event watcher…). */
export interface LogSource {
  /** checkpoint key, e.g. `bridge:acme:source` */
  key: string;
  /** lower-case */
  address: string;
  topic0: string;
  fromBlock: number;
  /** what is read (address, event, fromBlock): when it changes the source starts over */
  fingerprint: string;
  /**
   * store what these logs mean; runs inside the range's transaction, for every range (also an
   * empty one). 'held': the source keeps the range in memory and saves `range.checkpoint` itself
   * when it writes it (the sync then leaves the stored checkpoint where it is).
   */
  ingest(trx: Db, logs: RawLog[], range: IngestRange): Promise<void | 'held'>;
  /** forget everything read above `block` (a reorg took it back) */
  rollback(trx: Db, block: number): Promise<void>;
  /** forget everything (the source's configuration changed) */
  reset(trx: Db): Promise<void>;
}

export interface IngestRange {
  /** the checkpoint this range brings the source to */
  checkpoint: Checkpoint;
  /** the highest block below the reorg window (head − reorgWindow): what is read up to here is final */
  finalBlock: number;
}

export interface ChainHeadState {
  chain: string;
  head: number;
  headTimestamp: number;
  confirmed: number;
  confirmedTimestamp: number;
  confirmedHash: string;
  rpc: number;
}

export interface SyncProgress {
  chain: string;
  /** first block of this run's catch-up */
  startBlock: number;
  /** the lowest checkpoint over the chain's sources */
  doneBlock: number;
  targetBlock: number;
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
  /** blocks below the head where log block hashes are re-checked against headers */
  reorgWindow?: number;
  /** consecutive transient failures catchUp() rides out before giving up */
  maxRetries?: number;
  onProgress?(progress: SyncProgress): void;
  onReorg?(event: ReorgEvent): void;
}

export interface ChainSync {
  readonly chain: string;
  /** read the head and derive the confirmed head */
  pollHead(): Promise<ChainHeadState>;
  /** read one range (or handle one reorg); true when every source has reached the confirmed head */
  step(): Promise<boolean>;
  /** pollHead, then steps until every source has reached the confirmed head seen by that poll */
  catchUp(signal?: AbortSignal): Promise<ChainHeadState>;
  /** last head seen, undefined before the first poll */
  head(): ChainHeadState | undefined;
  /** every source has read up to the confirmed head of the last poll */
  caughtUp(): boolean;
  /** the block range used for the next eth_getLogs */
  rangeSize(): number;
}

export function createChainSync(options: ChainSyncOptions): ChainSync {
  const { chain, rpc, store, sources, logger } = options;
  const log = logger.child({ chain: chain.name });
  const maxRange = options.maxRange ?? 50_000;
  const targetLogs = options.targetLogs ?? 10_000;
  const reorgWindow = options.reorgWindow ?? REORG_WINDOW;
  // small at first: a dense history answers quickly, a sparse one grows 8× per range
  let range = Math.min(options.initialRange ?? 16, maxRange);
  /** below the smallest range the provider refused */
  let ceiling = maxRange;
  /** the largest range the provider answered */
  let largestAccepted = 0;
  let headState: ChainHeadState | undefined;
  let checkpoints: Map<string, Checkpoint> | undefined;
  let startBlock: number | undefined;
  let lastProgressAt = 0;
  /**
   * The next ranges' logs and edge headers (this group, in block order), requested while this
   * range is decoded and stored so that the RPC is never idle during a catch-up. A read is used
   * when the next step starts where it starts (its end may differ from what the step would ask now:
   * it was within every bound when asked, and bounds only grow until a reorg, which drops the
   * queue); it is checked like a fresh read (parent hash, near-head hashes).
   */
  let readAhead: Array<{ group: string; from: number; to: number; result: Promise<RangeRead> }> = [];

  type RangeRead = [BlockHeader[], RawLog[] | RangeTooLargeError];

  function readRange(group: LogSource[], from: number, to: number): Promise<RangeRead> {
    return Promise.all([
      getHeaders(rpc, from === to ? [to] : [from, to]),
      getLogs(rpc, {
        addresses: [...new Set(group.map((s) => s.address))],
        topic0: [...new Set(group.map((s) => s.topic0))],
        fromBlock: from,
        toBlock: to,
      }).catch((error: unknown) => {
        if (error instanceof RangeTooLargeError) return error;
        throw error;
      }),
    ]);
  }

  function groupKey(group: LogSource[]): string {
    return group.map((s) => s.key).join(',');
  }

  /** the queued read starting at `from`, or a fresh one up to `to` */
  function takeRange(group: LogSource[], from: number, to: number): { to: number; result: Promise<RangeRead> } {
    const next = readAhead[0];
    if (next && next.group === groupKey(group) && next.from === from) {
      readAhead.shift();
      return next;
    }
    readAhead = [];
    return { to, result: readRange(group, from, to) };
  }

  /** keep PREFETCH_DEPTH reads queued after `to` (not past the confirmed head or the next group) */
  function prefetchAfter(group: LogSource[], to: number, head: ChainHeadState, nextAhead: number): void {
    const key = groupKey(group);
    let from = (readAhead.length > 0 ? readAhead[readAhead.length - 1]!.to : to) + 1;
    while (readAhead.length < PREFETCH_DEPTH && from <= Math.min(head.confirmed, nextAhead)) {
      const start = from;
      const end = rangeEnd(start, head, nextAhead);
      const result = readRange(group, start, end);
      // a failed read-ahead is only a missed head start: the step that takes it reads it again
      result.catch(() => {});
      readAhead.push({ group: key, from: start, to: end, result: result.catch(() => readRange(group, start, end)) });
      from = end + 1;
    }
  }

  async function loadCheckpoints(): Promise<Map<string, Checkpoint>> {
    if (checkpoints) return checkpoints;
    const stored = new Map((await getCheckpoints(store.db, chain.name)).map((c) => [c.source, c]));
    const fresh = new Map<string, Checkpoint>();
    const initials: Checkpoint[] = [];
    const changed: LogSource[] = [];
    for (const source of sources) {
      const existing = stored.get(source.key);
      if (existing && existing.fingerprint === source.fingerprint) {
        fresh.set(source.key, existing);
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
    if (initials.length > 0) {
      await store.transaction(async (trx) => {
        for (const source of changed) {
          log.warn({ source: source.key }, 'source configuration changed: reading it again from fromBlock');
          await source.reset(trx);
        }
        await saveCheckpoints(trx, initials);
      });
    }
    checkpoints = fresh;
    return fresh;
  }

  async function pollHead(): Promise<ChainHeadState> {
    const latest = await getHead(rpc);
    const confirmedNumber = Math.max(0, latest.number - chain.confirmations);
    const confirmed = confirmedNumber === latest.number ? latest : (await getHeaders(rpc, [confirmedNumber]))[0]!;
    const previous = headState ?? (await storedHead());
    headState = {
      chain: chain.name,
      head: latest.number,
      headTimestamp: latest.timestamp,
      confirmed: confirmed.number,
      confirmedTimestamp: confirmed.timestamp,
      confirmedHash: confirmed.hash,
      rpc: rpc.current(),
    };
    const now = new Date();
    const stored = await getChainStatus(store.db, chain.name);
    await saveChainStatus(store.db, {
      chain: chain.name,
      head: latest.number,
      headTimestamp: latest.timestamp,
      confirmed: confirmed.number,
      confirmedTimestamp: confirmed.timestamp,
      rpc: rpc.current(),
      observedAt: now,
      headChangedAt: stored && previous && previous.head === latest.number ? stored.headChangedAt : now,
      unobservableSince: null,
    });
    return headState;
  }

  async function storedHead(): Promise<{ head: number } | undefined> {
    const stored = await getChainStatus(store.db, chain.name);
    return stored ? { head: stored.head } : undefined;
  }

  function progress(points: Map<string, Checkpoint>, force = false): void {
    if (!options.onProgress || !headState) return;
    const now = Date.now();
    if (!force && now - lastProgressAt < 250) return;
    lastProgressAt = now;
    const doneBlock = Math.min(...[...points.values()].map((c) => c.blockNumber));
    startBlock ??= doneBlock;
    options.onProgress({ chain: chain.name, startBlock, doneBlock, targetBlock: headState.confirmed });
  }

  /** Find the highest stored block that is still canonical and roll every source back to it. */
  async function handleReorg(points: Map<string, Checkpoint>, suspect: number): Promise<void> {
    readAhead = [];
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
      const floor = Math.max(0, suspect - reorgWindow);
      if (floor > Math.min(...sources.map((s) => s.fromBlock))) fork = (await getHeaders(rpc, [floor]))[0];
      log.warn({ suspect, floor }, 'no stored block near the reorg is canonical: re-reading a whole reorg window');
    }
    const forkBlock = fork?.number ?? Math.min(...sources.map((s) => s.fromBlock - 1));
    log.warn({ forkBlock, fromBlock: suspect }, 'reorg: rolling back and re-reading');
    await store.transaction(async (trx) => {
      for (const source of sources) {
        const point = points.get(source.key)!;
        if (point.blockNumber <= forkBlock) continue;
        await source.rollback(trx, forkBlock);
        const next: Checkpoint =
          fork && fork.number >= source.fromBlock - 1
            ? { ...point, blockNumber: fork.number, blockHash: fork.hash, blockTimestamp: fork.timestamp }
            : { ...point, blockNumber: source.fromBlock - 1, blockHash: '', blockTimestamp: 0 };
        await saveCheckpoint(trx, next);
        points.set(source.key, next);
      }
      await deleteHeadersAbove(trx, chain.name, forkBlock);
    });
    options.onReorg?.({ chain: chain.name, forkBlock, fromBlock: suspect });
  }

  /** Checkpointed hashes must still be canonical (catches reorgs deeper than `confirmations`). */
  async function verifyCheckpoints(points: Map<string, Checkpoint>): Promise<number | undefined> {
    const numbers = [...new Set([...points.values()].filter((c) => c.blockHash !== '').map((c) => c.blockNumber))];
    const recent = numbers.filter((n) => n >= headState!.head - reorgWindow);
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
   * Where a range starting at `from` ends: `range` blocks, not past the confirmed head or the next
   * group's checkpoint, and not across the reorg window's edge (final history and blocks that may
   * still be reorganized are read as separate ranges; sources store them differently).
   */
  function rangeEnd(from: number, head: ChainHeadState, ahead: number): number {
    const finalBlock = head.head - reorgWindow;
    return Math.min(from + range - 1, head.confirmed, ahead, from <= finalBlock ? finalBlock : Infinity);
  }

  async function step(): Promise<boolean> {
    if (!headState) await pollHead();
    const head = headState!;
    const points = await loadCheckpoints();
    const reorgAt = await verifyCheckpoints(points);
    if (reorgAt !== undefined) {
      await handleReorg(points, reorgAt);
      return false;
    }
    const lowest = Math.min(...[...points.values()].map((c) => c.blockNumber));
    if (sources.length === 0 || lowest >= head.confirmed) {
      progress(points, true);
      return true;
    }
    // read the sources that are furthest behind; stop where the next group's checkpoint is
    const group = sources.filter((s) => points.get(s.key)!.blockNumber === lowest);
    const ahead = [...points.values()].map((c) => c.blockNumber).filter((n) => n > lowest);
    const from = lowest + 1;
    const nextAhead = ahead.length ? Math.min(...ahead) : Infinity;
    const taken = takeRange(group, from, rangeEnd(from, head, nextAhead));
    const to = taken.to;
    const anchor = points.get(group[0]!.key)!;

    const [edges, logs] = await taken.result;
    if (logs instanceof RangeTooLargeError) {
      readAhead = []; // asked at the refused size
      const refused = to - from + 1;
      if (refused === 1) throw new FirebreakError(`${chain.name}: the provider refuses even one block of logs`, { cause: logs });
      // the provider's limit lies below this size: never grow back to it
      ceiling = Math.min(ceiling, refused - 1);
      range = Math.max(1, largestAccepted, Math.min(Math.floor(refused / 2), ceiling));
      if (range >= refused) range = Math.max(1, Math.floor(refused / 2));
      log.debug({ range }, 'provider refused the range: shrinking');
      return false;
    }
    // size the next range from the density just seen, toward `targetLogs` per response; below a
    // refused size, grow halfway to it (the provider's limit is found in a few steps)
    const blocks = to - from + 1;
    largestAccepted = Math.max(largestAccepted, blocks);
    const grown = ceiling < maxRange ? Math.min(range * 8, Math.max(largestAccepted, Math.floor((largestAccepted + ceiling + 1) / 2))) : Math.min(maxRange, range * 8);
    if (logs.length > 0) range = Math.max(1, Math.min(grown, Math.floor((blocks * targetLogs) / logs.length)));
    else if (blocks === range) range = grown;
    // the same group reads on from `to` next: ask for those ranges now
    prefetchAfter(group, to, head, nextAhead);
    const first = edges[0]!;
    const last = edges[edges.length - 1]!;
    // parent hash: the range must build on the block we checkpointed
    if (anchor.blockHash !== '' && first.parentHash !== anchor.blockHash) {
      await handleReorg(points, anchor.blockNumber);
      return false;
    }
    await verifyLogBlocks(logs, last, head);
    await fillTimestamps(rpc, logs);

    const bySource = new Map(group.map((s) => [s.key, [] as RawLog[]]));
    // address → topic0 → the lists of the sources reading that event (several may read the same one)
    const route = new Map<string, Map<string, RawLog[][]>>();
    for (const source of group) {
      const byTopic = route.get(source.address) ?? new Map<string, RawLog[][]>();
      route.set(source.address, byTopic);
      byTopic.set(source.topic0, [...(byTopic.get(source.topic0) ?? []), bySource.get(source.key)!]);
    }
    for (const entry of logs) {
      if (entry.removed) continue;
      const topic0 = entry.topics[0];
      const lists = topic0 === undefined ? undefined : route.get(entry.address)?.get(topic0);
      if (lists) for (const list of lists) list.push(entry);
    }
    await store.transaction(async (trx) => {
      const moved: Checkpoint[] = [];
      for (const source of group) {
        const next: Checkpoint = {
          ...points.get(source.key)!,
          blockNumber: last.number,
          blockHash: last.hash,
          blockTimestamp: last.timestamp,
        };
        const outcome = await source.ingest(trx, bySource.get(source.key)!, { checkpoint: next, finalBlock: head.head - reorgWindow });
        if (outcome !== 'held') moved.push(next);
      }
      await saveCheckpoints(trx, moved);
      await saveHeaders(trx, chain.name, [last]);
      if (last.number % 512 === 0) await pruneHeaders(trx, chain.name, last.number - 4 * reorgWindow);
    });
    for (const source of group) {
      points.set(source.key, { ...points.get(source.key)!, blockNumber: last.number, blockHash: last.hash, blockTimestamp: last.timestamp });
    }
    const done = Math.min(...[...points.values()].map((c) => c.blockNumber)) >= head.confirmed;
    progress(points, done);
    return done;
  }

  /** Near the head, a log's block must still be the canonical one when we commit it. */
  async function verifyLogBlocks(logs: RawLog[], last: BlockHeader, head: ChainHeadState): Promise<void> {
    if (last.number < head.head - reorgWindow) return;
    const numbers = [...new Set([last.number, ...logs.map((l) => l.blockNumber)])];
    const headers = await getHeaders(rpc, numbers);
    const byNumber = new Map(headers.map((h) => [h.number, h]));
    const moved =
      byNumber.get(last.number)!.hash !== last.hash || logs.some((l) => byNumber.get(l.blockNumber)!.hash !== l.blockHash);
    if (moved) throw new RetryableError(`${chain.name}: the chain reorganized while reading; reading again`);
    for (const entry of logs) entry.blockTimestamp ??= byNumber.get(entry.blockNumber)!.timestamp;
  }

  return {
    chain: chain.name,
    pollHead,
    step,
    async catchUp(signal?: AbortSignal): Promise<ChainHeadState> {
      startBlock = undefined;
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
          const waitMs = Math.min(8_000, 250 * 2 ** failures);
          log.warn({ reason: error.message, attempt: failures, waitMs }, 'sync step failed: retrying');
          await new Promise((resolve) => setTimeout(resolve, waitMs));
        }
      }
    },
    head: () => headState,
    caughtUp(): boolean {
      if (!headState || !checkpoints) return false;
      return [...checkpoints.values()].every((c) => c.blockNumber >= headState!.confirmed);
    },
    rangeSize: () => range,
  };
}
