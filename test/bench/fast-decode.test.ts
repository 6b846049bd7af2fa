/**
 * The ingest fast path must decode exactly what viem's decodeEventLog decodes (it replaces it for
 * one-word static types on the hot path), and step aside for anything else.
 */
import fc from 'fast-check';
import { type AbiEvent, decodeEventLog, encodeAbiParameters, encodeEventTopics, type Hex, parseAbiItem } from 'viem';
import { describe, expect, it } from 'vitest';
import type { RawLog } from '../../src/chain/blocks.ts';
import { fastDecoder } from '../../src/watchers/bridge-sources.ts';

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

describe('fastDecoder', () => {
  it('decodes like viem for one-word static types', () => {
    const decode = fastDecoder(EVENT)!;
    expect(decode).not.toBeNull();
    fc.assert(
      fc.property(
        hex(32),
        hex(20),
        fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        hex(20),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.bigInt({ min: -(2n ** 127n), max: 2n ** 127n - 1n }),
        fc.boolean(),
        hex(4),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        (id, from, amount, token, small, delta, ok, tag, nonce) => {
          const topics = encodeEventTopics({ abi: [EVENT], eventName: 'Moved', args: { id, from } as never }) as Hex[];
          const data = encodeAbiParameters(
            EVENT.inputs.filter((i) => !i.indexed),
            [amount, token, small, delta, ok, tag, nonce],
          );
          const viem = decodeEventLog({ abi: [EVENT], topics: topics as [Hex, ...Hex[]], data, strict: true }).args as Record<string, unknown>;
          expect(normalize(decode(rawLog(topics, data))!)).toEqual(normalize(viem));
        },
      ),
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
