/**
 * Sends planned Snapshot proposals (`snapshot:proposal` rows). One proposal per incident that says
 * what happened, including the pause when one was fired: while the incident's pause is still being
 * sent, the proposal waits for it (bounded), so the question can be "ratify or lift this pause".
 * The signed message is kept with ctx.progress before it is posted, so a retry posts the identical
 * message (same signature, which the hub treats as the same proposal) instead of a second one.
 * Without a signer (or in a dry run) the proposal is written as a ready-to-sign draft under
 * `<dataDir>/proposals/` and the incident says where.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FirebreakError, RetryableError, reasonOf } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { GovernanceAction } from '../../core/types.ts';
import type { Config, SnapshotConfig } from '../../config/types.ts';
import type { Deliverer } from '../../delivery/worker.ts';
import { listOutbox, type OutboxRow } from '../../store/outbox.ts';
import type { Db } from '../../store/store.ts';
import { chainClients } from '../chain.ts';
import { governanceNotice, type IncidentRecorder, recordGovernance } from '../record.ts';
import { proposerAddress, submitProposal, validateProposal } from './client.ts';
import { draftProposal, type ProposalMessage, PROPOSAL_TYPES, SNAPSHOT_DOMAIN } from './proposal.ts';
import type { ProposalPayload } from './sink.ts';

export interface ProposalDelivererOptions {
  config: Config;
  engine: IncidentRecorder;
  db: Db;
  logger: Logger;
  now?: () => Date;
  /** how long a proposal waits for the incident's pause to finish (default 10 min) */
  pauseWaitMs?: number;
  /** how long a proposal waits for the status mirror's first CID when IPFS is enabled (default 2 min) */
  mirrorWaitMs?: number;
}

export function proposalUrl(hub: string, space: string, id: string): string {
  const ui = hub
    .replace(/^https:\/\/hub\.snapshot\.org\/?$/, 'https://snapshot.org')
    .replace(/^https:\/\/testnet\.hub\.snapshot\.org\/?$/, 'https://testnet.snapshot.org')
    .replace(/\/$/, '');
  return `${ui}/#/${space}/proposal/${id}`;
}

interface Signing {
  stage: 'signing';
  message: ProposalMessage;
}

export function createProposalDeliverer(options: ProposalDelivererOptions): Deliverer {
  const { config, engine, db } = options;
  const now = options.now ?? (() => new Date());
  const pauseWaitMs = options.pauseWaitMs ?? 10 * 60_000;
  const mirrorWaitMs = options.mirrorWaitMs ?? 2 * 60_000;

  async function latestBlock(snapshot: SnapshotConfig): Promise<number> {
    try {
      return Number(await chainClients(config, snapshot.network).publicClient.getBlockNumber());
    } catch (error) {
      throw new RetryableError(`cannot read the latest block of ${snapshot.network} for the proposal snapshot: ${reasonOf(error)}`);
    }
  }

  function writeDraft(incidentId: string, snapshot: SnapshotConfig, message: ProposalMessage, suffix: string): string {
    const dir = join(config.dataDir, 'proposals');
    mkdirSync(dir, { recursive: true });
    const base = join(dir, `${incidentId}${suffix}`);
    writeFileSync(`${base}.md`, `# ${message.title}\n\n${message.body}\n\n---\nSpace: ${snapshot.space} · choices: ${message.choices.join(' / ')} · snapshot block ${message.snapshot} on ${snapshot.network} · voting ${new Date(message.start * 1000).toISOString()} → ${new Date(message.end * 1000).toISOString()}\n`);
    writeFileSync(
      `${base}.json`,
      `${JSON.stringify({ hub: snapshot.hub, domain: SNAPSHOT_DOMAIN, types: PROPOSAL_TYPES, primaryType: 'Proposal', message, note: 'set message.from to the proposer address, sign EIP-712, POST {address, sig, data: {domain, types, message}} to the hub' }, null, 2)}\n`,
    );
    return `${base}.md`;
  }

  return {
    prefix: 'snapshot',
    async deliver(row: OutboxRow, ctx) {
      const p = row.payload as ProposalPayload;
      const snapshot = config.governance.snapshot;
      if (!snapshot) throw new FirebreakError('governance.snapshot is no longer configured: proposal dropped', { code: 'snapshot_unconfigured' });
      const incident = await engine.get(p.incidentId);
      if (!incident) throw new FirebreakError(`no incident ${p.incidentId}`, { code: 'snapshot_no_incident' });

      const inFlight = (await listOutbox(db, { incidentId: incident.id, channelPrefix: 'governor:' })).some((r) => r.status === 'pending' || r.status === 'sending');
      if (inFlight && now().getTime() - row.createdAt.getTime() < pauseWaitMs) {
        throw new RetryableError('waiting for the incident\'s pause to finish so that the proposal can name it', { retryAfterMs: 1_000 });
      }
      // the body links the status mirror (it survives a dead website): give its first publication a moment
      if (config.ipfs.enabled && !incident.mirror.cid && now().getTime() - row.createdAt.getTime() < mirrorWaitMs) {
        throw new RetryableError('waiting for the status mirror\'s CID so that the proposal can link it', { retryAfterMs: 2_000 });
      }
      const pauses = incident.governance.filter((g) => g.kind === 'pause');
      const pause: GovernanceAction | null = pauses.filter((g) => g.outcome === 'confirmed').at(-1) ?? null;
      const failedPause = pause ? null : (pauses.filter((g) => g.outcome === 'rejected' || g.outcome === 'failed').at(-1) ?? null);
      if (p.ratify && !pause) return { skipped: 'no confirmed pause to ratify' };

      const previous = (row.result as Signing | null)?.stage === 'signing' ? (row.result as Signing).message : null;
      const draftOnly = !snapshot.signer || p.dryRun;
      const message =
        previous ??
        draftProposal({
          incident,
          snapshot,
          templates: config.playbooks.templates,
          pause,
          failedPause,
          block: await latestBlock(snapshot),
          now: now(),
          from: snapshot.signer ? await proposerAddress(snapshot.signer) : '',
        });
      const suffix = p.ratify ? '-ratify' : '';
      // what the hub would refuse is never signed or drafted (a refusal is permanent: on the timeline)
      await validateProposal(message, snapshot.bodyLimit);

      if (draftOnly) {
        const draftPath = writeDraft(incident.id, snapshot, message, suffix);
        const why = p.dryRun ? 'dry run (playbook actions.dryRun)' : 'no governance.snapshot.signer configured';
        await recordGovernance(
          engine,
          incident.id,
          { kind: 'proposal', outcome: p.dryRun ? 'dry-run' : 'draft', draftPath, ...(pause?.txHash ? { txHash: pause.txHash } : {}), reason: why },
          { kind: 'proposal', actor: 'firebreak', text: `Snapshot proposal drafted, not sent (${why}): ${draftPath} — "${message.title}". Sign and submit it to ${snapshot.space}.`, data: { draftPath, title: message.title, space: snapshot.space } },
          now(),
          governanceNotice(`proposal${suffix}:draft`, `Snapshot proposal drafted, not sent (${why}): ${draftPath}. Sign and submit it to ${snapshot.space}.`, { audiences: ['ops'] }),
        );
        return { draft: draftPath, title: message.title };
      }

      await ctx.progress({ stage: 'signing', message } satisfies Signing);
      const receipt = await submitProposal(snapshot.hub, snapshot.signer!, message);
      const url = proposalUrl(snapshot.hub, snapshot.space, receipt.id);
      await recordGovernance(
        engine,
        incident.id,
        { kind: 'proposal', outcome: 'sent', proposalId: receipt.id, url, ...(pause?.txHash ? { txHash: pause.txHash } : {}) },
        {
          kind: 'proposal',
          actor: 'firebreak',
          text: `Snapshot proposal ${receipt.id} created in ${snapshot.space}: "${message.title}" — ${url} (voting until ${new Date(message.end * 1000).toISOString()})`,
          data: { proposalId: receipt.id, url, ipfs: receipt.ipfs, space: snapshot.space, pauseTx: pause?.txHash ?? null },
        },
        now(),
        governanceNotice(`proposal${suffix}:sent`, `Snapshot proposal created in ${snapshot.space}: "${message.title}" — ${url}`, { audiences: ['ops'] }),
      );
      ctx.logger.info({ incident: incident.id, proposal: receipt.id }, 'snapshot proposal created');
      return { id: receipt.id, ipfs: receipt.ipfs, url, title: message.title, pauseTx: pause?.txHash ?? null };
    },
  };
}
