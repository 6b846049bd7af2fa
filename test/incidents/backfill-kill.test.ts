/**
 * `firebreak start` as a process, with a bridge added next to the seed bridge whose 500k-block
 * history must be backfilled through a hosted provider's 2,000-block cap on both chains: the seed
 * incident opens while the backfill runs, the backfill shows its progress in /healthz, and after
 * `kill -9` mid-backfill the next process resumes within one commit interval of where the first
 * stopped (not at fromBlock).
 *
 * The chains start on a 500k-block history loaded from a state file (test/support/long-history.ts:
 * anvil cannot mine that many blocks here in reasonable time); the bridge is deployed on top.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.ts';
import type { Incident } from '../../src/core/types.ts';
import { drillConfig } from '../../src/drill/bridge.ts';
import { SEED, seedStuckBridge } from '../../src/drill/seed.ts';
import { getCheckpoints } from '../../src/store/checkpoints.ts';
import { createStore } from '../../src/store/store.ts';
import type { BackfillView } from '../../src/watchers/service.ts';
import { type DrillChains, startDrillChains } from '../support/drill.ts';
import { type HostedProvider, startHostedProvider } from '../support/hosted-provider.ts';
import { writeLongHistory } from '../support/long-history.ts';
import { freePort, type StartedService, startServiceProcess, waitFor } from './start-process.ts';

const TOKEN = 'backfill-kill-token-0123';
/** blocks of history under the bridge, read through a 2,000-block cap: 250 ranges per chain */
const HISTORY = 500_000;
const BLOCK_CAP = 2_000;
/** FIREBREAK_COMMIT_EVERY_RANGES for the process: the book commits every 10 held ranges */
const COMMIT_RANGES = 10;

let chains: DrillChains;
let dir: string;
let configFile: string;
const proxies: HostedProvider[] = [];
let running: StartedService | undefined;

async function healthz(base: string): Promise<{ backfill: BackfillView[] }> {
  return (await (await fetch(`${base}/healthz`)).json()) as { backfill: BackfillView[] };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-backfill-kill-'));
  const history = join(dir, 'history.json');
  await writeLongHistory(history, { blocks: HISTORY });
  chains = await startDrillChains({ anvilArgs: ['--load-state', history] });
  rmSync(history);
  const recent = {
    source: Number(await chains.source.publicClient.getBlockNumber({ cacheTime: 0 })),
    destination: Number(await chains.destination.publicClient.getBlockNumber({ cacheTime: 0 })),
  };
  await seedStuckBridge(chains.bridge, 2);
  expect(recent.source).toBeGreaterThan(HISTORY);
  proxies.push(
    await startHostedProvider(chains.source.anvil.url, { maxBlockRange: BLOCK_CAP }),
    await startHostedProvider(chains.destination.anvil.url, { maxBlockRange: BLOCK_CAP }),
  );
  const raw = drillConfig({
    bridge: chains.bridge,
    storage: `pglite://${join(dir, 'db')}`,
    dataDir: dir,
    extra: {
      server: { host: '127.0.0.1', port: await freePort(), apiTokens: [{ name: 'ops', token: TOKEN, scope: 'write' }] },
      ipfs: { enabled: false },
    },
  }) as Record<string, any>;
  raw.chains.ethereum.rpc = [proxies[0]!.url];
  raw.chains.arbitrum.rpc = [proxies[1]!.url];
  const seed = raw.bridges[0];
  seed.source.fromBlock = recent.source;
  seed.destination.fromBlock = recent.destination;
  raw.bridges.push({ ...seed, id: 'history', name: 'History', source: { ...seed.source, fromBlock: 0 }, destination: { ...seed.destination, fromBlock: 0 } });
  configFile = join(dir, 'firebreak.yaml');
  writeFileSync(configFile, stringify(raw));
}, 600_000);

afterAll(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) await running.signal('SIGKILL');
  for (const proxy of proxies) await proxy.close();
  await chains?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 mid-backfill', () => {
  it('the seed incident opens during the backfill; a restart resumes within one commit interval', async () => {
    const env = { FIREBREAK_COMMIT_EVERY_RANGES: String(COMMIT_RANGES) };
    running = await startServiceProcess(configFile, { env });
    const first = running.url;
    const incident = await waitFor(async () => {
      const response = await fetch(`${first}/api/incidents?status=open`, { headers: { authorization: `Bearer ${TOKEN}` } });
      return ((await response.json()) as Incident[]).find((i) => i.key === 'bridge:drill:stuck');
    }, 'the seed incident', 240_000);
    expect(incident.impact).toMatchObject({ stuckTransfers: SEED.stuck, lockedUsd: SEED.lockedUsd });
    expect(incident.impact.bridges).toEqual(['drill']);
    // mid-backfill: progress visible in /healthz, then kill -9
    const seen = await waitFor(async () => {
      const view = (await healthz(first)).backfill.find((b) => b.source === 'bridge:history:source');
      return view && view.blocksDone > 2 * COMMIT_RANGES * BLOCK_CAP && view.blocksRemaining > 0 && view.etaSeconds !== null ? view : undefined;
    }, 'the history backfill under way', 240_000);
    expect(seen.percent).toBeGreaterThan(0);
    expect(seen.percent).toBeLessThan(100);
    expect(seen.blocksTotal).toBeGreaterThan(HISTORY);
    expect(seen.etaSeconds).toBeGreaterThan(0);
    expect(seen.following).toBe(false);
    await running.signal('SIGKILL');

    const store = await createStore({ kind: 'pglite', url: join(dir, 'db') }, silentLogger);
    let stored: number;
    try {
      stored = (await getCheckpoints(store.db, seen.chain)).find((c) => c.source === 'bridge:history:source')!.blockNumber;
    } finally {
      await store.close();
    }
    // within one commit interval (COMMIT_RANGES ranges of at most BLOCK_CAP blocks) of where it was seen
    expect(stored).toBeGreaterThanOrEqual(seen.doneBlock - COMMIT_RANGES * BLOCK_CAP);
    expect(stored).toBeGreaterThan(0);

    running = await startServiceProcess(configFile, { env });
    const second = running.url;
    const resumed = await waitFor(async () => (await healthz(second)).backfill.find((b) => b.source === 'bridge:history:source'), 'progress after restart', 120_000);
    expect(resumed.doneBlock).toBeGreaterThanOrEqual(stored);
    // and it goes on from there through the provider's cap
    const moving = await waitFor(async () => {
      const view = (await healthz(second)).backfill.find((b) => b.source === 'bridge:history:source');
      return view && view.doneBlock >= stored + 5 * BLOCK_CAP ? view : undefined;
    }, 'the backfill moving on after the restart', 120_000);
    expect(moving.blocksTotal).toBe(seen.blocksTotal);
    console.log(`FAULT kill -9 mid-backfill (seen at block ${seen.doneBlock}, ${seen.percent}%) -> held: checkpoint ${stored} committed, the restart resumed at ${resumed.doneBlock} (not at fromBlock 0)`);
    await running.signal('SIGTERM');
  }, 900_000);
});
