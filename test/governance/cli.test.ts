/**
 * `firebreak deploy <governor|registry>` and the governance checks of `firebreak validate`, run as a
 * user runs them (the real CLI in a child process) against anvil.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANVIL_KEYS, freePort } from '../../src/chain/anvil.ts';
import { loadArtifact } from '../../src/chain/artifacts.ts';
import { drillConfig } from '../../src/drill/bridge.ts';
import { governanceTimingIssues } from '../../src/governance/snapshot/voting-period.ts';
import { runCli } from '../support/cli.ts';
import { startRemoteSigner } from '../support/remote-signer.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { GUARDIAN, GUARDIAN_KEY, deployGovernedTarget } from './support.ts';

let chains: DrillChains;
let dir: string;
const DEPLOY_KEY = ANVIL_KEYS[3];

beforeAll(async () => {
  chains = await startDrillChains();
  dir = mkdtempSync(join(tmpdir(), 'firebreak-deploy-'));
}, 180_000);

afterAll(async () => {
  await chains?.stop();
});

function writeConfig(name: string, extra: Record<string, unknown>): string {
  const raw = drillConfig({ bridge: chains.bridge, storage: 'memory://', dataDir: join(dir, 'data'), extra }) as Record<string, unknown>;
  const file = join(dir, name);
  writeFileSync(file, stringify(raw));
  return file;
}

async function read(address: Address, name: 'RollbackGovernor' | 'PostmortemRegistry', functionName: string, args: unknown[] = []): Promise<unknown> {
  return chains.source.publicClient.readContract({ address, abi: loadArtifact(name).abi, functionName, args });
}

describe('firebreak deploy', () => {
  it('deploys the governor with the given governance and guardians, key from --key-env', { timeout: 300_000 }, async () => {
    const file = writeConfig('deploy.yaml', {});
    const governance = '0x000000000000000000000000000000000000600d';
    const result = await runCli(['deploy', 'governor', '--config', file, '--chain', 'ethereum', '--key-env', 'DEPLOY_KEY', '--governance', governance, '--guardian', GUARDIAN, '--json'], {
      env: { DEPLOY_KEY },
    });
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout.trim());
    expect(out.contract).toBe('RollbackGovernor');
    expect(out.chain).toBe('ethereum');
    expect(out.chainId).toBe(31337);
    expect(String(await read(out.address, 'RollbackGovernor', 'governance')).toLowerCase()).toBe(governance);
    expect(await read(out.address, 'RollbackGovernor', 'isGuardian', [GUARDIAN])).toBe(true);
    expect(result.stdout + result.stderr).not.toContain(DEPLOY_KEY.slice(2));
  });

  it('deploys the registry with the anchor signer from the config and prints its address', { timeout: 300_000 }, async () => {
    const file = writeConfig('anchor.yaml', { anchor: { chain: 'ethereum', registry: '0x0000000000000000000000000000000000000001', signer: '${ANCHOR_KEY}' } });
    const result = await runCli(['deploy', 'registry', '--config', file], { env: { ANCHOR_KEY: DEPLOY_KEY } });
    expect(result.code, result.stderr).toBe(0);
    const address = result.stdout.trim() as Address;
    expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const code = await chains.source.publicClient.getCode({ address });
    expect(code && code.length).toBeGreaterThan(2);
    expect(result.stdout + result.stderr).not.toContain(DEPLOY_KEY.slice(2));
  });

  it('deploys with a remote signer (eth_signTransaction without `to`), as Web3Signer and Clef answer', { timeout: 300_000 }, async () => {
    const deployer = privateKeyToAccount(DEPLOY_KEY).address;
    for (const flavour of ['web3signer', 'clef'] as const) {
      const signer = await startRemoteSigner({ key: DEPLOY_KEY, flavour });
      try {
        const file = writeConfig(`remote-${flavour}.yaml`, { anchor: { chain: 'ethereum', registry: '0x0000000000000000000000000000000000000001', signer: { remote: signer.url, address: deployer } } });
        const result = await runCli(['deploy', 'registry', '--config', file, '--json']);
        expect(result.code, result.stderr).toBe(0);
        const out = JSON.parse(result.stdout.trim()) as { address: Address; deployer: string };
        expect(out.deployer).toBe(deployer);
        expect(String(await read(out.address, 'PostmortemRegistry', 'owner')).toLowerCase()).toBe(deployer.toLowerCase());
        // the creation was signed remotely: one eth_signTransaction, without a `to`
        const signs = signer.calls.filter((c) => c.method === 'eth_signTransaction');
        expect(signs).toHaveLength(1);
        expect((signs[0]!.params[0] as Record<string, unknown>).to).toBeUndefined();
        expect(result.stdout + result.stderr).not.toContain('secret-token-abc');
      } finally {
        await signer.stop();
      }
    }
  });

  it('a remote signer that will not sign the deployment is named with what to do instead', { timeout: 300_000 }, async () => {
    const configured = privateKeyToAccount(ANVIL_KEYS[4]).address;
    // the signer holds DEPLOY_KEY, the config names another address: it refuses eth_signTransaction
    const signer = await startRemoteSigner({ key: DEPLOY_KEY });
    try {
      const file = writeConfig('remote-refuses.yaml', { anchor: { chain: 'ethereum', registry: '0x0000000000000000000000000000000000000001', signer: { remote: signer.url, address: configured } } });
      const refused = await runCli(['deploy', 'registry', '--config', file]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`cannot deploy PostmortemRegistry with the remote signer at 127.0.0.1:`);
      expect(refused.stderr).toContain(`refused eth_signTransaction: No key found for address ${configured}`);
      expect(refused.stderr).toContain('deploy with --key-env NAME');
      expect(refused.stderr).not.toContain('toLowerCase');
      expect(refused.stderr).not.toContain('looks like a bug');
      expect(refused.stderr).not.toContain('secret-token-abc');
    } finally {
      await signer.stop();
    }
    const dead = writeConfig('remote-dead.yaml', {
      anchor: { chain: 'ethereum', registry: '0x0000000000000000000000000000000000000001', signer: { remote: `http://127.0.0.1:${await freePort()}/secret-token-abc/rpc`, address: configured } },
    });
    const unreachable = await runCli(['deploy', 'registry', '--config', dead]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/is unreachable .*To deploy: start it \(or fix the URL\) and run deploy again/);
    expect(unreachable.stderr).not.toContain('secret-token-abc');
  });

  it('says what to fix without a key, with a wrong kind, or an unknown chain', { timeout: 300_000 }, async () => {
    const file = writeConfig('nokey.yaml', {});
    const noKey = await runCli(['deploy', 'governor', '--config', file, '--chain', 'ethereum']);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('--key-env');
    const wrongKind = await runCli(['deploy', 'oracle', '--config', file]);
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.stderr).toContain('governor|registry');
    const badChain = await runCli(['deploy', 'governor', '--config', file, '--chain', 'solana', '--key-env', 'DEPLOY_KEY'], { env: { DEPLOY_KEY } });
    expect(badChain.code).toBe(1);
    expect(badChain.stderr).toContain('"solana" is not one of the configured chains');
  });
});

describe('validate: voting period vs the pause it ratifies', () => {
  it('warns when votingPeriod outlasts the on-chain allowance, not when it fits', { timeout: 300_000 }, async () => {
    const fixture = await deployGovernedTarget(chains.source, { allowSeconds: 3600 });
    const extra = (votingPeriod: string) => ({
      governance: {
        snapshot: { hub: 'http://127.0.0.1:9', space: 'drill.eth', network: 'ethereum', votingPeriod },
        rollbackGovernor: { chain: 'ethereum', address: fixture.governor, signer: GUARDIAN_KEY, autoPause: [{ bridge: 'drill', minSeverity: 'S1' }] },
      },
    });
    const patch = (votingPeriod: string) => (raw: Record<string, any>) => {
      Object.assign(raw, extra(votingPeriod));
      raw.bridges[0].pausable = fixture.target;
    };
    const long = await governanceTimingIssues(configFor(chains.bridge, { patch: patch('3d') }));
    expect(long).toHaveLength(1);
    expect(long[0]!.level).toBe('warning');
    expect(long[0]!.path).toBe('governance.snapshot.votingPeriod');
    expect(long[0]!.message).toContain('outlasts');
    expect(await governanceTimingIssues(configFor(chains.bridge, { patch: patch('30m') }))).toEqual([]);

    // the same through the CLI: a warning, not an error
    const file = join(dir, 'validate.yaml');
    const raw = drillConfig({ bridge: chains.bridge, storage: 'memory://', dataDir: join(dir, 'data'), extra: extra('3d') }) as Record<string, any>;
    raw.bridges[0].pausable = fixture.target;
    writeFileSync(file, stringify(raw));
    const result = await runCli(['validate', '--config', file, '--json']);
    const out = JSON.parse(result.stdout.trim());
    expect(out.warnings.some((w: string) => w.includes('governance.snapshot.votingPeriod') && w.includes('outlasts'))).toBe(true);
  });

  it('warns about a missing allowance and an unreachable chain', { timeout: 300_000 }, async () => {
    const fixture = await deployGovernedTarget(chains.source, { allowSeconds: null });
    const config = configFor(chains.bridge, {
      patch: (raw) => {
        raw.governance = { rollbackGovernor: { chain: 'ethereum', address: fixture.governor, autoPause: [{ bridge: 'drill', minSeverity: 'S1' }] } };
        raw.bridges[0].pausable = fixture.target;
      },
    });
    const none = await governanceTimingIssues(config);
    expect(none.map((i) => i.message).join()).toContain('no allowance');
    const dead = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await governanceTimingIssues({ ...config, chains: { ...config.chains, ethereum: { ...config.chains.ethereum!, rpc: [dead] } } }, { timeoutMs: 3_000 });
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]!.message).toContain('cannot read');
    expect(unreachable[0]!.message).not.toContain(dead);
  });
});
