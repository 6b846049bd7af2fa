/**
 * The drill's governance side on the SOURCE chain: a RollbackGovernor allowed to pause the drill
 * bridge's deposits (the bridge grants it pause rights) and a PostmortemRegistry with a dedicated
 * anchorer. Each role signs with its own anvil dev key so that no two senders race for a nonce.
 */
import type { Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ANVIL_KEYS } from '../chain/anvil.ts';
import { deployArtifact, loadArtifact } from '../chain/artifacts.ts';
import { FirebreakError } from '../core/errors.ts';
import type { DrillBridge } from './bridge.ts';

/** anvil dev keys by role (index 0 deploys and runs the traffic) */
export const DRILL_KEYS = {
  guardian: ANVIL_KEYS[1] as Hex,
  governance: ANVIL_KEYS[2] as Hex,
  anchorer: ANVIL_KEYS[3] as Hex,
  snapshot: ANVIL_KEYS[4] as Hex,
} as const;

/** longer than any drill; the governor caps it at 30 days */
export const DRILL_MAX_PAUSE_SECONDS = 7 * 24 * 3600;

export interface DrillGovernance {
  governor: Address;
  registry: Address;
  /** block the registry was deployed in (verify reads events from there) */
  registryBlock: bigint;
  guardian: Address;
  anchorer: Address;
  /** the source bridge's on-chain paused() */
  bridgePaused(): Promise<boolean>;
}

export async function deployDrillGovernance(bridge: DrillBridge): Promise<DrillGovernance> {
  const chain = bridge.source;
  const guardian = privateKeyToAccount(DRILL_KEYS.guardian).address;
  const governanceAccount = privateKeyToAccount(DRILL_KEYS.governance);
  const anchorer = privateKeyToAccount(DRILL_KEYS.anchorer).address;
  const deploy = (name: 'RollbackGovernor' | 'PostmortemRegistry', args: unknown[]) =>
    deployArtifact({ name, walletClient: chain.walletClient, publicClient: chain.publicClient, args });
  const governor = await deploy('RollbackGovernor', [governanceAccount.address, [guardian]]);
  const registry = await deploy('PostmortemRegistry', []);
  const registryBlock = await chain.publicClient.getBlockNumber();

  async function send(address: Address, name: 'RollbackGovernor' | 'PostmortemRegistry' | 'DrillBridgeSource', functionName: string, args: unknown[], key?: Hex): Promise<void> {
    const account = key ? privateKeyToAccount(key) : chain.walletClient.account;
    const hash = await chain.walletClient.writeContract({ address, abi: loadArtifact(name).abi, functionName, args, chain: chain.chain, account });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== 'success') throw new FirebreakError(`drill setup: ${name}.${functionName} reverted (${hash})`, { code: 'drill_setup' });
  }
  await send(bridge.sourceAddress, 'DrillBridgeSource', 'setPauser', [governor, true]);
  await send(governor, 'RollbackGovernor', 'allow', [bridge.sourceAddress, BigInt(DRILL_MAX_PAUSE_SECONDS)], DRILL_KEYS.governance);
  await send(registry, 'PostmortemRegistry', 'setAnchorer', [anchorer, true]);

  const sourceAbi = loadArtifact('DrillBridgeSource').abi;
  return {
    governor,
    registry,
    registryBlock,
    guardian,
    anchorer,
    async bridgePaused() {
      return (await chain.publicClient.readContract({ address: bridge.sourceAddress, abi: sourceAbi, functionName: 'paused' })) as boolean;
    },
  };
}
