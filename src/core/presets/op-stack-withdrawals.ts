/**
 * OP Stack withdrawals (L2 → L1). Facts from ethereum-optimism/optimism
 * packages/contracts-bedrock/src/: L2/L2ToL1MessagePasser.sol (MessagePassed, withdrawalHash =
 * Hashing.hashWithdrawal = keccak256(abi.encode(nonce, sender, target, value, gasLimit, data))),
 * L1/OptimismPortal2.sol (WithdrawalProven, WithdrawalFinalized). Test vector:
 * op-node/withdrawals/utils_test.go. Proving and finalizing are a user's steps (after the proof
 * maturity delay, 7 days on mainnet): a withdrawal waits for its user, it is not a broken relayer.
 */
import { encodeAbiParameters, type Hex, keccak256 } from 'viem';
import { asBigInt, eventAbi } from './abi.ts';
import type { Preset } from './model.ts';

export const L2_TO_L1_MESSAGE_PASSER = '0x4200000000000000000000000000000000000016';

export const MESSAGE_PASSED = eventAbi(
  'event MessagePassed(uint256 indexed nonce, address indexed sender, address indexed target, uint256 value, uint256 gasLimit, bytes data, bytes32 withdrawalHash)',
);
export const WITHDRAWAL_PROVEN = eventAbi('event WithdrawalProven(bytes32 indexed withdrawalHash, address indexed from, address indexed to)');
export const WITHDRAWAL_FINALIZED = eventAbi('event WithdrawalFinalized(bytes32 indexed withdrawalHash, bool success)');

/** Hashing.hashWithdrawal */
export function withdrawalHash(w: { nonce: bigint; sender: Hex; target: Hex; value: bigint; gasLimit: bigint; data: Hex }): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'uint256' }, { type: 'address' }, { type: 'address' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'bytes' }],
      [w.nonce, w.sender, w.target, w.value, w.gasLimit, w.data],
    ),
  );
}

export const opStackWithdrawals: Preset = {
  name: 'op-stack-withdrawals',
  title: 'OP Stack withdrawals (L2ToL1MessagePasser → OptimismPortal prove/finalize)',
  stuckAfter: '8d',
  keying: 'value',
  assetKind: 'native',
  params: [],
  source: [
    {
      signature: MESSAGE_PASSED.signature,
      decode(log) {
        const args = MESSAGE_PASSED.decode(log);
        if (!args) return null;
        const hash = String(args.withdrawalHash).toLowerCase();
        // the value that leaves with the message (ETH); ERC-20 withdrawals show 0 here
        return { key: hash, id: hash, stage: 'deposit', amount: asBigInt(args.value), token: null, waitsForUser: true };
      },
    },
  ],
  destination: [
    {
      signature: WITHDRAWAL_PROVEN.signature,
      decode(log) {
        const args = WITHDRAWAL_PROVEN.decode(log);
        const hash = args && String(args.withdrawalHash).toLowerCase();
        return hash ? { key: hash, id: hash, stage: 'waiting-for-user' } : null; // next: finalize
      },
    },
    {
      signature: WITHDRAWAL_FINALIZED.signature,
      decode(log) {
        const args = WITHDRAWAL_FINALIZED.decode(log);
        const hash = args && String(args.withdrawalHash).toLowerCase();
        // success = false: the portal marked it finalized but the call reverted; it is shown, not hidden
        return hash ? { key: hash, id: hash, stage: args.success ? 'delivered' : 'failed-retryable' } : null;
      },
    },
  ],
  deployments: [
    { chainId: 10, source: L2_TO_L1_MESSAGE_PASSER },
    { chainId: 1, destination: '0xbEb5Fc579115071764c7423A4f12eDde41f106Ed' },
  ],
  sources: [
    'ethereum-optimism/optimism packages/contracts-bedrock/src/L2/L2ToL1MessagePasser.sol',
    'ethereum-optimism/optimism packages/contracts-bedrock/src/L1/OptimismPortal2.sol',
    'ethereum-optimism/optimism packages/contracts-bedrock/src/libraries/Hashing.sol',
    'ethereum-optimism/optimism op-node/withdrawals/utils_test.go (vector)',
  ],
  notes: 'every pending withdrawal waits for its user (prove, then finalize after 7 days): reported as waiting, not paged',
};
