/**
 * Fault injection, a chain's only RPC goes away mid-run (503s, then connection refused) under a
 * running service that has the seed incident open. Blindness is reported as blindness: a
 * `chain:<name>:unobservable` incident (S2), never `halted`, never a pause, and the bridge incident
 * is not cleared for lack of news. When the RPC comes back the unobservable incident clears (and
 * resolves after the quiet period), and what happened on the chain meanwhile is read: nothing lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Incident } from '../../src/core/types.ts';
import { SEED, seedStuckBridge } from '../../src/drill/seed.ts';
import { listOutbox } from '../../src/store/outbox.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { held, type OutageGate, startOutageGate } from '../support/faults.ts';
import { until } from '../support/wait.ts';

const CONFIRMATIONS = 2;

describe('fault: a chain RPC gone mid-run', () => {
  let chains: DrillChains;
  let gate: OutageGate;
  let service: Service;
  let stuckIds: `0x${string}`[];
  // the engine's clock: moved past the quiet period at the end
  let offsetMs = 0;

  beforeAll(async () => {
    chains = await startDrillChains();
    stuckIds = (await seedStuckBridge(chains.bridge, CONFIRMATIONS)).stuck.map((t) => t.id);
    gate = await startOutageGate(chains.destination.anvil.url);
    const config = configFor(chains.bridge, {
      confirmations: CONFIRMATIONS,
      patch: (raw) => {
        raw.chains.arbitrum.rpc = [gate.url];
        // SPEC §2: unobservable after this long without an RPC answer (default 2m)
        raw.chains.arbitrum.unobservableAfter = '3s';
      },
    });
    service = await startService({ config, logger: silentLogger, listen: false, tickMs: 3_600_000, now: () => new Date(Date.now() + offsetMs) });
  }, 180_000);
  afterAll(async () => {
    await service?.stop();
    await gate?.close();
    await chains?.stop();
  });

  async function byKey(key: string): Promise<Incident | undefined> {
    return (await service.engine.list({ status: 'all', limit: 100 })).find((i) => i.key === key);
  }

  it('unobservable while the RPC is gone (never halted, never a pause), cleared when it is back, nothing lost', async () => {
    const seed = await until('the seed incident', async () => {
      const incident = await byKey('bridge:drill:stuck');
      return incident?.impact.stuckTransfers === SEED.stuck ? incident : undefined;
    });

    // the RPC answers 503…
    await gate.set('5xx');
    const blind = await until('chain:arbitrum:unobservable', async () => {
      const incident = await byKey('chain:arbitrum:unobservable');
      return incident && incident.status !== 'resolved' ? incident : undefined;
    });
    expect(blind.severity).toBe('S2');
    // …then refuses connections; meanwhile a stuck transfer is finalized on the (unseen) chain
    await gate.set('refused');
    await chains.bridge.finalize([stuckIds[0]!]);
    await chains.destination.mine(CONFIRMATIONS + 1);
    const arbitrum = () => service.watch.chains().find((c) => c.name === 'arbitrum')!;
    for (let sample = 0; sample < 10; sample++) {
      expect(arbitrum().unobservableSince).not.toBeNull();
      expect(arbitrum().halted).toBe(false);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(await byKey('chain:arbitrum:halted')).toBeUndefined();
    // the bridge incident is neither cleared nor lowered for lack of news
    const during = (await byKey('bridge:drill:stuck'))!;
    expect(during.id).toBe(seed.id);
    expect(during.clearedAt).toBeNull();
    expect(during.impact.stuckTransfers).toBe(SEED.stuck);
    // blind is not halted: the bridge is not raised to S0 (whose threshold is a halted destination)
    expect(during.severity).toBe('S1');
    expect(service.watch.judgements().find((j) => j.id === 'drill')!.destinationHalted).toBe(false);

    // the RPC is back: observable again, the incident clears, the finalization made meanwhile is read
    await gate.set('up');
    const cleared = await until('the unobservable incident cleared', async () => {
      const incident = await byKey('chain:arbitrum:unobservable');
      return incident?.clearedAt ? incident : undefined;
    });
    expect(cleared.id).toBe(blind.id);
    expect(cleared.status).toBe('monitoring');
    expect(arbitrum().unobservableSince).toBeNull();
    await until('the finalization made during the outage read', async () => (await byKey('bridge:drill:stuck'))?.impact.stuckTransfers === SEED.stuck - 1);

    // after the quiet period it resolves
    offsetMs += service.config.playbooks.quietPeriodMs + 60_000;
    await service.engine.tick();
    expect((await byKey('chain:arbitrum:unobservable'))!.status).toBe('resolved');

    // never a pause, never halted: no transaction queued, no halted incident
    expect(await byKey('chain:arbitrum:halted')).toBeUndefined();
    const transactions = (await listOutbox(service.store.db, { limit: 1000 })).filter((r) => r.channel.startsWith('governor:') || r.kind.includes('pause'));
    expect(transactions).toHaveLength(0);
    expect((await service.engine.list({ status: 'all', limit: 100 })).filter((i) => i.key.startsWith('chain:arbitrum:unobservable'))).toHaveLength(1);
    held(
      'the destination chain\'s only RPC gone mid-run (503, then connection refused) with the seed incident open',
      'chain:arbitrum:unobservable (S2) opened, never halted, no pause queued, the bridge incident kept at 37 stuck / S1 (not raised as if halted); when back: cleared → resolved after the quiet period, the finalization made meanwhile read (36 stuck)',
    );
  }, 300_000);
});
