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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/app/service.ts';
import type { Detection, Severity } from '../../src/core/types.ts';
import type { Config } from '../../src/config/types.ts';
import { type SnapshotHubStandIn, startSnapshotHub } from '../../src/drill/standins/snapshot-hub.ts';
import { createGovernanceIntegration } from '../../src/governance/integration.ts';
import { listOutbox } from '../../src/store/outbox.ts';
import { useServiceBed } from '../support/service-bed.ts';
import { deployGovernedTarget, GUARDIAN_KEY, type GovernedTarget, SNAPSHOT_KEY, stuckReading, waitFor } from './support.ts';

const bed = useServiceBed();
let hub: SnapshotHubStandIn;
const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';

beforeAll(async () => {
  hub = await startSnapshotHub();
}, 180_000);

afterAll(async () => {
  await hub?.stop();
});

function governedConfig(fixture: GovernedTarget | null, options: { signer?: boolean; dataDir?: string; ipfs?: boolean; proposalMin?: Severity } = {}): Config {
  return bed.config(
    (raw) => {
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
    { dataDir: options.dataDir ?? mkdtempSync(join(tmpdir(), 'firebreak-gov-')) },
  );
}

function start(config: Config): Promise<Service> {
  return bed.start(config, { integrations: [createGovernanceIntegration] });
}

function reading(severity: Severity): Detection {
  return stuckReading(
    severity,
    { stuckTransfers: 37, lockedUsd: 40_000, oldestStuckSeconds: 12 * 3600, bridges: ['drill'], chains: ['ethereum', 'arbitrum'] },
    `37 transfers stuck, $40,000 locked (${severity})`,
  );
}

describe('snapshot proposals', () => {
  it('one signed proposal per incident, with the incident id, mirror CID and the pause tx', { timeout: 240_000 }, async () => {
    const fixture = await deployGovernedTarget(bed.chains.source);
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
    const head = Number(await bed.chains.source.publicClient.getBlockNumber());
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
    const fixture = await deployGovernedTarget(bed.chains.source);
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

  it('hostile notes stay out of the proposal, an emoji title is cut on code points, and the hub takes it', { timeout: 240_000 }, async () => {
    const service = await start(governedConfig(null, { ipfs: false }));
    const before = hub.proposals.length;
    const title = `${'Bridge down '.repeat(20)}${'🚨'.repeat(30)}`;
    const incident = (await service.engine.observe({ ...reading('S2'), title }))!;
    await service.engine.addNote(incident.id, 'INTERNAL: the relayer key may have leaked <script>alert(1)</script> @everyone', 'discord:alice');
    await service.engine.postUpdate(incident.id, { status: 'identified', message: 'The relayer is replaying the backlog.' }, 'discord:alice');
    await service.engine.observe({ ...reading('S1'), title });
    await waitFor('the proposal', async () => (await service.engine.get(incident.id))?.governance.find((g) => g.kind === 'proposal' && g.outcome === 'sent'), 150_000);
    const [p] = hub.proposals.slice(before);
    expect(p!.message.body).toContain('The relayer is replaying the backlog.');
    expect(p!.message.body).not.toContain('INTERNAL');
    expect(p!.message.body).not.toContain('<script>');
    expect(p!.message.title.length).toBeLessThanOrEqual(256);
    expect(JSON.stringify(p!.message.title)).not.toMatch(/\\ud[89ab]/i);
    const [row] = await listOutbox(service.store.db, { incidentId: incident.id, channelPrefix: 'snapshot:' });
    expect(row!.status).toBe('sent');
  });

  it('a proposal snapshot.js\'s schema refuses is never signed: failed for good, on the timeline', { timeout: 240_000 }, async () => {
    const config = governedConfig(null, { ipfs: false });
    config.playbooks.templates['proposal-title.txt'] = '   ';
    const service = await start(config);
    const before = hub.requests;
    const incident = (await service.engine.observe(reading('S1')))!;
    const entry = await waitFor('the failure on the timeline', async () =>
      (await service.engine.get(incident.id))?.timeline.find((e) => e.kind === 'governance' && e.data?.outcome === 'failed'),
    150_000);
    expect(entry.text).toMatch(/^Snapshot proposal \(proposal\) failed and will not be retried: the Snapshot proposal does not pass snapshot\.js's proposal schema: \/name must NOT have fewer than 1 characters/);
    const [row] = await listOutbox(service.store.db, { incidentId: incident.id, channelPrefix: 'snapshot:' });
    expect(row!.status).toBe('failed');
    expect(row!.attempts).toBe(1);
    expect(hub.requests).toBe(before);
  });
});
