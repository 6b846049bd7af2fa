/**
 * What the chain says about a rollback: the governor's allowance (`rollbackOf`) and the
 * implementation the proxy runs now (the ERC-1967 slot, read with eth_getStorageAt: a contract
 * cannot read it, and OpenZeppelin v5 proxies have no getter for it).
 */
import { type Address, getAddress, type Hex, keccak256, toBytes } from 'viem';
import { loadArtifact, ROLLBACK_GOVERNOR } from '../../chain/artifacts.ts';
import { RetryableError, reasonOf } from '../../core/errors.ts';
import type { Config, RollbackGovernorConfig } from '../../config/types.ts';
import type { ChainClients } from '../chain.ts';

/** bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1) */
export const IMPLEMENTATION_SLOT: Hex = `0x${(BigInt(keccak256(toBytes('eip1967.proxy.implementation'))) - 1n).toString(16).padStart(64, '0')}`;

export interface RollbackAllowance {
  fromImpl: Address;
  toImpl: Address;
  /** unix seconds */
  validUntil: number;
  usable: boolean;
}

export interface RollbackTarget {
  governor: RollbackGovernorConfig;
  bridge: string;
  proxy: Address;
}

/** The configured rollbacks (every governor's `rollbacks` entries). */
export function configuredRollbacks(config: Config): RollbackTarget[] {
  return config.governance.rollbackGovernors.flatMap((governor) =>
    governor.rollbacks.map((entry) => ({ governor, bridge: entry.bridge, proxy: getAddress(entry.proxy) })),
  );
}

export function rollbackFor(config: Config, proxy: string): RollbackTarget | undefined {
  return configuredRollbacks(config).find((t) => t.proxy.toLowerCase() === proxy.toLowerCase());
}

export async function readImplementation(clients: ChainClients, proxy: Address): Promise<Address> {
  let word: Hex | undefined;
  try {
    word = await clients.publicClient.getStorageAt({ address: proxy, slot: IMPLEMENTATION_SLOT });
  } catch (error) {
    throw new RetryableError(`cannot read the implementation slot of ${proxy}: ${reasonOf(error)}`, { code: 'governor_rpc' });
  }
  return getAddress(`0x${(word ?? '0x').slice(2).padStart(64, '0').slice(24)}`);
}

export async function readAllowance(clients: ChainClients, governor: Address, proxy: Address): Promise<RollbackAllowance> {
  let result: readonly [Address, Address, bigint, boolean];
  try {
    result = (await clients.publicClient.readContract({
      address: governor,
      abi: loadArtifact(ROLLBACK_GOVERNOR).abi,
      functionName: 'rollbackOf',
      args: [proxy],
    })) as readonly [Address, Address, bigint, boolean];
  } catch (error) {
    throw new RetryableError(`cannot read rollbackOf(${proxy}) on the governor ${governor}: ${reasonOf(error)}`, { code: 'governor_rpc' });
  }
  const [fromImpl, toImpl, validUntil, usable] = result;
  return { fromImpl: getAddress(fromImpl), toImpl: getAddress(toImpl), validUntil: Number(validUntil), usable };
}

/** Why the rollback cannot run now, or null when the allowance is usable and the proxy runs fromImpl. */
export function refusal(allowance: RollbackAllowance, current: Address, nowSeconds: number): string | null {
  if (allowance.fromImpl === '0x0000000000000000000000000000000000000000') return 'governance has not allowed a rollback of this proxy (allowRollback)';
  if (!allowance.usable) {
    return allowance.validUntil <= nowSeconds
      ? `the rollback allowance expired at ${new Date(allowance.validUntil * 1000).toISOString()}; governance must allow it again`
      : 'the rollback allowance was already used; governance must allow it again';
  }
  if (current.toLowerCase() !== allowance.fromImpl.toLowerCase()) {
    return `the proxy runs ${current}, not ${allowance.fromImpl} (the implementation the allowance rolls back from)`;
  }
  return null;
}
