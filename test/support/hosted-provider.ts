/**
 * A loopback "hosted provider" in front of a real anvil that refuses like Alchemy, Infura and
 * QuickNode do, with their documented codes and texts:
 * - rate limits on a configurable fraction of requests: HTTP 429 with Retry-After (seconds or an
 *   HTTP-date) and Alchemy's compute-units body, Infura's -32005 "daily request count exceeded"
 *   with `backoff_seconds`, EIP-1474 -32005 "limit exceeded"; inside a batch, single items
 *   answered with Alchemy's 429 while the others answer;
 * - eth_getLogs caps: a block-range cap ("eth_getLogs is limited to a 2000 block range"), Infura's
 *   result cap ("query returned more than 10000 results") and Alchemy's combined rule ("Log
 *   response size exceeded … this block range should work: [0x…, 0x…]");
 * - a batch limit ("batch too large", -32600, one error object like geth);
 * - lag: the node serves the head `lagBlocks` behind (like a load-balanced node that fell behind,
 *   it answers eth_getLogs past its head with what it has, silently);
 * - another network's eth_chainId.
 * Every knob is a mutable field, so a test can lift the limits mid-run.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RateLimitStyle = 'alchemy-429' | 'http-date-429' | 'infura-daily' | 'limit-exceeded';

export interface HostedProvider {
  url: string;
  /** fraction of requests (and of batch items) answered with a rate limit, 0..1 */
  rateLimited: number;
  /** styles the rate limits rotate through */
  rateLimitStyles: RateLimitStyle[];
  /** Retry-After / backoff_seconds the limits carry */
  retryAfterSeconds: number;
  /** QuickNode-style block-range cap on eth_getLogs */
  maxBlockRange: number;
  /** Infura-style cap on the logs of one eth_getLogs */
  maxResults: number;
  /** Alchemy's rule: any range up to `maxBlocks`, or any range with at most `maxLogs` logs */
  alchemy: { maxBlocks: number; maxLogs: number } | undefined;
  /** calls per batch; more is refused as a whole */
  maxBatch: number;
  /** the head this node serves lies this many blocks behind the chain's */
  lagBlocks: number;
  /** eth_chainId answered instead of the chain's (another network) */
  chainId: number | undefined;
  /** what was asked and how it was answered, in order (eth_getLogs answered or refused for its range: the blocks asked) */
  calls: Array<{ method: string; outcome: 'ok' | 'rate-limited' | 'range' | 'batch'; at: number; blocks?: { from: number; to: number } }>;
  count(outcome: HostedProvider['calls'][number]['outcome'], method?: string): number;
  close(): Promise<void>;
}

interface Call {
  jsonrpc: '2.0';
  id: number | string | null;
  method: string;
  params: unknown[];
}

type Answer = { jsonrpc: '2.0'; id: Call['id']; result?: unknown; error?: { code: number; message: string; data?: unknown } };

const ALCHEMY_CU =
  'Your app has exceeded its compute units per second capacity. If you have retries enabled, you can safely ignore this message. If not, check out https://docs.alchemy.com/reference/throughput';

export async function startHostedProvider(
  upstream: string,
  options: Partial<Omit<HostedProvider, 'url' | 'calls' | 'count' | 'close'>> & { seed?: number } = {},
): Promise<HostedProvider> {
  const random = mulberry32(options.seed ?? 1);
  let styleTurn = 0;
  const state: HostedProvider = {
    url: '',
    rateLimited: options.rateLimited ?? 0,
    rateLimitStyles: options.rateLimitStyles ?? ['alchemy-429', 'http-date-429', 'infura-daily', 'limit-exceeded'],
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
    maxBlockRange: options.maxBlockRange ?? Number.POSITIVE_INFINITY,
    maxResults: options.maxResults ?? Number.POSITIVE_INFINITY,
    alchemy: options.alchemy,
    maxBatch: options.maxBatch ?? Number.POSITIVE_INFINITY,
    lagBlocks: options.lagBlocks ?? 0,
    chainId: options.chainId,
    calls: [],
    count: (outcome, method) => state.calls.filter((c) => c.outcome === outcome && (method === undefined || c.method === method)).length,
    close: async () => {},
  };

  function record(method: string, outcome: HostedProvider['calls'][number]['outcome'], blocks?: { from: number; to: number }): void {
    state.calls.push({ method, outcome, at: Date.now(), ...(blocks ? { blocks } : {}) });
  }

  async function upstreamCall<T>(method: string, params: unknown[]): Promise<T> {
    const response = await fetch(upstream, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const payload = (await response.json()) as { result?: T; error?: { message: string } };
    if (payload.error) throw new Error(payload.error.message);
    return payload.result as T;
  }

  async function servedHead(): Promise<number> {
    return Math.max(0, Number(await upstreamCall<string>('eth_blockNumber', [])) - state.lagBlocks);
  }

  async function answer(call: Call): Promise<Answer> {
    const reply = (result: unknown): Answer => ({ jsonrpc: '2.0', id: call.id, result });
    const refuse = (code: number, message: string, outcome: 'range' | 'batch', data?: unknown, blocks?: { from: number; to: number }): Answer => {
      record(call.method, outcome, blocks);
      return { jsonrpc: '2.0', id: call.id, error: { code, message, ...(data === undefined ? {} : { data }) } };
    };
    if (call.method === 'eth_chainId' && state.chainId !== undefined) {
      record(call.method, 'ok');
      return reply(`0x${state.chainId.toString(16)}`);
    }
    if (state.lagBlocks > 0 && call.method === 'eth_blockNumber') {
      record(call.method, 'ok');
      return reply(`0x${(await servedHead()).toString(16)}`);
    }
    if (state.lagBlocks > 0 && call.method === 'eth_getBlockByNumber') {
      const head = await servedHead();
      const tag = call.params[0];
      const number = tag === 'latest' ? head : typeof tag === 'string' && tag.startsWith('0x') ? Number(tag) : head;
      record(call.method, 'ok');
      if (number > head) return reply(null);
      return reply(await upstreamCall('eth_getBlockByNumber', [`0x${number.toString(16)}`, call.params[1] ?? false]));
    }
    if (call.method === 'eth_getLogs') {
      const filter = { ...(call.params[0] as { fromBlock: string; toBlock: string }) };
      const from = Number(filter.fromBlock);
      let to = Number(filter.toBlock);
      if (state.lagBlocks > 0) to = Math.min(to, await servedHead());
      filter.toBlock = `0x${to.toString(16)}`;
      const span = to - from + 1;
      const blocks = { from, to };
      if (span > state.maxBlockRange) return refuse(-32600, `eth_getLogs is limited to a ${state.maxBlockRange} block range`, 'range', undefined, blocks);
      const logs = from > to ? [] : await upstreamCall<Array<{ blockNumber: string }>>('eth_getLogs', [filter]);
      if (logs.length > state.maxResults) return refuse(-32005, `query returned more than ${state.maxResults} results`, 'range', undefined, blocks);
      const alchemy = state.alchemy;
      if (alchemy && span > alchemy.maxBlocks && logs.length > alchemy.maxLogs) {
        // the widest range from `from` whose logs fit, as Alchemy suggests it
        const last = Number(logs[alchemy.maxLogs]!.blockNumber) - 1;
        const fits = last >= from ? last : from + alchemy.maxBlocks - 1;
        return refuse(
          -32602,
          `Log response size exceeded. You can make eth_getLogs requests with up to a ${alchemy.maxBlocks} block range and no limit on the response size, or you can request any block range with a cap of ${alchemy.maxLogs} logs in the response. Based on your parameters, this block range should work: [0x${from.toString(16)}, 0x${fits.toString(16)}]`,
          'range',
          undefined,
          blocks,
        );
      }
      record(call.method, 'ok', blocks);
      return reply(logs);
    }
    const response = await fetch(upstream, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(call),
    });
    record(call.method, 'ok');
    return (await response.json()) as Answer;
  }

  /** a whole request refused with a rate limit, in the next style of the rotation */
  function rateLimit(res: import('node:http').ServerResponse, calls: Call[], batch: boolean): void {
    const style = state.rateLimitStyles[styleTurn++ % state.rateLimitStyles.length]!;
    for (const call of calls) record(call.method, 'rate-limited');
    const error = (code: number, message: string, data?: unknown) => {
      const items = calls.map((call) => ({ jsonrpc: '2.0', id: call.id, error: { code, message, ...(data ? { data } : {}) } }));
      return JSON.stringify(batch ? items : items[0]);
    };
    const wait = state.retryAfterSeconds;
    if (style === 'alchemy-429') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(wait) }).end(error(429, ALCHEMY_CU));
    } else if (style === 'http-date-429') {
      res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': new Date(Date.now() + wait * 1000).toUTCString() }).end('Too Many Requests');
    } else if (style === 'infura-daily') {
      const data = { rate: { allowed_rps: 1, backoff_seconds: wait, current_rps: 2.2 }, see: 'https://infura.io/dashboard' };
      res.writeHead(429, { 'content-type': 'application/json' }).end(error(-32005, 'daily request count exceeded, request rate limited', data));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(error(-32005, 'limit exceeded'));
    }
  }

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end('only JSON-RPC over POST');
      return;
    }
    let body: Call | Call[];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString()) as Call | Call[];
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }));
      return;
    }
    const batch = Array.isArray(body);
    const calls = batch ? (body as Call[]) : [body as Call];
    try {
      if (batch && calls.length > state.maxBatch) {
        for (const call of calls) record(call.method, 'batch');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch too large' } }));
        return;
      }
      // about `rateLimited` of all calls are refused: a batch half as a whole, half item by item
      const share = batch && calls.length > 1 ? state.rateLimited / 2 : state.rateLimited;
      if (state.rateLimited > 0 && random() < share) {
        rateLimit(res, calls, batch);
        return;
      }
      const answers = await Promise.all(
        calls.map((call) => {
          // Alchemy answers single items of a batch with 429 when the batch goes over the CU budget
          if (batch && calls.length > 1 && state.rateLimited > 0 && random() < share) {
            record(call.method, 'rate-limited');
            return { jsonrpc: '2.0' as const, id: call.id, error: { code: 429, message: ALCHEMY_CU } };
          }
          return answer(call);
        }),
      );
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(batch ? answers : answers[0]));
    } catch (error) {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`upstream failed: ${(error as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A small seeded PRNG: the same run limits the same calls. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
