/**
 * A source whose fromBlock lies ahead of the chain's head (a bridge configured with its deploy block
 * before it is mined, or a typo) has nothing to read yet: it is waiting, not behind. It must not
 * become the tip follower's cursor (the other sources on the chain would then never join the tip:
 * never caught up, their bridges never judged, and `scan` looping on a chain it can never finish),
 * and once the chain reaches it, it reads from there like any source.
 */
import type { Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployArtifact } from '../../src/chain/artifacts.ts';
import type { LogSource } from '../../src/chain/sync.ts';
import { type LocalChain, startLocalChain } from '../../src/drill/chains.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { ERC20_TRANSFER } from '../../src/watchers/exploit/outflow.ts';
import { localChainSync, mintDrillToken } from '../support/local-sync.ts';

const AHEAD = 40;

let chain: LocalChain;
let store: Store;
let token: Address;

beforeAll(async () => {
  chain = await startLocalChain({ name: 'ethereum', chainId: 31337 });
  token = await deployArtifact({ name: 'DrillToken', walletClient: chain.walletClient, publicClient: chain.publicClient, args: ['A', 'A', 6] });
  store = await createStore({ kind: 'pglite', url: 'memory://' });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await chain?.stop();
});

function source(key: string, fromBlock: number, read: number[]): LogSource {
  return {
    key,
    address: token.toLowerCase(),
    topic0: ERC20_TRANSFER,
    fromBlock,
    fingerprint: `${key}@${fromBlock}`,
    async ingest(_trx, logs) {
      for (const log of logs) read.push(log.blockNumber);
    },
    rollback: async () => {},
    reset: async () => {},
  };
}

describe('a source that starts ahead of the head', () => {
  it('waits without holding the others back, then reads from its fromBlock on', { timeout: 120_000 }, async () => {
    await mintDrillToken(chain, token, 1n);
    await mintDrillToken(chain, token, 2n);
    const head = Number(await chain.publicClient.getBlockNumber());
    const start = head + AHEAD;
    const now: number[] = [];
    const later: number[] = [];
    const sync = localChainSync({
      url: chain.anvil.url,
      store,
      // the one ahead first: the order in which the tip follower is picked
      sources: [source('later', start, later), source('now', 0, now)],
      reorgWindow: 4,
    });

    const aborted = AbortSignal.timeout(20_000);
    const caught = await sync.catchUp(aborted);
    expect(caught.confirmed).toBe(head);
    expect(now).toHaveLength(2);
    expect(later).toEqual([]);
    expect(sync.caughtUp('now')).toBe(true);
    // nothing to read before its first block: caught up, not behind
    expect(sync.caughtUp('later')).toBe(true);
    expect(sync.caughtUp()).toBe(true);

    // the chain reaches the later source's first block and goes past it
    await chain.mine(AHEAD - 1);
    await mintDrillToken(chain, token, 3n);
    const mintedAt = Number(await chain.publicClient.getBlockNumber());
    expect(mintedAt).toBeGreaterThanOrEqual(start);
    await chain.mine(3);
    await sync.pollHead();
    const again = await sync.catchUp(AbortSignal.timeout(20_000));
    expect(again.confirmed).toBe(mintedAt + 3);
    expect(now).toEqual([...now.slice(0, 2), mintedAt]);
    expect(later).toEqual([mintedAt]);
    expect(sync.caughtUp('now')).toBe(true);
    expect(sync.caughtUp('later')).toBe(true);
  });
});
