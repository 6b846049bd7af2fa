/**
 * The public documents (status page, feed, summary.json, incidents.json) as served: rendered once
 * per status snapshot into bytes with their length and a strong ETag, gzipped once for the
 * clients that accept it, and answered with 304 when the client already has that version. Under
 * load the server then only writes shared bytes (the page alone took ~2 ms to render per request).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Context } from 'hono';
import type { StatusSnapshot } from './render/public.ts';

/** One encoding of a document: its bytes and all their headers. */
interface Encoded {
  bytes: Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
}

/** A document as served: the UTF-8 bytes, and gzipped (made on first ask). */
export interface Served {
  identity: Encoded;
  gzip(): Encoded;
  /** [identity, gzip]: either in If-None-Match means the client has this version */
  etags: [string, string];
  /** what a 304 repeats */
  notModifiedHeaders: Record<string, string>;
}

/** One rendering per snapshot object: the snapshot is shared by every request of its second. */
export function perSnapshot(render: (snapshot: StatusSnapshot) => string, headers: Record<string, string>): (snapshot: StatusSnapshot) => Served {
  const done = new WeakMap<StatusSnapshot, Served>();
  const encoded = (bytes: Uint8Array<ArrayBuffer>, etag: string, gzip: boolean): Encoded => ({
    bytes,
    headers: { ...headers, 'content-length': String(bytes.byteLength), etag, vary: 'accept-encoding', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
  });
  return (snapshot) => {
    let served = done.get(snapshot);
    if (served === undefined) {
      const bytes = new TextEncoder().encode(render(snapshot));
      const tag = createHash('sha256').update(bytes).digest('base64url').slice(0, 32);
      const etags: [string, string] = [`"${tag}"`, `"${tag}-gzip"`];
      let gzipped: Encoded | undefined;
      served = {
        identity: encoded(bytes, etags[0], false),
        // the JSON and the page repeat themselves per incident: gzip makes 70 kB about 4 kB
        gzip: () => (gzipped ??= encoded(new Uint8Array(gzipSync(bytes)), etags[1], true)),
        etags,
        notModifiedHeaders: headers['cache-control'] ? { 'cache-control': headers['cache-control'], vary: 'accept-encoding' } : { vary: 'accept-encoding' },
      };
      done.set(snapshot, served);
    }
    return served;
  };
}

/** If-None-Match (a list of ETags, weak or strong, or `*`) names one of these versions. */
function notModified(header: string | undefined, etags: string[]): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => etags.includes(tag.trim().replace(/^W\//, '')));
}

/** Accept-Encoding lists gzip (or `*`) without q=0. */
function acceptsGzip(header: string | undefined): boolean {
  if (!header || !/gzip|\*/i.test(header)) return false;
  return header.split(',').some((part) => {
    const [coding = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    return (coding === 'gzip' || coding === '*') && !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}

/** 304 when the client has this version, else the cached bytes (headers and body shared, not copied). */
export function serveCached(c: Context, served: Served): Response {
  const gzip = acceptsGzip(c.req.header('accept-encoding'));
  if (notModified(c.req.header('if-none-match'), served.etags)) {
    return new Response(null, { status: 304, headers: { ...served.notModifiedHeaders, etag: served.etags[gzip ? 1 : 0] } });
  }
  const chosen = gzip ? served.gzip() : served.identity;
  return new Response(chosen.bytes, { status: 200, headers: chosen.headers });
}
