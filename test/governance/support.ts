/** Governance fixtures on the drill chains: a fresh pausable target and a rollback governor that may pause it. */
import { type Address, encodeFunctionData, getAddress, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ANVIL_KEYS } from '../../src/chain/anvil.ts';
import { deployArtifact, DRILL_BRIDGE_SOURCE, loadArtifact, ROLLBACK_GOVERNOR } from '../../src/chain/artifacts.ts';
import type { Detection, Severity } from '../../src/core/types.ts';
import type { LocalChain } from '../../src/drill/chains.ts';

export const GUARDIAN_KEY = ANVIL_KEYS[1] as Hex;
export const GUARDIAN = privateKeyToAccount(GUARDIAN_KEY).address;
export const SNAPSHOT_KEY = ANVIL_KEYS[2] as Hex;

export interface GovernedTarget {
  governor: Address;
  target: Address;
  allow(seconds: number, target?: Address): Promise<void>;
  paused(): Promise<boolean>;
  pausedUntil(): Promise<bigint>;
}

async function send(chain: LocalChain, address: Address, name: 'RollbackGovernor' | 'DrillBridgeSource', functionName: string, args: unknown[]): Promise<void> {
  const hash = await chain.walletClient.writeContract({ address, abi: loadArtifact(name).abi, functionName, args, chain: chain.chain, account: chain.walletClient.account });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (receipt.status !== 'success') throw new Error(`${functionName} reverted`);
}

/** A new DrillBridgeSource (the pausable target) and a governor (governance = deployer, guardian = anvil key 1). */
export async function deployGovernedTarget(chain: LocalChain, options: { allowSeconds?: number | null } = {}): Promise<GovernedTarget> {
  const target = await deployArtifact({ name: DRILL_BRIDGE_SOURCE, walletClient: chain.walletClient, publicClient: chain.publicClient, args: [] });
  const governor = await deployArtifact({
    name: ROLLBACK_GOVERNOR,
    walletClient: chain.walletClient,
    publicClient: chain.publicClient,
    args: [chain.walletClient.account.address, [GUARDIAN]],
  });
  await send(chain, target, 'DrillBridgeSource', 'setPauser', [governor, true]);
  const fixture: GovernedTarget = {
    governor,
    target,
    allow: (seconds, which = target) => send(chain, governor, 'RollbackGovernor', 'allow', [which, BigInt(seconds)]),
    paused: async () => (await chain.publicClient.readContract({ address: target, abi: loadArtifact(DRILL_BRIDGE_SOURCE).abi, functionName: 'paused' })) as boolean,
    pausedUntil: async () =>
      (await chain.publicClient.readContract({ address: governor, abi: loadArtifact(ROLLBACK_GOVERNOR).abi, functionName: 'pausedUntil', args: [target] })) as bigint,
  };
  if (options.allowSeconds !== null) await fixture.allow(options.allowSeconds ?? 3600);
  return fixture;
}

/** The transactions `address` sent or has in the pool (a broadcast counts at once). */
export function pendingNonce(chain: LocalChain, address: Address): Promise<number> {
  return chain.publicClient.getTransactionCount({ address, blockTag: 'pending' });
}

/** A watcher's "transfers stuck" reading on the drill bridge. */
export function stuckReading(severity: Severity, impact: Detection['impact'], summary = `${severity} reading`): Detection {
  return { key: 'bridge:drill:stuck', source: 'watcher', kind: 'bridge-stuck', bridgeId: 'drill', title: 'Drill bridge: transfers stuck', severity, impact, summary };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface UpgradedProxy {
  governor: Address;
  proxy: Address;
  v1: Address;
  v2: Address;
  /** governance pre-authorizes rolling the proxy back from v2 to v1 */
  allowRollback(seconds: number): Promise<void>;
  /** the ERC-1967 implementation slot */
  implementation(): Promise<Address>;
  /** the owner upgrades the proxy (the bad upgrade, or another one) */
  upgradeTo(impl: Address): Promise<void>;
}

const SLOT = '0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc';

/**
 * A governor (guardian = anvil key 1) and the upgradeable drill destination behind an OpenZeppelin
 * ERC1967Proxy that granted the governor its upgrade right, already upgraded to the broken V2.
 */
export async function deployUpgradedProxy(chain: LocalChain): Promise<UpgradedProxy> {
  const deployer = chain.walletClient.account.address;
  const deploy = (name: 'DrillBridgeDestinationV1' | 'DrillBridgeDestinationV2' | 'DrillUpgradeProxy' | 'RollbackGovernor', args: unknown[] = []) =>
    deployArtifact({ name, walletClient: chain.walletClient, publicClient: chain.publicClient, args });
  const governor = await deploy('RollbackGovernor', [deployer, [GUARDIAN]]);
  const v1 = await deploy('DrillBridgeDestinationV1');
  const v2 = await deploy('DrillBridgeDestinationV2');
  const init = encodeFunctionData({ abi: loadArtifact('DrillBridgeDestinationV1').abi, functionName: 'initialize', args: [deployer] });
  const proxy = await deploy('DrillUpgradeProxy', [v1, init]);
  const call = async (address: Address, name: 'RollbackGovernor' | 'DrillBridgeDestinationV1', functionName: string, args: unknown[]) => {
    const hash = await chain.walletClient.writeContract({ address, abi: loadArtifact(name).abi, functionName, args, chain: chain.chain, account: chain.walletClient.account });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== 'success') throw new Error(`${functionName} reverted`);
  };
  await call(proxy, 'DrillBridgeDestinationV1', 'setUpgrader', [governor, true]);
  const fixture: UpgradedProxy = {
    governor: getAddress(governor),
    proxy: getAddress(proxy),
    v1: getAddress(v1),
    v2: getAddress(v2),
    allowRollback: (seconds) => call(governor, 'RollbackGovernor', 'allowRollback', [proxy, v2, v1, BigInt(seconds)]),
    implementation: async () => getAddress(`0x${((await chain.publicClient.getStorageAt({ address: proxy, slot: SLOT })) ?? '0x').slice(-40)}`),
    upgradeTo: (impl) => call(proxy, 'DrillBridgeDestinationV1', 'upgradeToAndCall', [impl, '0x']),
  };
  await fixture.upgradeTo(v2);
  return fixture;
}
