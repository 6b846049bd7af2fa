/**
 * Discord delivery through the persistent outbox, with discord.js REST pointed at a loopback
 * stand-in: 500s then a 429 delay a message but it arrives exactly once; a crash between enqueue
 * and delivery (and one in the middle of a send) loses nothing and duplicates nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordDeliverer } from '../../src/comms/discord/deliver.ts';
import { createCommsSink } from '../../src/comms/sink.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Config } from '../../src/config/types.ts';
import { type DeliveryEvent, createDeliveryWorker } from '../../src/delivery/worker.ts';
import { createIncidentEngine } from '../../src/incidents/engine.ts';
import { listOutbox } from '../../src/store/outbox.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { type DiscordStandin, startDiscordStandin } from '../../src/drill/standins/discord.ts';
import { commsConfig } from './fixtures.ts';
import { until as waitUntil } from '../support/wait.ts';

/** this file's conditions get three minutes on a busy machine */
const until = <T,>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 180_000) => waitUntil(what, probe, timeoutMs);

function configWith(standin: DiscordStandin): Config {
  return commsConfig({
    discord: { token: standin.token, channels: { ops: '101', dev: '102', community: '104' }, api: standin.api },
    oncall: { tiers: [{ name: 'primary', discord: '<@111>' }] },
  });
}

async function openIncident(store: Store, config: Config) {
  const engine = createIncidentEngine({ store, config, logger: silentLogger, sinks: [createCommsSink({ config })] });
  return engine.declare({ title: 'Relayer down', severity: 'S1', summary: 'relayer stopped' }, 'api:ops');
}

function worker(store: Store, config: Config, events: DeliveryEvent[] = []) {
  return createDeliveryWorker({
    db: store.db,
    deliverers: [createDiscordDeliverer({ config: config.discord!, db: store.db })],
    logger: silentLogger,
    owner: 'test',
    baseBackoffMs: 20,
    maxBackoffMs: 200,
    onDelivered: (event) => {
      events.push(event);
    },
  });
}

async function allDiscordSent(store: Store) {
  const rows = await listOutbox(store.db, { channelPrefix: 'discord:' });
  return rows.length > 0 && rows.every((r) => r.status === 'sent' || r.status === 'skipped') ? rows : undefined;
}

/** one Discord message per non-live row and one card per live channel, each nonce once */
function expectExactlyOnce(standin: DiscordStandin, rows: Awaited<ReturnType<typeof listOutbox>>) {
  const nonces = standin.messages.map((m) => m.nonce);
  expect(new Set(nonces).size).toBe(nonces.length);
  const posts = rows.filter((r) => r.status === 'sent' && r.kind !== 'live');
  const liveChannels = new Set(rows.filter((r) => r.kind === 'live').map((r) => r.channel));
  expect(standin.messages.length).toBe(posts.length + liveChannels.size);
  for (const row of posts) expect(standin.messages.filter((m) => m.nonce === (row.payload as { nonce: string }).nonce)).toHaveLength(1);
}

describe('Discord delivery through the outbox', () => {
  let standin: DiscordStandin;
  let store: Store;
  beforeAll(async () => {
    [standin, store] = await Promise.all([startDiscordStandin(), createStore({ kind: 'pglite', url: 'memory://' })]);
  }, 300_000);
  afterAll(async () => {
    await Promise.all([standin?.close(), store?.close()]);
  });

  it('500s and then a 429 delay delivery, but each message arrives exactly once, in order per channel', async () => {
    standin.messages.length = 0;
    standin.requests.length = 0;
    const config = configWith(standin);
    {
      const incident = await openIncident(store, config);
      standin.failNext({ status: 500 }, { status: 502 }, { status: 429, retryAfterSeconds: 1 });
      const events: DeliveryEvent[] = [];
      const w = worker(store, config, events);
      w.start();
      const rows = await until('every Discord row sent', () => allDiscordSent(store));
      await w.stop();
      expect(standin.requests.map((r) => r.status).filter((s) => s !== 200)).toEqual([500, 502, 429]);
      const retries = events.filter((e) => e.outcome === 'retry').map((e) => e.error);
      expect(retries).toHaveLength(3);
      expect(retries[2]).toMatch(/rate limit/);
      expectExactlyOnce(standin, rows);
      // the ops channel got the declaration, the page (mentioning only the paged user) and the live card, in that order
      const ops = standin.inChannel('101');
      expect(ops.map((m) => m.embeds[0]!.title)).toEqual([`🚨 ${incident.id} S1 declared: Relayer down`, `📟 ${incident.id} S1: paging primary`, `🔴 LIVE · ${incident.id} S1 · investigating`]);
      expect(ops[1]!.content).toBe('<@111>');
      expect(ops[1]!.allowed_mentions).toEqual({ parse: [], users: ['111'], roles: [] });
      expect(ops[0]!.allowed_mentions).toEqual({ parse: [], users: [], roles: [] });
      // comms has no channel configured: its rows are kept as skipped, never sent
      const comms = rows.filter((r) => r.channel === 'discord:comms');
      expect(comms.length).toBeGreaterThan(0);
      expect(comms.every((r) => r.status === 'skipped')).toBe(true);
    }
  }, 300_000);

  it('a notification naming its audiences reaches only those (reminder → ops; anchored → ops + community)', async () => {
    const config = configWith(standin);
    const engine = createIncidentEngine({ store, config, logger: silentLogger, sinks: [createCommsSink({ config })] });
    const incident = await engine.declare({ title: 'Audience check', severity: 'S1' }, 'api:ops');
    await engine.record(incident.id, [{ kind: 'reminder', text: 'Action item #1 is due' }], undefined, [
      { type: 'notify', kind: 'reminder', dedup: 'reminder:1', message: 'Action item #1 is due', vars: { audiences: ['ops'], text: 'Action item #1 is due' } },
      { type: 'notify', kind: 'anchored', dedup: 'anchored:0xabc', vars: { audiences: ['ops', 'community'], txHash: '0xabc', cid: 'bafyanchored' } },
    ]);
    const rows = await listOutbox(store.db, { incidentId: incident.id });
    expect(rows.filter((r) => r.kind === 'reminder').map((r) => r.channel).sort()).toEqual(['discord:ops', 'telegram:ops']);
    expect(rows.filter((r) => r.kind === 'anchored').map((r) => r.channel).sort()).toEqual(['discord:community', 'discord:ops', 'telegram:community', 'telegram:ops']);
    const community = rows.find((r) => r.kind === 'anchored' && r.channel === 'discord:community')!.payload as { text: string };
    expect(community.text).toContain('ipfs://bafyanchored');
    expect(community.text).not.toContain('0xabc');
  }, 300_000);

  it('during a maintenance window the page message tells ops but mentions nobody', async () => {
    const hour = 3_600_000;
    const config = commsConfig({
      discord: { token: standin.token, channels: { ops: '101' }, api: standin.api },
      oncall: { tiers: [{ name: 'primary', discord: '<@111>', telegram: '@alice' }] },
      maintenance: [{ start: new Date(Date.now() - hour).toISOString(), end: new Date(Date.now() + hour).toISOString(), note: 'upgrade' }],
    });
    const incident = await openIncident(store, config);
    const pages = (await listOutbox(store.db, { incidentId: incident.id })).filter((r) => r.kind === 'page');
    expect(pages.map((r) => r.channel).sort()).toEqual(['discord:ops', 'telegram:ops']);
    const discord = pages.find((r) => r.channel === 'discord:ops')!.payload as { content?: string; allowedMentions: unknown; text: string };
    expect(discord.content).toBeUndefined();
    expect(discord.allowedMentions).toEqual({ users: [], roles: [] });
    expect(discord.text).toContain('held by a maintenance window');
    expect(discord.text).toContain('(upgrade)');
    expect(discord.text).not.toContain('<@111>');
    expect((pages.find((r) => r.channel === 'telegram:ops')!.payload as { text: string }).text).not.toContain('@alice');
  }, 300_000);

  it('a crash between enqueue and delivery, and one in the middle of a send, deliver exactly once after a restart', async () => {
    standin.messages.length = 0;
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-discord-'));
    const config = configWith(standin);
    try {
      // first life: the incident is declared (rows queued) and the process dies before delivering,
      // except one row that reached Discord while its outbox record was never written
      const first = await createStore({ kind: 'pglite', url: dir });
      await openIncident(first, config);
      const queued = (await listOutbox(first.db, { channelPrefix: 'discord:' })).filter((r) => r.status === 'pending');
      expect(queued.length).toBeGreaterThan(2);
      const midSend = queued[0]!;
      await createDiscordDeliverer({ config: config.discord!, db: first.db }).deliver(midSend, { logger: silentLogger, progress: async () => {} });
      await first.db.updateTable('outbox').set({ status: 'sending', claimed_by: 'dead', claimed_until: new Date(Date.now() - 1000), attempts: 1 }).where('id', '=', midSend.id).execute();
      await first.close();
      expect(standin.messages).toHaveLength(1);

      // second life on the same database: everything pending is delivered, the half-sent row once
      const second = await createStore({ kind: 'pglite', url: dir });
      try {
        const w = worker(second, config);
        await until('every Discord row sent', async () => {
          await w.drain();
          return allDiscordSent(second);
        });
        const rows = await listOutbox(second.db, { channelPrefix: 'discord:' });
        expectExactlyOnce(standin, rows);
        const resent = rows.find((r) => r.id === midSend.id)!;
        expect(resent.status).toBe('sent');
        expect((resent.result as { messageId: string }).messageId).toBe(standin.messages[0]!.id);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
