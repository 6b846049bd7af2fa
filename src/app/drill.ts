/**
 * `firebreak drill`: a game day on local chains. Starts two anvil chains, deploys the drill bridge,
 * the rollback governor and the postmortem registry, writes a drill config under a temporary
 * dataDir, runs live traffic and the real service (the same composition root as `firebreak start`,
 * with the same feature modules), then injects the scenario and follows it through the product.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { stringify } from 'yaml';
import { FirebreakError, formatIssue } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { BUNDLED_PLAYBOOKS, checkConfigObject } from '../config/load.ts';
import type { Incident } from '../core/types.ts';
import type { Config } from '../config/types.ts';
import type { Address } from 'viem';
import { type LocalChain, startLocalChain } from '../drill/chains.ts';
import { deployReleaseBridge, deployReleaseGovernor, type ReleaseBridge, releasingBridge } from '../drill/exploit.ts';
import { type DrillBridge, deployDrillBridge } from '../drill/bridge.ts';
import { buildDrillConfig, redactedDrillConfig } from '../drill/config.ts';
import { deployDrillNft } from '../drill/nft.ts';
import { type DrillGovernance, deployDrillGovernance } from '../drill/governance.ts';
import { deployDrillUpgrade } from '../drill/upgrade.ts';
import { type RpcRelay, startRpcRelay } from '../drill/rpc-proxy.ts';
import { recoverLabel, type Scenario, SCENARIO_STEPS } from '../drill/scenarios.ts';
import { startDrillSnapshotHub } from '../drill/snapshot-hub.ts';
import type { DrillProgress } from '../drill/steps.ts';
import { startTraffic } from '../drill/traffic.ts';
import type { RouteDoc } from '../core/api.ts';
import { defaultIntegrations } from './integrations.ts';
import { createDrillRunner, type DrillReport, type RecoverMode } from '../drill/run.ts';
import { type IntegrationFactory, type Service, startService } from './service.ts';

export { SCENARIOS, type Scenario, isScenario, SCENARIO_STEPS } from '../drill/scenarios.ts';
export type { DrillProgress } from '../drill/steps.ts';
export type { DrillReport, DrillSummary, RecoverMode } from '../drill/run.ts';

/** the drill control that ends the scenario on the chains (POST, drill token) */
export const RECOVER_PATH = '/drill/recover';
/** The drill's control in the API reference (only the drill registers it). */
const DRILL_CONTROL_DOC: RouteDoc = {
  method: 'post',
  path: RECOVER_PATH,
  summary: 'Drill only: the failure ends (e.g. "the relayer is back")',
  description: "Needs the drill's own write token (shown on its dashboard).",
  access: 'write',
  tag: 'drill',
  responses: { 202: { description: 'recovering' }, 404: { description: 'this scenario has nothing to recover' } },
};

/** Which feature module makes a step happen (matched against the integrations' names). */
export const STEP_MODULES: Record<string, { module: string; pattern: RegExp }> = {
  messages: { module: 'comms', pattern: /comms|discord|telegram|paging|chat/i },
  mirror: { module: 'mirror', pattern: /mirror|ipfs/i },
  pause: { module: 'governance', pattern: /governance|governor|pause|rollback/i },
  recommended: { module: 'governance', pattern: /governance|rollback/i },
  rollback: { module: 'governance', pattern: /governance|rollback/i },
  proposal: { module: 'governance', pattern: /governance|snapshot|proposal/i },
};

/** The steps of a scenario whose module is not plugged into the service in this build. */
export function missingSteps(scenario: Scenario, integrationNames: string[]): string[] {
  return SCENARIO_STEPS[scenario].filter((step) => {
    const need = STEP_MODULES[step];
    return need !== undefined && !integrationNames.some((name) => need.pattern.test(name));
  });
}

export interface DrillOptions {
  scenario: Scenario;
  port: number;
  host?: string;
  logger: Logger;
  progress: DrillProgress;
  keepData?: boolean;
  /** the feature modules to run (default: the ones `firebreak start` runs) */
  integrations?: (config: Config) => IntegrationFactory[];
}

export interface RunningDrill {
  scenario: Scenario;
  url: string;
  token: string;
  config: Config;
  dataDir: string;
  service: Service;
  bridge: DrillBridge;
  governance: DrillGovernance;
  relay: RpcRelay | null;
  /** steps whose feature module is not in this build */
  missing: string[];
  /**
   * Inject the scenario and follow it. `recover`: `auto` (default, `--once`) recovers right after
   * the automatic steps; `manual` (the interactive game day) waits for the dashboard's drill control
   * or a hand resolution, then finishes the postmortem; `never` leaves the incident open.
   */
  run(options?: { recover?: RecoverMode }): Promise<DrillReport>;
  /** the incident the scenario is about, once detected */
  incident(): Promise<Incident | null>;
  stop(): Promise<void>;
}

export async function startDrill(options: DrillOptions): Promise<RunningDrill> {
  const { logger, progress, scenario } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'firebreak-drill-'));
  const cleanup: Array<() => Promise<void>> = [];
  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    })());
  try {
    progress.start('chains', 'starting two local chains (anvil)');
    const [source, destination] = await Promise.all([
      startLocalChain({ name: 'ethereum-local', chainId: 31337, blockTime: 1 }),
      startLocalChain({ name: 'arbitrum-local', chainId: 31338, blockTime: 1 }),
    ]);
    cleanup.push(() => source.stop(), () => destination.stop());
    let relay: RpcRelay | null = null;
    if (scenario === 'rpc-outage') {
      relay = await startRpcRelay(source.anvil.url);
      cleanup.push(() => relay!.kill());
    }
    progress.done('chains', `${source.name} (chain ${source.chain.id}) and ${destination.name} (chain ${destination.chain.id}) are producing blocks`);

    progress.start('contracts', 'deploying the drill bridge, the rollback governor and the postmortem registry');
    const deployed = await deployDrillBridge(source, destination, { upgradeable: scenario === 'bad-upgrade' });
    // the default scenario is the seed's NFT bridge; its items lock in the drill bridge's source contract
    if (scenario === 'stuck-bridge') deployed.nft = await deployDrillNft(source, destination, deployed.sourceAddress);
    const governance = await deployDrillGovernance(deployed);
    // exploit: a lock-release destination with a faulty path, pausable by a governor on that chain
    const exploit = scenario === 'exploit' ? await deployExploitSide(destination) : undefined;
    const bridge = exploit ? releasingBridge(deployed, exploit.release) : deployed;
    const upgrade = scenario === 'bad-upgrade' ? await deployDrillUpgrade(bridge) : undefined;
    progress.done(
      'contracts',
      `drill bridge, RollbackGovernor ${governance.governor} (may pause deposits) and PostmortemRegistry ${governance.registry} on ${source.name}${
        upgrade ? `; destination behind UUPS proxy ${upgrade.proxy}, RollbackGovernor ${upgrade.governor} on ${destination.name} may roll ${upgrade.v2} back to ${upgrade.v1}` : ''
      }`,
    );

    const hub = await startDrillSnapshotHub();
    if (hub) cleanup.push(() => hub.stop());

    const token = randomBytes(16).toString('hex');
    // the shipped playbooks with a game-day quiet period (seconds, not 15 minutes)
    const playbooksDir = join(dataDir, 'playbooks');
    cpSync(BUNDLED_PLAYBOOKS, playbooksDir, { recursive: true });
    const severityFile = join(playbooksDir, 'severity.yaml');
    writeFileSync(severityFile, readFileSync(severityFile, 'utf8').replace(/^quietPeriod: .*$/m, 'quietPeriod: 15s'));
    const raw = buildDrillConfig({
      scenario,
      bridge,
      governance,
      dataDir,
      playbooksDir,
      host: options.host ?? '127.0.0.1',
      port: options.port,
      token,
      sourceRpc: relay ? [relay.url, source.anvil.url] : undefined,
      snapshotHub: hub?.url ?? null,
      exploit,
      upgrade,
    });
    writeFileSync(join(dataDir, 'firebreak.yaml'), stringify(redactedDrillConfig(raw)));
    const checked = checkConfigObject(raw, { baseDir: dataDir });
    if (!checked.config) throw new FirebreakError(`drill config invalid: ${checked.errors.map(formatIssue).join('; ')}`);
    const config = checked.config;

    progress.start('service', 'starting the service (watchers, incident engine, feature modules, HTTP)');
    const factories = (options.integrations ?? defaultIntegrations)(config);
    const notes: string[] = [];
    // the drill's own control ("the relayer is back"): the runner is built after the service, so
    // the route looks it up when pressed; the drill's write token is required
    let pressRecover: (() => void) | null = null;
    const controls = new Hono();
    controls.post(RECOVER_PATH, (c) => {
      if (c.req.header('authorization') !== `Bearer ${token}`) return c.json({ error: 'unauthorized', message: 'the drill token is required' }, 401);
      if (!pressRecover) return c.json({ error: 'not_found', message: 'this scenario has nothing to recover' }, 404);
      pressRecover();
      return c.json({ recovering: true }, 202);
    });
    const service = await startService({
      config,
      logger,
      dashboardToken: token,
      title: `Firebreak drill: ${scenario}`,
      notes,
      publicRoutes: [controls],
      apiDocs: [DRILL_CONTROL_DOC],
      drillControls: recoverLabel(scenario, destination.name) ? [{ path: RECOVER_PATH, label: recoverLabel(scenario, destination.name)! }] : [],
      tickMs: 1_000,
      integrations: factories,
    });
    cleanup.push(() => service.stop());
    const missing = missingSteps(
      scenario,
      service.integrations.map((i) => i.name),
    );
    // shown on the dashboard (the server reads the list per request): what this build leaves out
    if (missing.length) notes.push(`Not in this build yet: ${missing.join(', ')}.`);
    const url = service.url!;
    progress.done('service', `dashboard at ${url}`);

    const traffic = startTraffic(bridge, logger, { paused: () => (exploit ? exploit.release.paused() : governance.bridgePaused()) });
    cleanup.push(() => traffic.stop());

    // the mirror module's IPFS node also serves the postmortem (its anchored ipfs:// URI)
    const ipfs = service.integrations.find((i) => typeof (i as { addFile?: unknown }).addFile === 'function') as
      | { addFile(bytes: Uint8Array): Promise<string> }
      | undefined;
    const runner = createDrillRunner({
      scenario,
      config,
      service,
      bridge,
      governance,
      relay,
      upgrade,
      traffic,
      missing,
      logger,
      notes,
      progress: stepsOnDashboard(progress, notes),
      addToIpfs: ipfs ? (bytes) => ipfs.addFile(bytes) : undefined,
      exploit: exploit ? { release: exploit.release } : undefined,
    });
    pressRecover = runner.control()?.press ?? null;
    return {
      scenario,
      url,
      token,
      config,
      dataDir,
      service,
      bridge,
      governance,
      relay,
      missing,
      run: (runOptions = {}) => runner.run({ recover: runOptions.recover ?? 'auto' }),
      incident: () => runner.incident(),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function deployExploitSide(destination: LocalChain): Promise<{ release: ReleaseBridge; governor: Address }> {
  const release = await deployReleaseBridge(destination);
  const { governor } = await deployReleaseGovernor(release);
  return { release, governor };
}

/** Forwards the drill's progress and keeps a one-line view of its steps on the dashboard. */
function stepsOnDashboard(progress: DrillProgress, notes: string[]): DrillProgress {
  const marks = new Map<string, string>();
  const render = () => {
    const line = `Drill steps: ${[...marks.entries()].map(([step, mark]) => `${step} ${mark}`).join(' · ')}`;
    const index = notes.findIndex((n) => n.startsWith('Drill steps: '));
    if (index >= 0) notes[index] = line;
    else notes.unshift(line);
  };
  return {
    start(step, text) {
      marks.set(step, '…');
      render();
      progress.start(step, text);
    },
    done(step, text) {
      marks.set(step, '✔');
      render();
      progress.done(step, text);
    },
    fail(step, reason) {
      marks.set(step, '✖');
      render();
      progress.fail(step, reason);
    },
    say: (text) => progress.say(text),
  };
}
