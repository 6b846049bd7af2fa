/**
 * Rollback of a bad upgrade on a real anvil: a person asks (POST /api/incidents/:id/rollback), the
 * service checks the allowance and the ERC-1967 slot, simulates, sends once from the guardian; the
 * proxy runs the old implementation again; the tx is on the timeline and in the announcement.
 * Refusals (unlisted proxy, no allowance, the proxy runs something else, used already) send nothing.
 * A crash between signing and recording the outcome re-broadcasts the same signed transaction.
 * An `Upgraded` of a listed proxy among the incident's recent changes names the allowed rollback.
 */
import { describe, expect, it } from 'vitest';
import type { Hex } from 'viem';
import type { IntegrationFactory, Service } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Detection } from '../../src/core/types.ts';
import type { Config } from '../../src/config/types.ts';
import { createGovernanceIntegration } from '../../src/governance/integration.ts';
import { createRollbackDeliverer } from '../../src/governance/rollback/deliverer.ts';
import type { EffectSink } from '../../src/store/effects.ts';
import { getByKey, listOutbox } from '../../src/store/outbox.ts';
import { crashAfterSigning, takeOver } from '../support/crash-after-signing.ts';
import { useServiceBed } from '../support/service-bed.ts';
import { deployUpgradedProxy, GUARDIAN, GUARDIAN_KEY, pendingNonce, type UpgradedProxy, stuckReading, waitFor } from './support.ts';

const WRITE = 'rollback-test-write-token';
const bed = useServiceBed();

function rollbackConfig(fixture: UpgradedProxy): Config {
  return bed.config((raw) => {
    raw.server = { ...(raw.server ?? {}), apiTokens: [{ name: 'alice', token: WRITE, scope: 'write' }] };
    raw.governance = {
      rollbackGovernor: { chain: 'ethereum', address: fixture.governor, signer: GUARDIAN_KEY, rollbacks: [{ bridge: 'drill', proxy: fixture.proxy }] },
    };
  });
}

const notices: Array<{ incident: string; message?: string; vars?: Record<string, unknown> }> = [];
const noticeSink: EffectSink = {
  name: 'test-notices',
  async plan(_trx, effect, incident) {
    if (effect.type === 'notify' && (effect.kind === 'governance' || effect.kind === 'rollback')) notices.push({ incident: incident.id, message: effect.message, vars: effect.vars });
  },
};

function start(config: Config, integrations: IntegrationFactory[] = [createGovernanceIntegration]): Promise<Service> {
  return bed.start(config, { integrations, sinks: [noticeSink] });
}

function reading(): Detection {
  return stuckReading('S2', { stuckTransfers: 6, lockedUsd: 12_000, oldestStuckSeconds: 3600, bridges: ['drill'] }, 'S2 reading');
}

function post(service: Service, id: string, body: unknown) {
  return service.app.request(`/api/incidents/${id}/rollback`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WRITE}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const guardianNonce = () => pendingNonce(bed.chains.source, GUARDIAN);

describe('rollback of a bad upgrade', () => {
  it('a person rolls the proxy back once; the tx is on the timeline and announced', { timeout: 240_000 }, async () => {
    const fixture = await deployUpgradedProxy(bed.chains.source);
    await fixture.allowRollback(3600);
    const service = await start(rollbackConfig(fixture));
    const incident = (await service.engine.observe(reading()))!;
    const nonceBefore = await guardianNonce();

    const response = await post(service, incident.id, { proxy: fixture.proxy });
    expect(response.status).toBe(202);
    const queued = (await response.json()) as { status: string; fromImpl: string; toImpl: string };
    expect(queued).toMatchObject({ status: 'queued', fromImpl: fixture.v2, toImpl: fixture.v1 });

    const confirmed = await waitFor('the rollback to be confirmed', async () => (await service.engine.get(incident.id))?.governance.find((g) => g.kind === 'rollback' && g.outcome === 'confirmed'));
    expect(await fixture.implementation()).toBe(fixture.v1);
    const receipt = await bed.chains.source.publicClient.getTransactionReceipt({ hash: confirmed.txHash as Hex });
    expect(receipt.from.toLowerCase()).toBe(GUARDIAN.toLowerCase());
    expect(await guardianNonce()).toBe(nonceBefore + 1);
    const current = (await service.engine.get(incident.id))!;
    expect(current.timeline.some((e) => e.kind === 'rollback' && e.actor === 'alice' && e.text.includes('asked to roll back'))).toBe(true);
    expect(current.timeline.some((e) => e.kind === 'rollback' && e.text.includes(confirmed.txHash!))).toBe(true);
    const notice = notices.find((n) => n.incident === incident.id && n.message?.includes(confirmed.txHash!));
    expect(notice?.vars?.txHash).toBe(confirmed.txHash);
    expect(String(notice?.vars?.public)).toContain('reverted a recent upgrade');

    // asked again: it was done; nothing more is sent
    const again = await post(service, incident.id, { proxy: fixture.proxy });
    expect(again.status).toBe(409);
    expect(await guardianNonce()).toBe(nonceBefore + 1);
    expect(JSON.stringify(await listOutbox(service.store.db, { channelPrefix: 'rollback:' }))).not.toContain(GUARDIAN_KEY.slice(2));
  });

  it('refuses without sending: unlisted proxy, no allowance, the proxy runs another implementation', { timeout: 240_000 }, async () => {
    const fixture = await deployUpgradedProxy(bed.chains.source);
    const service = await start(rollbackConfig(fixture));
    const incident = (await service.engine.observe(reading()))!;
    const nonceBefore = await guardianNonce();

    const unlisted = await post(service, incident.id, { proxy: '0x000000000000000000000000000000000000dEaD' });
    expect(unlisted.status).toBe(400);
    expect(((await unlisted.json()) as { message: string }).message).toMatch(/not listed in governance.rollbackGovernor.rollbacks/);

    const none = await post(service, incident.id, {});
    expect(none.status).toBe(409);
    expect(((await none.json()) as { message: string }).message).toMatch(/governance has not allowed a rollback/);

    await fixture.allowRollback(3600);
    // someone upgrades again (v1 here): the allowance's fromImpl (v2) no longer runs
    await fixture.upgradeTo(fixture.v1);
    const moved = await post(service, incident.id, { proxy: fixture.proxy });
    expect(moved.status).toBe(409);
    expect(((await moved.json()) as { message: string }).message).toMatch(/the proxy runs 0x[0-9a-fA-F]{40}, not /);

    expect(await guardianNonce()).toBe(nonceBefore);
    expect(await listOutbox(service.store.db, { channelPrefix: 'rollback:' })).toHaveLength(0);
    const current = (await service.engine.get(incident.id))!;
    expect(current.timeline.filter((e) => e.kind === 'rollback' && (e.data as { outcome?: string }).outcome === 'refused')).toHaveLength(2);
  });

  it('the deliverer reads the slot again right before sending: an upgrade after the request is refused, nothing sent', { timeout: 240_000 }, async () => {
    const fixture = await deployUpgradedProxy(bed.chains.source);
    await fixture.allowRollback(3600);
    const config = rollbackConfig(fixture);
    // the service queues; this test plays the deliverer after the proxy changed under it
    const service = await start(config, [createGovernanceIntegrationNoDeliver]);
    const incident = (await service.engine.observe(reading()))!;
    const queued = await service.engine.commands.requestRollback!(incident.id, fixture.proxy, 'alice');
    await fixture.upgradeTo(fixture.v1);
    const row = (await getByKey(service.store.db, queued.key))!;
    const deliverer = createRollbackDeliverer({ config, engine: service.engine, logger: silentLogger });
    const nonceBefore = await guardianNonce();
    await expect(deliverer.deliver(row, { logger: silentLogger, progress: async () => {} })).rejects.toThrow(/rejected: the proxy runs/);
    expect(await guardianNonce()).toBe(nonceBefore);
    const current = (await service.engine.get(incident.id))!;
    expect(current.governance.find((g) => g.kind === 'rollback')?.outcome).toBe('rejected');
  });

  it('after a crash between signing and recording, sends the same signed transaction once', { timeout: 240_000 }, async () => {
    const fixture = await deployUpgradedProxy(bed.chains.source);
    await fixture.allowRollback(3600);
    const config = rollbackConfig(fixture);
    const service = await start(config, [createGovernanceIntegrationNoDeliver]);
    const incident = (await service.engine.observe(reading()))!;
    const queued = await service.engine.commands.requestRollback!(incident.id, undefined, 'alice');
    const row = (await getByKey(service.store.db, queued.key))!;
    const deliverer = createRollbackDeliverer({ config, engine: service.engine, logger: silentLogger });
    const nonceBefore = await guardianNonce();

    const signed = await crashAfterSigning(service.store.db, row, deliverer);
    expect(await guardianNonce()).toBe(nonceBefore); // nothing was broadcast
    expect(await fixture.implementation()).toBe(fixture.v2);

    // another process takes over once the claim lapsed: same bytes, one transaction
    const done = await takeOver(service.store.db, row, deliverer);
    expect((done.result as { txHash: string }).txHash).toBe(signed.hash);
    expect(await fixture.implementation()).toBe(fixture.v1);
    expect(await guardianNonce()).toBe(nonceBefore + 1);
    const current = (await service.engine.get(incident.id))!;
    expect(current.governance.filter((g) => g.kind === 'rollback').map((g) => g.txHash)).toEqual([signed.hash]);
  });

  it('an Upgraded of a listed proxy among the recent changes names the allowed rollback and how to run it', { timeout: 240_000 }, async () => {
    const fixture = await deployUpgradedProxy(bed.chains.source);
    await fixture.allowRollback(3600);
    const service = await start(rollbackConfig(fixture));
    const incident = (await service.engine.observe(reading()))!;
    // what the engine writes for a recent change (src/incidents/recent-changes.ts)
    await service.engine.record(incident.id, [
      {
        kind: 'admin_change',
        actor: 'firebreak',
        text: `Upgraded on ethereum ${fixture.proxy.toLowerCase()}`,
        data: { chain: 'ethereum', address: fixture.proxy.toLowerCase(), event: 'Upgraded', args: { implementation: fixture.v2.toLowerCase() }, txHash: '0xabc', blockNumber: 1, blockTimestamp: 1 },
      },
    ]);
    const advice = await waitFor('the rollback recommendation', async () =>
      (await service.engine.get(incident.id))?.timeline.find((e) => e.kind === 'recommendation' && (e.data as { rule?: string }).rule === 'rollback-available'),
    );
    expect(advice.text).toContain(`Rollback allowed for drill`);
    expect(advice.text).toContain(fixture.v1);
    expect(advice.text).toContain(`POST /api/incidents/${incident.id}/rollback`);
    expect(advice.text).toContain('never rolls back by itself');
    // and nothing was sent by itself
    expect(await fixture.implementation()).toBe(fixture.v2);
  });
});

/** the governance module without its deliverers: the test plays the deliverer */
function createGovernanceIntegrationNoDeliver(ctx: Parameters<typeof createGovernanceIntegration>[0]) {
  const integration = createGovernanceIntegration(ctx) as Awaited<ReturnType<typeof createGovernanceIntegration>>;
  return { ...integration, deliverers: [] };
}
