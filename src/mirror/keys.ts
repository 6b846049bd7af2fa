/**
 * The IPNS key in the shared store (kv table), for several instances on PostgreSQL: whichever
 * instance publishes, it signs under the same name (SPEC §7). First writer wins; the key is
 * libp2p protobuf bytes, base64 in JSON. Never logged.
 */
import type { Db } from '../store/store.ts';
import type { IpnsKeyStore } from './ipfs.ts';

const kvKey = (name: string) => `mirror:ipns-key:${name}`;

export function storeKeyStore(db: Db): IpnsKeyStore {
  return {
    async load(name) {
      const row = await db.selectFrom('kv').select('value').where('key', '=', kvKey(name)).executeTakeFirst();
      const value = row?.value as { protobuf?: string } | undefined;
      return value?.protobuf ? new Uint8Array(Buffer.from(value.protobuf, 'base64')) : null;
    },
    async save(name, key) {
      await db
        .insertInto('kv')
        .values({ key: kvKey(name), value: JSON.stringify({ protobuf: Buffer.from(key).toString('base64') }) as never, updated_at: new Date() })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    },
  };
}
