/**
 * A newcomer's first run, with the real CLI: `firebreak init` for Across from Ethereum to Arbitrum,
 * the environment variables it names, `validate --online`, then `scan` — against two anvil chains
 * that carry the chain ids of Ethereum and Arbitrum and the Across SpokePool event emitter at the
 * SpokePools' mainnet addresses (what init writes).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployArtifact, loadArtifact } from '../../src/chain/artifacts.ts';
import { type LocalChain, startLocalChain } from '../../src/drill/chains.ts';
import { runCli } from '../support/cli.ts';

const SPOKE_ETHEREUM = '0x5c7BCd6E7De5423a257D81B442095A1a6ced35C5';
const SPOKE_ARBITRUM = '0xe35e9842fceaCA96570B734083f4a58e8F7C5f2A';
const USDC = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';

let eth: LocalChain;
let arb: LocalChain;
let dir: string;

async function emitterAt(chain: LocalChain, address: Address): Promise<void> {
  const deployed = await deployArtifact({ name: 'AcrossEmitter', walletClient: chain.walletClient, publicClient: chain.publicClient, args: [] });
  const code = await chain.publicClient.getCode({ address: deployed });
  await chain.testClient.setCode({ address, bytecode: code! });
}

async function call(chain: LocalChain, functionName: string, args: unknown[], address: Address) {
  const hash = await chain.walletClient.writeContract({ address, abi: loadArtifact('AcrossEmitter').abi, functionName, args, chain: chain.chain, account: chain.walletClient.account });
  await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
}

beforeAll(async () => {
  [eth, arb] = await Promise.all([startLocalChain({ name: 'ethereum', chainId: 1 }), startLocalChain({ name: 'arbitrum', chainId: 42161 })]);
  await Promise.all([emitterAt(eth, SPOKE_ETHEREUM), emitterAt(arb, SPOKE_ARBITRUM)]);
  await call(eth, 'deposit', [USDC, 1_000_000_000n, 42161n, 1n, 0xffffffff], SPOKE_ETHEREUM);
  await call(eth, 'deposit', [USDC, 2_000_000_000n, 42161n, 2n, 0xffffffff], SPOKE_ETHEREUM);
  await call(arb, 'fill', [1n, 1n], SPOKE_ARBITRUM);
  await eth.advance(2 * 3600);
  await Promise.all([eth.mine(3), arb.mine(3)]);
  dir = mkdtempSync(join(tmpdir(), 'firebreak-init-'));
}, 120_000);

afterAll(async () => {
  await Promise.all([eth?.stop(), arb?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('firebreak init → validate --online → scan', () => {
  it('works as a newcomer would do it', { timeout: 180_000 }, async () => {
    const file = join(dir, 'firebreak.yaml');
    const init = await runCli(['init', '--preset', 'across-v3', '--from', 'ethereum', '--to', 'arbitrum', '--config', file]);
    expect(init.code, init.stderr).toBe(0);
    const yaml = readFileSync(file, 'utf8');
    expect(yaml).toContain(`address: "${SPOKE_ETHEREUM.toLowerCase()}"`);
    expect(yaml).toContain(`address: "${SPOKE_ARBITRUM.toLowerCase()}"`);
    expect(yaml).toContain('preset: across-v3');
    for (const name of ['ETHEREUM_RPC_URL', 'ARBITRUM_RPC_URL', 'ETHEREUM_FROM_BLOCK', 'ARBITRUM_FROM_BLOCK']) expect(init.stderr).toContain(name);

    // never overwrites
    const again = await runCli(['init', '--preset', 'cctp-v1', '--from', 'ethereum', '--to', 'arbitrum', '--config', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    expect(readFileSync(file, 'utf8')).toBe(yaml);

    const env = { ETHEREUM_RPC_URL: eth.anvil.url, ARBITRUM_RPC_URL: arb.anvil.url, ETHEREUM_FROM_BLOCK: '0', ARBITRUM_FROM_BLOCK: '0' };
    const validate = await runCli(['validate', '--online', '--config', file], { env });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/ok \(2 chains, 1 bridges/);
    expect(validate.stderr).not.toMatch(/no contract|no across-v3/);

    const scan = await runCli(['scan', '--json', '--config', file], { env, timeoutMs: 120_000 });
    expect(scan.code, scan.stderr).toBe(0);
    const result = JSON.parse(scan.stdout);
    expect(result.bridges[0]).toMatchObject({ id: 'across-v3-ethereum-arbitrum', pending: 1, stuck: 1, lockedUsd: 2000, unpriced: 0 });
    expect(result.bridges[0].transfers[0]).toMatchObject({ id: '1:2', symbol: 'USDC', amount: '2000000000' });
  });

  it('validate --online warns (does not fail) when a side has no code or no recent events', { timeout: 120_000 }, async () => {
    const file = join(dir, 'cctp.yaml');
    const init = await runCli(['init', '--preset', 'cctp-v1', '--from', 'ethereum', '--to', 'arbitrum', '--config', file]);
    expect(init.code, init.stderr).toBe(0);
    // CCTP's V1 Arbitrum contracts are not in Circle's repository: init leaves a TODO
    expect(readFileSync(file, 'utf8')).toMatch(/TODO: the destination contract on arbitrum/);
    const env = { ETHEREUM_RPC_URL: eth.anvil.url, ARBITRUM_RPC_URL: arb.anvil.url, ETHEREUM_FROM_BLOCK: '0', ARBITRUM_FROM_BLOCK: '0' };
    const validate = await runCli(['validate', '--online', '--config', file], { env });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stderr).toMatch(/warning: bridges\[0\]\.source: no contract at 0xbd3fa81b58ba92a82136038b25adec7066af3155 on ethereum/);
    expect(validate.stderr).toMatch(/warning: bridges\[0\]\.destination: no contract at 0x0000000000000000000000000000000000000000 on arbitrum/);
  });

  it('without a terminal, missing flags are an error naming them; unknown names are refused', async () => {
    const missing = await runCli(['init', '--preset', 'across-v3', '--config', join(dir, 'x.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/missing --from, --to/);
    const unknown = await runCli(['init', '--preset', 'acros', '--from', 'ethereum', '--to', 'arbitrum', '--config', join(dir, 'y.yaml')]);
    expect(unknown.stderr).toMatch(/"acros" is not a preset/);
    expect(existsSync(join(dir, 'y.yaml'))).toBe(false);
  });
});
