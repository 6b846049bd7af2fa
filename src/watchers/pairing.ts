/**
 * A bridge's deposits and finalizations read below the reorg window are held in memory and paired
 * there: a transfer whose deposit and finalization are both final never touches the store (most of
 * a backfill is exactly that). Everything else — pending deposits, orphan finalizations, pairs not
 * yet final — is written as rows, so the store answers "what is pending" exactly as before.
 *
 * Durability: while a side holds rows its stored checkpoint does not move; the flush writes the
 * rows and both sides' checkpoints in one transaction. A crash before the flush only means those
 * blocks are read again.
 *
 * Once a side holds rows, every later range of that side is held too (even near the head), so its
 * checkpoint never passes rows that are not stored. Flushes happen before a bridge is judged, when
 * the held rows exceed `maxHeld`, and before a rollback.
 */
import type { Checkpoint } from '../store/checkpoints.ts';
import { saveCheckpoint } from '../store/checkpoints.ts';
import type { Db } from '../store/store.ts';
import { type DepositRow, type FinalizationRow, insertDeposits, insertFinalizations } from '../store/transfers.ts';

export type BridgeSide = 'source' | 'destination';

export interface HeldRange {
  /** the checkpoint this range brings the side to */
  checkpoint: Checkpoint;
  /** highest block of this side's chain below the reorg window (head − reorgWindow) */
  finalBlock: number;
}

export interface PairingBook {
  /** whether a range of this side goes to the book rather than straight to the store */
  holds(side: BridgeSide, range: HeldRange): boolean;
  holdDeposits(rows: DepositRow[], range: HeldRange): void;
  holdFinalizations(rows: FinalizationRow[], range: HeldRange): void;
  /** held rows of both sides */
  held(): number;
  /** pair what is held, write the rest and both sides' checkpoints (inside the caller's transaction) */
  flush(trx: Db): Promise<FlushResult>;
}

export interface FlushResult {
  settled: number;
  deposits: number;
  finalizations: number;
}

interface SideState<Row> {
  rows: Row[];
  checkpoint: Checkpoint | undefined;
  finalBlock: number;
}

export function createPairingBook(options: { maxHeld?: number } = {}): PairingBook & { readonly maxHeld: number } {
  const maxHeld = options.maxHeld ?? 250_000;
  let deposits: SideState<DepositRow> = { rows: [], checkpoint: undefined, finalBlock: -1 };
  let finalizations: SideState<FinalizationRow> = { rows: [], checkpoint: undefined, finalBlock: -1 };

  function note<Row>(side: SideState<Row>, range: HeldRange): void {
    side.checkpoint = range.checkpoint;
    side.finalBlock = Math.max(side.finalBlock, range.finalBlock);
  }

  return {
    maxHeld,
    holds(side, range) {
      const state = side === 'source' ? deposits : finalizations;
      // already holding: keep holding, or the checkpoint would pass rows that are not stored
      return state.checkpoint !== undefined || range.checkpoint.blockNumber <= range.finalBlock;
    },
    holdDeposits(rows, range) {
      for (const row of rows) deposits.rows.push(row);
      note(deposits, range);
    },
    holdFinalizations(rows, range) {
      for (const row of rows) finalizations.rows.push(row);
      note(finalizations, range);
    },
    held: () => deposits.rows.length + finalizations.rows.length,
    async flush(trx) {
      // take everything now: ranges held while this transaction runs belong to the next flush
      const d = deposits;
      const f = finalizations;
      deposits = { rows: [], checkpoint: undefined, finalBlock: d.finalBlock };
      finalizations = { rows: [], checkpoint: undefined, finalBlock: f.finalBlock };
      // first deposit per id (a replayed id is not a second transfer), then every finalization
      const depositByKey = new Map<string, DepositRow>();
      for (const row of d.rows) if (!depositByKey.has(row.transferKey)) depositByKey.set(row.transferKey, row);
      const keptFinalizations: FinalizationRow[] = [];
      let settled = 0;
      for (const row of f.rows) {
        const deposit = depositByKey.get(row.transferKey);
        if (deposit && deposit.blockNumber <= d.finalBlock && row.blockNumber <= f.finalBlock && depositByKey.delete(row.transferKey)) settled++;
        else keptFinalizations.push(row);
      }
      const keptDeposits = [...depositByKey.values()];
      await insertDeposits(trx, keptDeposits);
      await insertFinalizations(trx, keptFinalizations);
      if (d.checkpoint) await saveCheckpoint(trx, d.checkpoint);
      if (f.checkpoint) await saveCheckpoint(trx, f.checkpoint);
      return { settled, deposits: keptDeposits.length, finalizations: keptFinalizations.length };
    },
  };
}
