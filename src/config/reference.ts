/**
 * docs/configuration.md, generated from the config schema (schema.ts) by `npm run docs`: every key
 * with its type, whether it is required, its default and what it does. Descriptions come from the
 * schema's own metadata (`.describe()` / `.meta({ description })`) or, for keys whose schema is
 * shared (durations, addresses), from CONFIG_DESCRIPTIONS by path. A key with neither is listed by
 * `undescribedKeys` (a test fails on it), so a new key cannot arrive undocumented.
 */
import { z } from 'zod';
import { CONFIG_DESCRIPTIONS } from './descriptions.ts';
import { configSchema } from './schema.ts';

type Schema = {
  type?: string | string[];
  description?: string;
  title?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  propertyNames?: Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
};

export interface ConfigKey {
  path: string;
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function variants(schema: Schema): Schema[] {
  return schema.anyOf ?? schema.oneOf ?? [schema];
}

/** A short type for people: `duration`, `string`, `integer ≥ 0`, `S0 | S1`, `list of string`… */
function typeOf(schema: Schema): string {
  if (schema.title) return schema.title;
  const kinds = variants(schema).map((s) => {
    if (s.title) return s.title;
    if (s.enum) return s.enum.map((v) => JSON.stringify(v).replaceAll('"', '')).join(' | ');
    if (s.const !== undefined) return JSON.stringify(s.const);
    if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
    if (s.type === 'object' && !s.properties && s.additionalProperties && typeof s.additionalProperties === 'object') return `map of ${typeOf(s.additionalProperties)}`;
    if (s.type === 'integer' || s.type === 'number') {
      const bounds: string[] = [];
      if (s.exclusiveMinimum !== undefined) bounds.push(`> ${s.exclusiveMinimum}`);
      if (s.minimum !== undefined) bounds.push(`≥ ${s.minimum}`);
      if (s.maximum !== undefined && s.maximum !== MAX_SAFE) bounds.push(`≤ ${s.maximum}`);
      return [s.type, ...bounds].join(' ');
    }
    return Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'any');
  });
  return [...new Set(kinds)].join(' or ');
}

/** The object a key holds (for an object, a list of objects, or an "object or list of objects"). */
function objectIn(schema: Schema): { object: Schema; suffix: string } | null {
  for (const s of variants(schema)) if (s.type === 'object' && s.properties) return { object: s, suffix: '' };
  for (const s of variants(schema)) if (s.type === 'array' && s.items) {
    const inner = objectIn(s.items);
    if (inner) return { object: inner.object, suffix: `[]${inner.suffix}` };
  }
  return null;
}

function mapIn(schema: Schema): Schema | null {
  for (const s of variants(schema)) if (s.type === 'object' && !s.properties && s.additionalProperties && typeof s.additionalProperties === 'object') return s.additionalProperties;
  return null;
}

const MAP_KEY_NAMES: Record<string, string> = { chains: '<name>', tokens: '<token address>', prices: '<tokenId>' };

/** Section defaults (`server: {host, port, …}`) are spelled out on their keys instead. */
function shownDefault(value: unknown): boolean {
  return value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0);
}

function walk(object: Schema, prefix: string, out: ConfigKey[]): void {
  for (const [name, schema] of Object.entries(object.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    // required within its parent object (a key of an optional section is required when the section is given)
    const required = (object.required ?? []).includes(name) && schema.default === undefined;
    out.push({
      path,
      type: typeOf(schema),
      required,
      ...(shownDefault(schema.default) ? { default: schema.default } : {}),
      description: CONFIG_DESCRIPTIONS[path] ?? schema.description ?? variants(schema).find((s) => s.description)?.description,
    });
    const inner = objectIn(schema);
    if (inner) walk(inner.object, `${path}${inner.suffix}`, out);
    const map = mapIn(schema);
    if (map) {
      const element = objectIn(map);
      if (element) walk(element.object, `${path}.${MAP_KEY_NAMES[name] ?? '<key>'}${element.suffix}`, out);
    }
  }
}

/** Every key of the config file, in schema order. */
export function configKeys(): ConfigKey[] {
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Schema;
  const keys: ConfigKey[] = [];
  walk(json, '', keys);
  return keys;
}

export function undescribedKeys(): string[] {
  return configKeys().filter((k) => !k.description).map((k) => k.path);
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

export function renderConfigReference(): string {
  const keys = configKeys();
  const sections = new Map<string, ConfigKey[]>();
  for (const key of keys) {
    const top = key.path.split(/[.[]/)[0]!;
    sections.set(top, [...(sections.get(top) ?? []), key]);
  }
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Firebreak reads one YAML file (`--config <file>`, default `./firebreak.yaml`); `firebreak.example.yaml` is a',
    'commented example and `firebreak validate` checks a file, naming the path of every problem.',
    '',
    '- `${NAME}` anywhere in a string is replaced by the environment variable NAME (a missing variable is an error',
    '  unless the key is optional and unused). Secrets belong in variables, never in the file.',
    '- Durations are strings like `90s`, `30m`, `12h`, `3d`. Addresses are checksummed or lower-case hex.',
    '- Relative paths resolve against the config file\'s folder.',
    '- Unknown keys are errors (they are usually typos). Only `chains` and `bridges` are required.',
    '',
    'In paths, `[]` is an element of a list and `<name>` a key you choose; "required" means required in its section, when the section is given.',
    '',
  ];
  for (const [top, list] of sections) {
    lines.push(`## \`${top}\``, '', '| key | type | required | default | description |', '| --- | --- | --- | --- | --- |');
    for (const key of list) {
      const fallback = key.default === undefined ? '' : `\`${cell(JSON.stringify(key.default))}\``;
      lines.push(`| \`${cell(key.path)}\` | ${cell(key.type)} | ${key.required ? 'yes' : ''} | ${fallback} | ${cell(key.description ?? '')} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
