import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type IntegrationFactory, type Service } from '../../src/app/service.ts';
import { createPagingParts, type PagingParts } from '../../src/comms/paging/integration.ts';
import { listOutbox } from '../../src/store/outbox.ts';
import { startPagerDutyStandin, type PagerDutyStandin } from '../support/pagerduty-standin.ts';
import { capturingLogger, testClock, testConfig, type TestClock, waitFor } from './telegram-harness.ts';

const PD_KEY = 'R0UT1NGKEYMAINTENANCE0000000003';

let pagerduty: PagerDutyStandin;
let clock: TestClock;
let service: Service;
let paging: PagingParts;

beforeAll(async () => {
  pagerduty = await startPagerDutyStandin();
  clock = testClock('2026-12-01T02:30:00.000Z');
  const config = testConfig((raw) => {
    raw.maintenance = [{ start: '2026-12-01T02:00:00Z', end: '2026-12-01T04:00:00Z', note: 'upgrade' }];
    raw.oncall = { pagerduty: { eventsUrl: pagerduty.eventsUrl }, tiers: [{ name: 'primary', pagerduty: PD_KEY }] };
  });
  const factory: IntegrationFactory = (ctx) => {
    paging = createPagingParts(ctx, { releaseEveryMs: 3_600_000 });
    return { name: 'paging', ...paging };
  };
  service = await startService({ config, logger: capturingLogger(), listen: false, now: clock.now, tickMs: 3_600_000, integrations: [factory] });
});

afterAll(async () => {
  await service?.stop();
  await pagerduty?.close();
});

describe('maintenance windows hold pages', () => {
  it('a page during the window is held (on the timeline), and sent once the window is over', async () => {
    const incident = await service.engine.declare({ title: 'During the upgrade', severity: 'S1' }, 'test');
    const held = await waitFor('the held row', async () => (await listOutbox(service.store.db, { incidentId: incident.id, channelPrefix: 'pagerduty:' })).find((r) => r.status === 'held'));
    expect(held.channel).toBe('pagerduty:primary');
    await waitFor('the page_held entry', async () => (await service.engine.get(incident.id))!.timeline.find((e) => e.kind === 'page_held'));
    await service.delivery.drain();
    expect(pagerduty.events).toHaveLength(0);

    expect(await paging.releaseHeld()).toBe(0); // still inside the window
    clock.advance(2 * 3_600_000);
    expect(await paging.releaseHeld()).toBe(1);
    service.delivery.kick();
    await waitFor('the released trigger', () => pagerduty.events.length === 1);
    expect(pagerduty.events[0]).toMatchObject({ event_action: 'trigger', dedup_key: incident.id, routing_key: PD_KEY });
  });

  it('an incident resolved while its page is held wakes nobody: no trigger, no resolve', async () => {
    clock.advance(-2 * 3_600_000); // back inside the window
    const before = pagerduty.events.length;
    const incident = await service.engine.declare({ title: 'Quick blip', severity: 'S1' }, 'test');
    await service.engine.resolve(incident.id, 'test', 'blip');
    const rows = await listOutbox(service.store.db, { incidentId: incident.id, channelPrefix: 'pagerduty:' });
    expect(rows.map((r) => [r.kind, r.status])).toEqual([['page', 'skipped']]);
    clock.advance(2 * 3_600_000);
    expect(await paging.releaseHeld()).toBe(0);
    await service.delivery.drain();
    expect(pagerduty.events.length).toBe(before);
  });
});
