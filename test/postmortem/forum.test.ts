/**
 * The governance forum: once a postmortem is anchored, it and its action items are posted as a
 * Discourse topic through the outbox — once per incident (external_id = incident id, looked up
 * before posting), through Discourse's 429 and 422 answers, with every outcome on the timeline.
 * Real service, real PGlite, a loopback Discourse (test/support/discourse-standin.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/app/service.ts';
import type { Incident } from '../../src/core/types.ts';
import { FORUM_CHANNEL, createForumIntegration, cutCodePoints, forumKey } from '../../src/postmortem/forum.ts';
import { renderPostmortemFor } from '../../src/postmortem/generate.ts';
import { recordAnchor } from '../../src/postmortem/record.ts';
import { getByKey, listOutbox } from '../../src/store/outbox.ts';
import { type CapturedLogger, capturingLogger, testClock, testConfig, waitFor as waitForWithin } from '../comms/telegram-harness.ts';
import { type DiscourseStandin, startDiscourseStandin } from '../support/discourse-standin.ts';

const API_KEY = 'discourse-api-key-do-not-leak-0123456789';
const USERNAME = 'firebreak';
const clock = testClock();
// generous: the machine may be busy (conditions are waited on, never a fixed sleep)
const waitFor = <T>(what: string, probe: () => Promise<T | undefined | null | false>) => waitForWithin(what, probe, 90_000);

let forum: DiscourseStandin;
let service: Service;
let logger: CapturedLogger;

function anchorOf(n: number) {
  return { digest: `0x${String(n).repeat(64)}`, cid: `bafkreig${'a'.repeat(50)}`, txHash: `0x${'f'.repeat(62)}${n.toString(16).padStart(2, '0')}`, chainId: 31337, registry: `0x${'4'.repeat(40)}` };
}

beforeAll(async () => {
  forum = await startDiscourseStandin({ apiKey: API_KEY, apiUsername: USERNAME });
  logger = capturingLogger();
  // (a trailing slash on the URL is fine)
  const config = testConfig((raw) => (raw.forum = { url: `${forum.url}/`, apiKey: API_KEY, apiUsername: USERNAME, category: 12 }));
  service = await startService({ config, logger, listen: false, now: clock.now, tickMs: 3_600_000, integrations: [createForumIntegration] });
});

async function incidentWithItems(title: string): Promise<Incident> {
  const incident = await service.engine.declare({ title, severity: 'S1', summary: '37 transfers stuck, $40,000 locked' }, 'test');
  await service.engine.addActionItem(incident.id, { title: 'Alert on relayer lag', owner: 'alice', due: '2026-12-15', priority: 'high' }, 'test');
  await service.engine.addActionItem(incident.id, { title: 'Second relayer operator', owner: 'bob', due: '2027-01-15', priority: 'medium' }, 'test');
  return (await service.engine.resolve(incident.id, 'test', 'relayer back'))!;
}

const forumEntries = async (id: string) => (await service.engine.get(id))!.timeline.filter((e) => e.kind === 'forum');

afterAll(async () => {
  await service?.stop();
  await forum?.close();
});

describe('governance forum (Discourse)', { timeout: 180_000 }, () => {
  it('posts the anchored postmortem and its action items as one topic, with external_id = incident id', async () => {
    const incident = await incidentWithItems('Acme bridge: 37 transfers stuck 🧯');
    const before = await renderPostmortemFor(service.store, service.config, (await service.engine.get(incident.id))!);
    await recordAnchor(service.engine, incident.id, anchorOf(1), 'test');

    const [entry] = await waitFor('the forum entry on the timeline', async () => ((await forumEntries(incident.id)).length ? forumEntries(incident.id) : null));
    const topic = forum.topics.find((t) => t.externalId === incident.id)!;
    expect(topic).toBeTruthy();
    expect(topic).toMatchObject({ title: `Postmortem ${incident.id}: Acme bridge: 37 transfers stuck 🧯`, category: 12, username: USERNAME });
    expect(topic.raw).toContain(anchorOf(1).digest);
    expect(topic.raw).toContain(`firebreak verify <file> --incident ${incident.id}`);
    expect(topic.raw).toContain('- [ ] Alert on relayer lag (owner alice, due 2026-12-15, high)');
    expect(topic.raw).toContain('- [ ] Second relayer operator (owner bob, due 2027-01-15, medium)');
    expect(topic.raw).toContain(before.split('\n').find((line) => line.startsWith('#'))!);
    expect(entry!.text).toBe(`Postmortem posted to the governance forum: ${forum.url}/t/${topic.slug}/${topic.id}`);

    // asked by external id first, then posted with the Api-Key / Api-Username headers
    const calls = forum.requests.filter((r) => r.body?.external_id === incident.id || r.path.includes(incident.id));
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /t/external_id/${incident.id}.json`, 'POST /posts.json']);
    expect(calls.every((r) => r.apiKey === API_KEY && r.apiUsername === USERNAME)).toBe(true);

    // the forum entry is about the postmortem: the document (and so its anchored digest) is unchanged
    expect(await renderPostmortemFor(service.store, service.config, (await service.engine.get(incident.id))!)).toBe(before);

    // a revision anchored later does not open a second topic
    await recordAnchor(service.engine, incident.id, anchorOf(2), 'test');
    await service.delivery.drain();
    expect(forum.topics.filter((t) => t.externalId === incident.id)).toHaveLength(1);
    expect((await listOutbox(service.store.db, { incidentId: incident.id })).filter((r) => r.channel === FORUM_CHANNEL)).toHaveLength(1);
    expect(logger.lines.join('\n')).not.toContain(API_KEY);
  });

  it('a topic created before the answer was lost is found by its external id, not posted twice', async () => {
    const incident = await incidentWithItems('Lost answer: the proxy timed out');
    forum.loseNextAnswer();
    await recordAnchor(service.engine, incident.id, anchorOf(3), 'test');
    await waitFor('the retry after the lost answer', async () => (await getByKey(service.store.db, forumKey(incident.id)))?.lastError);
    clock.advance(10 * 60_000);
    const [entry] = await waitFor('the forum entry', async () => ((await forumEntries(incident.id)).length ? forumEntries(incident.id) : null));
    expect(forum.topics.filter((t) => t.externalId === incident.id)).toHaveLength(1);
    expect(forum.requests.filter((r) => r.method === 'POST' && r.body?.external_id === incident.id)).toHaveLength(1);
    expect(entry!.text).toMatch(/^Postmortem already on the governance forum: /);
  });

  it("429: waits Discourse's extras.wait_seconds before posting again", async () => {
    const incident = await incidentWithItems('Rate limited forum post');
    forum.rateLimitNextPosts(1, 120);
    await recordAnchor(service.engine, incident.id, anchorOf(4), 'test');
    const row = await waitFor('the rate-limited row', async () => {
      const r = await getByKey(service.store.db, forumKey(incident.id));
      return r?.lastError ? r : null;
    });
    expect(row.status).toBe('pending');
    expect(row.lastError).toContain('Please wait 120 seconds');
    expect(row.nextAttemptAt.getTime() - clock.now().getTime()).toBeGreaterThanOrEqual(119_000);
    await service.delivery.drain();
    expect(forum.topics.some((t) => t.externalId === incident.id)).toBe(false);
    expect(await forumEntries(incident.id)).toHaveLength(0);
    clock.advance(121_000);
    await waitFor('the forum entry after the wait', async () => ((await forumEntries(incident.id)).length ? true : null));
    expect(forum.topics.filter((t) => t.externalId === incident.id)).toHaveLength(1);
  });

  it('422 "Title has already been used": posted once more with the digest in the title', async () => {
    const incident = await incidentWithItems('A title somebody already used');
    forum.seedTopic(`Postmortem ${incident.id}: A title somebody already used`);
    await recordAnchor(service.engine, incident.id, anchorOf(5), 'test');
    await waitFor('the forum entry', async () => ((await forumEntries(incident.id)).length ? true : null));
    const topic = forum.topics.find((t) => t.externalId === incident.id)!;
    expect(topic.title).toBe(`Postmortem ${incident.id}: A title somebody already used (${anchorOf(5).digest.slice(0, 12)})`);
  });

  it('403 (a wrong key): failed for good, on the timeline, and the key is never logged', async () => {
    forum.acceptOnly('a-rotated-key-0123456789');
    const incident = await incidentWithItems('Forum refuses the key');
    await recordAnchor(service.engine, incident.id, anchorOf(6), 'test');
    const [entry] = await waitFor('the failure on the timeline', async () => ((await forumEntries(incident.id)).length ? forumEntries(incident.id) : null));
    expect(entry!.text).toContain('Failed to post the postmortem to the governance forum');
    expect(entry!.text).toContain('The API username or key is invalid');
    expect(entry!.text).toContain('check forum.apiKey and forum.apiUsername');
    expect((await getByKey(service.store.db, forumKey(incident.id)))!.status).toBe('failed');
    expect(logger.lines.join('\n')).not.toContain(API_KEY);
    forum.acceptOnly(API_KEY);
  });

  it('does not post: without `forum:`, or for anything but an anchored postmortem', async () => {
    const unconfigured = await createForumIntegration({ config: testConfig(() => {}), store: service.store, engine: service.engine, watch: service.watch, logger, now: clock.now, isLeader: () => true });
    expect(unconfigured.sinks ?? []).toEqual([]);
    expect(unconfigured.deliverers ?? []).toEqual([]);

    const open = await service.engine.declare({ title: 'Declared, updated, never anchored', severity: 'S1', summary: 'x' }, 'test');
    await service.engine.postUpdate(open.id, { status: 'identified', message: 'relayer down' }, 'test');
    await service.engine.addNote(open.id, 'internal note', 'test');
    await service.engine.resolve(open.id, 'test', 'done');
    await service.delivery.drain();
    expect(await getByKey(service.store.db, forumKey(open.id))).toBeNull();
    expect(forum.requests.some((r) => r.path.includes(open.id) || r.body?.external_id === open.id)).toBe(false);
  });

  it('cuts text on code points, never inside an emoji', () => {
    const cut = cutCodePoints('🧯'.repeat(10), 5);
    expect(Array.from(cut)).toHaveLength(5);
    expect(cut.endsWith('…')).toBe(true);
    // Buffer replaces a lone surrogate with U+FFFD: equal means well-formed
    expect(Buffer.from(cut).toString()).toBe(cut);
  });
});
