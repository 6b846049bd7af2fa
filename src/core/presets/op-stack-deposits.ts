/**
 * OP Stack deposits (L1 → L2) through the messengers. Facts from ethereum-optimism/optimism
 * packages/contracts-bedrock/src/: L1/OptimismPortal2.sol (TransactionDeposited; opaqueData =
 * abi.encodePacked(uint256 mint, uint256 value, uint64 gasLimit, bool isCreation, bytes data)),
 * universal/CrossDomainMessenger.sol (RelayedMessage / FailedRelayedMessage(msgHash); msgHash =
 * keccak256 of the relayMessage calldata, libraries/Hashing.sol hashCrossDomainMessageV1), and
 * universal/StandardBridge.sol (finalizeBridgeERC20 / finalizeBridgeETH messages).
 * Only deposits to the L2CrossDomainMessenger predeploy count (portal-direct deposits have no L2
 * event). A failed relay can be replayed by anyone: the latest event wins.
 */
import { decodeFunctionData, type Hex, keccak256, parseAbi } from 'viem';
import { eventAbi } from './abi.ts';
import { type Preset, sliceBytes, uint } from './model.ts';

export const L2_CROSS_DOMAIN_MESSENGER = '0x4200000000000000000000000000000000000007';

export const TRANSACTION_DEPOSITED = eventAbi('event TransactionDeposited(address indexed from, address indexed to, uint256 indexed version, bytes opaqueData)');
export const RELAYED_MESSAGE = eventAbi('event RelayedMessage(bytes32 indexed msgHash)');
export const FAILED_RELAYED_MESSAGE = eventAbi('event FailedRelayedMessage(bytes32 indexed msgHash)');

const MESSENGER = parseAbi(['function relayMessage(uint256 _nonce, address _sender, address _target, uint256 _value, uint256 _minGasLimit, bytes _message)']);
const BRIDGE = parseAbi([
  'function finalizeBridgeERC20(address _localToken, address _remoteToken, address _from, address _to, uint256 _amount, bytes _extraData)',
  'function finalizeBridgeETH(address _from, address _to, uint256 _amount, bytes _extraData)',
]);

/** 32 (mint) + 32 (value) + 8 (gasLimit) + 1 (isCreation) */
const OPAQUE_HEADER = 73;

/** msgHash of a TransactionDeposited's opaqueData: keccak256 of the relayMessage calldata in it */
export function depositMsgHash(opaqueData: Hex): Hex {
  return keccak256(sliceBytes(opaqueData, OPAQUE_HEADER));
}

/** what the deposit moves: a StandardBridge ERC-20 (token on L1 = the message's remote token) or ETH */
function moved(calldata: Hex, mint: bigint): { amount: bigint; token: string | null } {
  try {
    const relay = decodeFunctionData({ abi: MESSENGER, data: calldata });
    const [, , , value, , message] = relay.args;
    try {
      const inner = decodeFunctionData({ abi: BRIDGE, data: message });
      if (inner.functionName === 'finalizeBridgeERC20') return { amount: inner.args[4], token: inner.args[1].toLowerCase() };
      return { amount: inner.args[2], token: null };
    } catch {
      return { amount: value, token: null };
    }
  } catch {
    return { amount: mint, token: null };
  }
}

export const opStackDeposits: Preset = {
  name: 'op-stack-deposits',
  title: 'OP Stack deposits (OptimismPortal TransactionDeposited → L2CrossDomainMessenger)',
  stuckAfter: '30m',
  keying: 'value',
  assetKind: 'erc20',
  params: [],
  source: [
    {
      signature: TRANSACTION_DEPOSITED.signature,
      decode(log) {
        const args = TRANSACTION_DEPOSITED.decode(log);
        if (!args || String(args.to).toLowerCase() !== L2_CROSS_DOMAIN_MESSENGER) return null;
        const opaque = args.opaqueData as Hex;
        if ((opaque.length - 2) / 2 < OPAQUE_HEADER) return null;
        const msgHash = depositMsgHash(opaque).toLowerCase();
        const what = moved(sliceBytes(opaque, OPAQUE_HEADER), uint(sliceBytes(opaque, 0, 32)));
        return { key: msgHash, id: msgHash, stage: 'deposit', ...what };
      },
    },
  ],
  destination: [
    {
      signature: RELAYED_MESSAGE.signature,
      decode(log) {
        const args = RELAYED_MESSAGE.decode(log);
        return args ? { key: String(args.msgHash).toLowerCase(), id: String(args.msgHash).toLowerCase(), stage: 'delivered' } : null;
      },
    },
    {
      signature: FAILED_RELAYED_MESSAGE.signature,
      decode(log) {
        const args = FAILED_RELAYED_MESSAGE.decode(log);
        return args ? { key: String(args.msgHash).toLowerCase(), id: String(args.msgHash).toLowerCase(), stage: 'failed-retryable' } : null;
      },
    },
  ],
  deployments: [
    // OP Mainnet: OptimismPortalProxy (ethereum-optimism/superchain-registry superchain/configs/mainnet/op.toml) → the L2CDM predeploy
    { chainId: 1, source: '0xbEb5Fc579115071764c7423A4f12eDde41f106Ed' },
    { chainId: 10, destination: L2_CROSS_DOMAIN_MESSENGER },
  ],
  sources: [
    'ethereum-optimism/optimism packages/contracts-bedrock/src/L1/OptimismPortal2.sol',
    'ethereum-optimism/optimism packages/contracts-bedrock/src/universal/CrossDomainMessenger.sol',
    'ethereum-optimism/optimism packages/contracts-bedrock/src/libraries/Hashing.sol',
    'ethereum-optimism/optimism packages/contracts-bedrock/src/universal/StandardBridge.sol',
  ],
  notes: 'ERC-20 deposits are valued by their L1 token; a FailedRelayedMessage is failed-retryable until relayed',
};
