/**
 * The postmortem of a stored incident: the pure renderer (render.ts) fed from the store — the
 * incident with its timeline and action items, the outbox rows sent about it (communications
 * summary), the chains its bridges span — and the playbooks' template when the config has one.
 */
import type { Config } from '../config/types.ts';
import { NotFoundError } from '../core/errors.ts';
import type { Incident } from '../core/types.ts';
import { getIncident } from '../store/incidents.ts';
import { listOutbox, type OutboxRow } from '../store/outbox.ts';
import type { Db, Store } from '../store/store.ts';
import { POSTMORTEM_TEMPLATE_NAME, type PostmortemMessage, renderPostmortem } from './render.ts';

/**
 * Kinds that happen to the postmortem itself (anchoring it, announcing the anchor): left out, so
 * that generating the document again after anchoring it gives the same bytes.
 */
const ABOUT_THE_POSTMORTEM = new Set(['anchored', 'forum']);

/** Outbox channels that carry messages to people (others carry transactions, proposals, pins). */
const MESSAGE_CHANNELS = /^(discord|telegram|pagerduty|webhook):/;
/** The Discord live-status card: one message edited in place on every change, not a message each time. */
const LIVE_CARD = 'live';

export function postmortemMessages(rows: OutboxRow[]): PostmortemMessage[] {
  return rows
    .filter((row) => MESSAGE_CHANNELS.test(row.channel) && row.kind !== LIVE_CARD && !ABOUT_THE_POSTMORTEM.has(row.kind))
    .map((row) => ({ channel: row.channel, kind: row.kind, status: row.status, sentAt: row.sentAt ? row.sentAt.toISOString() : null }));
}

/** Chains of the bridges the incident touched, in config order. */
export function chainsOf(config: Config, incident: Incident): string[] {
  const bridges = new Set([...incident.peakImpact.bridges, ...incident.impact.bridges]);
  const chains: string[] = [];
  for (const bridge of config.bridges) {
    if (!bridges.has(bridge.id)) continue;
    for (const name of [bridge.source.chain, bridge.destination.chain]) if (!chains.includes(name)) chains.push(name);
  }
  return chains;
}

/** The postmortem Markdown of `incident` (as read from `store`): deterministic for a given state. */
export async function renderPostmortemFor(store: Pick<Store, 'db'> | { db: Db }, config: Config, incident: Incident): Promise<string> {
  const rows = await listOutbox(store.db, { incidentId: incident.id });
  return renderPostmortem(
    { ...incident, timeline: incident.timeline.filter((entry) => !ABOUT_THE_POSTMORTEM.has(entry.kind)) },
    {
      actionItems: incident.actionItems,
      messages: postmortemMessages(rows),
      template: config.playbooks.templates[POSTMORTEM_TEMPLATE_NAME],
      chains: chainsOf(config, incident),
    },
  );
}

/** Same, by id. Throws NotFoundError for an unknown incident. */
export async function renderPostmortemById(store: Pick<Store, 'db'>, config: Config, id: string): Promise<string> {
  const stored = await getIncident(store.db, id);
  if (!stored) throw new NotFoundError(`no incident ${id}`);
  return renderPostmortemFor(store, config, stored.incident);
}
