/**
 * What a person sees: real Chromium loads /status and the mirrored copy at /ipfs/<cid>/ from the
 * running service (seed case: S1, 37 stuck, $40,000 locked), on a phone-sized viewport; the
 * screenshots are saved under test-artifacts/mirror/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import { seedStuckBridge } from '../../src/drill/seed.ts';
import { mirrorIntegration } from '../../src/mirror/integration.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { CHROMIUM_PATH, requireChromium } from '../support/requires.ts';
import { waitFor } from './support.ts';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'mirror');
let chains: DrillChains;
let service: Service;
let browser: Browser;
let dataDir: string;
const hasChromium = requireChromium('the status page in Chromium (test/mirror/browser.test.ts)');

beforeAll(async () => {
  if (!hasChromium) return;
  dataDir = await mkdtemp(join(tmpdir(), 'firebreak-browser-'));
  chains = await startDrillChains();
  await seedStuckBridge(chains.bridge, 2);
  const config = configFor(chains.bridge, {
    dataDir,
    patch: (raw) => {
      raw.server = { host: '127.0.0.1', port: 0 };
      raw.ipfs = { listen: ['/ip4/127.0.0.1/tcp/0'] };
    },
  });
  service = await startService({ config, logger: silentLogger, tickMs: 60_000, integrations: [mirrorIntegration({ quietMs: 100 })] });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  await mkdir(ARTIFACTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  await chains?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('the status page in Chromium', () => {
  it('shows the incident, its severity and the locked value, live and from IPFS', async () => {
    const incident = await waitFor(async () => {
      const found = (await service.engine.list({ status: 'open' })).find((i) => i.key === 'bridge:drill:stuck');
      return found?.mirror.cid ? found : null;
    }, 'the seed incident on the mirror', 120_000);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const external: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(service.url!)) external.push(request.url());
    });
    for (const [path, file] of [
      ['/status', 'status.png'],
      [`/ipfs/${incident.mirror.cid}/`, 'ipfs-copy.png'],
    ] as const) {
      const response = await page.goto(service.url + path);
      expect(response?.status()).toBe(200);
      // S1 is a partial outage (another incident, e.g. an RPC hiccup on a busy machine, could make it worse)
      expect(['Partial System Outage', 'Major System Outage']).toContain(await page.getByRole('status').innerText());
      const article = page.locator('article', { hasText: incident.title });
      expect(await article.count()).toBe(1);
      const text = await article.innerText();
      expect(text).toContain('S1 · major');
      expect(text).toContain('$40,000 locked in 37 stuck transfers');
      expect(text).toMatch(/the oldest has waited 12 h/);
      // readable on a phone: nothing wider than the viewport
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(ARTIFACTS, file), fullPage: true });
      // the relative links work where the page is served
      await page.getByRole('link', { name: 'summary.json' }).click();
      expect(page.url()).toMatch(/\/summary\.json$/);
      const summary = JSON.parse(await page.locator('body').innerText()) as { status: { indicator: string } };
      expect(summary.status.indicator).toBe('major');
    }
    expect(external).toEqual([]);
    await context.close();
  }, 300_000);
});
