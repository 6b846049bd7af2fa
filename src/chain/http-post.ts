/**
 * POST a JSON-RPC body over node:http(s) on kept-alive connections and read the answer as text.
 *
 * Not fetch: a backfill reads hundreds of thousands of logs, and fetch's web-stream body (chunks
 * enqueued one by one, then a UTF-8 decode) costs a fifth of the client's CPU per log (measured by
 * `firebreak bench`, ingest). Here the chunks are joined once, and an ASCII body (what JSON-RPC
 * sends: hex and field names) becomes a string without UTF-8 decoding. Compressed answers (gzip,
 * deflate, br: what hosted providers send when asked) are inflated.
 */
import { isAscii } from 'node:buffer';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** No answer in time (the whole exchange, body included). */
export class HttpTimeoutError extends Error {}

export interface JsonPoster {
  post(url: string, body: string, timeoutMs: number): Promise<HttpAnswer>;
}

/** One poster per client: its agents keep connections open between calls (idle ones never hold the process). */
export function createJsonPoster(): JsonPoster {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  return {
    post(url, body, timeoutMs) {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const payload = Buffer.from(body);
      return new Promise<HttpAnswer>((resolve, reject) => {
        let settled = false;
        const finish = (error: Error | undefined, answer?: HttpAnswer) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (error) reject(error);
          else resolve(answer!);
        };
        const request = (secure ? https : http).request(
          target,
          {
            method: 'POST',
            agent: secure ? agents.https : agents.http,
            headers: {
              'content-type': 'application/json',
              'content-length': payload.length,
              accept: 'application/json',
              'accept-encoding': 'gzip, deflate, br',
            },
          },
          (response) => {
            readBody(response).then(
              (text) => finish(undefined, { status: response.statusCode ?? 0, headers: response.headers, text }),
              (error: Error) => finish(error),
            );
          },
        );
        const timer = setTimeout(() => {
          finish(new HttpTimeoutError(`no answer within ${timeoutMs} ms`));
          request.destroy();
        }, timeoutMs);
        request.on('error', (error) => finish(error));
        request.end(payload);
      });
    },
  };
}

async function readBody(response: IncomingMessage): Promise<string> {
  const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
  const inflate =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  const chunks: Buffer[] = [];
  const collect = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  };
  if (inflate) await pipeline(response, inflate, collect);
  else await collect(response);
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}
