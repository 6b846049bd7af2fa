/**
 * A bridge's deposits and finalizations read below the reorg window are held in memory and paired
 * there: a transfer whose deposit and finalization are both final never touches the store (most of
 * a backfill is exactly that). Everything else — pending deposits, orphan finalizations, pairs not
 * yet final — is written as rows, so the store answers "what is pending" exactly as before.
 * Held logs are kept raw under their pair key; only the ones written are fully decoded. Pairs are
 * made as logs arrive (a settled pair is dropped at once, so most logs die young); a pair that is
 * not final on both sides yet waits for the flush, which settles it or writes both rows.
 *
 * Durability: while a side holds logs its stored checkpoint does not move; the flush writes the
 * rows and both sides' checkpoints in one transaction of its own, and the book forgets what it wrote
 * only once that transaction has committed: a failed write (a connection reset) keeps everything
 * held, and ranges held while it runs wait for its outcome. A crash before the flush only means
 * those blocks are read again. A backfill flushes at least every `commitEveryMs` or
 * `commitEveryRanges` held ranges (`due()`), so a restart resumes within one commit interval.
 *
 * Once a side holds logs, every later range of that side is held too (even near the head), so its
 * checkpoint never passes logs that are not stored. Flushes happen before a bridge is judged, when
 * the book is due (size, commit interval), and before a rollback.
 */
import type { RawLog } from '../chain/blocks.ts';
import type { IngestRange } from '../chain/sync.ts';
import { saveCheckpoints } from '../store/checkpoints.ts';
import type { Db, Store } from '../store/store.ts';
import { type DepositRow, type FinalizationRow, insertDeposits, insertFinalizations } from '../store/transfers.ts';

export type BridgeSide = 'source' | 'destination';

export interface PairingBookOptions {
  maxHeld?: number;
  /** held ranges are written at least this often (default 30 s) … */
  commitEveryMs?: number;
  /** … or after this many held ranges (default 200) */
  commitEveryRanges?: number;
  now?: () => number;
  /** full rows for the logs that are written */
  depositRows(logs: RawLog[]): DepositRow[];
  finalizationRows(logs: RawLog[]): FinalizationRow[];
}

export interface PairingBook {
  readonly maxHeld: number;
  /** whether a range of this side goes to the book rather than straight to the store */
  holds(side: BridgeSide, range: IngestRange): boolean;
  /** keep a range's logs with their pair keys (null: not the configured event, dropped) */
  hold(side: BridgeSide, logs: RawLog[], keys: Array<string | null>, range: IngestRange): void;
  /** logs held, both sides (settled pairs are not held) */
  held(): number;
  /** something to write: held logs, or a checkpoint that moved over logs already paired */
  dirty(): boolean;
  /** time to write: more than `maxHeld` logs, or a commit interval's worth of ranges held */
  due(): boolean;
  /** the highest final block seen per side (pairs below both may be dropped) */
  finalBlocks(): Record<BridgeSide, number>;
  /**
   * pair what is held, write the rest and both sides' checkpoints in one transaction of the store;
   * what was written is forgotten only once it committed. `pair: false` writes every held log as a
   * row (before a rollback: a pair dropped here could not be undone by it).
   */
  flush(store: Pick<Store, 'transaction'>, options?: { pair?: boolean }): Promise<FlushResult>;
}

export interface FlushResult {
  settled: number;
  deposits: number;
  finalizations: number;
}

/** a key whose first deposit was matched (not yet settled): later deposits with it are replays */
const PAIRED = 0;

interface SideState {
  checkpoint: IngestRange['checkpoint'] | undefined;
  /** the highest final block seen for this side's chain */
  finalBlock: number;
}

export function createPairingBook(options: PairingBookOptions): PairingBook {
  const maxHeld = options.maxHeld ?? 250_000;
  const commitEveryMs = options.commitEveryMs ?? 30_000;
  const commitEveryRanges = options.commitEveryRanges ?? 200;
  const now = options.now ?? Date.now;
  const sides: Record<BridgeSide, SideState> = { source: { checkpoint: undefined, finalBlock: -1 }, destination: { checkpoint: undefined, finalBlock: -1 } };
  // pairs are made as logs arrive (so settled logs die young), and written or dropped at the flush
  let deposits = new Map<string, RawLog | typeof PAIRED>();
  let finalizations = new Map<string, RawLog>();
  /** matched while one side was not final yet: settled or written at the flush */
  let matched: Array<[RawLog, RawLog]> = [];
  /** more finalizations of an id already seen: written (a second release of a deposit is a replay, read as unbacked) */
  let extraFinalizations: RawLog[] = [];
  let settled = 0;
  let live = 0;
  /** ranges held since the last write, and when the first of them was */
  let heldRanges = 0;
  let heldSince: number | undefined;
  /** a write is running: holds wait for its outcome (the state it writes must not move under it) */
  let writing: Promise<unknown> | undefined;
  let waiting: Array<() => void> = [];

  const final = (deposit: RawLog, finalization: RawLog) =>
    deposit.blockNumber <= sides.source.finalBlock && finalization.blockNumber <= sides.destination.finalBlock;

  /**
   * Neither log is counted in `live` when this is called. A settled id is forgotten at once (the
   * maps stay the size of what is in flight, not of the history): a later deposit with the same
   * id is a new transfer to this book, as it is to the store once the pair was dropped.
   */
  function pair(deposit: RawLog, finalization: RawLog, key: string): void {
    if (final(deposit, finalization)) {
      deposits.delete(key);
      settled++;
    } else {
      deposits.set(key, PAIRED);
      matched.push([deposit, finalization]);
      live += 2;
    }
  }

  function note(side: BridgeSide, range: IngestRange): void {
    sides[side].checkpoint = range.checkpoint;
    sides[side].finalBlock = Math.max(sides[side].finalBlock, range.finalBlock);
  }

  const book: PairingBook = {
    maxHeld,
    holds(side, range) {
      // already holding: keep holding, or the checkpoint would pass logs that are not stored
      return sides[side].checkpoint !== undefined || range.checkpoint.blockNumber <= range.finalBlock;
    },
    hold(side, logs, keys, range) {
      if (writing) {
        waiting.push(() => book.hold(side, logs, keys, range));
        return;
      }
      heldRanges++;
      heldSince ??= now();
      note(side, range);
      for (let i = 0; i < logs.length; i++) {
        const key = keys[i];
        if (key === null || key === undefined) continue;
        const log = logs[i]!;
        if (side === 'source') {
          if (deposits.has(key)) continue; // the first deposit of an id counts: a replay is not a transfer
          const finalization = finalizations.get(key);
          if (finalization) {
            finalizations.delete(key);
            live--;
            pair(log, finalization, key);
          } else {
            deposits.set(key, log);
            live++;
          }
        } else {
          const deposit = deposits.get(key);
          if (deposit !== undefined && deposit !== PAIRED) {
            live--;
            pair(deposit, log, key);
          } else if (deposit === PAIRED || finalizations.has(key)) {
            extraFinalizations.push(log);
            live++;
          } else {
            finalizations.set(key, log);
            live++;
          }
        }
      }
    },
    held: () => live,
    dirty: () => live > 0 || sides.source.checkpoint !== undefined || sides.destination.checkpoint !== undefined,
    due: () => live > maxHeld || heldRanges >= commitEveryRanges || (heldSince !== undefined && now() - heldSince >= commitEveryMs),
    finalBlocks: () => ({ source: sides.source.finalBlock, destination: sides.destination.finalBlock }),
    async flush(store, flushOptions = {}) {
      // one write at a time; a second flush writes what the first left (if anything)
      while (writing) await writing.catch(() => undefined);
      const pairNow = flushOptions.pair ?? true;
      const keptDeposits: RawLog[] = [];
      for (const deposit of deposits.values()) if (deposit !== PAIRED) keptDeposits.push(deposit);
      const keptFinalizations: RawLog[] = [...finalizations.values(), ...extraFinalizations];
      let count = settled;
      for (const [deposit, finalization] of matched) {
        // final by now? (finalBlock only grows); before a rollback everything stays undoable: rows
        if (pairNow && deposit.blockNumber <= sides.source.finalBlock && finalization.blockNumber <= sides.destination.finalBlock) count++;
        else {
          keptDeposits.push(deposit);
          keptFinalizations.push(finalization);
        }
      }
      const depositRows = options.depositRows(keptDeposits);
      const finalizationRows = options.finalizationRows(keptFinalizations);
      const checkpoints = [sides.source.checkpoint, sides.destination.checkpoint].filter((c) => c !== undefined);
      const write = store.transaction(async (trx) => {
        await insertDeposits(trx, depositRows);
        await insertFinalizations(trx, finalizationRows);
        await saveCheckpoints(trx, checkpoints);
      });
      writing = write;
      try {
        await write;
        // committed: forget what was written (nothing was held meanwhile: those holds waited)
        deposits = new Map();
        finalizations = new Map();
        matched = [];
        extraFinalizations = [];
        settled = 0;
        live = 0;
        heldRanges = 0;
        heldSince = undefined;
        sides.source = { checkpoint: undefined, finalBlock: sides.source.finalBlock };
        sides.destination = { checkpoint: undefined, finalBlock: sides.destination.finalBlock };
      } finally {
        // failed: everything stays held, to be written by the next flush
        writing = undefined;
        const queued = waiting;
        waiting = [];
        for (const hold of queued) hold();
      }
      return { settled: count, deposits: depositRows.length, finalizations: finalizationRows.length };
    },
  };
  return book;
}
