/**
 * Provider refusals as hosted providers word them (texts from their docs and from public bug
 * reports quoting them), classified exactly: a rate limit is never a range refusal, a range
 * refusal carries what the provider said about its limit, a refused batch is split.
 */
import { describe, expect, it } from 'vitest';
import { classifyProviderAnswer, type ProviderRefusal } from '../../src/chain/provider-errors.ts';

const NOW = Date.parse('2026-12-05T09:00:00Z');

const RATE_LIMITS: Array<[string, ProviderRefusal, number | undefined]> = [
  ['HTTP 429 without a body', { status: 429, message: '' }, undefined],
  ['HTTP 429, Retry-After in seconds', { status: 429, message: 'Too Many Requests', retryAfter: '7' }, 7_000],
  ['HTTP 429, Retry-After as an HTTP-date', { status: 429, message: '', retryAfter: 'Sat, 05 Dec 2026 09:00:12 GMT', now: NOW }, 12_000],
  [
    'Alchemy compute units (JSON-RPC code 429)',
    { code: 429, message: 'Your app has exceeded its compute units per second capacity. If you have retries enabled, you can safely ignore this message. If not, check out https://docs.alchemy.com/reference/throughput' },
    undefined,
  ],
  [
    'Alchemy compute units over HTTP 429 with Retry-After',
    { status: 429, code: 429, message: 'Your app has exceeded its compute units per second capacity.', retryAfter: '1' },
    1_000,
  ],
  [
    'Infura daily request count (-32005, backoff_seconds)',
    { code: -32005, message: 'daily request count exceeded, request rate limited', data: { rate: { allowed_rps: 1, backoff_seconds: 30, current_rps: 1.27 }, see: 'https://infura.io/dashboard' } },
    30_000,
  ],
  ['Infura project rate (-32005)', { code: -32005, message: 'project ID request rate exceeded' }, undefined],
  ['EIP-1474 limit exceeded (-32005)', { code: -32005, message: 'limit exceeded' }, undefined],
  ['request rate exceeded', { code: -32005, message: 'request rate exceeded' }, undefined],
  ['-32029 too many requests', { code: -32029, message: 'Too many requests' }, undefined],
  ['-32090 call rate limit, retry in 10s', { code: -32090, message: 'Too many requests, reason: call rate limit exhausted, retry in 10s' }, 10_000],
  [
    'Alchemy monthly capacity (HTTP 403, -32600)',
    { status: 403, code: -32600, message: 'Monthly capacity limit exceeded. Visit https://dashboard.alchemyapi.io/settings/billing to upgrade your scaling policy for continued service.' },
    undefined,
  ],
  ['QuickNode credits', { status: 429, message: '{"jsonrpc":"2.0","error":{"code":-32007,"message":"request limit reached"}}' }, undefined],
  ['public node: over rate limit', { code: -32016, message: 'over rate limit' }, undefined],
];

const RANGES: Array<[string, string, number | undefined, { byResults: boolean; maxBlocks?: number; suggested?: { from: number; to: number } }]> = [
  [
    'Alchemy log response size with a suggested range',
    'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size, or you can request any block range with a cap of 10K logs in the response. Based on your parameters, this block range should work: [0x1e8480, 0x1e8c4f]',
    -32602,
    { byResults: true, maxBlocks: 2_000, suggested: { from: 0x1e8480, to: 0x1e8c4f } },
  ],
  ['Alchemy (old wording)', 'Log response size exceeded. Please reduce query block range.', -32000, { byResults: true }],
  ['Infura 10,000 results', 'query returned more than 10000 results', -32005, { byResults: true }],
  ['Infura block range (live API)', 'range 1000000 exceeds limit of 10000', -32602, { byResults: false, maxBlocks: 10_000 }],
  ['QuickNode range', 'eth_getLogs is limited to a 10,000 range', -32614, { byResults: false, maxBlocks: 10_000 }],
  ['2,000-block range', 'eth_getLogs is limited to a 2000 block range', -32600, { byResults: false, maxBlocks: 2_000 }],
  ['exceed maximum block range', 'exceed maximum block range: 2000', -32000, { byResults: false, maxBlocks: 2_000 }],
  ['Ankr: block range is too wide', 'block range is too wide', -32600, { byResults: false }],
  ['Tenderly', 'range 9009594 is bigger than range limit 2000', -32602, { byResults: false, maxBlocks: 2_000 }],
  ['geth fork: maxBlockRange', 'block range is bigger than maxBlockRange', -32000, { byResults: false }],
  ['Cloudflare', 'ranges over 10000 blocks are not supported', -32047, { byResults: false, maxBlocks: 10_000 }],
  ['query exceeds max block range', 'query exceeds max block range 3', -32005, { byResults: false, maxBlocks: 3 }],
  ['query timeout', 'Query timeout exceeded. Consider reducing your block range.', -32005, { byResults: true }],
];

describe('classifyProviderAnswer', () => {
  for (const [label, refusal, retryAfterMs] of RATE_LIMITS) {
    it(`rate limit: ${label}`, () => {
      const answer = classifyProviderAnswer({ now: NOW, ...refusal });
      expect(answer.kind).toBe('rate-limited');
      expect(answer.kind === 'rate-limited' ? answer.retryAfterMs : 'wrong kind').toBe(retryAfterMs);
    });
  }

  for (const [label, message, code, expected] of RANGES) {
    it(`range refusal: ${label}`, () => {
      const answer = classifyProviderAnswer({ code, message });
      expect(answer).toEqual({ kind: 'range', ...expected });
    });
  }

  it('a 429 whose body names a range is still a rate limit (the provider said: slow down)', () => {
    expect(classifyProviderAnswer({ status: 429, message: 'query returned more than 10000 results' }).kind).toBe('rate-limited');
  });

  it('a range text over HTTP 400/413 is a range refusal, a bare 413 on a batch is a batch refusal', () => {
    expect(classifyProviderAnswer({ status: 413, message: 'eth_getLogs is limited to a 10,000 range' })).toEqual({ kind: 'range', byResults: false, maxBlocks: 10_000 });
    expect(classifyProviderAnswer({ status: 413, message: '', batch: true })).toEqual({ kind: 'batch' });
    expect(classifyProviderAnswer({ status: 413, message: '' })).toEqual({ kind: 'range', byResults: true });
  });

  it('batch refusals', () => {
    expect(classifyProviderAnswer({ code: -32600, message: 'batch too large', batch: true })).toEqual({ kind: 'batch' });
    expect(classifyProviderAnswer({ code: -32600, message: 'Batch size too large. Max batch size is 1000', batch: true })).toEqual({ kind: 'batch', maxItems: 1000 });
    expect(classifyProviderAnswer({ code: -32600, message: 'exceeded max batch size 100', batch: true })).toEqual({ kind: 'batch', maxItems: 100 });
  });

  it('must NOT be a rate limit or a range: ordinary node errors', () => {
    for (const [code, message] of [
      [-32603, 'internal error'],
      [-32000, 'header not found'],
      [-32602, 'invalid argument 0: hex string without 0x prefix'],
      [3, 'execution reverted'],
      [-32601, 'the method eth_foo does not exist/is not available'],
      [-32000, 'invalid block range params'],
    ] as const) {
      expect(classifyProviderAnswer({ code, message }), message).toEqual({ kind: 'other' });
    }
    expect(classifyProviderAnswer({ status: 503, message: 'upstream unavailable' })).toEqual({ kind: 'other' });
    expect(classifyProviderAnswer({ status: 500, message: '<html>502 Bad Gateway</html>' })).toEqual({ kind: 'other' });
  });

  it('must NOT be a range: rate-limit texts that say "exceeded", "limit" or "too many"', () => {
    for (const message of ['limit exceeded', 'Too many requests', 'request rate exceeded', 'daily request count exceeded, request rate limited', 'rate limit exceeded']) {
      expect(classifyProviderAnswer({ code: -32005, message }).kind, message).toBe('rate-limited');
    }
  });
});
