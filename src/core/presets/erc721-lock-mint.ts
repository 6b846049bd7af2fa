/**
 * A lock-and-mint NFT bridge: the collection's ERC-721 `Transfer(from, escrow, tokenId)` on the
 * source locks an item; the wrapped collection's `Transfer(0x0, to, tokenId)` on the destination
 * mints it. Event from EIP-721 (the ERC-721 standard; OpenZeppelin
 * contracts/token/ERC721/IERC721.sol declares the same). The same item may go out, come back and
 * go out again: keys pair by occurrence (SPEC §3), the n-th lock with the n-th mint.
 */
import { isAddress } from 'viem';
import { asBigInt, eventAbi } from './abi.ts';
import { compositeKey, type Preset } from './model.ts';

export const ERC721_TRANSFER = eventAbi('event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)');
const ZERO = '0x0000000000000000000000000000000000000000';
const addressParam = (value: unknown) => (typeof value === 'string' && isAddress(value, { strict: false }) ? undefined : 'must be an address (0x followed by 40 hex digits)');

export const erc721LockMint: Preset = {
  name: 'erc721-lock-mint',
  title: 'ERC-721 lock on the source, mint on the destination',
  stuckAfter: '30m',
  keying: 'occurrence',
  assetKind: 'erc721',
  params: [
    { name: 'escrow', description: 'the address that holds locked items on the source chain', check: addressParam },
    { name: 'wrapped', description: 'the wrapped collection on the destination (default: destination.address)', default: (r) => r.destinationAddress, check: addressParam },
  ],
  source: [
    {
      signature: ERC721_TRANSFER.signature,
      decode(log, ctx) {
        const args = ERC721_TRANSFER.decode(log);
        if (!args || String(args.to).toLowerCase() !== String(ctx.params.escrow).toLowerCase()) return null;
        const tokenId = asBigInt(args.tokenId);
        return { key: compositeKey(tokenId), id: tokenId.toString(), stage: 'deposit', amount: 1n, token: log.address.toLowerCase(), tokenId: tokenId.toString() };
      },
    },
  ],
  destination: [
    {
      signature: ERC721_TRANSFER.signature,
      decode(log, ctx) {
        const args = ERC721_TRANSFER.decode(log);
        if (!args || String(args.from).toLowerCase() !== ZERO) return null;
        if (log.address.toLowerCase() !== String(ctx.params.wrapped).toLowerCase()) return null;
        const tokenId = asBigInt(args.tokenId);
        return { key: compositeKey(tokenId), id: tokenId.toString(), stage: 'delivered' };
      },
    },
  ],
  deployments: [],
  sources: ['EIP-721 Transfer event; OpenZeppelin/openzeppelin-contracts contracts/token/ERC721/IERC721.sol'],
};
