/**
 * When an incident's "what changed" shows an `Upgraded` of a proxy listed in `rollbacks`, the
 * incident says which rollback governance allowed (rollbackOf) and how to run it — or that none is
 * usable and what governance must do. Once per incident and proxy; never runs the rollback itself.
 */
import { getAddress } from 'viem';
import { reasonOf } from '../../core/errors.ts';
import { ROLLBACK_ADVICE_RULE } from '../../core/rollback-advice.ts';
import type { Logger } from '../../core/log.ts';
import type { TimelineEntry } from '../../core/types.ts';
import type { Config } from '../../config/types.ts';
import type { IncidentChange } from '../../incidents/engine.ts';
import { chainClients } from '../chain.ts';
import type { IncidentRecorder } from '../record.ts';
import { readAllowance, readImplementation, rollbackFor } from './state.ts';

export { ROLLBACK_ADVICE_RULE };

/** The configured proxies an `Upgraded` entry of this change is about. */
function upgradedProxies(config: Config, entries: TimelineEntry[]): Array<{ proxy: string; implementation: string; txHash: string }> {
  const out: Array<{ proxy: string; implementation: string; txHash: string }> = [];
  for (const entry of entries) {
    if (entry.kind !== 'admin_change') continue;
    const data = (entry.data ?? {}) as { event?: string; address?: string; args?: { implementation?: string }; txHash?: string };
    if (data.event !== 'Upgraded' || !data.address || !rollbackFor(config, data.address)) continue;
    // the latest upgrade of each proxy (the proxy's deployment logs an Upgraded too)
    const known = out.findIndex((u) => u.proxy.toLowerCase() === data.address!.toLowerCase());
    if (known >= 0) out.splice(known, 1);
    out.push({ proxy: data.address, implementation: String(data.args?.implementation ?? ''), txHash: String(data.txHash ?? '') });
  }
  return out;
}

export function rollbackAdvisor(deps: { config: Config; engine: IncidentRecorder; logger: Logger }) {
  const { config, engine } = deps;

  async function advise(incidentId: string, upgrade: { proxy: string; implementation: string; txHash: string }): Promise<void> {
    const current = await engine.get(incidentId);
    if (!current || current.status === 'resolved') return;
    const already = current.timeline.some((e) => e.kind === 'recommendation' && (e.data as { rule?: string; proxy?: string } | undefined)?.rule === ROLLBACK_ADVICE_RULE && (e.data as { proxy?: string }).proxy?.toLowerCase() === upgrade.proxy.toLowerCase());
    if (already) return;
    const target = rollbackFor(config, upgrade.proxy)!;
    const clients = chainClients(config, target.governor.chain);
    const [allowance, running] = await Promise.all([readAllowance(clients, target.governor.address, target.proxy), readImplementation(clients, target.proxy)]);
    const proxy = getAddress(upgrade.proxy);
    const how = `Run it: POST /api/incidents/${incidentId}/rollback {"proxy":"${proxy}"} (write token), Discord \`/incident rollback id:${incidentId} proxy:${proxy}\`, Telegram \`/rollback ${incidentId} ${proxy}\`, or the Roll back button on the dashboard. A person decides: Firebreak never rolls back by itself.`;
    let text: string;
    if (allowance.usable && running.toLowerCase() === allowance.fromImpl.toLowerCase()) {
      text = `Rollback allowed for ${target.bridge}: governance pre-authorized proxy ${proxy} from ${allowance.fromImpl} (running now, installed by tx ${upgrade.txHash}) back to ${allowance.toImpl}, until ${new Date(allowance.validUntil * 1000).toISOString()}, through the rollback governor ${target.governor.address} on ${target.governor.chain}. ${how}`;
    } else if (allowance.usable) {
      text = `An upgrade of ${proxy} (${target.bridge}, tx ${upgrade.txHash}) is among the recent changes, but the allowed rollback starts from ${allowance.fromImpl} while the proxy runs ${running}: it cannot be used. Governance must allowRollback(${proxy}, ${running}, <known-good implementation>, <seconds>).`;
    } else {
      text = `An upgrade of ${proxy} (${target.bridge}, tx ${upgrade.txHash}) is among the recent changes; no usable rollback is allowed for it (rollbackOf: ${allowance.fromImpl === '0x0000000000000000000000000000000000000000' ? 'none' : 'used or expired'}). Governance must allowRollback(${proxy}, ${running}, <known-good implementation>, <seconds>) on ${target.governor.address}.`;
    }
    await engine.record(incidentId, [
      {
        kind: 'recommendation',
        actor: 'firebreak',
        text,
        data: { rule: ROLLBACK_ADVICE_RULE, proxy, fromImpl: allowance.fromImpl, toImpl: allowance.toImpl, validUntil: allowance.validUntil, usable: allowance.usable, running },
      },
    ]);
  }

  // one at a time: two changes naming the same upgrade must not both recommend it
  let queue: Promise<void> = Promise.resolve();

  /** engine.onChange listener */
  return function onChange(change: IncidentChange): void {
    for (const upgrade of upgradedProxies(config, change.entries)) {
      queue = queue.then(() =>
        advise(change.incident.id, upgrade).catch((error: unknown) =>
          deps.logger.warn({ incident: change.incident.id, proxy: upgrade.proxy, reason: reasonOf(error) }, 'cannot read the rollback allowance for the recommendation'),
        ),
      );
    }
  };
}
