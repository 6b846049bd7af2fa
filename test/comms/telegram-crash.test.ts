/**
 * SIGKILL between enqueue and delivery: the service declares an incident while the Bot API and
 * PagerDuty answer 500, is killed, and is started again on the same PGlite directory with both
 * healthy. Every Telegram message and the PagerDuty trigger arrive exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPagerDutyStandin, type PagerDutyStandin } from '../support/pagerduty-standin.ts';
import { startTelegramStandin, type TelegramStandin } from '../support/telegram-standin.ts';
import { waitFor } from './telegram-harness.ts';

const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const CHILD = fileURLToPath(new URL('./telegram-crash-child.ts', import.meta.url));
const PD_KEY = 'R0UT1NGKEYCRASH00000000000000005';

let telegram: TelegramStandin;
let pagerduty: PagerDutyStandin;
let dir: string;
let child: { process: ChildProcess; stdout: () => string; exited: Promise<unknown> } | undefined;

function start(declare: boolean) {
  const process_ = spawn(NODE, [CHILD], {
    env: { ...process.env, DB_DIR: join(dir, 'db'), TG_TOKEN: telegram.token, TG_API_ROOT: telegram.apiRoot, PD_URL: pagerduty.eventsUrl, PD_KEY, DECLARE: declare ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  process_.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  process_.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise((resolve) => process_.on('exit', (code, signal) => resolve(code ?? signal)));
  void exited.then((code) => {
    if (code !== 'SIGKILL') console.error(`crash child exited ${String(code)}:\n${stderr.slice(-2000)}`);
  });
  return { process: process_, stdout: () => stdout, exited };
}

async function kill(): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGKILL');
  await child.exited;
}

beforeAll(async () => {
  telegram = await startTelegramStandin();
  pagerduty = await startPagerDutyStandin();
  dir = mkdtempSync(join(tmpdir(), 'firebreak-telegram-crash-'));
});

afterAll(async () => {
  await kill();
  await telegram?.close();
  await pagerduty?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('SIGKILL between enqueue and delivery', () => {
  it('after the restart every Telegram message and the PagerDuty trigger arrive exactly once', async () => {
    telegram.failNext(...Array.from({ length: 1000 }, () => ({ status: 500 as const })));
    pagerduty.failNext(...Array.from({ length: 1000 }, () => 500 as const));
    child = start(true);
    const id = (await waitFor('the declared incident', () => /declared (INC-\d+)/.exec(child!.stdout())?.[1], 300_000))!;
    await waitFor('failed attempts on both services', () => telegram.requests.some((r) => r.status === 500) && pagerduty.statuses.includes(500), 200_000);
    await kill();
    expect(telegram.messages).toHaveLength(0);
    expect(pagerduty.events).toHaveLength(0);

    telegram.recover();
    pagerduty.recover();
    child = start(false);
    const line = await waitFor('the outbox drained after the restart', () => /drained (.+)\n/.exec(child!.stdout())?.[1], 300_000);
    const rows = JSON.parse(line!) as Array<{ key: string; status: string; channel: string; text: string | null }>;
    const sentTelegram = rows.filter((r) => r.channel.startsWith('telegram:') && r.status === 'sent');
    expect(sentTelegram.length).toBeGreaterThanOrEqual(2); // ops and community at least
    expect(rows.filter((r) => r.status === 'failed')).toEqual([]);
    expect(telegram.messages).toHaveLength(sentTelegram.length);
    for (const row of sentTelegram) expect(telegram.messages.filter((m) => m.text === row.text)).toHaveLength(1);
    expect(pagerduty.events.filter((e) => e.event_action === 'trigger' && e.dedup_key === id)).toHaveLength(1);
    expect(pagerduty.events).toHaveLength(1);
  }, 900_000); // two service starts on a fresh PGlite directory: slow on a busy machine
});
