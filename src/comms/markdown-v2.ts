/**
 * Telegram MarkdownV2 (https://core.telegram.org/bots/api#markdownv2-style) read the way Telegram's
 * parser reads it, for two jobs: cutting a message to the length limit without breaking an entity
 * (a cut inside `*bold*` or after a lone `\` makes Telegram answer 400 "can't parse entities"), and
 * the plain text of a message Telegram refused to parse anyway (sent without parse_mode instead of
 * being dropped). Pure.
 *
 * Tokens: `\x` escapes; `*` bold, `_` italic, `__` underline, `~` strikethrough, `||` spoiler
 * (each opens and closes itself); `` `code` `` and ```` ```pre``` ```` (inside them only `` ` `` and
 * `\` are special); `[text](url)` and `![emoji](tg://emoji?id=…)` links. A `>` at a line start
 * (blockquote) needs no closing marker.
 */

type Marker = '*' | '_' | '__' | '~' | '||';

interface Open {
  marker: Marker;
  /** index of the marker in the text */
  at: number;
}

interface CutPoint {
  /** cut before this index */
  index: number;
  /** entities still open there (innermost last) */
  open: Open[];
  /** inside `code` or ```pre```: the closer to append */
  code: string | null;
}

const ELLIPSIS = '…';

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Length of the code point at `i` in UTF-16 units (1 or 2). */
function codePointLength(text: string, i: number): number {
  return isHighSurrogate(text.charCodeAt(i)) && i + 1 < text.length ? 2 : 1;
}

/**
 * Walks the text once and reports every place it may be cut (between whole tokens, outside links,
 * never between a surrogate pair), with the entities open there. `visible` receives the text a
 * reader sees (markers and escapes removed), for the plain-text fallback.
 */
function scan(text: string, onCut: (point: CutPoint) => void, visible: (chunk: string) => void = () => {}): void {
  const open: Open[] = [];
  let i = 0;
  const cut = (code: string | null = null) => onCut({ index: i, open: [...open], code });
  while (i < text.length) {
    cut();
    const ch = text[i]!;
    if (ch === '\\') {
      const next = i + 1 < text.length ? codePointLength(text, i + 1) : 0;
      visible(text.slice(i + 1, i + 1 + next));
      i += 1 + next;
      continue;
    }
    if (ch === '`') {
      i = scanCode(text, i, cut, visible, (to) => (i = to));
      continue;
    }
    if (ch === '[' || (ch === '!' && text[i + 1] === '[')) {
      const end = linkEnd(text, ch === '!' ? i + 1 : i);
      if (end !== null) {
        visible(linkText(text.slice(ch === '!' ? i + 2 : i + 1, end.textEnd)));
        i = end.end;
        continue;
      }
    }
    const marker: Marker | null = text.startsWith('__', i) ? '__' : text.startsWith('||', i) ? '||' : ch === '*' || ch === '_' || ch === '~' ? (ch as Marker) : null;
    if (marker) {
      const top = open.findLastIndex((o) => o.marker === marker);
      if (top >= 0) open.splice(top);
      else open.push({ marker, at: i });
      i += marker.length;
      continue;
    }
    const step = codePointLength(text, i);
    visible(text.slice(i, i + step));
    i += step;
  }
  cut();
}

/** `code` or ```pre```: returns the index after its closer (or the end of the text). */
function scanCode(text: string, start: number, cut: (code: string | null) => void, visible: (chunk: string) => void, moveTo: (i: number) => void): number {
  const fence = text.startsWith('```', start) ? '```' : '`';
  let i = start + fence.length;
  // a pre block's first line may name its language: never cut there
  if (fence === '```') {
    const newline = text.indexOf('\n', i);
    const close = text.indexOf('```', i);
    if (newline >= 0 && (close < 0 || newline < close)) i = newline + 1;
  }
  while (i < text.length) {
    if (text.startsWith(fence, i)) return i + fence.length;
    moveTo(i);
    if (i > start + fence.length) cut(fence);
    if (text[i] === '\\' && i + 1 < text.length) {
      const next = codePointLength(text, i + 1);
      visible(text.slice(i + 1, i + 1 + next));
      i += 1 + next;
      continue;
    }
    const step = codePointLength(text, i);
    visible(text.slice(i, i + step));
    i += step;
  }
  return i;
}

/** `[text](url)` starting at `[`: where the text ends and where the whole link ends; null when it is no link. */
function linkEnd(text: string, start: number): { textEnd: number; end: number } | null {
  let i = start + 1;
  while (i < text.length && text[i] !== ']') i += text[i] === '\\' ? 2 : 1;
  if (text[i] !== ']' || text[i + 1] !== '(') return null;
  const textEnd = i;
  i += 2;
  while (i < text.length && text[i] !== ')') i += text[i] === '\\' ? 2 : 1;
  return text[i] === ')' ? { textEnd, end: i + 1 } : null;
}

function linkText(inner: string): string {
  return plainTextOfMarkdownV2(inner);
}

function closers(point: CutPoint): string {
  return (point.code ?? '') + [...point.open].reverse().map((o) => o.marker).join('');
}

/**
 * Cut MarkdownV2 text to at most `max` UTF-16 units (Telegram's limit is 4,096): at the last place
 * between whole tokens that leaves room for `…` and the markers that close the entities still open
 * there, so the result always parses when the input did. Entities that would end up empty are
 * dropped rather than closed.
 */
export function truncateMarkdownV2(text: string, max: number): string {
  if (text.length <= max) return text;
  let best: CutPoint | null = null;
  scan(text, (point) => {
    if (point.index + ELLIPSIS.length + closers(point).length <= max) best = point;
  });
  if (!best) return ELLIPSIS.slice(0, max);
  let { index, open } = best as CutPoint;
  const { code } = best as CutPoint;
  // an entity opened right at the cut would be empty: cut before its marker instead
  while (!code && open.length > 0 && open.at(-1)!.at + open.at(-1)!.marker.length === index) {
    index = open.at(-1)!.at;
    open = open.slice(0, -1);
  }
  return text.slice(0, index) + ELLIPSIS + closers({ index, open, code });
}

/** What a reader of the MarkdownV2 text sees: markers and escapes removed (the plain-text fallback). */
export function plainTextOfMarkdownV2(text: string): string {
  let out = '';
  scan(
    text,
    () => {},
    (chunk) => (out += chunk),
  );
  return out;
}
