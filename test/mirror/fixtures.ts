/** Incidents as the engine would hand them to the mirror: the seed case (S1, 37 stuck, $40,000, 12 h 3 min). */
import type { Incident } from '../../src/core/types.ts';
import type { StatusSnapshot } from '../../src/mirror/render/public.ts';

export const HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)> & "quotes"';

export function openIncident(overrides: Partial<Incident> = {}): Incident {
  const impact = { stuckTransfers: 37, lockedUsd: 40_000, oldestStuckSeconds: 12 * 3600 + 3 * 60, bridges: ['drill'], chains: ['ethereum', 'arbitrum'] };
  return {
    id: 'INC-0001',
    key: 'bridge:drill:stuck',
    title: 'Drill bridge: transfers stuck',
    severity: 'S1',
    status: 'identified',
    source: 'watcher',
    summary: '37 transfers stuck',
    startedAt: '2026-11-26T12:00:00.000Z',
    detectedAt: '2026-11-26T12:00:00.000Z',
    acknowledgedAt: '2026-11-26T12:05:00.000Z',
    acknowledgedBy: 'alice',
    mitigatedAt: null,
    resolvedAt: null,
    roles: { commander: 'alice', techLead: null, comms: null, scribe: null },
    impact,
    peakImpact: impact,
    peakSeverity: 'S1',
    nextUpdateDue: '2026-11-26T13:00:00.000Z',
    lastUpdateAt: '2026-11-26T12:30:00.000Z',
    escalation: { tier: 0, nextAt: null, held: false },
    severityOverride: null,
    clearedAt: null,
    postmortemDue: null,
    mirror: { cid: null },
    governance: [],
    actionItems: [],
    timeline: [
      { at: '2026-11-26T12:00:00.000Z', kind: 'detected', text: 'Detected S1: 37 transfers stuck, $40,000 locked', actor: 'firebreak' },
      { at: '2026-11-26T12:00:01.000Z', kind: 'page', text: 'Paged on-call tier "primary" SECRET-PAGE', actor: 'firebreak' },
      { at: '2026-11-26T12:05:00.000Z', kind: 'acknowledged', text: 'Acknowledged by alice', actor: 'alice' },
      { at: '2026-11-26T12:06:00.000Z', kind: 'note', text: 'internal: relayer key rotated SECRET-NOTE', actor: 'bob' },
      { at: '2026-11-26T12:07:00.000Z', kind: 'role', text: 'carol is commander SECRET-ROLE', actor: 'alice' },
      { at: '2026-11-26T12:30:00.000Z', kind: 'status', text: 'Status investigating → identified', actor: 'alice', data: { from: 'investigating', to: 'identified' } },
      { at: '2026-11-26T12:30:00.000Z', kind: 'update', text: 'The relayer is stalled; we are restarting it.', actor: 'alice' },
    ],
    ...overrides,
  };
}

export function snapshotOf(incidents: Incident[], generatedAt = new Date('2026-11-27T00:03:00.000Z')): StatusSnapshot {
  return {
    page: { name: 'Firebreak drill' },
    generatedAt,
    incidents,
    maintenance: [{ start: new Date('2026-12-01T02:00:00Z'), end: new Date('2026-12-01T04:00:00Z'), bridges: ['drill'], note: 'relayer <upgrade>' }],
    components: { bridges: [{ id: 'drill', name: 'Drill bridge' }], chains: ['ethereum', 'arbitrum'] },
    ipns: 'k51qzi5uqu5dexample',
  };
}
