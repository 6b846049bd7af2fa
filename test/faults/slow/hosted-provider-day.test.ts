/**
 * Field test: the seed scenario read through hosted-provider stand-ins that rate-limit 20 % of all
 * calls (429 with Retry-After in seconds and as an HTTP-date, Alchemy's compute units, Infura's
 * daily count, -32005 "limit exceeded", single batch items), with a lagging fallback and a third
 * endpoint on another network, over 24 h of chain time (accelerated). Exactly the one real
 * incident with the right figures, no halted or unobservable incident, the one real pause, never a
 * range refusal; rate limits were met and backed off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../../src/app/service.ts';
import type { Logger } from '../../../src/core/log.ts';
import { DRILL_TOKENS } from '../../../src/drill/bridge.ts';
import { SEED, routineTransfers, seedStuckBridge } from '../../../src/drill/seed.ts';
import { createGovernanceIntegration } from '../../../src/governance/integration.ts';
import { listOutbox } from '../../../src/store/outbox.ts';
import { deployGovernedTarget, GUARDIAN_KEY, type GovernedTarget } from '../../governance/support.ts';
import { configFor, type DrillChains, startDrillChains } from '../../support/drill.ts';
import { held } from '../../support/faults.ts';
import { type HostedProvider, startHostedProvider } from '../../support/hosted-provider.ts';
import { until } from '../../support/wait.ts';

const HOURS = 24;

interface Line {
  level: string;
  obj: Record<string, unknown>;
  msg?: string;
}

function recordingLogger(lines: Line[]): Logger {
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

describe('field test: a day of chain time through rate-limiting hosted providers', () => {
  let chains: DrillChains;
  let fixture: GovernedTarget;
  let service: Service;
  const providers: Record<string, HostedProvider[]> = {};
  const lines: Line[] = [];

  beforeAll(async () => {
    chains = await startDrillChains();
    fixture = await deployGovernedTarget(chains.source);
    await seedStuckBridge(chains.bridge, 2);
    for (const [name, chain] of [['ethereum', chains.source], ['arbitrum', chains.destination]] as const) {
      providers[name] = [
        await startHostedProvider(chain.anvil.url, { rateLimited: 0.2, retryAfterSeconds: 1, seed: name.length }),
        await startHostedProvider(chain.anvil.url, { rateLimited: 0.2, retryAfterSeconds: 1, lagBlocks: 3, seed: name.length + 1 }),
        await startHostedProvider(chain.anvil.url, { chainId: 1 }),
      ];
    }
    const config = configFor(chains.bridge, {
      patch: (raw) => {
        for (const name of ['ethereum', 'arbitrum']) {
          raw.chains[name].rpc = providers[name]!.map((p) => p.url);
          raw.chains[name].pollIntervalMs = 500;
        }
        raw.bridges[0].pausable = fixture.target;
        raw.governance = { rollbackGovernor: { chain: 'ethereum', address: fixture.governor, signer: GUARDIAN_KEY, autoPause: [{ bridge: 'drill', minSeverity: 'S1' }] } };
      },
    });
    service = await startService({ config, logger: recordingLogger(lines), listen: false, tickMs: 3_600_000, integrations: [createGovernanceIntegration] });
  }, 240_000);

  afterAll(async () => {
    await service?.stop();
    for (const list of Object.values(providers)) for (const p of list) await p.close();
    await chains?.stop();
  });

  it(`the one real incident, its one pause, nothing else, across ${HOURS} h of chain time`, async () => {
    const seedIncident = await until('the seed incident', async () => {
      const open = (await service.engine.list({ status: 'open' })).find((i) => i.key === 'bridge:drill:stuck');
      return open?.impact.stuckTransfers === SEED.stuck ? open : undefined;
    }, 300_000);
    expect(seedIncident).toMatchObject({ severity: 'S1', impact: { lockedUsd: SEED.lockedUsd } });
    await until('the real pause', async () => fixture.paused(), 300_000);

    for (let hour = 1; hour <= HOURS; hour++) {
      await Promise.all([chains.source.advance(3600), chains.destination.advance(3600)]);
      await Promise.all([chains.source.mine(3), chains.destination.mine(3)]);
      const target = Number(await chains.source.publicClient.getBlockNumber()) - 2;
      await until(`hour ${hour} read`, () => {
        const view = service.watch.chains().find((c) => c.name === 'ethereum');
        return (view?.head?.confirmed ?? 0) >= target;
      }, 300_000);
    }

    // after a day the 5 fresh transfers are stuck too: 42 transfers, $40,000 + their value
    const fresh = routineTransfers('fresh', SEED.fresh);
    const freshUsd = fresh.reduce((sum, t) => sum + (t.token === DRILL_TOKENS.usdc.address ? Number(t.amount) / 1e6 : (Number(t.amount) / 1e18) * DRILL_TOKENS.weth.priceUsd), 0);
    const final = await until('the day judged', async () => {
      const open = (await service.engine.list({ status: 'open' })).find((i) => i.key === 'bridge:drill:stuck');
      return open?.impact.stuckTransfers === SEED.stuck + SEED.fresh ? open : undefined;
    }, 300_000);
    expect(final.id).toBe(seedIncident.id);
    expect(final.impact.lockedUsd).toBeCloseTo(SEED.lockedUsd + freshUsd, 2);

    const incidents = await service.engine.list({ status: 'all' });
    expect(incidents.map((i) => i.key)).toEqual(['bridge:drill:stuck']);
    for (const chain of service.watch.chains()) expect(chain).toMatchObject({ halted: false, unobservableSince: null });
    const pauses = await listOutbox(service.store.db, { channelPrefix: 'governor:pause' });
    expect(pauses).toHaveLength(1);
    expect(pauses[0]!.incidentId).toBe(seedIncident.id);

    const limited = Object.values(providers).flat().reduce((n, p) => n + p.count('rate-limited'), 0);
    const answered = Object.values(providers).flat().reduce((n, p) => n + p.calls.length, 0);
    expect(limited).toBeGreaterThan(0);
    expect(Object.values(providers).flat().reduce((n, p) => n + p.count('range'), 0)).toBe(0);
    // the wrong-network endpoints were never read from (at most asked for their chain id)
    for (const list of Object.values(providers)) expect(list[2]!.calls.every((c) => c.method === 'eth_chainId')).toBe(true);
    // a rate limit is neither a dead endpoint nor a failed pass; the only errors are the refusals
    // of the wrong-network endpoints, named by index, never by URL
    expect(lines.filter((l) => l.msg === 'RPC endpoint failed')).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn' && /sync|pass/i.test(l.msg ?? ''))).toEqual([]);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.every((l) => l.msg === 'RPC endpoint serves another network: refused, never read from' && l.obj.rpc === 2)).toBe(true);
    const urls = Object.values(providers).flat().map((p) => p.url);
    expect(urls.some((url) => JSON.stringify(lines).includes(url))).toBe(false);
    held(
      `20 % of RPC calls rate-limited (${limited} of ${answered}), a lagging fallback, a wrong-network endpoint, ${HOURS} h of chain time`,
      `one incident (${final.impact.stuckTransfers} stuck, $${final.impact.lockedUsd}), one pause, no halted/unobservable incident, no range refusal`,
    );
  }, 900_000);
});
