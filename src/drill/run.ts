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
import { forgeCrowd, FORGERY, type ReleaseBridge } from './exploit.ts';
import type { DrillGovernance } from './governance.ts';
import type { RpcRelay } from './rpc-proxy.ts';
import { BAD_UPGRADE, depositPending, haltChain, injectBadUpgrade, injectStuck, injectStuckNft, recoverLabel, restartChain, type Scenario, SCENARIO_TEXT } from './scenarios.ts';
import { SEED } from './seed.ts';
import { createStepRunner, type DrillProgress, pollUntil, scaledBudget, type StepOutcome, StepFailed, waitWhileMoving } from './steps.ts';
import type { DrillTraffic } from './traffic.ts';
import type { DrillUpgrade } from './upgrade.ts';

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
  /** exploit: value of the unbacked releases counted */
  unbackedUsd?: number | null;
  /** exploit: destination blocks from the first forged release to the pause transaction */
  pausedAfterBlocks?: number | null;
  /** bad-upgrade: the rollback transaction (null when none was confirmed) */
  rollbackTx?: string | null;
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
  service: { store: Store; engine: IncidentEngine; watch: WatchService; app: { request(path: string, init?: RequestInit): Response | Promise<Response> } };
  bridge: DrillBridge;
  governance: DrillGovernance;
  relay: RpcRelay | null;
  /** bad-upgrade: the destination's proxy and its rollback governor */
  upgrade?: DrillUpgrade;
  traffic: DrillTraffic;
  /** steps whose module is not plugged in: they are checked once, not waited for */
  missing: string[];
  progress: DrillProgress;
  logger: Logger;
  /** lines the dashboard shows (verification results) */
  notes?: string[];
  /** put the postmortem on the IPFS node (the mirror's), so that its ipfs:// URI is served */
  addToIpfs?: (bytes: Uint8Array) => Promise<string>;
  /** exploit: the release bridge the forgeries go through (its pause is the one that counts) */
  exploit?: { release: ReleaseBridge };
}

/**
 * Waiting on a busy 2-core machine with real chains: a step whose module is present waits for its
 * state as long as the incident keeps moving (STEP_STALL_MS without any change gives up), and the
 * few plain budgets scale with the machine's load (scaledBudget). None is a fixed wall-clock limit.
 */
const STEP_STALL_MS = 60_000;
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
  /** NFT scenario: the locked items the relayer has not minted */
  let stuckItems: bigint[] = [];
  let recovery: Promise<void> | null = null;
  let requestRecover: () => void = () => {};
  const recoverRequested = new Promise<void>((resolve) => (requestRecover = resolve));
  const label = recoverLabel(ctx.scenario, destination);
  /** exploit: the forged crowd in flight, and the bridge whose pause contains it */
  let crowd: ReturnType<typeof forgeCrowd> | null = null;
  let firstForged: bigint | null = null;
  const pausedNow = () => (ctx.exploit ? ctx.exploit.release.paused() : governance.bridgePaused());

  /** the chain side of the recovery, once: the halted chain mines again, the relayer finalizes */
  function recoverChains(): Promise<void> {
    recovery ??= (async () => {
      if (ctx.scenario === 'exploit') {
        // contained: the crowd stopped at the pause; a person resolves (an unbacked release never clears)
        await crowd?.done.catch(() => undefined);
        if (incidentId && (await current())?.status !== 'resolved') await engine.resolve(incidentId, 'drill', 'Contained: releases paused, forged releases listed for the investigation.');
        return;
      }
      if (ctx.scenario === 'chain-halt') await restartChain(bridge.destination);
      // the relayer's one account sends both: a traffic round in flight would take the same nonce
      await ctx.traffic.pause();
      if (bridge.nft && stuckItems.length > 0) await bridge.nft.mint(stuckItems);
      else await bridge.finalize(pending);
      ctx.traffic.resume();
    })();
    return recovery;
  }

  const byKey = async (key: string) => (await engine.list({ status: 'all', limit: 200 })).find((i) => i.key === key) ?? null;
  const current = async () => (incidentId ? engine.get(incidentId) : null);
  const messagesFor = async (id: string) => (await listOutbox(store.db, { incidentId: id })).length;
  const judged = () => watch.judgements().find((j) => j.id === 'drill');
  const chainView = (name: string) => watch.chains().find((c) => c.name === name);
  /** what moves while the product works on an incident: its timeline, its outbox rows' states */
  const activity = async (id: string) => {
    const [incident, rows] = await Promise.all([engine.get(id), listOutbox(store.db, { incidentId: id })]);
    return `${incident?.timeline.length ?? 0}|${incident?.mirror.cid ?? ''}|${rows.map((r) => `${r.id}:${r.status}:${r.attempts}`).join(',')}`;
  };
  /** a step's outbox rows that failed for good: the step cannot happen any more */
  const failedRow = (id: string, prefix: string) => async () => {
    const failed = (await listOutbox(store.db, { incidentId: id, channelPrefix: prefix })).find((r) => r.status === 'failed');
    return failed ? `${failed.channel} failed: ${failed.lastError ?? 'unknown error'}` : null;
  };
  /**
   * A present module's step waits while the incident moves (see waitWhileMoving); an absent one gets
   * a quick look (it cannot happen).
   */
  async function waitForStep<T>(step: string, id: string, what: string, probe: () => Promise<T | undefined | null | false>, settled?: () => Promise<string | null>): Promise<T> {
    if (ctx.missing.includes(step)) {
      const value = await pollUntil(probe, 1_500);
      if (!value) throw new StepFailed(`${what}: its module is not in this build`, { missing: true });
      return value;
    }
    const result = await waitWhileMoving(probe, { activity: () => activity(id), stallMs: STEP_STALL_MS, settled });
    if (!result.value) throw new StepFailed(`${what}: ${result.failure}`);
    return result.value;
  }

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
    const ready = await pollUntil(() => judged(), scaledBudget(DETECTION_TIMEOUT_MS));
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
    report.paused = await pausedNow();
    if (ctx.scenario === 'exploit') report.unbackedUsd = incident?.impact.exploit?.valueUsd ?? null;
    report.steps = steps.outcomes();
    report.failedStep = steps.failedStep();
    return report;
  }

  async function runIncident(steps: ReturnType<typeof createStepRunner>, recover: RecoverMode, report: DrillReport): Promise<void> {
    const halt = ctx.scenario === 'chain-halt';
    const badUpgrade = ctx.scenario === 'bad-upgrade';
    const injecting = halt
      ? `halting ${destination} while transfers are pending`
      : badUpgrade
        ? `upgrading the destination to a release that breaks finalization, with ${BAD_UPGRADE.inFlight} transfers in flight; warping 1 h`
        : `injecting ${SEED.stuck} stuck transfers and warping 12 h`;
    const detected = ctx.scenario === 'exploit' ? await detectExploit(steps) : await steps.run('detected', injecting, async () => {
      if (halt) {
        pending = await depositPending(bridge, ctx.traffic);
        const seen = await pollUntil(() => (judged()?.pending ?? 0) >= pending.length, scaledBudget(STEP_TIMEOUT_MS));
        if (!seen) throw new StepFailed('the pending deposits never showed up in the bridge judgement');
        await haltChain(bridge.destination);
        const incident = await pollUntil(() => byKey(`chain:${destination}:halted`), scaledBudget(DETECTION_TIMEOUT_MS));
        if (!incident) throw new StepFailed(`no chain:${destination}:halted incident within ${DETECTION_TIMEOUT_MS / 1000} s`);
        incidentId = incident.id;
        const bridgeHalted = await pollUntil(() => judged()?.destinationHalted, scaledBudget(STEP_TIMEOUT_MS));
        if (!bridgeHalted) throw new StepFailed('the bridge judgement never saw its destination halted');
        return `${incident.id} ${incident.severity} ${incident.key}; the bridge sees ${destination} halted with ${judged()?.pending ?? 0} pending`;
      }
      let expected: number = SEED.stuck;
      if (badUpgrade) {
        const injected = await injectBadUpgrade(bridge, ctx.traffic, ctx.upgrade!.upgrade);
        pending = injected.stuck;
        expected = BAD_UPGRADE.inFlight;
        progress.say(`upgrade to ${ctx.upgrade!.v2} in tx ${injected.upgradeTx}; the relayer's finalization now fails: ${injected.relayerError}`);
      } else if (bridge.nft) stuckItems = await injectStuckNft(bridge, bridge.nft, ctx.traffic);
      else pending = await injectStuck(bridge, ctx.traffic);
      const incident = await pollUntil(async () => {
        const found = await byKey('bridge:drill:stuck');
        return found && found.status !== 'resolved' && found.impact.stuckTransfers >= expected ? found : null;
      }, scaledBudget(DETECTION_TIMEOUT_MS));
      if (!incident) throw new StepFailed(`no incident with ${expected} stuck transfers within ${DETECTION_TIMEOUT_MS / 1000} s`);
      incidentId = incident.id;
      return `${incident.id} ${incident.severity}: ${incident.impact.stuckTransfers} stuck, ${formatUsd(incident.impact.lockedUsd)} locked`;
    });
    if (!detected || !incidentId) return;
    const id = incidentId;

    await steps.run('messages', 'rendering the messages for Discord, Telegram and on-call', async () => {
      const count = await waitForStep('messages', id, 'no outbox message for the incident', () => messagesFor(id));
      return `${count} message${count === 1 ? '' : 's'} in the outbox`;
    });
    await steps.run('mirror', 'publishing the status mirror on IPFS', async () => {
      const cid = await waitForStep('mirror', id, 'no mirror CID on the incident', async () => (await current())?.mirror.cid);
      return `status mirror at /ipfs/${cid}/`;
    });
    if (badUpgrade) {
      const rolled = await runRollback(steps, id, recover);
      report.rollbackTx = rolled;
      if (!rolled) return;
    } else if (halt) {
      await steps.run('no-pause', 'checking that a halted chain alone does not pause the bridge', async () => {
        const paused = await pollUntil(() => governance.bridgePaused(), 5_000);
        if (paused) throw new StepFailed('the bridge was paused although only the destination chain halted');
        return 'deposits stay open (halted alone never pauses)';
      });
    } else {
      await steps.run('pause', ctx.exploit ? 'pausing the releases through the rollback governor on the destination' : 'pausing deposits through the rollback governor', async () => {
        await waitForStep('pause', id, ctx.exploit ? 'the release bridge is not paused' : 'the source bridge is not paused', () => pausedNow(), failedRow(id, 'governor:'));
        // the chain shows the pause as soon as it is mined; the incident records its tx a moment later
        const pauseTx = async () => (await current())?.governance.find((g) => g.kind === 'pause' && g.txHash)?.txHash;
        const tx = ctx.exploit ? await waitForStep('pause', id, 'the pause is not on the incident', pauseTx, failedRow(id, 'governor:')) : await pauseTx();
        if (ctx.exploit && tx && firstForged !== null) {
          const mined = (await ctx.exploit.release.chain.publicClient.getTransactionReceipt({ hash: tx as Hex })).blockNumber;
          report.pausedAfterBlocks = Number(mined - firstForged);
          return `releases paused ${report.pausedAfterBlocks} block(s) after the first forged release (tx ${tx.slice(0, 12)}…)`;
        }
        return `source bridge paused${tx ? ` (tx ${tx.slice(0, 12)}…)` : ''}`;
      });
      await steps.run('proposal', 'drafting the Snapshot proposal', async () => {
        const proposal = await waitForStep('proposal', id, 'no proposal on the incident', async () => proposalOf(await current()), failedRow(id, 'snapshot:'));
        return `proposal ${proposal}`;
      });
    }
    if (recover === 'never') return;
    if (recover === 'manual' && !badUpgrade) {
      progress.say(`waiting for you: acknowledge, post updates, then press "${label}" on the dashboard (or resolve by hand)`);
      await Promise.race([recoverRequested, pollUntil(async () => (await current())?.status === 'resolved', 7 * 24 * 3600_000, 1_000)]);
    }

    const resolving = halt
      ? `${destination} produces blocks again; waiting for the quiet period`
      : ctx.exploit
        ? 'contained: a person resolves the incident (an unbacked release never clears by itself)'
        : badUpgrade
        ? 'the relayer resumes on the rolled-back destination: finalizing the stuck transfers; waiting for the quiet period'
        : 'the relayer is back: finalizing the stuck transfers; waiting for the quiet period';
    const resolved = await steps.run('resolved', resolving, async () => {
      await recoverChains();
      const incident = await pollUntil(async () => {
        const found = await current();
        return found?.status === 'resolved' ? found : null;
      }, scaledBudget(RESOLUTION_TIMEOUT_MS));
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

  /** exploit: the forged crowd starts; detected when the unbacked incident opens (at the first) */
  async function detectExploit(steps: ReturnType<typeof createStepRunner>) {
    const release = ctx.exploit!.release;
    return steps.run('detected', `forging ${FORGERY.releases} releases to fresh addresses over ${FORGERY.overSeconds} s`, async () => {
      crowd = forgeCrowd(release, `drill-${Date.now()}`);
      const first = await crowd.first;
      firstForged = first.firstBlock;
      const incident = await pollUntil(async () => {
        const found = await byKey('bridge:drill:unbacked');
        return found && found.status !== 'resolved' ? found : null;
      }, DETECTION_TIMEOUT_MS);
      if (!incident) throw new StepFailed(`no bridge:drill:unbacked incident within ${DETECTION_TIMEOUT_MS / 1000} s`);
      incidentId = incident.id;
      const counted = incident.impact.exploit?.count ?? 0;
      return `${incident.id} ${incident.severity}: ${counted} unbacked release${counted === 1 ? '' : 's'} when it opened (first forged in block ${first.firstBlock})`;
    });
  }

  /**
   * bad-upgrade: the incident names the allowed rollback; a person runs it — the dashboard's "Roll
   * back" button, or (`--once`) the drill itself through the same API route with the drill token.
   * Returns the rollback tx once the proxy runs the old implementation again.
   */
  async function runRollback(steps: ReturnType<typeof createStepRunner>, id: string, recover: RecoverMode): Promise<string | null> {
    const upgrade = ctx.upgrade!;
    const advised = await steps.run('recommended', 'waiting for the incident to name the allowed rollback', async () => {
      const advice = await waitForStep('recommended', id, 'no rollback recommendation on the incident', async () =>
        (await current())?.timeline.find((e) => e.kind === 'recommendation' && (e.data as { rule?: string } | undefined)?.rule === 'rollback-available'),
      );
      const data = advice.data as { usable?: boolean; toImpl?: string };
      if (!data.usable) throw new StepFailed(`the incident says no usable rollback is allowed: ${advice.text}`);
      return `the incident names the allowed rollback of ${upgrade.proxy} back to ${data.toImpl}`;
    });
    if (!advised || recover === 'never') return null;
    let tx: string | null = null;
    await steps.run('rollback', recover === 'manual' ? 'waiting for you to press "Roll back" on the dashboard' : 'rolling back through the API, as a person would', async () => {
      if (recover === 'auto') {
        const token = config.server.apiTokens.find((t) => t.scope === 'write')?.token;
        const response = await service.app.request(`/api/incidents/${encodeURIComponent(id)}/rollback`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ proxy: upgrade.proxy }),
        });
        if (response.status !== 202) throw new StepFailed(`POST /api/incidents/${id}/rollback answered ${response.status}: ${await response.text()}`);
      } else {
        progress.say(`waiting for you: press "Roll back" on ${id} in the dashboard (or POST /api/incidents/${id}/rollback)`);
      }
      const rollbacks = async () => (await current())?.governance.filter((g) => g.kind === 'rollback') ?? [];
      const confirmedAction = async () => (await rollbacks()).find((g) => g.outcome === 'confirmed');
      // in --once a refusal ends the step; a person (manual) may fix things and press again
      const refused = async () => {
        const failed = (await rollbacks()).find((g) => g.outcome === 'rejected' || g.outcome === 'failed');
        return failed ? `the rollback was ${failed.outcome}: ${failed.reason ?? 'no reason recorded'}` : null;
      };
      const confirmed =
        recover === 'manual'
          ? await pollUntil(confirmedAction, 7 * 24 * 3600_000, 1_000)
          : await waitForStep('rollback', id, 'no confirmed rollback on the incident', confirmedAction, refused);
      if (!confirmed) throw new StepFailed('no confirmed rollback on the incident');
      const running = await upgrade.implementation();
      if (running.toLowerCase() !== upgrade.v1.toLowerCase()) throw new StepFailed(`the proxy runs ${running}, not ${upgrade.v1}`);
      tx = confirmed.txHash ?? null;
      return `proxy ${upgrade.proxy} runs ${upgrade.v1} again (tx ${String(tx).slice(0, 12)}…)`;
    });
    return tx;
  }

  async function runOutage(steps: ReturnType<typeof createStepRunner>): Promise<void> {
    const relay = ctx.relay!;
    let headAtKill = 0;
    let chainTimeAtKill = 0;
    await steps.run('outage', `killing RPC #0 of ${source}`, async () => {
      const live = await pollUntil(() => relay.relayed() > 0 && chainView(source)?.rpc === 0 && chainView(source)?.head, scaledBudget(STEP_TIMEOUT_MS));
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
      }, scaledBudget(STEP_TIMEOUT_MS));
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

