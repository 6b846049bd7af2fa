/**
 * Each drill scenario, run to its end through startDrill: real anvil chains, the real service
 * with the feature modules of this build, and the summary read from real state. Steps whose module
 * is plugged in must complete; the ones not in this build are reported as `missing`, never `ok`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.ts';
import { type DrillReport, type RunningDrill, type Scenario, startDrill } from '../../src/app/drill.ts';
import type { DrillProgress } from '../../src/drill/steps.ts';

function recorder() {
  const events: Array<{ event: string; step?: string; text: string }> = [];
  const progress: DrillProgress = {
    start: (step, text) => events.push({ event: 'start', step, text }),
    done: (step, text) => events.push({ event: 'done', step, text }),
    fail: (step, text) => events.push({ event: 'fail', step, text }),
    say: (text) => events.push({ event: 'say', text }),
  };
  return { events, progress };
}

let drill: RunningDrill | null = null;
/** the progress lines of the drill under test: a failed step's reason goes into the assertion message */
let lastEvents: Array<{ event: string; step?: string; text: string }> = [];
afterEach(async () => {
  await drill?.stop();
  drill = null;
});

async function start(scenario: Scenario) {
  const { events, progress } = recorder();
  lastEvents = events;
  drill = await startDrill({ scenario, port: 0, logger: silentLogger, progress });
  return { drill, events };
}

/** a step whose module is present must be ok; one whose module is absent must say so */
function expectModuleSteps(d: RunningDrill, steps: Record<string, string>): void {
  for (const [step, outcome] of Object.entries(steps)) {
    if (d.missing.includes(step)) expect(outcome, step).toBe('missing');
    else expect(outcome, `${step}: ${lastEvents.find((e) => e.event === 'fail' && e.step === step)?.text ?? ''}`).toBe('ok');
  }
}

describe('drill scenarios', () => {
  it('stuck-bridge: the seed case is detected, resolved, and its postmortem anchored and verified', { timeout: 300_000 }, async () => {
    const { drill: d, events } = await start('stuck-bridge');
    const report = await d.run();
    expect(report.incident).toMatch(/^INC-\d+$/);
    expect(report.severity).toBe('S1');
    expect(report.stuck).toBe(37);
    expect(report.lockedUsd).toBe(40_000);
    expectModuleSteps(d, report.steps);
    expect(Object.keys(report.steps)).toEqual(['detected', 'messages', 'mirror', 'pause', 'proposal', 'resolved', 'postmortem', 'anchor', 'verify']);
    expect(report.postmortemDigest).toMatch(/^0x[0-9a-f]{64}$/);
    expect(report.anchorTx).toMatch(/^0x[0-9a-f]{64}$/);
    expect(report.verified).toBe(true);
    const incident = await d.service.engine.get(report.incident!);
    expect(incident?.status).toBe('resolved');
    expect(incident?.key).toBe('bridge:drill:stuck');
    // fields are read from real state
    expect(report.mirrorCid).toBe(incident?.mirror.cid ?? null);
    expect(report.paused).toBe(await d.governance.bridgePaused());
    if (!d.missing.includes('pause')) expect(report.paused).toBe(true);
    if (!d.missing.includes('messages')) expect(report.messages).toBeGreaterThan(0);
    expect(report.failedStep).toBe(d.missing[0] ?? null);
    expect(events.some((e) => e.event === 'done' && e.step === 'verify')).toBe(true);
    // the anchored postmortem is on the timeline, and the mirror's IPFS node serves its ipfs:// URI
    const anchored = incident!.timeline.find((e) => e.kind === 'anchored');
    expect(anchored?.data?.txHash).toBe(report.anchorTx);
    if (!d.missing.includes('mirror')) {
      const served = await fetch(`${d.url}/ipfs/${anchored!.data!.cid as string}`);
      expect(served.status).toBe(200);
      expect(await served.text()).toContain(report.incident!);
    }
  });

  it('stuck-bridge is the NFT bridge (erc721-lock-mint); stuck-tokens keeps the fungible seed case', { timeout: 300_000 }, async () => {
    const nft = await start('stuck-bridge');
    expect(nft.drill.config.bridges[0]).toMatchObject({ id: 'drill', preset: { name: 'erc721-lock-mint' } });
    await nft.drill.stop();
    drill = null;
    const { drill: d } = await start('stuck-tokens');
    expect(d.config.bridges[0]!.preset).toBeUndefined();
    const report = await d.run();
    expect(report).toMatchObject({ severity: 'S1', stuck: 37, lockedUsd: 40_000 });
    expect(report.steps.resolved).toBe('ok');
  });

  describe('chain-halt', () => {
    let d: RunningDrill;
    let report: DrillReport;
    beforeAll(async () => {
      d = await startDrill({ scenario: 'chain-halt', port: 0, logger: silentLogger, progress: recorder().progress });
      report = await d.run();
    }, 300_000);
    afterAll(async () => {
      await d?.stop();
    });

    it('the destination stops: chain:<name>:halted opens, the bridge meets halted, then it resolves and the postmortem verifies', async () => {
      expect(report.steps.detected).toBe('ok');
      const incident = await d.service.engine.get(report.incident!);
      expect(incident?.key).toBe('chain:arbitrum-local:halted');
      expect(incident?.timeline.some((e) => e.kind === 'detected')).toBe(true);
      const bridgeIncident = (await d.service.engine.list({ status: 'all' })).find((i) => i.key === 'bridge:drill:stuck');
      // the bridge met the `halted: true` threshold while its transfers were pending
      expect(bridgeIncident?.peakSeverity).toBe('S0');
      expect(bridgeIncident?.peakImpact.stuckTransfers).toBe(0);
      expect(report.steps.resolved).toBe('ok');
      expect(incident?.status).toBe('resolved');
      expect(report.verified).toBe(true);
      expectModuleSteps(d, { messages: report.steps.messages!, mirror: report.steps.mirror! });
    });

    it('a halted chain alone never pauses the bridge (SPEC §8)', () => {
      expect(report.steps['no-pause']).toBe('ok');
      expect(report.paused).toBe(false);
    });
  });

  it('rpc-outage: the first RPC dies, the watcher carries on through the second, nothing opens or pauses', { timeout: 300_000 }, async () => {
    const { drill: d } = await start('rpc-outage');
    const report = await d.run();
    expect(report.steps).toEqual({ outage: 'ok', fallback: 'ok', observable: 'ok', 'no-pause': 'ok' });
    expect(report.failedStep).toBeNull();
    expect(d.relay?.alive()).toBe(false);
    const health = (await (await fetch(`${d.url}/healthz`)).json()) as { ok: boolean; chains: Record<string, { rpc: number }> };
    expect(health.chains['ethereum-local']?.rpc).toBe(1);
    expect(health.chains['arbitrum-local']?.rpc).toBe(0);
    expect(health.ok).toBe(true);
    const incidents = await d.service.engine.list({ status: 'all' });
    expect(incidents.filter((i) => i.key.endsWith(':unobservable'))).toEqual([]);
    expect(report.paused).toBe(false);
    expect(report.incident).toBeNull();
  });
});
