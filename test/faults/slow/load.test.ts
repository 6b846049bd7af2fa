/**
 * Fault injection (slow suite): load. 2,000 bridges × 50 pending transfers and 100 open
 * incidents on one service: every bridge is still judged, and when the clock passes the update
 * cadence every open incident gets its scheduled update. How fast is a benchmark figure, not a
 * test: here we only check that the work gets done.
 */
import { keccak256, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../../src/app/service.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { insertDeposits, type DepositRow } from '../../../src/store/transfers.ts';
import { configFor, type DrillChains, startDrillChains } from '../../support/drill.ts';
import { held } from '../../support/faults.ts';
import { until } from '../../support/wait.ts';

const BRIDGES = 2_000;
const PENDING = 50;
const INCIDENTS = 100;

const address = (seed: string) => `0x${keccak256(toHex(seed)).slice(26)}`;

describe('fault: load of 2,000 bridges and 100 open incidents', () => {
  let chains: DrillChains;
  let service: Service | undefined;
  let offsetMs = 0;

  beforeAll(async () => {
    chains = await startDrillChains();
  });
  afterAll(async () => {
    await service?.stop();
    await chains?.stop();
  });

  it('judges every bridge and keeps the update cadence of every open incident', async () => {
    const config = configFor(chains.bridge, {
      storage: 'memory://',
      patch: (raw) => {
        const template = raw.bridges[0];
        raw.bridges = Array.from({ length: BRIDGES }, (_, i) => ({
          ...template,
          id: `load-${i}`,
          name: `Load bridge ${i}`,
          source: { ...template.source, address: address(`src-${i}`) },
          destination: { ...template.destination, address: address(`dst-${i}`) },
          pausable: undefined,
        }));
      },
    });
    const now = () => new Date(Date.now() + offsetMs);
    service = await startService({ config, logger: silentLogger, listen: false, now, tickMs: 1_000 });

    // 50 pending (recent, not stuck) transfers per bridge, straight into the store
    const chainNow = Math.floor(Date.now() / 1000);
    const rows: DepositRow[] = [];
    for (let b = 0; b < BRIDGES; b++) {
      for (let t = 0; t < PENDING; t++) {
        const id = keccak256(toHex(`load-${b}-${t}`));
        rows.push({
          bridge: `load-${b}`,
          transferKey: id,
          transferId: id,
          blockNumber: 1,
          blockTimestamp: chainNow,
          txHash: id,
          logIndex: t,
          token: null,
          amount: 10n ** 18n,
        });
      }
    }
    await insertDeposits(service.store.db, rows);

    const declared = [];
    for (let i = 0; i < INCIDENTS; i++) declared.push(await service.engine.declare({ title: `Load incident ${i}`, severity: 'S1' }, 'load-test'));

    const t0 = Date.now();
    await until('every bridge judged with its 50 pending transfers', async () => {
      const judgements = service!.watch.judgements();
      return judgements.length === BRIDGES && judgements.every((j) => j.pending === PENDING);
    }, 300_000);

    const judgedMs = Date.now() - t0;
    // half an hour passes: every S1 incident is due its update
    offsetMs = 31 * 60_000;
    const t1 = Date.now();
    await until('a scheduled update on every open incident', async () => {
      const open = await service!.engine.list({ status: 'open', limit: 1000 });
      const updated = open.filter((incident) => incident.timeline.some((entry) => entry.kind === 'update'));
      return updated.length >= INCIDENTS;
    }, 300_000);
    const cadenceMs = Date.now() - t1;
    const open = await service.engine.list({ status: 'open', limit: 1000 });
    for (const incident of open) expect(new Date(incident.nextUpdateDue!).getTime()).toBeGreaterThan(now().getTime());
    expect(open).toHaveLength(INCIDENTS);
    held(`load: ${BRIDGES} bridges × ${PENDING} pending, ${INCIDENTS} open incidents`, `every bridge judged (${Math.round(judgedMs / 1000)} s after start); all 100 scheduled updates produced ${Math.round(cadenceMs / 1000)} s after they fell due`);
  }, 420_000);
});
