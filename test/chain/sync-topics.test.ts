/**
 * Log sources filtered on topics[1] (chain/sync.ts) on a real anvil chain, backfill and tip follower:
 * a source reading every Transfer of a token next to one reading only its Transfers from one sender
 * (same address, same event) gets each log exactly once, in chain order; a filtered source never gets
 * a log of another sender, even when the filtered request's OR-lists bring one back (two filtered
 * sources on two tokens: the request asks both senders of both tokens); and the provider is never
 * asked for a topics[1] in the request that carries the unfiltered sources.
 */
import type { Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANVIL_KEYS } from '../../src/chain/anvil.ts';
import { deployArtifact, loadArtifact } from '../../src/chain/artifacts.ts';
import type { RawLog } from '../../src/chain/blocks.ts';
import type { LogSource } from '../../src/chain/sync.ts';
import { type LocalChain, startLocalChain } from '../../src/drill/chains.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { addressTopic, ERC20_TRANSFER } from '../../src/watchers/exploit/outflow.ts';
import { localChainSync } from '../support/local-sync.ts';
import { type RpcProxy, startRpcProxy } from '../support/rpc-proxy.ts';

const X = privateKeyToAccount(ANVIL_KEYS[1] as `0x${string}`);
const Y = privateKeyToAccount(ANVIL_KEYS[2] as `0x${string}`);
const DEAD = '0x000000000000000000000000000000000000dEaD';

let chain: LocalChain;
let proxy: RpcProxy;
let store: Store;
let tokenA: Address;
let tokenB: Address;

async function send(token: Address, functionName: string, args: unknown[], key?: `0x${string}`): Promise<void> {
  const account = key ? privateKeyToAccount(key) : chain.walletClient.account;
  const hash = await chain.walletClient.writeContract({ address: token, abi: loadArtifact('DrillToken').abi, functionName, args, chain: chain.chain, account });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (receipt.status !== 'success') throw new Error(`${functionName} reverted`);
}

/** some traffic on both tokens: mints, and transfers from X, Y and the deployer */
async function traffic(): Promise<void> {
  for (const token of [tokenA, tokenB]) {
    await send(token, 'mint', [X.address, 100n]);
    await send(token, 'mint', [Y.address, 100n]);
    await send(token, 'mint', [chain.walletClient.account.address, 100n]);
    await send(token, 'transfer', [DEAD, 1n], ANVIL_KEYS[1] as `0x${string}`);
    await send(token, 'transfer', [DEAD, 2n], ANVIL_KEYS[2] as `0x${string}`);
    await send(token, 'transfer', [DEAD, 3n]);
  }
}

beforeAll(async () => {
  chain = await startLocalChain({ name: 'ethereum', chainId: 31337 });
  const deploy = (symbol: string) => deployArtifact({ name: 'DrillToken', walletClient: chain.walletClient, publicClient: chain.publicClient, args: [symbol, symbol, 6] });
  tokenA = await deploy('AAA');
  tokenB = await deploy('BBB');
  proxy = await startRpcProxy(chain.anvil.url);
  store = await createStore({ kind: 'pglite', url: 'memory://' });
}, 120_000);

afterAll(async () => {
  await store?.close();
  await proxy?.close();
  await chain?.stop();
});

describe('log sources filtered on topics[1]', () => {
  it('backfill and tip follower: every source gets exactly its logs, once, in chain order', { timeout: 120_000 }, async () => {
    const got = new Map<string, RawLog[]>();
    const source = (key: string, address: Address, topic1?: string): LogSource => ({
      key,
      address: address.toLowerCase(),
      topic0: ERC20_TRANSFER,
      ...(topic1 ? { topic1 } : {}),
      fromBlock: 0,
      fingerprint: key,
      async ingest(_trx, logs) {
        got.set(key, [...(got.get(key) ?? []), ...logs]);
      },
      rollback: async () => {},
      reset: async () => {},
    });
    const sources = [source('all-a', tokenA), source('a-from-x', tokenA, addressTopic(X.address)), source('b-from-y', tokenB, addressTopic(Y.address))];
    const sync = localChainSync({ url: proxy.url, store, sources, reorgWindow: 4 });

    await traffic();
    await sync.catchUp(); // a backfill from block 0
    await traffic();
    await chain.mine(2);
    await sync.catchUp(); // the tip follower

    const all = await chain.publicClient.getLogs({ fromBlock: 0n, toBlock: 'latest' });
    const transfers = (token: Address, from?: Address) =>
      all
        .filter((l) => l.address.toLowerCase() === token.toLowerCase() && l.topics[0] === ERC20_TRANSFER && (!from || l.topics[1] === addressTopic(from)))
        .map((l) => `${l.blockNumber}:${l.logIndex}`);
    const read = (key: string) => (got.get(key) ?? []).map((l) => `${l.blockNumber}:${l.logIndex}`);
    expect(transfers(tokenA)).toHaveLength(12);
    expect(read('all-a')).toEqual(transfers(tokenA));
    expect(read('a-from-x')).toEqual(transfers(tokenA, X.address));
    expect(read('b-from-y')).toEqual(transfers(tokenB, Y.address));
    expect(read('a-from-x')).toHaveLength(2);
    expect(read('b-from-y')).toHaveLength(2);

    const requests = proxy.calls.filter((c) => c.method === 'eth_getLogs').map((c) => c.params[0] as { address: string | string[]; topics: unknown[] });
    const filtered = requests.filter((r) => r.topics[1] !== undefined);
    const plain = requests.filter((r) => r.topics[1] === undefined);
    expect(filtered.length).toBeGreaterThan(0);
    expect(plain.length).toBeGreaterThan(0);
    // the unfiltered source's request never carries a sender filter, and never asks for token B
    for (const r of plain) expect([r.address].flat().map((a) => a.toLowerCase())).toEqual([tokenA.toLowerCase()]);
    // the filtered sources share one request: both tokens, both senders
    for (const r of filtered) expect([r.topics[1]].flat().sort()).toEqual([addressTopic(X.address), addressTopic(Y.address)].sort());
  });
});
