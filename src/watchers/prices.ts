/**
 * Token prices for valuation: fixed (`priceUsd`) or read from a Chainlink AggregatorV3 feed
 * (`priceFeed`). A feed older than its `maxAge` (in the feed chain's time) or one that cannot be
 * read makes its token unpriced, with a warning; it is never valued at 0.
 */
import { decodeFunctionResult, encodeFunctionData, type Hex, parseAbi } from 'viem';
import type { Logger } from '../core/log.ts';
import { formatDuration } from '../core/duration.ts';
import { reasonOf } from '../core/errors.ts';
import type { TokenPrice } from '../core/valuation.ts';
import type { BridgeConfig, PriceFeedConfig, TokenConfig } from '../config/types.ts';
import type { RpcClient } from '../chain/rpc.ts';

const AGGREGATOR_V3 = parseAbi([
  'function decimals() view returns (uint8)',
  'function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)',
]);

export interface PriceDeps {
  rpcFor(chain: string): RpcClient;
  /** the chain's latest head timestamp (seconds): staleness is judged in chain time */
  chainTime(chain: string): number | undefined;
  logger: Logger;
  /** feeds already reported stale (kept across passes so a stale feed warns once, not every pass) */
  staleFeeds?: Set<string>;
  /** feed decimals by `chain:address`, kept across price books (they never change) */
  decimals?: Map<string, number>;
}

export interface FeedReading {
  price: number;
  updatedAt: number;
}

export async function readPriceFeed(rpc: RpcClient, feed: PriceFeedConfig, decimalsCache?: Map<string, number>): Promise<FeedReading> {
  const call = async (functionName: 'decimals' | 'latestRoundData') => {
    const data = encodeFunctionData({ abi: AGGREGATOR_V3, functionName });
    const result = await rpc.request<Hex>('eth_call', [{ to: feed.address, data }, 'latest']);
    return decodeFunctionResult({ abi: AGGREGATOR_V3, functionName, data: result });
  };
  const cacheKey = `${feed.chain}:${feed.address}`;
  const known = decimalsCache?.get(cacheKey);
  const [decimals, round] = await Promise.all([known ?? call('decimals'), call('latestRoundData')]);
  decimalsCache?.set(cacheKey, Number(decimals));
  const [, answer, , updatedAt] = round as readonly [bigint, bigint, bigint, bigint, bigint];
  return { price: Number(answer) / 10 ** Number(decimals), updatedAt: Number(updatedAt) };
}

/** Prices for one evaluation pass; each feed is read once per pass. */
export function createPriceBook(deps: PriceDeps) {
  const feeds = new Map<string, Promise<TokenPrice>>();

  async function priceToken(token: TokenConfig): Promise<TokenPrice> {
    const base = { symbol: token.symbol, decimals: token.decimals, ...(token.prices ? { prices: token.prices } : {}) };
    if (token.priceUsd !== undefined) return { ...base, priceUsd: token.priceUsd };
    // only per-tokenId prices: items not listed are unpriced (counted, never $0)
    if (!token.priceFeed) return { ...base, priceUsd: null };
    const feed = token.priceFeed;
    const cacheKey = `${feed.chain}:${feed.address}`;
    let pending = feeds.get(cacheKey);
    if (!pending) {
      pending = (async (): Promise<TokenPrice> => {
        try {
          const reading = await readPriceFeed(deps.rpcFor(feed.chain), feed, deps.decimals);
          const now = deps.chainTime(feed.chain) ?? Math.floor(Date.now() / 1000);
          const ageMs = Math.max(0, now - reading.updatedAt) * 1000;
          if (ageMs > feed.maxAgeMs) {
            const reason = `price feed for ${token.symbol} is stale (updated ${formatDuration(ageMs)} ago, maxAge ${formatDuration(feed.maxAgeMs)}): ${token.symbol} transfers are unpriced`;
            if (!deps.staleFeeds?.has(cacheKey)) deps.logger.warn({ symbol: token.symbol, feed: feed.address, ageMs }, 'stale price feed');
            deps.staleFeeds?.add(cacheKey);
            return { ...base, priceUsd: null, reason };
          }
          if (!(reading.price > 0)) return { ...base, priceUsd: null, reason: `price feed for ${token.symbol} answered ${reading.price}` };
          if (deps.staleFeeds?.delete(cacheKey)) deps.logger.info({ symbol: token.symbol, feed: feed.address }, 'price feed fresh again');
          return { ...base, priceUsd: reading.price };
        } catch (error) {
          deps.logger.warn({ symbol: token.symbol, feed: feed.address, reason: reasonOf(error) }, 'price feed unreadable');
          return { ...base, priceUsd: null, reason: `price feed for ${token.symbol} could not be read: ${reasonOf(error)}` };
        }
      })();
      feeds.set(cacheKey, pending);
    }
    return { ...(await pending), ...base };
  }

  /** Resolve every token a bridge can see, then answer synchronously. */
  async function forBridge(bridge: BridgeConfig): Promise<(token: string | null) => TokenPrice | undefined> {
    const entries = await Promise.all(
      Object.entries(bridge.tokens).map(async ([address, token]) => [address, await priceToken(token)] as const),
    );
    const known = new Map(entries);
    const fallback = bridge.defaultToken ? await priceToken(bridge.defaultToken) : undefined;
    // defaultToken values only events without a token field; a token missing from `tokens` stays
    // unpriced (a junk token with a huge amount must not be valued as the default one)
    return (token) => (token === null ? fallback : known.get(token));
  }

  return { forBridge };
}
