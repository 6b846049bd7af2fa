/**
 * The RPC client against the hosted-provider stand-in in front of a real anvil: rate limits are
 * backed off (Retry-After honoured) and the next endpoint used, never taken for a range refusal
 * nor for a dead chain; range refusals carry what the provider said; refused batches are split;
 * an endpoint on another network is refused by index; a lagging endpoint never shortens an answer.
 */
import { toEventSelector } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHeaders, getLogs } from '../../src/chain/blocks.ts';
import { createRpcClient, RangeTooLargeError, RateLimitedError, type RpcClient, UnobservableError } from '../../src/chain/rpc.ts';
import { FirebreakError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import { routineTransfers } from '../../src/drill/seed.ts';
import { type DrillChains, startDrillChains } from '../support/drill.ts';
import { type HostedProvider, startHostedProvider } from '../support/hosted-provider.ts';
import { until } from '../support/wait.ts';

const CHAIN_ID = 31337;

interface Line {
  level: string;
  obj: Record<string, unknown>;
  msg?: string;
}

function recordingLogger(lines: Line[]): Logger {
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

describe('RPC client against hosted providers', () => {
  let chains: DrillChains;
  let address: string;
  let topic0: string;
  let head: number;
  const providers: HostedProvider[] = [];

  async function provider(options: Parameters<typeof startHostedProvider>[1]): Promise<HostedProvider> {
    const started = await startHostedProvider(chains.source.anvil.url, options);
    providers.push(started);
    return started;
  }

  function client(urls: string[], extra: Partial<Parameters<typeof createRpcClient>[0]> = {}): RpcClient {
    return createRpcClient({ chain: 'ethereum', urls, chainId: CHAIN_ID, logger: recordingLogger([]), timeoutMs: 10_000, ...extra });
  }

  const filter = () => ({ addresses: [address], topic0: [topic0], fromBlock: 0, toBlock: head });

  beforeAll(async () => {
    chains = await startDrillChains();
    // 40 deposits over 8 blocks (5 logs each), then 3,000 empty blocks
    const transfers = routineTransfers('hosted', 40);
    for (let i = 0; i < transfers.length; i += 5) await chains.bridge.deposit(transfers.slice(i, i + 5));
    // one anvil_mine call (no interval: viem's 10 s timeout is too short for 3,000 blocks on a busy machine)
    await fetch(chains.source.anvil.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_mine', params: ['0xbb8'] }),
    });
    head = Number(await chains.source.publicClient.getBlockNumber());
    address = chains.bridge.sourceAddress.toLowerCase();
    topic0 = toEventSelector('event Deposit(bytes32 indexed transferId, address indexed sender, address token, uint256 amount)');
    const direct = createRpcClient({ chain: 'ethereum', urls: [chains.source.anvil.url], logger: recordingLogger([]) });
    expect((await getLogs(direct, filter())).length).toBe(40);
  }, 180_000);

  afterAll(async () => {
    for (const p of providers) await p.close();
    await chains?.stop();
  });

  it('rate limits in every style: backed off, the fallback used, every answer complete, never a range refusal', async () => {
    const primary = await provider({ rateLimited: 0.5, retryAfterSeconds: 1, seed: 7 });
    const fallback = await provider({});
    const lines: Line[] = [];
    const rpc = client([primary.url, fallback.url], { logger: recordingLogger(lines) });
    for (let i = 0; i < 16; i++) {
      expect((await getLogs(rpc, filter())).length).toBe(40);
      const headers = await getHeaders(rpc, [1, 2, 3, head]);
      expect(headers.map((h) => h.number)).toEqual([1, 2, 3, head]);
      expect(rpc.observable()).toBe(true);
    }
    expect(primary.count('rate-limited')).toBeGreaterThan(0);
    expect(fallback.count('ok', 'eth_getLogs')).toBeGreaterThan(0);
    // once its Retry-After is over, traffic goes back to the primary
    await until('traffic back on the primary', async () => (await getLogs(rpc, filter())).length === 40 && rpc.current() === 0);
    expect(primary.count('ok', 'eth_getLogs')).toBeGreaterThan(0);
    // a rate limit is not a dead endpoint
    expect(lines.filter((l) => l.msg === 'RPC endpoint failed')).toEqual([]);
  });

  it('one endpoint rate-limited with Retry-After: it is not asked again before the time it named', async () => {
    const only = await provider({ rateLimited: 0.4, retryAfterSeconds: 2, rateLimitStyles: ['alchemy-429', 'infura-daily', 'http-date-429'], seed: 3 });
    const rpc = client([only.url]);
    for (let i = 0; i < 6; i++) expect((await getLogs(rpc, filter())).length).toBe(40);
    const limited = only.calls.filter((c) => c.outcome === 'rate-limited');
    expect(limited.length).toBeGreaterThan(0);
    for (const refusal of limited) {
      const next = only.calls.find((c) => c.at > refusal.at && c !== refusal);
      // Retry-After 2 s (an HTTP-date has one-second resolution: at least 1 s)
      if (next) expect(next.at - refusal.at).toBeGreaterThanOrEqual(990);
    }
  }, 120_000);

  it('-32005 "limit exceeded" on eth_getLogs is a rate limit, not a range refusal', async () => {
    const only = await provider({ rateLimited: 1, rateLimitStyles: ['limit-exceeded'], retryAfterSeconds: 1 });
    const rpc = client([only.url], { rateLimitWaitMs: 1_500 });
    const error = await getLogs(rpc, filter()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).not.toBeInstanceOf(RangeTooLargeError);
    expect(rpc.observable()).toBe(true);
  });

  it('every endpoint limited for longer than the client waits: RateLimitedError with the wait, the chain still observable', async () => {
    const a = await provider({ rateLimited: 1, retryAfterSeconds: 600, rateLimitStyles: ['alchemy-429'] });
    const b = await provider({ rateLimited: 1, retryAfterSeconds: 600, rateLimitStyles: ['infura-daily'] });
    const rpc = client([a.url, b.url], { rateLimitWaitMs: 2_000 });
    const error = (await rpc.request('eth_blockNumber', []).catch((e: unknown) => e)) as RateLimitedError;
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).not.toBeInstanceOf(UnobservableError);
    expect(error.retryAfterMs).toBeGreaterThan(500_000);
    expect(rpc.observable()).toBe(true);
  });

  it('a 2,000-block cap: RangeTooLargeError naming maxBlocks; within it the logs are read', async () => {
    const rpc = client([(await provider({ maxBlockRange: 2_000 })).url]);
    const error = (await getLogs(rpc, filter()).catch((e: unknown) => e)) as RangeTooLargeError;
    expect(error).toBeInstanceOf(RangeTooLargeError);
    expect(error).toMatchObject({ maxBlocks: 2_000, byResults: false });
    expect((await getLogs(rpc, { ...filter(), toBlock: 1_999 })).length).toBe(40);
  });

  it("Infura's result cap: byResults, no block cap", async () => {
    const rpc = client([(await provider({ maxResults: 10 })).url]);
    const error = (await getLogs(rpc, filter()).catch((e: unknown) => e)) as RangeTooLargeError;
    expect(error).toBeInstanceOf(RangeTooLargeError);
    expect(error.byResults).toBe(true);
    expect(error.maxBlocks).toBeUndefined();
  });

  it("Alchemy's log response size: the suggested range is carried and works", async () => {
    const rpc = client([(await provider({ alchemy: { maxBlocks: 2, maxLogs: 12 } })).url]);
    const error = (await getLogs(rpc, filter()).catch((e: unknown) => e)) as RangeTooLargeError;
    expect(error).toBeInstanceOf(RangeTooLargeError);
    expect(error).toMatchObject({ byResults: true, maxBlocks: 2 });
    expect(error.suggested!.from).toBe(0);
    const logs = await getLogs(rpc, { ...filter(), fromBlock: error.suggested!.from, toBlock: error.suggested!.to });
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.length).toBeLessThanOrEqual(12);
  });

  it('a batch limit: the batch is split, every header comes back', async () => {
    const limited = await provider({ maxBatch: 10 });
    const rpc = client([limited.url]);
    const numbers = Array.from({ length: 35 }, (_, i) => i + 1);
    expect((await getHeaders(rpc, numbers)).map((h) => h.number)).toEqual(numbers);
    expect(limited.count('batch')).toBeGreaterThan(0);
    const refusedBefore = limited.count('batch');
    expect((await getHeaders(rpc, numbers)).map((h) => h.number)).toEqual(numbers);
    // the cap is remembered: the second read is not refused again
    expect(limited.count('batch')).toBe(refusedBefore);
  });

  it('single batch items rate-limited (Alchemy 429 per item): only those are asked again', async () => {
    const limited = await provider({ rateLimited: 0.2, rateLimitStyles: ['alchemy-429'], retryAfterSeconds: 1, seed: 11 });
    const rpc = client([limited.url]);
    const numbers = Array.from({ length: 60 }, (_, i) => i + 1);
    expect((await getHeaders(rpc, numbers)).map((h) => h.number)).toEqual(numbers);
    expect(limited.count('rate-limited', 'eth_getBlockByNumber')).toBeGreaterThan(0);
  }, 120_000);

  it('an endpoint on another network is refused with one error line naming its index (never its URL), never read from', async () => {
    const wrong = await provider({ chainId: 1 });
    const right = await provider({});
    const lines: Line[] = [];
    const rpc = client([wrong.url, right.url], { logger: recordingLogger(lines) });
    for (let i = 0; i < 3; i++) expect((await getLogs(rpc, filter())).length).toBe(40);
    expect(wrong.calls.map((c) => c.method)).toEqual(['eth_chainId']);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.obj).toMatchObject({ rpc: 0, chainId: 1, expectedChainId: CHAIN_ID });
    expect(JSON.stringify(lines)).not.toContain(wrong.url);
    expect(rpc.current()).toBe(1);
  });

  it('every endpoint on another network: a clear FirebreakError', async () => {
    const rpc = client([(await provider({ chainId: 1 })).url, (await provider({ chainId: 10 })).url]);
    const error = (await rpc.request('eth_blockNumber', []).catch((e: unknown) => e)) as FirebreakError;
    expect(error).toBeInstanceOf(FirebreakError);
    expect(error.code).toBe('wrong_network');
    expect(error.message).toMatch(/every RPC endpoint serves another network than chainId 31337/);
  });

  it('a lagging fallback behind a rate-limited primary: answers are never cut at the lagging head', async () => {
    const primary = await provider({ rateLimited: 0.5, retryAfterSeconds: 1, seed: 5 });
    const lagging = await provider({ lagBlocks: 3_000 });
    const rpc = client([primary.url, lagging.url]);
    for (let i = 0; i < 10; i++) {
      expect((await getLogs(rpc, filter())).length).toBe(40);
      expect((await getHeaders(rpc, [head]))[0]!.number).toBe(head);
    }
    // the lagging node was asked, but never for logs past its head
    expect(lagging.calls.length).toBeGreaterThan(0);
    expect(lagging.count('ok', 'eth_getLogs')).toBe(0);
    expect(primary.count('rate-limited')).toBeGreaterThan(0);
  }, 120_000);
});
