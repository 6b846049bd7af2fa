/** One anvil chain with a PostmortemRegistry deployed, and configs pointing at it. */
import type { Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ANVIL_KEYS } from '../../src/chain/anvil.ts';
import { deployArtifact, loadArtifact, POSTMORTEM_REGISTRY } from '../../src/chain/artifacts.ts';
import { checkConfigObject } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import { formatIssue } from '../../src/core/errors.ts';
import type { Detection } from '../../src/core/types.ts';
import { type LocalChain, startLocalChain } from '../../src/drill/chains.ts';

export const OWNER_KEY = ANVIL_KEYS[0] as Hex;
export const ANCHORER_KEY = ANVIL_KEYS[1] as Hex;
export const STRANGER_KEY = ANVIL_KEYS[2] as Hex;
export const ANCHORER = privateKeyToAccount(ANCHORER_KEY).address;

export interface RegistryChain {
  chain: LocalChain;
  registry: Address;
  /** owner: setAnchorer */
  setAnchorer(who: Address, ok: boolean): Promise<void>;
  stop(): Promise<void>;
}

export async function startRegistryChain(chainId = 31337): Promise<RegistryChain> {
  const chain = await startLocalChain({ name: 'ethereum', chainId });
  try {
    const registry = await deployArtifact({ walletClient: chain.walletClient, publicClient: chain.publicClient, name: POSTMORTEM_REGISTRY });
    const setAnchorer = async (who: Address, ok: boolean) => {
      const hash = await chain.walletClient.writeContract({
        address: registry,
        abi: loadArtifact(POSTMORTEM_REGISTRY).abi,
        functionName: 'setAnchorer',
        args: [who, ok],
      });
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error('setAnchorer reverted');
    };
    await setAnchorer(ANCHORER, true);
    return { chain, registry, setAnchorer, stop: () => chain.stop() };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}

export interface RawConfigOptions {
  storage?: string;
  dataDir?: string;
  port?: number;
  signer?: Hex;
  /** the chain id the config claims for the anchor chain (default: the anvil's) */
  chainId?: number;
  apiToken?: string;
}

/** A config object (also valid YAML when written as JSON) with one chain, one bridge, the anchor. */
export function rawConfig(setup: RegistryChain, options: RawConfigOptions = {}): Record<string, unknown> {
  const url = setup.chain.anvil.url;
  return {
    dataDir: options.dataDir ?? '/tmp/firebreak-postmortem-test',
    storage: { url: options.storage ?? 'pglite://memory' },
    server: { host: '127.0.0.1', port: options.port ?? 8787, apiTokens: [options.apiToken ?? 'postmortem-write-token-0001'] },
    chains: {
      ethereum: { chainId: options.chainId ?? setup.chain.chain.id, rpc: [url], confirmations: 0, pollIntervalMs: 1000 },
      arbitrum: { chainId: 31399, rpc: ['http://127.0.0.1:9'], confirmations: 0, pollIntervalMs: 60000 },
    },
    bridges: [
      {
        id: 'acme',
        name: 'Acme bridge',
        stuckAfter: '30m',
        source: {
          chain: 'ethereum',
          address: '0x00000000000000000000000000000000000000a1',
          event: 'event Deposit(bytes32 indexed transferId, address indexed sender, address token, uint256 amount)',
          fields: { id: 'transferId', amount: 'amount' },
          fromBlock: 0,
        },
        destination: {
          chain: 'arbitrum',
          address: '0x00000000000000000000000000000000000000a2',
          event: 'event Finalized(bytes32 indexed transferId)',
          fields: { id: 'transferId' },
          fromBlock: 0,
        },
        defaultToken: { symbol: 'ETH', decimals: 18, priceUsd: 3000 },
      },
    ],
    anchor: { chain: 'ethereum', registry: setup.registry, signer: options.signer ?? ANCHORER_KEY },
  };
}

export function configOf(raw: Record<string, unknown>): Config {
  const result = checkConfigObject(raw, { baseDir: process.cwd() });
  if (!result.config || result.errors.length > 0) throw new Error(result.errors.map(formatIssue).join('\n'));
  return result.config;
}

/** The product's seed case as a watcher reading: 37 stuck, $40,000 locked, oldest 12 h, S1. */
export function seedDetection(severity: Detection['severity'] = 'S1'): Detection {
  const impact = severity
    ? { stuckTransfers: 37, lockedUsd: 40_000, oldestStuckSeconds: 43_200, bridges: ['acme'], chains: ['ethereum', 'arbitrum'], unpriced: 0, pendingTransfers: 42 }
    : { stuckTransfers: 0, lockedUsd: 0, oldestStuckSeconds: 0, bridges: ['acme'], chains: ['ethereum', 'arbitrum'], unpriced: 0 };
  return {
    key: 'bridge:acme:stuck',
    source: 'watcher',
    kind: 'bridge-stuck',
    bridgeId: 'acme',
    title: severity ? 'Acme bridge: 37 transfers stuck, $40,000 locked' : 'Acme bridge: clear',
    severity,
    impact,
    summary: severity ? '37 transfers stuck, $40,000 locked, oldest 12 h' : 'all transfers delivered',
  };
}
