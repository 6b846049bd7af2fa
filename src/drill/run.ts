/**
 * Follows a drill scenario through the product: injects it on the chains, then waits for each step
 * to show up in real state (the incident, its outbox rows, its mirror CID, the bridge's paused() on
 * chain, its governance actions), recovers, and writes, anchors and verifies the postmortem with
 * the postmortem module's own functions. Every figure of the summary is read, never assumed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { formatUsd } from '../core/format.ts';
import type { Logger } from '../core/log.ts';
import type { Incident } from '../core/types.ts';
import type { Config } from '../config/types.ts';
import type { IncidentEngine } from '../incidents/engine.ts';
import { anchorPostmortem, verifyPostmortem } from '../postmortem/anchor.ts';
import { renderPostmortemFor } from '../postmortem/generate.ts';
import { recordAnchor } from '../postmortem/record.ts';
import { listOutbox } from '../store/outbox.ts';
import type { Store } from '../store/store.ts';
import type { WatchService } from '../watchers/service.ts';
import type { DrillBridge } from './bridge.ts';
import type { DrillGovernance } from './governance.ts';
import type { RpcRelay } from './rpc-proxy.ts';
import { depositPending, haltChain, injectStuck, recoverLabel, restartChain, type Scenario, SCENARIO_TEXT } from './scenarios.ts';
import { SEED } from './seed.ts';
import { createStepRunner, type DrillProgress, pollUntil, type StepOutcome, StepFailed } from './steps.ts';
import type { DrillTraffic } from './traffic.ts';

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

export interface DrillReport extends DrillSummary {
  scenario: Scenario;
  /** the first step that did not complete; null when the whole chain of steps ran */
  failedStep: string | null;
  steps: Record<string, StepOutcome>;
}

export type RecoverMode = 'auto' | 'manual' | 'never';

export interface DrillRunContext {
  scenario: Scenario;
  config: Config;
  service: { store: Store; engine: IncidentEngine; watch: WatchService; app: { request(path: string): Response | Promise<Response> } };
  bridge: DrillBridge;
  governance: DrillGovernance;
  relay: RpcRelay | null;
  traffic: DrillTraffic;
  /** steps whose module is not plugged in: they are checked once, not waited for */
  missing: string[];
  progress: DrillProgress;
  logger: Logger;
  /** lines the dashboard shows (verification results) */
  notes?: string[];
  /** put the postmortem on the IPFS node (the mirror's), so that its ipfs:// URI is served */
  addToIpfs?: (bytes: Uint8Array) => Promise<string>;
}

/** how long a step whose module is present may take (a busy 2-core machine, real chains) */
const STEP_TIMEOUT_MS = 60_000;
const DETECTION_TIMEOUT_MS = 120_000;
const RESOLUTION_TIMEOUT_MS = 180_000;

export function createDrillRunner(ctx: DrillRunContext) {
  const { service, bridge, governance, progress, config } = ctx;
  const { engine, watch, store } = service;
  const source = bridge.source.name;
  const destination = bridge.destination.name;
  let incidentId: string | null = null;
  /** transfers the scenario left unfinalized (stuck, or pending behind a halted chain) */
  let pending: Hex[] = [];
  let recovery: Promise<void> | null = null;
  let requestRecover: () => void = () => {};
  const recoverRequested = new Promise<void>((resolve) => (requestRecover = resolve));
  const label = recoverLabel(ctx.scenario, destination);

  /** the chain side of the recovery, once: the halted chain mines again, the relayer finalizes */
  function recoverChains(): Promise<void> {
    recovery ??= (async () => {
      if (ctx.scenario === 'chain-halt') await restartChain(bridge.destination);
      await bridge.finalize(pending);
      ctx.traffic.resume();
    })();
    return recovery;
  }

  const byKey = async (key: string) => (await engine.list({ status: 'all', limit: 200 })).find((i) => i.key === key) ?? null;
  const current = async () => (incidentId ? engine.get(incidentId) : null);
  const messagesFor = async (id: string) => (await listOutbox(store.db, { incidentId: id })).length;
  const judged = () => watch.judgements().find((j) => j.id === 'drill');
  const chainView = (name: string) => watch.chains().find((c) => c.name === name);
  /** a present module gets the full timeout; an absent one a quick look (it cannot happen) */
  const budget = (step: string) => (ctx.missing.includes(step) ? 1_500 : STEP_TIMEOUT_MS);
  const absent = (step: string, what: string) =>
    new StepFailed(ctx.missing.includes(step) ? `${what}: its module is not in this build` : `${what} within ${STEP_TIMEOUT_MS / 1000} s`, {
      missing: ctx.missing.includes(step),
    });

  /**
   * `auto` recovers as soon as the automatic steps ran (`--once`); `manual` waits for a person to
   * press the drill's recover control (or to resolve the incident by hand), then finishes the
   * postmortem; `never` leaves the incident open.
   */
  async function run(options: { recover: RecoverMode }): Promise<DrillReport> {
    const steps = createStepRunner(progress);
    const report: DrillReport = {
      scenario: ctx.scenario,
      incident: null,
      severity: null,
      stuck: 0,
      lockedUsd: 0,
      messages: 0,
      mirrorCid: null,
      paused: false,
      proposal: null,
      postmortemDigest: null,
      anchorTx: null,
      verified: false,
      failedStep: null,
      steps: {},
    };
    progress.say(`scenario ${ctx.scenario}: ${SCENARIO_TEXT[ctx.scenario]}`);
    const ready = await pollUntil(() => judged(), DETECTION_TIMEOUT_MS);
    if (!ready) throw new StepFailed('the watchers never judged the drill bridge (chains not caught up)');

    if (ctx.scenario === 'rpc-outage') await runOutage(steps);
    else await runIncident(steps, options.recover, report);

    const incident = await current();
    if (incident) {
      report.incident = incident.id;
      report.severity = incident.peakSeverity;
      report.stuck = incident.peakImpact.stuckTransfers;
      report.lockedUsd = incident.peakImpact.lockedUsd;
      report.messages = await messagesFor(incident.id);
      report.mirrorCid = incident.mirror.cid;
      report.proposal = proposalOf(incident);
    }
    report.paused = await governance.bridgePaused();
    report.steps = steps.outcomes();
    report.failedStep = steps.failedStep();
    return report;
  }

  async function runIncident(steps: ReturnType<typeof createStepRunner>, recover: RecoverMode, report: DrillReport): Promise<void> {
    const halt = ctx.scenario === 'chain-halt';
    const detected = await steps.run('detected', halt ? `halting ${destination} while transfers are pending` : `injecting ${SEED.stuck} stuck transfers and warping 12 h`, async () => {
      if (halt) {
        pending = await depositPending(bridge, ctx.traffic);
        const seen = await pollUntil(() => (judged()?.pending ?? 0) >= pending.length, STEP_TIMEOUT_MS);
        if (!seen) throw new StepFailed('the pending deposits never showed up in the bridge judgement');
        await haltChain(bridge.destination);
        const incident = await pollUntil(() => byKey(`chain:${destination}:halted`), DETECTION_TIMEOUT_MS);
        if (!incident) throw new StepFailed(`no chain:${destination}:halted incident within ${DETECTION_TIMEOUT_MS / 1000} s`);
        incidentId = incident.id;
        const bridgeHalted = await pollUntil(() => judged()?.destinationHalted, STEP_TIMEOUT_MS);
        if (!bridgeHalted) throw new StepFailed('the bridge judgement never saw its destination halted');
        return `${incident.id} ${incident.severity} ${incident.key}; the bridge sees ${destination} halted with ${judged()?.pending ?? 0} pending`;
      }
      pending = await injectStuck(bridge, ctx.traffic);
      const incident = await pollUntil(async () => {
        const found = await byKey('bridge:drill:stuck');
        return found && found.status !== 'resolved' && found.impact.stuckTransfers >= SEED.stuck ? found : null;
      }, DETECTION_TIMEOUT_MS);
      if (!incident) throw new StepFailed(`no incident with ${SEED.stuck} stuck transfers within ${DETECTION_TIMEOUT_MS / 1000} s`);
      incidentId = incident.id;
      return `${incident.id} ${incident.severity}: ${incident.impact.stuckTransfers} stuck, ${formatUsd(incident.impact.lockedUsd)} locked`;
    });
    if (!detected || !incidentId) return;
    const id = incidentId;

    await steps.run('messages', 'rendering the messages for Discord, Telegram and on-call', async () => {
      const count = await pollUntil(() => messagesFor(id), budget('messages'));
      if (!count) throw absent('messages', 'no outbox message for the incident');
      return `${count} message${count === 1 ? '' : 's'} in the outbox`;
    });
    await steps.run('mirror', 'publishing the status mirror on IPFS', async () => {
      const cid = await pollUntil(async () => (await current())?.mirror.cid, budget('mirror'));
      if (!cid) throw absent('mirror', 'no mirror CID on the incident');
      return `status mirror at /ipfs/${cid}/`;
    });
    if (halt) {
      await steps.run('no-pause', 'checking that a halted chain alone does not pause the bridge', async () => {
        const paused = await pollUntil(() => governance.bridgePaused(), 5_000);
        if (paused) throw new StepFailed('the bridge was paused although only the destination chain halted');
        return 'deposits stay open (halted alone never pauses)';
      });
    } else {
      await steps.run('pause', 'pausing deposits through the rollback governor', async () => {
        const paused = await pollUntil(() => governance.bridgePaused(), budget('pause'));
        if (!paused) throw absent('pause', 'the source bridge is not paused');
        const tx = (await current())?.governance.find((g) => g.kind === 'pause')?.txHash;
        return `source bridge paused${tx ? ` (tx ${tx.slice(0, 12)}…)` : ''}`;
      });
      await steps.run('proposal', 'drafting the Snapshot proposal', async () => {
        const proposal = await pollUntil(async () => proposalOf(await current()), budget('proposal'));
        if (!proposal) throw absent('proposal', 'no proposal on the incident');
        return `proposal ${proposal}`;
      });
    }
    if (recover === 'never') return;
    if (recover === 'manual') {
      progress.say(`waiting for you: acknowledge, post updates, then press "${label}" on the dashboard (or resolve by hand)`);
      await Promise.race([recoverRequested, pollUntil(async () => (await current())?.status === 'resolved', 7 * 24 * 3600_000, 1_000)]);
    }

    const resolved = await steps.run('resolved', halt ? `${destination} produces blocks again; waiting for the quiet period` : 'the relayer is back: finalizing the stuck transfers; waiting for the quiet period', async () => {
      await recoverChains();
      const incident = await pollUntil(async () => {
        const found = await current();
        return found?.status === 'resolved' ? found : null;
      }, RESOLUTION_TIMEOUT_MS);
      if (!incident) throw new StepFailed(`${id} did not resolve within ${RESOLUTION_TIMEOUT_MS / 1000} s`);
      return `${id} resolved`;
    });
    if (!resolved) return;

    let bytes: Uint8Array | null = null;
    await steps.run('postmortem', 'writing the postmortem', async () => {
      const text = await renderPostmortemFor(store, config, (await current())!);
      const dir = join(config.dataDir, 'postmortems');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${id}.md`);
      bytes = new TextEncoder().encode(text);
      writeFileSync(file, bytes);
      return `${file} (${bytes.length} bytes)`;
    });
    if (!bytes || !config.anchor) return;
    const anchor = config.anchor;
    const anchorChain = config.chains[anchor.chain]!;
    await steps.run('anchor', 'anchoring the postmortem digest on-chain', async () => {
      const result = await anchorPostmortem({ chain: anchorChain, registry: anchor.registry, signerKey: anchor.signer!, bytes: bytes!, incidentId: id, addToIpfs: ctx.addToIpfs });
      report.postmortemDigest = result.digest;
      report.anchorTx = result.txHash;
      // on the timeline and announced, as `firebreak anchor` does through the API
      await recordAnchor(engine, id, { digest: result.digest, cid: result.cid, uri: result.uri, txHash: result.txHash, chainId: result.chainId, registry: result.registry, submitter: result.submitter }, 'drill');
      return `digest ${result.digest.slice(0, 12)}… in tx ${result.txHash.slice(0, 12)}… on ${anchor.chain}; ${result.uri}`;
    });
    await steps.run('verify', 'verifying the postmortem against the chain', async () => {
      const result = await verifyPostmortem({ chain: anchorChain, registry: anchor.registry, bytes: bytes!, incidentId: id, fromBlock: governance.registryBlock });
      report.verified = result.ok;
      ctx.notes?.push(`${id}: postmortem ${result.ok ? 'verified' : 'NOT verified'} against ${anchor.chain} — ${result.reason}`);
      if (!result.ok) throw new StepFailed(result.reason);
      return result.reason;
    });
  }

  async function runOutage(steps: ReturnType<typeof createStepRunner>): Promise<void> {
    const relay = ctx.relay!;
    let headAtKill = 0;
    let chainTimeAtKill = 0;
    await steps.run('outage', `killing RPC #0 of ${source}`, async () => {
      const live = await pollUntil(() => relay.relayed() > 0 && chainView(source)?.rpc === 0 && chainView(source)?.head, STEP_TIMEOUT_MS);
      if (!live) throw new StepFailed(`the watcher never read ${source} through RPC #0`);
      headAtKill = live.head;
      chainTimeAtKill = judged()?.chainTime ?? 0;
      await relay.kill();
      return `RPC #0 of ${source} is down at block ${headAtKill} (connection refused)`;
    });
    await steps.run('fallback', `waiting for the watcher to carry on through RPC #1`, async () => {
      const carried = await pollUntil(() => {
        const view = chainView(source);
        const judgement = judged();
        return view?.rpc === 1 && view.head && view.head.head >= headAtKill + 3 && judgement && judgement.chainTime > chainTimeAtKill ? view : null;
      }, STEP_TIMEOUT_MS);
      if (!carried) throw new StepFailed(`${source} did not move on through RPC #1`);
      const health = (await (await service.app.request('/healthz')).json()) as { chains: Record<string, { rpc: number }> };
      if (health.chains[source]?.rpc !== 1) throw new StepFailed(`/healthz reports rpc ${health.chains[source]?.rpc} for ${source}`);
      return `${source} at block ${carried.head!.head} through RPC #1; /healthz says rpc 1`;
    });
    await steps.run('observable', 'checking that no unobservable incident opened', async () => {
      const incidents = await engine.list({ status: 'all', limit: 200 });
      const blind = incidents.filter((i) => i.key.endsWith(':unobservable'));
      if (blind.length) throw new StepFailed(`${blind.map((i) => i.key).join(', ')} opened although a fallback RPC answered`);
      if (chainView(source)?.unobservableSince) throw new StepFailed(`${source} is marked unobservable`);
      return 'no chain was ever unobservable';
    });
    await steps.run('no-pause', 'checking that the outage did not pause the bridge', async () => {
      if (await governance.bridgePaused()) throw new StepFailed('the bridge was paused by an RPC outage');
      return 'deposits stay open';
    });
  }

  return {
    run,
    incident: current,
    /** the drill control on the dashboard (manual mode): label, and what pressing it does */
    control: () => (label ? { label, press: () => requestRecover() } : null),
  };
}

function proposalOf(incident: Incident | null): string | null {
  const action = incident?.governance.find((g) => g.kind === 'proposal' && (g.proposalId || g.draftPath));
  return action ? (action.proposalId ?? action.draftPath ?? null) : null;
}

