/**
 * Event decoding for presets (pure: viem's ABI helpers do no I/O). Signatures are human-readable
 * Solidity, tuples written inline; topic0 is computed from them, never typed in by hand.
 */
import { type AbiEvent, decodeEventLog, type Hex, parseAbiItem, toEventSelector } from 'viem';
import type { RawEventLog } from './model.ts';

export interface EventAbi {
  signature: string;
  abiEvent: AbiEvent;
  topic0: Hex;
  /** the log's arguments by name; null when the log is another event or another layout */
  decode(log: RawEventLog): Record<string, unknown> | null;
}

export function eventAbi(signature: string): EventAbi {
  const abiEvent = parseAbiItem(signature.startsWith('event ') ? signature : `event ${signature}`) as AbiEvent;
  const topic0 = toEventSelector(abiEvent).toLowerCase() as Hex;
  return {
    signature,
    abiEvent,
    topic0,
    decode(log) {
      if (log.topics[0]?.toLowerCase() !== topic0) return null;
      try {
        const { args } = decodeEventLog({ abi: [abiEvent], data: log.data as Hex, topics: log.topics as [Hex, ...Hex[]], strict: true });
        return args as unknown as Record<string, unknown>;
      } catch {
        return null; // same topic0, other layout (e.g. an ERC-20 Transfer where an ERC-721 one is read)
      }
    },
  };
}

/** an address or a bytes32 holding one (Across's Solana-era tokens) as a lower-case address */
export function evmAddress(value: unknown): string {
  const hex = String(value).toLowerCase();
  return `0x${hex.slice(-40)}`;
}

export function asBigInt(value: unknown): bigint {
  return typeof value === 'bigint' ? value : BigInt(value as number | string);
}
