/** `firebreak discord register-commands` and `firebreak validate` (templates) through the real CLI. */
import { mkdtempSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiscordStandin, startDiscordStandin } from '../../src/drill/standins/discord.ts';
import { runCli } from '../support/cli.ts';

const BASE = `
chains:
  ethereum: { chainId: 1, rpc: "https://eth.example" }
  arbitrum: { chainId: 42161, rpc: "https://arb.example" }
bridges:
  - id: usdc-lane
    stuckAfter: 30m
    source: { chain: ethereum, address: "0x3ee18b2214aff97000d974cf647e7c347e8fa585", event: "event TokensLocked(uint64 indexed nonce, address token, uint256 amount)", fields: { id: nonce, amount: amount } }
    destination: { chain: arbitrum, address: "0x8eb8a3b98659cce290402893d0123abb75e3ab28", event: "event TokensReleased(uint64 indexed nonce)", fields: { id: nonce } }
    defaultToken: { symbol: USDC, decimals: 6, priceUsd: 1 }
`;

describe('firebreak discord / validate', () => {
  let standin: DiscordStandin;
  let dir: string;
  beforeAll(async () => {
    standin = await startDiscordStandin();
    dir = mkdtempSync(join(tmpdir(), 'firebreak-discord-cli-'));
  });
  afterAll(async () => {
    await standin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('register-commands PUTs the /incident command with its eight subcommands (rollback included) and the "Add to timeline" message command', async () => {
    const file = join(dir, 'firebreak.yaml');
    writeFileSync(file, `${BASE}discord:\n  token: "\${DISCORD_TOKEN}"\n  applicationId: "555"\n  api: "${standin.api}"\n`);
    const result = await runCli(['discord', 'register-commands', '--config', file], { env: { DISCORD_TOKEN: standin.token }, timeoutMs: 180_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('registered /incident, "Add to timeline" (message command) for application 555');
    const [command, messageCommand] = standin.commands.get('555') as Array<{ name: string; type: number; options: Array<{ name: string }> }>;
    // a message command (type 3) has a name and no description or options
    expect(messageCommand).toEqual({ name: 'Add to timeline', type: 3 });
    expect(command!.name).toBe('incident');
    expect(command!.options.map((o) => o.name)).toEqual(['status', 'declare', 'ack', 'update', 'note', 'role', 'resolve', 'rollback']);
  }, 400_000);

  it('register-commands without a token says what to set', async () => {
    const file = join(dir, 'no-token.yaml');
    writeFileSync(file, BASE);
    const result = await runCli(['discord', 'register-commands', '--config', file], { timeoutMs: 180_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('discord.token and discord.applicationId');
  }, 400_000);

  it('validate renders the templates and reports a broken one', async () => {
    const playbooks = join(dir, 'playbooks');
    cpSync(join(process.cwd(), 'playbooks'), playbooks, { recursive: true });
    const file = join(dir, 'tpl.yaml');
    writeFileSync(file, `${BASE}playbooks: ./playbooks\n`);
    expect((await runCli(['validate', '--config', file], { timeoutMs: 180_000 })).code).toBe(0);
    writeFileSync(join(playbooks, 'templates', 'update.community.md'), '# Update\n{{roles.commander}} {{no.such}}\n');
    const broken = await runCli(['validate', '--config', file], { timeoutMs: 180_000 });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('update.community.md: community template uses the internal variable {{roles.commander}}');
    expect(broken.stderr).toContain('update.community.md: unknown variable {{no.such}}');
  }, 400_000);
});
