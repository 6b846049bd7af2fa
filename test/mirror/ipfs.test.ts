/** The helia node alone: a port in use is a clear error; the IPNS key comes from its key store. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.ts';
import { FirebreakError } from '../../src/core/errors.ts';
import { type IpnsKeyStore, startIpfsNode } from '../../src/mirror/ipfs.ts';
import { computeCid } from '../../src/postmortem/cid.ts';
import { storeKeyStore } from '../../src/mirror/keys.ts';
import { createStore } from '../../src/store/store.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firebreak-ipfs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the IPFS node', () => {
  it('names ipfs.listen when the port is in use', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const error = await startIpfsNode({ dir: join(dir, 'busy'), listen: [`/ip4/127.0.0.1/tcp/${port}`], ipnsKey: 'status', logger: silentLogger }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FirebreakError);
      expect((error as Error).message).toContain(`ipfs.listen /ip4/127.0.0.1/tcp/${port} is in use`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('rejects a listen address that is not a multiaddr', async () => {
    await expect(startIpfsNode({ dir: join(dir, 'bad'), listen: ['127.0.0.1:4001'], ipnsKey: 'status', logger: silentLogger })).rejects.toThrow(/ipfs.listen: "127.0.0.1:4001" is not a multiaddr/);
  });

  it('takes the IPNS key from a key store, so another instance publishes under the same name', async () => {
    const saved = new Map<string, Uint8Array>();
    const shared: IpnsKeyStore = { load: async (name) => saved.get(name) ?? null, save: async (name, key) => void saved.set(name, key) };
    const a = await startIpfsNode({ dir: join(dir, 'a'), listen: ['/ip4/127.0.0.1/tcp/0'], ipnsKey: 'status', keyStore: shared, logger: silentLogger });
    const b = await startIpfsNode({ dir: join(dir, 'b'), listen: ['/ip4/127.0.0.1/tcp/0'], ipnsKey: 'status', keyStore: shared, logger: silentLogger });
    try {
      expect(saved.size).toBe(1);
      expect(b.ipnsName).toBe(a.ipnsName);
      expect(b.peerId).not.toBe(a.peerId);
      // a single file gets the CID the postmortem module computes without a node
      const postmortem = new TextEncoder().encode('# Postmortem INC-0001\n');
      expect(await b.addFile(postmortem)).toBe(await computeCid(postmortem));
      const cid = await b.addSite({ 'index.html': '<p>from b</p>' });
      await b.publishName(cid);
      expect(await b.resolveName()).toBe(cid);
      // a record signed by b's node verifies for a (same key)
      await a.importIpnsRecord(a.ipnsName, (await b.ipnsRecord(b.ipnsName))!);
      expect(await a.resolveName()).toBe(cid);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('keeps the IPNS key in the shared store (kv): a second instance with a fresh repo gets the same name', async () => {
    const store = await createStore({ kind: 'pglite', url: 'memory://' });
    try {
      const first = await startIpfsNode({ dir: join(dir, 'kv-a'), listen: ['/ip4/127.0.0.1/tcp/0'], ipnsKey: 'status', keyStore: storeKeyStore(store.db), logger: silentLogger });
      await first.stop();
      const second = await startIpfsNode({ dir: join(dir, 'kv-b'), listen: ['/ip4/127.0.0.1/tcp/0'], ipnsKey: 'status', keyStore: storeKeyStore(store.db), logger: silentLogger });
      await second.stop();
      expect(second.ipnsName).toBe(first.ipnsName);
      const row = await store.db.selectFrom('kv').selectAll().where('key', '=', 'mirror:ipns-key:status').executeTakeFirst();
      expect(row).toBeDefined();
    } finally {
      await store.close();
    }
  }, 180_000);
});
