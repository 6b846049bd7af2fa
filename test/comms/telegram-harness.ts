/**
 * Test harness for Telegram and paging: a loaded Config without chains to watch (so no watcher
 * opens incidents of its own), the real service with the telegram/paging integration, a clock the
 * test moves, and a logger that keeps every line so tests can assert no secret was logged.
 */
import { checkConfigObject } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import { formatIssue } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import { startService, type IntegrationFactory, type Service } from '../../src/app/service.ts';
import { createTelegramParts } from '../../src/comms/telegram/integration.ts';
import { createPagingParts } from '../../src/comms/paging/integration.ts';

const ADDRESS = '0x' + '11'.repeat(20);

export function testConfig(patch: (raw: Record<string, any>) => void = () => {}): Config {
  const raw: Record<string, any> = {
    storage: { url: 'memory://' },
    chains: { ethereum: { chainId: 1, rpc: ['http://127.0.0.1:9'] } },
    bridges: [
      {
        id: 'acme',
        name: 'Acme bridge',
        stuckAfter: '30m',
        source: { chain: 'ethereum', address: ADDRESS, event: 'event Deposit(bytes32 indexed transferId, uint256 amount)', fields: { id: 'transferId', amount: 'amount' } },
        destination: { chain: 'ethereum', address: ADDRESS, event: 'event Finalized(bytes32 indexed transferId)', fields: { id: 'transferId' } },
        defaultToken: { symbol: 'ETH', decimals: 18, priceUsd: 3000 },
      },
    ],
  };
  patch(raw);
  const result = checkConfigObject(raw, { baseDir: process.cwd() });
  if (!result.config || result.errors.length > 0) throw new Error(result.errors.map(formatIssue).join('\n'));
  // nothing to watch: the tests open incidents themselves
  return { ...result.config, chains: {}, bridges: [] };
}

export interface CapturedLogger extends Logger {
  lines: string[];
}

export function capturingLogger(bindings: Record<string, unknown> = {}, lines: string[] = []): CapturedLogger {
  const write = (level: string) => (obj: object, msg?: string) => {
    lines.push(JSON.stringify({ level, ...bindings, ...obj, msg }));
  };
  return {
    lines,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => capturingLogger({ ...bindings, ...more }, lines),
  };
}

export interface TestClock {
  now: () => Date;
  advance(ms: number): void;
}

export function testClock(start = '2026-11-27T00:00:00.000Z'): TestClock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    advance(ms) {
      t += ms;
    },
  };
}

/** Telegram + paging as one integration, as src/comms/integration.ts composes them. */
export const telegramAndPaging: IntegrationFactory = (ctx) => {
  const telegram = createTelegramParts(ctx);
  const paging = createPagingParts(ctx);
  return {
    name: 'telegram+paging',
    sinks: paging.sinks,
    deliverers: [...telegram.deliverers, ...paging.deliverers],
    routes: telegram.routes,
    onDelivered: paging.onDelivered,
    start: paging.start,
    stop: paging.stop,
  };
};

export async function startTestService(config: Config, clock: TestClock, logger: CapturedLogger = capturingLogger()): Promise<Service & { logger: CapturedLogger }> {
  const service = await startService({ config, logger, listen: false, now: clock.now, tickMs: 3_600_000, integrations: [telegramAndPaging] });
  return Object.assign(service, { logger });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
