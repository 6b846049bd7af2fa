/**
 * The comms effect sink: inside the incident change's transaction it renders the playbook's
 * templates for every audience the incident's severity reaches and queues one outbox row per
 * platform and audience. Unconfigured platforms get the row too, as `skipped`, so the dashboard
 * shows what would have been sent. A `page` adds a message to `ops` naming the tier's handles;
 * every change also refreshes the Discord live-status card (edited in place by the deliverer).
 */
import type { Effect } from '../core/effects.ts';
import type { Audience, Incident } from '../core/types.ts';
import { AUDIENCES } from '../core/types.ts';
import type { Config } from '../config/types.ts';
import type { EffectSink } from '../store/effects.ts';
import { type OutboxInsert, enqueue } from '../store/outbox.ts';
import type { Db } from '../store/store.ts';
import { LIVE_KIND, PAGE_KIND, discordMessage, telegramMessage, templateFile } from './messages.ts';
import { templatesFor } from './templates.ts';
import { incidentVars } from './vars.ts';
import { windowHolding } from './paging/maintenance.ts';
import { formatUtc } from '../core/format.ts';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { discordOpsPayload, telegramOpsPayload } from './warroom/pointer.ts';

export { LIVE_KIND, PAGE_KIND } from './messages.ts';

/** A notification may name its audiences (`vars.audiences`, e.g. reminders → ops); else the playbook decides. */
function audiencesFor(value: unknown): Audience[] | null {
  if (!Array.isArray(value)) return null;
  const known = value.filter((a): a is Audience => (AUDIENCES as readonly string[]).includes(a as string));
  return known.length > 0 ? known : null;
}

/** ops messages point at the incident's war room (src/comms/warroom/pointer.ts) */
function inOps<P>(audience: Audience, payload: P, adapt: (payload: P) => P): P {
  return audience === 'ops' ? adapt(payload) : payload;
}

export interface CommsSinkOptions {
  config: Config;
  /** template set; defaults to the playbook's */
  templates?: Record<string, string>;
}

export function createCommsSink(options: CommsSinkOptions): EffectSink {
  const { config } = options;
  const templates = options.templates ?? templatesFor(config);

  function rowsFor(kind: string, audiences: Audience[], incident: Incident, dedup: string, vars: Record<string, string>, now: Date, mentions: { discord?: string; telegram?: string } = {}): OutboxInsert[] {
    const rows: OutboxInsert[] = [];
    for (const audience of audiences) {
      const file = templateFile(templates, kind, audience);
      if (!file) continue;
      const discordChannel = config.discord?.channels[audience] ?? null;
      const discordReady = Boolean(config.discord?.token && discordChannel);
      const discordKey = `${incident.id}:${dedup}:discord:${audience}`;
      const discordVars = { ...vars, paged: mentions.discord ?? '' };
      rows.push({
        key: discordKey,
        incidentId: incident.id,
        channel: `discord:${audience}`,
        kind,
        status: discordReady ? 'pending' : 'skipped',
        payload: inOps(audience, discordMessage(templates, file, discordVars, {
          channelId: discordChannel,
          key: discordKey,
          severity: incident.severity,
          resolved: incident.status === 'resolved',
          at: now,
          mentions: mentions.discord ? [mentions.discord] : [],
        }).payload, (p) => discordOpsPayload(config, incident, kind, p)),
      });
      const chatId = config.telegram?.chats[audience] ?? null;
      const telegramReady = Boolean(config.telegram?.token && chatId);
      rows.push({
        key: `${incident.id}:${dedup}:telegram:${audience}`,
        incidentId: incident.id,
        channel: `telegram:${audience}`,
        kind,
        status: telegramReady ? 'pending' : 'skipped',
        payload: inOps(audience, telegramMessage(templates, file, { ...vars, paged: mentions.telegram ?? '' }, chatId).payload, (p) => telegramOpsPayload(config, incident, kind, p)),
      });
    }
    return rows;
  }

  /** Queue a live card unless its text is the one queued last for this incident and channel. */
  async function changed(trx: Db, incident: Incident, channel: string, text: string, now: Date): Promise<boolean> {
    const digest = createHash('sha256').update(text).digest('hex');
    const kvKey = `comms:live-digest:${incident.id}:${channel}`;
    const previous = await sql<{ value: unknown }>`select value from kv where key = ${kvKey}`.execute(trx);
    if (previous.rows[0]?.value === digest) return false;
    await sql`insert into kv (key, value, updated_at) values (${kvKey}, ${JSON.stringify(digest)}, ${now})
      on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at`.execute(trx);
    return true;
  }

  /**
   * One live card per incident and chat (Discord and Telegram), edited in place by the deliverers;
   * only for configured platforms (an unsent card has nothing to show).
   */
  async function liveRows(trx: Db, incident: Incident, now: Date): Promise<OutboxInsert[]> {
    const rows: OutboxInsert[] = [];
    const vars = incidentVars(config, incident, now);
    const stamp = `${incident.id}:live:${incident.timeline.length}:${now.toISOString()}`;
    for (const audience of config.playbooks.levels[incident.severity].audiences) {
      const file = templateFile(templates, LIVE_KIND, audience);
      if (!file) continue;
      const channelId = config.discord?.token ? config.discord.channels[audience] : undefined;
      if (channelId) {
        let payload = discordMessage(templates, file, vars, {
          channelId,
          key: `${incident.id}:live:discord:${audience}`,
          severity: incident.severity,
          resolved: incident.status === 'resolved',
          at: now,
          liveStatus: true,
        }).payload;
        if (audience === 'ops') payload = discordOpsPayload(config, incident, LIVE_KIND, payload);
        // the footer and timestamp carry the time: compare the card without them
        const card = payload.embeds.map((e) => `${e.title}\n${e.description}\n${e.color}`).join('\n');
        if (await changed(trx, incident, `discord:${audience}`, card, now)) {
          rows.push({ key: `${stamp}:discord:${audience}`, incidentId: incident.id, channel: `discord:${audience}`, kind: LIVE_KIND, payload });
        }
      }
      const chatId = config.telegram?.token ? config.telegram.chats[audience] : undefined;
      if (chatId) {
        const message = telegramMessage(templates, file, vars, chatId).payload;
        const payload = { ...(audience === 'ops' ? telegramOpsPayload(config, incident, LIVE_KIND, message) : message), liveStatus: true };
        if (await changed(trx, incident, `telegram:${audience}`, payload.text, now)) {
          rows.push({ key: `${stamp}:telegram:${audience}`, incidentId: incident.id, channel: `telegram:${audience}`, kind: LIVE_KIND, payload });
        }
      }
    }
    return rows;
  }

  return {
    name: 'comms',
    async plan(trx: Db, effect: Effect, incident: Incident, now: Date): Promise<void> {
      if (effect.type === 'notify') {
        const audiences = audiencesFor(effect.vars?.audiences) ?? config.playbooks.levels[incident.severity].audiences;
        const vars = incidentVars(config, incident, now, effect);
        await enqueue(trx, rowsFor(effect.kind, audiences, incident, effect.dedup, vars, now), now);
      } else if (effect.type === 'page') {
        const tier = config.oncall.tiers[effect.tier];
        if (!tier) return;
        // a maintenance window holds pages: the message still tells ops, but mentions nobody
        const window = windowHolding(config.maintenance, incident, now);
        const held = window ? `until ${formatUtc(window.end)}${window.note ? ` (${window.note})` : ''}` : '';
        const vars = incidentVars(config, incident, now, { dedup: effect.dedup }, { tier: tier.name, held });
        const mentions = window ? {} : { discord: tier.discord, telegram: tier.telegram };
        await enqueue(trx, rowsFor(PAGE_KIND, ['ops'], incident, effect.dedup, vars, now, mentions), now);
      } else if (effect.type === 'publish') {
        await enqueue(trx, await liveRows(trx, incident, now), now);
      }
    },
  };
}
