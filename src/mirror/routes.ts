/**
 * Public mirror routes: the live status page and its feeds, the Statuspage-compatible summary,
 * the mirror's coordinates, and a small local gateway for pinned content (trustless-gateway CARs).
 * The page, feed and summary work without IPFS (`ipfs.enabled: false`).
 */
import { Hono, type Context } from 'hono';
import { FirebreakError, reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { type IpfsNode, parseCid } from './ipfs.ts';
import type { MirrorState } from './publisher.ts';
import { renderFeed } from './render/feed.ts';
import { renderStatusPage } from './render/page.ts';
import type { StatusSnapshot } from './render/public.ts';
import { renderHistory, renderSummary } from './render/summary.ts';
import { escapeHtml } from './render/text.ts';
import { perSnapshot, serveCached } from './served.ts';

export interface MirrorRoutesDeps {
  snapshot: () => Promise<StatusSnapshot>;
  state: () => MirrorState;
  node: () => IpfsNode | null;
  logger: Logger;
}

const HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
const CAR_TYPE = 'application/vnd.ipld.car';

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

function contentType(name: string): string {
  if (name === 'feed.xml') return 'application/atom+xml; charset=utf-8';
  return CONTENT_TYPES[name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

function problem(c: Context, status: 400 | 404 | 500 | 503, error: string, message: string) {
  return c.json({ error, message }, status);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new FirebreakError(`malformed percent-encoding in the path: ${segment.slice(0, 80)}`, { code: 'bad_request', status: 400 });
  }
}

function streamOf(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      try {
        const { value, done } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

export function mirrorRoutes(deps: MirrorRoutesDeps): Hono {
  const app = new Hono();
  // every public document is rendered once per snapshot and served as shared bytes (served.ts)
  const jsonHeaders = { 'content-type': 'application/json', 'cache-control': 'no-cache' };
  const pageHeaders = { 'content-type': 'text/html; charset=UTF-8', 'content-security-policy': HTML_CSP, 'cache-control': 'no-cache' };
  const summaryJson = perSnapshot((snapshot) => JSON.stringify(renderSummary(snapshot)), jsonHeaders);
  const historyJson = perSnapshot((snapshot) => JSON.stringify(renderHistory(snapshot)), jsonHeaders);
  const feed = perSnapshot(renderFeed, { 'content-type': 'application/atom+xml; charset=utf-8' });
  // at /status the page's relative links need the folder; at /status/ and on IPFS they do not
  const pageInFolder = perSnapshot((snapshot) => renderStatusPage(snapshot, { linkPrefix: 'status/' }), pageHeaders);
  const pageAtFolder = perSnapshot((snapshot) => renderStatusPage(snapshot, { linkPrefix: '' }), pageHeaders);
  const serving = (document: typeof feed) => async (c: Context) => serveCached(c, document(await deps.snapshot()));

  app.get('/status', serving(pageInFolder));
  app.get('/status/', serving(pageAtFolder));
  app.get('/status/summary.json', serving(summaryJson));
  app.get('/status/history.json', serving(historyJson));
  app.get('/status/feed.xml', serving(feed));
  app.get('/feed.xml', serving(feed));
  app.get('/api/v2/summary.json', serving(summaryJson));
  app.get('/api/v2/incidents.json', serving(historyJson));
  app.get('/api/mirror', (c) => {
    const state = deps.state();
    return c.json({ cid: state.cid, ipns: state.ipns, publishedAt: state.publishedAt, multiaddrs: state.multiaddrs });
  });

  async function gateway(c: Context) {
    const rest = c.req.path.replace(/^\/ipfs\//, '');
    const [cidText = '', ...segments] = rest.split('/');
    let cid;
    let path: string[];
    try {
      cid = parseCid(decodeSegment(cidText));
      // a malformed escape (`%E0%A4%A`, `%zz`) is the client's mistake: 400, not a 500
      path = segments.filter((s) => s !== '').map(decodeSegment);
    } catch (error) {
      return problem(c, 400, 'bad_request', reasonOf(error));
    }
    const node = deps.node();
    if (!node) return problem(c, 503, 'ipfs_disabled', 'the IPFS node is disabled (ipfs.enabled: false)');
    const root = cid.toString();
    if (!(await node.isPinned(root))) return problem(c, 404, 'not_found', `${root} is not pinned here`);
    const wantsCar = c.req.query('format') === 'car' || (c.req.header('accept') ?? '').includes(CAR_TYPE);
    if (wantsCar) {
      // dag-scope=all of the root: a superset of the blocks along any path, verifiable block by block
      return new Response(streamOf(node.exportCar(root)), {
        status: 200,
        headers: {
          'content-type': `${CAR_TYPE}; version=1`,
          'content-disposition': `attachment; filename="${root}.car"`,
          'x-content-type-options': 'nosniff',
          'cache-control': 'public, max-age=29030400, immutable',
          etag: `"${root}.car"`,
          'x-ipfs-path': `/ipfs/${root}${path.length ? '/' + path.join('/') : ''}`,
        },
      });
    }
    let target = await node.resolvePath(root, path);
    if (!target) return problem(c, 404, 'not_found', `no ${path.join('/')} in ${root}`);
    // a bare file CID has no name: the gateway convention `?filename=` gives it one (and its type)
    let name = path.at(-1) ?? c.req.query('filename') ?? '';
    if (target.kind === 'directory') {
      // relative links in index.html need the trailing slash (gateway convention)
      if (!c.req.path.endsWith('/')) return c.redirect(`${c.req.path}/`, 301);
      const index = await node.resolvePath(root, [...path, 'index.html']);
      if (!index || index.kind !== 'file') {
        return c.html(`<!doctype html><title>${escapeHtml(root)}</title><p>Directory ${escapeHtml('/ipfs/' + rest)} has no index.html.</p>`, 200);
      }
      target = index;
      name = 'index.html';
    }
    const type = contentType(name);
    return new Response(streamOf(node.cat(target.cid)), {
      status: 200,
      headers: {
        'content-type': type,
        'content-length': String(target.size),
        'x-content-type-options': 'nosniff',
        'cache-control': 'public, max-age=29030400, immutable',
        etag: `"${target.cid.toString()}"`,
        'x-ipfs-path': `/ipfs/${rest}`,
        ...(type.startsWith('text/html') ? { 'content-security-policy': HTML_CSP } : {}),
      },
    });
  }

  app.get('/ipfs/:cid', gateway);
  app.get('/ipfs/:cid/*', gateway);

  /** the signed IPNS record (trustless gateway `application/vnd.ipfs.ipns-record`), or the content it names */
  app.get('/ipns/:name', async (c) => {
    const node = deps.node();
    if (!node) return problem(c, 503, 'ipfs_disabled', 'the IPFS node is disabled (ipfs.enabled: false)');
    const name = c.req.param('name');
    const wantsRecord = c.req.query('format') === 'ipns-record' || (c.req.header('accept') ?? '').includes('application/vnd.ipfs.ipns-record');
    if (wantsRecord) {
      let record: Uint8Array | null = null;
      try {
        record = await node.ipnsRecord(name);
      } catch (error) {
        return problem(c, 400, 'bad_request', `not an IPNS name: ${reasonOf(error)}`);
      }
      if (!record) return problem(c, 404, 'not_found', `no IPNS record for ${name} here`);
      return c.body(record as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/vnd.ipfs.ipns-record', 'cache-control': 'no-cache' });
    }
    const cid = name === node.ipnsName ? await node.resolveName() : null;
    if (!cid) return problem(c, 404, 'not_found', `${name} is not a name this node publishes`);
    return c.redirect(`/ipfs/${cid}/`, 302);
  });

  app.onError((error, c) => {
    if (error instanceof FirebreakError && (error.status === 400 || error.status === 404)) return problem(c, error.status, error.code, error.message);
    deps.logger.error({ path: c.req.path, reason: reasonOf(error) }, 'mirror route failed');
    return problem(c, 500, 'internal', 'internal error');
  });
  return app;
}
