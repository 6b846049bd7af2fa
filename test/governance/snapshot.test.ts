/**
 * Snapshot proposals: drafted from the templates, signed EIP-712 with snapshot.js, posted to the
 * loopback hub stand-in (which checks the signature like the hub), once per incident, naming the
 * mirror CID and the pause tx; 429 is retried; without a signer a draft file is written.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, type Hex, verifyTypedData } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Detection, Severity } from '../../src/core/types.ts';
import type { Config } from '../../src/config/types.ts';
import { type SnapshotHubStandIn, startSnapshotHub } from '../../src/drill/standins/snapshot-hub.ts';
import { createGovernanceIntegration } from '../../src/governance/integration.ts';
import { listOutbox } from '../../src/store/outbox.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { deployGovernedTarget, GUARDIAN_KEY, type GovernedTarget, SNAPSHOT_KEY, waitFor } from './support.ts';

let chains: DrillChains;
let hub: SnapshotHubStandIn;
const services: Service[] = [];
const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';

beforeAll(async () => {
  [chains, hub] = await Promise.all([startDrillChains(), startSnapshotHub()]);
}, 180_000);

// a service's watchers poll both chains: stop each test's services so they do not pile up
afterEach(async () => {
  for (const service of services.splice(0)) await service.stop();
});

afterAll(async () => {
  await Promise.all([chains?.stop(), hub?.stop()]);
});

function governedConfig(fixture: GovernedTarget | null, options: { signer?: boolean; dataDir?: string; ipfs?: boolean; proposalMin?: Severity } = {}): Config {
  return configFor(chains.bridge, {
    dataDir: options.dataDir ?? mkdtempSync(join(tmpdir(), 'firebreak-gov-')),
    patch: (raw) => {
      for (const chain of Object.values(raw.chains) as Array<Record<string, unknown>>) chain.pollIntervalMs = 1000;
      raw.governance = {
        snapshot: { hub: hub.url, space: 'drill.eth', network: 'ethereum', minSeverity: options.proposalMin ?? 'S1', votingPeriod: '3d', ...(options.signer === false ? {} : { signer: SNAPSHOT_KEY }) },
        ...(fixture
          ? { rollbackGovernor: { chain: 'ethereum', address: fixture.governor, signer: GUARDIAN_KEY, autoPause: [{ bridge: 'drill', minSeverity: 'S1' }] } }
          : {}),
      };
      if (fixture) raw.bridges[0].pausable = fixture.target;
      // without a status mirror the proposal does not wait for its CID
      if (options.ipfs === false) raw.ipfs = { enabled: false };
    },
  });
}

async function start(config: Config): Promise<Service> {
  const service = await startService({ config, logger: silentLogger, listen: false, tickMs: 60_000, integrations: [createGovernanceIntegration] });
  services.push(service);
  return service;
}

function reading(severity: Severity): Detection {
  return {
    key: 'bridge:drill:stuck',
    source: 'watcher',
    kind: 'bridge-stuck',
    bridgeId: 'drill',
    title: 'Drill bridge: transfers stuck',
    severity,
    impact: { stuckTransfers: 37, lockedUsd: 40_000, oldestStuckSeconds: 12 * 3600, bridges: ['drill'], chains: ['ethereum', 'arbitrum'] },
    summary: `37 transfers stuck, $40,000 locked (${severity})`,
  };
}

describe('snapshot proposals', () => {
  it('one signed proposal per incident, with the incident id, mirror CID and the pause tx', { timeout: 240_000 }, async () => {
    const fixture = await deployGovernedTarget(chains.source);
    const service = await start(governedConfig(fixture));
    const before = hub.proposals.length;
    hub.failNext(429); // the first post is rate-limited: retried
    // below the thresholds first, so the mirror CID is on the incident before anything is planned
    const incident = (await service.engine.observe(reading('S2')))!;
    await service.engine.record(incident.id, [{ kind: 'mirror', text: `Status mirror published: ${CID}` }], (i) => ({ ...i, mirror: { cid: CID } }));
    await service.engine.observe(reading('S1'));
    await service.engine.observe(reading('S0'));

    const proposal = await waitFor('the proposal to be recorded', async () =>
      (await service.engine.get(incident.id))?.governance.find((g) => g.kind === 'proposal' && g.outcome === 'sent'),
    150_000);
    const current = (await service.engine.get(incident.id))!;
    const pause = current.governance.find((g) => g.kind === 'pause' && g.outcome === 'confirmed')!;
    expect(pause.txHash).toMatch(/^0x[0-9a-f]{64}$/);

    const received = hub.proposals.slice(before);
    expect(received).toHaveLength(1);
    const [p] = received;
    expect(p!.id).toBe(proposal.proposalId);
    expect(proposal.url).toContain(`#/drill.eth/proposal/${p!.id}`);
    // checked again here, independently of the stand-in
    const signer = privateKeyToAccount(SNAPSHOT_KEY).address;
    expect(p!.address.toLowerCase()).toBe(signer.toLowerCase());
    expect(
      await verifyTypedData({ address: p!.address as Address, domain: p!.domain, types: p!.types, primaryType: 'Proposal', message: p!.message, signature: p!.sig as Hex } as Parameters<typeof verifyTypedData>[0]),
    ).toBe(true);
    expect(p!.domain).toEqual({ name: 'snapshot', version: '0.1.4' });
    expect(p!.message.space).toBe('drill.eth');
    expect(p!.message.title).toContain(incident.id);
    expect(p!.message.title).toMatch(/ratify/i);
    expect(p!.message.body).toContain(CID);
    expect(p!.message.body).toContain(pause.txHash!);
    expect(p!.message.body).toContain('$40,000');
    expect(p!.message.choices).toEqual(['For', 'Against', 'Abstain']);
    expect(p!.message.end - p!.message.start).toBe(3 * 86_400);
    const head = Number(await chains.source.publicClient.getBlockNumber());
    expect(p!.message.snapshot).toBeGreaterThan(0);
    expect(p!.message.snapshot).toBeLessThanOrEqual(head);
    expect(current.timeline.some((e) => e.kind === 'proposal' && e.text.includes(p!.id))).toBe(true);

    const rows = await listOutbox(service.store.db, { channelPrefix: 'snapshot:' });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('sent');
    expect(rows[0]!.attempts).toBeGreaterThanOrEqual(2); // the 429
    expect(JSON.stringify(rows)).not.toContain(SNAPSHOT_KEY.slice(2));
  });

  it('a pause fired after the proposal went out gets a follow-up asking to ratify it', { timeout: 240_000 }, async () => {
    const fixture = await deployGovernedTarget(chains.source);
    // proposals from S2, pauses from S1: the first proposal cannot name the pause
    const service = await start(governedConfig(fixture, { proposalMin: 'S2', ipfs: false }));
    const before = hub.proposals.length;
    const incident = (await service.engine.observe(reading('S2')))!;
    await waitFor('the first proposal', async () => (await service.engine.get(incident.id))?.governance.find((g) => g.kind === 'proposal' && g.outcome === 'sent'));
    expect(hub.proposals.slice(before)[0]!.message.title).toMatch(/Acknowledge/);
    await service.engine.observe(reading('S1'));
    const proposals = await waitFor('the ratification proposal', async () => {
      const current = await service.engine.get(incident.id);
      const sent = current?.governance.filter((g) => g.kind === 'proposal' && g.outcome === 'sent') ?? [];
      return sent.length >= 2 ? sent : null;
    });
    const pause = (await service.engine.get(incident.id))!.governance.find((g) => g.kind === 'pause' && g.outcome === 'confirmed')!;
    expect(proposals[1]!.txHash).toBe(pause.txHash);
    const received = hub.proposals.slice(before);
    expect(received).toHaveLength(2);
    expect(received[1]!.message.title).toContain(incident.id);
    expect(received[1]!.message.title).toMatch(/Ratify/);
    expect(received[1]!.message.body).toContain(pause.txHash!);
    const rows = await listOutbox(service.store.db, { channelPrefix: 'snapshot:' });
    expect(rows.map((r) => r.key)).toEqual([`${incident.id}:proposal`, `${incident.id}:proposal:ratify`]);
  });

  it('without a signer writes a ready-to-sign draft and records where', { timeout: 240_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'firebreak-gov-'));
    const service = await start(governedConfig(null, { signer: false, dataDir, ipfs: false }));
    const before = hub.requests;
    const incident = (await service.engine.observe(reading('S1')))!;
    const draft = await waitFor('the draft to be recorded', async () =>
      (await service.engine.get(incident.id))?.governance.find((g) => g.kind === 'proposal' && g.outcome === 'draft'),
    );
    expect(draft.draftPath).toBe(join(dataDir, 'proposals', `${incident.id}.md`));
    expect(existsSync(draft.draftPath!)).toBe(true);
    const markdown = readFileSync(draft.draftPath!, 'utf8');
    expect(markdown).toContain(incident.id);
    expect(markdown).toContain('No pause was fired');
    expect(markdown).toContain('Status mirror on IPFS: not published yet');
    const json = JSON.parse(readFileSync(join(dataDir, 'proposals', `${incident.id}.json`), 'utf8'));
    expect(json.primaryType).toBe('Proposal');
    expect(json.message.space).toBe('drill.eth');
    expect(json.message.title).toContain(incident.id);
    const current = (await service.engine.get(incident.id))!;
    expect(current.timeline.some((e) => e.kind === 'proposal' && e.text.includes(draft.draftPath!))).toBe(true);
    expect(hub.requests).toBe(before);
  });

  it('the hub stand-in refuses a tampered message (401) and a malformed envelope (400)', async () => {
    const account = privateKeyToAccount(SNAPSHOT_KEY);
    const domain = { name: 'snapshot', version: '0.1.4' };
    const types = { Proposal: [{ name: 'from', type: 'string' }, { name: 'space', type: 'string' }, { name: 'title', type: 'string' }] };
    const message = { from: account.address, space: 'drill.eth', title: 'hello' };
    const sig = await account.signTypedData({ domain, types, primaryType: 'Proposal', message });
    const post = (body: unknown) => fetch(hub.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const tampered = await post({ address: account.address, sig, data: { domain, types, message: { ...message, title: 'changed' } } });
    expect(tampered.status).toBe(401);
    expect((await tampered.json()).error_description).toBe('wrong signature');
    expect((await post({ sig })).status).toBe(400);
  });
});
