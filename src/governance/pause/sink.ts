/**
 * Plans auto-pauses: on `severity-reached`, one outbox row per incident and autoPause entry
 * (`governor:pause:<chain>:<target>`, idempotency key `<incident>:pause:<bridge>`), so a worsening incident (S1 → S0)
 * or a replanned effect never pauses twice. Only rows here; the transaction is sent by the deliverer.
 */
import type { Logger } from '../../core/log.ts';
import type { Config } from '../../config/types.ts';
import type { EffectSink } from '../../store/effects.ts';
import { enqueue } from '../../store/outbox.ts';
import { pausesFor } from '../policy.ts';

export const PAUSE_CHANNEL = 'governor:pause';

/**
 * One ordered channel per chain and target: a pause retrying against a dead RPC holds back only
 * pauses of the same target on the same chain, never those of other bridges or chains.
 */
export function pauseChannel(chain: string, target: string): string {
  return `${PAUSE_CHANNEL}:${chain}:${target.toLowerCase()}`;
}

export interface PausePayload {
  incidentId: string;
  chain: string;
  governor: string;
  target: string;
  bridge: string;
  incidentIdHash: string;
  dryRun: boolean;
  /** readable text for the dashboard's message list */
  summary: string;
}

export function pauseKey(incidentId: string, bridge: string, chain: string, several: boolean): string {
  return several ? `${incidentId}:pause:${bridge}:${chain}` : `${incidentId}:pause:${bridge}`;
}

export function createPauseSink(deps: { config: Config; logger: Logger }): EffectSink {
  return {
    name: 'governance',
    async plan(trx, effect, incident, now) {
      if (effect.type !== 'severity-reached') return;
      const plans = pausesFor(deps.config, incident, effect.severity);
      if (plans.length === 0) return;
      const rows = plans.map((plan) => {
        const payload: PausePayload = {
          incidentId: incident.id,
          chain: plan.chain,
          governor: plan.governor,
          target: plan.target,
          bridge: plan.bridge,
          incidentIdHash: plan.incidentIdHash,
          dryRun: plan.dryRun,
          summary: `${plan.dryRun ? '[dry run] ' : ''}pause ${plan.bridge} (${plan.target}) through the rollback governor on ${plan.chain} for ${incident.id}`,
        };
        return { key: pauseKey(incident.id, plan.bridge, plan.chain, plans.length > 1), incidentId: incident.id, channel: pauseChannel(plan.chain, plan.target), kind: 'pause', payload };
      });
      const queued = await enqueue(trx, rows, now);
      if (queued.length > 0) deps.logger.info({ incident: incident.id, severity: effect.severity, keys: queued }, 'auto-pause planned');
    },
  };
}
