/**
 * The incident state machine (SPEC §4) with a controlled clock: every rule is a pure function of
 * (rules, incident, detection, now), so time is just a Date we move.
 */
import { describe, expect, it } from 'vitest';
import type { Effect } from '../../src/core/effects.ts';
import {
  type IncidentRules,
  acknowledgeIncident,
  applyReading,
  openIncident,
  postUpdate,
  resolveIncident,
  responseStats,
  stageDurations,
  setSeverity,
  tickIncident,
} from '../../src/core/incident.ts';
import type { Detection, Impact, Incident, Severity } from '../../src/core/types.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);

function rules(overrides: Partial<IncidentRules> = {}): IncidentRules {
  return {
    levels: {
      S0: { updateEveryMs: 15 * MIN, ackTimeoutMs: 5 * MIN, page: true, postmortem: true },
      S1: { updateEveryMs: 30 * MIN, ackTimeoutMs: 15 * MIN, page: true, postmortem: true },
      S2: { updateEveryMs: 2 * HOUR, ackTimeoutMs: 30 * MIN, page: true, postmortem: false },
      S3: { updateEveryMs: null, ackTimeoutMs: null, page: false, postmortem: false },
    },
    pageMinSeverity: { 'bridge-stuck': 'S2', 'chain-halted': 'S1', alert: 'S2', manual: 'S1' },
    quietPeriodMs: 15 * MIN,
    postmortemDueAfterMs: 24 * HOUR,
    tiers: [{ name: 'primary' }, { name: 'secondary' }, { name: 'management', ackTimeoutMs: 10 * MIN }],
    ...overrides,
  };
}

const SEED_IMPACT: Impact = { stuckTransfers: 37, lockedUsd: 40_000, oldestStuckSeconds: 43_200, bridges: ['acme'], pendingTransfers: 42 };

function reading(severity: Severity | null, impact: Partial<Impact> = {}): Detection {
  return {
    key: 'bridge:acme:stuck',
    source: 'watcher',
    kind: 'bridge-stuck',
    title: 'Acme: transfers stuck',
    severity,
    bridgeId: 'acme',
    summary: severity ? 'Acme: transfers stuck' : 'Acme: no transfers stuck',
    impact: { ...SEED_IMPACT, ...impact },
  };
}

function open(r = rules(), severity: Severity = 'S1', now = at(0)) {
  return openIncident(
    r,
    { id: 'INC-0001', key: 'bridge:acme:stuck', title: 'Acme: transfers stuck', severity, source: 'watcher', summary: '37 stuck', impact: SEED_IMPACT },
    now,
  );
}

const pages = (effects: Effect[]) => effects.filter((e) => e.type === 'page') as Array<Extract<Effect, { type: 'page' }>>;
const kinds = (incident: Incident) => incident.timeline.map((e) => e.kind);

describe('opening and readings', () => {
  it('opens an investigating incident with a detected entry, its cadence and a page', () => {
    const { incident, entries, effects } = open();
    expect(incident).toMatchObject({ status: 'investigating', severity: 'S1', peakSeverity: 'S1', impact: SEED_IMPACT, peakImpact: SEED_IMPACT });
    expect(entries[0]).toMatchObject({ kind: 'detected', actor: 'firebreak', at: at(0).toISOString() });
    expect(incident.nextUpdateDue).toBe(at(30 * MIN).toISOString());
    expect(pages(effects)).toEqual([{ type: 'page', tier: 0, dedup: 'page:0', escalation: false }]);
    expect(kinds(incident)).toEqual(['detected', 'page']);
    expect(effects.some((e) => e.type === 'severity-reached' && e.severity === 'S1')).toBe(true);
  });

  it('raises the severity in place on a worse reading and keeps the peak impact', () => {
    const r = rules();
    const opened = open(r).incident;
    const worse = applyReading(r, opened, reading('S0', { stuckTransfers: 80, lockedUsd: 2_000_000 }), at(5 * MIN));
    expect(worse.incident.id).toBe('INC-0001');
    expect(worse.incident.severity).toBe('S0');
    expect(worse.incident.peakSeverity).toBe('S0');
    expect(worse.incident.peakImpact.lockedUsd).toBe(2_000_000);
    expect(worse.entries.map((e) => e.kind)).toContain('severity');
    expect(worse.entries.find((e) => e.kind === 'severity')!.data).toEqual({ from: 'S1', to: 'S0' });
    // S0's faster cadence starts now: 15 min instead of the remaining 25
    expect(worse.incident.nextUpdateDue).toBe(at(20 * MIN).toISOString());
    expect(worse.effects.some((e) => e.type === 'severity-reached' && e.severity === 'S0')).toBe(true);
    // the timeline is appended, never rewritten
    expect(worse.incident.timeline.slice(0, opened.timeline.length)).toEqual(opened.timeline);
  });

  it('automatic readings never lower the severity; the current impact follows the reading', () => {
    const r = rules();
    const opened = open(r).incident;
    const better = applyReading(r, opened, reading('S2', { stuckTransfers: 6, lockedUsd: 12_000 }), at(5 * MIN));
    expect(better.incident.severity).toBe('S1');
    expect(better.incident.impact.stuckTransfers).toBe(6);
    expect(better.incident.peakImpact.stuckTransfers).toBe(37);
    expect(better.entries).toEqual([]);
    // the same reading again changes nothing (nothing to save)
    const same = applyReading(r, better.incident, reading('S2', { stuckTransfers: 6, lockedUsd: 12_000 }), at(6 * MIN));
    expect(same.incident).toBe(better.incident);
    expect(same.effects).toEqual([]);
  });

  it('people may lower it, recorded with who did it; readings at the old level do not undo that', () => {
    const r = rules();
    const opened = open(r).incident;
    const lowered = setSeverity(r, opened, at(2 * MIN), 'alice', 'S3', 'false positive: relayer catching up');
    expect(lowered.incident.severity).toBe('S3');
    expect(lowered.entries[0]).toMatchObject({ kind: 'severity', actor: 'alice', data: { from: 'S1', to: 'S3', manual: true } });
    expect(lowered.entries[0]!.text).toContain('alice');
    expect(lowered.incident.peakSeverity).toBe('S1');
    expect(lowered.incident.nextUpdateDue).toBeNull();
    const same = applyReading(r, lowered.incident, reading('S1'), at(3 * MIN));
    expect(same.incident.severity).toBe('S3');
    const worse = applyReading(r, lowered.incident, reading('S0'), at(4 * MIN));
    expect(worse.incident.severity).toBe('S0');
    expect(worse.incident.severityOverride).toBeNull();
  });
});

describe('clearing and the quiet period', () => {
  it('clear → monitoring → resolved after the quiet period, all on the timeline', () => {
    const r = rules();
    const opened = open(r).incident;
    const cleared = applyReading(r, opened, reading(null, { stuckTransfers: 0, lockedUsd: 0, oldestStuckSeconds: 0 }), at(60 * MIN));
    expect(cleared.incident.status).toBe('monitoring');
    expect(cleared.incident.clearedAt).toBe(at(60 * MIN).toISOString());
    expect(cleared.incident.mitigatedAt).toBe(at(60 * MIN).toISOString());
    expect(cleared.entries.map((e) => e.kind)).toEqual(['cleared']);
    // a second clear reading changes nothing
    expect(applyReading(r, cleared.incident, reading(null), at(61 * MIN)).entries).toEqual([]);

    const early = tickIncident(r, cleared.incident, at(74 * MIN));
    expect(early.incident.status).toBe('monitoring');
    const quiet = tickIncident(r, early.incident, at(75 * MIN));
    expect(quiet.incident.status).toBe('resolved');
    expect(quiet.incident.resolvedAt).toBe(at(75 * MIN).toISOString());
    expect(quiet.entries.map((e) => e.kind)).toEqual(['resolved']);
    expect(quiet.incident.nextUpdateDue).toBeNull();
    expect(quiet.effects.some((e) => e.type === 'unpage')).toBe(true);
  });

  it('a worse reading during monitoring takes it back to investigating (same incident)', () => {
    const r = rules();
    const opened = open(r).incident;
    const cleared = applyReading(r, opened, reading(null, { stuckTransfers: 0 }), at(60 * MIN)).incident;
    const back = applyReading(r, cleared, reading('S1'), at(65 * MIN));
    expect(back.incident.status).toBe('investigating');
    expect(back.incident.clearedAt).toBeNull();
    expect(back.entries.map((e) => e.kind)).toEqual(['recurred']);
    // the quiet period no longer runs
    expect(tickIncident(r, back.incident, at(200 * MIN)).incident.status).toBe('investigating');
  });

  it('a person setting monitoring while the condition holds: readings do not flip it back; the clear starts the quiet period', () => {
    const r = rules();
    const fixed = postUpdate(r, open(r).incident, at(10 * MIN), 'bob', 'Relayer restarted, watching the queue drain', 'monitoring').incident;
    const still = applyReading(r, fixed, reading('S1', { stuckTransfers: 20 }), at(12 * MIN));
    expect(still.incident.status).toBe('monitoring');
    expect(still.entries).toEqual([]);
    const cleared = applyReading(r, still.incident, reading(null, { stuckTransfers: 0 }), at(20 * MIN));
    expect(cleared.entries.map((e) => e.kind)).toEqual(['cleared']);
    expect(tickIncident(r, cleared.incident, at(35 * MIN)).incident.status).toBe('resolved');
  });
});

describe('cadence', () => {
  it.each([
    ['S0', 15 * MIN],
    ['S1', 30 * MIN],
    ['S2', 2 * HOUR],
  ] as const)('%s: nextUpdateDue is set and an automatic update with the live figures is posted when due', (severity, every) => {
    const r = rules();
    const opened = open(r, severity).incident;
    expect(opened.nextUpdateDue).toBe(at(every).toISOString());
    expect(tickIncident(r, opened, at(every - 1000)).entries.filter((e) => e.kind === 'update')).toEqual([]);
    const due = tickIncident(r, opened, at(every));
    const update = due.entries.find((e) => e.kind === 'update')!;
    expect(update.actor).toBe('firebreak');
    expect(update.text).toContain('37 transfers stuck');
    expect(update.text).toContain('$40,000 locked');
    expect(due.effects).toContainEqual(expect.objectContaining({ type: 'notify', kind: 'update', message: expect.stringContaining('$40,000') }));
    expect(due.incident.nextUpdateDue).toBe(at(2 * every).toISOString());
    expect(due.incident.lastUpdateAt).toBe(at(every).toISOString());
  });

  it('S3 has no cadence; a person writing an update restarts the clock', () => {
    const r = rules();
    expect(open(r, 'S3').incident.nextUpdateDue).toBeNull();
    const opened = open(r, 'S1').incident;
    const written = postUpdate(r, opened, at(20 * MIN), 'bob', 'Relayer restarted', 'identified');
    expect(written.incident.status).toBe('identified');
    expect(written.incident.nextUpdateDue).toBe(at(50 * MIN).toISOString());
    expect(written.entries.map((e) => [e.kind, e.actor])).toEqual([
      ['status', 'bob'],
      ['update', 'bob'],
    ]);
    expect(tickIncident(r, written.incident, at(30 * MIN)).entries.filter((e) => e.kind === 'update')).toEqual([]);
  });
});

describe('escalation', () => {
  it('escalates through the tiers when nobody acknowledges, each escalation on the timeline', () => {
    const r = rules();
    let incident = open(r, 'S0').incident; // S0 ack timeout 5 min
    expect(incident.escalation).toEqual({ tier: 0, nextAt: at(5 * MIN).toISOString(), held: false });
    const first = tickIncident(r, incident, at(5 * MIN));
    expect(pages(first.effects)).toEqual([{ type: 'page', tier: 1, dedup: 'page:1', escalation: true }]);
    expect(first.entries.find((e) => e.kind === 'escalated')!.text).toContain('secondary');
    incident = first.incident;
    // the secondary tier has S0's 5 min; then management
    const second = tickIncident(r, incident, at(10 * MIN));
    expect(pages(second.effects).map((p) => p.tier)).toEqual([2]);
    expect(second.incident.escalation.nextAt).toBeNull();
    const after = tickIncident(r, second.incident, at(60 * MIN));
    expect(pages(after.effects)).toEqual([]);
    expect(kinds(after.incident).filter((k) => k === 'escalated')).toHaveLength(2);
  });

  it('acknowledging stops the escalation and is recorded with the actor', () => {
    const r = rules();
    const opened = open(r, 'S1').incident;
    const acked = acknowledgeIncident(opened, at(3 * MIN), 'carol');
    expect(acked.incident).toMatchObject({ acknowledgedAt: at(3 * MIN).toISOString(), acknowledgedBy: 'carol' });
    expect(acked.entries[0]).toMatchObject({ kind: 'acknowledged', actor: 'carol' });
    expect(pages(tickIncident(r, acked.incident, at(60 * MIN)).effects)).toEqual([]);
    // acknowledging twice changes nothing
    expect(acknowledgeIncident(acked.incident, at(4 * MIN), 'dave').entries).toEqual([]);
  });

  it('does not page below the runbook minimum', () => {
    const { effects, incident } = open(rules(), 'S3');
    expect(pages(effects)).toEqual([]);
    expect(incident.escalation.nextAt).toBeNull();
  });
});

describe('postmortem due', () => {
  it('is due 24 h after an S0/S1 resolves and shows on the timeline when overdue', () => {
    const r = rules();
    const opened = open(r, 'S1').incident;
    const resolved = resolveIncident(r, opened, at(HOUR), 'erin', 'relayer fixed');
    expect(resolved.incident.postmortemDue).toBe(at(25 * HOUR).toISOString());
    expect(resolved.entries[0]).toMatchObject({ kind: 'resolved', actor: 'erin' });
    expect(tickIncident(r, resolved.incident, at(24 * HOUR)).entries).toEqual([]);
    const due = tickIncident(r, resolved.incident, at(25 * HOUR));
    expect(due.entries.map((e) => e.kind)).toEqual(['postmortem_due']);
    expect(due.effects).toContainEqual(expect.objectContaining({ type: 'notify', kind: 'postmortem_due' }));
    // once only
    expect(tickIncident(r, due.incident, at(26 * HOUR)).entries).toEqual([]);
  });

  it('follows the peak severity, not the last one; S2 needs none', () => {
    const r = rules();
    const lowered = setSeverity(r, open(r, 'S1').incident, at(MIN), 'alice', 'S2').incident;
    expect(resolveIncident(r, lowered, at(HOUR), 'alice').incident.postmortemDue).toBe(at(25 * HOUR).toISOString());
    expect(resolveIncident(r, open(r, 'S2').incident, at(HOUR), 'alice').incident.postmortemDue).toBeNull();
  });
});

describe('maintenance windows', () => {
  const windowed = (bridges: string[]) =>
    rules({ maintenance: [{ startMs: T0 - HOUR, endMs: T0 + 30 * MIN, bridges, note: 'relayer upgrade' }] });

  it('hold pages (not detection) and page when the window ends', () => {
    const r = windowed(['acme']);
    const opened = open(r, 'S0');
    expect(opened.incident.status).toBe('investigating');
    expect(opened.entries.map((e) => e.kind)).toEqual(['detected', 'page_held']);
    expect(pages(opened.effects)).toEqual([]);
    expect(opened.incident.escalation).toMatchObject({ held: true, nextAt: at(30 * MIN).toISOString() });
    // no escalation while held, even past the ack timeout
    expect(pages(tickIncident(r, opened.incident, at(10 * MIN)).effects)).toEqual([]);
    const released = tickIncident(r, opened.incident, at(30 * MIN));
    expect(pages(released.effects)).toEqual([{ type: 'page', tier: 0, dedup: 'page:0', escalation: false }]);
    expect(released.entries.map((e) => e.kind)).toContain('page');
    expect(released.incident.escalation).toEqual({ tier: 0, nextAt: at(35 * MIN).toISOString(), held: false });
  });

  it('an acknowledged incident is not paged after the window', () => {
    const r = windowed([]);
    const acked = acknowledgeIncident(open(r, 'S1').incident, at(MIN), 'frank').incident;
    const after = tickIncident(r, acked, at(31 * MIN));
    expect(pages(after.effects)).toEqual([]);
    expect(after.incident.escalation.held).toBe(false);
  });

  it('a window for another bridge does not hold the page', () => {
    const opened = open(windowed(['other']), 'S1');
    expect(pages(opened.effects)).toHaveLength(1);
  });
});

describe('stage durations (MTTD/MTTA/MTTM/MTTR)', () => {
  it('per incident from its stage timestamps, and means over a window', () => {
    const r = rules();
    const opened = openIncident(
      r,
      { id: 'INC-0001', key: 'bridge:acme:stuck', title: 't', severity: 'S1', source: 'watcher', summary: 's', impact: SEED_IMPACT, detectionDelaySeconds: 600 },
      at(0),
    ).incident;
    const acked = acknowledgeIncident(opened, at(4 * MIN), 'carol').incident;
    const cleared = applyReading(r, acked, reading(null, { stuckTransfers: 0 }), at(30 * MIN)).incident;
    const resolved = tickIncident(r, cleared, at(45 * MIN)).incident;
    expect(stageDurations(resolved)).toEqual({ detect: 600, acknowledge: 240, mitigate: 1800, resolve: 2700 });
    const manual = openIncident(r, { id: 'INC-0002', key: 'manual:INC-0002', title: 'm', severity: 'S2', source: 'manual', summary: '', impact: SEED_IMPACT }, at(0)).incident;
    expect(stageDurations(manual)).toEqual({ detect: null, acknowledge: null, mitigate: null, resolve: null });
    const old = { ...resolved, id: 'INC-0000', startedAt: at(-40 * 24 * HOUR).toISOString() };
    const stats = responseStats([resolved, manual, old], T0 + HOUR, 30);
    expect(stats).toEqual({ days: 30, incidents: 2, mttdSeconds: 600, mttaSeconds: 240, mttmSeconds: 1800, mttrSeconds: 2700 });
    expect(responseStats([resolved, manual, old], T0 + HOUR, 90).incidents).toBe(3);
  });
});
