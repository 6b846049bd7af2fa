/** The proposal text from the shipped templates (pure), and the check `validate` runs on them. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/types.ts';
import { draftProposal, proposalTemplateIssues } from '../../src/governance/snapshot/proposal.ts';
import { incidentIdHash, watcherBridgeOf } from '../../src/governance/policy.ts';

const templates = {
  'proposal.md': readFileSync('playbooks/templates/proposal.md', 'utf8'),
  'proposal-title.txt': readFileSync('playbooks/templates/proposal-title.txt', 'utf8'),
};
const snapshot = { hub: 'https://hub.snapshot.org', space: 'mydao.eth', network: 'ethereum', minSeverity: 'S1' as const, votingPeriodMs: 3 * 86_400_000, bodyLimit: 10_000 };
const impact = { stuckTransfers: 37, lockedUsd: 40_000, oldestStuckSeconds: 43_200, bridges: ['nft-bridge'], chains: ['ethereum', 'arbitrum'] };
const incident = {
  id: 'INC-0007',
  key: 'bridge:nft-bridge:stuck',
  source: 'watcher',
  title: 'NFT bridge: transfers stuck',
  severity: 'S1',
  status: 'investigating',
  summary: '37 transfers stuck, $40,000 locked',
  detectedAt: '2026-11-24T10:00:00.000Z',
  impact,
  peakImpact: impact,
  mirror: { cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi' },
  governance: [],
  timeline: [
    { at: '2026-11-24T10:00:00.000Z', kind: 'detected', text: 'Detected S1: 37 transfers stuck' },
    { at: '2026-11-24T10:00:05.000Z', kind: 'reading', text: 'noise' },
  ],
} as unknown as Incident;
const now = new Date('2026-11-24T10:05:00Z');

describe('proposal drafting', () => {
  it('asks to ratify or lift a fired pause, with the tx, the CID and the impact', () => {
    const pause = { kind: 'pause' as const, at: now.toISOString(), outcome: 'confirmed', chain: 'ethereum', target: '0x00000000000000000000000000000000000000aa', txHash: `0x${'ab'.repeat(32)}` };
    const message = draftProposal({ incident, snapshot, templates, pause, failedPause: null, block: 19_000_123, now, from: '0x1' });
    expect(message.title).toBe('[INC-0007] Ratify the emergency pause of nft-bridge?');
    expect(message.body).toContain(pause.txHash);
    expect(message.body).toContain(`ipfs://${incident.mirror.cid}`);
    expect(message.body).toContain('$40,000');
    expect(message.body).toContain('12.0 h');
    expect(message.body).toContain('**Against**: lift the pause');
    expect(message.body).toContain('Detected S1');
    expect(message.body).not.toContain('noise');
    expect(message.body).not.toMatch(/\{\{/);
    expect(message).toMatchObject({ type: 'basic', choices: ['For', 'Against', 'Abstain'], space: 'mydao.eth', snapshot: 19_000_123, start: now.getTime() / 1000, end: now.getTime() / 1000 + 3 * 86_400, app: 'firebreak' });
  });

  it('without a pause asks to acknowledge and says why no pause happened', () => {
    const failedPause = { kind: 'pause' as const, at: now.toISOString(), outcome: 'rejected', reason: 'TargetNotAllowed(0xaa)' };
    const message = draftProposal({ incident, snapshot, templates, pause: null, failedPause, block: 1, now, from: '' });
    expect(message.title).toMatch(/^\[INC-0007\] Acknowledge/);
    expect(message.body).toContain('TargetNotAllowed');
  });

  it('validate names unknown placeholders in the proposal templates', () => {
    expect(proposalTemplateIssues(templates, 'playbooks/templates')).toEqual([]);
    const issues = proposalTemplateIssues({ ...templates, 'proposal.md': 'Hello {{incidentId}} {{id}}' }, 'playbooks/templates');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('playbooks/templates/proposal.md');
    expect(issues[0]!.message).toContain('{{incidentId}}');
  });
});

describe('auto-pause policy', () => {
  it('acts only on watcher bridge incidents', () => {
    expect(watcherBridgeOf(incident)).toBe('nft-bridge');
    expect(watcherBridgeOf({ ...incident, source: 'alert', key: 'alert:nft-bridge' })).toBeNull();
    expect(watcherBridgeOf({ ...incident, source: 'alert' })).toBeNull();
    expect(watcherBridgeOf({ ...incident, key: 'chain:arbitrum:halted' })).toBeNull();
    expect(watcherBridgeOf({ ...incident, source: 'manual', key: 'manual:INC-0007' })).toBeNull();
  });

  it('hashes the incident id as the contract argument', () => {
    // = Solidity keccak256("INC-2026-0001") (the forge tests' INCIDENT)
    expect(incidentIdHash('INC-2026-0001')).toBe('0x89c55da7c48f5578a4bc177be108ca20fdcb7196ed93f6cf05d66dc2c78dd3f4');
  });
});
