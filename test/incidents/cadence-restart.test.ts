/**
 * The cadence is state, not a timer: an update that fell due while the service was down is posted
 * once after the restart (with the live figures), and the next one is scheduled from then.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.ts';
import { SEED, seedStuckBridge } from '../../src/drill/seed.ts';
import { type Service, startService } from '../../src/app/service.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { waitFor } from './start-process.ts';

const MIN = 60_000;
let chains: DrillChains;
let dir: string;
let service: Service | undefined;
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);

beforeAll(async () => {
  chains = await startDrillChains();
  await seedStuckBridge(chains.bridge, 2);
  dir = mkdtempSync(join(tmpdir(), 'firebreak-cadence-'));
}, 240_000);

afterAll(async () => {
  await service?.stop();
  await chains?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const start = () =>
  startService({
    config: configFor(chains.bridge, { storage: `pglite://${join(dir, 'db')}`, dataDir: dir }),
    logger: silentLogger,
    listen: false,
    now: clock,
    tickMs: 3_600_000,
  });

describe('cadence across a restart', () => {
  it('posts the update that fell due while the service was down, once', async () => {
    service = await start();
    const opened = await waitFor(async () => (await service!.engine.list({ status: 'open' })).find((i) => i.key === 'bridge:drill:stuck'), 'the incident', 90_000);
    expect(opened.severity).toBe('S1');
    const due = Date.parse(opened.nextUpdateDue!);
    await service.stop();
    service = undefined;

    offsetMs = due - Date.now() + 5 * MIN; // down past the due time (S1: 30 min)
    service = await start();
    await service.engine.tick();
    const after = (await service.engine.get(opened.id))!;
    const automatic = after.timeline.filter((e) => e.kind === 'update' && e.actor === 'firebreak');
    expect(automatic).toHaveLength(1);
    expect(automatic[0]!.text).toContain(`${SEED.stuck} transfers stuck`);
    expect(Date.parse(after.nextUpdateDue!)).toBeGreaterThan(clock().getTime() + 29 * MIN);
    await service.engine.tick();
    expect((await service.engine.get(opened.id))!.timeline.filter((e) => e.kind === 'update' && e.actor === 'firebreak')).toHaveLength(1);
    expect((await service.engine.list({ status: 'all' })).filter((i) => i.key === 'bridge:drill:stuck')).toHaveLength(1);
  }, 240_000);
});
