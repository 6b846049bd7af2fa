/**
 * deploy/: the Prometheus rules pass `promtool check rules` and their unit tests (`promtool test
 * rules`: each alert fires on its series and stays quiet on the others), the /metrics output passes
 * `promtool check metrics`, and every firebreak_* metric the rules and the Grafana dashboard use is
 * exported by a real service's /metrics. promtool comes from Debian's `prometheus` package (.ci/run
 * installs it); without it the promtool checks skip with one line, the metric check still runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import { claim, enqueue, markFailed, getByKey } from '../../src/store/outbox.ts';
import { testConfig } from '../comms/telegram-harness.ts';

const root = join(import.meta.dirname, '..', '..');
const rulesDir = join(root, 'deploy', 'prometheus');
const rules = readFileSync(join(rulesDir, 'firebreak.rules.yml'), 'utf8');
const dashboard = JSON.parse(readFileSync(join(root, 'deploy', 'grafana', 'firebreak.dashboard.json'), 'utf8')) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p)) ?? null;
if (!PROMTOOL) console.warn('SKIPPED: promtool checks of deploy/prometheus (install Debian\'s `prometheus` package; .ci/run does)');

const metricNames = (text: string) => new Set([...text.matchAll(/\bfirebreak_[a-z0-9_]+/g)].map((m) => m[0]));
const dashboardExprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));

let service: Service;
let exposition = '';
const TOKEN = 'read-token-0123456789abc';

beforeAll(async () => {
  const config = testConfig((raw) => {
    raw.server = { apiTokens: [{ name: 'prometheus', token: TOKEN, scope: 'read' }] };
    raw.ipfs = { enabled: false };
  });
  service = await startService({ config, logger: silentLogger, listen: false, tickMs: 3_600_000 });
  // a row that failed for good, as the outbox-failure alert sees it
  await enqueue(service.store.db, [{ key: 'deploy-test:1', incidentId: null, channel: 'telegram:ops', kind: 'update', payload: { text: 'x' } }], new Date());
  const row = await getByKey(service.store.db, 'deploy-test:1');
  expect(await claim(service.store.db, row!.id, 'deploy-test', new Date(), 60_000)).toBe(true);
  expect(await markFailed(service.store.db, row!.id, 'deploy-test', 'test', new Date())).toBe(true);
  const response = await service.app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  exposition = await response.text();
});

afterAll(async () => {
  await service?.stop();
});

describe('deploy/ monitoring', () => {
  it('every firebreak_* metric in the alert rules and the Grafana dashboard is exported by /metrics', () => {
    const exported = new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const used = new Set([...metricNames(rules), ...metricNames(dashboardExprs.join('\n'))]);
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((name) => !exported.has(name)), 'metrics used in deploy/ but not exported (src/server/metrics.ts)').toEqual([]);
  });

  it('the operational metrics carry real figures (leader, heartbeat, a failed outbox row)', () => {
    expect(exposition).toMatch(/^firebreak_leader 1$/m);
    expect(exposition).toMatch(/^firebreak_heartbeat_age_seconds -?\d+$/m);
    expect(exposition).toContain('firebreak_outbox_rows{channel="telegram",status="failed"} 1');
  });

  it('the dashboard is importable: unique panel ids, a Prometheus datasource variable, every panel has a query', () => {
    const ids = (dashboard as unknown as { panels: Array<{ id: number }> }).panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(JSON.stringify(dashboard)).toContain('"type":"datasource"');
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
  });

  it.skipIf(!PROMTOOL)('promtool check rules', () => {
    const out = execFileSync(PROMTOOL!, ['check', 'rules', join(rulesDir, 'firebreak.rules.yml')], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it.skipIf(!PROMTOOL)('promtool test rules: each alert fires on its series and not on the quiet ones', () => {
    const run = spawnSync(PROMTOOL!, ['test', 'rules', 'firebreak.rules.test.yml'], { cwd: rulesDir, encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  it.skipIf(!PROMTOOL)('promtool check metrics accepts the exposition', () => {
    const run = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`.trim()).toBe('');
    expect(run.status).toBe(0);
  });
});
