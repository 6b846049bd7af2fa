/**
 * The CLI as users meet it: help for every command, `validate` listing every problem with its
 * path, and `scan --json` on a bridge whose events Firebreak did not write (uint64 ids, uint128
 * amounts, other names), configured only through YAML — stdout is pure JSON.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, getAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployArtifact, loadArtifact } from '../../src/chain/artifacts.ts';
import { startLocalChain, type LocalChain } from '../../src/drill/chains.ts';
import { runCli } from '../support/cli.ts';

describe('firebreak --help', () => {
  it('lists the commands, and each command has its own help', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    for (const name of ['drill', 'scan', 'validate']) expect(top.stdout).toContain(name);
    for (const name of ['scan', 'validate', 'drill']) {
      const help = await runCli([name, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`usage: firebreak ${name}`);
      expect(help.stdout).toContain('--config');
    }
  });

  it('rejects unknown flags and commands with one line, no stack trace', async () => {
    const flag = await runCli(['scan', '--jsno']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/--jsno/);
    expect(flag.stderr).not.toMatch(/\n\s+at /);
    const command = await runCli(['scna']);
    expect(command.code).toBe(1);
    expect(command.stderr).toContain('unknown command "scna"');
  });
});

describe('firebreak validate', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-validate-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints every problem with its path and exits 1', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      `chains:
  ethereum: { chainId: 1, rpc: ["http://127.0.0.1:1"], confirmations: 2, haltedAfter: 5 minutes }
bridges:
  - id: lock-release
    name: Lock/release
    stuckAfter: 30m
    source:
      chain: ethereum
      address: "0x1234"
      event: "event TokensLocked(uint64 indexed nonce, address indexed from, address asset, uint128 value)"
      fields: { id: nonce, amount: value, token: asset }
    destination:
      chain: arbitrum
      address: "0x0000000000000000000000000000000000000002"
      event: "event TokensReleased(uint64 indexed nonce address to"
      fields: { id: nonce }
    tokens: {}
  - id: other
    name: Other
    stuckAfter: 30m
    source:
      chain: ethereum
      address: "0x0000000000000000000000000000000000000003"
      event: "event TokensLocked(uint64 indexed nonce, address indexed from, address asset, uint128 value)"
      fields: { id: transferId, amount: value }
    destination:
      chain: ethereum
      address: "0x0000000000000000000000000000000000000004"
      event: "event TokensReleased(uint64 indexed nonce, address indexed to)"
      fields: { id: nonce }
    tokens: {}
sevrity: {}
`,
    );
    const result = await runCli(['validate', '--config', file]);
    expect(result.code).toBe(1);
    const err = result.stderr;
    expect(err).toMatch(/chains\.ethereum\.haltedAfter: .*/);
    expect(err).toMatch(/bridges\[0\]\.source\.address: .*/);
    expect(err).toMatch(/bridges\[0\]\.destination\.chain: .*arbitrum/);
    expect(err).toMatch(/bridges\[0\]\.destination\.event: .*/);
    expect(err).toContain('bridges[1].source.fields.id: "transferId" is not a parameter of TokensLocked');
    expect(err).toMatch(/sevrity/);
    expect(err).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('says ok for a good config', async () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(
      file,
      `chains:
  a: { chainId: 1, rpc: ["http://127.0.0.1:1"] }
bridges:
  - id: b
    name: B
    stuckAfter: 30m
    source: { chain: a, address: "0x0000000000000000000000000000000000000001", event: "event D(bytes32 indexed id, uint256 amount)", fields: { id: id, amount: amount } }
    destination: { chain: a, address: "0x0000000000000000000000000000000000000002", event: "event F(uint256 id)", fields: { id: id } }
    defaultToken: { symbol: ETH, decimals: 18, priceUsd: 3000 }
`,
    );
    const result = await runCli(['validate', '--config', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok (1 chains, 1 bridges)');
  });
});

describe('firebreak scan --json on a bridge configured only through YAML', () => {
  let source: LocalChain;
  let destination: LocalChain;
  let dir: string;
  let sourceBridge: Address;
  let destinationBridge: Address;
  const USDT = '0x00000000000000000000000000000000000000d7' as Address;
  const DAI = '0x00000000000000000000000000000000000000da' as Address;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-scan-cli-'));
    [source, destination] = await Promise.all([
      startLocalChain({ name: 'l1', chainId: 41001 }),
      startLocalChain({ name: 'l2', chainId: 41002 }),
    ]);
    [sourceBridge, destinationBridge] = await Promise.all([
      deployArtifact({ name: 'LockReleaseBridge', walletClient: source.walletClient, publicClient: source.publicClient }),
      deployArtifact({ name: 'LockReleaseBridge', walletClient: destination.walletClient, publicClient: destination.publicClient }),
    ]);
    const abi = loadArtifact('LockReleaseBridge').abi;
    const send = async (chain: LocalChain, address: Address, functionName: string, args: unknown[]) => {
      const hash = await chain.walletClient.writeContract({ address, abi, functionName, args });
      await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    };
    // nonces 1..6: 1-3 USDT (6 decimals), 4-5 DAI (18 decimals), 6 an unknown asset; 1 and 4 get released
    await send(source, sourceBridge, 'lockBatch', [
      [1n, 2n, 3n, 4n, 5n, 6n],
      [USDT, USDT, USDT, DAI, DAI, '0x00000000000000000000000000000000000000ee'],
      [1_500_000_000n, 2_500_000_000n, 1_000_000n, 10n ** 21n, 5n * 10n ** 20n, 42n],
    ]);
    await send(destination, destinationBridge, 'releaseBatch', [[1n, 4n]]);
    await Promise.all([source.advance(5400), destination.advance(5400)]);
    await send(source, sourceBridge, 'lockBatch', [[7n], [USDT], [9_000_000n]]); // fresh
    await Promise.all([source.mine(2), destination.mine(2)]);
  });
  afterAll(async () => {
    await Promise.all([source?.stop(), destination?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the stuck transfers in JSON only, ids as the event spells them', async () => {
    const file = join(dir, 'firebreak.yaml');
    writeFileSync(
      file,
      `# a bridge whose events Firebreak did not write
dataDir: ./state
chains:
  l1: { chainId: 41001, rpc: ["\${L1_RPC}"], confirmations: 2 }
  l2: { chainId: 41002, rpc: ["\${L2_RPC}"], confirmations: 2 }
bridges:
  - id: lock-release
    name: Lock/release bridge
    stuckAfter: 1h
    source:
      chain: l1
      address: "${getAddress(sourceBridge)}"
      event: "event TokensLocked(uint64 indexed nonce, address indexed from, address asset, uint128 value)"
      fields: { id: nonce, amount: value, token: asset }
      fromBlock: 0
    destination:
      chain: l2
      address: "${destinationBridge.toLowerCase()}"
      event: "event TokensReleased(uint64 indexed nonce, address indexed to)"
      fields: { id: nonce }
      fromBlock: 0
    tokens:
      "${USDT}": { symbol: USDT, decimals: 6, priceUsd: 1 }
      "${DAI}": { symbol: DAI, decimals: 18, priceUsd: 1 }
severity:
  S2: { lockedUsd: 500 }
  S3: { stuckTransfers: 1 }
`,
    );
    const env = { L1_RPC: source.anvil.url, L2_RPC: destination.anvil.url };
    const result = await runCli(['scan', '--json', '--config', file], { env });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!);
    expect(Object.keys(report.chains)).toEqual(['l1', 'l2']);
    expect(report.chains.l1).toMatchObject({ head: expect.any(Number), headTimestamp: expect.any(Number) });
    const [bridge] = report.bridges;
    expect(bridge).toMatchObject({ id: 'lock-release', pending: 5, stuck: 4, unpriced: 1, lockedUsd: 2500 + 1 + 500 });
    // inline severity override: S2 at $500 locked
    expect(bridge.severity).toBe('S2');
    const ids = bridge.transfers.map((t: { id: string }) => t.id).sort();
    expect(ids).toEqual(['2', '3', '5', '6', '7']);
    const fresh = bridge.transfers.find((t: { id: string }) => t.id === '7');
    expect(fresh).toMatchObject({ stuck: false, symbol: 'USDT', amount: '9000000', valueUsd: 9 });
    // a second run resumes from the checkpoints in ./state next to the config file
    const again = await runCli(['scan', '--json', '--config', file], { env });
    expect(JSON.parse(again.stdout).bridges[0].stuck).toBe(4);
  });
});
