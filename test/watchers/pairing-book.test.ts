/** The pairing book's rules, on a real embedded store: what is dropped, what is written. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawLog } from '../../src/chain/blocks.ts';
import type { IngestRange } from '../../src/chain/sync.ts';
import { getCheckpoints } from '../../src/store/checkpoints.ts';
import { unbackedReleases } from '../../src/store/exploit.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { countTransfers, pendingTransfers } from '../../src/store/transfers.ts';
import { createPairingBook } from '../../src/watchers/pairing.ts';

const log = (block: number, index: number): RawLog => ({
  address: '0x1',
  topics: [],
  data: '0x',
  blockNumber: block,
  blockHash: `0x${block}`,
  blockTimestamp: 1_000 + block,
  transactionHash: `0x${block}${index}`,
  logIndex: index,
  removed: false,
});
const range = (source: string, block: number, finalBlock: number): IngestRange => ({
  checkpoint: { source, chain: source.endsWith('source') ? 'a' : 'b', blockNumber: block, blockHash: `0x${block}`, blockTimestamp: 0, fingerprint: 'f' },
  finalBlock,
  afterCommit: (fn) => fn(),
});

describe('pairing book', () => {
  let store: Store;
  let bridge = 0;
  beforeAll(async () => {
    store = await createStore({ kind: 'pglite', url: 'memory://' });
  });
  afterAll(async () => {
    await store?.close();
  });

  function book(maxHeld?: number) {
    const id = `b${++bridge}`;
    const keyOf = (l: RawLog) => `k${l.transactionHash}`;
    return {
      id,
      book: createPairingBook({
        maxHeld,
        // the key is carried in the log's tx hash here; rows keep it as transfer key
        depositRows: (logs) =>
          logs.map((l) => ({ bridge: id, transferKey: keyOf(l), transferId: keyOf(l), blockNumber: l.blockNumber, blockTimestamp: l.blockTimestamp!, txHash: l.transactionHash, logIndex: l.logIndex, token: null, amount: 1n })),
        finalizationRows: (logs) =>
          logs.map((l) => ({ bridge: id, transferKey: keyOf(l), blockNumber: l.blockNumber, blockTimestamp: l.blockTimestamp!, txHash: l.transactionHash, logIndex: l.logIndex })),
      }),
    };
  }
  // a deposit and a finalization of transfer `k`, with the key in the tx hash
  const withKey = (block: number, key: string): RawLog => ({ ...log(block, 0), transactionHash: key });

  it('drops pairs final on both sides, writes the rest and both checkpoints', async () => {
    const { id, book: b } = book();
    expect(b.holds('source', range(`${id}:source`, 10, 100))).toBe(true);
    expect(b.holds('source', range(`${id}:source`, 150, 100))).toBe(false);
    b.hold('source', [withKey(10, 'x1'), withKey(11, 'x2'), withKey(12, 'x3'), withKey(12, 'x1')], ['x1', 'x2', 'x3', 'x1'], range(`${id}:source`, 12, 100));
    // x2's finalization is above its chain's final block: kept as a row with its deposit
    b.hold('destination', [withKey(20, 'x1'), withKey(120, 'x2'), withKey(21, 'orphan')], ['x1', 'x2', 'orphan'], range(`${id}:destination`, 120, 100));
    // once holding, a side keeps holding even near the head
    expect(b.holds('source', range(`${id}:source`, 150, 100))).toBe(true);
    const result = await b.flush(store);
    expect(result).toEqual({ settled: 1, deposits: 2, finalizations: 2 });
    expect(await countTransfers(store.db, id)).toEqual({ deposits: 2, finalizations: 2 });
    expect((await pendingTransfers(store.db, id)).map((p) => p.transferKey)).toEqual(['kx3']);
    const points = [...(await getCheckpoints(store.db, 'a')), ...(await getCheckpoints(store.db, 'b'))].filter((c) => c.source.startsWith(`${id}:`));
    expect(points.map((c) => [c.source, c.blockNumber]).sort()).toEqual([
      [`${id}:destination`, 120],
      [`${id}:source`, 12],
    ]);
    expect(b.held()).toBe(0);
    expect(b.holds('source', range(`${id}:source`, 150, 100))).toBe(false);
  });

  it('a pair that turned final while held settles at the flush; with pair: false (before a rollback) it is written', async () => {
    for (const pair of [true, false]) {
      const { id, book: b } = book();
      b.hold('source', [withKey(10, 'y1')], ['y1'], range(`${id}:source`, 10, 100));
      // matched, but the finalization is not final yet
      b.hold('destination', [withKey(120, 'y1')], ['y1'], range(`${id}:destination`, 120, 100));
      expect(b.held()).toBe(2);
      // a later (empty) range: the destination's chain has moved on, block 120 is final now
      b.hold('destination', [], [], range(`${id}:destination`, 400, 200));
      const result = await b.flush(store, { pair });
      expect(result).toEqual(pair ? { settled: 1, deposits: 0, finalizations: 0 } : { settled: 0, deposits: 1, finalizations: 1 });
      expect(await pendingTransfers(store.db, id)).toEqual([]);
    }
  });

  it('settled pairs are not held, but the checkpoints they moved still need writing', async () => {
    const { id, book: b } = book();
    b.hold('destination', [withKey(20, 'w1')], ['w1'], range(`${id}:destination`, 20, 100));
    b.hold('source', [withKey(10, 'w1')], ['w1'], range(`${id}:source`, 10, 100));
    expect(b.held()).toBe(0);
    expect(b.dirty()).toBe(true);
    expect(await b.flush(store)).toEqual({ settled: 1, deposits: 0, finalizations: 0 });
    expect(b.dirty()).toBe(false);
    const points = (await getCheckpoints(store.db, 'a')).filter((c) => c.source === `${id}:source`);
    expect(points.map((c) => c.blockNumber)).toEqual([10]);
  });

  it('a replayed finalization (a second release of a deposited id) is written and reads as unbacked, settled pair or not', async () => {
    for (const final of [false, true]) {
      const { id, book: b } = book();
      b.hold('source', [withKey(10, 'r1')], ['r1'], range(`${id}:source`, 10, 100));
      // final: the pair settles and is dropped at once; not final: both are written with the replay
      const at = final ? 20 : 120;
      b.hold('destination', [withKey(at, 'r1'), { ...withKey(at + 1, 'r1'), logIndex: 1 }], ['r1', 'r1'], range(`${id}:destination`, at + 1, 100));
      await b.flush(store);
      expect(await countTransfers(store.db, id)).toEqual(final ? { deposits: 0, finalizations: 1 } : { deposits: 1, finalizations: 2 });
      const unbacked = await unbackedReleases(store.db, { bridge: id, cutoff: Number.MAX_SAFE_INTEGER });
      expect(unbacked.map((r) => [r.blockNumber, r.logIndex])).toEqual([[at + 1, 1]]);
      expect(await pendingTransfers(store.db, id)).toEqual([]);
    }
  });

  it('logs that do not decode (null key) are not held', () => {
    const { id, book: b } = book();
    b.hold('source', [withKey(10, 'z1'), withKey(10, 'z2')], ['z1', null], range(`${id}:source`, 10, 100));
    expect(b.held()).toBe(1);
  });

  it('a write that fails (connection reset mid-flush) keeps everything held; holds made meanwhile wait; nothing is lost', async () => {
    const { id, book: b } = book();
    b.hold('source', [withKey(10, 'f1'), withKey(11, 'f2'), withKey(12, 'f3')], ['f1', 'f2', 'f3'], range(`${id}:source`, 12, 100));
    b.hold('destination', [withKey(20, 'f1'), withKey(21, 'orphan')], ['f1', 'orphan'], range(`${id}:destination`, 21, 100));
    expect(b.held()).toBe(3);
    // fault injection: the transaction runs the inserts, then the connection "resets" before COMMIT
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const broken = {
      transaction: <T>(work: (trx: never) => Promise<T>) =>
        store.transaction(async (trx) => {
          await work(trx as never);
          await gate;
          throw new Error('Connection terminated unexpectedly');
        }),
    } as unknown as Store;
    const failing = b.flush(broken);
    // a range held while the write runs (the other chain's sync): it waits for the outcome
    await new Promise((r) => setTimeout(r, 20));
    b.hold('source', [withKey(13, 'f4')], ['f4'], range(`${id}:source`, 13, 100));
    release();
    await expect(failing).rejects.toThrow(/Connection terminated/);
    // nothing was committed, nothing was forgotten
    expect(await countTransfers(store.db, id)).toEqual({ deposits: 0, finalizations: 0 });
    expect(b.held()).toBe(4);
    expect(b.dirty()).toBe(true);
    const result = await b.flush(store);
    expect(result).toEqual({ settled: 1, deposits: 3, finalizations: 1 });
    expect((await pendingTransfers(store.db, id)).map((p) => p.transferKey).sort()).toEqual(['kf2', 'kf3', 'kf4']);
    const points = (await getCheckpoints(store.db, 'a')).filter((c) => c.source === `${id}:source`);
    expect(points.map((c) => c.blockNumber)).toEqual([13]);
    expect(b.held()).toBe(0);
  });

  it('is due after a commit interval of held ranges, not before', async () => {
    let clock = 1_000;
    const id = `b${++bridge}`;
    const b = createPairingBook({ commitEveryMs: 30_000, commitEveryRanges: 3, now: () => clock, depositRows: () => [], finalizationRows: () => [] });
    expect(b.due()).toBe(false);
    b.hold('source', [], [], range(`${id}:source`, 1, 100));
    expect(b.due()).toBe(false);
    clock += 29_999;
    expect(b.due()).toBe(false);
    clock += 1;
    expect(b.due()).toBe(true);
    await b.flush(store);
    expect(b.due()).toBe(false);
    for (let i = 2; i <= 4; i++) b.hold('source', [], [], range(`${id}:source`, i, 100));
    expect(b.due()).toBe(true);
  });
});
