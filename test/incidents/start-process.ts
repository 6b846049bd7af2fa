/** `firebreak start` as a child process (as a user runs it), with helpers to wait for it and kill it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));

export interface StartedService {
  child: ChildProcess;
  url: string;
  stderr(): string;
  /** resolves with the exit code (or signal name) */
  exited: Promise<number | string | null>;
  signal(name: NodeJS.Signals): Promise<number | string | null>;
}

export { freePort } from '../../src/chain/anvil.ts';

/** Spawn `firebreak start -c <config>` and wait for its "firebreak started" log line. */
export async function startServiceProcess(configFile: string, options: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<StartedService> {
  const child = spawn(NODE, [`${ROOT}src/cli/firebreak.ts`, 'start', '-c', configFile], {
    cwd: ROOT,
    env: { ...process.env, FIREBREAK_DEBUG: '', FIREBREAK_LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout!.resume();
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`firebreak start did not start in time:\n${stderr.slice(-3000)}`));
    }, options.timeoutMs ?? 180_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /"listen":"(http:[^"]+)"[^\n]*"msg":"firebreak started"/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`firebreak start exited (${code}) before starting:\n${stderr.slice(-3000)}`));
    });
  });
  return {
    child,
    url,
    stderr: () => stderr,
    exited,
    signal(name) {
      child.kill(name);
      return exited;
    },
  };
}

/** Poll until `check` returns a value (not undefined/false), or fail after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
