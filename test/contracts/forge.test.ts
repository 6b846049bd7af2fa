/**
 * The Solidity side: forge's own tests, the committed ABI artifacts against a fresh build, and the
 * governor + registry on a real anvil through the same artifacts the product deploys.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  keccak256,
  parseEventLogs,
  toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANVIL_KEYS, type AnvilInstance, startAnvil } from '../../src/chain/anvil.ts';
import {
  deployArtifact,
  DRILL_BRIDGE_SOURCE,
  loadArtifact,
  POSTMORTEM_REGISTRY,
  ROLLBACK_GOVERNOR,
} from '../../src/chain/artifacts.ts';
import { FirebreakError } from '../../src/core/errors.ts';
import { forgeBinary } from '../../contracts/tools/build-abi.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMMITTED = join(ROOT, 'contracts-abi');

function run(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

// forge test and build-abi share out/ and cache/: the tests of a file run one after the other
describe('contracts: forge', () => {
  it('forge test passes (offline, solc-js)', { timeout: 240_000 }, async () => {
    // the platform binary: the npm wrapper (node_modules/.bin/forge) always exits 0
    const { code, output } = await run(forgeBinary(), ['test'], 235_000);
    if (code !== 0) throw new Error(`forge test exited ${code}:\n${output.slice(-6000)}`);
    expect(output).toMatch(/[1-9]\d* tests passed, 0 failed/);
  });

  it('contracts-abi/ matches a fresh build (no drift)', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-abi-'));
    try {
      const { code, output } = await run(
        process.execPath,
        [join(ROOT, 'contracts', 'tools', 'build-abi.ts'), '--out', dir],
        235_000,
      );
      if (code !== 0) throw new Error(`build-abi exited ${code}:\n${output.slice(-4000)}`);
      const fresh = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
      const committed = readdirSync(COMMITTED).filter((f) => f.endsWith('.json')).sort();
      const drifted = [
        ...fresh.filter((f) => !committed.includes(f)).map((f) => `${f} (not committed)`),
        ...committed.filter((f) => !fresh.includes(f)).map((f) => `${f} (no such contract)`),
        ...fresh
          .filter((f) => committed.includes(f))
          .filter((f) => readFileSync(join(dir, f), 'utf8') !== readFileSync(join(COMMITTED, f), 'utf8'))
          .map((f) => `${f} (changed)`),
      ];
      expect(drifted, 'contracts-abi/ drifted; run: node contracts/tools/build-abi.ts').toEqual([]);
      for (const name of ['RollbackGovernor', 'PostmortemRegistry', 'DrillBridgeSource', 'DrillBridgeDestination']) {
        expect(fresh).toContain(`${name}.json`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('contracts: governor and registry on anvil', () => {
  let anvil: AnvilInstance;
  const deployer = privateKeyToAccount(ANVIL_KEYS[0]);
  const governance = privateKeyToAccount(ANVIL_KEYS[1]);
  const guardian = privateKeyToAccount(ANVIL_KEYS[2]);
  const user = privateKeyToAccount(ANVIL_KEYS[3]);

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: 31337 });
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  function clients() {
    const chain = defineChain({
      id: 31337,
      name: 'anvil',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [anvil.url] } },
    });
    const transport = http(anvil.url);
    const publicClient = createPublicClient({ chain, transport, cacheTime: 0, pollingInterval: 50 });
    const wallet = (account: typeof deployer) =>
      createWalletClient({ chain, transport, account, cacheTime: 0, pollingInterval: 50 });
    return { chain, publicClient, wallet };
  }

  it('a guardian pauses an allowed bridge through the RollbackGovernor', async () => {
    const { publicClient, wallet } = clients();
    const deployerWallet = wallet(deployer);
    const source = await deployArtifact({ walletClient: deployerWallet, publicClient, name: DRILL_BRIDGE_SOURCE });
    const governor = await deployArtifact({
      walletClient: deployerWallet,
      publicClient,
      name: ROLLBACK_GOVERNOR,
      args: [governance.address, [guardian.address]],
    });
    const sourceAbi = loadArtifact(DRILL_BRIDGE_SOURCE).abi;
    const governorAbi = loadArtifact(ROLLBACK_GOVERNOR).abi;

    async function send(account: typeof deployer, address: Address, abi: typeof sourceAbi, functionName: string, args: unknown[]) {
      const hash = await wallet(account).writeContract({ address, abi, functionName, args });
      const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      expect(receipt.status, `${functionName}`).toBe('success');
      return receipt;
    }

    // the target grants the governor its pause right; governance allows the target for 1 h
    await send(deployer, source, sourceAbi, 'setPauser', [governor, true]);
    await send(governance, governor, governorAbi, 'allow', [source, 3600n]);
    const allowance = (await publicClient.readContract({
      address: governor,
      abi: governorAbi,
      functionName: 'allowance',
      args: [source],
    })) as readonly [bigint, boolean];
    expect(allowance).toEqual([3600n, true]);

    // a deposit goes through before the pause
    await send(user, source, sourceAbi, 'deposit', ['0x000000000000000000000000000000000000beef', 10n]);

    const incidentId = keccak256(toHex('INC-2026-0042'));
    const receipt = await send(guardian, governor, governorAbi, 'pause', [source, incidentId]);
    const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });

    const events = parseEventLogs({ abi: governorAbi, logs: receipt.logs, eventName: 'Paused' });
    expect(events).toHaveLength(1);
    const paused = events[0] as unknown as {
      address: Address;
      args: { target: Address; incidentId: Hex; guardian: Address; until: bigint };
    };
    expect(paused.address.toLowerCase()).toBe(governor.toLowerCase());
    expect(paused.args.target.toLowerCase()).toBe(source.toLowerCase());
    expect(paused.args.incidentId).toBe(incidentId);
    expect(paused.args.guardian.toLowerCase()).toBe(guardian.address.toLowerCase());
    expect(paused.args.until).toBe(block.timestamp + 3600n);

    const until = (await publicClient.readContract({
      address: governor,
      abi: governorAbi,
      functionName: 'pausedUntil',
      args: [source],
    })) as bigint;
    const now = (await publicClient.getBlock()).timestamp;
    expect(until).toBe(block.timestamp + 3600n);
    expect(Number(until - now)).toBeGreaterThan(3590);
    expect(Number(until - now)).toBeLessThanOrEqual(3600);
    expect(await publicClient.readContract({ address: source, abi: sourceAbi, functionName: 'paused' })).toBe(true);

    // deposits now revert with the bridge's EnforcedPause error
    await expect(
      publicClient.simulateContract({
        address: source,
        abi: sourceAbi,
        functionName: 'deposit',
        args: ['0x000000000000000000000000000000000000beef', 10n],
        account: user,
      }),
    ).rejects.toThrow(/EnforcedPause/);

    // the allowance was consumed: a second pause needs governance again
    await expect(
      publicClient.simulateContract({
        address: governor,
        abi: governorAbi,
        functionName: 'pause',
        args: [source, incidentId],
        account: guardian,
      }),
    ).rejects.toThrow(/PauseStillActive|TargetNotAllowed/);
  });

  it('anchors a postmortem digest in the PostmortemRegistry', async () => {
    const { publicClient, wallet } = clients();
    const owner = wallet(deployer);
    const registry = await deployArtifact({ walletClient: owner, publicClient, name: POSTMORTEM_REGISTRY });
    const abi = loadArtifact(POSTMORTEM_REGISTRY).abi;
    const incidentId = keccak256(toHex('INC-2026-0042'));
    const digest = keccak256(toHex('# Postmortem\n\nblameless.\n'));
    const hash = await owner.writeContract({
      address: registry,
      abi,
      functionName: 'anchor',
      args: [incidentId, digest, 'ipfs://bafkreigh2akiscaildc'],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    expect(receipt.status).toBe('success');
    const [anchored] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'PostmortemAnchored' }) as unknown as Array<{
      args: { incidentId: Hex; digest: Hex; uri: string; submitter: Address };
    }>;
    expect(anchored?.args).toMatchObject({ incidentId, digest, uri: 'ipfs://bafkreigh2akiscaildc' });
    expect(anchored?.args.submitter.toLowerCase()).toBe(deployer.address.toLowerCase());
    expect(await publicClient.readContract({ address: registry, abi, functionName: 'digestOf', args: [incidentId] })).toBe(
      digest,
    );
    expect(await publicClient.readContract({ address: registry, abi, functionName: 'owner' })).toBe(deployer.address);

    // a stranger cannot anchor
    await expect(
      publicClient.simulateContract({
        address: registry,
        abi,
        functionName: 'anchor',
        args: [incidentId, digest, 'ipfs://x'],
        account: user,
      }),
    ).rejects.toThrow(/NotAnchorer/);
  });

  it('deployArtifact reports a reverting deployment as a FirebreakError', async () => {
    const { publicClient, wallet } = clients();
    // RollbackGovernor rejects a zero governance address in its constructor
    const attempt = deployArtifact({
      walletClient: wallet(deployer),
      publicClient,
      name: ROLLBACK_GOVERNOR,
      args: ['0x0000000000000000000000000000000000000000', []],
    });
    await expect(attempt).rejects.toBeInstanceOf(FirebreakError);
    await expect(attempt).rejects.toThrow(/deploying RollbackGovernor failed/);
  });
});
