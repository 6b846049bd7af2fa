/**
 * Kill the service with SIGKILL mid-incident and start it again on the same PGlite directory: the
 * same incidents, timelines and pending cadence come back, and nothing is detected twice.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/types.ts';
import { drillConfig } from '../../src/drill/bridge.ts';
import { SEED, seedStuckBridge } from '../../src/drill/seed.ts';
import { type DrillChains, startDrillChains } from '../support/drill.ts';
import { freePort, type StartedService, startServiceProcess, waitFor } from './start-process.ts';

const TOKEN = 'restart-write-token-0123';
let chains: DrillChains;
let dir: string;
let configFile: string;
let running: StartedService | undefined;

async function api<T>(base: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

beforeAll(async () => {
  chains = await startDrillChains();
  await seedStuckBridge(chains.bridge, 2);
  dir = mkdtempSync(join(tmpdir(), 'firebreak-restart-'));
  const raw = drillConfig({
    bridge: chains.bridge,
    storage: `pglite://${join(dir, 'db')}`,
    dataDir: dir,
    extra: {
      server: { host: '127.0.0.1', port: await freePort(), apiTokens: [{ name: 'ops', token: TOKEN, scope: 'write' }] },
      // the IPFS mirror is not what this test is about (and its default port is shared by every test)
      ipfs: { enabled: false },
    },
  });
  configFile = join(dir, 'firebreak.yaml');
  writeFileSync(configFile, stringify(raw));
}, 240_000);

afterAll(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) await running.signal('SIGKILL');
  await chains?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('SIGKILL and restart', () => {
  it('keeps incidents, timelines and the pending cadence; detects nothing twice', async () => {
    running = await startServiceProcess(configFile);
    const first = running.url;
    const detected = await waitFor(
      async () => (await api<Incident[]>(first, '/api/incidents?status=open')).find((i) => i.key === 'bridge:drill:stuck'),
      'the stuck-bridge incident',
      120_000,
    );
    expect(detected.impact).toMatchObject({ stuckTransfers: SEED.stuck, lockedUsd: SEED.lockedUsd });
    // people work the incident: their entries must survive too
    await api(first, `/api/incidents/${detected.id}/roles`, { method: 'POST', body: JSON.stringify({ role: 'commander', who: 'alice' }) });
    await api(first, `/api/incidents/${detected.id}/updates`, { method: 'POST', body: JSON.stringify({ status: 'identified', message: 'Relayer is down' }) });
    const declared = await api<Incident>(first, '/api/incidents', { method: 'POST', body: JSON.stringify({ title: 'Second issue', severity: 'S2' }) });
    const before = await api<Incident>(first, `/api/incidents/${detected.id}`);
    expect(before.nextUpdateDue).not.toBeNull();

    expect(await running.signal('SIGKILL')).toBe('SIGKILL');
    // the pid file of the dead process stays behind; the next start sees it is stale
    expect(existsSync(join(dir, 'db.pid'))).toBe(true);

    running = await startServiceProcess(configFile);
    const second = running.url;
    // let the watchers read both chains and judge the bridge again after the restart
    await waitFor(async () => {
      const bridges = await api<Array<{ id: string; stuck: number }>>(second, '/api/bridges');
      return bridges.find((b) => b.id === 'drill' && b.stuck === SEED.stuck);
    }, 'a fresh judgement of the bridge', 120_000);
    await new Promise((r) => setTimeout(r, 1_000));

    const all = await api<Incident[]>(second, '/api/incidents?status=all');
    expect(all.filter((i) => i.key === 'bridge:drill:stuck')).toHaveLength(1);
    expect(all.map((i) => i.id).sort()).toEqual([detected.id, declared.id].sort());
    const after = await api<Incident>(second, `/api/incidents/${detected.id}`);
    expect(after.timeline.slice(0, before.timeline.length)).toEqual(before.timeline);
    expect(after.timeline.filter((e) => e.kind === 'detected')).toHaveLength(1);
    expect(after).toMatchObject({
      status: 'identified',
      severity: before.severity,
      nextUpdateDue: before.nextUpdateDue,
      roles: { commander: 'alice' },
      impact: { stuckTransfers: SEED.stuck, lockedUsd: SEED.lockedUsd },
    });
    expect(after.escalation).toEqual(before.escalation);
    // numbering goes on after the restart (no id reused)
    const third = await api<Incident>(second, '/api/incidents', { method: 'POST', body: JSON.stringify({ title: 'Third', severity: 'S3' }) });
    expect(third.id > declared.id).toBe(true);

    expect(await running.signal('SIGTERM')).toBe(0);
  }, 400_000);
});
