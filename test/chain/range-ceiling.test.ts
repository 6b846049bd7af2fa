/**
 * The chain-wide range ceiling of the log sync (chain/sync.ts) against the hosted-provider stand-in
 * in front of a real anvil: a cap that is lifted is found again by probing (twice the ceiling after
 * CEILING_PROBE_AFTER ranges accepted at it), not after a fixed expiry; a permanent cap is only
 * exceeded by those occasional probes and every log is still read exactly once; and rate limits,
 * even when they reach the sync, never lower the ceiling.
 */
import type { Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployArtifact } from '../../src/chain/artifacts.ts';
import { RateLimitedError } from '../../src/chain/rpc.ts';
import { CEILING_PROBE_AFTER, type ChainSync, type LogSource } from '../../src/chain/sync.ts';
import { type LocalChain, startLocalChain } from '../../src/drill/chains.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { ERC20_TRANSFER } from '../../src/watchers/exploit/outflow.ts';
import { type HostedProvider, startHostedProvider } from '../support/hosted-provider.ts';
import { localChainSync, mintDrillToken } from '../support/local-sync.ts';

const REORG_WINDOW = 4;

let chain: LocalChain;
let token: Address;
let head: number;
const providers: HostedProvider[] = [];
const stores: Store[] = [];

async function mineRaw(blocks: number): Promise<void> {
  // one anvil_mine call (viem's client times out on thousands of blocks on a busy machine)
  await fetch(chain.anvil.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_mine', params: [`0x${blocks.toString(16)}`] }),
  });
}

const mint = (amount: bigint) => mintDrillToken(chain, token, amount);

/** what anvil holds: the token's Transfers from `fromBlock` on, as block:logIndex */
async function transfersFrom(fromBlock: number): Promise<string[]> {
  const logs = await chain.publicClient.getLogs({ address: token, fromBlock: BigInt(fromBlock), toBlock: BigInt(head) });
  return logs.filter((l) => l.topics[0] === ERC20_TRANSFER).map((l) => `${l.blockNumber}:${l.logIndex}`);
}

interface Bed {
  provider: HostedProvider;
  sync: ChainSync;
  /** logs the source was given, as block:logIndex, in order */
  read: string[];
}

async function bed(providerOptions: Parameters<typeof startHostedProvider>[1], fromBlock: number, rpcOptions: { rateLimitWaitMs?: number } = {}): Promise<Bed> {
  const provider = await startHostedProvider(chain.anvil.url, providerOptions);
  providers.push(provider);
  const store = await createStore({ kind: 'pglite', url: 'memory://' });
  stores.push(store);
  const read: string[] = [];
  const source: LogSource = {
    key: 'transfers',
    address: token.toLowerCase(),
    topic0: ERC20_TRANSFER,
    fromBlock,
    fingerprint: `transfers@${fromBlock}`,
    async ingest(_trx, logs) {
      for (const log of logs) read.push(`${log.blockNumber}:${log.logIndex}`);
    },
    rollback: async () => {},
    reset: async () => {},
  };
  const sync = localChainSync({ url: provider.url, store, sources: [source], reorgWindow: REORG_WINDOW, rpc: rpcOptions });
  return { provider, sync, read };
}

/** eth_getLogs requests the provider answered (or refused for their range), with the blocks each asked */
function logCalls(provider: HostedProvider, outcome: 'ok' | 'range'): Array<{ from: number; to: number; span: number }> {
  return provider.calls
    .filter((c) => c.method === 'eth_getLogs' && c.outcome === outcome && c.blocks)
    .map((c) => ({ ...c.blocks!, span: c.blocks!.to - c.blocks!.from + 1 }));
}

beforeAll(async () => {
  chain = await startLocalChain({ name: 'ethereum', chainId: 31337 });
  token = await deployArtifact({ name: 'DrillToken', walletClient: chain.walletClient, publicClient: chain.publicClient, args: ['CEIL', 'CEIL', 6] });
  // 4 stretches of 1,024 empty blocks, each after two Transfers; two more at the very end (anvil
  // mines ever slower as its chain grows: some 4,000 blocks take seconds, 16,000 minutes)
  for (let i = 0; i < 4; i++) {
    await mint(BigInt(i + 1));
    await mint(BigInt(i + 100));
    await mineRaw(1_024);
  }
  await mint(1_000n);
  await mint(1_001n);
  head = Number(await chain.publicClient.getBlockNumber());
}, 180_000);

afterAll(async () => {
  for (const store of stores) await store.close();
  for (const provider of providers) await provider.close();
  await chain?.stop();
});

describe('range ceiling', () => {
  it('a cap lifted after the first refusals: probes find the larger cap again, every log read once', { timeout: 180_000 }, async () => {
    const { provider, sync, read } = await bed({ maxBlockRange: 10 }, 0);
    // steps (not time) until the provider has refused a range and some 10-block ranges went through
    for (let i = 0; logCalls(provider, 'range').length === 0 || logCalls(provider, 'ok').length < 4; i++) {
      expect(i).toBeLessThan(100);
      await sync.step();
    }
    expect(Math.max(...logCalls(provider, 'ok').map((c) => c.span))).toBe(10);
    provider.maxBlockRange = 60; // the provider lifts its cap (a failover, load gone)
    await sync.catchUp();

    const spans = logCalls(provider, 'ok').map((c) => c.span);
    // grown back by doubling probes, each after CEILING_PROBE_AFTER ranges at the ceiling
    // (10 → 20 → 40; 80 refused naming 60: 60 taken); before probing it stayed at 10 for 30 minutes
    expect(Math.max(...spans)).toBe(60);
    for (const size of [20, 40]) expect(spans).toContain(size);
    expect(logCalls(provider, 'range').map((c) => c.span)).toContain(80);
    // refusals: the first, then only probes (one per CEILING_PROBE_AFTER ranges at most)
    expect(logCalls(provider, 'range').length).toBeLessThanOrEqual(1 + Math.ceil(spans.length / CEILING_PROBE_AFTER));
    expect(read).toEqual(await transfersFrom(0));
    expect(read).toHaveLength(10);
  });

  it('a permanent cap of 10: exceeded only by occasional probes, every log read exactly once', { timeout: 180_000 }, async () => {
    const fromBlock = head - 2_600;
    const { provider, sync, read } = await bed({ maxBlockRange: 10 }, fromBlock);
    await sync.catchUp();

    const accepted = logCalls(provider, 'ok');
    const refused = logCalls(provider, 'range');
    expect(accepted.every((c) => c.span <= 10)).toBe(true);
    const atCap = accepted.filter((c) => c.span === 10).length;
    expect(atCap).toBeGreaterThan(200);
    // refused while the cap is found: ranges grow 2 → 4 → 32 over sparse history, and 32 and its
    // read-ahead are refused (the provider does not name its cap); after that only probes at twice
    // the ceiling (the last one clipped at the head), each after as many accepted ranges
    const search = refused.filter((c) => c.span === 32);
    const probes = refused.filter((c) => c.span !== 32);
    expect(search).toHaveLength(2);
    expect(refused.slice(0, 2)).toEqual(search);
    expect(probes.every((c) => c.span > 10 && c.span <= 20)).toBe(true);
    expect(probes.length).toBeGreaterThanOrEqual(1);
    expect(probes.length).toBeLessThanOrEqual(Math.ceil(atCap / CEILING_PROBE_AFTER));
    expect(read).toEqual(await transfersFrom(fromBlock));
    expect(read.length).toBeGreaterThanOrEqual(4);
  });

  it('rate limits (429 and friends) reaching the sync never lower the ceiling', { timeout: 180_000 }, async () => {
    const fromBlock = head - 3_000;
    const { provider, sync, read } = await bed(
      { maxBlockRange: 32, rateLimited: 0.2, retryAfterSeconds: 0.05, rateLimitStyles: ['alchemy-429', 'infura-daily', 'limit-exceeded'], seed: 5 },
      fromBlock,
      // the client does not wait out rate limits: they reach the sync as RateLimitedError
      { rateLimitWaitMs: 0 },
    );
    let limited = 0;
    for (let i = 0; ; i++) {
      expect(i).toBeLessThan(5_000);
      try {
        if (await sync.step()) break;
      } catch (error) {
        if (!(error instanceof RateLimitedError)) throw error;
        limited++;
        // the endpoint is backed off for its Retry-After: step again once it may be asked (as catchUp does)
        await new Promise((resolve) => setTimeout(resolve, Math.max(5, error.retryAfterMs ?? 50)));
      }
    }
    expect(limited).toBeGreaterThan(0);
    expect(provider.count('rate-limited', 'eth_getLogs')).toBeGreaterThan(0);

    const accepted = logCalls(provider, 'ok');
    const first = accepted.findIndex((c) => c.span === 32);
    expect(first).toBeGreaterThanOrEqual(0);
    // from the first 32-block range on, every range of the final history is 32 blocks: never lowered
    // (the last one ends at the reorg window's edge, the ones after it read the window)
    const steady = accepted.slice(first).filter((c) => c.to < head - REORG_WINDOW);
    expect(steady.length).toBeGreaterThan(50);
    expect(steady.filter((c) => c.span !== 32)).toEqual([]);
    // the only refusals: the first range grown past the cap (4 → 32 → 256, with its read-ahead)
    // and probes at twice the cap
    expect(logCalls(provider, 'range').every((c) => c.span === 256 || c.span === 64)).toBe(true);
    expect(read).toEqual(await transfersFrom(fromBlock));
  });
});
