/**
 * A bridge's deposits and finalizations read below the reorg window are held in memory and paired
 * there: a transfer whose deposit and finalization are both final never touches the store (most of
 * a backfill is exactly that). Everything else — pending deposits, orphan finalizations, pairs not
 * yet final — is written as rows, so the store answers "what is pending" exactly as before.
 * Held logs are kept raw with their transfer key; only the ones written are fully decoded.
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
import { saveCheckpoint } from '../store/checkpoints.ts';
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
  /** keep a range's logs with their transfer keys (null: not the configured event, dropped) */
  hold(side: BridgeSide, logs: RawLog[], keys: Array<string | null>, range: IngestRange): void;
  /** logs held, both sides */
  held(): number;
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

interface Held {
  logs: RawLog[];
  keys: string[];
  checkpoint: IngestRange['checkpoint'] | undefined;
  /** the highest final block seen for this side's chain */
  finalBlock: number;
}

const empty = (finalBlock: number): Held => ({ logs: [], keys: [], checkpoint: undefined, finalBlock });

export function createPairingBook(options: PairingBookOptions): PairingBook {
  const maxHeld = options.maxHeld ?? 250_000;
  const sides: Record<BridgeSide, Held> = { source: empty(-1), destination: empty(-1) };

  return {
    maxHeld,
    holds(side, range) {
      // already holding: keep holding, or the checkpoint would pass logs that are not stored
      return sides[side].checkpoint !== undefined || range.checkpoint.blockNumber <= range.finalBlock;
    },
    hold(side, logs, keys, range) {
      const held = sides[side];
      for (let i = 0; i < logs.length; i++) {
        const key = keys[i];
        if (key === null || key === undefined) continue;
        held.logs.push(logs[i]!);
        held.keys.push(key);
      }
      held.checkpoint = range.checkpoint;
      held.finalBlock = Math.max(held.finalBlock, range.finalBlock);
    },
    held: () => sides.source.logs.length + sides.destination.logs.length,
    async flush(trx, flushOptions = {}) {
      const pair = flushOptions.pair ?? true;
      // take everything now: ranges held while this transaction runs belong to the next flush
      const d = sides.source;
      const f = sides.destination;
      sides.source = empty(d.finalBlock);
      sides.destination = empty(f.finalBlock);
      // the first deposit of each id counts (a replayed id is not a second transfer)
      const firstDeposit = new Map<string, number>();
      for (let i = 0; i < d.keys.length; i++) if (!firstDeposit.has(d.keys[i]!)) firstDeposit.set(d.keys[i]!, i);
      const settledDeposit = new Uint8Array(d.logs.length);
      const keptFinalizations: RawLog[] = [];
      let settled = 0;
      for (let j = 0; j < f.keys.length; j++) {
        const i = firstDeposit.get(f.keys[j]!);
        const log = f.logs[j]!;
        if (pair && i !== undefined && settledDeposit[i] === 0 && d.logs[i]!.blockNumber <= d.finalBlock && log.blockNumber <= f.finalBlock) {
          settledDeposit[i] = 1;
          settled++;
        } else keptFinalizations.push(log);
      }
      const keptDeposits: RawLog[] = [];
      for (let i = 0; i < d.logs.length; i++) if (settledDeposit[i] === 0 && firstDeposit.get(d.keys[i]!) === i) keptDeposits.push(d.logs[i]!);
      const depositRows = options.depositRows(keptDeposits);
      const finalizationRows = options.finalizationRows(keptFinalizations);
      await insertDeposits(trx, depositRows);
      await insertFinalizations(trx, finalizationRows);
      if (d.checkpoint) await saveCheckpoint(trx, d.checkpoint);
      if (f.checkpoint) await saveCheckpoint(trx, f.checkpoint);
      return { settled, deposits: depositRows.length, finalizations: finalizationRows.length };
    },
  };
}
