/**
 * The Snapshot proposal as the hub takes it: snapshot.js's own proposal schema (validateSchema),
 * the sequencer's body limit (10,000 characters for default spaces, 40,000 for turbo), titles cut
 * on code points (half an emoji made the outbox insert fail: `invalid input syntax for type json`),
 * and only public entries in its timeline (internal notes never).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutCodePoints, storableJson, wellFormed } from '../../src/core/text.ts';
import type { Incident, TimelineEntry } from '../../src/core/types.ts';
import { type SnapshotHubStandIn, startSnapshotHub } from '../../src/drill/standins/snapshot-hub.ts';
import { submitProposal, validateProposal } from '../../src/governance/snapshot/client.ts';
import { draftProposal, type ProposalMessage } from '../../src/governance/snapshot/proposal.ts';
import { SNAPSHOT_KEY } from './support.ts';

const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
const snapshot = (bodyLimit = 10_000) => ({ hub: 'http://127.0.0.1:9', space: 'mydao.eth', network: 'ethereum', minSeverity: 'S1' as const, votingPeriodMs: 3 * 86_400_000, bodyLimit });
const now = new Date('2026-11-24T10:05:00Z');
const NOTE = 'INTERNAL: alice thinks the relayer key leaked, do not tell anyone';

const LONG_SUMMARY = `Alert from the relayer: ${'relayer backlog replay failed at nonce 0x1f; '.repeat(400)}`;

function seedIncident(entries: number, title = 'Drill bridge: transfers stuck', summary = '37 transfers stuck, $40,000 locked, oldest 12 h'): Incident {
  const timeline: TimelineEntry[] = [{ at: '2026-11-24T00:00:00.000Z', kind: 'detected', text: 'Detected S1: 37 transfers stuck, $40,000 locked' }];
  for (let i = 0; i < entries; i++) {
    const at = new Date(Date.parse('2026-11-24T00:01:00Z') + i * 60_000).toISOString();
    timeline.push({ at, kind: 'update', text: `Update ${i}: ${'the relayer is replaying the backlog of stuck deposits 🚨 '.repeat(6)}`, actor: 'discord:alice' });
    timeline.push({ at, kind: 'note', text: `${NOTE} (${i})`, actor: 'discord:alice' });
    timeline.push({ at, kind: 'command', text: '/incident note …', actor: 'discord:alice' });
    timeline.push({ at, kind: 'role', text: 'alice is commander', actor: 'discord:alice' });
  }
  return {
    id: 'INC-0001',
    key: 'bridge:drill:stuck',
    title,
    severity: 'S1',
    status: 'investigating',
    source: 'watcher',
    summary,
    startedAt: '2026-11-24T00:00:00.000Z',
    detectedAt: '2026-11-24T00:00:00.000Z',
    impact: { stuckTransfers: 37, lockedUsd: 40_000, oldestStuckSeconds: 43_200, bridges: ['drill'] },
    peakImpact: { stuckTransfers: 37, lockedUsd: 40_000, oldestStuckSeconds: 43_200, bridges: ['drill'] },
    mirror: { cid: CID },
    governance: [],
    timeline,
  } as unknown as Incident;
}

const templates = {
  'proposal.md': readFileSync('playbooks/templates/proposal.md', 'utf8'),
  'proposal-title.txt': readFileSync('playbooks/templates/proposal-title.txt', 'utf8'),
};
const draft = (incident: Incident, bodyLimit = 10_000, extra: Record<string, string> = {}): ProposalMessage =>
  draftProposal({ incident, snapshot: snapshot(bodyLimit), templates: { ...templates, ...extra }, pause: null, failedPause: null, block: 19_000_000, now, from: '0x0000000000000000000000000000000000000001' });

describe('proposal body within the hub limit', () => {
  it('the seed incident (a long timeline, a long alert text) fits 10,000 characters, keeps impact and the mirror CID, and passes snapshot.js', async () => {
    const incident = seedIncident(80, 'Drill bridge: transfers stuck', LONG_SUMMARY);
    expect(draft(incident, 1_000_000).body.length).toBeGreaterThan(19_000);
    const message = draft(incident);
    expect(message.body.length).toBeLessThanOrEqual(10_000);
    expect(message.body).toContain('$40,000');
    expect(message.body).toContain('Stuck transfers: 37');
    expect(message.body).toContain(`ipfs://${CID}`);
    expect(message.body).toMatch(/more entries: the full timeline is on the status mirror/);
    expect(message.body).toContain('Detected S1');
    expect(message.body).toContain('Update 79');
    await validateProposal(message, 10_000);
  });

  it('a turbo space (bodyLimit 40,000) keeps more of the timeline; a short one is not touched', async () => {
    const incident = seedIncident(80, 'Drill bridge: transfers stuck', LONG_SUMMARY);
    const small = draft(incident);
    const turbo = draft(incident, 40_000);
    expect(turbo.body.length).toBeLessThanOrEqual(40_000);
    expect(turbo.body.length).toBeGreaterThan(small.body.length);
    expect(turbo.body).toContain(LONG_SUMMARY);
    expect(small.body).not.toContain(LONG_SUMMARY);
    await validateProposal(turbo, 40_000);
    const short = draft(seedIncident(2));
    expect(short.body).not.toMatch(/more entries/);
    expect(short.body).toContain('Update 1');
  });

  it('even a template longer than the limit keeps impact and the mirror', async () => {
    const message = draft(seedIncident(3), 2_000, { 'proposal.md': `## {{question}}\n\n${'Background. '.repeat(400)}\n\n{{impact}}\n\n{{mirror}}\n` });
    expect(message.body.length).toBeLessThanOrEqual(2_000);
    expect(message.body).toContain('$40,000');
    expect(message.body).toContain(`ipfs://${CID}`);
    await validateProposal(message, 2_000);
  });

  it('internal notes, commands and roles never reach the public proposal; updates do', () => {
    const message = draft(seedIncident(3));
    expect(message.body).not.toContain('INTERNAL');
    expect(message.body).not.toContain('/incident note');
    expect(message.body).not.toContain('commander');
    expect(message.body).toContain('Update 2');
  });
});

describe('titles cut on code points', () => {
  it('an emoji across the 256th character is never split, and the message stores as JSON', async () => {
    for (let shift = 0; shift < 4; shift++) {
      const title = `${'x'.repeat(240 + shift)}${'🚨'.repeat(20)}`;
      const message = draft(seedIncident(1), 10_000, { 'proposal-title.txt': '{{title}}' });
      const cut = draft({ ...seedIncident(1), title }, 10_000, { 'proposal-title.txt': '{{title}}' }).title;
      expect(message.title.length).toBeGreaterThan(0);
      expect(cut.length).toBeLessThanOrEqual(256);
      expect(cut).toBe(wellFormed(cut));
      expect([...cut].every((ch) => ch === 'x' || ch === '🚨')).toBe(true);
      // what PostgreSQL's json parser refuses: a lone surrogate escape
      expect(JSON.stringify(cut)).not.toMatch(/\\ud[89ab]/i);
      await validateProposal({ ...message, title: cut }, 10_000);
    }
  });

  it('cutCodePoints never leaves half a pair; storableJson repairs lone surrogates and NUL from outside', () => {
    expect(cutCodePoints('ab🚨', 3)).toBe('ab');
    expect(cutCodePoints('ab🚨', 4)).toBe('ab🚨');
    expect(storableJson({ t: 'a\ud83d b\u0000' })).toBe('{"t":"a\ufffd b\ufffd"}');
  });
});

describe('snapshot.js schema before signing', () => {
  it('refuses what the hub refuses, with what to fix (permanent: never retried)', async () => {
    const message = draft(seedIncident(1));
    await expect(validateProposal({ ...message, title: '' }, 10_000)).rejects.toMatchObject({ code: 'snapshot_invalid', message: expect.stringMatching(/\/name must NOT have fewer than 1 characters/) });
    await expect(validateProposal({ ...message, app: 'an-app-name-far-too-long-for-snapshot' }, 10_000)).rejects.toMatchObject({ code: 'snapshot_invalid' });
    await expect(validateProposal({ ...message, body: 'b'.repeat(10_001) }, 10_000)).rejects.toMatchObject({ message: expect.stringMatching(/10001 characters; the hub takes at most 10000/) });
  });
});

describe('the hub stand-in answers like the sequencer', () => {
  let hub: SnapshotHubStandIn;
  let turbo: SnapshotHubStandIn;
  beforeAll(async () => {
    [hub, turbo] = await Promise.all([startSnapshotHub(), startSnapshotHub({ turbo: true })]);
  });
  afterAll(async () => {
    await Promise.all([hub?.stop(), turbo?.stop()]);
  });

  it('400 "proposal body length can not exceed 10000 characters" on a default space; a turbo space takes it', async () => {
    const message = { ...draft(seedIncident(1)), body: 'b'.repeat(12_000) };
    await expect(submitProposal(hub.url, SNAPSHOT_KEY, message)).rejects.toMatchObject({
      code: 'snapshot_refused',
      message: 'the Snapshot hub refused the proposal: client_error: proposal body length can not exceed 10000 characters',
    });
    const receipt = await submitProposal(turbo.url, SNAPSHOT_KEY, message);
    expect(turbo.proposals.map((p) => p.id)).toContain(receipt.id);
  });

  it('400 "wrong proposal format" for what snapshot.js\'s schema refuses', async () => {
    const message = { ...draft(seedIncident(1)), choices: [''] };
    await expect(submitProposal(hub.url, SNAPSHOT_KEY, message)).rejects.toMatchObject({ message: 'the Snapshot hub refused the proposal: client_error: wrong proposal format' });
    expect(hub.proposals).toHaveLength(0);
  });
});
