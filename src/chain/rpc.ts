/**
 * JSON-RPC over HTTP with fallback across a chain's `rpc` list. The endpoint in use is sticky (a
 * dead first URL costs one failure, not one per request), failed endpoints rest before they are
 * tried again, and the primary is re-probed so that traffic returns to it. A rate-limited endpoint
 * is backed off (honouring Retry-After) and the next one is used meanwhile; it is not dead and the
 * chain is not unobservable. Each endpoint is checked with eth_chainId before first use (and after
 * a rest): one on another network is refused and never read from. URLs carry API keys: they are
 * never logged; endpoints are named by their index.
 */
import { FirebreakError, RetryableError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { createJsonPoster, type HttpAnswer, HttpTimeoutError } from './http-post.ts';
import { classifyProviderAnswer, type ProviderAnswer, type ProviderRefusal } from './provider-errors.ts';

/** The node answered with a JSON-RPC error: the request itself is the problem (or the node's limit). */
export class RpcError extends FirebreakError {
  readonly rpcCode: number;
  constructor(message: string, rpcCode: number, details: Record<string, unknown> = {}) {
    super(message, { code: 'rpc_error', details: { ...details, rpcCode } });
    this.rpcCode = rpcCode;
  }
}

export interface RangeLimit {
  /** the range the provider said would work (Alchemy's "this block range should work: [0x…, 0x…]") */
  suggested?: { from: number; to: number };
  /** the block-range cap the provider named ("limited to a 2000 block range") */
  maxBlocks?: number;
  /** the cap is on results (or response size), not on blocks: a sparser range of the same size may pass */
  byResults?: boolean;
}

/** The provider refused a log range as too large (or too many results): shrink it and retry. */
export class RangeTooLargeError extends RpcError {
  readonly suggested?: { from: number; to: number };
  readonly maxBlocks?: number;
  readonly byResults: boolean;
  constructor(message: string, rpcCode: number, limit: RangeLimit = {}) {
    super(message, rpcCode, { ...limit });
    if (limit.suggested) this.suggested = limit.suggested;
    if (limit.maxBlocks !== undefined) this.maxBlocks = limit.maxBlocks;
    this.byResults = limit.byResults ?? false;
  }
}

/** Every usable endpoint is rate-limited for longer than the client waits: try again later. */
export class RateLimitedError extends RetryableError {
  constructor(message: string, options: { retryAfterMs?: number; details?: Record<string, unknown> } = {}) {
    super(message, { code: 'rate_limited', ...options });
  }
}

/** No endpoint of the chain answered: the chain is unobservable from here (not halted). */
export class UnobservableError extends RetryableError {}

export interface RpcClientOptions {
  chain: string;
  urls: string[];
  logger: Logger;
  /** the chain's configured id: endpoints answering another eth_chainId are refused */
  chainId?: number;
  timeoutMs?: number;
  /** how long a failed endpoint rests before it is tried again */
  restMs?: number;
  /** how long one call waits in total for rate-limited endpoints before it gives up (RateLimitedError) */
  rateLimitWaitMs?: number;
  /** calls per HTTP batch at most (lowered by itself when a provider refuses a batch as too large) */
  maxBatch?: number;
  now?: () => number;
}

export interface RpcClient {
  request<T>(method: string, params: unknown[], options?: { timeoutMs?: number }): Promise<T>;
  /** one HTTP round trip for many calls (headers of many blocks, say) */
  batch<T>(calls: Array<{ method: string; params: unknown[] }>, options?: { timeoutMs?: number }): Promise<T[]>;
  /** index of the endpoint in use */
  current(): number;
  /** whether the last request reached some endpoint (a rate limit is an answer) */
  observable(): boolean;
}

interface JsonRpcResponse {
  id?: number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** The provider refused the batch as a whole (too many calls in one request). */
class BatchTooLargeError extends RetryableError {
  readonly maxItems: number | undefined;
  constructor(maxItems: number | undefined) {
    super('the provider refused the batch as too large');
    this.maxItems = maxItems;
  }
}

/** This endpoint serves another network. */
class WrongNetworkError extends FirebreakError {}

/** This endpoint's head is below the block asked for (a node behind the others): ask another. */
class LaggingError extends RetryableError {}

/** One call's answer inside a batch that was rate-limited on its own (the others answered). */
const ITEM_LIMITED = Symbol('rate-limited item');

/** backoff of a rate limit that named no wait: doubling per refusal in a row, up to the cap */
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 8_000;

export function createRpcClient(options: RpcClientOptions): RpcClient {
  const { logger } = options;
  // a ws(s):// entry (there for head subscriptions) is asked over HTTP at the same address
  const urls = options.urls.map((url) => url.replace(/^ws(s?):\/\//i, 'http$1://'));
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const restMs = options.restMs ?? 30_000;
  const rateLimitWaitMs = options.rateLimitWaitMs ?? 60_000;
  const downUntil = new Array<number>(urls.length).fill(0);
  const limitedUntil = new Array<number>(urls.length).fill(0);
  const limitStreak = new Array<number>(urls.length).fill(0);
  /** eth_chainId checked since the endpoint was last down */
  const verified = new Array<boolean>(urls.length).fill(false);
  const wrongNetwork = new Array<boolean>(urls.length).fill(false);
  /** the highest block each endpoint has shown it has */
  const knownHead = new Array<number>(urls.length).fill(-1);
  let batchCap = options.maxBatch ?? Number.POSITIVE_INFINITY;
  let active = 0;
  let lastOk = true;
  let nextId = 1;
  const poster = createJsonPoster();

  function order(): number[] {
    // the primary gets another chance once its rest is over; otherwise stay on the active one
    const indices = urls.map((_, i) => i);
    const preferred = active !== 0 && downUntil[0]! <= now() && limitedUntil[0]! <= now() ? 0 : active;
    return [preferred, ...indices.filter((i) => i !== preferred)];
  }

  function refused(answer: ProviderAnswer, method: string, code: number, reason: string): Error | undefined {
    if (answer.kind === 'rate-limited') {
      return new RateLimitedError(`rate limited: ${reason}`, { retryAfterMs: answer.retryAfterMs, details: { method, rpcCode: code } });
    }
    if (answer.kind === 'range' && method === 'eth_getLogs') {
      const { byResults, maxBlocks, suggested } = answer;
      return new RangeTooLargeError(`provider refused the range: ${reason}`, code, { byResults, maxBlocks, suggested });
    }
    if (answer.kind === 'batch') return new BatchTooLargeError(answer.maxItems);
    return undefined;
  }

  async function post(index: number, body: string, timeout: number, method: string, isBatch: boolean): Promise<unknown> {
    let answer: HttpAnswer;
    try {
      answer = await poster.post(urls[index]!, body, timeout);
    } catch (error) {
      throw new RetryableError(error instanceof HttpTimeoutError ? `timed out after ${timeout} ms` : 'connection failed', {
        cause: error,
      });
    }
    const { status, text } = answer;
    if (status < 200 || status > 299) {
      // providers answer HTTP 4xx with a JSON-RPC body that says what the limit is
      const error = jsonRpcError(text);
      const refusal: ProviderRefusal = {
        status,
        code: error?.code,
        message: error?.message ?? text.slice(0, 500),
        data: error?.data,
        // node keeps the first Retry-After of an answer (duplicates of it are discarded)
        retryAfter: answer.headers['retry-after'] ?? null,
        batch: isBatch,
        now: Date.now(),
      };
      const classified = classifyProviderAnswer(refusal);
      if (status < 500 || classified.kind === 'rate-limited') {
        const known = refused(classified, method, error?.code ?? -32005, `${error?.message ?? ''} (HTTP ${status})`.trim());
        if (known) throw known;
      }
      // the address is not logged (it carries the API key): the user follows the redirect in the config
      if (status >= 300 && status < 400) throw new RetryableError(`HTTP ${status}: the endpoint redirects elsewhere; configure the address it redirects to`, { details: { status } });
      throw new RetryableError(`HTTP ${status}`, { details: { status } });
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new RetryableError('the endpoint answered with something that is not JSON', { cause: error });
    }
  }

  function unwrap(method: string, payload: JsonRpcResponse): unknown {
    if (payload && typeof payload === 'object' && payload.error) {
      const { code, message, data } = payload.error;
      const known = refused(classifyProviderAnswer({ code, message, data }), method, code, message ?? '');
      if (known && !(known instanceof BatchTooLargeError)) throw known;
      throw new RpcError(`${method}: ${message}`, code, { method });
    }
    if (!payload || typeof payload !== 'object' || !('result' in payload)) {
      throw new RetryableError(`${method}: malformed JSON-RPC response`);
    }
    return payload.result;
  }

  /** eth_chainId once per endpoint (again after a rest): another network is refused for good */
  async function verify(index: number): Promise<void> {
    if (options.chainId === undefined || verified[index]) return;
    const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'eth_chainId', params: [] });
    const answered = Number(unwrap('eth_chainId', (await post(index, body, timeoutMs, 'eth_chainId', false)) as JsonRpcResponse));
    if (answered !== options.chainId) {
      wrongNetwork[index] = true;
      logger.error(
        { chain: options.chain, rpc: index, expectedChainId: options.chainId, chainId: Number.isFinite(answered) ? answered : null },
        'RPC endpoint serves another network: refused, never read from',
      );
      throw new WrongNetworkError(`${options.chain}: rpc[${index}] serves chain ${answered}, not ${options.chainId}`);
    }
    verified[index] = true;
  }

  /**
   * A call naming a block (eth_getLogs up to it, a header by number) goes only to an endpoint that
   * has that block: a node behind the others answers logs past its head with what it has, silently.
   */
  async function ensureHas(index: number, block: number | undefined): Promise<void> {
    if (block === undefined || knownHead[index]! >= block) return;
    const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'eth_blockNumber', params: [] });
    const head = Number(unwrap('eth_blockNumber', (await post(index, body, timeoutMs, 'eth_blockNumber', false)) as JsonRpcResponse));
    if (Number.isSafeInteger(head)) knownHead[index] = Math.max(knownHead[index]!, head);
    if (!(head >= block)) throw new LaggingError(`rpc[${index}] is at block ${head}, behind block ${block}`);
  }

  function noteHead(index: number, method: string, result: unknown): void {
    const number =
      method === 'eth_blockNumber' ? Number(result) : method === 'eth_getBlockByNumber' && result && typeof result === 'object' ? Number((result as { number?: string }).number) : NaN;
    if (Number.isSafeInteger(number) && number > knownHead[index]!) knownHead[index] = number;
  }

  function backOff(index: number, error: RateLimitedError): void {
    const streak = limitStreak[index]!++;
    const waitMs = error.retryAfterMs ?? Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** streak);
    limitedUntil[index] = now() + waitMs;
    logger.debug({ rpc: index, waitMs, reason: error.message }, 'RPC endpoint rate-limited: backing off');
  }

  async function withFallback<T>(label: string, needs: number | undefined, attempt: (index: number) => Promise<T>): Promise<T> {
    const deadline = now() + rateLimitWaitMs;
    let lastError: unknown;
    for (;;) {
      let behind = false;
      /** the earliest moment a rate-limited endpoint may be asked again */
      let limitedTill = Number.POSITIVE_INFINITY;
      for (const index of order()) {
        if (wrongNetwork[index]) continue;
        if (limitedUntil[index]! > now()) {
          limitedTill = Math.min(limitedTill, limitedUntil[index]!);
          continue;
        }
        if (downUntil[index]! > now() && index !== active) continue;
        try {
          await verify(index);
          await ensureHas(index, needs);
          const result = await attempt(index);
          if (index !== active) logger.info({ rpc: index, previous: active }, 'switched RPC endpoint');
          active = index;
          downUntil[index] = 0;
          limitStreak[index] = 0;
          lastOk = true;
          return result;
        } catch (error) {
          if (error instanceof RateLimitedError) {
            backOff(index, error);
            limitedTill = Math.min(limitedTill, limitedUntil[index]!);
            lastError = error;
            continue;
          }
          if (error instanceof WrongNetworkError) continue;
          if (error instanceof LaggingError) {
            behind = true;
            logger.debug({ rpc: index, call: label, reason: error.message }, 'RPC endpoint behind: asking another');
            continue;
          }
          if (error instanceof RpcError && !isServerFault(error)) {
            // the node answered: the request is the problem, another endpoint would say the same
            active = index;
            lastOk = true;
            throw error;
          }
          if (error instanceof BatchTooLargeError) throw error;
          lastError = error;
          downUntil[index] = now() + restMs;
          verified[index] = false;
          logger.warn({ rpc: index, call: label, reason: (error as Error).message }, 'RPC endpoint failed');
        }
      }
      if (wrongNetwork.every(Boolean)) {
        lastOk = false;
        throw new FirebreakError(`${options.chain}: every RPC endpoint serves another network than chainId ${options.chainId}`, {
          code: 'wrong_network',
          details: { chain: options.chain, fix: `check chains.${options.chain}.rpc and chains.${options.chain}.chainId` },
        });
      }
      if (limitedTill === Number.POSITIVE_INFINITY && behind) {
        // they answer, none has the block yet (or the chain got shorter): the caller reads again later
        lastOk = true;
        throw new RetryableError(`block ${needs} not available yet on any RPC endpoint of ${options.chain}`, { details: { chain: options.chain } });
      }
      if (limitedTill === Number.POSITIVE_INFINITY) break;
      // some endpoint answered (with a rate limit): the chain is observable; wait for it
      lastOk = true;
      if (limitedTill > deadline) {
        throw new RateLimitedError(`${options.chain}: every RPC endpoint is rate-limited`, {
          retryAfterMs: Math.max(0, limitedTill - now()),
          details: { chain: options.chain, call: label },
        });
      }
      await sleep(Math.max(1, limitedTill - now()));
    }
    lastOk = false;
    throw new UnobservableError(`${options.chain}: no RPC endpoint answered (${urls.length} tried)`, {
      cause: lastError,
      details: { chain: options.chain },
    });
  }

  /** One HTTP batch; calls rate-limited on their own come back as ITEM_LIMITED, to be asked again. */
  async function batchOnce(calls: Array<{ method: string; params: unknown[] }>, timeout: number): Promise<unknown[]> {
    const first = nextId;
    nextId += calls.length;
    const body = JSON.stringify(calls.map((call, i) => ({ jsonrpc: '2.0', id: first + i, ...call })));
    return withFallback(calls[0]!.method, highestBlock(calls), async (index) => {
      const payload = await post(index, body, timeout, calls[0]!.method, true);
      if (!Array.isArray(payload)) {
        // geth and others answer a refused batch with one error object (id null)
        const error = (payload as JsonRpcResponse | null)?.error;
        if (error) {
          const known = refused(classifyProviderAnswer({ code: error.code, message: error.message, data: error.data, batch: true }), calls[0]!.method, error.code, error.message);
          if (known) throw known;
        }
        throw new RetryableError('batch answer is not a list');
      }
      const byId = new Map((payload as JsonRpcResponse[]).map((item) => [item.id, item]));
      const out = calls.map((call, i) => {
        const item = byId.get(first + i);
        if (!item) throw new RetryableError('batch answer is missing an item');
        try {
          const result = unwrap(call.method, item);
          noteHead(index, call.method, result);
          return result;
        } catch (error) {
          if (error instanceof RateLimitedError) return ITEM_LIMITED;
          throw error;
        }
      });
      if (out.length > 0 && out.every((value) => value === ITEM_LIMITED)) {
        throw new RateLimitedError('every call of the batch was rate-limited');
      }
      if (out.includes(ITEM_LIMITED)) backOff(index, new RateLimitedError('some calls of the batch were rate-limited'));
      return out;
    });
  }

  /** Chunks of at most `batchCap`; a refused chunk is halved (and the cap lowered), limited calls asked again. */
  async function batchAll(calls: Array<{ method: string; params: unknown[] }>, timeout: number): Promise<unknown[]> {
    const out = new Array<unknown>(calls.length);
    let todo = calls.map((_, i) => i);
    while (todo.length > 0) {
      const chunk = todo.slice(0, Math.max(1, Math.min(batchCap, todo.length)));
      let answers: unknown[];
      try {
        answers = await batchOnce(
          chunk.map((i) => calls[i]!),
          timeout,
        );
      } catch (error) {
        if (!(error instanceof BatchTooLargeError) || chunk.length === 1) throw error;
        batchCap = Math.max(1, Math.min(error.maxItems ?? Math.floor(chunk.length / 2), chunk.length - 1));
        logger.info({ chain: options.chain, maxBatch: batchCap }, 'provider refused a batch as too large: splitting');
        continue;
      }
      const again: number[] = [];
      chunk.forEach((i, j) => (answers[j] === ITEM_LIMITED ? again.push(i) : (out[i] = answers[j])));
      todo = [...again, ...todo.slice(chunk.length)];
    }
    return out;
  }

  return {
    async request<T>(method: string, params: unknown[], opts: { timeoutMs?: number } = {}): Promise<T> {
      const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params });
      return withFallback(method, highestBlock([{ method, params }]), async (index) => {
        const result = unwrap(method, (await post(index, body, opts.timeoutMs ?? timeoutMs, method, false)) as JsonRpcResponse);
        noteHead(index, method, result);
        return result;
      }) as Promise<T>;
    },
    async batch<T>(calls: Array<{ method: string; params: unknown[] }>, opts: { timeoutMs?: number } = {}): Promise<T[]> {
      if (calls.length === 0) return [];
      return (await batchAll(calls, opts.timeoutMs ?? timeoutMs)) as T[];
    },
    current: () => active,
    observable: () => lastOk,
  };
}

function jsonRpcError(text: string): JsonRpcResponse['error'] | undefined {
  try {
    const parsed = JSON.parse(text) as JsonRpcResponse | JsonRpcResponse[];
    const first = Array.isArray(parsed) ? parsed.find((item) => item?.error) : parsed;
    return first?.error && typeof first.error === 'object' ? first.error : undefined;
  } catch {
    return undefined;
  }
}

/** the highest block number the calls name explicitly (eth_getLogs' toBlock, a header by number) */
function highestBlock(calls: Array<{ method: string; params: unknown[] }>): number | undefined {
  let highest: number | undefined;
  for (const { method, params } of calls) {
    const tag = method === 'eth_getLogs' ? (params[0] as { toBlock?: unknown } | undefined)?.toBlock : method === 'eth_getBlockByNumber' ? params[0] : undefined;
    if (typeof tag !== 'string' || !/^0x[0-9a-f]+$/i.test(tag)) continue;
    highest = Math.max(highest ?? 0, Number(tag));
  }
  return highest;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** JSON-RPC "internal error" and friends usually mean a sick node, not a bad request. */
function isServerFault(error: RpcError): boolean {
  if (error instanceof RangeTooLargeError) return false;
  return error.rpcCode === -32603 || error.rpcCode === -32000 && /header not found|unknown block|internal/i.test(error.message);
}
