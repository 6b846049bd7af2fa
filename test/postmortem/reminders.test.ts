import { describe, expect, it } from 'vitest';
import { dueAt, dueReminders } from '../../src/core/reminders.ts';
import type { ActionItem } from '../../src/core/types.ts';
import { postmortemMessages } from '../../src/postmortem/generate.ts';
import type { OutboxRow } from '../../src/store/outbox.ts';
import { seedIncident } from './fixtures.ts';

const item = (over: Partial<ActionItem> = {}): ActionItem => ({
  id: 1,
  title: 'Alert on relayer lag',
  owner: 'bob',
  due: '2026-12-01',
  priority: 'high',
  status: 'open',
  createdAt: '2026-11-24T10:00:00.000Z',
  ...over,
});

describe('action item reminders', () => {
  it('reads dates as the start of the UTC day, full times as given, nonsense as null', () => {
    expect(dueAt(item())).toBe(Date.parse('2026-12-01T00:00:00Z'));
    expect(dueAt(item({ due: '2026-12-01T15:30:00+02:00' }))).toBe(Date.parse('2026-12-01T13:30:00Z'));
    expect(dueAt(item({ due: 'next sprint' }))).toBeNull();
  });

  it('reminds once per item per due date, only for open items whose date has come', () => {
    const incident = seedIncident();
    const items = [item(), item({ id: 2, status: 'done' }), item({ id: 3, due: '2027-01-01' }), item({ id: 4, due: 'soon' })];
    expect(dueReminders(incident, items, new Date('2026-11-30T23:59:59Z')).effects).toEqual([]);

    const first = dueReminders(incident, items, new Date('2026-12-01T00:00:00Z'));
    expect(first.entries).toHaveLength(1);
    expect(first.entries[0]).toMatchObject({ kind: 'reminder', data: { actionItem: 1, due: '2026-12-01' } });
    expect(first.effects[0]).toMatchObject({ type: 'notify', kind: 'reminder', dedup: 'reminder:action-item:1:2026-12-01', vars: { audiences: ['ops'], owner: 'bob' } });

    const after = { ...incident, timeline: [...incident.timeline, ...first.entries] };
    expect(dueReminders(after, items, new Date('2026-12-02T00:00:00Z')).effects).toEqual([]);
    // the due date moved: a new reminder when the new date comes
    const moved = [item({ due: '2026-12-08' })];
    expect(dueReminders(after, moved, new Date('2026-12-07T00:00:00Z')).effects).toEqual([]);
    expect(dueReminders(after, moved, new Date('2026-12-08T09:00:00Z')).effects).toHaveLength(1);
  });
});

describe('communications from the outbox', () => {
  const row = (id: number, channel: string, kind: string, status: OutboxRow['status'], sentAt: Date | null = null): OutboxRow => ({
    id,
    key: `k${id}`,
    incidentId: 'INC-0001',
    channel,
    kind,
    payload: {},
    status,
    attempts: 1,
    nextAttemptAt: new Date(0),
    lastError: null,
    result: null,
    createdAt: new Date(0),
    sentAt,
  });

  it('counts messages to people, not transactions, pins, the live card or the anchor announcement', () => {
    const at = new Date('2026-11-24T10:00:00Z');
    const messages = postmortemMessages([
      row(1, 'discord:ops', 'declared', 'sent', at),
      row(2, 'telegram:community', 'declared', 'skipped'),
      row(3, 'pagerduty:primary', 'page', 'sent', at),
      row(4, 'webhook:0', 'page', 'failed'),
      row(5, 'governor:pause', 'pause', 'sent', at),
      row(6, 'pin:0', 'pin', 'sent', at),
      row(7, 'snapshot:proposal', 'proposal', 'sent', at),
      row(8, 'discord:ops', 'live', 'sent', at),
      row(9, 'discord:community', 'anchored', 'sent', at),
    ]);
    expect(messages.map((m) => m.channel)).toEqual(['discord:ops', 'telegram:community', 'pagerduty:primary', 'webhook:0']);
    expect(messages[0]).toEqual({ channel: 'discord:ops', kind: 'declared', status: 'sent', sentAt: '2026-11-24T10:00:00.000Z' });
  });
});
