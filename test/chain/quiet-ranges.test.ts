/**
 * Final ranges nobody writes for (chain/sync.ts): a sparse history read through a provider's block
 * cap needs no transaction per range. The quiet sources' checkpoints and the ranges' edge headers are
 * saved with the next write, at least every QUIET_RANGES_KEPT ranges, before a rollback and once
 * caught up. A sync stopped mid-way (kill -9: nothing more is written) resumes at most that many
 * ranges back, and no log is lost or read twice into the store. A source that writes empty ranges
 * (no `quietWhenEmpty`) still gets its transaction per range.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployArtifact } from '../../src/chain/artifacts.ts';
import { type ChainSync, type LogSource, QUIET_RANGES_KEPT } from '../../src/chain/sync.ts';
import { type LocalChain, startLocalChain } from '../../src/drill/chains.ts';
import { getCheckpoints } from '../../src/store/checkpoints.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { ERC20_TRANSFER } from '../../src/watchers/exploit/outflow.ts';
import { type HostedProvider, startHostedProvider } from '../support/hosted-provider.ts';
import { localChainSync, mintDrillToken } from '../support/local-sync.ts';
import { writeLongHistory } from '../support/long-history.ts';

const HISTORY = 20_000;
const CAP = 100;
const REORG_WINDOW = 4;

let dir: string;
let chain: LocalChain;
let provider: HostedProvider;
let token: Address;
let head: number;
const stores: Store[] = [];

const mint = (amount: bigint) => mintDrillToken(chain, token, amount);

/** a store that counts its transactions; transaction number `failAt` fails (a connection reset) */
async function countingStore(options: { failAt?: number } = {}): Promise<{ store: Store; transactions: () => number }> {
  const store = await createStore({ kind: 'pglite', url: join(dir, `db-${stores.length}`) });
  stores.push(store);
  let count = 0;
  const transaction = store.transaction.bind(store);
  store.transaction = ((fn: Parameters<Store['transaction']>[0]) => {
    count++;
    if (count === options.failAt) return Promise.reject(new Error('connection reset (injected)'));
    return transaction(fn);
  }) as Store['transaction'];
  return { store, transactions: () => count };
}

function syncFor(store: Store, options: { quiet: boolean; read: string[] }): ChainSync {
  const source: LogSource = {
    key: 'transfers',
    address: token.toLowerCase(),
    topic0: ERC20_TRANSFER,
    fromBlock: 0,
    fingerprint: 'transfers@0',
    quietWhenEmpty: options.quiet,
    async ingest(trx, logs) {
      for (const log of logs) options.read.push(`${log.blockNumber}:${log.logIndex}`);
      // like admin_events: what it read is stored in the range's transaction
      if (logs.length > 0) await trx.selectFrom('sync_checkpoints').select('source').execute();
    },
    rollback: async () => {},
    reset: async () => {},
  };
  return localChainSync({ url: provider.url, store, sources: [source], reorgWindow: REORG_WINDOW });
}

async function stored(store: Store): Promise<number> {
  return (await getCheckpoints(store.db, 'ethereum')).find((c) => c.source === 'transfers')?.blockNumber ?? -1;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-quiet-'));
  const history = join(dir, 'history.json');
  await writeLongHistory(history, { blocks: HISTORY });
  chain = await startLocalChain({ name: 'ethereum', chainId: 31337, anvilArgs: ['--load-state', history] });
  token = await deployArtifact({ name: 'DrillToken', walletClient: chain.walletClient, publicClient: chain.publicClient, args: ['Q', 'Q', 6] });
  // two Transfers at the top of the history, then blocks enough for them to be final
  await mint(1n);
  await mint(2n);
  await chain.mine(2 * REORG_WINDOW);
  head = Number(await chain.publicClient.getBlockNumber());
  provider = await startHostedProvider(chain.anvil.url, { maxBlockRange: CAP });
}, 180_000);

afterAll(async () => {
  for (const store of stores) await store.close();
  await provider?.close();
  await chain?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('quiet final ranges', () => {
  it('need no transaction each; a stop mid-way resumes at most QUIET_RANGES_KEPT ranges back', { timeout: 180_000 }, async () => {
    const read: string[] = [];
    const first = await countingStore();
    const stopped = syncFor(first.store, { quiet: true, read });
    await stopped.pollHead();
    let steps = 0;
    while ((stopped.progress()?.doneBlock ?? 0) < HISTORY / 2) {
      await stopped.step();
      steps++;
    }
    const reached = stopped.progress()!.doneBlock;
    // nothing else is written (as after kill -9): what is stored is where the next process starts
    const saved = await stored(first.store);
    expect(first.transactions()).toBeLessThanOrEqual(Math.ceil(steps / QUIET_RANGES_KEPT) + 1);
    expect(saved).toBeGreaterThan(0);
    expect(saved).toBeGreaterThanOrEqual(reached - QUIET_RANGES_KEPT * CAP);
    expect(saved).toBeLessThanOrEqual(reached);

    // a new process on a copy of what was stored: it resumes there and reads on to the head
    const resumed = syncFor(first.store, { quiet: true, read });
    await resumed.catchUp();
    expect(resumed.progress()!.doneBlock).toBe(head);
    // caught up: what it moved is saved, not only held
    expect(await stored(first.store)).toBe(head);
    const anvilSays = (await chain.publicClient.getLogs({ address: token, fromBlock: 0n, toBlock: BigInt(head) })).map((l) => `${l.blockNumber}:${l.logIndex}`);
    expect(read).toEqual(anvilSays);
    expect(read).toHaveLength(2);
  });

  it('a failed save is retried with the range read again: nothing twice in the next save, nothing lost', { timeout: 180_000 }, async () => {
    const read: string[] = [];
    // the first transaction saves the sources' initial checkpoints; the second is the first save of
    // quiet ranges (after QUIET_RANGES_KEPT of them): it fails, and the step is taken again
    const { store, transactions } = await countingStore({ failAt: 2 });
    const sync = syncFor(store, { quiet: true, read });
    await sync.pollHead();
    let steps = 0;
    for (let failed = false; !failed; steps++) {
      expect(steps).toBeLessThan(10 * QUIET_RANGES_KEPT);
      await sync.step().catch((error: Error) => {
        expect(error.message).toContain('injected');
        failed = true;
      });
    }
    expect(steps).toBeGreaterThanOrEqual(QUIET_RANGES_KEPT);
    expect(transactions()).toBe(2);
    await sync.catchUp();
    expect(await stored(store)).toBe(head);
    expect(read).toHaveLength(2);
  });

  it('a source that writes every range keeps its transaction per range', { timeout: 180_000 }, async () => {
    const read: string[] = [];
    const { store, transactions } = await countingStore();
    const sync = syncFor(store, { quiet: false, read });
    const okBefore = provider.count('ok', 'eth_getLogs');
    await sync.catchUp();
    const ranges = provider.count('ok', 'eth_getLogs') - okBefore;
    expect(ranges).toBeGreaterThan(HISTORY / CAP);
    expect(transactions()).toBeGreaterThanOrEqual(HISTORY / CAP);
    expect(await stored(store)).toBe(head);
    expect(read).toHaveLength(2);
  });
});
