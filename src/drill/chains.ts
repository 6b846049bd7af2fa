/**
 * Local chains for game days, tests and benchmarks: anvil processes with viem clients (cache off,
 * so a freshly mined block is seen at once) and the helpers a drill needs to move chain time.
 */
import {
  type Account,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ANVIL_KEYS, type AnvilInstance, startAnvil } from '../chain/anvil.ts';

export interface LocalChain {
  name: string;
  anvil: AnvilInstance;
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
  testClient: TestClient<'anvil', Transport, Chain>;
  /** mine `blocks` blocks (each one second apart in chain time) */
  mine(blocks?: number): Promise<void>;
  /** move chain time forward and mine one block there */
  advance(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalChain(options: {
  name: string;
  chainId: number;
  port?: number;
  blockTime?: number;
  /** which anvil dev key signs (0 = deployer) */
  keyIndex?: number;
  /** extra anvil arguments (a state file to load, say) */
  anvilArgs?: string[];
}): Promise<LocalChain> {
  const anvil = await startAnvil({ chainId: options.chainId, port: options.port, blockTime: options.blockTime, args: options.anvilArgs });
  const chain = defineChain({
    id: options.chainId,
    name: options.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [anvil.url] } },
  });
  const transport = http(anvil.url, { retryCount: 2 });
  const account = privateKeyToAccount(ANVIL_KEYS[options.keyIndex ?? 0] ?? ANVIL_KEYS[0]);
  const publicClient = createPublicClient({ chain, transport, cacheTime: 0, pollingInterval: 50 });
  const walletClient = createWalletClient({ chain, transport, account, cacheTime: 0, pollingInterval: 50 });
  const testClient = createTestClient({ chain, transport, mode: 'anvil', cacheTime: 0 });
  return {
    name: options.name,
    anvil,
    chain,
    publicClient,
    walletClient,
    testClient,
    async mine(blocks = 1) {
      await testClient.mine({ blocks, interval: 1 });
    },
    async advance(seconds) {
      await testClient.increaseTime({ seconds });
      await testClient.mine({ blocks: 1 });
    },
    stop: () => anvil.stop(),
  };
}
