/**
 * The incident engine against real chains (anvil) through the real service: the seed case opens
 * one S1 incident with the right impact; a worse reading raises the same incident to S0; finalizing
 * every transfer moves it to monitoring, and the quiet period (on the engine's clock) resolves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { ANVIL_KEYS } from '../../src/chain/anvil.ts';
import { loadArtifact } from '../../src/chain/artifacts.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Incident } from '../../src/core/types.ts';
import { DRILL_TOKENS, transferIdFor } from '../../src/drill/bridge.ts';
import { SEED, finalizeAll, seedStuckBridge, type SeededTraffic } from '../../src/drill/seed.ts';
import { type Service, startService } from '../../src/app/service.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { waitFor } from './start-process.ts';

const MIN = 60_000;
const NEW_OWNER = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
let chains: DrillChains;
let service: Service;
let traffic: SeededTraffic;
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);

beforeAll(async () => {
  chains = await startDrillChains();
  traffic = await seedStuckBridge(chains.bridge, 2);
  // "what changed": the bridge's owner paused, unpaused and handed ownership over shortly before
  const { walletClient, publicClient } = chains.source;
  const abi = loadArtifact('DrillBridgeSource').abi;
  for (const [functionName, args] of [['pause', []], ['unpause', []], ['transferOwnership', [NEW_OWNER]]] as const) {
    const hash = await walletClient.writeContract({ address: chains.bridge.sourceAddress, abi, functionName, args: [...args] });
    await publicClient.waitForTransactionReceipt({ hash });
  }
  await chains.source.mine(2);
  service = await startService({ config: configFor(chains.bridge), logger: silentLogger, listen: false, now: clock, tickMs: 60_000 });
}, 240_000);

afterAll(async () => {
  await service?.stop();
  await chains?.stop();
});

const bridgeIncidents = async () => (await service.engine.list({ status: 'all' })).filter((i) => i.key === 'bridge:drill:stuck');

describe('the seed case on anvil', () => {
  let first: Incident;

  it('opens one S1 incident with the right impact and a detected entry', async () => {
    first = await waitFor(async () => (await bridgeIncidents())[0], 'the stuck-bridge incident', 90_000);
    expect(first).toMatchObject({ severity: 'S1', status: 'investigating', source: 'watcher' });
    expect(first.impact).toMatchObject({ stuckTransfers: SEED.stuck, lockedUsd: SEED.lockedUsd, bridges: ['drill'] });
    expect(first.impact.oldestStuckSeconds).toBeGreaterThanOrEqual(SEED.stuckForSeconds);
    const detected = first.timeline.filter((e) => e.kind === 'detected');
    expect(detected).toHaveLength(1);
    expect(detected[0]!.text).toContain('37 transfers stuck');
    // MTTD: the oldest transfer had been stuck (past stuckAfter 30m) for about 11.5 h of chain time
    const delay = (detected[0]!.data as { detectionDelaySeconds: number }).detectionDelaySeconds;
    expect(delay).toBeGreaterThanOrEqual(SEED.stuckForSeconds - 1800);
    expect(delay).toBeLessThan(SEED.stuckForSeconds);
    expect(first.nextUpdateDue).not.toBeNull();
    // later passes see the same condition: still one incident, one detected entry
    await chains.source.mine(1);
    await new Promise((r) => setTimeout(r, 1500));
    const again = await bridgeIncidents();
    expect(again).toHaveLength(1);
    expect(again[0]!.timeline.filter((e) => e.kind === 'detected')).toHaveLength(1);
  }, 180_000);

  it('shows the admin changes of the 24 h before detection and recommends rolling back first', async () => {
    const changes = first.timeline.filter((e) => e.kind === 'admin_change');
    const events = changes.map((e) => (e.data as { event: string }).event);
    expect(events).toEqual(expect.arrayContaining(['Paused', 'Unpaused', 'OwnershipTransferred']));
    const handover = changes.find((e) => (e.data as { args: { newOwner?: string } }).args.newOwner === NEW_OWNER);
    expect(handover, 'the ownership transfer to NEW_OWNER').toBeDefined();
    expect(handover!.text).toContain(chains.bridge.sourceAddress.toLowerCase());
    expect(handover!.text).toMatch(/before detection/);
    const advice = first.timeline.filter((e) => e.kind === 'recommendation');
    expect(advice).toHaveLength(1);
    expect(advice[0]!.text).toMatch(/Roll back first/);
    // the entries come right after the detection, in the same change
    expect(first.timeline.findIndex((e) => e.kind === 'admin_change')).toBeGreaterThan(first.timeline.findIndex((e) => e.kind === 'detected'));
  });

  it('records an admin change made while the incident is open (once), without repeating the advice', async () => {
    const owner = privateKeyToAccount(ANVIL_KEYS[1]!);
    expect(owner.address.toLowerCase()).toBe(NEW_OWNER);
    const abi = loadArtifact('DrillBridgeSource').abi;
    const hash = await chains.source.walletClient.writeContract({
      account: owner,
      address: chains.bridge.sourceAddress,
      abi,
      functionName: 'transferOwnership',
      args: [chains.source.walletClient.account.address],
    });
    await chains.source.publicClient.waitForTransactionReceipt({ hash });
    await chains.source.mine(2);
    const updated = await waitFor(async () => {
      const incident = (await bridgeIncidents())[0]!;
      return incident.timeline.some((e) => e.kind === 'admin_change' && (e.data as { txHash: string }).txHash === hash) ? incident : undefined;
    }, 'the admin change during the incident', 90_000);
    const entry = updated.timeline.find((e) => e.kind === 'admin_change' && (e.data as { txHash: string }).txHash === hash)!;
    expect(entry.text).toMatch(/OwnershipTransferred .* before this reading/);
    await chains.source.mine(1);
    await new Promise((r) => setTimeout(r, 1500));
    const later = (await bridgeIncidents())[0]!;
    expect(later.timeline.filter((e) => e.kind === 'admin_change' && (e.data as { txHash: string }).txHash === hash)).toHaveLength(1);
    expect(later.timeline.filter((e) => e.kind === 'recommendation')).toHaveLength(1);
  }, 180_000);

  it('a worse reading raises the same incident to S0 (no second incident)', async () => {
    // $2,000,000 of WETH deposited, stuck past stuckAfter (30m): S0 by lockedUsd
    const whale = { id: transferIdFor('whale', 0), token: DRILL_TOKENS.weth.address, amount: 1000n * 10n ** 18n };
    await chains.bridge.deposit([whale]);
    traffic.stuck.push(whale);
    await chains.source.advance(31 * 60);
    await chains.source.mine(2);
    const raised = await waitFor(async () => (await bridgeIncidents()).find((i) => i.severity === 'S0'), 'the incident raised to S0', 90_000);
    expect(raised.id).toBe(first.id);
    expect(await bridgeIncidents()).toHaveLength(1);
    expect(raised.peakSeverity).toBe('S0');
    // 31 min later the 5 fresh deposits are stuck too
    expect(raised.impact.stuckTransfers).toBe(SEED.stuck + SEED.fresh + 1);
    expect(raised.peakImpact.lockedUsd).toBeGreaterThanOrEqual(2_000_000 + SEED.lockedUsd);
    expect(raised.timeline.some((e) => e.kind === 'severity' && (e.data as { to?: string } | undefined)?.to === 'S0')).toBe(true);
  }, 180_000);

  it('finalizing every transfer moves it to monitoring, then resolved after the quiet period', async () => {
    await finalizeAll(chains.bridge, [...traffic.stuck, ...traffic.fresh].map((t) => t.id), 2);
    const monitoring = await waitFor(async () => (await bridgeIncidents()).find((i) => i.status === 'monitoring'), 'monitoring', 90_000);
    expect(monitoring.id).toBe(first.id);
    expect(monitoring.impact.stuckTransfers).toBe(0);
    expect(monitoring.peakImpact.stuckTransfers).toBe(SEED.stuck + SEED.fresh + 1);
    expect(monitoring.timeline.filter((e) => e.kind === 'cleared')).toHaveLength(1);

    // not yet: the quiet period (15 min) has not passed on the engine's clock
    await service.engine.tick();
    expect((await service.engine.get(first.id))!.status).toBe('monitoring');
    offsetMs += 16 * MIN;
    await service.engine.tick();
    const resolved = (await service.engine.get(first.id))!;
    expect(resolved.status).toBe('resolved');
    expect(resolved.resolvedAt).not.toBeNull();
    expect(resolved.postmortemDue).not.toBeNull(); // S0 peak: a postmortem is due
    const kinds = resolved.timeline.map((e) => e.kind);
    expect(kinds.indexOf('detected')).toBeLessThan(kinds.indexOf('cleared'));
    expect(kinds.indexOf('cleared')).toBeLessThan(kinds.indexOf('resolved'));
    expect(await bridgeIncidents()).toHaveLength(1);
  }, 180_000);
});
