/**
 * Auto-pause on real anvil chains: the watcher's own incident on a pausable bridge pauses it once,
 * through the rollback governor, from the guardian key; nothing else (alerts, halted chains) does;
 * a refused simulation is reported and not retried; a crash after signing re-broadcasts the same
 * transaction; a dry run sends nothing.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Hex } from 'viem';
import type { IntegrationFactory, Service } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Detection, Severity } from '../../src/core/types.ts';
import type { Config } from '../../src/config/types.ts';
import { createGovernanceIntegration } from '../../src/governance/integration.ts';
import { createPauseDeliverer } from '../../src/governance/pause/deliverer.ts';
import { createPauseSink } from '../../src/governance/pause/sink.ts';
import { seedStuckBridge } from '../../src/drill/seed.ts';
import type { EffectSink } from '../../src/store/effects.ts';
import { getByKey, listOutbox } from '../../src/store/outbox.ts';
import { crashAfterSigning, takeOver } from '../support/crash-after-signing.ts';
import { useServiceBed } from '../support/service-bed.ts';
import { deployGovernedTarget, GUARDIAN, GUARDIAN_KEY, pendingNonce, type GovernedTarget, stuckReading, waitFor } from './support.ts';

const bed = useServiceBed();

function governedConfig(fixture: GovernedTarget, options: { minSeverity?: Severity; playbooks?: string; pausable?: string } = {}): Config {
  return bed.config((raw) => {
    raw.bridges[0].pausable = options.pausable ?? fixture.target;
    if (options.playbooks) raw.playbooks = options.playbooks;
    raw.governance = {
      rollbackGovernor: { chain: 'ethereum', address: fixture.governor, signer: GUARDIAN_KEY, autoPause: [{ bridge: 'drill', minSeverity: options.minSeverity ?? 'S1' }] },
    };
  });
}

/** the announcements the governance module asks comms for */
const notices: Array<{ incident: string; message?: string; audiences?: unknown; vars?: Record<string, unknown> }> = [];
const noticeSink: EffectSink = {
  name: 'test-notices',
  async plan(_trx, effect, incident) {
    if (effect.type === 'notify' && effect.kind === 'governance') notices.push({ incident: incident.id, message: effect.message, audiences: effect.vars?.audiences, vars: effect.vars });
  },
};

function start(config: Config, integrations: IntegrationFactory[] = [createGovernanceIntegration]): Promise<Service> {
  return bed.start(config, { integrations, sinks: [noticeSink] });
}

function reading(severity: Severity): Detection {
  return stuckReading(severity, { stuckTransfers: 60, lockedUsd: 150_000, oldestStuckSeconds: 3 * 3600, bridges: ['drill'] });
}

const guardianNonce = () => pendingNonce(bed.chains.source, GUARDIAN);

describe('auto-pause', () => {
  it('pauses once when a watcher incident reaches S1, not again at S0', { timeout: 240_000 }, async () => {
    const fixture = await deployGovernedTarget(bed.chains.source);
    const service = await start(governedConfig(fixture));
    const nonceBefore = await guardianNonce();
    const incident = (await service.engine.observe(reading('S1')))!;
    const paused = await waitFor('the pause to be recorded', async () => {
      const current = await service.engine.get(incident.id);
      return current?.governance.find((g) => g.kind === 'pause' && g.outcome === 'confirmed');
    });
    expect(await fixture.paused()).toBe(true);
    expect(await fixture.pausedUntil()).toBeGreaterThan(0n);
    const receipt = await bed.chains.source.publicClient.getTransactionReceipt({ hash: paused.txHash as Hex });
    expect(receipt.status).toBe('success');
    expect(receipt.from.toLowerCase()).toBe(GUARDIAN.toLowerCase());
    const current = (await service.engine.get(incident.id))!;
    expect(current.timeline.some((e) => e.kind === 'pause' && e.text.includes(paused.txHash!))).toBe(true);

    // worse readings plan nothing new: one row, one transaction
    await service.engine.observe(reading('S0'));
    await service.delivery.drain();
    const rows = await listOutbox(service.store.db, { channelPrefix: 'governor:' });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key).toBe(`${incident.id}:pause:drill`);
    expect(rows[0]!.status).toBe('sent');
    expect(await guardianNonce()).toBe(nonceBefore + 1);
    const after = (await service.engine.get(incident.id))!;
    expect(after.severity).toBe('S0');
    expect(after.governance.filter((g) => g.kind === 'pause')).toHaveLength(1);
    // the guardian key never reaches the outbox
    expect(JSON.stringify(rows)).not.toContain(GUARDIAN_KEY.slice(2));
    // announced: everyone the playbook names hears it (no audience restriction), with public wording
    const notice = notices.filter((n) => n.incident === incident.id);
    expect(notice).toHaveLength(1);
    expect(notice[0]!.audiences).toBeUndefined();
    expect(notice[0]!.message).toContain(paused.txHash!);
    expect(String(notice[0]!.vars?.public)).toContain('paused');
  });

  it('does not pause below minSeverity, for inbound alerts, or for a halted chain', { timeout: 240_000 }, async () => {
    const fixture = await deployGovernedTarget(bed.chains.source);
    const service = await start(governedConfig(fixture, { minSeverity: 'S1' }));
    await service.engine.observe(reading('S2'));
    await service.engine.handleAlert(
      { event_action: 'trigger', dedup_key: 'drill-bridge-critical', payload: { summary: 'bridge drill is down', source: 'grafana', severity: 'critical' } },
      'grafana',
    );
    await service.engine.observe({
      key: 'chain:arbitrum:halted',
      source: 'watcher',
      kind: 'chain-halted',
      title: 'arbitrum halted',
      severity: 'S0',
      impact: { stuckTransfers: 0, lockedUsd: 0, oldestStuckSeconds: 0, bridges: ['drill'], chains: ['arbitrum'] },
      summary: 'no new block for 10 min',
    });
    await service.delivery.drain();
    const incidents = await service.engine.list();
    expect(incidents.map((i) => i.severity).sort()).toEqual(['S0', 'S1', 'S2']);
    expect(await listOutbox(service.store.db, { channelPrefix: 'governor:' })).toHaveLength(0);
    expect(await fixture.paused()).toBe(false);
  });

  it('reports a refused simulation (target not allowed) and never retries it', { timeout: 240_000 }, async () => {
    const fixture = await deployGovernedTarget(bed.chains.source, { allowSeconds: null });
    const service = await start(governedConfig(fixture));
    const nonceBefore = await guardianNonce();
    const incident = (await service.engine.observe(reading('S1')))!;
    const rejected = await waitFor('the rejection to be recorded', async () => {
      const current = await service.engine.get(incident.id);
      return current?.governance.find((g) => g.kind === 'pause' && g.outcome === 'rejected');
    });
    expect(rejected.reason).toContain('TargetNotAllowed');
    const current = (await service.engine.get(incident.id))!;
    expect(current.timeline.some((e) => e.kind === 'pause' && e.text.includes('TargetNotAllowed'))).toBe(true);
    await service.delivery.drain();
    const [row] = await listOutbox(service.store.db, { channelPrefix: 'governor:' });
    expect(row!.status).toBe('failed');
    expect(row!.attempts).toBe(1);
    expect(row!.lastError).toContain('TargetNotAllowed');
    expect(await guardianNonce()).toBe(nonceBefore);
    expect(await fixture.paused()).toBe(false);
    // reported to ops only
    const notice = notices.filter((n) => n.incident === incident.id && String(n.message).includes('NOT sent'));
    expect(notice).toHaveLength(1);
    expect(notice[0]!.audiences).toEqual(['ops']);
  });

  it('on-chain rules: a used allowance refuses a second incident\'s pause; after expiry anyone lifts it; a stranger cannot pause', { timeout: 240_000 }, async () => {
    const fixture = await deployGovernedTarget(bed.chains.source, { allowSeconds: 600 });
    const service = await start(governedConfig(fixture));
    const first = (await service.engine.observe(reading('S1')))!;
    await waitFor('the first pause', async () => (await service.engine.get(first.id))?.governance.find((g) => g.outcome === 'confirmed'));
    await service.engine.resolve(first.id, 'test', 'relayer fixed');
    // the next incident on the same bridge: the allowance was used by the first pause
    const second = (await service.engine.observe(reading('S1')))!;
    expect(second.id).not.toBe(first.id);
    const refused = await waitFor('the refusal', async () => (await service.engine.get(second.id))?.governance.find((g) => g.outcome === 'rejected'));
    expect(refused.reason).toMatch(/TargetNotAllowed|PauseStillActive/);

    const { loadArtifact } = await import('../../src/chain/artifacts.ts');
    const { privateKeyToAccount } = await import('viem/accounts');
    const { ANVIL_KEYS } = await import('../../src/chain/anvil.ts');
    const stranger = privateKeyToAccount(ANVIL_KEYS[5]);
    const abi = loadArtifact('RollbackGovernor').abi;
    await expect(
      bed.chains.source.publicClient.simulateContract({ address: fixture.governor, abi, functionName: 'pause', args: [fixture.target, `0x${'11'.repeat(32)}`], account: stranger.address }),
    ).rejects.toThrow(/NotGuardian/);
    await expect(bed.chains.source.publicClient.simulateContract({ address: fixture.governor, abi, functionName: 'unpause', args: [fixture.target], account: stranger.address })).rejects.toThrow(
      /PauseNotExpired/,
    );
    await bed.chains.source.advance(601);
    const hash = await bed.chains.source.walletClient.writeContract({ address: fixture.governor, abi, functionName: 'unpause', args: [fixture.target], account: stranger, chain: bed.chains.source.chain });
    expect((await bed.chains.source.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 })).status).toBe('success');
    expect(await fixture.paused()).toBe(false);
  });

  it('after a crash between signing and broadcasting, sends the same signed transaction', { timeout: 240_000 }, async () => {
    const fixture = await deployGovernedTarget(bed.chains.source);
    const config = governedConfig(fixture);
    // the service only plans; this test plays the deliverer, crashing once
    const service = await start(config, [(ctx) => ({ name: 'governance-sink', sinks: [createPauseSink({ config: ctx.config, logger: ctx.logger })] })]);
    const incident = (await service.engine.observe(reading('S1')))!;
    const row = (await getByKey(service.store.db, `${incident.id}:pause:drill`))!;
    const deliverer = createPauseDeliverer({ config, engine: service.engine, logger: silentLogger });
    const nonceBefore = await guardianNonce();

    const signed = await crashAfterSigning(service.store.db, row, deliverer);
    expect(await guardianNonce()).toBe(nonceBefore); // nothing was broadcast
    expect(await fixture.paused()).toBe(false);

    // another process takes over the row once the claim has lapsed
    const done = await takeOver(service.store.db, row, deliverer);
    expect((done.result as { txHash: string }).txHash).toBe(signed.hash);
    expect(await fixture.paused()).toBe(true);
    expect(await guardianNonce()).toBe(nonceBefore + 1);
    const current = (await service.engine.get(incident.id))!;
    expect(current.governance.filter((g) => g.kind === 'pause').map((g) => g.txHash)).toEqual([signed.hash]);
  });

  it('dryRun in the playbook records what would be sent and sends nothing', { timeout: 240_000 }, async () => {
    const fixture = await deployGovernedTarget(bed.chains.source);
    const playbooks = mkdtempSync(join(tmpdir(), 'firebreak-playbooks-'));
    cpSync('playbooks', playbooks, { recursive: true });
    const runbook = join(playbooks, 'runbooks', 'bridge-stuck.yaml');
    writeFileSync(runbook, readFileSync(runbook, 'utf8').replace('dryRun: false', 'dryRun: true'));
    const service = await start(governedConfig(fixture, { playbooks }));
    const nonceBefore = await guardianNonce();
    const incident = (await service.engine.observe(reading('S0')))!;
    const dry = await waitFor('the dry run to be recorded', async () => {
      const current = await service.engine.get(incident.id);
      return current?.governance.find((g) => g.kind === 'pause' && g.outcome === 'dry-run');
    });
    expect(dry.reason).toContain('would succeed');
    const current = (await service.engine.get(incident.id))!;
    const entry = current.timeline.find((e) => e.kind === 'pause')!;
    expect(entry.text).toContain('Dry run');
    expect(entry.data?.to).toBe(fixture.governor);
    expect(String(entry.data?.data)).toMatch(/^0x/);
    expect(await guardianNonce()).toBe(nonceBefore);
    expect(await fixture.paused()).toBe(false);
  });

  it('the seeded stuck bridge (S1 from the watchers) pauses its deposits', { timeout: 240_000 }, async () => {
    // the drill bridge itself is the target: governor allowed, pauser role granted
    const fixture = await deployGovernedTarget(bed.chains.source, { allowSeconds: null });
    await fixture.allow(3600, bed.chains.bridge.sourceAddress);
    const { loadArtifact } = await import('../../src/chain/artifacts.ts');
    const hash = await bed.chains.source.walletClient.writeContract({
      address: bed.chains.bridge.sourceAddress,
      abi: loadArtifact('DrillBridgeSource').abi,
      functionName: 'setPauser',
      args: [fixture.governor, true],
    });
    await bed.chains.source.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    await seedStuckBridge(bed.chains.bridge, 2);
    const service = await start(governedConfig(fixture, { pausable: bed.chains.bridge.sourceAddress }));
    const incident = await waitFor('the watcher to open the incident', async () => (await service.engine.list()).find((i) => i.key === 'bridge:drill:stuck'), 150_000);
    expect(incident.source).toBe('watcher');
    expect(incident.severity).toBe('S1');
    const paused = await waitFor('the pause', async () => (await service.engine.get(incident.id))?.governance.find((g) => g.outcome === 'confirmed'), 150_000);
    expect(paused.target).toBe(bed.chains.bridge.sourceAddress.toLowerCase());
    const isPaused = await bed.chains.source.publicClient.readContract({ address: bed.chains.bridge.sourceAddress, abi: loadArtifact('DrillBridgeSource').abi, functionName: 'paused' });
    expect(isPaused).toBe(true);
  });
});
