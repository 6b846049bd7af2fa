/**
 * Chainlink CCIP 1.6. Facts from smartcontractkit/chainlink-ccip at tag contracts-ccip-v1.6.4:
 * chains/evm/contracts/onRamp/OnRamp.sol (CCIPMessageSent), offRamp/OffRamp.sol
 * (ExecutionStateChanged; only SUCCESS = 2 or FAILURE = 3 are emitted), libraries/Internal.sol
 * (EVM2AnyRampMessage, RampMessageHeader, MessageExecutionState). Selectors: ./tables.ts.
 * Key: messageId (in the source struct's header; topic3 on the destination). FAILURE can be
 * executed again by hand (manuallyExecute): a later SUCCESS for the same messageId wins.
 * Token: 1.6 logs no source token address; the first token transfer's destTokenAddress is used,
 * so `tokens` is keyed by the destination token's address.
 * Hashes (Internal._hash, both overloads; MerkleMultiProof.LEAF_DOMAIN_SEPARATOR = 0): the OnRamp
 * makes the messageId from the EVM2AnyRampMessage (`ccipMessageId`, OnRamp.sol `generateMessageId`);
 * the OffRamp logs as `messageHash` its own leaf over the Any2EVMRampMessage (`ccipOffRampMessageHash`).
 * Pairing needs neither (the messageId is logged on both sides): they let a message be checked.
 */
import { encodeAbiParameters, type Hex, keccak256, pad, toHex } from 'viem';
import { asBigInt, eventAbi } from './abi.ts';
import type { Preset } from './model.ts';
import { CCIP_SELECTORS } from './tables.ts';

export const CCIP_MESSAGE_SENT = eventAbi(
  'event CCIPMessageSent(uint64 indexed destChainSelector, uint64 indexed sequenceNumber, ((bytes32 messageId, uint64 sourceChainSelector, uint64 destChainSelector, uint64 sequenceNumber, uint64 nonce) header, address sender, bytes data, bytes receiver, bytes extraArgs, address feeToken, uint256 feeTokenAmount, uint256 feeValueJuels, (address sourcePoolAddress, bytes destTokenAddress, bytes extraData, uint256 amount, bytes destExecData)[] tokenAmounts) message)',
);
export const EXECUTION_STATE_CHANGED = eventAbi(
  'event ExecutionStateChanged(uint64 indexed sourceChainSelector, uint64 indexed sequenceNumber, bytes32 indexed messageId, bytes32 messageHash, uint8 state, bytes returnData, uint256 gasUsed)',
);

const LEAF_DOMAIN_SEPARATOR = pad('0x00');
const EVM_2_ANY_MESSAGE_HASH = keccak256(toHex('EVM2AnyMessageHashV1'));
const ANY_2_EVM_MESSAGE_HASH = keccak256(toHex('Any2EVMMessageHashV1'));

/** Internal.EVM2AnyRampMessage, as CCIPMessageSent logs it */
export interface Evm2AnyRampMessage {
  header: { messageId?: Hex; sourceChainSelector: bigint; destChainSelector: bigint; sequenceNumber: bigint; nonce: bigint };
  sender: Hex;
  data: Hex;
  receiver: Hex;
  extraArgs: Hex;
  feeToken: Hex;
  feeTokenAmount: bigint;
  feeValueJuels: bigint;
  tokenAmounts: ReadonlyArray<{ sourcePoolAddress: Hex; destTokenAddress: Hex; extraData: Hex; amount: bigint; destExecData: Hex }>;
}

/** Internal.Any2EVMRampMessage, as the OffRamp executes it */
export interface Any2EvmRampMessage {
  header: { messageId: Hex; sourceChainSelector: bigint; destChainSelector: bigint; sequenceNumber: bigint; nonce: bigint };
  sender: Hex;
  data: Hex;
  receiver: Hex;
  gasLimit: bigint;
  tokenAmounts: ReadonlyArray<{ sourcePoolAddress: Hex; destTokenAddress: Hex; destGasAmount: number; extraData: Hex; amount: bigint }>;
}

const word = (type: string) => ({ type });

/** the messageId the OnRamp at `onRamp` gives this message (its header's messageId is not an input) */
export function ccipMessageId(message: Evm2AnyRampMessage, onRamp: Hex): Hex {
  const { header } = message;
  const metadataHash = keccak256(
    encodeAbiParameters([word('bytes32'), word('uint64'), word('uint64'), word('address')], [EVM_2_ANY_MESSAGE_HASH, header.sourceChainSelector, header.destChainSelector, onRamp]),
  );
  const fixed = encodeAbiParameters(
    [word('address'), word('uint64'), word('uint64'), word('address'), word('uint256')],
    [message.sender, header.sequenceNumber, header.nonce, message.feeToken, message.feeTokenAmount],
  );
  const tokens = encodeAbiParameters(
    [{ type: 'tuple[]', components: [{ name: 'sourcePoolAddress', type: 'address' }, { name: 'destTokenAddress', type: 'bytes' }, { name: 'extraData', type: 'bytes' }, { name: 'amount', type: 'uint256' }, { name: 'destExecData', type: 'bytes' }] }],
    [message.tokenAmounts],
  );
  return keccak256(
    encodeAbiParameters(
      [word('bytes32'), word('bytes32'), word('bytes32'), word('bytes32'), word('bytes32'), word('bytes32'), word('bytes32')],
      [LEAF_DOMAIN_SEPARATOR, metadataHash, keccak256(fixed), keccak256(message.receiver), keccak256(message.data), keccak256(tokens), keccak256(message.extraArgs)],
    ),
  );
}

/** the `messageHash` the OffRamp logs in ExecutionStateChanged; `onRamp` as the OffRamp holds it (an EVM source: the address abi-encoded to 32 bytes) */
export function ccipOffRampMessageHash(message: Any2EvmRampMessage, onRamp: Hex): Hex {
  const { header } = message;
  const metadataHash = keccak256(
    encodeAbiParameters([word('bytes32'), word('uint64'), word('uint64'), word('bytes32')], [ANY_2_EVM_MESSAGE_HASH, header.sourceChainSelector, header.destChainSelector, keccak256(onRamp)]),
  );
  const fixed = encodeAbiParameters(
    [word('bytes32'), word('address'), word('uint64'), word('uint256'), word('uint64')],
    [header.messageId, message.receiver, header.sequenceNumber, message.gasLimit, header.nonce],
  );
  const tokens = encodeAbiParameters(
    [{ type: 'tuple[]', components: [{ name: 'sourcePoolAddress', type: 'bytes' }, { name: 'destTokenAddress', type: 'address' }, { name: 'destGasAmount', type: 'uint32' }, { name: 'extraData', type: 'bytes' }, { name: 'amount', type: 'uint256' }] }],
    [message.tokenAmounts],
  );
  return keccak256(
    encodeAbiParameters(
      [word('bytes32'), word('bytes32'), word('bytes32'), word('bytes32'), word('bytes32'), word('bytes32')],
      [LEAF_DOMAIN_SEPARATOR, metadataHash, keccak256(fixed), keccak256(message.sender), keccak256(message.data), keccak256(tokens)],
    ),
  );
}

const SUCCESS = 2;
const FAILURE = 3;

const selector = (value: unknown) => {
  try {
    return BigInt(value as string) > 0n ? undefined : 'must be a CCIP chain selector';
  } catch {
    return 'must be a CCIP chain selector (a large integer; write it in quotes)';
  }
};

interface TokenAmount {
  destTokenAddress: string;
  amount: bigint;
}

export const ccipV16: Preset = {
  name: 'ccip-v1.6',
  title: 'Chainlink CCIP 1.6 (OnRamp CCIPMessageSent → OffRamp ExecutionStateChanged)',
  stuckAfter: '1h',
  keying: 'value',
  assetKind: 'erc20',
  params: [
    { name: 'sourceChainSelector', description: "the source chain's CCIP selector", default: (r) => CCIP_SELECTORS[r.sourceChainId]?.toString(), check: selector },
    { name: 'destChainSelector', description: "the destination chain's CCIP selector", default: (r) => CCIP_SELECTORS[r.destinationChainId]?.toString(), check: selector },
  ],
  source: [
    {
      signature: CCIP_MESSAGE_SENT.signature,
      decode(log, ctx) {
        const args = CCIP_MESSAGE_SENT.decode(log);
        if (!args || asBigInt(args.destChainSelector) !== BigInt(ctx.params.destChainSelector as string)) return null;
        const message = args.message as { header: { messageId: string }; tokenAmounts: TokenAmount[] };
        const messageId = message.header.messageId.toLowerCase();
        const first = message.tokenAmounts[0];
        return {
          key: messageId,
          id: messageId,
          stage: 'deposit',
          amount: first ? first.amount : 0n,
          token: first ? `0x${first.destTokenAddress.slice(-40).toLowerCase()}` : null,
        };
      },
    },
  ],
  destination: [
    {
      signature: EXECUTION_STATE_CHANGED.signature,
      decode(log, ctx) {
        const args = EXECUTION_STATE_CHANGED.decode(log);
        if (!args || asBigInt(args.sourceChainSelector) !== BigInt(ctx.params.sourceChainSelector as string)) return null;
        const state = Number(args.state);
        if (state !== SUCCESS && state !== FAILURE) return null;
        const messageId = String(args.messageId).toLowerCase();
        return { key: messageId, id: messageId, stage: state === SUCCESS ? 'delivered' : 'failed-retryable' };
      },
    },
  ],
  deployments: [], // OnRamp/OffRamp mainnet addresses are in the CCIP Directory, not in the repository
  sources: [
    'smartcontractkit/chainlink-ccip@contracts-ccip-v1.6.4 chains/evm/contracts/onRamp/OnRamp.sol',
    'smartcontractkit/chainlink-ccip@contracts-ccip-v1.6.4 chains/evm/contracts/offRamp/OffRamp.sol',
    'smartcontractkit/chainlink-ccip@contracts-ccip-v1.6.4 chains/evm/contracts/libraries/Internal.sol',
  ],
  notes: 'a FAILURE is reported as failed-retryable (manual execution) until a SUCCESS for the messageId',
};
