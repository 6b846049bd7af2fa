/**
 * Cutting text for limits that count UTF-16 units (Discord, Telegram, Snapshot, PostgreSQL
 * columns) without splitting a surrogate pair: half an emoji is not valid UTF-8, and PostgreSQL
 * refuses it in json (`invalid input syntax for type json`), so a cut must never make one. Pure.
 */

/** At most `max` UTF-16 units of `text`, never ending in half a surrogate pair. */
export function cutCodePoints(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** `cutCodePoints` with `…` at the end when something was cut (the result stays within `max`). */
export function cutWithEllipsis(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${cutCodePoints(text, max - 1)}…`;
}

/**
 * Text that can be stored and sent anywhere: lone surrogates (possible in JSON from outside, e.g.
 * an alert's `"\ud83d"`) become U+FFFD, and NUL — which PostgreSQL text and jsonb refuse — too.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE_OR_NUL, '\ufffd');
}

const LONE_SURROGATE_OR_NUL = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\u0000/g;

/** JSON for storage: every string in `value` made well-formed first. */
export function storableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? wellFormed(v) : v));
}
