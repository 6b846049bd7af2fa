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
import type { Db } from '../store/store.ts';
import {
  deleteBridgeSide,
  deleteDepositsAbove,
  deleteFinalizationsAbove,
  insertDeposits,
  insertFinalizations,
} from '../store/transfers.ts';
import { depositReader, finalizationReader } from './bridge-decode.ts';
import { type BridgeSide, createPairingBook } from './pairing.ts';

export { displayId, fastDecoder, transferKey } from './bridge-decode.ts';

function fingerprint(side: EventSourceConfig): string {
  return `${side.address}|${side.selector}|${side.abiEvent.inputs.map((i) => `${i.type}${i.indexed ? ' indexed' : ''}`).join(',')}|${side.fields.id}|${side.fields.amount ?? ''}|${side.fields.token ?? ''}|${side.fromBlock}`;
}

export interface BridgeSources {
  source: LogSource;
  destination: LogSource;
  /** write what the pairing book holds (before judging: the store must hold every pending transfer) */
  settle(trx: Db): Promise<void>;
  /** whether the pairing book has anything to write (logs or moved checkpoints) */
  dirty(): boolean;
}

export function bridgeSources(bridge: BridgeConfig, logger: Logger, options: { maxHeld?: number } = {}): BridgeSources {
  const log = logger.child({ bridge: bridge.id });
  const { source: src, destination: dst } = bridge;
  const deposits = depositReader(src, log);
  const finalizations = finalizationReader(dst, log);
  const book = createPairingBook({
    maxHeld: options.maxHeld,
    depositRows: (logs) => deposits.rows(bridge.id, logs),
    finalizationRows: (logs) => finalizations.rows(bridge.id, logs),
  });
  async function settle(trx: Db, pair = true): Promise<void> {
    if (!book.dirty()) return;
    const result = await book.flush(trx, { pair });
    log.debug(result, 'pairing book written');
  }
  /** hold the range (writing the book when it is full), or say it is not held */
  async function hold(trx: Db, side: BridgeSide, logs: RawLog[], range: IngestRange): Promise<'held' | undefined> {
    if (!book.holds(side, range)) return undefined;
    book.hold(side, logs, (side === 'source' ? deposits : finalizations).keys(logs), range);
    if (book.held() > book.maxHeld) await settle(trx);
    return 'held';
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
      fingerprint: fingerprint(event),
      async ingest(trx, logs, range) {
        if (await hold(trx, side, logs, range)) return 'held';
        await write(trx, logs);
      },
      async rollback(trx, block) {
        await settle(trx, false); // rows, not pairs: the rollback must be able to take either side back
        await deleteAbove(trx, bridge.id, block);
      },
      reset: (trx) => deleteBridgeSide(trx, bridge.id, side),
    };
  }

  const source = sideSource('source', src, (trx, logs) => insertDeposits(trx, deposits.rows(bridge.id, logs)), deleteDepositsAbove);
  const destination = sideSource('destination', dst, (trx, logs) => insertFinalizations(trx, finalizations.rows(bridge.id, logs)), deleteFinalizationsAbove);
  return { source, destination, settle, dirty: () => book.dirty() };
}
