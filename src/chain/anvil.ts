/**
 * Local chains for drills, tests and benchmarks: the anvil binary from the npm package
 * (@foundry-rs/anvil-<platform>), started on a free loopback port and stopped with its caller.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { FirebreakError } from '../core/errors.ts';

export interface AnvilOptions {
  chainId: number;
  port?: number;
  /** seconds between automatically mined blocks; omit for mine-on-transaction */
  blockTime?: number;
  /** genesis timestamp (seconds) */
  timestamp?: number;
  /** disable automatic mining entirely (blocks only via evm_mine) */
  noMining?: boolean;
  /** extra anvil arguments */
  args?: string[];
}

export interface AnvilInstance {
  chainId: number;
  port: number;
  url: string;
  wsUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The well-known anvil dev accounts' private keys (mnemonic "test test … junk"). */
export const ANVIL_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
] as const;

export function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  const platform = `@foundry-rs/anvil-${process.platform === 'win32' ? 'win32' : process.platform}-${
    process.arch === 'x64' ? 'amd64' : process.arch
  }`;
  try {
    const pkg = require.resolve(`${platform}/package.json`);
    const binary = join(dirname(pkg), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
    if (existsSync(binary)) return binary;
  } catch {
    // fall through to the error below
  }
  throw new FirebreakError(`anvil binary not found (${platform}); run npm install`, { code: 'anvil_missing' });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // a child must never outlive us, even when the caller forgot to stop it
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export async function startAnvil(options: AnvilOptions): Promise<AnvilInstance> {
  installExitHook();
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = options.port ?? (await freePort());
    const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(options.chainId), '--silent'];
    if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime));
    if (options.timestamp !== undefined) args.push('--timestamp', String(options.timestamp));
    if (options.noMining) args.push('--no-mining');
    args.push(...(options.args ?? []));
    const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const url = `http://127.0.0.1:${port}`;
    // a state file is loaded before anvil answers: about 10 s for 500k blocks
    const ready = await waitForRpc(url, child, options.args?.includes('--load-state') ? 180_000 : 15_000);
    if (ready) {
      const stop = async () => {
        running.delete(child);
        if (child.exitCode !== null || child.signalCode !== null) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        });
      };
      return { chainId: options.chainId, port, url, wsUrl: `ws://127.0.0.1:${port}`, process: child, stop };
    }
    running.delete(child);
    child.kill('SIGKILL');
    if (options.port !== undefined) {
      throw new FirebreakError(`anvil did not start on port ${port}: ${stderr.trim().split('\n').pop() ?? ''}`, {
        code: 'anvil_start',
      });
    }
  }
  throw new FirebreakError('anvil did not start after 5 attempts', { code: 'anvil_start' });
}

async function waitForRpc(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
