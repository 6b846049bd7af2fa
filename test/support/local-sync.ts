/** What the chain-sync tests share: a sync over one local chain behind a URL, and Transfers to read. */
import type { Address } from 'viem';
import { loadArtifact } from '../../src/chain/artifacts.ts';
import { createRpcClient, type RpcClientOptions } from '../../src/chain/rpc.ts';
import { type ChainSync, createChainSync, type LogSource } from '../../src/chain/sync.ts';
import type { ChainConfig } from '../../src/config/types.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { LocalChain } from '../../src/drill/chains.ts';
import type { Store } from '../../src/store/store.ts';

/** a chain sync over one local chain ('ethereum', anvil's chain id) behind `url` */
export function localChainSync(options: {
  url: string;
  store: Store;
  sources: LogSource[];
  reorgWindow: number;
  rpc?: Partial<Pick<RpcClientOptions, 'rateLimitWaitMs'>>;
}): ChainSync {
  const config: ChainConfig = {
    name: 'ethereum',
    chainId: 31337,
    rpc: [options.url],
    confirmations: 0,
    pollIntervalMs: 100,
    haltedAfterMs: 60_000,
    finality: 'confirmations',
    unobservableAfterMs: 60_000,
  };
  const rpc = createRpcClient({ chain: 'ethereum', urls: [options.url], chainId: 31337, logger: silentLogger, ...options.rpc });
  return createChainSync({ chain: config, rpc, store: options.store, sources: options.sources, logger: silentLogger, reorgWindow: options.reorgWindow });
}

/** mint `amount` of a DrillToken to the chain's deployer: one Transfer log, mined */
export async function mintDrillToken(chain: LocalChain, token: Address, amount: bigint): Promise<void> {
  const hash = await chain.walletClient.writeContract({
    address: token,
    abi: loadArtifact('DrillToken').abi,
    functionName: 'mint',
    args: [chain.walletClient.account.address, amount],
    chain: chain.chain,
    account: chain.walletClient.account,
  });
  await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
}
