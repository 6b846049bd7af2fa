/**
 * The compiled contracts in `contracts-abi/<Name>.json` (`{ abi, bytecode }`, built by
 * `npm run contracts:build` from `contracts/`), and deploying them with viem.
 */
import { readFileSync } from 'node:fs';
import { type Abi, type Account, type Address, type Chain, encodeDeployData, type Hex, type PublicClient, type Transport, type WalletClient } from 'viem';
import { FirebreakError, reasonOf } from '../core/errors.ts';

/** Names of the artifacts in contracts-abi/ (one per deployable contract). */
export const ROLLBACK_GOVERNOR = 'RollbackGovernor';
export const POSTMORTEM_REGISTRY = 'PostmortemRegistry';
export const DRILL_BRIDGE_SOURCE = 'DrillBridgeSource';
export const DRILL_BRIDGE_DESTINATION = 'DrillBridgeDestination';
export const LOCK_RELEASE_BRIDGE = 'LockReleaseBridge';
export const MOCK_PRICE_FEED = 'MockPriceFeed';
export const DRILL_UPGRADE_PROXY = 'DrillUpgradeProxy';
export const DRILL_BRIDGE_DESTINATION_V1 = 'DrillBridgeDestinationV1';
export const DRILL_BRIDGE_DESTINATION_V2 = 'DrillBridgeDestinationV2';

export const ARTIFACT_NAMES = [
  ROLLBACK_GOVERNOR,
  POSTMORTEM_REGISTRY,
  DRILL_BRIDGE_SOURCE,
  DRILL_BRIDGE_DESTINATION,
  LOCK_RELEASE_BRIDGE,
  MOCK_PRICE_FEED,
  DRILL_UPGRADE_PROXY,
  DRILL_BRIDGE_DESTINATION_V1,
  DRILL_BRIDGE_DESTINATION_V2,
  // bridge presets (contracts/presets): emitters of the real events, and the drill's NFT collection
  'AcrossEmitter',
  'CctpEmitter',
  'LayerZeroEmitter',
  'CcipEmitter',
  'OpStackEmitter',
  'WormholeEmitter',
  'NftCollection',
  // SPEC §11 drills: a lock-release destination with a faulty path, and a plain ERC-20
  'DrillReleaseBridge',
  'DrillToken',
] as const;

export type ArtifactName = (typeof ARTIFACT_NAMES)[number];

export interface Artifact {
  abi: Abi;
  /** creation bytecode, 0x-prefixed */
  bytecode: Hex;
}

export const ARTIFACTS_DIR = new URL('../../contracts-abi/', import.meta.url);

const cache = new Map<string, Artifact>();

/** Reads `contracts-abi/<name>.json` (cached). Throws a FirebreakError when missing or malformed. */
export function loadArtifact(name: ArtifactName): Artifact {
  const cached = cache.get(name);
  if (cached) return cached;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new FirebreakError(`invalid contract artifact name "${name}"`, { code: 'artifact_invalid' });
  }
  const url = new URL(`${name}.json`, ARTIFACTS_DIR);
  let raw: string;
  try {
    raw = readFileSync(url, 'utf8');
  } catch (error) {
    throw new FirebreakError(`contract artifact ${name} not found (contracts-abi/${name}.json); run npm run contracts:build`, {
      code: 'artifact_missing',
      cause: error,
      details: { name },
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new FirebreakError(`contract artifact ${name} is not valid JSON`, { code: 'artifact_invalid', cause: error, details: { name } });
  }
  const { abi, bytecode } = (parsed ?? {}) as { abi?: unknown; bytecode?: unknown };
  if (!Array.isArray(abi) || typeof bytecode !== 'string' || !/^0x([0-9a-fA-F]{2})+$/.test(bytecode)) {
    throw new FirebreakError(`contract artifact ${name} must be { "abi": [...], "bytecode": "0x…" }`, {
      code: 'artifact_invalid',
      details: { name },
    });
  }
  const artifact: Artifact = { abi: abi as Abi, bytecode: bytecode as Hex };
  cache.set(name, artifact);
  return artifact;
}

export interface DeployArtifactOptions {
  walletClient: WalletClient<Transport, Chain | undefined, Account | undefined>;
  publicClient: Pick<PublicClient, 'waitForTransactionReceipt'>;
  name: ArtifactName;
  /** constructor arguments */
  args?: readonly unknown[];
  /** the sender; defaults to the wallet client's account */
  account?: Account | Address;
  /** receipt wait timeout (ms); default 60 s */
  timeoutMs?: number;
}

/**
 * Deploys a contract from contracts-abi/ and waits for its receipt. Returns the new address;
 * throws a FirebreakError (code `deploy_failed`) when sending fails, the deployment reverts or no
 * receipt arrives in time.
 */
export async function deployArtifact(options: DeployArtifactOptions): Promise<Address> {
  const { walletClient, publicClient, name } = options;
  const { abi, bytecode } = loadArtifact(name);
  const account = options.account ?? walletClient.account;
  if (!account) {
    throw new FirebreakError(`cannot deploy ${name}: the wallet client has no account`, { code: 'deploy_failed', details: { name } });
  }
  let hash: Hex;
  try {
    if (typeof account === 'object' && account.type === 'local') {
      // what viem's deployContract does for a local account, step by step: its sendTransaction
      // rewrites an error the account throws (a remote signer's refusal) into a TypeError that
      // loses it; signing through signTransaction keeps the signer's own words
      const data = encodeDeployData({ abi, bytecode, args: (options.args ?? []) as readonly unknown[] });
      const request = await walletClient.prepareTransactionRequest({ account, chain: walletClient.chain ?? null, data } as Parameters<typeof walletClient.prepareTransactionRequest>[0]);
      const signed = await walletClient.signTransaction(request as Parameters<typeof walletClient.signTransaction>[0]);
      hash = await walletClient.sendRawTransaction({ serializedTransaction: signed });
    } else {
      hash = await walletClient.deployContract({
        abi,
        bytecode,
        args: (options.args ?? []) as readonly unknown[],
        account,
        chain: walletClient.chain ?? null,
      } as Parameters<typeof walletClient.deployContract>[0]);
    }
  } catch (error) {
    throw new FirebreakError(`deploying ${name} failed: ${reasonOf(error)}`, {
      code: 'deploy_failed',
      cause: error,
      details: { name },
    });
  }
  let receipt: Awaited<ReturnType<typeof publicClient.waitForTransactionReceipt>>;
  try {
    receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: options.timeoutMs ?? 60_000, pollingInterval: 50 });
  } catch (error) {
    throw new FirebreakError(`deploying ${name} failed: no receipt for ${hash}: ${reasonOf(error)}`, {
      code: 'deploy_failed',
      cause: error,
      retryable: true,
      details: { name, hash },
    });
  }
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new FirebreakError(`deploying ${name} failed: the deployment transaction ${hash} reverted`, {
      code: 'deploy_failed',
      details: { name, hash, blockNumber: receipt.blockNumber.toString(), gasUsed: receipt.gasUsed.toString() },
    });
  }
  return receipt.contractAddress;
}
