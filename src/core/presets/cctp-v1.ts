/**
 * Circle CCTP V1. Facts from circlefin/evm-cctp-contracts: src/TokenMessenger.sol (DepositForBurn),
 * src/MessageTransmitter.sol (MessageReceived; nonces per source MessageTransmitter). Domains:
 * ./tables.ts. Key: (sourceDomain, nonce); only burns to `destinationDomain` count, only receipts
 * from `sourceDomain`. `replaceDepositForBurn` re-emits the same nonce: the first deposit counts.
 * The message both events come from: src/messages/Message.sol and BurnMessage.sol (`parseCctpMessage`);
 * the destination marks (sourceDomain, nonce) used under `_hashSourceAndNonce` (`cctpUsedNonceKey`).
 */
import { encodePacked, type Hex, hexToBigInt, hexToNumber, keccak256, slice, size } from 'viem';
import { asBigInt, eventAbi } from './abi.ts';
import { compositeKey, type Preset } from './model.ts';
import { CCTP_DOMAINS } from './tables.ts';

export const DEPOSIT_FOR_BURN = eventAbi(
  'event DepositForBurn(uint64 indexed nonce, address indexed burnToken, uint256 amount, address indexed depositor, bytes32 mintRecipient, uint32 destinationDomain, bytes32 destinationTokenMessenger, bytes32 destinationCaller)',
);
export const MESSAGE_RECEIVED = eventAbi(
  'event MessageReceived(address indexed caller, uint32 sourceDomain, uint64 indexed nonce, bytes32 sender, bytes messageBody)',
);

/** a CCTP V1 message (Message.sol layout) with its burn body (BurnMessage.sol layout) */
export interface CctpMessage {
  version: number;
  sourceDomain: number;
  destinationDomain: number;
  nonce: bigint;
  sender: Hex;
  recipient: Hex;
  destinationCaller: Hex;
  body: Hex;
  /** null when the body is not a TokenMessenger burn message (132 bytes) */
  burn: { version: number; burnToken: Hex; mintRecipient: Hex; amount: bigint; messageSender: Hex } | null;
}

const MESSAGE_BODY_INDEX = 116;
const BURN_MESSAGE_LEN = 132;

/** decodes the bytes of `MessageSent(bytes message)`; null when they are too short to be a V1 message */
export function parseCctpMessage(message: Hex): CctpMessage | null {
  if (size(message) < MESSAGE_BODY_INDEX) return null;
  const body = slice(message, MESSAGE_BODY_INDEX);
  const burn =
    size(message) - MESSAGE_BODY_INDEX === BURN_MESSAGE_LEN
      ? {
          version: hexToNumber(slice(body, 0, 4)),
          burnToken: `0x${slice(body, 4, 36).slice(-40)}` as Hex,
          mintRecipient: slice(body, 36, 68),
          amount: hexToBigInt(slice(body, 68, 100)),
          messageSender: slice(body, 100, 132),
        }
      : null;
  return {
    version: hexToNumber(slice(message, 0, 4)),
    sourceDomain: hexToNumber(slice(message, 4, 8)),
    destinationDomain: hexToNumber(slice(message, 8, 12)),
    nonce: hexToBigInt(slice(message, 12, 20)),
    sender: slice(message, 20, 52),
    recipient: slice(message, 52, 84),
    destinationCaller: slice(message, 84, 116),
    body,
    burn,
  };
}

/** MessageTransmitter._hashSourceAndNonce: the key under which the destination marks a message used */
export function cctpUsedNonceKey(sourceDomain: number, nonce: bigint): Hex {
  return keccak256(encodePacked(['uint32', 'uint64'], [sourceDomain, nonce]));
}

const domain = (value: unknown) => (Number.isInteger(value) && (value as number) >= 0 ? undefined : 'must be a CCTP domain number (Ethereum 0, Arbitrum 3, Base 6, …)');

export const cctpV1: Preset = {
  name: 'cctp-v1',
  title: 'Circle CCTP V1 (TokenMessenger burns → MessageTransmitter receipts)',
  stuckAfter: '1h',
  keying: 'value',
  assetKind: 'erc20',
  params: [
    { name: 'sourceDomain', description: "the source chain's CCTP domain", default: (r) => CCTP_DOMAINS[r.sourceChainId], check: domain },
    { name: 'destinationDomain', description: "the destination chain's CCTP domain", default: (r) => CCTP_DOMAINS[r.destinationChainId], check: domain },
  ],
  source: [
    {
      signature: DEPOSIT_FOR_BURN.signature,
      decode(log, ctx) {
        const args = DEPOSIT_FOR_BURN.decode(log);
        if (!args || Number(args.destinationDomain) !== Number(ctx.params.destinationDomain)) return null;
        const nonce = asBigInt(args.nonce);
        return {
          key: compositeKey(Number(ctx.params.sourceDomain), nonce),
          id: `${ctx.params.sourceDomain}:${nonce}`,
          stage: 'deposit',
          amount: asBigInt(args.amount),
          token: String(args.burnToken).toLowerCase(),
        };
      },
    },
  ],
  destination: [
    {
      signature: MESSAGE_RECEIVED.signature,
      decode(log, ctx) {
        const args = MESSAGE_RECEIVED.decode(log);
        if (!args || Number(args.sourceDomain) !== Number(ctx.params.sourceDomain)) return null;
        const nonce = asBigInt(args.nonce);
        return { key: compositeKey(Number(args.sourceDomain), nonce), id: `${args.sourceDomain}:${nonce}`, stage: 'delivered' };
      },
    },
  ],
  deployments: [
    // V1 Ethereum; L2 V1 addresses are not in Circle's repository: take them from Circle's docs
    { chainId: 1, source: '0xBd3fa81B58Ba92a82136038B25aDec7066af3155', destination: '0x0a992d191DEeC32aFe36203Ad87D7d289a738F81' },
  ],
  sources: ['circlefin/evm-cctp-contracts src/TokenMessenger.sol', 'circlefin/evm-cctp-contracts src/MessageTransmitter.sol'],
  notes: 'delivery is manual (receiveMessage with the attestation); a failed receive leaves no event and stays pending',
};
