/**
 * LayerZero V2 OFT. Facts from LayerZero-Labs/LayerZero-v2:
 * packages/layerzero-v2/evm/oapp/contracts/oft/interfaces/IOFT.sol (OFTSent, OFTReceived: guid is
 * topic1 on both sides), packages/layerzero-v2/evm/protocol/contracts/libs/GUID.sol (how the guid
 * is made: keccak256(abi.encodePacked(nonce, srcEid, sender, dstEid, receiver)); `lzGuid` below).
 * EIDs: ./tables.ts. The OFT is its own token: `tokens` is keyed by the source OFT's address.
 */
import { encodePacked, type Hex, keccak256 } from 'viem';
import { asBigInt, eventAbi } from './abi.ts';
import type { Preset, PresetParam } from './model.ts';
import { LZ_EIDS } from './tables.ts';

export const OFT_SENT = eventAbi('event OFTSent(bytes32 indexed guid, uint32 dstEid, address indexed fromAddress, uint256 amountSentLD, uint256 amountReceivedLD)');
export const OFT_RECEIVED = eventAbi('event OFTReceived(bytes32 indexed guid, uint32 srcEid, address indexed toAddress, uint256 amountReceivedLD)');

/** GUID.generate (protocol/contracts/libs/GUID.sol) */
export function lzGuid(nonce: bigint, srcEid: number, sender: Hex, dstEid: number, receiver: Hex): Hex {
  const pad = (a: Hex) => (`0x${a.slice(2).padStart(64, '0')}`) as Hex;
  return keccak256(encodePacked(['uint64', 'uint32', 'bytes32', 'uint32', 'bytes32'], [nonce, srcEid, pad(sender), dstEid, pad(receiver)]));
}

const eid = (value: unknown) => (Number.isInteger(value) && (value as number) > 0 ? undefined : 'must be a LayerZero endpoint id (e.g. 30101 for Ethereum)');

export const LZ_PARAMS: PresetParam[] = [
  { name: 'srcEid', description: "the source chain's LayerZero endpoint id", default: (r) => LZ_EIDS[r.sourceChainId], check: eid },
  { name: 'dstEid', description: "the destination chain's LayerZero endpoint id", default: (r) => LZ_EIDS[r.destinationChainId], check: eid },
];

export const layerzeroOft: Preset = {
  name: 'layerzero-oft',
  title: 'LayerZero V2 OFT (OFTSent → OFTReceived)',
  stuckAfter: '30m',
  keying: 'value',
  assetKind: 'erc20',
  params: LZ_PARAMS,
  source: [
    {
      signature: OFT_SENT.signature,
      decode(log, ctx) {
        const args = OFT_SENT.decode(log);
        if (!args || Number(args.dstEid) !== Number(ctx.params.dstEid)) return null;
        const guid = String(args.guid).toLowerCase();
        return { key: guid, id: guid, stage: 'deposit', amount: asBigInt(args.amountSentLD), token: log.address.toLowerCase() };
      },
    },
  ],
  destination: [
    {
      signature: OFT_RECEIVED.signature,
      decode(log, ctx) {
        const args = OFT_RECEIVED.decode(log);
        if (!args || Number(args.srcEid) !== Number(ctx.params.srcEid)) return null;
        const guid = String(args.guid).toLowerCase();
        return { key: guid, id: guid, stage: 'delivered' };
      },
    },
  ],
  deployments: [],
  sources: [
    'LayerZero-Labs/LayerZero-v2 packages/layerzero-v2/evm/oapp/contracts/oft/interfaces/IOFT.sol',
    'LayerZero-Labs/LayerZero-v2 packages/layerzero-v2/evm/protocol/contracts/libs/GUID.sol',
  ],
  notes: 'one entry per OFT contract pair: source.address and destination.address are the two OFTs (or adapters)',
};
