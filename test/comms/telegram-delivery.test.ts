import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTelegramClient } from '../../src/comms/telegram/client.ts';
import { createTelegramDeliverer } from '../../src/comms/telegram/deliver.ts';
import { createDeliveryWorker, type DeliveryWorker } from '../../src/delivery/worker.ts';
import { claim, enqueue, getByKey, listOutbox } from '../../src/store/outbox.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { startTelegramStandin, type TelegramStandin } from '../support/telegram-standin.ts';
import { capturingLogger, testClock, type TestClock } from './telegram-harness.ts';

// MarkdownV2 with every kind of escape the templates produce
const TEXTS = [
  '*INC\\-0001 · S1* Acme bridge: 37 transfers stuck, \\$40,000 locked for 12 h 3 min\\.',
  '_Update_ \\(investigating\\): relayer restarted\\; next update by 01:30 UTC\\!',
  'Resolved\\. Thanks `@ops` \\#incident \\= done',
];

let standin: TelegramStandin;
let store: Store;
let clock: TestClock;
let worker: DeliveryWorker;
let run = 0;
const logger = capturingLogger();

beforeAll(async () => {
  standin = await startTelegramStandin();
  store = await createStore({ kind: 'pglite', url: 'memory://' });
});

afterAll(async () => {
  await store?.close();
  await standin?.close();
});

beforeEach(() => {
  run++;
  clock = testClock();
  standin.messages.length = 0;
  const deliverer = createTelegramDeliverer({ token: standin.token, apiRoot: standin.apiRoot, chats: {}, allowedUserIds: [] }, { db: store.db });
  // small backoffs; the clock is moved by the test, so nothing depends on wall-clock time
  worker = createDeliveryWorker({ db: store.db, deliverers: [deliverer], logger, owner: 'test', now: clock.now, baseBackoffMs: 50, maxBackoffMs: 500 });
});

async function queue(channel: string, texts: string[], chatId = '-100777'): Promise<string[]> {
  const rows = texts.map((text, i) => ({
    key: `run${run}:${channel}:${i}`,
    incidentId: null,
    channel,
    kind: 'update',
    payload: { chatId, text, parseMode: 'MarkdownV2' },
  }));
  await enqueue(store.db, rows, clock.now());
  return rows.map((row) => row.key);
}

describe('Telegram delivery through the outbox', () => {
  it('500 then 429 delays delivery, then each message arrives exactly once, in order, text intact', async () => {
    standin.failNext({ status: 500 }, { status: 429, retryAfter: 2 });
    const keys = await queue('telegram:ops', TEXTS);

    await worker.drain(); // 500 → retry after the backoff
    expect(standin.messages).toHaveLength(0);
    expect((await getByKey(store.db, keys[0]!))!.lastError).toMatch(/500/);

    clock.advance(1_000);
    await worker.drain(); // 429 retry_after 2 s → wait at least that
    expect(standin.messages).toHaveLength(0);
    const limited = (await getByKey(store.db, keys[0]!))!;
    expect(limited.lastError).toMatch(/429/);
    expect(limited.nextAttemptAt.getTime() - clock.now().getTime()).toBeGreaterThanOrEqual(2_000);

    clock.advance(1_000); // still inside retry_after: nothing is sent, nothing behind it either
    await worker.drain();
    expect(standin.messages).toHaveLength(0);

    clock.advance(1_500);
    await worker.drain();
    await worker.drain();
    expect(standin.messages.map((m) => m.text)).toEqual(TEXTS);
    expect(standin.messages.every((m) => m.parseMode === 'MarkdownV2' && m.chatId === '-100777')).toBe(true);
    for (const key of keys) {
      const row = (await getByKey(store.db, key))!;
      expect(row.status).toBe('sent');
      expect(row.result).toMatchObject({ messageId: expect.any(Number), chatId: '-100777' });
    }
    expect((await getByKey(store.db, keys[0]!))!.attempts).toBe(3);
    // a later pass sends nothing again
    clock.advance(60_000);
    await worker.drain();
    expect(standin.messages).toHaveLength(TEXTS.length);
  });

  it('a channel waiting for its retry does not hold up another channel', async () => {
    standin.failNext({ status: 429, retryAfter: 30 });
    await queue('telegram:ops', ['ops one'], '-1');
    await queue('telegram:community', ['community one'], '@community');
    await worker.drain();
    await worker.drain();
    expect(standin.messages.map((m) => m.text)).toEqual(['community one']);
    clock.advance(31_000);
    await worker.drain();
    expect(standin.messages.map((m) => m.text)).toEqual(['community one', 'ops one']);
  });

  it('a sender that crashed mid-send (row left `sending`) is replaced after its claim expires: sent once', async () => {
    const [key] = await queue('telegram:ops', ['after the crash'], '-4');
    const row = (await getByKey(store.db, key!))!;
    expect(await claim(store.db, row.id, 'crashed-instance', clock.now(), 60_000)).toBe(true);
    await worker.drain(); // the crashed instance still holds the claim
    expect(standin.messages).toHaveLength(0);
    clock.advance(61_000);
    await worker.drain();
    await worker.drain();
    expect(standin.messages.map((m) => m.text)).toEqual(['after the crash']);
    expect((await getByKey(store.db, key!))!.status).toBe('sent');
  });

  it('a message Telegram rejects (400) fails permanently and is kept with the reason', async () => {
    // (a 400 "can't parse entities" is sent again as plain text instead: telegram-markdown.test.ts)
    standin.failNext({ status: 400, description: 'Bad Request: chat not found' });
    const [key] = await queue('telegram:dev', ['broken'], '-2');
    await worker.drain();
    const row = (await getByKey(store.db, key!))!;
    expect(row.status).toBe('failed');
    expect(row.lastError).toMatch(/400.*chat not found/);
    expect(standin.messages).toHaveLength(0);
  });

  it('an unreachable Bot API is retried, and the token never appears in errors or logs', async () => {
    const deliverer = createTelegramDeliverer({ token: standin.token, apiRoot: 'http://127.0.0.1:9', chats: {}, allowedUserIds: [] }, { db: store.db });
    const offline = createDeliveryWorker({ db: store.db, deliverers: [deliverer], logger, owner: 'test', now: clock.now, baseBackoffMs: 50 });
    const [key] = await queue('telegram:comms', ['hello'], '-3');
    await offline.drain();
    const row = (await getByKey(store.db, key!))!;
    expect(row.status).toBe('pending');
    expect(row.lastError).toMatch(/unreachable/);
    const everything = JSON.stringify(await listOutbox(store.db)) + logger.lines.join('\n');
    expect(everything).not.toContain(standin.token);
  });

  it('the live-status message is posted once, then edited in place; a deleted one is posted again', async () => {
    const live = async (text: string, i: number) => {
      const key = `run${run}:live:${i}`;
      await enqueue(store.db, [{ key, incidentId: 'INC-0042', channel: 'telegram:ops', kind: 'live', payload: { chatId: '-6', text, parseMode: 'MarkdownV2', liveStatus: true } }], clock.now());
      await worker.drain();
      return (await getByKey(store.db, key))!;
    };
    const first = await live('*Live* S1 investigating', 0);
    expect(first.result).toMatchObject({ edited: false });
    const second = await live('*Live* S1 identified', 1);
    expect(second.result).toMatchObject({ edited: true, messageId: (first.result as { messageId: number }).messageId });
    const same = await live('*Live* S1 identified', 2); // unchanged text: Telegram says "not modified", which is done
    expect(same.status).toBe('sent');
    expect(standin.messages.filter((m) => m.chatId === '-6').map((m) => m.text)).toEqual(['*Live* S1 identified']);
    expect(standin.edits.map((e) => e.text)).toContain('*Live* S1 identified');
    standin.messages.splice(0); // somebody deleted it in the chat
    const again = await live('*Live* S1 monitoring', 3);
    expect(again.result).toMatchObject({ edited: false });
    expect(standin.messages.map((m) => m.text)).toEqual(['*Live* S1 monitoring']);
  });

  it('the client maps Telegram answers: replies carry reply_to_message_id', async () => {
    const client = createTelegramClient({ token: standin.token, apiRoot: standin.apiRoot });
    const sent = await client.sendMessage({ chatId: '-5', text: 'plain reply (no parse mode).', replyToMessageId: 42 });
    expect(sent.messageId).toBeGreaterThan(0);
    expect(standin.messages.at(-1)).toMatchObject({ chatId: '-5', replyToMessageId: 42, parseMode: undefined });
  });
});
