/**
 * Chain liveness through the real service on anvil (SPEC §3–§4): a chain whose head is older than
 * `haltedAfter` opens `chain:<name>:halted`, and a bridge into it with pending transfers meets
 * `halted` in the policy (S0); blocks again → monitoring; a chain no RPC answers for is
 * `chain:<name>:unobservable`, a different incident, and never counts as halted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.ts';
import type { Incident } from '../../src/core/types.ts';
import { DRILL_TOKENS, transferIdFor } from '../../src/drill/bridge.ts';
import { type Service, startService } from '../../src/app/service.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { waitFor } from './start-process.ts';

let chains: DrillChains;
let service: Service;

beforeAll(async () => {
  chains = await startDrillChains();
  await chains.bridge.deposit([{ id: transferIdFor('pending', 0), token: DRILL_TOKENS.usdc.address, amount: 5n * 10n ** 6n }]);
  await chains.source.mine(2);
  await chains.destination.mine(2);
  const config = configFor(chains.bridge, { patch: (raw) => {
      raw.chains.arbitrum.haltedAfter = '4s';
      raw.chains.arbitrum.unobservableAfter = '3s';
    } });
  service = await startService({ config, logger: silentLogger, listen: false, tickMs: 60_000 });
}, 240_000);

afterAll(async () => {
  await service?.stop();
  await chains?.stop();
});

const byKey = async (key: string): Promise<Incident | undefined> => (await service.engine.list({ status: 'all' })).find((i) => i.key === key);

describe('chain liveness', () => {
  it('a chain without new blocks opens chain:<name>:halted; the bridge into it meets halted (S0)', async () => {
    // anvil mines only on transactions here: after haltedAfter (4 s) the destination is halted
    const halted = await waitFor(() => byKey('chain:arbitrum:halted'), 'chain:arbitrum:halted', 90_000);
    expect(halted).toMatchObject({ severity: 'S1', status: 'investigating' });
    expect(halted.timeline[0]).toMatchObject({ kind: 'detected' });
    expect(halted.impact.chains).toEqual(['arbitrum']);
    const bridge = await waitFor(() => byKey('bridge:drill:stuck'), 'the bridge incident', 90_000);
    expect(bridge.severity).toBe('S0');
    expect(bridge.summary).toContain('arbitrum halted');
    expect(await byKey('chain:ethereum:halted')).toBeUndefined();
  }, 180_000);

  it('blocks again: the halted incident moves to monitoring', async () => {
    const id = (await byKey('chain:arbitrum:halted'))!.id;
    const mining = setInterval(() => void chains.destination.mine(1).catch(() => {}), 500);
    try {
      const monitoring = await waitFor(async () => {
        const incident = await service.engine.get(id);
        return incident?.status === 'monitoring' ? incident : undefined;
      }, 'monitoring', 90_000);
      expect(monitoring.timeline.some((e) => e.kind === 'cleared')).toBe(true);
    } finally {
      clearInterval(mining);
    }
  }, 180_000);

  it('no RPC answers: chain:<name>:unobservable, a different incident, never halted', async () => {
    const haltedId = (await byKey('chain:arbitrum:halted'))!.id;
    await chains.destination.stop();
    const blind = await waitFor(() => byKey('chain:arbitrum:unobservable'), 'chain:arbitrum:unobservable', 120_000);
    expect(blind.id).not.toBe(haltedId);
    expect(blind).toMatchObject({ severity: 'S2', source: 'monitor' });
    // unobservable is not halted: the halted incident does not come back
    await new Promise((r) => setTimeout(r, 2_000));
    const halted = (await service.engine.get(haltedId))!;
    expect(halted.status === 'monitoring' || halted.status === 'resolved').toBe(true);
    expect(halted.timeline.filter((e) => e.kind === 'recurred')).toHaveLength(0);
  }, 180_000);
});
