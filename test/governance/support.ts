/** Governance fixtures on the drill chains: a fresh pausable target and a rollback governor that may pause it. */
import type { Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ANVIL_KEYS } from '../../src/chain/anvil.ts';
import { deployArtifact, DRILL_BRIDGE_SOURCE, loadArtifact, ROLLBACK_GOVERNOR } from '../../src/chain/artifacts.ts';
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

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
