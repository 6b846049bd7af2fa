/**
 * Loading the config: read YAML, interpolate `${ENV}`, check the schema, then check meaning and
 * cross references (a bridge naming an unknown chain, a field that is not in the event's ABI, a bad
 * address or duration). All problems are collected, each as one line with its path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AbiEvent, type Address, type Hex, isAddress, parseAbiItem, toEventSelector } from 'viem';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue, formatIssue } from '../core/errors.ts';
import { parseDuration } from '../core/duration.ts';
import type { SeverityPolicy, SeverityThresholds } from '../core/severity.ts';
import type { Severity } from '../core/types.ts';
import { SEVERITIES } from '../core/types.ts';
import { interpolateEnv } from './env.ts';
import { normalizeExploitKeys } from './exploit.ts';
import { loadPlaybooks, thresholdsFrom } from './playbooks.ts';
import { bridgeSchema, chainSchema, configSchema, type RawBridge, type RawConfig, type RawToken } from './schema.ts';
import type {
  BridgeConfig,
  ChainConfig,
  Config,
  EventSourceConfig,
  RollbackGovernorConfig,
  SignerSpec,
  StorageConfig,
  TokenConfig,
} from './types.ts';
import { formatPath, zodIssues } from './zod-issues.ts';
import { normalizePresetBridge } from './presets.ts';

/** Playbooks shipped with Firebreak (the repository's playbooks/ folder). */
export const BUNDLED_PLAYBOOKS = fileURLToPath(new URL('../../playbooks', import.meta.url));

export interface LoadOptions {
  /** where `${NAME}` values come from; process.env by default */
  env?: Record<string, string | undefined>;
}

export interface LoadResult {
  /** null when there is any error */
  config: Config | null;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

/**
 * YAML 1.2 reads an unquoted `0xAbC…` as a hexadecimal integer, which would turn addresses (and
 * private keys) into imprecise numbers. Here hex stays text: `address: 0xA0b8…` works unquoted.
 */
const YAML_OPTIONS = {
  prettyErrors: false,
  uniqueKeys: true,
  customTags: (tags: Array<unknown>) =>
    tags.filter((tag) => {
      const t = tag as { tag?: string; format?: string };
      return !(t.tag === 'tag:yaml.org,2002:int' && t.format === 'HEX');
    }),
} as const;

/** Load and check a config file; never throws for user mistakes (the issues say what is wrong). */
export function checkConfigFile(file: string, options: LoadOptions = {}): LoadResult {
  const path = resolve(file);
  const fail = (message: string): LoadResult => ({ config: null, errors: [{ path: '', message }], warnings: [] });
  if (!existsSync(path)) {
    return fail(`config file ${file} not found (pass --config FILE, or copy firebreak.example.yaml)`);
  }
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    return fail(`cannot read config file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { ...YAML_OPTIONS, lineCounter } as never);
  if (doc.errors.length > 0) {
    return {
      config: null,
      errors: doc.errors.map((error) => ({
        path: `${file}:${lineCounter.linePos(error.pos[0]).line}`,
        message: `YAML: ${error.message.split('\n')[0]}`,
      })),
      warnings: [],
    };
  }
  let parsed: unknown;
  try {
    parsed = doc.toJS();
  } catch (error) {
    // well-formed but hostile (an alias bomb) or too deep to build: refuse it, do not crash
    return fail(`YAML: ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  // the checks below walk the tree recursively: a recursive alias or absurd nesting must not blow the stack
  if (nestedDeeperThan(parsed, MAX_YAML_DEPTH)) return fail(`YAML: ${file} is nested more than ${MAX_YAML_DEPTH} levels deep (or refers to itself)`);
  return checkConfigObject(parsed, { ...options, file: path });
}

const MAX_YAML_DEPTH = 64;

function nestedDeeperThan(node: unknown, limit: number): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (limit === 0) return true;
  return Object.values(node).some((child) => nestedDeeperThan(child, limit - 1));
}

/** Load a config file, throwing one ConfigError whose message lists every problem, one per line. */
export function loadConfig(file: string, options: LoadOptions = {}): { config: Config; warnings: ConfigIssue[] } {
  const result = checkConfigFile(file, options);
  if (!result.config || result.errors.length > 0) throw configError(result.errors);
  return { config: result.config, warnings: result.warnings };
}

/** A ConfigError whose message is every issue, one line each (`path: message`). */
export function configError(issues: ConfigIssue[]): ConfigError {
  const error = new ConfigError(issues);
  if (issues.length > 0) error.message = issues.map(formatIssue).join('\n');
  return error;
}

/**
 * Check a config already parsed from YAML (or built in code). `file` names the config file (its
 * folder is where relative paths resolve); `baseDir` overrides that folder.
 */
export function checkConfigObject(
  input: unknown,
  options: LoadOptions & { file?: string; baseDir?: string } = {},
): LoadResult {
  const env = options.env ?? process.env;
  const file = options.file ?? '';
  const baseDir = options.baseDir ?? (file ? dirname(file) : process.cwd());
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];

  const { value, missing, interpolated } = interpolateEnv(input ?? {}, env);
  const fromEnv = new Set(interpolated);
  const parsed = configSchema.safeParse(value, { reportInput: true });
  const missingByPath = new Map(missing.map((m) => [m.path, m.name]));
  if (!parsed.success) {
    for (const issue of zodIssues(parsed.error, { hideValue: (path) => fromEnv.has(path) })) {
      const variable = missingByPath.get(issue.path);
      if (variable) {
        errors.push({ path: issue.path, message: `environment variable ${variable} is not set` });
        missingByPath.delete(issue.path);
      } else errors.push(issue);
    }
  }
  for (const [path, name] of missingByPath) {
    warnings.push({ path, message: `environment variable ${name} is not set; this value is ignored`, level: 'warning' });
  }

  // Schema problems do not stop the checks of meaning: whatever parsed is still checked, so that
  // `validate` prints every problem at once.
  const salvaged = parsed.success ? whole(parsed.data) : salvage(value, parsed.error);
  const ctx: Context = { baseDir, file, errors, warnings, fromEnv };
  const config = normalize(salvaged, ctx);
  return { config: errors.length > 0 ? null : config, errors: dedupe(errors), warnings };
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = formatIssue(issue);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The parts of the config normalize() works on; bridges keep their index in the file. */
interface Parts {
  raw: Omit<RawConfig, 'bridges'>;
  bridges: Array<{ index: number; raw: RawBridge }>;
  /** every chain name in the file (also those that failed the schema); null = no chains section */
  chainNames: Set<string> | null;
  /** every bridge id in the file (also of bridges that failed the schema) */
  bridgeIds: Set<string>;
}

function whole(raw: RawConfig): Parts {
  return {
    raw,
    bridges: raw.bridges.map((bridge, index) => ({ index, raw: bridge })),
    chainNames: new Set(Object.keys(raw.chains)),
    bridgeIds: new Set(raw.bridges.map((bridge) => bridge.id)),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * After a schema failure: drop the unknown keys (already reported), then parse section by section
 * (each chain, each bridge on its own) and keep what parses, so that its meaning can be checked.
 */
function salvage(value: unknown, error: z.ZodError): Parts {
  const input = isRecord(value) ? structuredClone(value) : {};
  for (const issue of error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    let node: unknown = input;
    for (const key of issue.path) node = isRecord(node) || Array.isArray(node) ? (node as never)[key as never] : undefined;
    if (isRecord(node)) for (const key of issue.keys) delete node[key];
  }
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(configSchema.shape) as Array<[string, z.ZodType]>) {
    if (key === 'chains' || key === 'bridges') continue;
    const result = schema.safeParse(input[key]);
    if (result.success) out[key] = result.data;
    else {
      const fallback = schema.safeParse(undefined);
      if (fallback.success) out[key] = fallback.data;
    }
  }
  const chains: Record<string, RawConfig['chains'][string]> = {};
  let chainNames: Set<string> | null = null;
  if (isRecord(input.chains)) {
    chainNames = new Set(Object.keys(input.chains));
    for (const [name, chain] of Object.entries(input.chains)) {
      const result = chainSchema.safeParse(chain);
      if (result.success && /^[A-Za-z0-9_-]+$/.test(name)) chains[name] = result.data;
    }
  }
  out.chains = chains;
  const bridges: Parts['bridges'] = [];
  const bridgeIds = new Set<string>();
  if (Array.isArray(input.bridges)) {
    input.bridges.forEach((bridge, index) => {
      if (isRecord(bridge) && typeof bridge.id === 'string') bridgeIds.add(bridge.id);
      const result = bridgeSchema.safeParse(bridge);
      if (result.success) bridges.push({ index, raw: result.data });
    });
  }
  return { raw: out as Omit<RawConfig, 'bridges'>, bridges, chainNames, bridgeIds };
}

interface Context {
  baseDir: string;
  file: string;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
  /** paths whose value came from the environment: never echoed */
  fromEnv: Set<string>;
}

/**
 * The value quoted for a message, unless it came from the environment or looks like a private key
 * (32 bytes of hex): those may be secrets, and messages end up in terminals, CI logs and chats.
 */
function shown(ctx: Context, path: string, text: string): string {
  if (ctx.fromEnv.has(path)) return 'the value from the environment';
  if (/(0x)?[0-9a-fA-F]{64}/.test(text)) return 'the value (hidden: it looks like a private key)';
  return `"${text}"`;
}

function fail(ctx: Context, path: string, message: string): void {
  ctx.errors.push({ path, message });
}

function duration(ctx: Context, path: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    fail(ctx, path, `${shown(ctx, path, text)} is not a duration (use 90s, 30m, 12h or 3d)`);
    return 0;
  }
  if (ms <= 0) {
    fail(ctx, path, 'must be longer than 0');
    return 0;
  }
  return ms;
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

function address(ctx: Context, path: string, text: string): Address {
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(text)) {
    // 32 bytes of hex where an address belongs is most likely a private key: never echo it
    fail(ctx, path, 'is 32 bytes of hex (a private key or a hash?), not an address (0x followed by 40 hex digits)');
    return ZERO_ADDRESS;
  }
  if (!isAddress(text, { strict: false })) {
    fail(ctx, path, `${shown(ctx, path, text)} is not an address (0x followed by 40 hex digits)`);
    return ZERO_ADDRESS;
  }
  const digits = text.slice(2);
  const mixed = digits !== digits.toLowerCase() && digits !== digits.toUpperCase();
  if (mixed && !isAddress(text, { strict: true })) {
    fail(
      ctx,
      path,
      `${shown(ctx, path, text)} has a wrong checksum (a mistyped character?); write it checksummed or all lower-case`,
    );
  }
  return text.toLowerCase() as Address;
}

function privateKey(ctx: Context, path: string, text: string | undefined): Hex | undefined {
  if (text === undefined) return undefined;
  const hex = text.startsWith('0x') ? text : `0x${text}`;
  // never echo the value: it is a secret
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) fail(ctx, path, 'must be a private key (32 bytes of hex)');
  return hex as Hex;
}

/** §2: a raw key, `{ keystore, passwordEnv }` (path resolved, file must exist) or `{ remote, address }`. */
function signerSpec(ctx: Context, path: string, raw: string | { keystore: string; passwordEnv: string } | { remote: string; address: string } | undefined): SignerSpec | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string') return privateKey(ctx, path, raw);
  if ('keystore' in raw) {
    const file = resolvePath(ctx, raw.keystore);
    if (!existsSync(file)) fail(ctx, `${path}.keystore`, `${file} does not exist`);
    // the password is read from the environment when the key is first used, never stored here
    return { keystore: file, passwordEnv: raw.passwordEnv };
  }
  checkUrl(ctx, `${path}.remote`, raw.remote);
  return { remote: raw.remote, address: address(ctx, `${path}.address`, raw.address) };
}

function resolvePath(ctx: Context, path: string): string {
  return isAbsolute(path) ? path : resolve(ctx.baseDir, path);
}

function normalize(parts: Parts, ctx: Context): Config {
  const { raw } = parts;
  const dataDir = resolvePath(ctx, raw.dataDir);
  const chains = normalizeChains(raw, ctx);
  const chainNames = parts.chainNames;
  if (chainNames && chainNames.size === 0) fail(ctx, 'chains', 'configure at least one chain');
  const checkChain = (path: string, name: string) => {
    // no chains section at all is reported once, not at every reference
    if (chainNames && !chainNames.has(name)) {
      fail(ctx, path, `${shown(ctx, path, name)} is not a configured chain (known: ${[...chainNames].join(', ') || 'none'})`);
    }
  };

  const bridges = parts.bridges.map(({ index, raw: bridge }) =>
    normalizeBridge(bridge, `bridges[${index}]`, ctx, checkChain, chains),
  );
  const seenIds = new Set<string>();
  parts.bridges.forEach(({ index, raw: bridge }) => {
    if (seenIds.has(bridge.id)) fail(ctx, `bridges[${index}].id`, `${shown(ctx, `bridges[${index}].id`, bridge.id)} is used by another bridge`);
    seenIds.add(bridge.id);
  });
  const bridgeIds = parts.bridgeIds;
  const checkBridge = (path: string, id: string) => {
    if (!bridgeIds.has(id)) fail(ctx, path, `${shown(ctx, path, id)} is not a configured bridge (known: ${[...bridgeIds].join(', ') || 'none'})`);
  };

  // the inline `severity:` section replaces the thresholds of the levels it names
  const severityOverride: Partial<Record<Severity, SeverityThresholds>> = {};
  for (const level of SEVERITIES) {
    const thresholds = raw.severity?.[level];
    if (thresholds) severityOverride[level] = thresholdsFrom(thresholds, `severity.${level}`, ctx.errors);
  }
  const playbooksDir = raw.playbooks ? resolvePath(ctx, raw.playbooks) : BUNDLED_PLAYBOOKS;
  const loaded = loadPlaybooks(playbooksDir, severityOverride);
  for (const issue of loaded.issues) ctx.errors.push(issue);
  const playbooks = loaded.playbooks;
  const severityPolicy: SeverityPolicy = playbooks
    ? Object.fromEntries(SEVERITIES.map((level) => [level, playbooks.levels[level].thresholds]))
    : {};

  const maintenance = raw.maintenance.map((window, index) => {
    const path = `maintenance[${index}]`;
    const start = new Date(window.start);
    const end = new Date(window.end);
    if (Number.isNaN(start.getTime())) fail(ctx, `${path}.start`, `${shown(ctx, `${path}.start`, window.start)} is not an ISO time`);
    if (Number.isNaN(end.getTime())) fail(ctx, `${path}.end`, `${shown(ctx, `${path}.end`, window.end)} is not an ISO time`);
    if (start.getTime() >= end.getTime()) fail(ctx, `${path}.end`, 'must be after start');
    (window.bridges ?? []).forEach((id, i) => checkBridge(`${path}.bridges[${i}]`, id));
    return { start, end, bridges: window.bridges ?? [], note: window.note ?? '' };
  });

  const apiTokens = raw.server.apiTokens.map((token, index) =>
    typeof token === 'string'
      ? { name: raw.server.apiTokens.length > 1 ? `api-${index}` : 'api', token, scope: 'write' as const }
      : token,
  );
  const tokenNames = new Set<string>();
  apiTokens.forEach((token, index) => {
    if (tokenNames.has(token.name)) fail(ctx, `server.apiTokens[${index}].name`, `${shown(ctx, `server.apiTokens[${index}].name`, token.name)} is used twice`);
    tokenNames.add(token.name);
    if (token.token.length < 16) fail(ctx, `server.apiTokens[${index}]`, 'a token must be at least 16 characters');
  });

  const tiers = (raw.oncall?.tiers ?? []).map((tier, index) => ({
    name: tier.name,
    ...(tier.discord ? { discord: tier.discord } : {}),
    ...(tier.telegram ? { telegram: tier.telegram } : {}),
    ...(tier.pagerduty ? { pagerduty: tier.pagerduty } : {}),
    ...(tier.ackTimeout ? { ackTimeoutMs: duration(ctx, `oncall.tiers[${index}].ackTimeout`, tier.ackTimeout) } : {}),
  }));
  tiers.forEach((tier, index) => {
    if (tier.discord && !/^<@[&!]?\d+>$/.test(tier.discord)) {
      fail(ctx, `oncall.tiers[${index}].discord`, `${shown(ctx, `oncall.tiers[${index}].discord`, tier.discord)} must be a Discord mention like <@123> or <@&456>`);
    }
  });
  (raw.oncall?.webhooks ?? []).forEach((hook, index) => checkUrl(ctx, `oncall.webhooks[${index}].url`, hook.url));
  if (raw.oncall?.pagerduty) checkUrl(ctx, 'oncall.pagerduty.eventsUrl', raw.oncall.pagerduty.eventsUrl);

  if (raw.discord) checkUrl(ctx, 'discord.api', raw.discord.api);
  if (raw.discord?.publicKey && !/^[0-9a-fA-F]{64}$/.test(raw.discord.publicKey)) {
    fail(ctx, 'discord.publicKey', 'must be the application public key (64 hex characters)');
  }
  if (raw.telegram) checkUrl(ctx, 'telegram.apiRoot', raw.telegram.apiRoot);
  if (raw.server?.publicUrl) checkUrl(ctx, 'server.publicUrl', raw.server.publicUrl);
  if (raw.forum) checkUrl(ctx, 'forum.url', raw.forum.url);

  const snapshotRaw = raw.governance?.snapshot;
  const snapshot = snapshotRaw
    ? {
        hub: snapshotRaw.hub,
        space: snapshotRaw.space,
        network: snapshotRaw.network,
        minSeverity: snapshotRaw.minSeverity,
        votingPeriodMs: duration(ctx, 'governance.snapshot.votingPeriod', snapshotRaw.votingPeriod),
        bodyLimit: snapshotRaw.bodyLimit,
        ...(snapshotRaw.signer ? { signer: signerSpec(ctx, 'governance.snapshot.signer', snapshotRaw.signer)! } : {}),
      }
    : undefined;
  if (snapshotRaw) {
    checkUrl(ctx, 'governance.snapshot.hub', snapshotRaw.hub);
    checkChain('governance.snapshot.network', snapshotRaw.network);
  }

  const governorsRaw = raw.governance?.rollbackGovernor;
  const governorList = governorsRaw === undefined ? [] : Array.isArray(governorsRaw) ? governorsRaw : [governorsRaw];
  const rollbackGovernors: RollbackGovernorConfig[] = governorList.map((governor, index) => {
    const path = Array.isArray(governorsRaw) ? `governance.rollbackGovernor[${index}]` : 'governance.rollbackGovernor';
    checkChain(`${path}.chain`, governor.chain);
    governor.autoPause.forEach((entry, i) => {
      checkBridge(`${path}.autoPause[${i}].bridge`, entry.bridge);
      const bridge = bridges.find((b) => b.id === entry.bridge);
      if (bridge && !bridge.pausable) {
        fail(ctx, `${path}.autoPause[${i}].bridge`, `bridge ${shown(ctx, `${path}.autoPause[${i}].bridge`, entry.bridge)} has no \`pausable\` contract to pause`);
      }
    });
    const signer = signerSpec(ctx, `${path}.signer`, governor.signer);
    const rollbacks = governor.rollbacks.map((entry, i) => {
      checkBridge(`${path}.rollbacks[${i}].bridge`, entry.bridge);
      return { bridge: entry.bridge, proxy: address(ctx, `${path}.rollbacks[${i}].proxy`, entry.proxy) };
    });
    return {
      chain: governor.chain,
      address: address(ctx, `${path}.address`, governor.address),
      autoPause: governor.autoPause,
      rollbacks,
      ...(signer ? { signer } : {}),
    };
  });

  let anchor: Config['anchor'];
  if (raw.anchor) {
    checkChain('anchor.chain', raw.anchor.chain);
    const signer = signerSpec(ctx, 'anchor.signer', raw.anchor.signer);
    anchor = {
      chain: raw.anchor.chain,
      registry: address(ctx, 'anchor.registry', raw.anchor.registry),
      ...(signer ? { signer } : {}),
    };
  }

  const ipfsRaw = raw.ipfs ?? { enabled: true, listen: ['/ip4/127.0.0.1/tcp/4001'], ipnsKey: 'status', pinningServices: [] };
  ipfsRaw.pinningServices.forEach((service, index) =>
    checkUrl(ctx, `ipfs.pinningServices[${index}].endpoint`, service.endpoint),
  );

  return {
    file: ctx.file,
    dataDir,
    storage: normalizeStorage(raw.storage?.url, dataDir, ctx),
    server: { ...raw.server, apiTokens },
    playbooksDir,
    playbooks: playbooks as Config['playbooks'],
    chains,
    bridges,
    severityPolicy,
    maintenance,
    alerts: { routingKeys: raw.alerts?.routingKeys ?? [] },
    oncall: {
      pagerduty: raw.oncall?.pagerduty ?? { eventsUrl: 'https://events.pagerduty.com/v2/enqueue' },
      webhooks: raw.oncall?.webhooks ?? [],
      tiers,
    },
    ...(raw.discord ? { discord: raw.discord } : {}),
    ...(raw.telegram
      ? { telegram: { ...raw.telegram, allowedUserIds: raw.telegram.allowedUserIds.map(String) } }
      : {}),
    ipfs: ipfsRaw,
    governance: { ...(snapshot ? { snapshot } : {}), rollbackGovernors },
    ...(anchor ? { anchor } : {}),
    ...(raw.forum ? { forum: { ...raw.forum, url: raw.forum.url.replace(/\/+$/, '') } } : {}),
  };
}

function checkUrl(ctx: Context, path: string, url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // not echoed: a misplaced value may be a key or a token
    fail(ctx, path, 'is not a URL (expected http(s)://…)');
    return;
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    fail(ctx, path, `${shown(ctx, path, redactUrl(url))} is not an http(s) URL`);
  }
}

/** URLs often carry API keys in their path or query: show only scheme and host. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/…`;
  } catch {
    return 'an invalid URL';
  }
}

function normalizeChains(raw: Parts['raw'], ctx: Context): Record<string, ChainConfig> {
  const chains: Record<string, ChainConfig> = {};
  const ids = new Map<number, string>();
  for (const [name, chain] of Object.entries(raw.chains)) {
    const path = `chains.${name}`;
    const rpc = Array.isArray(chain.rpc) ? chain.rpc : [chain.rpc];
    rpc.forEach((url, index) => checkUrl(ctx, Array.isArray(chain.rpc) ? `${path}.rpc[${index}]` : `${path}.rpc`, url));
    const other = ids.get(chain.chainId);
    if (other) fail(ctx, `${path}.chainId`, `${chain.chainId} is also the chainId of "${other}"`);
    ids.set(chain.chainId, name);
    chains[name] = {
      name,
      chainId: chain.chainId,
      rpc,
      confirmations: chain.confirmations,
      pollIntervalMs: chain.pollIntervalMs,
      haltedAfterMs: duration(ctx, `${path}.haltedAfter`, chain.haltedAfter),
      finality: chain.finality,
      unobservableAfterMs: duration(ctx, `${path}.unobservableAfter`, chain.unobservableAfter),
    };
  }
  return chains;
}

function normalizeEvent(
  raw: RawBridge['source'],
  path: string,
  role: 'source' | 'destination',
  ctx: Context,
  checkChain: (path: string, name: string) => void,
): EventSourceConfig {
  checkChain(`${path}.chain`, raw.chain);
  if (raw.event === undefined || raw.fields === undefined) {
    fail(ctx, `${path}.${raw.event === undefined ? 'event' : 'fields'}`, 'is required (or use a `preset`, SPEC §10)');
    return { chain: raw.chain, address: address(ctx, `${path}.address`, raw.address), event: '', abiEvent: { type: 'event', name: 'Invalid', inputs: [] }, selector: '0x', fields: { id: '' }, fromBlock: BigInt(raw.fromBlock) };
  }
  const fields = raw.fields;
  let abiEvent: AbiEvent = { type: 'event', name: 'Invalid', inputs: [] };
  let selector: Hex = '0x';
  let parsedOk = false;
  try {
    const signature = raw.event.trim().startsWith('event ') ? raw.event.trim() : `event ${raw.event.trim()}`;
    const item = parseAbiItem(signature) as unknown as { type: string };
    if (item.type !== 'event') throw new Error('not an event');
    abiEvent = item as AbiEvent;
    selector = toEventSelector(abiEvent);
    parsedOk = true;
  } catch {
    fail(
      ctx,
      `${path}.event`,
      `${shown(ctx, `${path}.event`, raw.event)} is not an event signature (e.g. "event Deposit(bytes32 indexed id, address token, uint256 amount)")`,
    );
  }
  if (parsedOk) {
    const checkField = (field: 'id' | 'amount' | 'token' | 'recipient' | 'origin', value: string | undefined) => {
      if (value === undefined) return;
      const where = `${path}.fields.${field}`;
      const input = abiEvent.inputs.find((i) => i.name === value);
      if (!input) {
        fail(ctx, where, `${shown(ctx, where, value)} is not a parameter of ${abiEvent.name}`);
        return;
      }
      if ((field === 'amount' || field === 'origin') && !/^uint\d*$/.test(input.type)) {
        fail(ctx, where, `${shown(ctx, where, value)} is ${input.type}; the ${field} must be an unsigned integer (uint8 … uint256)`);
      } else if ((field === 'token' || field === 'recipient') && input.type !== 'address') {
        fail(ctx, where, `${shown(ctx, where, value)} is ${input.type}; the ${field} must be an address`);
      } else if (field === 'id' && /^tuple|\[/.test(input.type)) {
        fail(ctx, where, `${shown(ctx, where, value)} is ${input.type}; the id must be a single value (bytes32, uint256, address, …)`);
      } else if (input.indexed && /^(string|bytes)$/.test(input.type)) {
        fail(ctx, where, `${shown(ctx, where, value)} is an indexed ${input.type}: only its hash is logged, so it cannot be read`);
      }
    };
    checkField('id', fields.id);
    checkField('amount', fields.amount);
    checkField('token', fields.token);
    checkField('recipient', fields.recipient);
    checkField('origin', fields.origin);
    if (role === 'source' && fields.amount === undefined) {
      fail(ctx, `${path}.fields.amount`, 'the source event needs an amount field to value transfers');
    }
  }
  return {
    chain: raw.chain,
    address: address(ctx, `${path}.address`, raw.address),
    event: raw.event,
    abiEvent,
    selector,
    fields: {
      id: fields.id,
      ...(fields.amount ? { amount: fields.amount } : {}),
      ...(fields.token ? { token: fields.token } : {}),
      ...(fields.recipient ? { recipient: fields.recipient } : {}),
      ...(fields.origin ? { origin: fields.origin } : {}),
    },
    fromBlock: BigInt(raw.fromBlock),
  };
}

function normalizeToken(raw: RawToken, path: string, ctx: Context, checkChain: (p: string, n: string) => void): TokenConfig {
  if ((raw.priceUsd !== undefined && raw.priceFeed !== undefined) || (raw.priceUsd === undefined && raw.priceFeed === undefined && !raw.prices)) {
    fail(ctx, path, raw.prices ? 'give at most one of priceUsd or priceFeed' : 'give exactly one of priceUsd or priceFeed');
  }
  const kind = raw.kind ?? 'erc20';
  const nft = kind === 'erc721' || kind === 'erc1155';
  if (raw.decimals === undefined && !nft) fail(ctx, `${path}.decimals`, `is required for a ${kind} token`);
  if (raw.prices && !nft) fail(ctx, `${path}.prices`, 'per-tokenId prices are for erc721 and erc1155 tokens (set kind)');
  const token: TokenConfig = { symbol: raw.symbol, decimals: raw.decimals ?? 0 };
  if (raw.kind) token.kind = raw.kind;
  if (raw.prices) token.prices = raw.prices;
  if (raw.priceUsd !== undefined) token.priceUsd = raw.priceUsd;
  if (raw.priceFeed) {
    checkChain(`${path}.priceFeed.chain`, raw.priceFeed.chain);
    token.priceFeed = {
      chain: raw.priceFeed.chain,
      address: address(ctx, `${path}.priceFeed.address`, raw.priceFeed.address),
      maxAgeMs: duration(ctx, `${path}.priceFeed.maxAge`, raw.priceFeed.maxAge),
    };
  }
  return token;
}

function normalizeBridge(
  raw: RawBridge,
  path: string,
  ctx: Context,
  checkChain: (path: string, name: string) => void,
  chains: Record<string, ChainConfig> = {},
): BridgeConfig {
  if (raw.preset !== undefined) {
    const tokens = normalizeTokens(raw, path, ctx, checkChain);
    const bridge = normalizePresetBridge(raw, path, {
      fail: (where, message) => fail(ctx, where, message),
      address: (where, text) => address(ctx, where, text),
      checkChain,
      chainId: (name) => chains[name]?.chainId,
      duration: (where, text) => duration(ctx, where, text),
    }, tokens);
    if (raw.defaultToken) bridge.defaultToken = normalizeToken(raw.defaultToken, `${path}.defaultToken`, ctx, checkChain);
    if (raw.pausable) bridge.pausable = address(ctx, `${path}.pausable`, raw.pausable);
    return bridge;
  }
  if (raw.params !== undefined) fail(ctx, `${path}.params`, 'is only for a `preset` bridge');
  const source = normalizeEvent(raw.source, `${path}.source`, 'source', ctx, checkChain);
  const destination = normalizeEvent(raw.destination, `${path}.destination`, 'destination', ctx, checkChain);
  if (source.abiEvent.inputs.length > 0 && destination.abiEvent.inputs.length > 0) {
    const sourceId = source.abiEvent.inputs.find((i) => i.name === source.fields.id);
    const destinationId = destination.abiEvent.inputs.find((i) => i.name === destination.fields.id);
    if (sourceId && destinationId && idFamily(sourceId.type) !== idFamily(destinationId.type)) {
      fail(
        ctx,
        `${path}.destination.fields.id`,
        `is ${destinationId.type} but the source id is ${sourceId.type}; they cannot be compared`,
      );
    }
  }
  const tokens = normalizeTokens(raw, path, ctx, checkChain);
  if (!source.fields.token && Object.keys(tokens).length > 0) {
    ctx.warnings.push({
      path: `${path}.tokens`,
      message: 'the source event has no token field, so `tokens` is not used (only defaultToken values transfers)',
      level: 'warning',
    });
  }
  if (!raw.defaultToken && (!source.fields.token || Object.keys(tokens).length === 0)) {
    ctx.warnings.push({
      path,
      message: source.fields.token
        ? 'no tokens and no defaultToken: every stuck transfer is unpriced'
        : 'no token field and no defaultToken: every stuck transfer is unpriced',
      level: 'warning',
    });
  }
  const bridge: BridgeConfig = {
    id: raw.id,
    name: raw.name ?? raw.id,
    stuckAfterMs: raw.stuckAfter === undefined ? (fail(ctx, `${path}.stuckAfter`, 'is required (a duration like 30m)'), 0) : duration(ctx, `${path}.stuckAfter`, raw.stuckAfter),
    source,
    destination,
    tokens,
  };
  if (raw.defaultToken) bridge.defaultToken = normalizeToken(raw.defaultToken, `${path}.defaultToken`, ctx, checkChain);
  if (raw.pausable) bridge.pausable = address(ctx, `${path}.pausable`, raw.pausable);
  Object.assign(
    bridge,
    normalizeExploitKeys(raw, path, { source: source.chain, destination: destination.chain }, {
      duration: (p, t) => duration(ctx, p, t),
      address: (p, t) => address(ctx, p, t),
      checkChain,
      fail: (p, m) => fail(ctx, p, m),
    }),
  );
  return bridge;
}

function normalizeTokens(raw: RawBridge, path: string, ctx: Context, checkChain: (p: string, n: string) => void): Record<string, TokenConfig> {
  const tokens: Record<string, TokenConfig> = {};
  for (const [tokenAddress, token] of Object.entries(raw.tokens)) {
    const tokenPath = `${path}.${formatPath(['tokens', tokenAddress])}`;
    const key = address(ctx, tokenPath, tokenAddress);
    if (tokens[key] && key !== ZERO_ADDRESS) fail(ctx, tokenPath, 'this token is listed twice (addresses are not case-sensitive)');
    tokens[key] = normalizeToken(token, tokenPath, ctx, checkChain);
  }
  return tokens;
}

/** Ids compare as values: any integer, bytesN or address id compares with any other by value. */
function idFamily(type: string): string {
  if (/^u?int\d*$|^bytes\d+$|^address$/.test(type)) return 'numeric';
  return type;
}

function normalizeStorage(url: string | undefined, dataDir: string, ctx: Context): StorageConfig {
  if (url === undefined) return { kind: 'pglite', url: join(dataDir, 'db') };
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { kind: 'postgres', url };
  if (url.startsWith('pglite://')) {
    const rest = url.slice('pglite://'.length);
    if (rest === 'memory' || rest === '') return { kind: 'pglite', url: 'memory://' };
    return { kind: 'pglite', url: resolvePath(ctx, rest) };
  }
  if (url === 'memory://') return { kind: 'pglite', url: 'memory://' };
  fail(ctx, 'storage.url', 'must be pglite://<dir>, pglite://memory or postgres://user@host/db');
  return { kind: 'pglite', url: join(dataDir, 'db') };
}
