/**
 * The IPFS CID of a file, as the in-process helia node gives it when the file is added with
 * `unixfs(helia).addBytes(bytes)` and helia's defaults (CIDv1, raw leaves, 1 MiB chunks, balanced
 * layout with 1024 children): the same @helia/unixfs code runs here over a throw-away blockstore,
 * so no IPFS node is needed to know the CID that the postmortem's `ipfs://` URI will name.
 * (The only SDK import of the postmortem module.)
 */
import { unixfs } from '@helia/unixfs';
import type { CID } from 'multiformats/cid';

type Block = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

async function drain(value: Block): Promise<void> {
  if (value instanceof Uint8Array) return;
  if (Symbol.asyncIterator in value) {
    for await (const _ of value as AsyncIterable<Uint8Array>) void _;
    return;
  }
  for (const _ of value as Iterable<Uint8Array>) void _;
}

/** A blockstore that keeps nothing: the importer only needs `put` to hash and link the blocks. */
function discardingBlockstore() {
  return {
    async put(cid: CID, value: Block): Promise<CID> {
      await drain(value);
      return cid;
    },
    has: async () => false,
    // never called by an import; present because the unixfs components require it
    async *get(): AsyncGenerator<Uint8Array> {
      throw new Error('the CID calculator keeps no blocks');
    },
  };
}

/** The CID (CIDv1, base32 `bafk…` for files up to 1 MiB) helia's unixfs `addBytes` gives these bytes. */
export async function computeCid(bytes: Uint8Array): Promise<string> {
  const fs = unixfs({ blockstore: discardingBlockstore() as unknown as Parameters<typeof unixfs>[0]['blockstore'] });
  const cid = await fs.addBytes(bytes);
  return cid.toString();
}
