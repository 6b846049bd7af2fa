/**
 * The in-process IPFS node (helia): the ONLY file that touches helia/libp2p. Blocks and the
 * datastore (peer id, pins, IPNS records) live on disk under `<dataDir>/ipfs`, so a restart keeps
 * the CIDs and the IPNS name. libp2p is configured for loopback/LAN use only: TCP with
 * noise+yamux+identify, no bootstrap, DHT, relay, UPnP, autonat or delegated HTTP routers (those
 * would reach for the public network and make publishing hang). Peers reach the mirror by dialing
 * the multiaddrs we report; bitswap serves the blocks.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { car } from '@helia/car';
import { ipns as createIpns, multihashToIPNSRoutingKey, type IPNS } from '@helia/ipns';
import { unixfs as createUnixfs, type UnixFS } from '@helia/unixfs';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { FsBlockstore } from 'blockstore-fs';
import { FsDatastore } from 'datastore-fs';
import { createHelia } from 'helia';
import { base36 } from 'multiformats/bases/base36';
import { CID } from 'multiformats/cid';
import { BadRequestError, FirebreakError, NotFoundError, reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { cutCodePoints } from '../core/text.ts';

/**
 * Where the IPNS private key lives. On disk by default; a scale-out keeps it in the shared store
 * (kv table) so that any leader publishes under the same name. Bytes are the libp2p protobuf form.
 */
export interface IpnsKeyStore {
  load(name: string): Promise<Uint8Array | null>;
  save(name: string, key: Uint8Array): Promise<void>;
}

export function fileKeyStore(dir: string): IpnsKeyStore {
  const file = (name: string) => join(dir, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.key`);
  return {
    async load(name) {
      try {
        return new Uint8Array(await readFile(file(name)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async save(name, key) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = `${file(name)}.tmp`;
      await writeFile(tmp, key, { mode: 0o600 });
      await rename(tmp, file(name));
    },
  };
}

export interface IpfsNodeOptions {
  /** the repo folder (`<dataDir>/ipfs`) */
  dir: string;
  listen: string[];
  ipnsKey: string;
  keyStore?: IpnsKeyStore;
  logger: Logger;
}

export type ResolvedPath = { kind: 'file'; cid: CID; size: bigint } | { kind: 'directory'; cid: CID };

export interface IpfsNode {
  peerId: string;
  /** the IPNS name (base36 libp2p-key CID, `k51…`) */
  ipnsName: string;
  multiaddrs(): string[];
  /** add the files as one UnixFS directory, pin it, return the directory CID */
  addSite(files: Record<string, string | Uint8Array>): Promise<string>;
  /** add one file (unixfs addBytes defaults), pin it, return its CID (the postmortem's `addToIpfs`) */
  addFile(bytes: Uint8Array): Promise<string>;
  /** point the IPNS name at the CID (record kept locally; no DHT on a loopback-only node) */
  publishName(cid: string): Promise<void>;
  /** the CID our own IPNS name resolves to, verified through helia's IPNS resolver */
  resolveName(name?: string): Promise<string | null>;
  /** the signed IPNS record of a name we hold (trustless gateway `application/vnd.ipfs.ipns-record`) */
  ipnsRecord(name: string): Promise<Uint8Array | null>;
  /** take a signed record fetched from elsewhere; it is verified when resolved */
  importIpnsRecord(name: string, record: Uint8Array): Promise<void>;
  isPinned(cid: string): Promise<boolean>;
  unpin(cid: string): Promise<void>;
  /** walk `path` below `cid` locally (never asks the network) */
  resolvePath(cid: string, path: string[]): Promise<ResolvedPath | null>;
  cat(cid: CID, options?: { offline?: boolean; signal?: AbortSignal }): AsyncIterable<Uint8Array>;
  /** the CAR (v1, root = cid, every block of the DAG) of local content */
  exportCar(cid: string): AsyncIterable<Uint8Array>;
  /** dial another node (tests, a second instance) */
  dial(address: string): Promise<void>;
  stop(): Promise<void>;
}

export function parseCid(text: string): CID {
  try {
    return CID.parse(text);
  } catch {
    throw new BadRequestError(`not a CID: ${cutCodePoints(text, 100)}`);
  }
}

export async function startIpfsNode(options: IpfsNodeOptions): Promise<IpfsNode> {
  const { dir, logger } = options;
  for (const address of options.listen) {
    try {
      multiaddr(address);
    } catch {
      throw new FirebreakError(`ipfs.listen: "${address}" is not a multiaddr (e.g. /ip4/127.0.0.1/tcp/4001)`, { code: 'config' });
    }
  }
  await checkPortsFree(options.listen);
  await mkdir(dir, { recursive: true });
  const blockstore = new FsBlockstore(join(dir, 'blocks'));
  const datastore = new FsDatastore(join(dir, 'datastore'));
  const helia = createHelia({
    blockstore,
    datastore,
    libp2p: {
      addresses: { listen: options.listen },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery: [],
      services: { identify: identify() },
    },
    http: { delegatedRouters: [], recursiveGateways: [] },
  } as Parameters<typeof createHelia>[0]);
  try {
    await helia.start();
  } catch (error) {
    await helia.stop().catch(() => {});
    const reason = reasonOf(error);
    if (/EADDRINUSE|address already in use|failed to be listened on/i.test(reason) || (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new FirebreakError(`ipfs.listen ${options.listen.join(', ')} is in use (another Firebreak or IPFS node?): set ipfs.listen, e.g. /ip4/127.0.0.1/tcp/0`, {
        code: 'listen',
        cause: error,
      });
    }
    throw new FirebreakError(`the IPFS node did not start (ipfs.listen ${options.listen.join(', ')}): ${reason}`, { code: 'ipfs_start', cause: error });
  }

  const fs: UnixFS = createUnixfs(helia);
  const names: IPNS = createIpns(helia);
  const keyStore = options.keyStore ?? fileKeyStore(join(dir, 'keys'));
  const ipnsKey = await loadIpnsKey(helia, keyStore, options.ipnsKey);
  const ipnsName = ipnsKey.publicKey.toCID().toString(base36);
  logger.info({ peerId: helia.libp2p.peerId.toString(), ipns: ipnsName }, 'ipfs node started');

  async function drain(it: AsyncIterable<unknown>): Promise<void> {
    for await (const _ of it);
  }

  return {
    peerId: helia.libp2p.peerId.toString(),
    ipnsName,
    multiaddrs: () => helia.libp2p.getMultiaddrs().map((m) => m.toString()),
    async addSite(files) {
      let root = await fs.addDirectory();
      for (const [name, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
        const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
        const file = await fs.addBytes(bytes);
        root = await fs.cp(file, root, name);
      }
      if (!(await helia.pins.isPinned(root))) await drain(helia.pins.add(root, { metadata: { firebreak: 'status-mirror' } }));
      return root.toString();
    },
    async addFile(bytes) {
      const cid = await fs.addBytes(bytes);
      if (!(await helia.pins.isPinned(cid))) await drain(helia.pins.add(cid, { metadata: { firebreak: 'file' } }));
      return cid.toString();
    },
    async publishName(cid) {
      await names.publish(options.ipnsKey, parseCid(cid), { offline: true, lifetime: 365 * 86_400_000 });
    },
    async resolveName(name = ipnsName) {
      try {
        for await (const result of names.resolve(name, { offline: true })) {
          const match = /^\/ipfs\/([^/]+)/.exec(result.value);
          return match ? match[1]! : result.value;
        }
        return null;
      } catch (error) {
        logger.debug({ reason: reasonOf(error) }, 'ipns name not resolved');
        return null;
      }
    },
    async ipnsRecord(name) {
      const key = ipnsRoutingKey(name);
      try {
        return await names.routers[0]!.get(key, { offline: true } as never);
      } catch {
        return null;
      }
    },
    async importIpnsRecord(name, record) {
      await names.routers[0]!.put(ipnsRoutingKey(name), record);
    },
    async isPinned(cid) {
      return helia.pins.isPinned(parseCid(cid));
    },
    async unpin(cid) {
      const parsed = parseCid(cid);
      if (await helia.pins.isPinned(parsed)) await drain(helia.pins.rm(parsed));
    },
    async resolvePath(cid, path) {
      let current = parseCid(cid);
      if (!(await helia.blockstore.has(current))) return null;
      for (const segment of path) {
        let next: CID | null = null;
        try {
          for await (const entry of fs.ls(current, { offline: true })) {
            if (entry.name === segment) next = entry.cid;
          }
        } catch {
          return null;
        }
        if (!next) return null;
        current = next;
      }
      try {
        const stat = await fs.stat(current, { offline: true });
        if (stat.type === 'directory') return { kind: 'directory', cid: current };
        return { kind: 'file', cid: current, size: BigInt(stat.size ?? 0) };
      } catch (error) {
        throw new NotFoundError(`cannot read ${cid}/${path.join('/')}: ${reasonOf(error)}`);
      }
    },
    cat(cid, catOptions = {}) {
      return fs.cat(cid, { offline: catOptions.offline ?? true, signal: catOptions.signal });
    },
    exportCar(cid) {
      return car(helia).export(parseCid(cid), { offline: true });
    },
    async dial(address) {
      await helia.libp2p.dial(multiaddr(address));
    },
    async stop() {
      await helia.stop();
    },
  };
}

/**
 * The IPNS key: the key store is the source of truth (libp2p protobuf bytes, Ed25519); helia's
 * keychain gets a copy so `ipns.publish` can sign with it. First run: generate and save.
 */
async function loadIpnsKey(helia: ReturnType<typeof createHelia>, keyStore: IpnsKeyStore, name: string) {
  let stored = await keyStore.load(name);
  const existing = await helia.keychain.exportKey(name).catch(() => null);
  if (!stored) {
    // keep a key this repo already had (first run with a key store); else make one
    const candidate = existing ?? (await helia.keychain.generateKey(name));
    await keyStore.save(name, candidate.toProtobuf());
    // a shared store may already hold another instance's key: the first writer wins
    stored = await keyStore.load(name);
    if (!stored) throw new FirebreakError(`the IPNS key "${name}" could not be saved in its key store`, { code: 'ipns_key' });
  }
  let key;
  try {
    key = await (await helia.getCrypto('Ed25519')).privateKeyFromProtobuf(stored);
  } catch (error) {
    throw new FirebreakError(`the IPNS key "${name}" in the key store is not an Ed25519 libp2p key: ${reasonOf(error)}`, { code: 'ipns_key', cause: error });
  }
  const current = await helia.keychain.exportKey(name).catch(() => null);
  const same = current !== null && current.publicKey.toCID().equals(key.publicKey.toCID());
  if (current && !same) await helia.keychain.removeKey(name);
  if (!same) await helia.keychain.importKey(name, key);
  return key;
}

/** libp2p reports a busy port only as "addresses failed to be listened on": find out first. */
async function checkPortsFree(listen: string[]): Promise<void> {
  for (const address of listen) {
    const match = /^\/ip([46])\/([^/]+)\/tcp\/(\d+)/.exec(address);
    if (!match || match[3] === '0') continue;
    const [, , host, port] = match;
    const busy = await new Promise<boolean>((resolve) => {
      const probe = createNetServer();
      probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
      probe.listen(Number(port), host, () => probe.close(() => resolve(false)));
    });
    if (busy) {
      throw new FirebreakError(`ipfs.listen ${address} is in use (another Firebreak or IPFS node?): set ipfs.listen, e.g. /ip4/127.0.0.1/tcp/0`, { code: 'listen' });
    }
  }
}

function ipnsRoutingKey(name: string): Uint8Array {
  const text = name.replace(/^\/ipns\//, '');
  const cid = text.startsWith('k') ? CID.parse(text, base36) : CID.parse(text);
  return multihashToIPNSRoutingKey(cid.multihash as never);
}
