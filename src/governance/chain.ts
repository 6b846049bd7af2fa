/**
 * viem clients for the governance module's transactions. Built from the config at delivery time, so
 * keys stay in the config object and never travel through the outbox. RPC URLs carry API keys: they
 * are never logged and never put into an error message.
 */
import { type Account, type Chain, createPublicClient, createWalletClient, defineChain, fallback, http, type PublicClient, type Transport, type WalletClient } from 'viem';
import { signerAccount } from '../chain/signer.ts';
import { ConfigError } from '../core/errors.ts';
import type { Config, SignerSpec } from '../config/types.ts';

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

/** Clients that sign as `signer` (a raw key, a decrypted keystore or a remote signer). */
export async function signerClients(config: Config, chainName: string, signer: SignerSpec): Promise<SignerClients> {
  const base = chainClients(config, chainName);
  const account = await signerAccount(signer);
  const chainConfig = config.chains[chainName]!;
  const transport = fallback(chainConfig.rpc.map((url) => http(url, { retryCount: 1, timeout: 15_000 })));
  const walletClient = createWalletClient({ chain: base.chain, transport, account, cacheTime: 0, pollingInterval: 250 });
  return { ...base, account, walletClient };
}
