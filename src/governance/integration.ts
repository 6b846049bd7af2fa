/**
 * The governance module as the service sees it: effect sinks that plan auto-pauses and Snapshot
 * proposals inside incident changes, and the deliverers that send them from the outbox.
 *
 * One proposal per incident normally names the pause (the proposal waits for a pause in flight).
 * When a pause is confirmed only after the incident's proposal already went out without it (the
 * incident crossed the proposal threshold before the pause threshold), a follow-up proposal asks
 * governance to ratify or lift that pause — otherwise it would lapse without a vote.
 */
import type { IntegrationFactory } from '../incidents/integration.ts';
import { reasonOf } from '../core/errors.ts';
import { enqueue, getByKey } from '../store/outbox.ts';
import { createPauseDeliverer } from './pause/deliverer.ts';
import { createPauseSink } from './pause/sink.ts';
import { rollbackAdvisor } from './rollback/advice.ts';
import { createRollbackDeliverer } from './rollback/deliverer.ts';
import { createRollbackRequester } from './rollback/request.ts';
import { createProposalDeliverer } from './snapshot/deliverer.ts';
import { createProposalSink, PROPOSAL_CHANNEL, type ProposalPayload, proposalKey } from './snapshot/sink.ts';

export const createGovernanceIntegration: IntegrationFactory = (ctx) => {
  const { config, store, engine, now } = ctx;
  const logger = ctx.logger.child({ module: 'governance' });
  /**
   * A proposal waiting for its incident's pause or mirror CID backs off like any retry; when either
   * arrives, its row is made due at once (only while it is pending, never while it is being sent).
   */
  async function nudgeProposal(incidentId: string): Promise<void> {
    await store.db
      .updateTable('outbox')
      .set({ next_attempt_at: now() })
      .where('key', 'in', [proposalKey(incidentId), proposalKey(incidentId, true)])
      .where('status', '=', 'pending')
      .execute();
  }
  let unsubscribe: (() => void) | undefined;
  let unsubscribeAdvice: (() => void) | undefined;
  const hasRollbacks = config.governance.rollbackGovernors.some((g) => g.rollbacks.length > 0);

  return {
    name: 'governance',
    start() {
      unsubscribe = engine.onChange((change) => {
        if (!change.entries.some((e) => e.kind === 'pause' || e.kind === 'mirror')) return;
        nudgeProposal(change.incident.id).catch((error: unknown) => logger.warn({ incident: change.incident.id, reason: reasonOf(error) }, 'cannot wake the proposal'));
      });
      if (hasRollbacks) unsubscribeAdvice = engine.onChange(rollbackAdvisor({ config, engine, logger }));
    },
    async stop() {
      unsubscribe?.();
      unsubscribeAdvice?.();
    },
    ...(hasRollbacks ? { commands: { requestRollback: createRollbackRequester({ config, db: store.db, engine, logger, now }) } } : {}),
    sinks: [createPauseSink({ config, logger }), createProposalSink({ config, logger })],
    deliverers: [
      createPauseDeliverer({ config, engine, logger, now }),
      createRollbackDeliverer({ config, engine, logger, now }),
      createProposalDeliverer({ config, engine, db: store.db, logger, now }),
    ],
    async onDelivered(event) {
      const { row } = event;
      if (event.outcome === 'failed' && !event.recorded && row.incidentId && (row.channel.startsWith('governor:') || row.channel.startsWith('snapshot:'))) {
        // a pause or proposal that failed for good is never silent
        const what = row.channel.startsWith('snapshot:') ? 'Snapshot proposal' : 'Rollback governor transaction';
        await engine.record(row.incidentId, [
          { kind: 'governance', actor: 'firebreak', text: `${what} (${row.kind}) failed and will not be retried: ${event.error ?? 'unknown error'}`, data: { channel: row.channel, outcome: 'failed', outbox: row.id } },
        ]);
        return;
      }
      if (!event.row.channel.startsWith('governor:') || event.outcome !== 'sent' || !event.row.incidentId) return;
      if ((event.result as { status?: string } | null)?.status !== 'confirmed') return;
      const first = await getByKey(store.db, proposalKey(event.row.incidentId));
      if (!first || first.status !== 'sent' || (first.result as { pauseTx?: string | null } | null)?.pauseTx) return;
      const original = first.payload as ProposalPayload;
      const payload: ProposalPayload = { ...original, ratify: true, summary: `Snapshot proposal to ratify or lift the pause for ${event.row.incidentId}` };
      await enqueue(store.db, [{ key: proposalKey(event.row.incidentId, true), incidentId: event.row.incidentId, channel: PROPOSAL_CHANNEL, kind: 'proposal', payload }], now()).catch(
        (error: unknown) => logger.warn({ incident: event.row.incidentId, reason: reasonOf(error) }, 'cannot plan the ratification proposal'),
      );
    },
  };
};
