/**
 * The drill dashboard in real Chromium (Debian `chromium`, driven by playwright-core): a drill on
 * local chains, the S1 incident appears, a person acknowledges it and posts an update from the
 * page, both land on the timeline; hostile text is shown, never run; /status opens. A screenshot
 * of the dashboard is saved.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.ts';
import { type RunningDrill, startDrill } from '../../src/app/drill.ts';
import { CHROMIUM_PATH, requireChromium } from '../support/requires.ts';

const CHROMIUM = CHROMIUM_PATH;
const hasChromium = requireChromium('the drill dashboard in Chromium (test/browser/dashboard.test.ts)');

const quiet = { start() {}, done() {}, fail() {}, say() {} };

async function retry(attempt: () => Promise<void>, times = 4): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= times) throw error;
    }
  }
}

describe.skipIf(!hasChromium)('drill dashboard in Chromium', () => {
  let drill: RunningDrill;
  let browser: Browser;
  let running: Promise<unknown>;
  let incidentId = '';

  beforeAll(async () => {
    drill = await startDrill({ scenario: 'stuck-bridge', port: 0, logger: silentLogger, progress: quiet });
    // the game day as people get it: the incident stays open for them
    running = drill.run({ recover: 'manual' }).catch((error: unknown) => error);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    // a failed test leaves the manual drill waiting for its control: bounded, then stopped
    await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 60_000))]);
    await drill?.stop();
  }, 120_000);

  it('shows the S1 incident; ack and an update from the page land on the timeline', { timeout: 300_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
    await page.goto(`${drill.url}/`);
    expect(await page.title()).toContain('Firebreak drill');
    // polled: the page may reload between a wait and a count (it reloads itself as state changes)
    await expect.poll(() => page.locator('table.chains tr[data-chain]').count(), { timeout: 60_000, interval: 250 }).toBe(2);

    // the page reloads itself when the incident appears (live polling)
    const incident = page.locator('section.incident[data-status]:has(.sev-S1)').first();
    await incident.waitFor({ timeout: 180_000 });
    const id = (await incident.getAttribute('id'))!;
    expect(id).toMatch(/^INC-\d+$/);
    incidentId = id;
    expect(await incident.textContent()).toContain('37 stuck');
    expect(await incident.textContent()).toContain('$40,000');

    // the page reloads itself as the incident changes: an action that raced a reload is retried
    const section = page.locator(`section[id="${id}"]`);
    await retry(async () => {
      if ((await section.locator('.ack').count()) === 0) await section.locator('button[data-action=ack]:not([disabled])').click({ timeout: 5_000 });
      await section.locator('.ack').waitFor({ timeout: 10_000 });
    });
    expect(await section.locator('.ack').textContent()).toContain('acknowledged by drill');
    await section.locator('li[data-kind=acknowledged]').first().waitFor({ timeout: 10_000 });

    const text = `Relayer restarted by the drill team <b>${Date.now()}</b>`;
    const update = page.locator(`section[id="${id}"] li[data-kind=update]`, { hasText: text });
    await retry(async () => {
      if ((await update.count()) === 0) {
        // typing holds the live reload: the form cannot be swapped out under the cursor
        await section.locator('form[data-action=updates] input[name=message]').fill(text, { timeout: 5_000 });
        await section.locator('form[data-action=updates] select[name=status]').selectOption('identified', { timeout: 5_000 });
        await section.locator('form[data-action=updates] button').click({ timeout: 5_000 });
      }
      await update.first().waitFor({ timeout: 10_000 });
    });
    expect(await page.locator(`section[id="${id}"] .status`).textContent()).toBe('identified');

    // the same state through the API the buttons used
    const stored = await drill.service.engine.get(id);
    expect(stored?.acknowledgedBy).toBe('drill');
    expect(stored?.timeline.some((e) => e.kind === 'update' && e.text.includes(text))).toBe(true);

    // FIREBREAK_SCREENSHOT=docs/dashboard.png npx vitest run test/browser refreshes the README's picture
    const shot = process.env.FIREBREAK_SCREENSHOT ?? join(tmpdir(), 'firebreak-dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.info(`dashboard screenshot: ${shot}`);
    expect(existsSync(shot)).toBe(true);
  });

  it('declares an incident from the page; hostile text is shown as text, never run', { timeout: 120_000 }, async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${drill.url}/`);
    const title = `<img src=x onerror="alert('xss')"> oracle lag`;
    const form = page.locator('form[data-declare]');
    const declared = page.locator('section.incident h2', { hasText: 'oracle lag' });
    await retry(async () => {
      if ((await declared.count()) === 0) {
        await form.locator('input[name=title]').fill(title, { timeout: 5_000 });
        await form.locator('select[name=severity]').selectOption('S3', { timeout: 5_000 });
        await form.locator('input[name=summary]').fill('price oracle lags <script>alert(1)</script>', { timeout: 5_000 });
        await form.locator('button').click({ timeout: 5_000 });
      }
      await declared.first().waitFor({ timeout: 10_000 });
    });
    expect(await declared.first().textContent()).toContain(title);
    expect(await page.locator('section.incident h2 img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('opens the public status page', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${drill.url}/status`);
    if (drill.missing.includes('mirror')) {
      // the status page comes with the mirror module; without it /status is not served yet
      expect([404, 401]).toContain(response?.status());
    } else {
      expect(response?.status()).toBe(200);
      expect(await page.content()).toMatch(/INC-\d+|operational|incident/i);
    }
  });

  it('the drill control ends the scenario: the incident resolves and its postmortem is anchored and verified', { timeout: 300_000 }, async () => {
    expect(incidentId).not.toBe('');
    const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
    await page.goto(`${drill.url}/`);
    await retry(async () => {
      if ((await drill.service.engine.get(incidentId))?.status === 'investigating' || (await drill.service.engine.get(incidentId))?.status === 'identified') {
        await page.locator('button[data-drill-path]').click({ timeout: 5_000 });
      }
      await page.locator(`section[id="${incidentId}"][data-status="monitoring"], section[id="${incidentId}"][data-status="resolved"]`).first().waitFor({ timeout: 60_000 });
    });
    const report = (await running) as { steps: Record<string, string>; verified: boolean };
    expect(report.steps.resolved).toBe('ok');
    expect(report.verified).toBe(true);
    await page.reload();
    const section = page.locator(`section[id="${incidentId}"]`);
    expect(await section.getAttribute('data-status')).toBe('resolved');
    expect(await section.locator('.postmortem').textContent()).toMatch(/anchored: digest 0x[0-9a-f]{64}/);
    expect(await section.locator('[data-verify]').textContent()).toContain('verified');
    // the postmortem itself, fetched by the page with the drill token
    await retry(async () => {
      await section.locator('button[data-postmortem]').click({ timeout: 5_000 });
      await section.locator('pre.postmortem-text:not([hidden])').waitFor({ timeout: 10_000 });
    });
    expect(await section.locator('pre.postmortem-text').textContent()).toContain(incidentId);
  });
});
