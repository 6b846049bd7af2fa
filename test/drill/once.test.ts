/**
 * `firebreak drill --once` as a user runs it: a child process, one JSON line on stdout, exit 0 only
 * when every step ran. Steps whose module is not in this build are reported as `missing` (exit 3,
 * `failedStep` names the first); every step that ran must have filled its field from real state.
 * And Ctrl-C / SIGTERM leaves no anvil behind.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const HEX32 = /^0x[0-9a-f]{64}$/;

describe('firebreak drill --once', () => {
  // the drill's steps wait while the product moves (src/drill/steps.ts waitWhileMoving); these limits
  // only stop a hung child, far above a run on a busy machine
  it('runs the seed case end to end and prints the summary line', { timeout: 620_000 }, async () => {
    const result = await runCli(['drill', '--once', '--port', '0'], { timeoutMs: 600_000 });
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!) as Record<string, any>;
    for (const key of ['incident', 'severity', 'stuck', 'lockedUsd', 'messages', 'mirrorCid', 'paused', 'proposal', 'postmortemDigest', 'anchorTx', 'verified']) {
      expect(summary, key).toHaveProperty(key);
    }
    expect(summary.incident).toMatch(/^INC-\d+$/);
    expect(summary.severity).toBe('S1');
    expect(summary.stuck).toBe(37);
    expect(summary.lockedUsd).toBe(40_000);
    expect(typeof summary.paused).toBe('boolean');
    expect(typeof summary.verified).toBe('boolean');
    expect(typeof summary.messages).toBe('number');

    const steps = summary.steps as Record<string, string>;
    expect(Object.keys(steps)).toEqual(['detected', 'messages', 'mirror', 'pause', 'proposal', 'resolved', 'postmortem', 'anchor', 'verify']);
    // a module that is in the build must do its step; only absent ones may be `missing`
    for (const [step, outcome] of Object.entries(steps)) expect(['ok', 'missing'], `${step}: ${outcome}`).toContain(outcome);
    for (const step of ['detected', 'resolved', 'postmortem', 'anchor', 'verify']) expect(steps[step], step).toBe('ok');
    if (steps.messages === 'ok') expect(summary.messages).toBeGreaterThan(0);
    if (steps.mirror === 'ok') expect(summary.mirrorCid).toMatch(/^[a-zA-Z0-9]{20,}$/);
    else expect(summary.mirrorCid).toBeNull();
    expect(summary.paused).toBe(steps.pause === 'ok');
    if (steps.proposal === 'ok') expect(typeof summary.proposal).toBe('string');
    expect(summary.postmortemDigest).toMatch(HEX32);
    expect(summary.anchorTx).toMatch(HEX32);
    expect(summary.verified).toBe(true);

    const firstMissing = Object.entries(steps).find(([, o]) => o !== 'ok')?.[0] ?? null;
    expect(summary.failedStep).toBe(firstMissing);
    if (firstMissing) {
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`step "${firstMissing}"`);
    } else expect(result.code).toBe(0);
    // logs are JSON lines on stderr when not on a terminal; no private key is ever logged
    const logLines = result.stderr.split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(5);
    expect(logLines.some((l) => JSON.parse(l).step === 'verify')).toBe(true);
    expect(result.stderr).not.toMatch(/ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80|59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d/);
  });

  it('--scenario rpc-outage: the fallback carries on, exit 0', { timeout: 300_000 }, async () => {
    const result = await runCli(['drill', '--once', '--port', '0', '--scenario', 'rpc-outage'], { timeoutMs: 280_000 });
    const summary = JSON.parse(result.stdout.trim()) as Record<string, any>;
    expect(summary.scenario).toBe('rpc-outage');
    expect(summary.steps).toEqual({ outage: 'ok', fallback: 'ok', observable: 'ok', 'no-pause': 'ok' });
    expect(summary.failedStep).toBeNull();
    expect(summary.paused).toBe(false);
    expect(summary.incident).toBeNull();
    expect(result.code).toBe(0);
  });

  it('--scenario chain-halt: the halted chain is an incident, resolved and verified, exit 0', { timeout: 300_000 }, async () => {
    const result = await runCli(['drill', '--once', '--port', '0', '--scenario', 'chain-halt'], { timeoutMs: 280_000 });
    const summary = JSON.parse(result.stdout.trim()) as Record<string, any>;
    expect(summary.scenario).toBe('chain-halt');
    expect(summary.failedStep).toBeNull();
    expect(summary.incident).toMatch(/^INC-\d{4}$/);
    expect(summary.verified).toBe(true);
    // a halted chain alone never pauses the bridge (SPEC §8)
    expect(summary.paused).toBe(false);
    expect(result.code).toBe(0);
  });

  it('--scenario exploit: forged releases detected at S0, the destination releases paused, postmortem verified', { timeout: 300_000 }, async () => {
    const result = await runCli(['drill', '--once', '--port', '0', '--scenario', 'exploit'], { timeoutMs: 280_000 });
    const summary = JSON.parse(result.stdout.trim()) as Record<string, any>;
    expect(summary.scenario).toBe('exploit');
    expect(summary.failedStep).toBeNull();
    expect(summary.severity).toBe('S0');
    expect(summary.paused).toBe(true);
    // at least the first forged release ($100,000), never more than the twenty
    expect(summary.unbackedUsd).toBeGreaterThanOrEqual(100_000);
    expect(summary.unbackedUsd).toBeLessThanOrEqual(2_000_000);
    expect(summary.pausedAfterBlocks).toBeGreaterThanOrEqual(1);
    expect(summary.verified).toBe(true);
    expect(result.code).toBe(0);
  });

  it('rejects an unknown scenario in one line', async () => {
    const result = await runCli(['drill', '--scenario', 'meteor-strike', '--once']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/--scenario.*meteor-strike.*stuck-bridge, stuck-tokens, rpc-outage, chain-halt/);
  });
});

function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const child of children ? children.split(/\s+/).map(Number) : []) out.push(child, ...childPids(child));
  } catch {
    // the process is gone
  }
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
};

describe('firebreak drill (interactive)', () => {
  it('stops everything it started on SIGTERM: no anvil is left', { timeout: 240_000 }, async () => {
    const child = spawn(NODE, [`${ROOT}src/cli/firebreak.ts`, 'drill', '--port', '0', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const dashboard = new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match) resolve(match[1]!);
      });
      setTimeout(() => reject(new Error(`no dashboard line in time:\n${stderr.slice(-2000)}`)), 200_000).unref();
    });
    const url = await dashboard;
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    const spawned = childPids(child.pid!);
    const anvils = spawned.filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('anvil');
      } catch {
        return false;
      }
    });
    expect(anvils).toHaveLength(2);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    for (const pid of spawned) expect(alive(pid), `pid ${pid} left running`).toBe(false);
  });
});
