/**
 * What a hosted RPC provider meant by a refusal. Providers reuse codes (-32005 is both Infura's
 * "10,000 results" cap and its rate limit) and word their limits differently, so the answer is
 * classified from status, code and text together. Pure: no I/O, `now` only for HTTP-date
 * Retry-After values.
 *
 * - rate-limited: back off (Retry-After when given) and try another endpoint; never a range refusal
 *   and never a dead endpoint (SPEC §3).
 * - range: eth_getLogs asked for too much; carries what the provider said about its limit.
 * - batch: the batch as a whole is too large; split it.
 * - other: not a provider limit.
 */

export type ProviderAnswer =
  | { kind: 'rate-limited'; retryAfterMs?: number }
  | { kind: 'range'; byResults: boolean; maxBlocks?: number; suggested?: { from: number; to: number } }
  | { kind: 'batch'; maxItems?: number }
  | { kind: 'other' };

export interface ProviderRefusal {
  /** HTTP status, when the refusal came as a non-2xx answer */
  status?: number;
  /** the JSON-RPC error code, when there was one */
  code?: number;
  /** the JSON-RPC error message, or the body text of a non-JSON answer */
  message?: string;
  /** the JSON-RPC error's `data` (Infura puts `rate.backoff_seconds` there, Tenderly the real text) */
  data?: unknown;
  /** the Retry-After header as sent */
  retryAfter?: string | null;
  /** the request was a JSON-RPC batch */
  batch?: boolean;
  /** milliseconds since the epoch, for HTTP-date Retry-After */
  now?: number;
}

/** Rate, capacity and quota wording of Alchemy, Infura, QuickNode, Ankr, dRPC, Chainstack, public nodes. */
const RATE_TEXT =
  /rate.?limit|rate exceeded|too many requests|compute units|capacity|throughput|request count exceeded|requests? per (second|minute)|\brps\b|quota|credits? (exhausted|exceeded)|call rate|exhausted|try again later|slow down/i;

/** Codes used only for rate limits (429 is Alchemy's JSON-RPC code; -32029, -32090 dRPC/Chainstack/Ankr). */
const RATE_CODES = new Set([429, -32029, -32090, -32097, -32098]);

/** Texts that name a result-count (or response-size) cap of eth_getLogs. */
const RESULT_CAP_TEXT =
  /log response size exceeded|returned more than [\d,]+ results|more than [\d,]+ (logs|results)|response size (is )?(too large|exceeded)|too many (logs|results)|max(imum)? results|query timeout|response too large|consider reducing your block range/i;

/** Texts that name a block-range cap, with the cap's number in the first group when given. */
const BLOCK_CAP_PATTERNS: RegExp[] = [
  /eth_getLogs is limited to an? ([\d,]+) (?:block )?range/i,
  /up to an? ([\d,]+k?) block range/i,
  /exceeds? (?:the )?max(?:imum)? block range(?: of)?:? ?([\d,]+)/i,
  /range \d+ exceeds limit of ([\d,]+)/i,
  /range \d+ is bigger than range limit ([\d,]+)/i,
  /ranges over ([\d,]+) blocks are not supported/i,
  /block range (?:is )?(?:limited to|cannot exceed|must not exceed|should not exceed|max(?:imum)?(?: is)?) ([\d,]+)/i,
  /max(?:imum)? block range (?:is |of )?([\d,]+)/i,
  /block range (?:is )?too (?:wide|large|big)/i,
  /block range (?:limit )?exceeded/i,
  /block range is bigger than/i,
  /exceed(?:s|ed)? (?:the )?(?:max(?:imum)? )?(?:block )?range/i,
];

/** Texts of a batch refused as a whole. */
const BATCH_TEXT = /batch (size )?(is )?too (large|big)|batch (request )?limit|(max(imum)?|exceeds?( the)?( max(imum)?)?) batch size|too many (requests|items|calls) in (the )?batch|batch (of|with) more than/i;

export function classifyProviderAnswer(refusal: ProviderRefusal): ProviderAnswer {
  const text = `${refusal.message ?? ''} ${dataText(refusal.data)}`.trim();
  // a 429 is a rate limit whatever its body says
  if (refusal.status === 429 || (refusal.code !== undefined && RATE_CODES.has(refusal.code)) || RATE_TEXT.test(text)) {
    return { kind: 'rate-limited', ...retryAfter(refusal, text) };
  }
  if (refusal.batch && BATCH_TEXT.test(text)) return { kind: 'batch', ...numberIn(text, /(\d[\d,]*)/) };
  const range = rangeRefusal(text);
  if (range) return range;
  if (BATCH_TEXT.test(text)) return { kind: 'batch', ...numberIn(text, /(\d[\d,]*)/) };
  // a bare 413 (Request Entity Too Large): the batch is too long, or the logs did not fit
  if (refusal.status === 413) return refusal.batch ? { kind: 'batch' } : { kind: 'range', byResults: true };
  // EIP-1474 "limit exceeded" with nothing about ranges: Infura and others use it for rate limits
  if (refusal.code === -32005 || /^limit exceeded\b/i.test(text)) return { kind: 'rate-limited', ...retryAfter(refusal, text) };
  return { kind: 'other' };
}

function rangeRefusal(text: string): ProviderAnswer | undefined {
  const suggested = suggestedRange(text);
  if (RESULT_CAP_TEXT.test(text)) {
    const cap = blockCap(text);
    return { kind: 'range', byResults: true, ...(cap ? { maxBlocks: cap } : {}), ...(suggested ? { suggested } : {}) };
  }
  for (const pattern of BLOCK_CAP_PATTERNS) {
    const match = pattern.exec(text);
    if (!match) continue;
    const cap = match[1] ? parseCount(match[1]) : undefined;
    return { kind: 'range', byResults: false, ...(cap ? { maxBlocks: cap } : {}), ...(suggested ? { suggested } : {}) };
  }
  return undefined;
}

function blockCap(text: string): number | undefined {
  for (const pattern of BLOCK_CAP_PATTERNS) {
    const match = pattern.exec(text);
    if (match?.[1]) return parseCount(match[1]);
  }
  return undefined;
}

/** Alchemy: "… this block range should work: [0x1e8480, 0x1e8c4f]" */
function suggestedRange(text: string): { from: number; to: number } | undefined {
  const match = /\[\s*(0x[0-9a-f]+|\d+)\s*,\s*(0x[0-9a-f]+|\d+)\s*\]/i.exec(text);
  if (!match) return undefined;
  const from = Number(match[1]);
  const to = Number(match[2]);
  return Number.isSafeInteger(from) && Number.isSafeInteger(to) && to >= from ? { from, to } : undefined;
}

/** "2,000", "10000", "2K" */
function parseCount(raw: string): number | undefined {
  const k = /k$/i.test(raw);
  const value = Number(raw.replace(/[,k]/gi, '')) * (k ? 1000 : 1);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function numberIn(text: string, pattern: RegExp): { maxItems?: number } {
  const match = pattern.exec(text);
  const value = match?.[1] ? parseCount(match[1]) : undefined;
  return value ? { maxItems: value } : {};
}

/** Retry-After (seconds or HTTP-date), Infura's data.rate.backoff_seconds, or "retry in 10s" in the text. */
function retryAfter(refusal: ProviderRefusal, text: string): { retryAfterMs?: number } {
  const header = refusal.retryAfter?.trim();
  if (header) {
    if (/^\d+(\.\d+)?$/.test(header)) return { retryAfterMs: Math.round(Number(header) * 1000) };
    const at = Date.parse(header);
    if (Number.isFinite(at)) return { retryAfterMs: Math.max(0, at - (refusal.now ?? Date.now())) };
  }
  const backoff = (refusal.data as { rate?: { backoff_seconds?: unknown } } | undefined)?.rate?.backoff_seconds;
  if (typeof backoff === 'number' && backoff > 0) return { retryAfterMs: Math.round(backoff * 1000) };
  const said = /(?:retry|try again) (?:in|after) (\d+(?:\.\d+)?) ?(ms|milliseconds?|s|sec(?:ond)?s?)\b/i.exec(text);
  if (said) return { retryAfterMs: Math.round(Number(said[1]) * (/^m/i.test(said[2]!) ? 1 : 1000)) };
  return {};
}

function dataText(data: unknown): string {
  if (data === undefined || data === null) return '';
  if (typeof data === 'string') return data;
  if (typeof data === 'object') {
    const record = data as Record<string, unknown>;
    // Tenderly: { payload: "range 9009594 is bigger than range limit 2000" }; others: { message }
    return [record.payload, record.message, record.reason].filter((v) => typeof v === 'string').join(' ');
  }
  return '';
}
