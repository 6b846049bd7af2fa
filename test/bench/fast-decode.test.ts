/**
 * The ingest fast path must decode exactly what viem's decodeEventLog decodes (it replaces it for
 * one-word static types on the hot path), and step aside for anything else.
 */
import fc from 'fast-check';
import { type AbiEvent, decodeEventLog, encodeAbiParameters, encodeEventTopics, type Hex, parseAbiItem } from 'viem';
import { describe, expect, it } from 'vitest';
import type { RawLog } from '../../src/chain/blocks.ts';
import { fastDecoder, transferKey } from '../../src/watchers/bridge-sources.ts';
import { pairKey, pairKeyReader } from '../../src/watchers/bridge-decode.ts';

const EVENT = parseAbiItem(
  'event Moved(bytes32 indexed id, address indexed from, uint256 amount, address token, uint32 small, int128 delta, bool ok, bytes4 tag, uint64 nonce)',
) as AbiEvent;

function rawLog(topics: Hex[], data: Hex): RawLog {
  return { address: '0x1', topics, data, blockNumber: 1, blockHash: '0x2', blockTimestamp: 1, transactionHash: '0x3', logIndex: 0, removed: false };
}

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => `0x${Buffer.from(b).toString('hex')}` as Hex);

function normalize(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, typeof v === 'string' ? v.toLowerCase() : v]));
}

/** A random `Moved` log as a node returns it, with what viem decodes from it. */
const movedLog = fc
  .tuple(
    hex(32),
    hex(20),
    fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
    hex(20),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    fc.bigInt({ min: -(2n ** 127n), max: 2n ** 127n - 1n }),
    fc.boolean(),
    hex(4),
    fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
  )
  .map(([id, from, amount, token, small, delta, ok, tag, nonce]) => {
    const topics = encodeEventTopics({ abi: [EVENT], eventName: 'Moved', args: { id, from } as never }) as Hex[];
    const data = encodeAbiParameters(
      EVENT.inputs.filter((i) => !i.indexed),
      [amount, token, small, delta, ok, tag, nonce],
    );
    const args = decodeEventLog({ abi: [EVENT], topics: topics as [Hex, ...Hex[]], data, strict: true }).args as Record<string, unknown>;
    return { log: rawLog(topics, data), args };
  });

describe('fastDecoder', () => {
  it('decodes like viem for one-word static types', () => {
    const decode = fastDecoder(EVENT)!;
    expect(decode).not.toBeNull();
    fc.assert(
      fc.property(movedLog, ({ log, args }) => {
        expect(normalize(decode(log)!)).toEqual(normalize(args));
      }),
      { numRuns: 200 },
    );
  });

  it('steps aside for logs it cannot be sure of, and for dynamic types', () => {
    const decode = fastDecoder(parseAbiItem('event Finalized(bytes32 indexed transferId, bool ok)') as AbiEvent)!;
    const topic0 = `0x${'ab'.repeat(32)}` as Hex;
    const id = `0x${'cd'.repeat(32)}` as Hex;
    expect(decode(rawLog([topic0, id], `0x${'0'.repeat(63)}1`))).toEqual({ transferId: id, ok: true });
    // a bool that is not 0/1, a missing topic, extra data: the generic decoder decides
    expect(decode(rawLog([topic0, id], `0x${'0'.repeat(62)}02`))).toBeUndefined();
    expect(decode(rawLog([topic0], `0x${'0'.repeat(64)}`))).toBeUndefined();
    expect(decode(rawLog([topic0, id], `0x${'0'.repeat(128)}`))).toBeUndefined();
    expect(fastDecoder(parseAbiItem('event Note(bytes32 indexed id, string text)') as AbiEvent)).toBeNull();
    expect(fastDecoder(parseAbiItem('event Many(uint256[] ids)') as AbiEvent)).toBeNull();
  });
});

describe('pairKeyReader', () => {
  it('reads the same pair key as decoding the event and keying its id, for every one-word id type', () => {
    const names = ['id', 'from', 'amount', 'token', 'small', 'delta', 'ok', 'tag', 'nonce'];
    const types = Object.fromEntries(EVENT.inputs.map((i) => [i.name!, i.type]));
    const readers = Object.fromEntries(names.map((name) => [name, pairKeyReader(EVENT, name)]));
    for (const name of names) expect(readers[name], name).not.toBeNull();
    fc.assert(
      fc.property(movedLog, ({ log, args }) => {
        for (const name of names) {
          const quick = readers[name]!(log);
          // undefined: the reader leaves it to the decoder (a negative int)
          if (quick !== undefined) expect(quick, name).toBe(pairKey(transferKey(args[name], types[name]!)));
          else expect(name === 'delta' && (args.delta as bigint) < 0n, name).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('has nothing to read for dynamic layouts and leaves odd logs to the decoder', () => {
    expect(pairKeyReader(parseAbiItem('event Note(bytes32 indexed id, string text)') as AbiEvent, 'id')).toBeNull();
    const read = pairKeyReader(parseAbiItem('event Finalized(bytes32 indexed transferId)') as AbiEvent, 'transferId')!;
    const topic0 = `0x${'ab'.repeat(32)}` as Hex;
    const word = `0x${'0'.repeat(62)}2a` as Hex;
    expect(read(rawLog([topic0, word], '0x'))).toBe(word);
    expect(pairKey('0x2a')).toBe(word);
    expect(pairKey('string:abc')).toBe('string:abc');
    expect(pairKey('-0x2a')).toBe('-0x2a');
    expect(read(rawLog([topic0], '0x'))).toBeUndefined();
    expect(read(rawLog([topic0, `0x${'0'.repeat(64)}`], `0x${'0'.repeat(64)}`))).toBeUndefined();
  });
});
