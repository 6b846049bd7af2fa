import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_PLAYBOOKS } from '../../src/config/load.ts';
import { loadPlaybooks, RUNBOOK_KINDS } from '../../src/config/playbooks.ts';
import { formatIssue } from '../../src/core/errors.ts';
import { SEVERITIES } from '../../src/core/types.ts';

/** A copy of the shipped playbooks without templates/, to break one thing at a time. */
function copy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-playbooks-'));
  cpSync(join(BUNDLED_PLAYBOOKS, 'severity.yaml'), join(dir, 'severity.yaml'));
  cpSync(join(BUNDLED_PLAYBOOKS, 'runbooks'), join(dir, 'runbooks'), { recursive: true });
  return dir;
}

describe('loadPlaybooks', () => {
  it('loads the shipped playbooks', () => {
    const { playbooks, issues } = loadPlaybooks(BUNDLED_PLAYBOOKS);
    expect(issues).toEqual([]);
    expect(playbooks!.levels.S0).toEqual({
      thresholds: { lockedUsd: 1_000_000, halted: true },
      updateEveryMs: 15 * 60_000,
      ackTimeoutMs: 5 * 60_000,
      audiences: ['ops', 'dev', 'comms', 'community'],
      page: true,
      postmortem: true,
      warRoom: true,
    });
    expect(playbooks!.levels.S3.warRoom).toBe(false);
    expect(playbooks!.levels.S1.thresholds.oldestStuck).toBe(2 * 3_600_000);
    expect(playbooks!.levels.S3.updateEveryMs).toBeNull();
    expect(playbooks!.quietPeriodMs).toBe(15 * 60_000);
    expect(playbooks!.postmortemDueAfterMs).toBe(24 * 3_600_000);
    expect(Object.keys(playbooks!.runbooks).sort()).toEqual([...RUNBOOK_KINDS].sort());
    expect(playbooks!.runbooks['bridge-stuck'].actions.autoPause).toBe(true);
    expect(playbooks!.runbooks['bridge-stuck'].recentChangeAdvice).toMatch(/Roll back first/);
    expect(playbooks!.runbooks['chain-halted'].pageMinSeverity).toBe('S1');
  });

  it('the exploit runbook contains first (auto-pause); a folder written before it existed gets the shipped one', () => {
    const shipped = loadPlaybooks(BUNDLED_PLAYBOOKS).playbooks!.runbooks['bridge-exploit'];
    expect(shipped.actions.autoPause).toBe(true);
    expect(shipped.steps[0]).toMatch(/^Contain first: pause/);
    const dir = copy();
    rmSync(join(dir, 'runbooks', 'bridge-exploit.yaml'));
    const { playbooks, issues } = loadPlaybooks(dir);
    expect(issues).toEqual([]);
    expect(playbooks!.runbooks['bridge-exploit']).toEqual(shipped);
  });

  it('warRoom defaults to S0–S2 when severity.yaml does not say, and a level may turn it on or off', () => {
    const dir = copy();
    const file = join(dir, 'severity.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/^    warRoom: \w+\n/gm, ''));
    const defaults = loadPlaybooks(dir).playbooks!;
    expect(SEVERITIES.map((level) => defaults.levels[level].warRoom)).toEqual([true, true, true, false]);
    writeFileSync(file, text.replace(/(  S2:\n(?:    .*\n)*?)    warRoom: true\n/, '$1    warRoom: false\n').replace(/(  S3:\n(?:    .*\n)*?)    warRoom: false\n/, '$1    warRoom: true\n'));
    const changed = loadPlaybooks(dir).playbooks!;
    expect(SEVERITIES.map((level) => changed.levels[level].warRoom)).toEqual([true, true, false, true]);
    writeFileSync(file, text.replace('    warRoom: true\n', '    warRoom: yes-please\n'));
    expect(loadPlaybooks(dir).issues.map(formatIssue).join('\n')).toMatch(/levels\.S0\.warRoom/);
  });

  it('a missing templates folder means no templates', () => {
    const { playbooks, issues } = loadPlaybooks(copy());
    expect(issues).toEqual([]);
    expect(playbooks!.templates).toEqual({});
  });

  it('reads templates (nested too) keyed by their relative path', () => {
    const dir = copy();
    mkdirSync(join(dir, 'templates', 'discord'), { recursive: true });
    writeFileSync(join(dir, 'templates', 'declared.community.md'), 'We are investigating {title}.');
    writeFileSync(join(dir, 'templates', 'discord', 'update.md'), 'Update');
    const { playbooks, issues } = loadPlaybooks(dir);
    expect(issues).toEqual([]);
    expect(playbooks!.templates).toEqual({
      'declared.community.md': 'We are investigating {title}.',
      [join('discord', 'update.md')]: 'Update',
    });
  });

  it('an override (already in ms) replaces a level’s thresholds only', () => {
    const { playbooks } = loadPlaybooks(BUNDLED_PLAYBOOKS, { S2: { stuckTransfers: 2, oldestStuck: 60_000 } });
    expect(playbooks!.levels.S2.thresholds).toEqual({ stuckTransfers: 2, oldestStuck: 60_000 });
    expect(playbooks!.levels.S2.audiences).toEqual(['ops', 'dev', 'community']);
    expect(playbooks!.levels.S1.thresholds).toEqual({ lockedUsd: 100_000, stuckTransfers: 50, oldestStuck: 7_200_000 });
  });

  it('reports problems in the playbook files with the file and the path inside it', () => {
    const dir = copy();
    writeFileSync(
      join(dir, 'severity.yaml'),
      [
        'levels:',
        '  S0: { thresholds: { halted: true }, updateEvery: 15 minutes }',
        '  S1: { thresholds: { oldestStuck: soon } }',
        '  S2: { audiences: [ops, twitter] }',
        '  S3: { pge: true }',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'runbooks', 'manual.yaml'), 'kind: alert\ntitle: x\nsteps: [a]\npage: { minSeverity: S2 }\n');
    const { playbooks, issues } = loadPlaybooks(dir);
    expect(playbooks).toBeNull();
    const severity = join(dir, 'severity.yaml');
    const lines = issues.map(formatIssue);
    expect(lines).toContain(`${severity}: levels.S3.pge: unknown key (a typo?)`);
    expect(lines.some((line) => line.startsWith(`${severity}: levels.S2.audiences[1]: `))).toBe(true);
    expect(lines).toContain(`${join(dir, 'runbooks', 'manual.yaml')}: kind: must be "manual" (the file name)`);
    for (const line of lines) expect(line).not.toContain('\n');
  });

  it('reports bad durations in severity.yaml', () => {
    const dir = copy();
    writeFileSync(
      join(dir, 'severity.yaml'),
      [
        'levels:',
        '  S0: { thresholds: { halted: true }, updateEvery: 15 minutes }',
        '  S1: { thresholds: { oldestStuck: soon } }',
        '  S2: {}',
        '  S3: {}',
      ].join('\n'),
    );
    const { issues } = loadPlaybooks(dir);
    const severity = join(dir, 'severity.yaml');
    expect(issues.map(formatIssue)).toEqual([
      `${severity}: levels.S0.updateEvery: "15 minutes" is not a duration (use 90s, 30m, 12h or 3d)`,
      `${severity}: levels.S1.thresholds.oldestStuck: "soon" is not a duration (use 90s, 30m, 12h or 3d)`,
    ]);
  });

  it('a missing runbook or folder is reported, once', () => {
    const none = loadPlaybooks('/nonexistent/playbooks');
    expect(none.issues.map(formatIssue)).toEqual(['playbooks: /nonexistent/playbooks is not a folder']);
    const dir = copy();
    cpSync(join(dir, 'runbooks'), join(dir, 'old'), { recursive: true });
    writeFileSync(join(dir, 'runbooks', 'alert.yaml'), 'kind: [');
    const broken = loadPlaybooks(dir);
    expect(broken.issues).toHaveLength(1);
    expect(broken.issues[0]!.path).toBe(join(dir, 'runbooks', 'alert.yaml'));
    expect(broken.issues[0]!.message).toMatch(/^YAML: /);
  });
});
