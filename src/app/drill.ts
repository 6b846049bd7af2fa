/**
 * `firebreak drill`: a game day on local chains. Starts two anvil chains, deploys the drill
 * bridge, writes a drill config under a temporary dataDir, runs live traffic and the real
 * watchers/server (the same code `scan` and `start` use), then injects the scenario.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FirebreakError, formatIssue, reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { BUNDLED_PLAYBOOKS, checkConfigObject } from '../config/load.ts';
import type { Incident } from '../core/types.ts';
import type { Config } from '../config/types.ts';
import { startLocalChain, type LocalChain } from '../drill/chains.ts';
import { type DrillBridge, deployDrillBridge, drillConfig } from '../drill/bridge.ts';
import { routineTransfers, SEED, stuckTransfers } from '../drill/seed.ts';
import { type Service, startService } from './service.ts';

export const SCENARIOS = ['stuck-bridge', 'rpc-outage', 'chain-halt'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** What this build runs of the drill's chain of steps; the rest is reported as missing. */
export const NOT_YET_BUILT = ['messages', 'mirror', 'pause', 'proposal', 'postmortem', 'anchor'] as const;

export interface DrillOptions {
  scenario: Scenario;
  port: number;
  host?: string;
  logger: Logger;
  /** human progress lines (terminal) */
  say(step: string): void;
  keepData?: boolean;
}

export interface DrillSummary {
  incident: string | null;
  severity: string | null;
  stuck: number;
  lockedUsd: number;
  messages: number;
  mirrorCid: string | null;
  paused: boolean;
  proposal: string | null;
  postmortemDigest: string | null;
  anchorTx: string | null;
  verified: boolean;
}

export interface RunningDrill {
  url: string;
  token: string;
  config: Config;
  dataDir: string;
  watch: Service['watch'];
  engine: Service['engine'];
  bridge: DrillBridge;
  /** resolves with the incident once the scenario's condition is detected */
  detected: Promise<Incident>;
  /** finalize the stuck transfers (the relayer comes back) and wait until the incident resolves */
  recover(): Promise<Incident>;
  peak(): Incident | undefined;
  stop(): Promise<void>;
}

export async function startDrill(options: DrillOptions): Promise<RunningDrill> {
  const { logger, say } = options;
  if (options.scenario !== 'stuck-bridge') {
    throw new FirebreakError(`scenario "${options.scenario}" is not in this build yet; available: stuck-bridge`, {
      code: 'usage',
    });
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'firebreak-drill-'));
  const cleanup: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
    cleanup.length = 0;
    if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const [source, destination] = await Promise.all([
      startLocalChain({ name: 'ethereum-local', chainId: 31337, blockTime: 1 }),
      startLocalChain({ name: 'arbitrum-local', chainId: 31338, blockTime: 1 }),
    ]);
    cleanup.push(() => source.stop(), () => destination.stop());
    say(`started two local chains (anvil) at ${source.anvil.url} and ${destination.anvil.url}`);

    const bridge = await deployDrillBridge(source, destination);
    say(`deployed the drill bridge (source ${bridge.sourceAddress}, destination ${bridge.destinationAddress})`);

    const token = randomBytes(16).toString('hex');
    // the drill's playbooks: the shipped ones with a game-day quiet period (seconds, not 15 min)
    const playbooksDir = join(dataDir, 'playbooks');
    cpSync(BUNDLED_PLAYBOOKS, playbooksDir, { recursive: true });
    const severityFile = join(playbooksDir, 'severity.yaml');
    writeFileSync(severityFile, readFileSync(severityFile, 'utf8').replace(/^quietPeriod: .*$/m, 'quietPeriod: 15s'));
    const raw = drillConfig({
      bridge,
      storage: `pglite://${join(dataDir, 'db')}`,
      dataDir,
      confirmations: 2,
      wethFeed: true,
      extra: {
        playbooks: playbooksDir,
        server: { host: options.host ?? '127.0.0.1', port: options.port, apiTokens: [{ name: 'drill', token }] },
        oncall: { tiers: [{ name: 'primary', discord: '<@111>', telegram: '@alice', ackTimeout: '2m' }, { name: 'secondary', discord: '<@222>' }] },
      },
    });
    writeFileSync(join(dataDir, 'firebreak.yaml'), stringify({ ...raw, server: { ...(raw.server as object), apiTokens: [{ name: 'drill', token: '${FIREBREAK_DRILL_TOKEN}' }] } }));
    const checked = checkConfigObject(raw, { baseDir: dataDir });
    if (!checked.config) throw new FirebreakError(`drill config invalid: ${checked.errors.map(formatIssue).join('; ')}`);
    const config = checked.config;

    const service = await startService({
      config,
      logger,
      dashboardToken: token,
      title: 'Firebreak drill: stuck-bridge',
      notes: [`Not in this build yet: ${NOT_YET_BUILT.join(', ')}.`],
      tickMs: 1_000,
    });
    cleanup.push(() => service.stop());
    const { engine, watch } = service;
    const url = service.url!;
    say(`dashboard at ${url}`);

    let peak: Incident | undefined;
    let onChange: ((incident: Incident) => void) | undefined;
    engine.onChange(({ incident }) => {
      if (incident.key !== 'bridge:drill:stuck') return;
      if (!peak || incident.peakImpact.stuckTransfers >= peak.peakImpact.stuckTransfers) peak = incident;
      onChange?.(incident);
    });

    const traffic = startTraffic(bridge, logger);
    cleanup.push(() => traffic.stop());

    const stuck = stuckTransfers('drill-stuck');
    const detected = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      say(`injecting "stuck-bridge": ${SEED.stuck} transfers whose finalization never comes, then 12 h pass`);
      // routine transfers in flight would age 12 h too: let them land before time jumps
      await traffic.pause();
      await bridge.deposit(stuck);
      await Promise.all([source.advance(SEED.stuckForSeconds), destination.advance(SEED.stuckForSeconds)]);
      await bridge.setWethPrice(2000);
      traffic.resume();
      return waitFor<Incident>((resolve) => {
        onChange = (incident) => {
          if (incident.impact.stuckTransfers >= SEED.stuck) resolve(incident);
        };
      }, 120_000, 'detection');
    })();

    return {
      url,
      token,
      config,
      dataDir,
      watch,
      engine,
      bridge,
      detected,
      peak: () => peak,
      async recover() {
        say('the relayer is back: finalizing the stuck transfers');
        await bridge.finalize(stuck.map((t) => t.id));
        return waitFor<Incident>((resolve) => {
          onChange = (incident) => {
            if (incident.status === 'resolved') resolve(incident);
          };
        }, 180_000, 'resolution');
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function waitFor<T>(arm: (resolve: (value: T) => void) => void, timeoutMs: number, step: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new FirebreakError(`drill step "${step}" did not complete in ${timeoutMs / 1000} s`)), timeoutMs);
    arm((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Healthy background flow: a few deposits every couple of seconds, finalized on the next round. */
function startTraffic(bridge: DrillBridge, logger: Logger): { stop(): Promise<void>; pause(): Promise<void>; resume(): void } {
  let round = 0;
  let previous: `0x${string}`[] = [];
  let stopped = false;
  let paused = false;
  let current: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped || paused) return;
    current = current.then(async () => {
      try {
        const batch = routineTransfers(`traffic-${round++}`, 3);
        await bridge.deposit(batch);
        if (previous.length) await bridge.finalize(previous);
        previous = batch.map((t) => t.id);
      } catch (error) {
        if (!stopped) logger.warn({ reason: reasonOf(error) }, 'drill traffic round failed');
      }
    });
  }, 2_000);
  return {
    async pause() {
      paused = true;
      await current;
      if (previous.length) await bridge.finalize(previous);
      previous = [];
    },
    resume() {
      paused = false;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}

export type { LocalChain };
