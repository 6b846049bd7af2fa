/**
 * The drill bridge on two local chains: deploy the pair (and a price feed), send deposits and
 * finalizations in batches, and describe it as Firebreak config so that the watchers read it
 * exactly as they would read a production bridge.
 */
import { type Address, encodeFunctionData, type Hex, keccak256, encodePacked } from 'viem';
import { deployArtifact, loadArtifact } from '../chain/artifacts.ts';
import type { LocalChain } from './chains.ts';
import type { DrillNft } from './nft.ts';

export const DRILL_TOKENS = {
  /** fake token addresses: the drill bridge records them, it moves nothing */
  usdc: { address: '0x00000000000000000000000000000000000a11ce' as Address, symbol: 'USDC', decimals: 6, priceUsd: 1 },
  weth: { address: '0x000000000000000000000000000000000000beef' as Address, symbol: 'WETH', decimals: 18, priceUsd: 2000 },
} as const;

export interface DrillTransfer {
  id: Hex;
  token: Address;
  amount: bigint;
}

export interface DrillBridge {
  source: LocalChain;
  destination: LocalChain;
  sourceAddress: Address;
  destinationAddress: Address;
  /** Chainlink-style WETH/USD feed on the source chain (8 decimals) */
  priceFeed: Address;
  deposit(transfers: DrillTransfer[]): Promise<Hex>;
  finalize(ids: Hex[]): Promise<Hex>;
  setWethPrice(usd: number): Promise<void>;
  /** the NFT bridge next to it (scenario stuck-bridge: src/drill/nft.ts) */
  nft?: DrillNft;
}

const BATCH = 200;

export function transferIdFor(seed: string, index: number): Hex {
  return keccak256(encodePacked(['string', 'uint256'], [seed, BigInt(index)]));
}

/**
 * `upgradeable`: the destination is the UUPS DrillBridgeDestinationV1 behind an OpenZeppelin
 * ERC1967Proxy owned by the deployer (the `bad-upgrade` scenario upgrades and rolls it back).
 */
async function deployDestination(destination: LocalChain, upgradeable: boolean): Promise<Address> {
  const deploy = (name: 'DrillBridgeDestination' | 'DrillBridgeDestinationV1' | 'DrillUpgradeProxy', args: unknown[]) =>
    deployArtifact({ name, walletClient: destination.walletClient, publicClient: destination.publicClient, args });
  if (!upgradeable) return deploy('DrillBridgeDestination', []);
  const v1 = await deploy('DrillBridgeDestinationV1', []);
  const init = encodeFunctionData({ abi: loadArtifact('DrillBridgeDestinationV1').abi, functionName: 'initialize', args: [destination.walletClient.account.address] });
  return deploy('DrillUpgradeProxy', [v1, init]);
}

export async function deployDrillBridge(source: LocalChain, destination: LocalChain, options: { upgradeable?: boolean } = {}): Promise<DrillBridge> {
  const [sourceAddress, destinationAddress] = await Promise.all([
    deployArtifact({ name: 'DrillBridgeSource', walletClient: source.walletClient, publicClient: source.publicClient, args: [] }),
    deployDestination(destination, options.upgradeable ?? false),
  ]);
  const priceFeed = await deployArtifact({
    name: 'MockPriceFeed',
    walletClient: source.walletClient,
    publicClient: source.publicClient,
    args: [8, BigInt(DRILL_TOKENS.weth.priceUsd) * 10n ** 8n],
  });
  const sourceAbi = loadArtifact('DrillBridgeSource').abi;
  const destinationAbi = loadArtifact('DrillBridgeDestination').abi;
  const feedAbi = loadArtifact('MockPriceFeed').abi;

  async function send(chain: LocalChain, address: Address, abi: typeof sourceAbi, functionName: string, args: unknown[]): Promise<Hex> {
    const hash = await chain.walletClient.writeContract({ address, abi, functionName, args, chain: chain.chain, account: chain.walletClient.account });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== 'success') throw new Error(`${functionName} reverted (${hash})`);
    return hash;
  }

  return {
    source,
    destination,
    sourceAddress,
    destinationAddress,
    priceFeed,
    async deposit(transfers) {
      let last: Hex = '0x';
      for (let i = 0; i < transfers.length; i += BATCH) {
        const slice = transfers.slice(i, i + BATCH);
        last = await send(source, sourceAddress, sourceAbi, 'depositBatch', [
          slice.map((t) => t.id),
          slice.map((t) => t.token),
          slice.map((t) => t.amount),
        ]);
      }
      return last;
    },
    async finalize(ids) {
      let last: Hex = '0x';
      for (let i = 0; i < ids.length; i += BATCH) {
        last = await send(destination, destinationAddress, destinationAbi, 'finalizeBatch', [ids.slice(i, i + BATCH)]);
      }
      return last;
    },
    async setWethPrice(usd) {
      await send(source, priceFeed, feedAbi, 'setAnswer', [BigInt(Math.round(usd * 1e8)), 0n]);
    },
  };
}

export interface DrillConfigOptions {
  bridge: DrillBridge;
  /** storage URL (pglite://dir, memory://, postgres://) */
  storage: string;
  dataDir: string;
  stuckAfter?: string;
  confirmations?: number;
  /** value WETH through the price feed instead of a fixed price */
  wethFeed?: boolean;
  /** extra top-level keys (server, oncall, …) */
  extra?: Record<string, unknown>;
}

/** The drill bridge as a Firebreak config object (validated by the same loader as a YAML file). */
export function drillConfig(options: DrillConfigOptions): Record<string, unknown> {
  const { bridge } = options;
  const confirmations = options.confirmations ?? 2;
  return {
    dataDir: options.dataDir,
    storage: { url: options.storage },
    chains: {
      [bridge.source.name]: {
        chainId: bridge.source.chain.id,
        rpc: [bridge.source.anvil.url],
        confirmations,
        pollIntervalMs: 250,
      },
      [bridge.destination.name]: {
        chainId: bridge.destination.chain.id,
        rpc: [bridge.destination.anvil.url],
        confirmations,
        pollIntervalMs: 250,
      },
    },
    bridges: [
      {
        id: 'drill',
        name: 'Drill bridge',
        stuckAfter: options.stuckAfter ?? '30m',
        source: {
          chain: bridge.source.name,
          address: bridge.sourceAddress,
          event: 'event Deposit(bytes32 indexed transferId, address indexed sender, address token, uint256 amount)',
          fields: { id: 'transferId', amount: 'amount', token: 'token' },
          fromBlock: 0,
        },
        destination: {
          chain: bridge.destination.name,
          address: bridge.destinationAddress,
          event: 'event Finalized(bytes32 indexed transferId)',
          fields: { id: 'transferId' },
          fromBlock: 0,
        },
        tokens: {
          [DRILL_TOKENS.usdc.address]: {
            symbol: DRILL_TOKENS.usdc.symbol,
            decimals: DRILL_TOKENS.usdc.decimals,
            priceUsd: DRILL_TOKENS.usdc.priceUsd,
          },
          [DRILL_TOKENS.weth.address]: options.wethFeed
            ? {
                symbol: DRILL_TOKENS.weth.symbol,
                decimals: DRILL_TOKENS.weth.decimals,
                priceFeed: { chain: bridge.source.name, address: bridge.priceFeed, maxAge: '1h' },
              }
            : { symbol: DRILL_TOKENS.weth.symbol, decimals: DRILL_TOKENS.weth.decimals, priceUsd: DRILL_TOKENS.weth.priceUsd },
        },
        pausable: bridge.sourceAddress,
      },
    ],
    ...options.extra,
  };
}
