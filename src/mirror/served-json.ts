/**
 * The public JSON documents (summary.json, incidents.json) as served: rendered once per status
 * snapshot into bytes with their length and a strong ETag, gzipped once for the clients that
 * accept it, and answered with 304 when the client already has that version. Under load the
 * server then only writes shared bytes.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Context } from 'hono';
import type { StatusSnapshot } from './render/public.ts';

/** One encoding of a JSON document as served: its bytes and their headers (ETag included). */
interface Encoded {
  bytes: Uint8Array<ArrayBuffer>;
  etag: string;
  headers: Record<string, string>;
}

/** A JSON document as served: the UTF-8 bytes, and gzipped for the clients that accept it (made on first ask). */
export interface Rendered {
  identity: Encoded;
  gzip(): Encoded;
  /** both ETags: either in If-None-Match means the client has this version */
  etags: string[];
}

function encoded(bytes: Uint8Array<ArrayBuffer>, etag: string, encoding?: 'gzip'): Encoded {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(bytes.byteLength), etag, 'cache-control': 'no-cache', vary: 'accept-encoding' };
  if (encoding) headers['content-encoding'] = encoding;
  return { bytes, etag, headers };
}

/**
 * One rendering per snapshot object: the snapshot is shared by every request of its second, and
 * so are the bytes, their length and their ETag (no per-request encoding of a 70 kB string).
 */
export function perSnapshot(render: (snapshot: StatusSnapshot) => unknown): (snapshot: StatusSnapshot) => Rendered {
  const done = new WeakMap<StatusSnapshot, Rendered>();
  return (snapshot) => {
    let rendered = done.get(snapshot);
    if (rendered === undefined) {
      const bytes = new TextEncoder().encode(JSON.stringify(render(snapshot)));
      const tag = createHash('sha256').update(bytes).digest('base64url').slice(0, 32);
      const etags = [`"${tag}"`, `"${tag}-gzip"`];
      let gzipped: Encoded | undefined;
      // the JSON repeats itself per incident: gzip makes 70 kB about 4 kB
      const gzip = () => (gzipped ??= encoded(new Uint8Array(gzipSync(bytes)), etags[1]!, 'gzip'));
      rendered = { identity: encoded(bytes, etags[0]!), gzip, etags };
      done.set(snapshot, rendered);
    }
    return rendered;
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
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    return (coding === 'gzip' || coding === '*') && !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}

/** 304 when the client has this version, else the cached bytes (headers and body shared, not copied). */
export function serveJson(c: Context, rendered: Rendered): Response {
  const gzip = acceptsGzip(c.req.header('accept-encoding'));
  if (notModified(c.req.header('if-none-match'), rendered.etags)) {
    return new Response(null, { status: 304, headers: { etag: rendered.etags[gzip ? 1 : 0]!, 'cache-control': 'no-cache', vary: 'accept-encoding' } });
  }
  const chosen = gzip ? rendered.gzip() : rendered.identity;
  return new Response(chosen.bytes, { status: 200, headers: chosen.headers });
}
