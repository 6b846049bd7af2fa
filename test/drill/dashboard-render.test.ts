/**
 * The dashboard's server-side rendering: every section present, everything from outside escaped
 * (incident titles, timeline text, chat messages, governance reasons, mirror CIDs), the live
 * version changes with the page, and the terminal progress draws steps (TTY) or logs them (pipe).
 */
import { describe, expect, it } from 'vitest';
import { EMPTY_IMPACT, type Incident } from '../../src/core/types.ts';
import { dashboardVersion, liveChains, renderDashboard } from '../../src/server/dashboard.ts';
import { createStepProgress } from '../../src/cli/progress.ts';
import type { ChainView } from '../../src/watchers/service.ts';

const EVIL = `<img src=x onerror=alert(1)>"'&`;

function incident(patch: Partial<Incident> = {}): Incident {
  return {
    id: 'INC-0007',
    key: 'bridge:drill:stuck',
    title: `Drill bridge ${EVIL}`,
    severity: 'S1',
    status: 'investigating',
    source: 'watcher',
    summary: 's',
    startedAt: '2026-11-27T00:00:00.000Z',
    detectedAt: '2026-11-27T00:00:00.000Z',
    acknowledgedAt: null,
    acknowledgedBy: null,
    mitigatedAt: null,
    resolvedAt: null,
    roles: { commander: 'alice', techLead: null, comms: null, scribe: null },
    impact: { ...EMPTY_IMPACT, stuckTransfers: 37, lockedUsd: 40_000, bridges: ['drill'] },
    peakImpact: { ...EMPTY_IMPACT, stuckTransfers: 37, lockedUsd: 40_000, bridges: ['drill'] },
    peakSeverity: 'S1',
    nextUpdateDue: null,
    lastUpdateAt: null,
    escalation: { tier: 0, nextAt: null, held: false },
    severityOverride: null,
    clearedAt: null,
    postmortemDue: null,
    mirror: { cid: 'bafyEVIL"><script>' },
    governance: [{ kind: 'pause', at: '2026-11-27T00:00:01.000Z', outcome: 'confirmed', chain: 'eth', txHash: '0xabc', reason: EVIL }],
    actionItems: [],
    timeline: [
      { at: '2026-11-27T00:00:00.000Z', kind: 'detected', text: `Detected ${EVIL}` },
      { at: '2026-11-27T00:00:02.000Z', kind: 'anchored', text: 'anchored', data: { digest: '0x11', txHash: '0x22', chainId: 31337, cid: 'bafyPM', uri: 'ipfs://bafyPM' } },
    ],
    ...patch,
  };
}

const chain: ChainView = {
  name: 'ethereum-local',
  head: { head: 120, confirmed: 118, headTimestamp: 1_000, confirmedTimestamp: 998 } as ChainView['head'],
  caughtUp: true,
  halted: false,
  unobservableSince: null,
  lastError: null,
  rpc: 1,
};

describe('dashboard rendering', () => {
  const model = {
    title: `Drill ${EVIL}`,
    chains: [chain],
    bridges: [],
    incidents: [incident()],
    messages: [
      { incidentId: 'INC-0007', channel: 'discord:ops', kind: 'opened', status: 'skipped', text: `**INC-0007** ${EVIL}` },
      { incidentId: 'INC-0007', channel: 'telegram:community', kind: 'opened', status: 'sent', text: `*INC\\-0007* ${EVIL}` },
      { incidentId: 'INC-0007', channel: 'governor:pause', kind: 'pause', status: 'sent', text: `pause drill ${EVIL}` },
    ],
    mirror: { cid: 'bafyMIRROR', ipns: 'k51ipns' },
    actionToken: 'tok',
    notes: ['Drill steps: detected ✔ · messages …', `INC-0007: postmortem verified against eth — matches ${EVIL}`],
    nowMs: 1_010_000,
  };
  const html = renderDashboard(model);

  it('escapes everything that comes from outside', () => {
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('"><script>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
    // the only script element is the dashboard's own
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('shows chains, the incident with buttons, messages per channel, governance, mirror and postmortem', () => {
    expect(html).toContain('data-chain="ethereum-local"');
    expect(html).toMatch(/data-field="rpc">#1</);
    expect(html).toContain('id="INC-0007"');
    for (const action of ['ack', 'resolve']) expect(html).toContain(`data-action="${action}"`);
    for (const form of ['updates', 'roles']) expect(html).toContain(`form data-action="${form}"`);
    expect(html).toContain('form data-declare');
    expect(html).toContain('Discord #ops');
    expect(html).toContain('Telegram community');
    expect(html).toContain('would be sent (not configured)');
    expect(html).toContain('<b>INC-0007</b>');
    expect(html).toContain('<b>INC-0007</b> &lt;img');
    expect(html).toContain('class="governance"');
    // non-chat deliveries (pages, transactions) are a table, not a chat panel
    expect(html).toMatch(/<table class="deliveries">.*data-channel="governor:pause".*pause drill &lt;img/s);
    expect(html).not.toContain('class="channel ch-other"');
    expect(html).toContain('href="/ipfs/bafyMIRROR/"');
    expect(html).toContain('k51ipns');
    expect(html).toContain('anchored: digest <code>0x11</code>');
    expect(html).toContain('postmortem verified against eth');
    expect(html).toContain('<meta name="firebreak-token" content="tok">');
    expect(html).toContain('<p class="drill-steps">Drill steps: detected ✔ · messages …</p>');
  });

  it('hides the buttons without the drill token and for resolved incidents', () => {
    const plain = renderDashboard({ ...model, actionToken: undefined });
    expect(plain).not.toContain('data-action="ack"');
    expect(plain).not.toContain('<meta name="firebreak-token"');
    const resolved = renderDashboard({ ...model, incidents: [incident({ status: 'resolved', resolvedAt: '2026-11-27T01:00:00.000Z' })] });
    expect(resolved).not.toContain('data-action="ack"');
    expect(resolved).toContain('Resolved incidents');
  });

  it('changes its live version when an incident changes, and reports chain lag', () => {
    const before = dashboardVersion(model);
    const after = dashboardVersion({ ...model, incidents: [incident({ acknowledgedAt: '2026-11-27T00:01:00.000Z' })] });
    expect(after).not.toBe(before);
    expect(dashboardVersion(model)).toBe(before);
    expect(dashboardVersion({ ...model, notes: ['Drill steps: detected ✔ · messages ✔'] })).not.toBe(before);
    expect(liveChains([chain], 1_010_000)).toEqual([{ name: 'ethereum-local', head: 120, confirmed: 118, lagSeconds: 10, rpc: 1, state: 'live' }]);
  });
});

describe('drill progress on the terminal', () => {
  function fakeStream(tty: boolean) {
    let out = '';
    return { stream: { isTTY: tty, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream, out: () => out };
  }

  it('draws a spinner and a check mark on a TTY', () => {
    const { stream, out } = fakeStream(true);
    const logged: unknown[] = [];
    const logger = { debug() {}, info: (o: object, m?: string) => logged.push([o, m]), warn: (o: object, m?: string) => logged.push([o, m]), error() {}, child: () => logger };
    const progress = createStepProgress({ logger, tty: true, stream });
    progress.start('detected', 'waiting for detection');
    progress.done('detected', 'INC-0001 S1');
    progress.start('mirror', 'publishing');
    progress.fail('mirror', 'no CID');
    progress.close();
    expect(out()).toContain('waiting for detection');
    expect(out()).toMatch(/✔.*detected.*INC-0001 S1\n/);
    expect(out()).toMatch(/✖.*mirror.*no CID\n/);
    expect(logged).toEqual([]);
  });

  it('logs JSON-ready events and draws nothing when not a TTY', () => {
    const { stream, out } = fakeStream(false);
    const logged: Array<[Record<string, unknown>, string | undefined]> = [];
    const logger = { debug() {}, info: (o: object, m?: string) => logged.push([o as Record<string, unknown>, m]), warn: (o: object, m?: string) => logged.push([o as Record<string, unknown>, m]), error() {}, child: () => logger };
    const progress = createStepProgress({ logger, tty: false, stream });
    progress.start('detected', 'waiting');
    progress.done('detected', 'INC-0001');
    progress.say('dashboard: http://127.0.0.1:1/');
    progress.close();
    expect(out()).toBe('');
    expect(logged.map(([o]) => o.event)).toEqual(['start', 'done', 'note']);
    expect(logged[1]).toEqual([{ step: 'detected', event: 'done' }, 'INC-0001']);
  });
});
