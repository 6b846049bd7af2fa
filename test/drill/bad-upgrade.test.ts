/**
 * `drill --scenario bad-upgrade` through startDrill: an upgrade of the destination's UUPS proxy
 * breaks finalization, the incident names the allowed rollback, the drill (as a person, through
 * the API) runs it, the proxy runs V1 again, the relayer finishes, the incident resolves and the
 * postmortem carries the rollback tx. And the CLI's `--once` summary line.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.ts';
import { type RunningDrill, startDrill } from '../../src/app/drill.ts';
import type { DrillProgress } from '../../src/drill/steps.ts';

const quiet: DrillProgress = { start: () => {}, done: () => {}, fail: () => {}, say: () => {} };

let drill: RunningDrill | null = null;
afterEach(async () => {
  await drill?.stop();
  if (drill) rmSync(drill.dataDir, { recursive: true, force: true });
  drill = null;
});

describe('drill: bad-upgrade', () => {
  it('rolls the destination back through the governor and resolves, postmortem with the rollback tx', { timeout: 300_000 }, async () => {
    drill = await startDrill({ scenario: 'bad-upgrade', port: 0, logger: silentLogger, progress: quiet, keepData: true });
    const report = await drill.run();
    expect(report.failedStep).toBeNull();
    expect(Object.keys(report.steps)).toEqual(['detected', 'messages', 'mirror', 'recommended', 'rollback', 'resolved', 'postmortem', 'anchor', 'verify']);
    expect(report.stuck).toBe(8);
    expect(report.rollbackTx).toMatch(/^0x[0-9a-f]{64}$/);
    expect(report.verified).toBe(true);
    // a rollback is never a pause: the source bridge stays open
    expect(report.paused).toBe(false);

    const incident = (await drill.service.engine.get(report.incident!))!;
    expect(incident.status).toBe('resolved');
    const recommendation = incident.timeline.find((e) => e.kind === 'recommendation' && (e.data as { rule?: string }).rule === 'rollback-available');
    expect(recommendation?.text).toMatch(/Rollback allowed for drill/);
    // who decided it: the drill's API token, as a person's would be
    expect(incident.timeline.some((e) => e.kind === 'rollback' && e.actor === 'drill' && (e.data as { outcome?: string }).outcome === 'requested')).toBe(true);
    expect(incident.governance.filter((g) => g.kind === 'rollback').map((g) => [g.outcome, g.txHash])).toEqual([['confirmed', report.rollbackTx]]);

    const postmortem = readFileSync(join(drill.dataDir, 'postmortems', `${report.incident}.md`), 'utf8');
    expect(postmortem).toContain('### Rollback');
    expect(postmortem).toContain(report.rollbackTx!);
  });
});
