/**
 * LayerZero V2 ONFT721. Facts from LayerZero-Labs/devtools
 * packages/onft-evm/contracts/onft721/interfaces/IONFT721.sol (ONFTSent, ONFTReceived; guid topic1).
 * One ERC-721 item per message; `tokens` is keyed by the source ONFT's address (kind erc721).
 */
import { asBigInt, eventAbi } from './abi.ts';
import { LZ_PARAMS } from './layerzero-oft.ts';
import type { Preset } from './model.ts';

export const ONFT_SENT = eventAbi('event ONFTSent(bytes32 indexed guid, uint32 dstEid, address indexed fromAddress, uint256 tokenId)');
export const ONFT_RECEIVED = eventAbi('event ONFTReceived(bytes32 indexed guid, uint32 srcEid, address indexed toAddress, uint256 tokenId)');

export const layerzeroOnft721: Preset = {
  name: 'layerzero-onft721',
  title: 'LayerZero V2 ONFT721 (ONFTSent → ONFTReceived)',
  stuckAfter: '30m',
  keying: 'value',
  assetKind: 'erc721',
  params: LZ_PARAMS,
  source: [
    {
      signature: ONFT_SENT.signature,
      decode(log, ctx) {
        const args = ONFT_SENT.decode(log);
        if (!args || Number(args.dstEid) !== Number(ctx.params.dstEid)) return null;
        const guid = String(args.guid).toLowerCase();
        return { key: guid, id: guid, stage: 'deposit', amount: 1n, token: log.address.toLowerCase(), tokenId: asBigInt(args.tokenId).toString() };
      },
    },
  ],
  destination: [
    {
      signature: ONFT_RECEIVED.signature,
      decode(log, ctx) {
        const args = ONFT_RECEIVED.decode(log);
        if (!args || Number(args.srcEid) !== Number(ctx.params.srcEid)) return null;
        const guid = String(args.guid).toLowerCase();
        return { key: guid, id: guid, stage: 'delivered' };
      },
    },
  ],
  deployments: [],
  sources: ['LayerZero-Labs/devtools packages/onft-evm/contracts/onft721/interfaces/IONFT721.sol'],
};
