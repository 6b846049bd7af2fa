/**
 * JSON-RPC over HTTP with fallback across a chain's `rpc` list. The endpoint in use is sticky (a
 * dead first URL costs one failure, not one per request), failed endpoints rest before they are
 * tried again, and the primary is re-probed so that traffic returns to it. URLs carry API keys:
 * they are never logged; endpoints are named by their index.
 */
import { FirebreakError, RetryableError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';

/** The node answered with a JSON-RPC error: the request itself is the problem (or the node's limit). */
export class RpcError extends FirebreakError {
  readonly rpcCode: number;
  constructor(message: string, rpcCode: number, details: Record<string, unknown> = {}) {
    super(message, { code: 'rpc_error', details: { ...details, rpcCode } });
    this.rpcCode = rpcCode;
  }
}

/** The provider refused a log range as too large (or too many results): shrink it and retry. */
export class RangeTooLargeError extends RpcError {}

/** No endpoint of the chain answered: the chain is unobservable from here (not halted). */
export class UnobservableError extends RetryableError {}

export interface RpcClientOptions {
  chain: string;
  urls: string[];
  logger: Logger;
  timeoutMs?: number;
  /** how long a failed endpoint rests before it is tried again */
  restMs?: number;
  now?: () => number;
}

export interface RpcClient {
  request<T>(method: string, params: unknown[], options?: { timeoutMs?: number }): Promise<T>;
  /** one HTTP round trip for many calls (headers of many blocks, say) */
  batch<T>(calls: Array<{ method: string; params: unknown[] }>, options?: { timeoutMs?: number }): Promise<T[]>;
  /** index of the endpoint in use */
  current(): number;
  /** whether the last request reached some endpoint */
  observable(): boolean;
}

const RANGE_ERROR =
  /range|too many|limit|exceed|more than \d+|response size|too large|block range|query timeout|max results|10000 results/i;

interface JsonRpcResponse {
  id?: number;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export function createRpcClient(options: RpcClientOptions): RpcClient {
  const { logger } = options;
  // a ws(s):// entry (there for head subscriptions) is asked over HTTP at the same address
  const urls = options.urls.map((url) => url.replace(/^ws(s?):\/\//i, 'http$1://'));
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const restMs = options.restMs ?? 30_000;
  const downUntil = new Array<number>(urls.length).fill(0);
  let active = 0;
  let lastOk = true;
  let nextId = 1;

  function order(): number[] {
    // the primary gets another chance once its rest is over; otherwise stay on the active one
    const indices = urls.map((_, i) => i);
    const preferred = active !== 0 && downUntil[0]! <= now() ? 0 : active;
    return [preferred, ...indices.filter((i) => i !== preferred)];
  }

  async function post(index: number, body: string, timeout: number): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(urls[index]!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(timeout),
      });
    } catch (error) {
      const name = (error as Error).name;
      throw new RetryableError(name === 'TimeoutError' ? `timed out after ${timeout} ms` : 'connection failed', {
        cause: error,
      });
    }
    if (response.status === 413) {
      await response.body?.cancel();
      throw new RangeTooLargeError('response too large (HTTP 413)', -32005);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      // some providers answer HTTP 4xx/5xx with a JSON-RPC body that names a range limit
      if (RANGE_ERROR.test(text) && response.status < 500) {
        throw new RangeTooLargeError(`provider refused the range (HTTP ${response.status})`, -32005);
      }
      throw new RetryableError(`HTTP ${response.status}`, { details: { status: response.status } });
    }
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new RetryableError('the endpoint answered with something that is not JSON', { cause: error });
    }
  }

  function unwrap(method: string, payload: JsonRpcResponse): unknown {
    if (payload && typeof payload === 'object' && payload.error) {
      const { code, message } = payload.error;
      if (method === 'eth_getLogs' && RANGE_ERROR.test(message ?? '')) {
        throw new RangeTooLargeError(`provider refused the range: ${message}`, code);
      }
      throw new RpcError(`${method}: ${message}`, code, { method });
    }
    if (!payload || typeof payload !== 'object' || !('result' in payload)) {
      throw new RetryableError(`${method}: malformed JSON-RPC response`);
    }
    return payload.result;
  }

  async function withFallback<T>(label: string, attempt: (index: number) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (const index of order()) {
      if (downUntil[index]! > now() && index !== active) continue;
      try {
        const result = await attempt(index);
        if (index !== active) logger.warn({ rpc: index, previous: active }, 'switched RPC endpoint');
        active = index;
        downUntil[index] = 0;
        lastOk = true;
        return result;
      } catch (error) {
        if (error instanceof RpcError && !isServerFault(error)) {
          // the node answered: the request is the problem, another endpoint would say the same
          active = index;
          lastOk = true;
          throw error;
        }
        lastError = error;
        downUntil[index] = now() + restMs;
        logger.warn({ rpc: index, call: label, reason: (error as Error).message }, 'RPC endpoint failed');
      }
    }
    lastOk = false;
    throw new UnobservableError(`${options.chain}: no RPC endpoint answered (${urls.length} tried)`, {
      cause: lastError,
      details: { chain: options.chain },
    });
  }

  return {
    async request<T>(method: string, params: unknown[], opts: { timeoutMs?: number } = {}): Promise<T> {
      const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params });
      return withFallback(method, async (index) => unwrap(method, (await post(index, body, opts.timeoutMs ?? timeoutMs)) as JsonRpcResponse)) as Promise<T>;
    },
    async batch<T>(calls: Array<{ method: string; params: unknown[] }>, opts: { timeoutMs?: number } = {}): Promise<T[]> {
      if (calls.length === 0) return [];
      const first = nextId;
      nextId += calls.length;
      const body = JSON.stringify(calls.map((call, i) => ({ jsonrpc: '2.0', id: first + i, ...call })));
      return withFallback(calls[0]!.method, async (index) => {
        const payload = await post(index, body, opts.timeoutMs ?? timeoutMs);
        if (!Array.isArray(payload)) throw new RetryableError('batch answer is not a list');
        const byId = new Map((payload as JsonRpcResponse[]).map((item) => [item.id, item]));
        return calls.map((call, i) => {
          const item = byId.get(first + i);
          if (!item) throw new RetryableError('batch answer is missing an item');
          return unwrap(call.method, item);
        });
      }) as Promise<T[]>;
    },
    current: () => active,
    observable: () => lastOk,
  };
}

/** JSON-RPC "internal error" and friends usually mean a sick node, not a bad request. */
function isServerFault(error: RpcError): boolean {
  if (error instanceof RangeTooLargeError) return false;
  return error.rpcCode === -32603 || error.rpcCode === -32000 && /header not found|unknown block|internal/i.test(error.message);
}
