/**
 * The RPC client's HTTP transport (node:http, kept-alive connections) against a loopback endpoint
 * that answers the way hosted providers do: compressed bodies when asked, UTF-8 in error texts,
 * a body that stalls half-way, a redirect. Every call goes through the client, as the sync makes it.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRpcClient, RpcError, UnobservableError } from '../../src/chain/rpc.ts';
import { silentLogger } from '../../src/core/log.ts';

type Handler = (request: http.IncomingMessage, body: string, response: http.ServerResponse) => void;

describe('RPC over node:http', () => {
  let server: http.Server;
  let url: string;
  let handler: Handler;
  let connections = 0;
  const seenHeaders: http.IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seenHeaders.push(request.headers);
        handler(request, Buffer.concat(chunks).toString('utf8'), response);
      });
    });
    server.on('connection', () => connections++);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/secret-api-key`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = (timeoutMs = 5_000) => createRpcClient({ chain: 'ethereum', urls: [url], logger: silentLogger, timeoutMs, restMs: 0 });
  const answer = (body: string) => JSON.stringify({ jsonrpc: '2.0', id: (JSON.parse(body) as { id: number }).id, result: '0x2a' });

  it.each([
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['br', zlib.brotliCompressSync],
  ] as const)('a %s-compressed answer (hosted providers compress when asked) is inflated', async (encoding, compress) => {
    handler = (_request, body, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
      response.end(compress(Buffer.from(answer(body))));
    };
    await expect(client().request('eth_blockNumber', [])).resolves.toBe('0x2a');
    expect(seenHeaders.at(-1)!['accept-encoding']).toContain(encoding);
  });

  it('a body in several chunks with UTF-8 text is read whole and decoded as UTF-8', async () => {
    handler = (_request, body, response) => {
      const id = (JSON.parse(body) as { id: number }).id;
      const text = JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32000, message: 'exécution annulée — ノード' } });
      const bytes = Buffer.from(text);
      response.writeHead(200, { 'content-type': 'application/json' });
      // split inside a multi-byte character: the chunks are joined before decoding
      const cut = bytes.indexOf(Buffer.from('é')) + 1;
      response.write(bytes.subarray(0, cut));
      setTimeout(() => response.end(bytes.subarray(cut)), 20);
    };
    const error = await client().request('eth_call', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as Error).message).toContain('exécution annulée — ノード');
  });

  it('an answer whose body stalls half-way times out (retryable), it does not hang the pass', async () => {
    handler = (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"jsonrpc":"2.0","id":1,"result":[');
    };
    const started = performance.now();
    const error = await client(300).request('eth_getLogs', [{}]).catch((e: unknown) => e);
    // the one endpoint did not answer: the chain is unobservable for this call, and says why
    expect(error).toBeInstanceOf(UnobservableError);
    expect(((error as Error).cause as Error).message).toBe('timed out after 300 ms');
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('a redirect is reported as one (the address it names is not echoed: URLs carry API keys)', async () => {
    handler = (_request, _body, response) => {
      response.writeHead(308, { location: 'https://elsewhere.example/v2/secret-api-key' });
      response.end();
    };
    const error = await client().request('eth_blockNumber', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnobservableError);
    expect(((error as Error).cause as Error).message).toBe('HTTP 308: the endpoint redirects elsewhere; configure the address it redirects to');
    const said = `${(error as Error).message} ${((error as Error).cause as Error).message} ${JSON.stringify((error as Error & { details?: unknown }).details ?? '')}`;
    expect(said).not.toContain('secret-api-key');
  });

  it('credentials in the URL (a self-hosted node behind basic auth) are sent as Authorization', async () => {
    handler = (request, body, response) => {
      const ok = request.headers.authorization === `Basic ${Buffer.from('ops:s3cr:et').toString('base64')}`;
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      response.end(ok ? answer(body) : '{"error":"unauthorized"}');
    };
    const withAuth = url.replace('http://', 'http://ops:s3cr%3Aet@');
    const rpc = createRpcClient({ chain: 'ethereum', urls: [withAuth], logger: silentLogger, timeoutMs: 5_000 });
    await expect(rpc.request('eth_blockNumber', [])).resolves.toBe('0x2a');
  });

  it('calls in a row share one kept-alive connection', async () => {
    handler = (_request, body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(answer(body));
    };
    const rpc = client();
    await rpc.request('eth_blockNumber', []);
    const before = connections;
    for (let i = 0; i < 20; i++) await rpc.request('eth_blockNumber', []);
    expect(connections).toBe(before);
  });

  it('an https endpoint is read over TLS, its certificate checked', async () => {
    const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');
    const secure = https.createServer({ key: fixture('loopback.key'), cert: fixture('loopback.crt') }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(answer(Buffer.concat(chunks).toString('utf8')));
      });
    });
    secure.listen(0, '127.0.0.1');
    await once(secure, 'listening');
    const secureUrl = `https://127.0.0.1:${(secure.address() as AddressInfo).port}/v2/key`;
    const rpc = () => createRpcClient({ chain: 'ethereum', urls: [secureUrl], logger: silentLogger, timeoutMs: 5_000 });
    const defaults = tls.getCACertificates('default');
    try {
      // not trusted: refused (a connection failure, never read)
      const refused = await rpc().request('eth_blockNumber', []).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(UnobservableError);
      expect(((refused as Error).cause as Error).message).toBe('connection failed');
      // trusted (the test's own authority added to the defaults): read
      tls.setDefaultCACertificates([...defaults, fixture('loopback.crt')]);
      await expect(rpc().request('eth_blockNumber', [])).resolves.toBe('0x2a');
    } finally {
      tls.setDefaultCACertificates(defaults);
      secure.closeAllConnections();
      await new Promise((resolve) => secure.close(resolve));
    }
  });
});
