import { describe, expect, it } from 'vitest';
import { actorOf, parseCommand } from '../../src/comms/telegram/commands.ts';
import { secretMatches } from '../../src/comms/telegram/webhook.ts';
import { pagerDutyEvent } from '../../src/comms/paging/pagerduty.ts';
import { signBody, verifySignature } from '../../src/comms/paging/webhook.ts';
import { createHmac } from 'node:crypto';

describe('Telegram command parsing', () => {
  it('reads the command, an optional incident id and the text', () => {
    expect(parseCommand('/status')).toEqual({ name: 'status', incidentId: null, text: '' });
    expect(parseCommand('/ack@FirebreakBot inc-0012')).toEqual({ name: 'ack', incidentId: 'INC-0012', text: '' });
    expect(parseCommand('/update INC-0003: monitoring: fix deployed\nsecond line')).toEqual({ name: 'update', incidentId: 'INC-0003', text: 'monitoring: fix deployed\nsecond line' });
    expect(parseCommand('  /note   relayer restarted ')).toEqual({ name: 'note', incidentId: null, text: 'relayer restarted' });
    expect(parseCommand('/resolve')).toEqual({ name: 'resolve', incidentId: null, text: '' });
  });

  it('ignores what is not one of our commands', () => {
    expect(parseCommand('hello /status')).toBeNull();
    expect(parseCommand('/start')).toBeNull();
    expect(parseCommand('/statusx')).toBeNull();
  });

  it('names the actor by username, else by user id', () => {
    expect(actorOf({ userId: '42', username: 'alice' })).toBe('telegram:alice');
    expect(actorOf({ userId: '42' })).toBe('telegram:42');
  });

  it('compares the webhook secret exactly', () => {
    expect(secretMatches('s3cret', 's3cret')).toBe(true);
    expect(secretMatches('s3cre', 's3cret')).toBe(false);
    expect(secretMatches('', 's3cret')).toBe(false);
  });
});

describe('paging formats', () => {
  it('signs webhook bodies as sha256=<hex HMAC-SHA256(body, secret)>', () => {
    const body = '{"event":"page"}';
    const expected = `sha256=${createHmac('sha256', 'k').update(body).digest('hex')}`;
    expect(signBody(body, 'k')).toBe(expected);
    expect(verifySignature(body, expected, 'k')).toBe(true);
    expect(verifySignature(body + ' ', expected, 'k')).toBe(false);
    expect(verifySignature(body, expected, 'other')).toBe(false);
    expect(verifySignature(body, undefined, 'k')).toBe(false);
  });

  it('builds PagerDuty Events v2 trigger and resolve bodies keyed by the incident id', () => {
    const trigger = pagerDutyEvent({ action: 'trigger', tier: 'primary', incidentId: 'INC-0001', summary: 's', source: 'firebreak:x', severity: 'error' }, 'RK');
    expect(trigger).toMatchObject({ routing_key: 'RK', event_action: 'trigger', dedup_key: 'INC-0001', payload: { summary: 's', source: 'firebreak:x', severity: 'error' } });
    expect(pagerDutyEvent({ action: 'resolve', tier: 'primary', incidentId: 'INC-0001' }, 'RK')).toEqual({ routing_key: 'RK', event_action: 'resolve', dedup_key: 'INC-0001' });
  });
});
