/**
 * The Telegram war room through the outbox, without a service: the topic is made once and recorded
 * on the incident; Telegram has no idempotency key and no way to list topics, so an attempt whose
 * answer never came (a timeout after Telegram made the topic) is retried — the one way to get a
 * second topic — and the incident's timeline says so instead of hiding it. A topic that is not a
 * forum is a permanent failure on the timeline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarRoomParts } from '../../src/comms/warroom/integration.ts';
import { createWarRoomTelegramDeliverer } from '../../src/comms/warroom/telegram.ts';
import { createTelegramClient } from '../../src/comms/telegram/client.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createDeliveryWorker } from '../../src/delivery/worker.ts';
import { createIncidentEngine } from '../../src/incidents/engine.ts';
import { listOutbox } from '../../src/store/outbox.ts';
import { type Store, createStore } from '../../src/store/store.ts';
import { type TelegramStandin, startTelegramStandin } from '../support/telegram-standin.ts';
import { until } from '../support/wait.ts';
import { commsConfig } from './fixtures.ts';

const ROOM_CHAT = '-1005550001';

describe('Telegram war-room topics through the outbox', () => {
  let standin: TelegramStandin;
  let store: Store;
  beforeAll(async () => {
    [standin, store] = await Promise.all([startTelegramStandin(undefined, { forumChats: [ROOM_CHAT] }), createStore({ kind: 'pglite', url: 'memory://' })]);
  });
  afterAll(async () => {
    await Promise.all([standin.close(), store.close()]);
  });

  function setup(warRoomChat: string, timeoutMs = 20_000) {
    const config = commsConfig({ telegram: { token: standin.token, apiRoot: standin.apiRoot, warRoomChat } });
    const engine = createIncidentEngine({ store, config, logger: silentLogger });
    const parts = createWarRoomParts({ config, store, engine, logger: silentLogger });
    for (const sink of parts.sinks) engine.addSink(sink);
    const deliverer = createWarRoomTelegramDeliverer(config.telegram!, { db: store.db, client: createTelegramClient(config.telegram!, timeoutMs) });
    const worker = createDeliveryWorker({ db: store.db, deliverers: [deliverer], logger: silentLogger, owner: 'test', onDelivered: parts.onDelivered, baseBackoffMs: 10, maxBackoffMs: 50 });
    return { engine, worker };
  }

  it('an answer that never came is retried: the second topic is named on the timeline, not hidden', async () => {
    const { engine, worker } = setup(ROOM_CHAT, 1_000);
    standin.holdTopicResponses = true;
    const incident = await engine.declare({ title: 'Relayer down', severity: 'S1' }, 'api:ops');
    await worker.drain();
    // the first attempt timed out after Telegram made the topic: the row kept its intent
    expect(standin.topics).toHaveLength(1);
    const [open] = (await listOutbox(store.db, { channelPrefix: 'warroom-telegram:' })).filter((r) => r.kind === 'room-open');
    expect(open!.status).toBe('pending');
    expect(open!.result).toMatchObject({ intent: 'createForumTopic', chatId: ROOM_CHAT });
    standin.holdTopicResponses = false;
    const recorded = await until('the room recorded', async () => {
      await worker.drain();
      const current = (await engine.get(incident.id))!;
      return current.warRoom?.telegram ? current : undefined;
    });
    expect(standin.topics).toHaveLength(2);
    expect(recorded.warRoom!.telegram).toEqual({ chatId: ROOM_CHAT, topicId: standin.topics[1]!.messageThreadId });
    expect(recorded.timeline.some((e) => e.kind === 'war_room' && e.text.includes('a duplicate topic is possible'))).toBe(true);
    // the briefing went to the recorded topic, once
    const briefings = standin.messages.filter((m) => m.text.includes('War room'));
    expect(briefings.map((m) => m.messageThreadId)).toEqual([standin.topics[1]!.messageThreadId]);
  });

  it('a room delivered but not recorded (the process died in between) is recorded at the next start', async () => {
    const config = commsConfig({ telegram: { token: standin.token, apiRoot: standin.apiRoot, warRoomChat: ROOM_CHAT } });
    const engine = createIncidentEngine({ store, config, logger: silentLogger });
    const parts = createWarRoomParts({ config, store, engine, logger: silentLogger });
    for (const sink of parts.sinks) engine.addSink(sink);
    // a worker that never tells the incident (as if killed right after the outbox recorded the topic)
    const deaf = createDeliveryWorker({ db: store.db, deliverers: parts.deliverers, logger: silentLogger, owner: 'deaf' });
    const incident = await engine.declare({ title: 'Indexer lagging', severity: 'S2' }, 'api:ops');
    const topics = standin.topics.length;
    await until('the topic made', async () => {
      await deaf.drain();
      return standin.topics.length === topics + 1;
    });
    expect((await engine.get(incident.id))!.warRoom).toBeNull();
    await parts.reconcile();
    const recorded = (await engine.get(incident.id))!;
    expect(recorded.warRoom).toEqual({ discord: null, telegram: { chatId: ROOM_CHAT, topicId: standin.topics.at(-1)!.messageThreadId } });
    await parts.reconcile();
    expect((await engine.get(incident.id))!.timeline.filter((e) => e.kind === 'war_room')).toHaveLength(1);
  });

  it('a chat that is not a forum: the room fails for good, on the timeline, and nothing is posted to it', async () => {
    const { engine, worker } = setup('-1005550002');
    const incident = await engine.declare({ title: 'Explorer down', severity: 'S2' }, 'api:ops');
    const failed = await until('the failure on the timeline', async () => {
      await worker.drain();
      const current = (await engine.get(incident.id))!;
      return current.timeline.some((e) => e.kind === 'war_room' && e.text.includes('"briefing" failed')) ? current : undefined;
    });
    const texts = failed.timeline.filter((e) => e.kind === 'war_room').map((e) => e.text);
    expect(texts[0]).toContain('War room (Telegram topic): "room-open" failed: Telegram answered 400: Bad Request: the chat is not a forum');
    expect(texts.some((t) => t.includes('was never opened'))).toBe(true);
    expect(failed.warRoom).toBeNull();
  });
});
