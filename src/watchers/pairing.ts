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
 * rows and both sides' checkpoints in one transaction. A crash before the flush only means those
 * blocks are read again.
 *
 * Once a side holds logs, every later range of that side is held too (even near the head), so its
 * checkpoint never passes logs that are not stored. Flushes happen before a bridge is judged, when
 * the book holds more than `maxHeld` logs, and before a rollback.
 */
import type { RawLog } from '../chain/blocks.ts';
import type { IngestRange } from '../chain/sync.ts';
import { saveCheckpoints } from '../store/checkpoints.ts';
import type { Db } from '../store/store.ts';
import { type DepositRow, type FinalizationRow, insertDeposits, insertFinalizations } from '../store/transfers.ts';

export type BridgeSide = 'source' | 'destination';

export interface PairingBookOptions {
  maxHeld?: number;
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
  /**
   * pair what is held, write the rest and both sides' checkpoints (inside the caller's transaction).
   * `pair: false` writes every held log as a row (before a rollback: a pair dropped here could
   * not be undone by it).
   */
  flush(trx: Db, options?: { pair?: boolean }): Promise<FlushResult>;
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
  const sides: Record<BridgeSide, SideState> = { source: { checkpoint: undefined, finalBlock: -1 }, destination: { checkpoint: undefined, finalBlock: -1 } };
  // pairs are made as logs arrive (so settled logs die young), and written or dropped at the flush
  let deposits = new Map<string, RawLog | typeof PAIRED>();
  let finalizations = new Map<string, RawLog>();
  /** matched while one side was not final yet: settled or written at the flush */
  let matched: Array<[RawLog, RawLog]> = [];
  /** more finalizations of an id already seen: written (they never settle a second deposit) */
  let extraFinalizations: RawLog[] = [];
  let settled = 0;
  let live = 0;

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

  return {
    maxHeld,
    holds(side, range) {
      // already holding: keep holding, or the checkpoint would pass logs that are not stored
      return sides[side].checkpoint !== undefined || range.checkpoint.blockNumber <= range.finalBlock;
    },
    hold(side, logs, keys, range) {
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
    async flush(trx, flushOptions = {}) {
      const pairNow = flushOptions.pair ?? true;
      // take everything now: ranges held while this transaction runs belong to the next flush
      const taken = { deposits, finalizations, matched, extraFinalizations, settled, source: sides.source, destination: sides.destination };
      deposits = new Map();
      finalizations = new Map();
      matched = [];
      extraFinalizations = [];
      settled = 0;
      live = 0;
      sides.source = { checkpoint: undefined, finalBlock: taken.source.finalBlock };
      sides.destination = { checkpoint: undefined, finalBlock: taken.destination.finalBlock };
      const keptDeposits: RawLog[] = [];
      for (const deposit of taken.deposits.values()) if (deposit !== PAIRED) keptDeposits.push(deposit);
      const keptFinalizations: RawLog[] = [...taken.finalizations.values(), ...taken.extraFinalizations];
      let count = taken.settled;
      for (const [deposit, finalization] of taken.matched) {
        // final by now? (finalBlock only grows); before a rollback everything stays undoable: rows
        if (pairNow && deposit.blockNumber <= taken.source.finalBlock && finalization.blockNumber <= taken.destination.finalBlock) count++;
        else {
          keptDeposits.push(deposit);
          keptFinalizations.push(finalization);
        }
      }
      const depositRows = options.depositRows(keptDeposits);
      const finalizationRows = options.finalizationRows(keptFinalizations);
      await insertDeposits(trx, depositRows);
      await insertFinalizations(trx, finalizationRows);
      await saveCheckpoints(trx, [taken.source.checkpoint, taken.destination.checkpoint].filter((c) => c !== undefined));
      return { settled: count, deposits: depositRows.length, finalizations: finalizationRows.length };
    },
  };
}
