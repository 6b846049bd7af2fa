/**
 * The message templates' tiny language (playbooks/templates/README.md): `{{name}}` inserts a
 * variable, escaped for the target platform; `{{{name}}}` inserts it without neutralising mentions
 * (only the paged handles use it); `{{#name}}…{{/name}}` keeps a block when the variable is set,
 * `{{^name}}…{{/name}}` when it is not; `{{> file}}` includes another template file; `**bold**` in
 * the template's own text is the only markup. The first line `# …` is the title.
 * Pure: no I/O, templates come in as text.
 */

import { cutCodePoints } from '../core/text.ts';

export type Vars = Record<string, string>;

/** How a platform writes text: template literals (trusted) and variable values (outside text). */
export interface Dialect {
  name: 'discord' | 'telegram' | 'plain';
  literal(text: string): string;
  value(text: string, raw: boolean): string;
  /** titles, where the platform shows no markup (Discord embed titles) */
  title?: Dialect;
}

const ZWSP = '\u200b';

/** Break every mention (`@everyone`, `@here`, `<@id>`, `<@&id>`, `<#id>`) with a zero-width space. */
export function neutraliseMentions(text: string): string {
  return text.replace(/@/g, `@${ZWSP}`).replace(/</g, `<${ZWSP}`);
}

/** Discord markdown: backslash-escape inline markup and line-start markup, and break mentions. */
export function escapeDiscord(text: string): string {
  const escaped = text
    .replace(/[\\*_~`|[\]]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([#>+-]|\d+\.)/gm, (_w, space: string, mark: string) => `${space}\\${mark}`);
  return neutraliseMentions(escaped);
}

/** Telegram MarkdownV2: every one of these characters must be escaped outside entities. */
export function escapeTelegram(text: string): string {
  return text.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, (c) => `\\${c}`);
}

export const DISCORD: Dialect = {
  name: 'discord',
  literal: (text) => text,
  value: (text, raw) => (raw ? text : escapeDiscord(text)),
  title: { name: 'discord', literal: (text) => text.replaceAll('**', ''), value: (text, raw) => (raw ? text : neutraliseMentions(text)) },
};

export const TELEGRAM: Dialect = {
  name: 'telegram',
  // the template's `**bold**` becomes Telegram's `*bold*`; everything else is escaped
  literal: (text) => text.split('**').map(escapeTelegram).join('*'),
  // outside text must not notify anyone: `@name` is broken with a zero-width space
  value: (text, raw) => escapeTelegram(raw ? text : text.replace(/@/g, `@${ZWSP}`)),
};

/** For the dashboard and tests: no markup at all. */
export const PLAIN: Dialect = {
  name: 'plain',
  literal: (text) => text.replaceAll('**', ''),
  value: (text) => text,
};

export interface Rendered {
  title: string;
  body: string;
  /** variables the template used that were not given (validate reports them) */
  missing: string[];
}

const TOKEN = /\{\{\{\s*([\w.]+)\s*\}\}\}|\{\{\s*([#^/])\s*([\w.]+)\s*\}\}|\{\{\s*([\w.]+)\s*\}\}/g;

/** Expand `{{> name}}` includes from the template set (depth-limited, so a loop cannot hang). */
export function expandIncludes(source: string, templates: Record<string, string>, depth = 0): string {
  return source.replace(/\{\{>\s*([\w.-]+)\s*\}\}\n?/g, (_whole, name: string) => {
    const file = name.endsWith('.md') ? name : `${name}.md`;
    const included = templates[file];
    if (included === undefined || depth > 4) return `{{missing-include.${name}}}`;
    return expandIncludes(included, templates, depth + 1);
  });
}

/** Render one template (includes already expanded) for a dialect. */
export function renderTemplate(source: string, vars: Vars, dialect: Dialect): Rendered {
  const missing = new Set<string>();
  const lines = stripComments(source).replace(/^\s+/, '').split('\n');
  const titleSource = lines[0]?.startsWith('# ') ? lines.shift()!.slice(2).trim() : '';
  const title = renderBlock(titleSource, vars, dialect.title ?? dialect, missing).trim();
  const body = renderBlock(lines.join('\n'), vars, dialect, missing).replace(/\n{3,}/g, '\n\n').trim();
  return { title, body, missing: [...missing] };
}

function stripComments(source: string): string {
  return source.replace(/<!--[\s\S]*?-->\n?/g, '');
}

function renderBlock(source: string, vars: Vars, dialect: Dialect, missing: Set<string>): string {
  let out = '';
  let last = 0;
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(source); match; match = TOKEN.exec(source)) {
    out += dialect.literal(source.slice(last, match.index));
    last = TOKEN.lastIndex;
    const [, rawName, sigil, sectionName, name] = match;
    if (rawName || name) {
      const key = (rawName ?? name)!;
      const value = vars[key];
      if (value === undefined) missing.add(key);
      else out += dialect.value(value, Boolean(rawName));
      continue;
    }
    if (sigil === '/') continue; // a stray close tag: ignore
    const close = new RegExp(`\\{\\{\\s*/\\s*${sectionName!.replace(/\./g, '\\.')}\\s*\\}\\}`, 'g');
    close.lastIndex = last;
    const end = close.exec(source);
    const inner = source.slice(last, end ? end.index : source.length);
    last = end ? close.lastIndex : source.length;
    if (!(sectionName! in vars) && !sectionName!.startsWith('vars.')) missing.add(sectionName!);
    const set = Boolean(vars[sectionName!]);
    if (set === (sigil === '#')) out += renderBlock(inner, vars, dialect, missing);
    TOKEN.lastIndex = last;
  }
  return out + dialect.literal(source.slice(last));
}

/** Cut text to a length without leaving a dangling escape backslash or half a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = cutCodePoints(text, max - 1);
  while (cut.endsWith('\\')) cut = cut.slice(0, -1);
  return `${cut}…`;
}
