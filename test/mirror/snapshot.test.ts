/** The page's input: every open incident, however many were resolved after it opened. */
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/types.ts';
import { liveSnapshot } from '../../src/mirror/snapshot.ts';
import { openIncident } from './fixtures.ts';

describe('status snapshot', () => {
  it('keeps an old open incident on the page after 300 newer ones resolved', async () => {
    const oldOpen = openIncident({ id: 'INC-0001' });
    const resolved: Incident[] = Array.from({ length: 300 }, (_, i) =>
      openIncident({ id: `INC-${String(i + 2).padStart(4, '0')}`, key: `manual:${i}`, status: 'resolved', resolvedAt: '2026-11-27T00:00:00.000Z' }),
    );
    const all = [oldOpen, ...resolved].reverse(); // newest first, as the store lists them
    const engine = {
      async list(filter: { status?: 'open' | 'resolved' | 'all'; limit?: number } = {}) {
        const wanted = all.filter((i) => filter.status === 'all' || !filter.status || (filter.status === 'open') === (i.status !== 'resolved'));
        return wanted.slice(0, filter.limit ?? 200);
      },
    };
    const config = { maintenance: [], bridges: [], chains: {}, server: {} } as never;
    const snapshot = await liveSnapshot({ config, engine: engine as never, now: () => new Date(), pageName: 'Status', ipns: () => null });
    expect(snapshot.incidents.map((i) => i.id)).toContain('INC-0001');
    expect(snapshot.incidents.filter((i) => i.status === 'resolved')).toHaveLength(200);
  });
});
