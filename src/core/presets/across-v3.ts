/**
 * Across V3 SpokePool. Facts from across-protocol/contracts:
 * - events: contracts/interfaces/V3SpokePoolInterface.sol (FundsDeposited, FilledRelay; legacy
 *   V3FundsDeposited, FilledV3Relay with uint32 depositIds and address tokens, before Feb 2025)
 * - INFINITE_FILL_DEADLINE = type(uint32).max: contracts/spoke-pools/SpokePool.sol
 * - addresses: broadcast/deployed-addresses.json
 * Key: (origin chainId, depositId). FundsDeposited carries no origin chainId: it is the chain the
 * event was read on; only deposits whose destinationChainId is the destination chain count.
 */
import { asBigInt, evmAddress, eventAbi } from './abi.ts';
import { compositeKey, type Preset, type PresetEvent } from './model.ts';

const INFINITE_FILL_DEADLINE = 0xffffffff;

export const FUNDS_DEPOSITED = eventAbi(
  'event FundsDeposited(bytes32 inputToken, bytes32 outputToken, uint256 inputAmount, uint256 outputAmount, uint256 indexed destinationChainId, uint256 indexed depositId, uint32 quoteTimestamp, uint32 fillDeadline, uint32 exclusivityDeadline, bytes32 indexed depositor, bytes32 recipient, bytes32 exclusiveRelayer, bytes message)',
);
export const V3_FUNDS_DEPOSITED = eventAbi(
  'event V3FundsDeposited(address inputToken, address outputToken, uint256 inputAmount, uint256 outputAmount, uint256 indexed destinationChainId, uint32 indexed depositId, uint32 quoteTimestamp, uint32 fillDeadline, uint32 exclusivityDeadline, address indexed depositor, address recipient, address exclusiveRelayer, bytes message)',
);
export const FILLED_RELAY = eventAbi(
  'event FilledRelay(bytes32 inputToken, bytes32 outputToken, uint256 inputAmount, uint256 outputAmount, uint256 repaymentChainId, uint256 indexed originChainId, uint256 indexed depositId, uint32 fillDeadline, uint32 exclusivityDeadline, bytes32 exclusiveRelayer, bytes32 indexed relayer, bytes32 depositor, bytes32 recipient, bytes32 messageHash, (bytes32 updatedRecipient, bytes32 updatedMessageHash, uint256 updatedOutputAmount, uint8 fillType) relayExecutionInfo)',
);
export const FILLED_V3_RELAY = eventAbi(
  'event FilledV3Relay(address inputToken, address outputToken, uint256 inputAmount, uint256 outputAmount, uint256 repaymentChainId, uint256 indexed originChainId, uint32 indexed depositId, uint32 fillDeadline, uint32 exclusivityDeadline, address exclusiveRelayer, address indexed relayer, address depositor, address recipient, bytes message, (address updatedRecipient, bytes updatedMessage, uint256 updatedOutputAmount, uint8 fillType) relayExecutionInfo)',
);

function deposit(abi: typeof FUNDS_DEPOSITED): PresetEvent {
  return {
    signature: abi.signature,
    decode(log, ctx) {
      const args = abi.decode(log);
      if (!args) return null;
      if (asBigInt(args.destinationChainId) !== BigInt(ctx.otherChainId)) return null; // another route
      const depositId = asBigInt(args.depositId); // uint32 (legacy) and uint256 compare as values
      const fillDeadline = Number(args.fillDeadline);
      return {
        key: compositeKey(ctx.chainId, depositId),
        id: `${ctx.chainId}:${depositId}`,
        stage: 'deposit',
        amount: asBigInt(args.inputAmount),
        token: evmAddress(args.inputToken),
        expiresAt: fillDeadline === INFINITE_FILL_DEADLINE ? null : fillDeadline,
      };
    },
  };
}

function fill(abi: typeof FILLED_RELAY): PresetEvent {
  return {
    signature: abi.signature,
    decode(log, ctx) {
      const args = abi.decode(log);
      if (!args) return null;
      const origin = asBigInt(args.originChainId);
      if (origin !== BigInt(ctx.otherChainId)) return null; // a fill for another origin: not this route
      const depositId = asBigInt(args.depositId);
      return { key: compositeKey(origin, depositId), id: `${origin}:${depositId}`, stage: 'delivered' };
    },
  };
}

const SPOKE_POOLS: Record<number, string> = {
  1: '0x5c7BCd6E7De5423a257D81B442095A1a6ced35C5',
  10: '0x6f26Bf09B1C792e3228e5467807a900A503c0281',
  42161: '0xe35e9842fceaCA96570B734083f4a58e8F7C5f2A',
  8453: '0x09aea4b2242abC8bb4BB78D537A67a245A7bEC64',
};

export const acrossV3: Preset = {
  name: 'across-v3',
  title: 'Across V3 (SpokePool deposits → fills)',
  stuckAfter: '30m',
  keying: 'value',
  assetKind: 'erc20',
  params: [],
  source: [deposit(FUNDS_DEPOSITED), deposit(V3_FUNDS_DEPOSITED)],
  destination: [fill(FILLED_RELAY), fill(FILLED_V3_RELAY)],
  deployments: Object.entries(SPOKE_POOLS).map(([chainId, address]) => ({ chainId: Number(chainId), source: address, destination: address })),
  sources: [
    'across-protocol/contracts contracts/interfaces/V3SpokePoolInterface.sol',
    'across-protocol/contracts contracts/spoke-pools/SpokePool.sol',
    'across-protocol/contracts broadcast/deployed-addresses.json',
  ],
  notes: 'deposits past their fillDeadline are reported as expired (refunded on the origin), not stuck',
};
