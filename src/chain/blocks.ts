/**
 * Block headers and logs as plain values (numbers for block numbers: chains will not pass 2^53
 * blocks), read through the RpcClient. Actions are plain functions taking the client, as in viem.
 */
import { RetryableError } from '../core/errors.ts';
import type { RpcClient } from './rpc.ts';

export interface BlockHeader {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
}

export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: number;
  blockHash: string;
  /** seconds; filled from the log when the node provides it, otherwise from the block header */
  blockTimestamp: number | undefined;
  transactionHash: string;
  logIndex: number;
  removed: boolean;
}

interface RpcBlock {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
}

interface RpcLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  blockTimestamp?: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

function toHeader(block: RpcBlock | null, label: string): BlockHeader {
  if (!block || typeof block.hash !== 'string') throw new RetryableError(`block ${label} not available yet`);
  return {
    number: Number(block.number),
    hash: block.hash.toLowerCase(),
    parentHash: block.parentHash.toLowerCase(),
    timestamp: Number(block.timestamp),
  };
}

export async function getHead(rpc: RpcClient): Promise<BlockHeader> {
  return toHeader(await rpc.request<RpcBlock | null>('eth_getBlockByNumber', ['latest', false]), 'latest');
}

export async function getHeader(rpc: RpcClient, number: number): Promise<BlockHeader> {
  return toHeader(
    await rpc.request<RpcBlock | null>('eth_getBlockByNumber', [`0x${number.toString(16)}`, false]),
    String(number),
  );
}

export async function getHeaders(rpc: RpcClient, numbers: number[]): Promise<BlockHeader[]> {
  const out: BlockHeader[] = [];
  for (let i = 0; i < numbers.length; i += 100) {
    const slice = numbers.slice(i, i + 100);
    const blocks = await rpc.batch<RpcBlock | null>(
      slice.map((n) => ({ method: 'eth_getBlockByNumber', params: [`0x${n.toString(16)}`, false] })),
    );
    blocks.forEach((block, j) => out.push(toHeader(block, String(slice[j]))));
  }
  return out;
}

export interface LogFilter {
  addresses: string[];
  /** topic0 alternatives */
  topic0: string[];
  /** topics[1] alternatives (absent: any) */
  topic1?: string[];
  fromBlock: number;
  toBlock: number;
}

export async function getLogs(rpc: RpcClient, filter: LogFilter): Promise<RawLog[]> {
  const logs = await rpc.request<RpcLog[]>(
    'eth_getLogs',
    [
      {
        address: filter.addresses.length === 1 ? filter.addresses[0] : filter.addresses,
        topics: [
          filter.topic0.length === 1 ? filter.topic0[0] : filter.topic0,
          ...(filter.topic1 ? [filter.topic1.length === 1 ? filter.topic1[0] : filter.topic1] : []),
        ],
        fromBlock: `0x${filter.fromBlock.toString(16)}`,
        toBlock: `0x${filter.toBlock.toString(16)}`,
      },
    ],
    { timeoutMs: 60_000 },
  );
  if (!Array.isArray(logs)) throw new RetryableError('eth_getLogs answered with something that is not a list');
  // normalized in place (no second object per log: a catch-up reads hundreds of thousands)
  const out = logs as unknown as RawLog[];
  // neighbouring logs share their block, contract and event: each distinct string is lower-cased
  // once, and one topic0 object per event means its hash is computed once for the lookups downstream
  const address = repeating((value) => value.toLowerCase());
  const blockHash = repeating((value) => value.toLowerCase());
  const topic0 = repeating((value) => value);
  for (let i = 0; i < logs.length; i++) {
    const log = logs[i]!;
    if (!log || typeof log !== 'object' || !Array.isArray(log.topics) || typeof log.data !== 'string' || typeof log.blockHash !== 'string') {
      throw new RetryableError('eth_getLogs answered with a log that is not one');
    }
    const raw = out[i]!;
    raw.address = address(String(log.address));
    if (log.topics.length > 0) log.topics[0] = topic0(log.topics[0]!);
    raw.blockNumber = Number(log.blockNumber);
    raw.blockHash = blockHash(log.blockHash);
    raw.blockTimestamp = log.blockTimestamp === undefined ? undefined : Number(log.blockTimestamp);
    raw.logIndex = Number(log.logIndex);
    raw.removed = log.removed === true;
  }
  return out;
}

/** `transform`, answered from the previous call when the value repeats */
function repeating(transform: (value: string) => string): (value: string) => string {
  let last: string | undefined;
  let result = '';
  return (value) => (value === last ? result : ((last = value), (result = transform(value))));
}

/** Fill in block timestamps for nodes whose logs do not carry them (one batched header fetch). */
export async function fillTimestamps(rpc: RpcClient, logs: RawLog[]): Promise<void> {
  const missing = [...new Set(logs.filter((log) => log.blockTimestamp === undefined).map((log) => log.blockNumber))];
  if (missing.length === 0) return;
  const headers = await getHeaders(rpc, missing);
  const byNumber = new Map(headers.map((header) => [header.number, header.timestamp]));
  for (const log of logs) if (log.blockTimestamp === undefined) log.blockTimestamp = byNumber.get(log.blockNumber);
}
