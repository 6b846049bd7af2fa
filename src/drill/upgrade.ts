/**
 * The `bad-upgrade` scenario's governance on the DESTINATION chain: the drill destination is a UUPS
 * proxy (src/drill/bridge.ts, `upgradeable`); a second RollbackGovernor there may roll it back (the
 * proxy granted it the upgrade right). The team ships V2 with a safety net: governance
 * pre-authorizes rolling back V2 → V1 for 7 days. The scenario then upgrades to V2, whose
 * finalization reverts (NotRelayer: the upgrade forgot to set the relayer), so transfers get stuck.
 */
import { type Address, getAddress, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { deployArtifact, loadArtifact } from '../chain/artifacts.ts';
import { FirebreakError } from '../core/errors.ts';
import type { DrillBridge } from './bridge.ts';
import { DRILL_KEYS } from './governance.ts';

/** governance's rollback window for the drill (the governor caps it at 30 days) */
export const DRILL_ROLLBACK_SECONDS = 7 * 24 * 3600;

const SLOT = '0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc';

export interface DrillUpgrade {
  /** the rollback governor on the destination chain */
  governor: Address;
  proxy: Address;
  v1: Address;
  v2: Address;
  /** the owner's upgrade to V2 (the bad upgrade); returns its tx */
  upgrade(): Promise<Hex>;
  /** the implementation in the proxy's ERC-1967 slot */
  implementation(): Promise<Address>;
}

export async function deployDrillUpgrade(bridge: DrillBridge): Promise<DrillUpgrade> {
  const chain = bridge.destination;
  const guardian = privateKeyToAccount(DRILL_KEYS.guardian).address;
  const governance = privateKeyToAccount(DRILL_KEYS.governance);
  const proxy = getAddress(bridge.destinationAddress);
  const read = async () => getAddress(`0x${((await chain.publicClient.getStorageAt({ address: proxy, slot: SLOT })) ?? '0x').slice(-40)}`);
  const v1 = await read();
  const governor = getAddress(await deployArtifact({ name: 'RollbackGovernor', walletClient: chain.walletClient, publicClient: chain.publicClient, args: [governance.address, [guardian]] }));
  const v2 = getAddress(await deployArtifact({ name: 'DrillBridgeDestinationV2', walletClient: chain.walletClient, publicClient: chain.publicClient, args: [] }));

  async function send(address: Address, name: 'RollbackGovernor' | 'DrillBridgeDestinationV1', functionName: string, args: unknown[], key?: Hex): Promise<Hex> {
    const account = key ? privateKeyToAccount(key) : chain.walletClient.account;
    const hash = await chain.walletClient.writeContract({ address, abi: loadArtifact(name).abi, functionName, args, chain: chain.chain, account });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== 'success') throw new FirebreakError(`drill setup: ${name}.${functionName} reverted (${hash})`, { code: 'drill_setup' });
    return hash;
  }
  await send(proxy, 'DrillBridgeDestinationV1', 'setUpgrader', [governor, true]);
  await send(governor, 'RollbackGovernor', 'allowRollback', [proxy, v2, v1, BigInt(DRILL_ROLLBACK_SECONDS)], DRILL_KEYS.governance);
  return {
    governor,
    proxy,
    v1,
    v2,
    upgrade: () => send(proxy, 'DrillBridgeDestinationV1', 'upgradeToAndCall', [v2, '0x']),
    implementation: read,
  };
}
