import { describe, expect, it } from 'vitest';
import {
  checkPostmortemTemplate,
  defaultPostmortemTemplate,
  escapeInline,
  renderPostmortem,
} from '../../src/postmortem/render.ts';
import { postmortemDigest } from '../../src/postmortem/anchor.ts';
import { seedActionItems, seedIncident, seedMessages } from './fixtures.ts';

function render(): string {
  return renderPostmortem(seedIncident(), { actionItems: seedActionItems(), messages: seedMessages() });
}

/** The text between `## <title>` and the next `## ` heading. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  expect(start, `section ${title}`).toBeGreaterThan(-1);
  const rest = markdown.slice(start + title.length + 5);
  const end = rest.search(/\n## |\n---\n/);
  return end === -1 ? rest : rest.slice(0, end);
}

describe('postmortem generator', () => {
  it('gives the same bytes for the same incident', () => {
    const a = render();
    const b = renderPostmortem(structuredClone(seedIncident()), { actionItems: [...seedActionItems()].reverse(), messages: [...seedMessages()].reverse() });
    expect(b).toBe(a);
    expect(postmortemDigest(new TextEncoder().encode(b))).toBe(postmortemDigest(new TextEncoder().encode(a)));
    expect(a.endsWith('\n')).toBe(true);
    expect(a.endsWith('\n\n')).toBe(false);
  });

  it('has every section of the template, in order, and no placeholder left', () => {
    const md = render();
    const headings = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([
      'Summary',
      'Impact (at its peak)',
      'Response times',
      'Timeline (UTC)',
      'Root cause',
      'Contributing factors',
      'What went well',
      "What didn't go well",
      'Action items',
      'Communications',
      'Actions taken',
    ]);
    // `$` is escaped: GitHub would read `$…$` as math
    expect(md.startsWith('# Postmortem: drill-bridge: 37 transfers stuck, \\$40,000 locked\n')).toBe(true);
    expect(md).not.toMatch(/\{\{/);
    expect(md).toMatch(/blameless/i);
  });

  it('reports the impact at its peak (not the cleared figures)', () => {
    const impact = section(render(), 'Impact (at its peak)');
    expect(impact).toContain('| Stuck transfers | 37 |');
    expect(impact).toContain('| Pending transfers | 42 |');
    expect(impact).toContain('| Locked value | \\$40,000 |');
    expect(impact).toContain('| Oldest stuck transfer | 12 h |');
    expect(impact).toContain('| Duration | 12 h 3 min |');
    expect(impact).toContain('| Bridges | drill-bridge |');
    expect(impact).toContain('| Chains | source, destination |');
    // 5 of the 6 outbox rows were sent; the failed one is not counted
    expect(impact).toContain('| Messages sent | 5 |');
  });

  it('computes MTTD, MTTA and MTTR from the incident stages', () => {
    const metrics = section(render(), 'Response times');
    expect(metrics).toContain('| MTTD (time to detect) | 2 min |');
    expect(metrics).toContain('| MTTA (time to acknowledge) | 5 min 30 s |');
    expect(metrics).toContain('| Time to mitigate | 18 min |');
    expect(metrics).toContain('| MTTR (time to resolve) | 12 h 1 min |');
  });

  it('writes a UTC minute-by-minute timeline from the incident timeline, grouped by day', () => {
    const timeline = section(render(), 'Timeline (UTC)');
    const lines = timeline.split('\n').filter((l) => l.startsWith('- '));
    expect(lines[0]).toBe('- 22:02 UTC — drill-bridge: 37 transfers stuck, \\$40,000 locked (S1)');
    expect(lines).toContain('- 22:07 UTC — acknowledged (alice)');
    expect(lines.at(-1)).toBe('- 10:03 UTC — resolved after a quiet period of 15 min');
    expect(timeline).toContain('**2026-11-23**');
    expect(timeline).toContain('**2026-11-24**');
  });

  it('escapes outside text: a note cannot start a heading, split a table or inject HTML', () => {
    const md = render();
    expect(md).not.toMatch(/^# not a heading/m);
    expect(md).not.toContain('<script>');
    expect(md).toContain('relayer \\| restarted # not a heading &lt;script&gt;x&lt;/script&gt; (bob)');
    // the action item title with a pipe and a newline stays in one row with 6 cells
    const row = section(md, 'Action items').split('\n').find((l) => l.startsWith('| 1 |'))!;
    expect(row).toBe('| 1 | Add a relayer \\| watchdog ## and restart it automatically | alice | 2026-12-01 | high | open |');
    expect(escapeInline('@everyone [x](http://e) `c` *b*')).toBe('@everyone \\[x\\](http://e) \\`c\\` \\*b\\*');
    expect(escapeInline('1. item')).toBe('1\\. item');
  });

  it('lists action items (title, owner, due, priority, status) sorted by id', () => {
    const items = section(render(), 'Action items').split('\n').filter((l) => /^\| \d/.test(l));
    expect(items).toHaveLength(2);
    expect(items[1]).toBe('| 2 | Alert on relayer lag | bob | 2026-12-05 | medium | open |');
    expect(section(render(), 'Action items')).toContain('| # | Action | Owner | Due | Priority | Status |');
    const none = renderPostmortem(seedIncident(), { actionItems: [], messages: [] });
    expect(section(none, 'Action items')).toMatch(/No action items yet/);
  });

  it('summarises communications from the outbox rows', () => {
    const comms = section(render(), 'Communications');
    expect(comms).toContain('5 messages sent over 3 channels.');
    expect(comms).toContain('| discord:community | declared | 1 | 0 | 0 | 2026-11-23 22:05 UTC |');
    expect(comms).toContain('| telegram:community | update | 0 | 1 | 0 | — |');
  });

  it('leaves root cause and contributing factors to people, with prompts, and states facts blamelessly', () => {
    const md = render();
    expect(section(md, 'Root cause')).toMatch(/To be written by the incident team/);
    expect(section(md, 'Contributing factors')).toMatch(/To be written by the incident team/);
    const well = section(md, 'What went well');
    expect(well).toContain('The condition was detected automatically (watcher) after 2 min.');
    expect(well).toContain('The page was acknowledged by alice 5 min 30 s after detection.');
    // the first message to the affected people (the page at 22:02:05 is internal)
    expect(well).toContain('First update went out 3 min after detection.');
    expect(well).toContain('The pause went through (confirmed).');
    const badly = section(md, "What didn't go well");
    expect(badly).toContain('1 message could not be delivered.');
    expect(badly).toMatch(/about systems, not people/);
    expect(md).not.toMatch(/\b(fault of|blamed|blames|careless|negligen)/i);
  });

  it('names a rollback with its transaction, who asked for it and the implementations', () => {
    const incident = seedIncident();
    const at = incident.timeline.at(-1)!.at;
    const tx = `0x${'ab'.repeat(32)}`;
    incident.timeline.push({
      at,
      kind: 'rollback',
      actor: 'alice',
      text: 'Rolled back',
      data: { outcome: 'confirmed', chain: 'arbitrum', proxy: `0x${'11'.repeat(20)}`, fromImpl: `0x${'22'.repeat(20)}`, toImpl: `0x${'33'.repeat(20)}`, txHash: tx, requestedBy: 'alice' },
    });
    incident.governance.push({ kind: 'rollback', at, outcome: 'confirmed', chain: 'arbitrum', target: `0x${'11'.repeat(20)}`, txHash: tx });
    const md = renderPostmortem(incident, { actionItems: seedActionItems(), messages: seedMessages() });
    const actions = section(md, 'Actions taken');
    expect(actions).toContain('### Rollback');
    expect(actions).toContain(`rolled back from \`0x${'22'.repeat(20)}\` to \`0x${'33'.repeat(20)}\``);
    expect(actions).toContain(`asked for by alice: tx \`${tx}\``);
    expect(actions).toMatch(new RegExp(`\\| rollback \\| confirmed \\| arbitrum \\| ${tx} \\|`));
    expect(render()).not.toContain('### Rollback');
  });

  it('rejects a template with an unknown placeholder, accepts the shipped one', () => {
    expect(checkPostmortemTemplate(defaultPostmortemTemplate())).toEqual([]);
    expect(checkPostmortemTemplate('# {{title}} {{rootCause}}')[0]).toMatch(/unknown placeholder \{\{rootCause\}\}/);
    expect(() => renderPostmortem(seedIncident(), { actionItems: [], messages: [], template: '{{nope}}' })).toThrow(/postmortem template/);
    const custom = renderPostmortem(seedIncident(), { actionItems: [], messages: [], template: 'ID {{id}}\r\n{{ severity }}\r\n\r\n' });
    expect(custom).toBe('ID INC-2026-0001\nS1\n');
  });
});
