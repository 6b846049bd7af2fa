/**
 * A preset bridge's sides as log sources (SPEC §10): every event a side knows (current and older
 * generations, success and failure) is read as its own source; each log is decoded by the preset
 * into a SideEvent and written as a deposit or a finalization row with its stage. Preset bridges
 * do not go through the pairing book: a lifecycle (failed, then retried, then delivered) needs
 * every event in the store, and occurrence keys are numbered against what the store holds.
 */
import type { Logger } from '../core/log.ts';
import { presetNamed } from '../core/presets/index.ts';
import { eventAbi } from '../core/presets/abi.ts';
import { occurrenceKey, type Preset, type SideContext, type SideEvent } from '../core/presets/model.ts';
import type { BridgeConfig } from '../config/types.ts';
import type { RawLog } from '../chain/blocks.ts';
import type { LogSource } from '../chain/sync.ts';
import type { Db } from '../store/store.ts';
import {
  type DepositRow,
  deleteBridgeSide,
  deleteDepositsAbove,
  deleteFinalizationsAbove,
  type FinalizationRow,
  insertDeposits,
  insertFinalizations,
  occurrenceCounts,
  storedLogs,
} from '../store/transfers.ts';

export type Side = 'source' | 'destination';

export interface ChainIds {
  source: number;
  destination: number;
}

interface Decoded {
  event: SideEvent;
  log: RawLog;
}

/** Decode a side's logs with the preset (logs of other routes, or not decodable, are dropped). */
export function decodeSide(preset: Preset, side: Side, ctx: SideContext, logs: RawLog[], logger?: Logger): Decoded[] {
  const byTopic = new Map(preset[side].map((e) => [eventAbi(e.signature).topic0, e] as const));
  const out: Decoded[] = [];
  for (const log of logs) {
    const decoder = byTopic.get(log.topics[0]?.toLowerCase() as `0x${string}`);
    let event: SideEvent | null = null;
    try {
      event = decoder ? decoder.decode(log, ctx) : null;
    } catch (error) {
      logger?.warn({ tx: log.transactionHash, logIndex: log.logIndex, reason: (error as Error).message.split('\n')[0] }, 'log does not decode as the preset event: skipped');
    }
    if (event) out.push({ event, log });
  }
  return out;
}

/** Wormhole-style amounts normalised to fewer decimals, back in the token's own decimals. */
export function scaleAmount(amount: bigint, amountDecimals: number | undefined, tokenDecimals: number | undefined): bigint {
  if (amountDecimals === undefined || tokenDecimals === undefined || tokenDecimals <= amountDecimals) return amount;
  return amount * 10n ** BigInt(tokenDecimals - amountDecimals);
}

/**
 * `key#n` per occurrence, counting what the store already holds for this side. A log the store
 * already holds (read again after a restart or over a re-read range) is left out: numbered again it
 * would become the key's next occurrence — a phantom deposit, or a release read as a replay.
 */
async function numbered<T extends { transferKey: string; blockNumber: number; txHash: string; logIndex: number }>(
  trx: Db,
  table: 'deposits' | 'finalizations',
  bridge: string,
  rows: T[],
  counts?: (row: T) => boolean,
): Promise<T[]> {
  const stored = await storedLogs(trx, table, bridge, rows);
  if (stored.size > 0) rows = rows.filter((row) => !stored.has(`${row.txHash}:${row.logIndex}`));
  const counted = rows.filter((row) => counts?.(row) ?? true);
  const held = await occurrenceCounts(trx, table, bridge, counted.map((r) => r.transferKey));
  for (const row of counted) {
    const n = (held.get(row.transferKey) ?? 0) + 1;
    held.set(row.transferKey, n);
    row.transferKey = occurrenceKey(row.transferKey, n);
  }
  return rows;
}

/** One source of a preset bridge: the chain it is read on and the side it belongs to (readiness, SPEC §3). */
export interface PresetSource {
  chain: string;
  side: Side;
  source: LogSource;
}

/**
 * `sourceClock`: the source chain's current head timestamp (seconds), stamped on every release as it
 * is written so that the unbacked grace runs on the source's clock (SPEC §11; bridge-sources.ts).
 */
export function presetSources(bridge: BridgeConfig, chainIds: ChainIds, logger: Logger, sourceClock?: () => number | undefined): PresetSource[] {
  const preset = presetNamed(bridge.preset!.name)!;
  const log = logger.child({ bridge: bridge.id, preset: preset.name });
  const params = bridge.preset!.params;
  const ctx: Record<Side, SideContext> = {
    source: { chainId: chainIds.source, otherChainId: chainIds.destination, params },
    destination: { chainId: chainIds.destination, otherChainId: chainIds.source, params },
  };

  function depositRows(logs: RawLog[]): DepositRow[] {
    return decodeSide(preset, 'source', ctx.source, logs, log).map(({ event, log: entry }) => ({
      bridge: bridge.id,
      transferKey: event.key,
      transferId: event.id,
      blockNumber: entry.blockNumber,
      blockTimestamp: entry.blockTimestamp ?? 0,
      txHash: entry.transactionHash,
      logIndex: entry.logIndex,
      token: event.token ?? null,
      amount: scaleAmount(event.amount ?? 0n, preset.amountDecimals, event.token ? bridge.tokens[event.token]?.decimals : bridge.defaultToken?.decimals),
      tokenId: event.tokenId ?? null,
      expiresAt: event.expiresAt ?? null,
      waitsForUser: event.waitsForUser ?? false,
    }));
  }

  function finalizationRows(logs: RawLog[]): FinalizationRow[] {
    const seen = sourceClock?.();
    return decodeSide(preset, 'destination', ctx.destination, logs, log).map(({ event, log: entry }) => ({
      bridge: bridge.id,
      transferKey: event.key,
      blockNumber: entry.blockNumber,
      blockTimestamp: entry.blockTimestamp ?? 0,
      txHash: entry.transactionHash,
      logIndex: entry.logIndex,
      stage: event.stage,
      ...(seen !== undefined ? { sourceSeenAt: seen } : {}),
    }));
  }

  const occurrence = preset.keying === 'occurrence';
  const write: Record<Side, (trx: Db, logs: RawLog[]) => Promise<void>> = {
    source: async (trx, logs) => {
      const rows = depositRows(logs);
      await insertDeposits(trx, occurrence ? await numbered(trx, 'deposits', bridge.id, rows) : rows);
    },
    destination: async (trx, logs) => {
      const rows = finalizationRows(logs);
      await insertFinalizations(trx, occurrence ? await numbered(trx, 'finalizations', bridge.id, rows, (r) => r.stage === 'delivered') : rows);
    },
  };

  const topicsOf = (side: Side) => [...new Set(preset[side].map((e) => eventAbi(e.signature).topic0))];
  // one fingerprint per side: when anything of it changes, all its sources start over together
  const sideFingerprint = (side: Side) =>
    `preset:${preset.name}|${bridge[side].address}|${topicsOf(side).join(',')}|${JSON.stringify(params)}|${chainIds.source}>${chainIds.destination}|${bridge[side].fromBlock}`;
  // and both sides together: a side read again next to the other's pruned pairs would make them pending or unbacked
  const pairFingerprint = `pair|${sideFingerprint('source')}|>|${sideFingerprint('destination')}`;
  const out: PresetSource[] = [];
  for (const side of ['source', 'destination'] as const) {
    const config = bridge[side];
    const topics = topicsOf(side);
    const legacyFingerprint = sideFingerprint(side);
    topics.forEach((topic0, i) => {
      out.push({
        chain: config.chain,
        side,
        source: {
          key: i === 0 ? `bridge:${bridge.id}:${side}` : `bridge:${bridge.id}:${side}:${topic0.slice(0, 10)}`,
          address: config.address.toLowerCase(),
          topic0,
          fromBlock: Number(config.fromBlock),
          fingerprint: pairFingerprint,
          legacyFingerprint,
          ingest: (trx, logs) => write[side](trx, logs),
          quietWhenEmpty: true,
          rollback: async (trx, block) => {
            await (side === 'source' ? deleteDepositsAbove : deleteFinalizationsAbove)(trx, bridge.id, block);
          },
          reset: (trx) => deleteBridgeSide(trx, bridge.id, side),
        },
      });
    });
  }
  return out;
}
