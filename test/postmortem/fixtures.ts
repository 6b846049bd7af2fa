/** The seed incident of the product (37 stuck, $40,000 locked, 12 h, S1) as the engine would hand it over. */
import type { ActionItem, Incident } from '../../src/core/types.ts';
import type { PostmortemMessage } from '../../src/postmortem/render.ts';

export const SEED_INCIDENT_ID = 'INC-2026-0001';

export function seedIncident(): Incident {
  const impact = {
    stuckTransfers: 37,
    lockedUsd: 40_000,
    oldestStuckSeconds: 12 * 3600,
    bridges: ['drill-bridge'],
    chains: ['source', 'destination'],
    unpriced: 0,
    pendingTransfers: 42,
  };
  return {
    id: SEED_INCIDENT_ID,
    key: 'bridge:drill-bridge:stuck',
    title: 'drill-bridge: 37 transfers stuck, $40,000 locked',
    severity: 'S1',
    status: 'resolved',
    source: 'watcher',
    summary: 'Deposits on source were not finalized on destination for 12 hours.',
    startedAt: '2026-11-23T22:00:00.000Z',
    detectedAt: '2026-11-23T22:02:00.000Z',
    acknowledgedAt: '2026-11-23T22:07:30.000Z',
    acknowledgedBy: 'alice',
    mitigatedAt: '2026-11-23T22:20:00.000Z',
    resolvedAt: '2026-11-24T10:03:00.000Z',
    roles: { commander: 'alice', techLead: 'bob', comms: null, scribe: null },
    impact: { ...impact, stuckTransfers: 0, lockedUsd: 0, oldestStuckSeconds: 0 },
    peakImpact: impact,
    peakSeverity: 'S1',
    nextUpdateDue: null,
    lastUpdateAt: '2026-11-24T09:30:00.000Z',
    escalation: { tier: 0, nextAt: null, held: false },
    severityOverride: null,
    clearedAt: '2026-11-24T09:48:00.000Z',
    postmortemDue: '2026-11-25T10:03:00.000Z',
    mirror: { cid: 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq' },
    governance: [
      { kind: 'pause', at: '2026-11-23T22:03:00.000Z', outcome: 'confirmed', chain: 'source', target: '0x00000000000000000000000000000000000000aa', txHash: '0x' + 'ab'.repeat(32) },
    ],
    actionItems: [],
    timeline: [
      { at: '2026-11-23T22:02:00.000Z', kind: 'detected', text: 'drill-bridge: 37 transfers stuck, $40,000 locked (S1)', actor: 'firebreak' },
      { at: '2026-11-23T22:02:05.000Z', kind: 'page', text: 'paged tier 1 (ops)', actor: 'firebreak' },
      { at: '2026-11-23T22:03:00.000Z', kind: 'pause', text: 'paused deposits on source', actor: 'firebreak' },
      { at: '2026-11-23T22:05:00.000Z', kind: 'message', text: 'declared to community on discord and telegram', actor: 'firebreak' },
      { at: '2026-11-23T22:07:30.000Z', kind: 'acknowledged', text: 'acknowledged', actor: 'alice' },
      // a note written in chat: tries to break the table and start a heading
      { at: '2026-11-24T01:15:00.000Z', kind: 'note', text: 'relayer | restarted\n# not a heading\n<script>x</script>', actor: 'bob' },
      { at: '2026-11-24T09:48:00.000Z', kind: 'cleared', text: 'all transfers delivered; monitoring', actor: 'firebreak' },
      { at: '2026-11-24T10:03:00.000Z', kind: 'resolved', text: 'resolved after a quiet period of 15 min', actor: 'firebreak' },
    ],
  };
}

export function seedActionItems(): ActionItem[] {
  return [
    { id: 2, title: 'Alert on relayer lag', owner: 'bob', due: '2026-12-05', priority: 'medium', status: 'open', createdAt: '2026-11-24T11:00:00.000Z' },
    {
      id: 1,
      title: 'Add a relayer | watchdog\n## and restart it automatically',
      owner: 'alice',
      due: '2026-12-01',
      priority: 'high',
      status: 'open',
      createdAt: '2026-11-24T10:30:00.000Z',
    },
  ];
}

export function seedMessages(): PostmortemMessage[] {
  return [
    { channel: 'discord:community', kind: 'declared', status: 'sent', sentAt: '2026-11-23T22:05:00.000Z' },
    { channel: 'telegram:community', kind: 'declared', status: 'sent', sentAt: '2026-11-23T22:05:02.000Z' },
    { channel: 'discord:ops', kind: 'page', status: 'sent', sentAt: '2026-11-23T22:02:05.000Z' },
    { channel: 'discord:community', kind: 'update', status: 'sent', sentAt: '2026-11-23T22:35:00.000Z' },
    { channel: 'telegram:community', kind: 'update', status: 'failed', sentAt: null },
    { channel: 'discord:community', kind: 'resolved', status: 'sent', sentAt: '2026-11-24T10:03:10.000Z' },
  ];
}
