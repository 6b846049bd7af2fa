/**
 * viem clients for the governance module's transactions. Built from the config at delivery time, so
 * keys stay in the config object and never travel through the outbox. RPC URLs carry API keys: they
 * are never logged and never put into an error message.
 */
import { type Account, type Chain, createPublicClient, createWalletClient, defineChain, fallback, type Hex, http, type PublicClient, type Transport, type WalletClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ConfigError } from '../core/errors.ts';
import type { Config } from '../config/types.ts';

export interface ChainClients {
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
}

export interface SignerClients extends ChainClients {
  account: Account;
  walletClient: WalletClient<Transport, Chain, Account>;
}

export function chainClients(config: Config, chainName: string): ChainClients {
  const chainConfig = config.chains[chainName];
  if (!chainConfig) throw new ConfigError([{ path: 'governance', message: `chain "${chainName}" is not configured` }]);
  const chain = defineChain({
    id: chainConfig.chainId,
    name: chainName,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: chainConfig.rpc } },
  });
  const transport = fallback(chainConfig.rpc.map((url) => http(url, { retryCount: 1, timeout: 15_000 })));
  const publicClient = createPublicClient({ chain, transport, cacheTime: 0, pollingInterval: 250 });
  return { chain, publicClient: publicClient as PublicClient<Transport, Chain> };
}

export function signerClients(config: Config, chainName: string, key: Hex): SignerClients {
  const base = chainClients(config, chainName);
  const account = privateKeyToAccount(key);
  const chainConfig = config.chains[chainName]!;
  const transport = fallback(chainConfig.rpc.map((url) => http(url, { retryCount: 1, timeout: 15_000 })));
  const walletClient = createWalletClient({ chain: base.chain, transport, account, cacheTime: 0, pollingInterval: 250 });
  return { ...base, account, walletClient };
}
