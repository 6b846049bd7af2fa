/**
 * Loading the config: read YAML, interpolate `${ENV}`, check the schema, then check meaning and
 * cross references (a bridge naming an unknown chain, a field that is not in the event's ABI, a bad
 * address or duration). All problems are collected, each as one line with its path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AbiEvent, type Address, type Hex, isAddress, parseAbiItem, toEventSelector } from 'viem';
import { parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from '../core/errors.ts';
import { parseDuration } from '../core/duration.ts';
import type { Severity } from '../core/types.ts';
import { SEVERITIES } from '../core/types.ts';
import { interpolateEnv } from './env.ts';
import { loadPlaybooks } from './playbooks.ts';
import { configSchema, type RawConfig, type RawThresholds, type RawToken } from './schema.ts';
import type {
  BridgeConfig,
  ChainConfig,
  Config,
  EventSourceConfig,
  RollbackGovernorConfig,
  StorageConfig,
  TokenConfig,
} from './types.ts';
import { zodIssues } from './zod-issues.ts';

/** Playbooks shipped with Firebreak (the repository's playbooks/ folder). */
export const BUNDLED_PLAYBOOKS = fileURLToPath(new URL('../../playbooks', import.meta.url));

export interface LoadOptions {
  env?: Record<string, string | undefined>;
}

export interface LoadResult {
  config: Config | null;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

/** Load and check; never throws for user mistakes (the issues say what is wrong). */
export function checkConfigFile(file: string, options: LoadOptions = {}): LoadResult {
  const path = resolve(file);
  if (!existsSync(path)) {
    return {
      config: null,
      errors: [{ path: '', message: `config file ${file} not found (pass --config FILE, or copy firebreak.example.yaml)` }],
      warnings: [],
    };
  }
  const doc = parseDocument(readFileSync(path, 'utf8'), { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      config: null,
      errors: doc.errors.map((error) => ({
        path: `${file}:${(error.linePos?.[0].line ?? 0) || '?'}`,
        message: `YAML: ${error.message.split('\n')[0]}`,
      })),
      warnings: [],
    };
  }
  return checkConfigObject(doc.toJS(), { ...options, file: path });
}

/** Load, throwing one ConfigError that lists every problem. */
export function loadConfig(file: string, options: LoadOptions = {}): { config: Config; warnings: ConfigIssue[] } {
  const result = checkConfigFile(file, options);
  if (!result.config || result.errors.length > 0) throw new ConfigError(result.errors);
  return { config: result.config, warnings: result.warnings };
}

export function checkConfigObject(
  input: unknown,
  options: LoadOptions & { file?: string; baseDir?: string } = {},
): LoadResult {
  const env = options.env ?? process.env;
  const file = options.file ?? '';
  const baseDir = options.baseDir ?? (file ? dirname(file) : process.cwd());
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];

  const { value, missing } = interpolateEnv(input ?? {}, env);
  const parsed = configSchema.safeParse(value);
  const missingByPath = new Map(missing.map((m) => [m.path, m.name]));
  if (!parsed.success) {
    for (const issue of zodIssues(parsed.error)) {
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
  if (!parsed.success) return { config: null, errors, warnings };

  const config = normalize(parsed.data, { baseDir, file, errors, warnings });
  return { config: errors.length > 0 ? null : config, errors, warnings };
}

interface Context {
  baseDir: string;
  file: string;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

function fail(ctx: Context, path: string, message: string): void {
  ctx.errors.push({ path, message });
}

function duration(ctx: Context, path: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    fail(ctx, path, `"${text}" is not a duration (use 90s, 30m, 12h or 3d)`);
    return 0;
  }
  return ms;
}

function address(ctx: Context, path: string, text: string): Address {
  if (!isAddress(text, { strict: false })) {
    fail(ctx, path, `"${text}" is not an address (0x followed by 40 hex digits)`);
    return '0x0000000000000000000000000000000000000000';
  }
  const mixed = text.slice(2) !== text.slice(2).toLowerCase() && text.slice(2) !== text.slice(2).toUpperCase();
  if (mixed && !isAddress(text, { strict: true })) {
    fail(ctx, path, `"${text}" has a wrong checksum (a mistyped character?); write it checksummed or all lower-case`);
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

function resolvePath(ctx: Context, path: string): string {
  return isAbsolute(path) ? path : resolve(ctx.baseDir, path);
}

function normalize(raw: RawConfig, ctx: Context): Config {
  const dataDir = resolvePath(ctx, raw.dataDir);
  const chains = normalizeChains(raw, ctx);
  const chainNames = new Set(Object.keys(chains));
  const checkChain = (path: string, name: string) => {
    if (!chainNames.has(name)) {
      fail(ctx, path, `"${name}" is not a configured chain (known: ${[...chainNames].join(', ') || 'none'})`);
    }
  };

  const bridges = raw.bridges.map((bridge, index) => normalizeBridge(bridge, `bridges[${index}]`, ctx, checkChain));
  const bridgeIds = new Set<string>();
  bridges.forEach((bridge, index) => {
    if (bridgeIds.has(bridge.id)) fail(ctx, `bridges[${index}].id`, `"${bridge.id}" is used by another bridge`);
    bridgeIds.add(bridge.id);
  });
  const checkBridge = (path: string, id: string) => {
    if (!bridgeIds.has(id)) fail(ctx, path, `"${id}" is not a configured bridge (known: ${[...bridgeIds].join(', ')})`);
  };

  const severityOverride: Partial<Record<Severity, RawThresholds>> = {};
  for (const level of SEVERITIES) {
    const thresholds = raw.severity?.[level];
    if (!thresholds) continue;
    if (thresholds.oldestStuck !== undefined) duration(ctx, `severity.${level}.oldestStuck`, thresholds.oldestStuck);
    severityOverride[level] = thresholds;
  }
  const playbooksDir = raw.playbooks ? resolvePath(ctx, raw.playbooks) : BUNDLED_PLAYBOOKS;
  const loaded = loadPlaybooks(playbooksDir, severityOverride);
  for (const issue of loaded.issues) ctx.errors.push(issue);
  const playbooks = loaded.playbooks;
  const severityPolicy = playbooks
    ? Object.fromEntries(SEVERITIES.map((level) => [level, playbooks.levels[level].thresholds]))
    : {};

  const maintenance = raw.maintenance.map((window, index) => {
    const path = `maintenance[${index}]`;
    const start = new Date(window.start);
    const end = new Date(window.end);
    if (Number.isNaN(start.getTime())) fail(ctx, `${path}.start`, `"${window.start}" is not an ISO time`);
    if (Number.isNaN(end.getTime())) fail(ctx, `${path}.end`, `"${window.end}" is not an ISO time`);
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
    if (tokenNames.has(token.name)) fail(ctx, `server.apiTokens[${index}].name`, `"${token.name}" is used twice`);
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
      fail(ctx, `oncall.tiers[${index}].discord`, `"${tier.discord}" must be a Discord mention like <@123> or <@&456>`);
    }
  });
  (raw.oncall?.webhooks ?? []).forEach((hook, index) => checkUrl(ctx, `oncall.webhooks[${index}].url`, hook.url));
  if (raw.oncall?.pagerduty) checkUrl(ctx, 'oncall.pagerduty.eventsUrl', raw.oncall.pagerduty.eventsUrl);

  if (raw.discord) checkUrl(ctx, 'discord.api', raw.discord.api);
  if (raw.discord?.publicKey && !/^[0-9a-fA-F]{64}$/.test(raw.discord.publicKey)) {
    fail(ctx, 'discord.publicKey', 'must be the application public key (64 hex characters)');
  }
  if (raw.telegram) checkUrl(ctx, 'telegram.apiRoot', raw.telegram.apiRoot);

  const snapshotRaw = raw.governance?.snapshot;
  const snapshot = snapshotRaw
    ? {
        hub: snapshotRaw.hub,
        space: snapshotRaw.space,
        network: snapshotRaw.network,
        minSeverity: snapshotRaw.minSeverity,
        votingPeriodMs: duration(ctx, 'governance.snapshot.votingPeriod', snapshotRaw.votingPeriod),
        ...(snapshotRaw.signer ? { signer: privateKey(ctx, 'governance.snapshot.signer', snapshotRaw.signer) as Hex } : {}),
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
        fail(ctx, `${path}.autoPause[${i}].bridge`, `bridge "${entry.bridge}" has no \`pausable\` contract to pause`);
      }
    });
    const signer = privateKey(ctx, `${path}.signer`, governor.signer);
    return {
      chain: governor.chain,
      address: address(ctx, `${path}.address`, governor.address),
      autoPause: governor.autoPause,
      ...(signer ? { signer } : {}),
    };
  });

  let anchor: Config['anchor'];
  if (raw.anchor) {
    checkChain('anchor.chain', raw.anchor.chain);
    const signer = privateKey(ctx, 'anchor.signer', raw.anchor.signer);
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
  };
}

function checkUrl(ctx: Context, path: string, url: string): void {
  try {
    const parsed = new URL(url);
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) throw new Error('scheme');
  } catch {
    fail(ctx, path, `"${redactUrl(url)}" is not an http(s) URL`);
  }
}

/** URLs often carry API keys in their path or query: show only scheme and host. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/…`;
  } catch {
    return url.length > 24 ? `${url.slice(0, 12)}…` : url;
  }
}

function normalizeChains(raw: RawConfig, ctx: Context): Record<string, ChainConfig> {
  const chains: Record<string, ChainConfig> = {};
  const ids = new Map<number, string>();
  for (const [name, chain] of Object.entries(raw.chains)) {
    const path = `chains.${name}`;
    const rpc = Array.isArray(chain.rpc) ? chain.rpc : [chain.rpc];
    rpc.forEach((url, index) => checkUrl(ctx, `${path}.rpc[${index}]`, url));
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
    };
  }
  if (Object.keys(chains).length === 0) fail(ctx, 'chains', 'configure at least one chain');
  return chains;
}

function normalizeEvent(
  raw: RawConfig['bridges'][number]['source'],
  path: string,
  role: 'source' | 'destination',
  ctx: Context,
  checkChain: (path: string, name: string) => void,
): EventSourceConfig {
  checkChain(`${path}.chain`, raw.chain);
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
      `"${raw.event}" is not an event signature (e.g. "event Deposit(bytes32 indexed id, address token, uint256 amount)")`,
    );
  }
  if (parsedOk) {
    const names = abiEvent.inputs.map((input) => input.name).filter(Boolean);
    const checkField = (field: 'id' | 'amount' | 'token', value: string | undefined, kinds?: RegExp) => {
      if (value === undefined) return;
      const input = abiEvent.inputs.find((i) => i.name === value);
      if (!input) {
        fail(
          ctx,
          `${path}.fields.${field}`,
          `"${value}" is not a parameter of ${abiEvent.name} (it has: ${names.join(', ') || 'no named parameters'})`,
        );
      } else if (kinds && !kinds.test(input.type)) {
        fail(ctx, `${path}.fields.${field}`, `"${value}" is ${input.type}; ${field} needs ${kinds.source.replace(/[\^$()]/g, '')}`);
      } else if (input.indexed && /^(string|bytes|tuple)$|\[/.test(input.type)) {
        fail(ctx, `${path}.fields.${field}`, `"${value}" is an indexed ${input.type}: only its hash is logged, so it cannot be read`);
      }
    };
    checkField('id', raw.fields.id);
    checkField('amount', raw.fields.amount, /^u?int\d*$/);
    checkField('token', raw.fields.token, /^address$/);
    if (role === 'source' && raw.fields.amount === undefined) {
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
      id: raw.fields.id,
      ...(raw.fields.amount ? { amount: raw.fields.amount } : {}),
      ...(raw.fields.token ? { token: raw.fields.token } : {}),
    },
    fromBlock: BigInt(raw.fromBlock),
  };
}

function normalizeToken(raw: RawToken, path: string, ctx: Context, checkChain: (p: string, n: string) => void): TokenConfig {
  if ((raw.priceUsd === undefined) === (raw.priceFeed === undefined)) {
    fail(ctx, path, 'give exactly one of priceUsd or priceFeed');
  }
  const token: TokenConfig = { symbol: raw.symbol, decimals: raw.decimals };
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
  raw: RawConfig['bridges'][number],
  path: string,
  ctx: Context,
  checkChain: (path: string, name: string) => void,
): BridgeConfig {
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
  const tokens: Record<string, TokenConfig> = {};
  for (const [tokenAddress, token] of Object.entries(raw.tokens)) {
    const tokenPath = `${path}.tokens["${tokenAddress}"]`;
    const key = address(ctx, tokenPath, tokenAddress);
    tokens[key] = normalizeToken(token, tokenPath, ctx, checkChain);
  }
  if (Object.keys(tokens).length > 0 && !source.fields.token && !raw.defaultToken) {
    ctx.warnings.push({
      path: `${path}.tokens`,
      message: 'the source event has no token field, so only defaultToken can value transfers',
      level: 'warning',
    });
  }
  const bridge: BridgeConfig = {
    id: raw.id,
    name: raw.name ?? raw.id,
    stuckAfterMs: duration(ctx, `${path}.stuckAfter`, raw.stuckAfter),
    source,
    destination,
    tokens,
  };
  if (raw.defaultToken) bridge.defaultToken = normalizeToken(raw.defaultToken, `${path}.defaultToken`, ctx, checkChain);
  if (raw.pausable) bridge.pausable = address(ctx, `${path}.pausable`, raw.pausable);
  return bridge;
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
  fail(ctx, 'storage.url', 'must be pglite://<dir> or postgres://user@host/db');
  return { kind: 'pglite', url: join(dataDir, 'db') };
}
