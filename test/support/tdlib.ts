/**
 * TDLib's own MarkdownV2 parser (what the Bot API server runs for `parse_mode`), offline through
 * `tdl` + `prebuilt-tdlib`: `parseTextEntities` is a synchronous `td_execute` call, no client, no
 * network. The tests and the Telegram stand-in use it as the oracle for "does Telegram parse this".
 */
import { createRequire } from 'node:module';

export type ParsedText = { ok: true; text: string; entities: Array<{ _: string; offset: number; length: number; type: { _: string } }> } | { ok: false; message: string };

type Tdl = { configure(options: Record<string, unknown>): void; execute(request: Record<string, unknown>): any };

let tdl: Tdl | null = null;

function load(): Tdl {
  if (tdl) return tdl;
  const require = createRequire(import.meta.url);
  const lib = require('tdl') as Tdl;
  const { getTdjson } = require('prebuilt-tdlib') as { getTdjson(): string };
  lib.configure({ tdjson: getTdjson(), verbosityLevel: 0 });
  tdl = lib;
  return lib;
}

/** Parse like Telegram: `{ok: true, text, entities}` or `{ok: false, message}` (TDLib's error text). */
export function parseMarkdownV2(text: string): ParsedText {
  const result = load().execute({ _: 'parseTextEntities', text, parse_mode: { _: 'textParseModeMarkdown', version: 2 } });
  if (!result || result._ === 'error') return { ok: false, message: String(result?.message ?? 'no answer from TDLib') };
  return { ok: true, text: result.text as string, entities: result.entities ?? [] };
}

/** The Bot API's description for text TDLib refuses: `Bad Request: can't parse entities: …`. */
export function botApiParseError(message: string): string {
  return `Bad Request: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
}
