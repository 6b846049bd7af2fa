/**
 * A person asks for a rollback (API, Discord, Telegram, the drill dashboard); never automatic.
 * The request is checked against the chain at once (so the person hears "no" right away: no
 * allowance, already used, expired, the proxy runs something else), put on the timeline with who
 * asked, and queued as one outbox row (`rollback:<chain>`), which the deliverer checks again,
 * simulates and sends once. A refused or failed rollback can be asked again (a new row), a sent or
 * queued one cannot.
 */
import { type Address, isAddress } from 'viem';
import { BadRequestError, ConflictError, NotFoundError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Incident } from '../../core/types.ts';
import type { Config } from '../../config/types.ts';
import type { Db } from '../../store/store.ts';
import { enqueue } from '../../store/outbox.ts';
import { chainClients } from '../chain.ts';
import { incidentIdHash } from '../policy.ts';
import { governanceNotice, type IncidentRecorder } from '../record.ts';
import { configuredRollbacks, readAllowance, readImplementation, refusal, type RollbackTarget } from './state.ts';

export const ROLLBACK_PREFIX = 'rollback';

export interface RollbackPayload {
  incidentId: string;
  chain: string;
  governor: Address;
  proxy: Address;
  bridge: string;
  fromImpl: Address;
  toImpl: Address;
  incidentIdHash: string;
  requestedBy: string;
  /** readable text for the dashboard's message list */
  summary: string;
}

export interface RollbackRequest {
  incident: string;
  status: 'queued';
  key: string;
  proxy: Address;
  bridge: string;
  chain: string;
  governor: Address;
  fromImpl: Address;
  toImpl: Address;
  validUntil: string;
}

export function rollbackKeyPrefix(incidentId: string, proxy: string): string {
  return `${incidentId}:rollback:${proxy.toLowerCase()}`;
}

/** The rollback an incident means: the named proxy, else its bridge's only one, else the only one. */
export function pickRollback(config: Config, incident: Incident, proxy: string | undefined): RollbackTarget {
  const all = configuredRollbacks(config);
  if (all.length === 0) throw new NotFoundError('no rollbacks are configured (governance.rollbackGovernor.rollbacks)');
  if (proxy !== undefined) {
    if (!isAddress(proxy, { strict: false })) throw new BadRequestError(`proxy: "${proxy}" is not an address`);
    const target = all.find((t) => t.proxy.toLowerCase() === proxy.toLowerCase());
    if (!target) throw new BadRequestError(`proxy ${proxy} is not listed in governance.rollbackGovernor.rollbacks`);
    return target;
  }
  const bridge = /^bridge:([a-z0-9-]+):/.exec(incident.key)?.[1] ?? incident.impact.bridges[0];
  const mine = all.filter((t) => t.bridge === bridge);
  if (mine.length === 1) return mine[0]!;
  if (all.length === 1) return all[0]!;
  throw new BadRequestError(`name the proxy to roll back (one of ${all.map((t) => `${t.proxy} (${t.bridge})`).join(', ')})`);
}

export function createRollbackRequester(deps: { config: Config; db: Db; engine: IncidentRecorder; logger: Logger; now: () => Date }) {
  const { config, db, engine, now } = deps;

  /** key for the next attempt, or a conflict while one is queued or done */
  async function nextKey(prefix: string): Promise<string> {
    const rows = await db.selectFrom('outbox').select(['key', 'status', 'result']).where('key', 'like', `${prefix}%`).orderBy('id').execute();
    const open = rows.find((r) => r.status === 'pending' || r.status === 'sending');
    if (open) throw new ConflictError(`a rollback of this proxy is already queued for this incident (${open.key})`);
    const done = rows.find((r) => r.status === 'sent');
    if (done) throw new ConflictError(`this proxy was already rolled back for this incident (${done.key})`);
    return rows.length === 0 ? prefix : `${prefix}:${rows.length + 1}`;
  }

  return async function requestRollback(incidentId: string, proxy: string | undefined, actor: string): Promise<RollbackRequest> {
    const incident = await engine.get(incidentId);
    if (!incident) throw new NotFoundError(`no incident ${incidentId}`);
    if (incident.status === 'resolved') throw new ConflictError(`${incidentId} is resolved: a rollback belongs to an open incident`);
    const target = pickRollback(config, incident, proxy);
    const clients = chainClients(config, target.governor.chain);
    const [allowance, current, block] = await Promise.all([
      readAllowance(clients, target.governor.address, target.proxy),
      readImplementation(clients, target.proxy),
      clients.publicClient.getBlock({ blockTag: 'latest' }),
    ]);
    const why = refusal(allowance, current, Number(block.timestamp));
    if (why) {
      await engine.record(incidentId, [
        { kind: 'rollback', actor, text: `Rollback of ${target.bridge} (${target.proxy}) asked for by ${actor}, refused: ${why}.`, data: { outcome: 'refused', proxy: target.proxy, reason: why } },
      ]);
      throw new ConflictError(`rollback refused: ${why}`, { details: { proxy: target.proxy } });
    }
    const key = await nextKey(rollbackKeyPrefix(incidentId, target.proxy));
    const payload: RollbackPayload = {
      incidentId,
      chain: target.governor.chain,
      governor: target.governor.address,
      proxy: target.proxy,
      bridge: target.bridge,
      fromImpl: allowance.fromImpl,
      toImpl: allowance.toImpl,
      incidentIdHash: incidentIdHash(incidentId),
      requestedBy: actor,
      summary: `roll back ${target.bridge} (${target.proxy}) from ${allowance.fromImpl} to ${allowance.toImpl} through the rollback governor on ${target.governor.chain} for ${incidentId}, asked for by ${actor}`,
    };
    // queued first, then told: the announcement wakes the delivery worker, which finds the row
    await enqueue(db, [{ key, incidentId, channel: `${ROLLBACK_PREFIX}:${target.governor.chain}`, kind: 'rollback', payload }], now());
    const validUntil = new Date(allowance.validUntil * 1000).toISOString();
    await engine.record(
      incidentId,
      [
        {
          kind: 'rollback',
          actor,
          text: `${actor} asked to roll back ${target.bridge}: proxy ${target.proxy} from ${allowance.fromImpl} to ${allowance.toImpl} (allowed until ${validUntil}). Queued; the slot is checked and the call simulated right before sending.`,
          data: { outcome: 'requested', proxy: target.proxy, fromImpl: allowance.fromImpl, toImpl: allowance.toImpl, key },
        },
      ],
      undefined,
      governanceNotice(`rollback:requested:${key}`, `${actor} asked to roll back ${target.bridge} (${target.proxy}) to ${allowance.toImpl}; sending through the rollback governor on ${target.governor.chain}.`, { audiences: ['ops'], kind: 'rollback' }),
    );
    deps.logger.info({ incident: incidentId, proxy: target.proxy, actor, key }, 'rollback requested');
    return {
      incident: incidentId,
      status: 'queued',
      key,
      proxy: target.proxy,
      bridge: target.bridge,
      chain: target.governor.chain,
      governor: target.governor.address,
      fromImpl: allowance.fromImpl,
      toImpl: allowance.toImpl,
      validUntil,
    };
  };
}
