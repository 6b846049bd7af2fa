/**
 * A chain with a long history for anvil, as a state file for `anvil --load-state`.
 *
 * anvil cannot mine a long history here: `anvil_mine` slows down as the chain grows (5,000 blocks
 * took 33 s, the sixth 5,000 took 146 s), so 500k blocks would take hours. anvil does load blocks
 * from a state file, though, and then serves them like mined ones: eth_getBlockByNumber,
 * eth_getLogs over them, new blocks on top. This writes such a file: the accounts and genesis of a
 * fresh anvil (its dump), then `blocks` empty blocks whose headers are hashed exactly as anvil
 * hashes them (RLP of the header, keccak), each naming its parent's hash, `blockSeconds` apart and
 * ending now. The file is large (about 1.6 kB a block, mostly the empty logs bloom); anvil takes
 * about 10 s and 1.7 GB to load 500k blocks.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { keccak256, type Hex, hexToBytes } from 'viem';
import { startAnvil } from '../../src/chain/anvil.ts';

/** the header fields in their RLP order (London … Prague), and which of them are integers */
const FIELDS = [
  'parentHash', 'sha3Uncles', 'miner', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'difficulty', 'number',
  'gasLimit', 'gasUsed', 'timestamp', 'extraData', 'mixHash', 'nonce', 'baseFeePerGas', 'withdrawalsRoot', 'blobGasUsed',
  'excessBlobGas', 'parentBeaconBlockRoot', 'requestsHash',
] as const;
const INTEGERS = new Set(['difficulty', 'number', 'gasLimit', 'gasUsed', 'timestamp', 'baseFeePerGas', 'blobGasUsed', 'excessBlobGas']);

type Header = Record<string, string>;

function lengthPrefix(length: number, short: number, long: number): number[] {
  if (length <= 55) return [short + length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return [long + bytes.length, ...bytes];
}

function integerBytes(value: number | bigint): Uint8Array {
  let n = BigInt(value);
  const bytes: number[] = [];
  for (; n > 0n; n >>= 8n) bytes.unshift(Number(n & 0xffn));
  return Uint8Array.from(bytes);
}

function rlpItem(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 1 && bytes[0]! < 0x80) return bytes;
  return Uint8Array.from([...lengthPrefix(bytes.length, 0x80, 0xb7), ...bytes]);
}

function fieldItem(header: Header, field: string): Uint8Array {
  const value = header[field]!;
  return rlpItem(INTEGERS.has(field) ? integerBytes(BigInt(value)) : hexToBytes(value as Hex));
}

function rlpList(items: Uint8Array[]): Hex {
  const payload = items.reduce((n, item) => n + item.length, 0);
  const prefix = lengthPrefix(payload, 0xc0, 0xf7);
  const out = new Uint8Array(prefix.length + payload);
  out.set(prefix, 0);
  let at = prefix.length;
  for (const item of items) {
    out.set(item, at);
    at += item.length;
  }
  return keccak256(out);
}

/** the block hash anvil gives this header */
export function headerHash(header: Header): Hex {
  return rlpList(FIELDS.filter((f) => header[f] !== undefined).map((f) => fieldItem(header, f)));
}

/** hashes of headers that differ from `template` only in parent hash, number and timestamp */
function templateHasher(template: Header): (parentHash: Hex, number: number, timestamp: number) => Hex {
  const fields = FIELDS.filter((f) => template[f] !== undefined);
  const items = fields.map((f) => fieldItem(template, f));
  const [parentAt, numberAt, timeAt] = (['parentHash', 'number', 'timestamp'] as const).map((f) => fields.indexOf(f));
  return (parentHash, number, timestamp) => {
    items[parentAt!] = rlpItem(hexToBytes(parentHash));
    items[numberAt!] = rlpItem(integerBytes(number));
    items[timeAt!] = rlpItem(integerBytes(timestamp));
    return rlpList(items);
  };
}

async function call(url: string, method: string, params: unknown[] = []): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: unknown };
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

/** the state of a fresh anvil (accounts, system contracts, genesis), blocks sorted by number */
async function freshState(): Promise<{ state: Record<string, any>; blocks: Array<{ header: Header }> }> {
  const anvil = await startAnvil({ chainId: 31337 });
  try {
    await call(anvil.url, 'anvil_mine', ['0x1', '0x1']);
    const dumped = (await call(anvil.url, 'anvil_dumpState')) as Hex;
    const state = JSON.parse(gunzipSync(hexToBytes(dumped)).toString()) as Record<string, any>;
    const blocks = (state.blocks as Array<{ header: Header }>).sort((a, b) => Number(a.header.number) - Number(b.header.number));
    return { state, blocks };
  } finally {
    await anvil.stop();
  }
}

/**
 * Write a state file of `blocks` empty blocks on top of anvil's genesis, the last one stamped
 * `endTimestamp` (default: now). Every anvil started with `--load-state <file>` serves the same
 * history (the chain id comes from its own arguments).
 */
export async function writeLongHistory(file: string, options: { blocks: number; blockSeconds?: number; endTimestamp?: number }): Promise<void> {
  const { state, blocks: fresh } = await freshState();
  const genesis = fresh[0]!;
  const template = fresh[1]!.header;
  if (headerHash(genesis.header) !== template.parentHash) throw new Error('long history: header hashing does not match this anvil');
  const end = options.endTimestamp ?? Math.floor(Date.now() / 1000);
  const spacing = options.blockSeconds ?? 12;
  const last = options.blocks;

  // a block's JSON with its three varying fields spliced in
  const marker = { parentHash: '@PARENT@', number: '@NUMBER@', timestamp: '@TIME@' };
  const [beforeParent, rest1] = JSON.stringify({ header: { ...template, ...marker }, transactions: [], ommers: [], withdrawals: null }).split('@PARENT@') as [string, string];
  const [beforeNumber, rest2] = rest1.split('@NUMBER@') as [string, string];
  const [beforeTime, afterTime] = rest2.split('@TIME@') as [string, string];

  // the head and everything after `blocks` of the dump, with this history in between
  const head = JSON.stringify({
    ...state,
    best_block_number: last,
    block: { ...state.block, number: `0x${last.toString(16)}`, timestamp: `0x${end.toString(16)}` },
    blocks: [],
  });
  const at = head.indexOf('"blocks":[]') + '"blocks":['.length;
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, head.slice(0, at));
    writeSync(fd, JSON.stringify(genesis));
    const hash = templateHasher(template);
    let parent = headerHash(genesis.header);
    let chunk: string[] = [];
    for (let n = 1; n <= last; n++) {
      const timestamp = end - (last - n) * spacing;
      chunk.push(`,${beforeParent}${parent}${beforeNumber}0x${n.toString(16)}${beforeTime}0x${timestamp.toString(16)}${afterTime}`);
      parent = hash(parent, n, timestamp);
      if (chunk.length === 10_000) {
        writeSync(fd, chunk.join(''));
        chunk = [];
      }
    }
    writeSync(fd, chunk.join(''));
    writeSync(fd, head.slice(at));
  } finally {
    closeSync(fd);
  }
}
