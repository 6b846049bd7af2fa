/** `firebreak telegram set-webhook <url>` through the real CLI against the Telegram stand-in. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { type TelegramStandin, startTelegramStandin } from '../support/telegram-standin.ts';

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

describe('firebreak telegram set-webhook', () => {
  let standin: TelegramStandin;
  let dir: string;
  beforeAll(async () => {
    standin = await startTelegramStandin();
    dir = mkdtempSync(join(tmpdir(), 'firebreak-telegram-cli-'));
  });
  afterAll(async () => {
    await standin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('points the webhook at <url>/webhooks/telegram with the secret, through apiRoot', async () => {
    const file = join(dir, 'firebreak.yaml');
    writeFileSync(file, `${BASE}telegram:\n  token: "\${TELEGRAM_TOKEN}"\n  webhookSecret: "\${TG_SECRET}"\n  apiRoot: "${standin.apiRoot}"\n`);
    const env = { TELEGRAM_TOKEN: standin.token, TG_SECRET: 'a-long-webhook-secret' };
    const result = await runCli(['telegram', 'set-webhook', 'https://ops.example.org/', '--config', file], { env, timeoutMs: 180_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('webhook set: https://ops.example.org/webhooks/telegram (updates carry telegram.webhookSecret)\n');
    expect(standin.webhooks).toHaveLength(1);
    expect(standin.webhooks[0]).toMatchObject({ url: 'https://ops.example.org/webhooks/telegram', secret_token: 'a-long-webhook-secret', allowed_updates: ['message'] });
    // the token never shows, whatever happens
    expect(result.stdout + result.stderr).not.toContain(standin.token);

    const plain = await runCli(['telegram', 'set-webhook', 'http://ops.example.org', '--config', file], { env, timeoutMs: 180_000 });
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toContain('Telegram only calls https:// webhooks');
    expect(standin.webhooks).toHaveLength(1);
  }, 400_000);

  it('without a secret it says what to set, and sends nothing', async () => {
    const file = join(dir, 'no-secret.yaml');
    writeFileSync(file, `${BASE}telegram:\n  token: "x:y"\n  apiRoot: "${standin.apiRoot}"\n`);
    const result = await runCli(['telegram', 'set-webhook', 'https://ops.example.org', '--config', file], { timeoutMs: 180_000 });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('telegram.webhookSecret');
    const usage = await runCli(['telegram', 'set-webhook', '--config', file], { timeoutMs: 180_000 });
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toContain('usage: firebreak telegram set-webhook <url>');
  }, 400_000);
});
