/** Helpers for the mirror tests: waiting on conditions, reading bodies, verifying CARs. */
import { CarReader } from '@ipld/car';
import { sha256 } from 'multiformats/hashes/sha2';
import type { CID } from 'multiformats/cid';

export async function waitFor<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Every block of the CAR hashes to its CID; returns the roots and the CIDs. */
export async function verifyCar(bytes: Uint8Array): Promise<{ roots: CID[]; cids: string[] }> {
  const reader = await CarReader.fromBytes(bytes);
  const roots = await reader.getRoots();
  const cids: string[] = [];
  for await (const block of reader.blocks()) {
    if (block.cid.multihash.code !== sha256.code) throw new Error(`unexpected hash in ${block.cid}`);
    const digest = await sha256.digest(block.bytes);
    if (Buffer.compare(Buffer.from(digest.digest), Buffer.from(block.cid.multihash.digest)) !== 0) throw new Error(`block ${block.cid} does not hash to its CID`);
    cids.push(block.cid.toString());
  }
  return { roots, cids };
}
