/**
 * The seed's own case as the drill's default scenario: an NFT bridge. Items of a collection on the
 * source chain are locked (ERC-721 Transfer to the bridge's escrow) and minted by a wrapped
 * collection on the destination; the watchers read it through the `erc721-lock-mint` preset. The
 * relayer stops: 37 items locked for 12 h, $40,000 at the collection floor (36 × $1,081 and one
 * rarer item priced by its tokenId at $1,084).
 */
import type { Address, Hex } from 'viem';
import { deployArtifact, loadArtifact } from '../chain/artifacts.ts';
import type { LocalChain } from './chains.ts';

export const NFT_SEED = {
  symbol: 'APE',
  floorUsd: 1081,
  /** one item priced by its tokenId: 36 × 1081 + 1084 = 40,000 */
  rare: { tokenId: 1037n, priceUsd: 1084 },
  firstId: 1001n,
  count: 37,
} as const;

export interface DrillNft {
  /** the collection on the source chain */
  collection: Address;
  /** the wrapped collection on the destination chain */
  wrapped: Address;
  /** where locked items go (the drill bridge's source contract, the one the governor may pause) */
  escrow: Address;
  /** mint items to the holder and lock them in the escrow (the bridge's deposit side) */
  lock(tokenIds: bigint[]): Promise<void>;
  /** the relayer's side: mint the wrapped items on the destination */
  mint(tokenIds: bigint[]): Promise<void>;
}

async function send(chain: LocalChain, address: Address, functionName: string, args: unknown[]): Promise<Hex> {
  const hash = await chain.walletClient.writeContract({ address, abi: loadArtifact('NftCollection').abi, functionName, args, chain: chain.chain, account: chain.walletClient.account });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (receipt.status !== 'success') throw new Error(`${functionName} reverted (${hash})`);
  return hash;
}

/** consecutive runs of ids, so each run is one batch call */
function runs(ids: bigint[]): Array<[bigint, bigint]> {
  const sorted = [...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const out: Array<[bigint, bigint]> = [];
  for (const id of sorted) {
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === id) last[1]++;
    else out.push([id, 1n]);
  }
  return out;
}

export async function deployDrillNft(source: LocalChain, destination: LocalChain, escrow: Address): Promise<DrillNft> {
  const [collection, wrapped] = await Promise.all([
    deployArtifact({ name: 'NftCollection', walletClient: source.walletClient, publicClient: source.publicClient, args: [] }),
    deployArtifact({ name: 'NftCollection', walletClient: destination.walletClient, publicClient: destination.publicClient, args: [] }),
  ]);
  const holder = source.walletClient.account.address;
  return {
    collection,
    wrapped,
    escrow,
    async lock(tokenIds) {
      for (const [first, count] of runs(tokenIds)) {
        await send(source, collection, 'mintBatch', [holder, first, count]);
        await send(source, collection, 'transferBatch', [holder, escrow, first, count]);
      }
    },
    async mint(tokenIds) {
      for (const [first, count] of runs(tokenIds)) await send(destination, wrapped, 'mintBatch', [holder, first, count]);
    },
  };
}

export function seedNftIds(): bigint[] {
  return Array.from({ length: NFT_SEED.count }, (_, i) => NFT_SEED.firstId + BigInt(i));
}

/** The NFT bridge as a Firebreak config entry (the drill's bridge id, so governance keys still apply). */
export function nftBridgeEntry(input: { id: string; name: string; sourceChain: string; destinationChain: string; nft: DrillNft; pausable: Address }): Record<string, unknown> {
  return {
    id: input.id,
    name: input.name,
    preset: 'erc721-lock-mint',
    stuckAfter: '30m',
    source: { chain: input.sourceChain, address: input.nft.collection, fromBlock: 0 },
    destination: { chain: input.destinationChain, address: input.nft.wrapped, fromBlock: 0 },
    params: { escrow: input.nft.escrow, wrapped: input.nft.wrapped },
    tokens: {
      [input.nft.collection]: { symbol: NFT_SEED.symbol, kind: 'erc721', priceUsd: NFT_SEED.floorUsd, prices: { [NFT_SEED.rare.tokenId.toString()]: NFT_SEED.rare.priceUsd } },
    },
    pausable: input.pausable,
  };
}
