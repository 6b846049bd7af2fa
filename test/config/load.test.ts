import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toEventSelector } from 'viem';
import { describe, expect, it } from 'vitest';
import { BUNDLED_PLAYBOOKS, checkConfigFile, checkConfigObject, loadConfig } from '../../src/config/load.ts';
import { ConfigError, formatIssue } from '../../src/core/errors.ts';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures');
const repo = resolve(here, '../..');

const SNAPSHOT_KEY = `0x${'1a'.repeat(32)}`;
const GUARDIAN_KEY = `0x${'2b'.repeat(32)}`;
const ANCHOR_KEY = '3c'.repeat(32);
const ENV = {
  FIREBREAK_API_TOKEN: 'write-token-0123456789abcdef',
  RO_TOKEN: 'read-token-0123456789abcdef',
  RPC_KEY: 'rpc-api-key-42',
  ALERT_ROUTING_KEY: 'routing-key-1',
  HOOK_SECRET: 'hook-secret-1',
  PD_KEY_PRIMARY: 'pd-routing-key',
  DISCORD_TOKEN: 'discord-bot-token',
  TELEGRAM_TOKEN: '123456:telegram-bot-token',
  TELEGRAM_WEBHOOK_SECRET: 'tg-webhook-secret',
  PIN_TOKEN: 'pin-token',
  SNAPSHOT_KEY,
  GUARDIAN_KEY,
  ANCHOR_KEY,
};

const SRC = '0x3ee18B2214AFF97000D974cf647E7C347E8fa585';
const DST = '0x8EB8a3b98659Cce290402893d0123abb75E3ab28';
const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';
const WETH = '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2';
const FEED = '0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419';

/** A minimal valid config as an object; tests break one thing at a time. */
function base(): Record<string, any> {
  return {
    chains: {
      ethereum: { chainId: 1, rpc: 'https://eth.example' },
      arbitrum: { chainId: 42161, rpc: ['https://arb.example'] },
    },
    bridges: [
      {
        id: 'nft-bridge',
        stuckAfter: '30m',
        source: {
          chain: 'ethereum',
          address: SRC,
          event: 'event TokensLocked(bytes32 indexed transferId, address token, uint256 amount)',
          fields: { id: 'transferId', amount: 'amount', token: 'token' },
        },
        destination: {
          chain: 'arbitrum',
          address: DST,
          event: 'event TokensReleased(bytes32 indexed transferId)',
          fields: { id: 'transferId' },
        },
        tokens: { [USDC]: { symbol: 'USDC', decimals: 6, priceUsd: 1 } },
        defaultToken: { symbol: 'ETH', decimals: 18, priceUsd: 3000 },
      },
    ],
  };
}

function check(input: unknown, env: Record<string, string> = {}) {
  return checkConfigObject(input, { env, baseDir: '/srv/firebreak' });
}

/** The error lines of a config that must fail. */
function errorsOf(input: unknown, env: Record<string, string> = {}): string[] {
  const result = check(input, env);
  expect(result.config).toBeNull();
  return result.errors.map(formatIssue);
}

/** Exactly one problem, at `path`; returns its message. */
function oneError(input: unknown, path: string, env: Record<string, string> = {}): string {
  const result = check(input, env);
  expect(result.errors.map(formatIssue)).toHaveLength(1);
  expect(result.errors[0]!.path).toBe(path);
  expect(formatIssue(result.errors[0]!).split('\n')).toHaveLength(1);
  expect(result.config).toBeNull();
  return result.errors[0]!.message;
}

describe('a full config (SPEC §2 example)', () => {
  const result = checkConfigFile(join(fixtures, 'full.yaml'), { env: ENV });
  const config = result.config!;

  it('loads without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(config).not.toBeNull();
    expect(config.file).toBe(join(fixtures, 'full.yaml'));
  });

  it('resolves relative paths against the config file folder', () => {
    expect(config.dataDir).toBe(join(fixtures, '.firebreak'));
    expect(config.storage).toEqual({ kind: 'pglite', url: join(fixtures, 'state/db') });
    expect(config.playbooksDir).toBe(join(repo, 'playbooks'));
  });

  it('normalizes chains (durations in ms, rpc always a list, env interpolated)', () => {
    expect(config.chains.ethereum).toEqual({
      name: 'ethereum',
      chainId: 1,
      rpc: ['https://eth-a.example/v2/rpc-api-key-42', 'https://eth-b.example'],
      confirmations: 2,
      pollIntervalMs: 1000,
      haltedAfterMs: 5 * 60_000,
      finality: 'confirmations',
      unobservableAfterMs: 2 * 60_000,
    });
    expect(config.chains.arbitrum!.rpc).toEqual(['https://arb.example']);
    expect(config.chains.arbitrum!.haltedAfterMs).toBe(300_000);
  });

  it('normalizes bridges: addresses lower-case, events parsed, fromBlock bigint, tokens keyed lower-case', () => {
    const bridge = config.bridges[0]!;
    expect(bridge.id).toBe('nft-bridge');
    expect(bridge.name).toBe('NFT bridge');
    expect(bridge.stuckAfterMs).toBe(30 * 60_000);
    expect(bridge.source.address).toBe(SRC.toLowerCase());
    expect(bridge.destination.address).toBe(DST.toLowerCase());
    expect(bridge.pausable).toBe(SRC.toLowerCase());
    expect(bridge.source.fromBlock).toBe(19_000_000n);
    expect(bridge.destination.fromBlock).toBe(200_000_000n);
    expect(bridge.source.abiEvent.name).toBe('Deposit');
    expect(bridge.source.abiEvent.inputs.map((i) => [i.name, i.type, Boolean(i.indexed)])).toEqual([
      ['transferId', 'bytes32', true],
      ['sender', 'address', true],
      ['token', 'address', false],
      ['amount', 'uint256', false],
    ]);
    expect(bridge.source.selector).toBe(
      toEventSelector('Deposit(bytes32 indexed transferId, address indexed sender, address token, uint256 amount)'),
    );
    expect(bridge.source.selector).toBe(toEventSelector('Deposit(bytes32,address,address,uint256)'));
    // "event " is optional in the signature
    expect(bridge.destination.abiEvent.name).toBe('Finalized');
    expect(bridge.destination.selector).toBe(toEventSelector('Finalized(bytes32)'));
    expect(bridge.source.fields).toEqual({ id: 'transferId', amount: 'amount', token: 'token' });
    expect(bridge.destination.fields).toEqual({ id: 'transferId' });
    expect(bridge.tokens).toEqual({
      [USDC.toLowerCase()]: { symbol: 'USDC', decimals: 6, priceUsd: 1 },
      [WETH.toLowerCase()]: {
        symbol: 'WETH',
        decimals: 18,
        priceFeed: { chain: 'ethereum', address: FEED.toLowerCase(), maxAgeMs: 3_600_000 },
      },
    });
    expect(bridge.defaultToken).toEqual({ symbol: 'ETH', decimals: 18, priceUsd: 3000 });
  });

  it('normalizes the server, api tokens and severity policy', () => {
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.server.port).toBe(8787);
    expect(config.server.apiTokens).toEqual([
      { name: 'api-0', token: ENV.FIREBREAK_API_TOKEN, scope: 'write' },
      { name: 'grafana', token: ENV.RO_TOKEN, scope: 'read' },
    ]);
    expect(config.severityPolicy).toEqual({
      S0: { lockedUsd: 1_000_000, halted: true },
      S1: { lockedUsd: 100_000, stuckTransfers: 50, oldestStuck: 2 * 3_600_000 },
      S2: { lockedUsd: 10_000, stuckTransfers: 5 },
      S3: { stuckTransfers: 1 },
    });
    expect(config.playbooks.levels.S1.thresholds).toEqual(config.severityPolicy.S1);
  });

  it('normalizes the integrations', () => {
    expect(config.maintenance).toEqual([
      {
        start: new Date('2026-12-01T02:00:00Z'),
        end: new Date('2026-12-01T04:00:00Z'),
        bridges: ['nft-bridge'],
        note: 'upgrade',
      },
    ]);
    expect(config.alerts.routingKeys).toEqual(['routing-key-1']);
    expect(config.oncall.tiers).toEqual([
      { name: 'primary', discord: '<@111>', telegram: '@alice', pagerduty: 'pd-routing-key', ackTimeoutMs: 900_000 },
      { name: 'secondary', discord: '<@222>', telegram: '@bob', ackTimeoutMs: 1_800_000 },
      { name: 'leadership', discord: '<@333>' },
    ]);
    expect(config.oncall.webhooks).toEqual([{ url: 'https://ops.example/hook', secret: 'hook-secret-1' }]);
    expect(config.discord?.channels).toEqual({ ops: '1', dev: '2', comms: '3', community: '4' });
    expect(config.discord?.token).toBe('discord-bot-token');
    // a numeric chat id in YAML becomes a string
    expect(config.telegram?.chats).toEqual({ ops: '-1001234567890', community: '@mychannel' });
    expect(config.telegram?.allowedUserIds).toEqual(['12345']);
    expect(config.ipfs.pinningServices).toEqual([{ endpoint: 'https://pin.example/psa', token: 'pin-token' }]);
    expect(config.governance.snapshot).toEqual({
      hub: 'https://hub.snapshot.org',
      space: 'mydao.eth',
      network: 'ethereum',
      signer: SNAPSHOT_KEY,
      minSeverity: 'S1',
      votingPeriodMs: 3 * 86_400_000,
      bodyLimit: 10_000,
    });
    expect(config.governance.rollbackGovernors).toEqual([
      {
        chain: 'ethereum',
        address: DST.toLowerCase(),
        signer: GUARDIAN_KEY,
        autoPause: [{ bridge: 'nft-bridge', minSeverity: 'S0' }],
        rollbacks: [],
      },
    ]);
    // a private key without 0x gets it
    expect(config.anchor).toEqual({ chain: 'ethereum', registry: DST.toLowerCase(), signer: `0x${ANCHOR_KEY}` });
  });

  it('loadConfig returns the same config', () => {
    const { config: loaded, warnings } = loadConfig(join(fixtures, 'full.yaml'), { env: ENV });
    expect(warnings).toEqual([]);
    expect(loaded.bridges[0]!.source.selector).toBe(config.bridges[0]!.source.selector);
  });
});

describe('a minimal config (chains and bridges only)', () => {
  it('gets the SPEC defaults', () => {
    const result = checkConfigFile(join(fixtures, 'minimal.yaml'), { env: {} });
    expect(result.errors).toEqual([]);
    const config = result.config!;
    expect(config.dataDir).toBe(join(fixtures, '.firebreak'));
    expect(config.storage).toEqual({ kind: 'pglite', url: join(fixtures, '.firebreak', 'db') });
    expect(config.playbooksDir).toBe(BUNDLED_PLAYBOOKS);
    expect(BUNDLED_PLAYBOOKS).toBe(join(repo, 'playbooks'));
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8787, apiTokens: [] });
    expect(config.chains.ethereum!.haltedAfterMs).toBe(5 * 60_000);
    expect(config.chains.ethereum!.confirmations).toBe(2);
    expect(config.chains.ethereum!.pollIntervalMs).toBe(1000);
    expect(config.chains.ethereum!.rpc).toEqual(['https://eth.example']);
    expect(config.bridges[0]!.name).toBe('usdc-lane');
    expect(config.bridges[0]!.source.fromBlock).toBe(0n);
    expect(config.bridges[0]!.tokens).toEqual({});
    expect(config.maintenance).toEqual([]);
    expect(config.alerts.routingKeys).toEqual([]);
    expect(config.oncall).toEqual({
      pagerduty: { eventsUrl: 'https://events.pagerduty.com/v2/enqueue' },
      webhooks: [],
      tiers: [],
    });
    expect(config.discord).toBeUndefined();
    expect(config.telegram).toBeUndefined();
    expect(config.anchor).toBeUndefined();
    expect(config.governance).toEqual({ rollbackGovernors: [] });
    expect(config.ipfs.listen).toEqual(['/ip4/127.0.0.1/tcp/4001']);
    // the shipped severity matrix
    expect(config.severityPolicy.S1).toEqual({ lockedUsd: 100_000, stuckTransfers: 50, oldestStuck: 7_200_000 });
    expect(Object.keys(config.playbooks.runbooks).sort()).toEqual(
      ['alert', 'bridge-exploit', 'bridge-stuck', 'chain-halted', 'chain-unobservable', 'manual', 'monitor-down'],
    );
  });

  it('an object config resolves against baseDir', () => {
    const result = check(base());
    expect(result.errors).toEqual([]);
    expect(result.config!.dataDir).toBe('/srv/firebreak/.firebreak');
    expect(result.config!.storage.url).toBe('/srv/firebreak/.firebreak/db');
  });

  it('requires chains and bridges', () => {
    expect(errorsOf({})).toEqual(['chains: is required (expected record)', 'bridges: is required (expected array)']);
    expect(errorsOf(null)).toHaveLength(2);
    expect(oneError({ ...base(), bridges: [] }, 'bridges')).toMatch(/at least one bridge/);
  });
});

describe('schema errors', () => {
  it('an unknown top-level key', () => {
    expect(oneError({ ...base(), sevrity: {} }, 'sevrity')).toBe('unknown key (a typo?)');
  });

  it('a nested unknown key (a typo)', () => {
    const config = base();
    config.bridges[0].source.adress = config.bridges[0].source.address;
    expect(oneError(config, 'bridges[0].source.adress')).toBe('unknown key (a typo?)');
    const other = base();
    other.chains.ethereum.confirmation = 3;
    expect(oneError(other, 'chains.ethereum.confirmation')).toBe('unknown key (a typo?)');
  });

  it('a value of the wrong type', () => {
    const config = base();
    config.chains.ethereum.chainId = 'one';
    expect(oneError(config, 'chains.ethereum.chainId')).toBe('expected number, got a string');
  });

  it('a duration that is not a string', () => {
    const config = base();
    config.bridges[0].stuckAfter = 30;
    expect(oneError(config, 'bridges[0].stuckAfter')).toMatch(/must be a duration like 90s, 30m, 12h or 3d, got 30/);
  });

  it('a bridge id with bad characters', () => {
    const config = base();
    config.bridges[0].id = 'NFT Bridge';
    expect(oneError(config, 'bridges[0].id')).toBe('must match [a-z0-9-]+');
  });

  it('a bad chain name', () => {
    const config = base();
    config.chains['eth mainnet'] = config.chains.ethereum;
    expect(oneError(config, 'chains["eth mainnet"]')).toMatch(/chain names must match/);
  });
});

describe('cross references and meaning', () => {
  it('a bridge naming an unknown chain', () => {
    const config = base();
    config.bridges[0].destination.chain = 'optimism';
    expect(oneError(config, 'bridges[0].destination.chain')).toBe(
      '"optimism" is not a configured chain (known: ethereum, arbitrum)',
    );
  });

  it('a field that is not in the event ABI (the issue’s exact line)', () => {
    const config = base();
    config.bridges[0].source.fields.id = 'nonce';
    oneError(config, 'bridges[0].source.fields.id');
    expect(errorsOf(config)).toEqual(['bridges[0].source.fields.id: "nonce" is not a parameter of TokensLocked']);
  });

  it('an unparsable event signature', () => {
    const config = base();
    config.bridges[0].destination.event = 'event TokensReleased(bytes32 indexed transferId';
    expect(oneError(config, 'bridges[0].destination.event')).toMatch(/is not an event signature/);
    const fn = base();
    fn.bridges[0].destination.event = 'function release(bytes32 transferId)';
    expect(oneError(fn, 'bridges[0].destination.event')).toMatch(/is not an event signature/);
  });

  it('a bad address', () => {
    const config = base();
    config.bridges[0].source.address = '0x1234';
    expect(oneError(config, 'bridges[0].source.address')).toBe('"0x1234" is not an address (0x followed by 40 hex digits)');
  });

  it('a mixed-case address with a wrong checksum', () => {
    const config = base();
    // the last upper-case letter lower-cased
    const at = SRC.search(/[A-F][^A-F]*$/);
    config.bridges[0].source.address = SRC.slice(0, at) + SRC[at]!.toLowerCase() + SRC.slice(at + 1);
    expect(config.bridges[0].source.address.toLowerCase()).toBe(SRC.toLowerCase());
    expect(oneError(config, 'bridges[0].source.address')).toMatch(/wrong checksum/);
  });

  it('checksummed, lower-case and upper-case addresses are accepted', () => {
    const config = base();
    config.bridges[0].source.address = SRC.toLowerCase();
    config.bridges[0].destination.address = `0x${DST.slice(2).toUpperCase()}`;
    const result = check(config);
    expect(result.errors).toEqual([]);
    expect(result.config!.bridges[0]!.destination.address).toBe(DST.toLowerCase());
  });

  it('a bad token address key', () => {
    const config = base();
    config.bridges[0].tokens = { '0xnope': { symbol: 'X', decimals: 1, priceUsd: 1 } };
    expect(oneError(config, 'bridges[0].tokens["0xnope"]')).toMatch(/is not an address/);
  });

  it('a token listed twice (checksummed and lower-case)', () => {
    const config = base();
    config.bridges[0].tokens[USDC.toLowerCase()] = { symbol: 'USDC', decimals: 6, priceUsd: 1 };
    expect(oneError(config, `bridges[0].tokens["${USDC.toLowerCase()}"]`)).toMatch(/listed twice/);
  });

  it('a bad duration', () => {
    const config = base();
    config.bridges[0].stuckAfter = '30 minutes';
    expect(oneError(config, 'bridges[0].stuckAfter')).toBe('"30 minutes" is not a duration (use 90s, 30m, 12h or 3d)');
    const chain = base();
    chain.chains.arbitrum.haltedAfter = '5x';
    expect(oneError(chain, 'chains.arbitrum.haltedAfter')).toMatch(/is not a duration/);
    const zero = base();
    zero.bridges[0].stuckAfter = '0s';
    expect(oneError(zero, 'bridges[0].stuckAfter')).toBe('must be longer than 0');
  });

  it('accepts combined and fractional durations', () => {
    const config = base();
    config.bridges[0].stuckAfter = '1h30m';
    config.chains.ethereum.haltedAfter = '1.5m';
    const result = check(config);
    expect(result.errors).toEqual([]);
    expect(result.config!.bridges[0]!.stuckAfterMs).toBe(90 * 60_000);
    expect(result.config!.chains.ethereum!.haltedAfterMs).toBe(90_000);
  });

  it('duplicate bridge ids', () => {
    const config = base();
    config.bridges.push(structuredClone(config.bridges[0]));
    expect(oneError(config, 'bridges[1].id')).toBe('"nft-bridge" is used by another bridge');
  });

  it('a token with both priceUsd and priceFeed, or neither', () => {
    const both = base();
    both.bridges[0].tokens[USDC].priceFeed = { chain: 'ethereum', address: FEED };
    expect(oneError(both, `bridges[0].tokens["${USDC}"]`)).toBe('give exactly one of priceUsd or priceFeed');
    const neither = base();
    delete neither.bridges[0].tokens[USDC].priceUsd;
    expect(oneError(neither, `bridges[0].tokens["${USDC}"]`)).toBe('give exactly one of priceUsd or priceFeed');
    const defaultToken = base();
    delete defaultToken.bridges[0].defaultToken.priceUsd;
    expect(oneError(defaultToken, 'bridges[0].defaultToken')).toBe('give exactly one of priceUsd or priceFeed');
  });

  it('a price feed naming an unknown chain; its maxAge defaults to 1h', () => {
    const config = base();
    config.bridges[0].tokens[WETH] = { symbol: 'WETH', decimals: 18, priceFeed: { chain: 'base', address: FEED } };
    expect(oneError(config, `bridges[0].tokens["${WETH}"].priceFeed.chain`)).toMatch(/"base" is not a configured chain/);
    config.bridges[0].tokens[WETH].priceFeed.chain = 'ethereum';
    const result = check(config);
    expect(result.config!.bridges[0]!.tokens[WETH.toLowerCase()]!.priceFeed!.maxAgeMs).toBe(3_600_000);
  });

  it('an amount field that is not a uint', () => {
    const config = base();
    config.bridges[0].source.event = 'event TokensLocked(bytes32 indexed transferId, address token, int256 amount)';
    expect(oneError(config, 'bridges[0].source.fields.amount')).toMatch(/"amount" is int256; the amount must be an unsigned integer/);
    const address = base();
    address.bridges[0].source.fields.amount = 'token';
    expect(oneError(address, 'bridges[0].source.fields.amount')).toMatch(/is address/);
  });

  it('a token field that is not an address', () => {
    const config = base();
    config.bridges[0].source.fields.token = 'amount';
    expect(oneError(config, 'bridges[0].source.fields.token')).toMatch(/the token must be an address/);
  });

  it('the source event needs an amount field', () => {
    const config = base();
    delete config.bridges[0].source.fields.amount;
    expect(oneError(config, 'bridges[0].source.fields.amount')).toMatch(/needs an amount field/);
  });

  it.each([
    ['bytes32', 'bytes32'],
    ['uint64', 'uint64'],
    ['uint256', 'uint256'],
    ['address', 'address'],
    ['int', 'int256'],
  ])('supports %s ids', (type, canonical) => {
    const config = base();
    config.bridges[0].source.event = `event Locked(${type} indexed id, address token, uint256 amount)`;
    config.bridges[0].source.fields.id = 'id';
    config.bridges[0].destination.event = `event Released(${type} id)`;
    config.bridges[0].destination.fields.id = 'id';
    const result = check(config);
    expect(result.errors).toEqual([]);
    const bridge = result.config!.bridges[0]!;
    expect(bridge.source.abiEvent.inputs[0]!.type).toBe(canonical);
    expect(bridge.source.selector).toBe(toEventSelector(`Locked(${canonical},address,uint256)`));
    expect(bridge.destination.selector).toBe(toEventSelector(`Released(${canonical})`));
  });

  it('ids of different integer/bytes types still compare by value; string vs bytes32 does not', () => {
    const mixed = base();
    mixed.bridges[0].destination.event = 'event TokensReleased(uint256 indexed transferId)';
    expect(check(mixed).errors).toEqual([]);
    const bad = base();
    bad.bridges[0].destination.event = 'event TokensReleased(string transferId)';
    expect(oneError(bad, 'bridges[0].destination.fields.id')).toMatch(/cannot be compared/);
  });

  it('an indexed dynamic id cannot be read', () => {
    const config = base();
    config.bridges[0].destination.event = 'event TokensReleased(string indexed transferId)';
    expect(errorsOf(config)).toContain(
      'bridges[0].destination.fields.id: "transferId" is an indexed string: only its hash is logged, so it cannot be read',
    );
  });

  it('maintenance and autoPause must name configured bridges', () => {
    const config = base();
    config.maintenance = [{ start: '2026-12-01T02:00:00Z', end: '2026-12-01T04:00:00Z', bridges: ['nft-brige'] }];
    expect(oneError(config, 'maintenance[0].bridges[0]')).toMatch(/"nft-brige" is not a configured bridge/);
    const pause = base();
    pause.governance = {
      rollbackGovernor: [{ chain: 'ethereum', address: DST, autoPause: [{ bridge: 'nft-bridge', minSeverity: 'S0' }] }],
    };
    expect(oneError(pause, 'governance.rollbackGovernor[0].autoPause[0].bridge')).toMatch(/no `pausable` contract/);
  });

  it('signers: a keystore file (path resolved, must exist) or a remote signer with its address; rollbacks name bridges', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-signer-config-'));
    writeFileSync(join(dir, 'guardian.json'), '{}');
    const config = base();
    config.governance = {
      rollbackGovernor: { chain: 'ethereum', address: DST, signer: { keystore: './guardian.json', passwordEnv: 'GUARDIAN_PASSWORD' }, rollbacks: [{ bridge: 'nft-bridge', proxy: SRC }] },
    };
    config.anchor = { chain: 'ethereum', registry: DST, signer: { remote: 'http://127.0.0.1:8550/', address: SRC } };
    const result = checkConfigObject(config, { baseDir: dir, env: {} });
    expect(result.errors.map(formatIssue)).toEqual([]);
    expect(result.config!.governance.rollbackGovernors[0]!.signer).toEqual({ keystore: join(dir, 'guardian.json'), passwordEnv: 'GUARDIAN_PASSWORD' });
    expect(result.config!.governance.rollbackGovernors[0]!.rollbacks).toEqual([{ bridge: 'nft-bridge', proxy: SRC.toLowerCase() }]);
    expect(result.config!.anchor!.signer).toEqual({ remote: 'http://127.0.0.1:8550/', address: SRC.toLowerCase() });

    const missing = base();
    missing.governance = { rollbackGovernor: { chain: 'ethereum', address: DST, signer: { keystore: './nope.json', passwordEnv: 'P' }, rollbacks: [{ bridge: 'nft-brige', proxy: SRC }] } };
    const errors = checkConfigObject(missing, { baseDir: dir, env: {} }).errors.map(formatIssue);
    expect(errors).toContain(`governance.rollbackGovernor.signer.keystore: ${join(dir, 'nope.json')} does not exist`);
    expect(errors.some((e) => e.startsWith('governance.rollbackGovernor.rollbacks[0].bridge: "nft-brige" is not a configured bridge'))).toBe(true);
    const badRemote = base();
    badRemote.anchor = { chain: 'ethereum', registry: DST, signer: { remote: 'http://127.0.0.1:8550/', address: 'alice' } };
    expect(oneError(badRemote, 'anchor.signer.address')).toMatch(/is not an address/);
  });

  it('an rpc that is not a URL is reported without its path or query (API keys live there)', () => {
    const config = base();
    config.chains.ethereum.rpc = ['ftp://eth.example/v2/SECRETKEY'];
    const message = oneError(config, 'chains.ethereum.rpc[0]');
    expect(message).toBe('"ftp://eth.example/…" is not an http(s) URL');
  });
});

describe('environment variables', () => {
  it('a missing variable in a required key names the variable and the path, not a value', () => {
    const config = base();
    config.chains.ethereum.rpc = 'https://eth.example/v2/${ETH_RPC_KEY}';
    expect(oneError(config, 'chains.ethereum.rpc')).toBe('environment variable ETH_RPC_KEY is not set');
    const result = check(config, { ETH_RPC_KEY: 'abc' });
    expect(result.config!.chains.ethereum!.rpc).toEqual(['https://eth.example/v2/abc']);
  });

  it('a missing variable in a list item or a named api token is an error', () => {
    const config = base();
    config.server = { apiTokens: ['${API_TOKEN}', { name: 'grafana', token: '${RO_TOKEN}', scope: 'read' }] };
    expect(errorsOf(config)).toEqual([
      'server.apiTokens[0]: environment variable API_TOKEN is not set',
      'server.apiTokens[1].token: environment variable RO_TOKEN is not set',
    ]);
  });

  it('a missing variable in an optional key is a warning and the value is dropped', () => {
    const config = base();
    config.discord = { token: '${DISCORD_TOKEN}', channels: { ops: '1' } };
    const result = check(config, { DISCORD_TOKEN: '' });
    expect(result.errors).toEqual([]);
    expect(result.warnings.map(formatIssue)).toEqual([
      'discord.token: environment variable DISCORD_TOKEN is not set; this value is ignored',
    ]);
    expect(result.config!.discord!.token).toBeUndefined();
  });
});

describe('secrets never appear in messages', () => {
  const secret = 'deadbeef'.repeat(7); // 56 hex digits: not a valid private key

  it('an invalid signer key', () => {
    const config = base();
    config.governance = { snapshot: { space: 'x.eth', network: 'ethereum', signer: '${SNAPSHOT_KEY}' } };
    config.anchor = { chain: 'ethereum', registry: DST, signer: `0x${secret}` };
    const result = check(config, { SNAPSHOT_KEY: `0x${secret}zz` });
    const lines = result.errors.map(formatIssue);
    expect(lines).toEqual([
      'governance.snapshot.signer: must be a private key (32 bytes of hex)',
      'anchor.signer: must be a private key (32 bytes of hex)',
    ]);
    for (const line of lines) expect(line).not.toContain('deadbeef');
  });

  it('a private key pasted where an address belongs', () => {
    const config = base();
    config.bridges[0].pausable = SNAPSHOT_KEY;
    const message = oneError(config, 'bridges[0].pausable');
    expect(message).toMatch(/not an address/);
    expect(message).not.toContain('1a1a1a');
  });

  it('values from the environment are not echoed, nor are strings of the wrong type', () => {
    const config = base();
    config.anchor = { chain: 'ethereum', registry: '${REGISTRY}' };
    config.server = { port: '${PORT}', apiTokens: 'tok-supersecret-123456' };
    const lines = errorsOf(config, { REGISTRY: 'not-an-address-supersecret', PORT: 'supersecret' });
    expect(lines).toEqual([
      'server.port: expected number, got a string',
      'server.apiTokens: expected array, got a string',
      'anchor.registry: the value from the environment is not an address (0x followed by 40 hex digits)',
    ]);
    for (const line of lines) expect(line).not.toContain('supersecret');
  });

  it('short api tokens are refused without showing them', () => {
    const config = base();
    config.server = { apiTokens: ['short-secret'] };
    expect(oneError(config, 'server.apiTokens[0]')).toBe('a token must be at least 16 characters');
  });
});

describe('severity override', () => {
  it('replaces the thresholds of the levels it names; the rest comes from the playbooks', () => {
    const config = base();
    config.severity = { S1: { lockedUsd: 50_000, oldestStuck: '90m' }, S3: { stuckTransfers: 3 } };
    const result = check(config);
    expect(result.errors).toEqual([]);
    const { severityPolicy, playbooks } = result.config!;
    expect(severityPolicy.S1).toEqual({ lockedUsd: 50_000, oldestStuck: 90 * 60_000 });
    expect(severityPolicy.S3).toEqual({ stuckTransfers: 3 });
    expect(severityPolicy.S0).toEqual({ lockedUsd: 1_000_000, halted: true });
    expect(severityPolicy.S2).toEqual({ lockedUsd: 10_000, stuckTransfers: 5 });
    // cadence, paging and audiences stay those of the playbook
    expect(playbooks.levels.S1.thresholds).toEqual(severityPolicy.S1);
    expect(playbooks.levels.S1.updateEveryMs).toBe(30 * 60_000);
    expect(playbooks.levels.S1.page).toBe(true);
  });

  it('a bad duration in the override is one error at its own path', () => {
    const config = base();
    config.severity = { S1: { oldestStuck: 'two hours' } };
    expect(oneError(config, 'severity.S1.oldestStuck')).toMatch(/is not a duration/);
  });

  it('an unknown level or threshold is a typo', () => {
    const config = base();
    config.severity = { S4: {}, S1: { lockedUSD: 1 } };
    expect(errorsOf(config).sort()).toEqual([
      'severity.S1.lockedUSD: unknown key (a typo?)',
      'severity.S4: unknown key (a typo?)',
    ]);
  });
});

describe('storage.url', () => {
  const withStorage = (url: string) => {
    const config = base();
    config.storage = { url };
    return check(config);
  };
  it('pglite://relative resolves against the config folder', () => {
    expect(withStorage('pglite://./data/db').config!.storage).toEqual({ kind: 'pglite', url: '/srv/firebreak/data/db' });
    expect(withStorage('pglite:///var/lib/fb').config!.storage).toEqual({ kind: 'pglite', url: '/var/lib/fb' });
  });
  it('memory', () => {
    expect(withStorage('pglite://memory').config!.storage).toEqual({ kind: 'pglite', url: 'memory://' });
    expect(withStorage('memory://').config!.storage).toEqual({ kind: 'pglite', url: 'memory://' });
  });
  it('postgres://', () => {
    expect(withStorage('postgres://fb@db.internal/firebreak').config!.storage).toEqual({
      kind: 'postgres',
      url: 'postgres://fb@db.internal/firebreak',
    });
    expect(withStorage('postgresql://fb@db/x').config!.storage.kind).toBe('postgres');
  });
  it('anything else is an error', () => {
    const result = withStorage('mysql://db/x');
    expect(result.errors.map(formatIssue)).toEqual([
      'storage.url: must be pglite://<dir>, pglite://memory or postgres://user@host/db',
    ]);
  });
});

describe('all problems at once', () => {
  it('reports schema errors and meaning errors together, one line each', () => {
    const config = base();
    config.sevrity = {};
    config.chains.ethereum.confirmation = 2; // this chain fails the schema, but its name is still known
    config.bridges[0].source.fields.id = 'nonce';
    config.bridges[0].source.adress = '0x0';
    config.bridges[0].destination.chain = 'optimism';
    config.bridges[0].stuckAfter = 'soon';
    config.bridges.push({ ...structuredClone(config.bridges[0]), id: 'Bad_Id' });
    config.anchor = { chain: 'ethereum', registry: '0x1234' };
    expect(errorsOf(config)).toEqual([
      'chains.ethereum.confirmation: unknown key (a typo?)',
      'bridges[0].source.adress: unknown key (a typo?)',
      'bridges[1].id: must match [a-z0-9-]+',
      'bridges[1].source.adress: unknown key (a typo?)',
      'sevrity: unknown key (a typo?)',
      'bridges[0].source.fields.id: "nonce" is not a parameter of TokensLocked',
      'bridges[0].destination.chain: "optimism" is not a configured chain (known: ethereum, arbitrum)',
      'bridges[0].stuckAfter: "soon" is not a duration (use 90s, 30m, 12h or 3d)',
      'anchor.registry: "0x1234" is not an address (0x followed by 40 hex digits)',
    ]);
  });

  it('checkConfigFile returns the list; loadConfig throws a ConfigError listing every issue', () => {
    const file = join(fixtures, 'broken.yaml');
    const expected = [
      'chains.ethereum.haltedAftr: unknown key (a typo?)',
      'bridges[0].source.fields.id: "nonce" is not a parameter of TokensLocked',
      'bridges[0].destination.chain: "arbitrum" is not a configured chain (known: ethereum)',
      'bridges[0].stuckAfter: "30 minutes" is not a duration (use 90s, 30m, 12h or 3d)',
    ];
    const result = checkConfigFile(file, { env: {} });
    expect(result.config).toBeNull();
    expect(result.errors.map(formatIssue)).toEqual(expected);

    let thrown: unknown;
    try {
      loadConfig(file, { env: {} });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.message.split('\n')).toEqual(expected);
    expect(error.issues.map(formatIssue)).toEqual(expected);
  });

  it('a YAML syntax error is one line with the file and line', () => {
    const result = checkConfigFile(join(fixtures, 'bad-yaml.yaml'), { env: {} });
    expect(result.config).toBeNull();
    expect(result.errors.length).toBeGreaterThanOrEqual(1);
    for (const issue of result.errors) {
      expect(issue.path).toMatch(/bad-yaml\.yaml:\d+$/);
      expect(issue.message).toMatch(/^YAML: /);
      expect(formatIssue(issue)).not.toContain('\n');
    }
  });

  it('a missing file is one line, not a stack trace', () => {
    const result = checkConfigFile(join(fixtures, 'nope.yaml'));
    expect(result.errors.map(formatIssue)).toEqual([
      `config file ${join(fixtures, 'nope.yaml')} not found (pass --config FILE, or copy firebreak.example.yaml)`,
    ]);
    expect(() => loadConfig(join(fixtures, 'nope.yaml'))).toThrow(ConfigError);
  });
});

describe('YAML details', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-config-'));

  it('unquoted hex addresses stay text (YAML would read them as numbers)', () => {
    const yaml = readFileSync(join(fixtures, 'minimal.yaml'), 'utf8').replace(/"(0x[0-9a-fA-F]{40})"/g, '$1');
    expect(yaml).toContain(`address: ${SRC.toLowerCase()}\n`);
    const file = join(dir, 'unquoted.yaml');
    writeFileSync(file, yaml);
    const result = checkConfigFile(file, { env: {} });
    expect(result.errors).toEqual([]);
    expect(result.config!.bridges[0]!.source.address).toBe(SRC.toLowerCase());
    expect(result.config!.dataDir).toBe(join(dir, '.firebreak'));
  });

  it('a duplicate key is an error', () => {
    const file = join(dir, 'dup.yaml');
    writeFileSync(file, 'chains: {}\nchains: {}\nbridges: []\n');
    const result = checkConfigFile(file, { env: {} });
    expect(result.config).toBeNull();
    expect(result.errors[0]!.message).toMatch(/YAML: .*unique/i);
  });

  it('a playbooks folder that does not exist is one error', () => {
    const config = base();
    config.playbooks = './no-such-playbooks';
    expect(oneError(config, 'playbooks')).toBe('/srv/firebreak/no-such-playbooks is not a folder');
  });
});

describe('exploit signal keys (SPEC §11)', () => {
  it('unbacked is on by default (grace 2m, S0); limits and backing are empty', () => {
    const bridge = check(base()).config!.bridges[0]!;
    expect(bridge.unbacked).toEqual({ graceMs: 120_000, severity: 'S0' });
    expect(bridge.limits).toEqual([]);
    expect(bridge.backing).toEqual([]);
  });

  it('reads unbacked, limits, backing and the release fields', () => {
    const raw = base();
    const bridge = raw.bridges[0];
    bridge.destination.event = 'event TokensReleased(bytes32 indexed transferId, address indexed to, uint32 srcChain, address token, uint256 amount)';
    bridge.destination.fields = { id: 'transferId', recipient: 'to', origin: 'srcChain', token: 'token', amount: 'amount' };
    bridge.unbacked = { grace: '5m', severity: 'S1' };
    bridge.limits = [{ chain: 'ethereum', token: USDC, escrow: SRC, window: '1h', maxOutUsd: 2_000_000 }];
    bridge.backing = [{ source: { chain: 'ethereum', token: USDC, escrow: SRC }, destination: { chain: 'arbitrum', token: DST } }];
    const result = check(raw);
    expect(result.errors).toEqual([]);
    const loaded = result.config!.bridges[0]!;
    expect(loaded.unbacked).toEqual({ graceMs: 300_000, severity: 'S1' });
    expect(loaded.destination.fields).toMatchObject({ recipient: 'to', origin: 'srcChain' });
    expect(loaded.limits![0]).toMatchObject({ chain: 'ethereum', windowMs: 3_600_000, maxOutUsd: 2_000_000, escrow: SRC.toLowerCase() });
    expect(loaded.backing![0]!.destination.token).toBe(DST.toLowerCase());
  });

  it('`unbacked: false` turns the signal off', () => {
    const raw = base();
    raw.bridges[0].unbacked = false;
    expect(check(raw).config!.bridges[0]!.unbacked).toBeNull();
  });

  it('precise errors: a bad window, a backing on another chain, a recipient that is not an address', () => {
    const window = base();
    window.bridges[0].limits = [{ chain: 'ethereum', token: USDC, escrow: SRC, window: 'soon', maxOutUsd: 1 }];
    expect(oneError(window, 'bridges[0].limits[0].window')).toMatch(/not a duration/);
    const backing = base();
    backing.bridges[0].backing = [{ source: { chain: 'arbitrum', token: USDC, escrow: SRC }, destination: { chain: 'arbitrum', token: DST } }];
    expect(oneError(backing, 'bridges[0].backing[0].source.chain')).toMatch(/source chain \(ethereum\)/);
    const recipient = base();
    recipient.bridges[0].destination.fields = { id: 'transferId', recipient: 'transferId' };
    expect(oneError(recipient, 'bridges[0].destination.fields.recipient')).toMatch(/recipient must be an address/);
  });
});
