/**
 * Wormhole Token Bridge. Facts from wormhole-foundation/wormhole: ethereum/contracts/Implementation.sol
 * (LogMessagePublished on the Core contract; `sender` = the Token Bridge, sequences per emitter),
 * ethereum/contracts/bridge/Bridge.sol (TransferRedeemed on the destination Token Bridge;
 * encodeTransfer's packed payload; amounts normalised to 8 decimals by normalizeAmount), chain ids
 * from sdk/vaa/structs.go, addresses from sdk/js/src/utils/consts.ts (./tables.ts).
 * Key: (emitterChain, emitterAddress, sequence). Redemption is manual (a user or relayer submits
 * the VAA): a transfer not redeemed waits for a user; it is reported as such, not paged.
 */
import type { Hex } from 'viem';
import { asBigInt, eventAbi } from './abi.ts';
import { addressOf, compositeKey, type Preset, sliceBytes, uint } from './model.ts';
import { WORMHOLE_CHAINS, WORMHOLE_TOKEN_BRIDGES } from './tables.ts';

export const LOG_MESSAGE_PUBLISHED = eventAbi('event LogMessagePublished(address indexed sender, uint64 sequence, uint32 nonce, bytes payload, uint8 consistencyLevel)');
export const TRANSFER_REDEEMED = eventAbi('event TransferRedeemed(uint16 indexed emitterChainId, bytes32 indexed emitterAddress, uint64 indexed sequence)');

export interface WormholeTransfer {
  payloadId: number;
  /** normalised to 8 decimals */
  amount: bigint;
  tokenAddress: Hex;
  tokenChain: number;
  to: Hex;
  toChain: number;
}

/** Bridge.parseTransfer's layout (payload ids 1 and 3 share the first 101 bytes) */
export function parseTransferPayload(payload: Hex): WormholeTransfer | null {
  const length = (payload.length - 2) / 2;
  if (length < 101) return null;
  const payloadId = Number(uint(sliceBytes(payload, 0, 1)));
  if (payloadId !== 1 && payloadId !== 3) return null;
  return {
    payloadId,
    amount: uint(sliceBytes(payload, 1, 33)),
    tokenAddress: sliceBytes(payload, 33, 65),
    tokenChain: Number(uint(sliceBytes(payload, 65, 67))),
    to: sliceBytes(payload, 67, 99),
    toChain: Number(uint(sliceBytes(payload, 99, 101))),
  };
}

const chainParam = (value: unknown) => (Number.isInteger(value) && (value as number) > 0 ? undefined : 'must be a Wormhole chain id (Ethereum 2, Arbitrum 23, …)');

export const wormholeTokenBridge: Preset = {
  name: 'wormhole-token-bridge',
  title: 'Wormhole Token Bridge (Core LogMessagePublished → TransferRedeemed)',
  stuckAfter: '1d',
  keying: 'value',
  assetKind: 'erc20',
  amountDecimals: 8,
  params: [
    { name: 'emitterChain', description: "the source chain's Wormhole chain id", default: (r) => WORMHOLE_CHAINS[r.sourceChainId], check: chainParam },
    { name: 'targetChain', description: "the destination chain's Wormhole chain id", default: (r) => WORMHOLE_CHAINS[r.destinationChainId], check: chainParam },
    {
      name: 'tokenBridge',
      description: "the source chain's Token Bridge (the emitter)",
      default: (r) => WORMHOLE_TOKEN_BRIDGES[r.sourceChainId]?.toLowerCase(),
      check: (v) => (typeof v === 'string' && /^0x[0-9a-fA-F]{40}$/.test(v) ? undefined : 'must be an address'),
    },
  ],
  source: [
    {
      signature: LOG_MESSAGE_PUBLISHED.signature,
      decode(log, ctx) {
        const args = LOG_MESSAGE_PUBLISHED.decode(log);
        if (!args || String(args.sender).toLowerCase() !== String(ctx.params.tokenBridge).toLowerCase()) return null;
        const transfer = parseTransferPayload(args.payload as Hex);
        if (!transfer || transfer.toChain !== Number(ctx.params.targetChain)) return null;
        const sequence = asBigInt(args.sequence);
        const emitterChain = Number(ctx.params.emitterChain);
        return {
          key: compositeKey(emitterChain, String(args.sender), sequence),
          id: `${emitterChain}/${String(args.sender).toLowerCase()}/${sequence}`,
          stage: 'deposit',
          amount: transfer.amount,
          // the token by its origin address (a wrapped token's origin is on another chain)
          token: addressOf(transfer.tokenAddress),
          waitsForUser: true,
        };
      },
    },
  ],
  destination: [
    {
      signature: TRANSFER_REDEEMED.signature,
      decode(log, ctx) {
        const args = TRANSFER_REDEEMED.decode(log);
        if (!args || Number(args.emitterChainId) !== Number(ctx.params.emitterChain)) return null;
        if (BigInt(args.emitterAddress as string) !== BigInt(String(ctx.params.tokenBridge))) return null;
        const sequence = asBigInt(args.sequence);
        return { key: compositeKey(Number(args.emitterChainId), String(args.emitterAddress), sequence), id: String(sequence), stage: 'delivered' };
      },
    },
  ],
  deployments: [
    { chainId: 1, source: '0x98f3c9e6E3fAce36bAAd05FE09d375Ef1464288B', destination: '0x3ee18B2214AFF97000D974cf647E7C347E8fa585' },
    { chainId: 42161, source: '0xa5f208e072434bC67592E4C49C1B991BA79BCA46', destination: '0x0b2402144Bb366A632D14B83F244D2e0e21bD39c' },
    { chainId: 8453, source: '0xbebdb6C8ddC678FfA9f8748f85C815C556Dd8ac6', destination: '0x8d2de8d2f73F1F4cAB472AC9A881C9b123C79627' },
    { chainId: 10, source: '0xEe91C335eab126dF5fDB3797EA9d6aD93aeC9722', destination: '0x1D68124e65faFC907325e3EDbF8c4d84499DAa8b' },
  ],
  sources: [
    'wormhole-foundation/wormhole ethereum/contracts/Implementation.sol',
    'wormhole-foundation/wormhole ethereum/contracts/bridge/Bridge.sol',
    'wormhole-foundation/wormhole sdk/vaa/structs.go',
    'wormhole-foundation/wormhole sdk/js/src/utils/consts.ts',
  ],
  notes: 'source.address is the Core contract; amounts are scaled from 8 decimals; redemption waits for a user',
};
