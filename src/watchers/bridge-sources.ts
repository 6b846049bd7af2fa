/**
 * A bridge's two sides as log sources for chain sync: the source event becomes deposits, the
 * destination event finalizations. Event shapes come from the config; ids of any ABI type are
 * compared as values (a bytes32 on one side matches a uint256 of the same value on the other).
 * History below the reorg window goes through the pairing book (./pairing.ts).
 */
import type { Logger } from '../core/log.ts';
import type { BridgeConfig, EventSourceConfig } from '../config/types.ts';
import type { RawLog } from '../chain/blocks.ts';
import type { IngestRange, LogSource } from '../chain/sync.ts';
import type { Db, Store } from '../store/store.ts';
import {
  deleteBridgeSide,
  deleteDepositsAbove,
  deleteFinalizationsAbove,
  insertDeposits,
  insertFinalizations,
  PRUNE_BATCH,
  pruneSettled,
  vacuumTransfers,
} from '../store/transfers.ts';

import { depositReader, finalizationReader } from './bridge-decode.ts';
import { type BridgeSide, createPairingBook } from './pairing.ts';

/** pairs pruned since the last vacuum above which the tables are vacuumed (once a backlog is drained) */
const VACUUM_AFTER = 50_000;

export { displayId, fastDecoder, transferKey } from './bridge-decode.ts';

function fingerprint(side: EventSourceConfig): string {
  return `${side.address}|${side.selector}|${side.abiEvent.inputs.map((i) => `${i.type}${i.indexed ? ' indexed' : ''}`).join(',')}|${side.fields.id}|${side.fields.amount ?? ''}|${side.fields.token ?? ''}|${side.fromBlock}${side.fields.recipient || side.fields.origin ? `|${side.fields.recipient ?? ''}|${side.fields.origin ?? ''}` : ''}`;
}

export interface BridgeSources {
  source: LogSource;
  destination: LogSource;
  /**
   * write what the pairing book holds (before judging: the store must hold every pending transfer),
   * then drop stored pairs that are final on both sides (judging costs what is pending, not history)
   */
  settle(store: Store, options?: SettleOptions): Promise<void>;
  /** whether the pairing book has anything to write (logs or moved checkpoints) */
  dirty(): boolean;
}

export interface SettleOptions {
  /** rows were written: called before the prune reads them (refresh planner statistics) */
  wrote?(): Promise<unknown>;
}

export interface BridgeSourcesOptions {
  maxHeld?: number;
  /** a backfill's held ranges are committed at least this often (default 30 s) or every so many ranges */
  commitEveryMs?: number;
  commitEveryRanges?: number;
  /**
   * the source chain's current head timestamp (seconds), undefined while unknown: stamped on every
   * release as it is written, so that the unbacked grace runs on the source's clock (SPEC §11)
   */
  sourceClock?(): number | undefined;
}

/**
 * Drops a bridge's stored pairs that are final on both sides (the highest final block read on
 * each), a batch per call, and gives the space back once a large backlog is drained. Judging then
 * costs what is pending, not the history.
 */
export function createPairPruner(store: Store, bridgeId: string, log: Logger, options: { occurrence?: boolean } = {}) {
  let sinceVacuum = 0;
  return async function prune(final: { source: number; destination: number }): Promise<number> {
    const pruned = await store.transaction((trx) => pruneSettled(trx, bridgeId, final.source, final.destination, options));
    if (pruned > 0) log.debug({ pruned }, 'settled pairs dropped from the store');
    sinceVacuum += pruned;
    if (pruned < PRUNE_BATCH && sinceVacuum >= VACUUM_AFTER) {
      sinceVacuum = 0;
      await vacuumTransfers(store.db).catch((error: unknown) => log.warn({ reason: String(error) }, 'vacuum after pruning failed'));
    }
    return pruned;
  };
}

export function bridgeSources(bridge: BridgeConfig, logger: Logger, options: BridgeSourcesOptions = {}): BridgeSources {
  const log = logger.child({ bridge: bridge.id });
  const { source: src, destination: dst } = bridge;
  const pairFingerprint = `pair|${fingerprint(src)}|>|${fingerprint(dst)}`;
  const deposits = depositReader(src, log);
  const finalizations = finalizationReader(dst, log);
  // written rows only: a release held by the pairing book is stamped when the book writes it (later, so never early)
  const finalizationRows = (logs: RawLog[]) => {
    const rows = finalizations.rows(bridge.id, logs);
    const seen = options.sourceClock?.();
    if (seen !== undefined) for (const row of rows) row.sourceSeenAt = seen;
    return rows;
  };
  const book = createPairingBook({
    maxHeld: options.maxHeld,
    commitEveryMs: options.commitEveryMs,
    commitEveryRanges: options.commitEveryRanges,
    depositRows: (logs) => deposits.rows(bridge.id, logs),
    finalizationRows,
  });
  /** write the book; true when rows were written */
  async function commit(store: Store, pair = true): Promise<boolean> {
    if (!book.dirty()) return false;
    const result = await book.flush(store, { pair });
    log.debug(result, 'pairing book written');
    return result.deposits + result.finalizations > 0;
  }
  let pruner: ReturnType<typeof createPairPruner> | undefined;
  async function settle(store: Store, settleOptions: SettleOptions = {}): Promise<void> {
    // the prune joins what was just written: planned on stale statistics it is a nested loop
    if ((await commit(store)) && settleOptions.wrote) await settleOptions.wrote();
    pruner ??= createPairPruner(store, bridge.id, log);
    await pruner(book.finalBlocks());
  }
  /** hold the range once its transaction commits (the sync commits the book when it is due), or say it is not held */
  function hold(side: BridgeSide, logs: RawLog[], range: IngestRange): boolean {
    if (!book.holds(side, range)) return false;
    const keys = (side === 'source' ? deposits : finalizations).keys(logs);
    range.afterCommit(() => book.hold(side, logs, keys, range));
    return true;
  }

  /** one side as a log source: rows go straight to the store unless the pairing book holds them */
  function sideSource(
    side: BridgeSide,
    event: EventSourceConfig,
    write: (trx: Db, logs: RawLog[]) => Promise<void>,
    deleteAbove: (trx: Db, bridgeId: string, block: number) => Promise<number>,
  ): LogSource {
    return {
      key: `bridge:${bridge.id}:${side}`,
      address: event.address.toLowerCase(),
      topic0: event.selector.toLowerCase(),
      fromBlock: Number(event.fromBlock),
      // both sides': a side read again from fromBlock next to a pruned other side would find the
      // settled pairs' deposits pending, or their releases unbacked (a false S0, a pause)
      fingerprint: pairFingerprint,
      legacyFingerprint: fingerprint(event),
      hold: (logs, range) => hold(side, logs, range),
      async ingest(trx, logs) {
        await write(trx, logs);
      },
      commitDue: () => book.due(),
      // before a rollback: rows, not pairs (the rollback must be able to take either side back)
      commit: async (store, commitOptions) => {
        await commit(store, commitOptions?.pair ?? true);
      },
      async rollback(trx, block) {
        await deleteAbove(trx, bridge.id, block);
      },
      reset: (trx) => deleteBridgeSide(trx, bridge.id, side),
    };
  }

  const source = sideSource('source', src, (trx, logs) => insertDeposits(trx, deposits.rows(bridge.id, logs)), deleteDepositsAbove);
  const destination = sideSource('destination', dst, (trx, logs) => insertFinalizations(trx, finalizationRows(logs)), deleteFinalizationsAbove);
  return { source, destination, settle, dirty: () => book.dirty() };
}
