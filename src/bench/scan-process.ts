/**
 * Ours as a user runs it: `firebreak scan --json` as its own process with a config file and the
 * default embedded store in a fresh directory, timed from spawn to the result on stdout. This is
 * the figure set against the peer (which is timed the same way).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { FirebreakError } from '../core/errors.ts';
import { drillConfig, type DrillBridge } from '../drill/bridge.ts';

export interface ScanProcessResult {
  seconds: number;
  pendingFound: number;
}

const CLI = fileURLToPath(new URL('../cli/firebreak.ts', import.meta.url));

export async function timeScanProcess(bridge: DrillBridge, timeoutMs = 600_000): Promise<ScanProcessResult> {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-scan-'));
  try {
    const raw = drillConfig({ bridge, storage: `pglite://${join(dir, 'db')}`, dataDir: dir, confirmations: 0 });
    writeFileSync(join(dir, 'firebreak.yaml'), stringify(raw));
    const started = performance.now();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'scan', '--json', '--config', join(dir, 'firebreak.yaml')], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, FIREBREAK_LOG_LEVEL: 'warn' },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve({ code: exitCode, stdout: out, stderr: err });
      });
    });
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new FirebreakError(`firebreak scan exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`, { code: 'bench_scan' });
    const result = JSON.parse(stdout) as { bridges: Array<{ judged: boolean; pending?: number }> };
    return { seconds, pendingFound: result.bridges[0]?.pending ?? -1 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
