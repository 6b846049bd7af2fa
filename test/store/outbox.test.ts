/**
 * The outbox on a real PGlite store: ordered channels per target (a pause retrying against a dead
 * RPC holds back no other bridge's pause), results recorded only by the sender holding the claim,
 * and a new leader takes over only claims that have run out.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RetryableError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createDeliveryWorker, type Deliverer } from '../../src/delivery/worker.ts';
import { pauseChannel } from '../../src/governance/pause/sink.ts';
import { claim, enqueue, getByKey, markFailed, markRetry, markSent, recordProgress, releaseForeignClaims } from '../../src/store/outbox.ts';
import { createStore, type Store } from '../../src/store/store.ts';

let store: Store;
beforeEach(async () => {
  store = await createStore({ kind: 'pglite', url: 'memory://' });
});
afterEach(async () => {
  await store?.close();
});

const pause = (incident: string, chain: string, target: string) => ({
  key: `${incident}:pause:${chain}`,
  incidentId: null,
  channel: pauseChannel(chain, target),
  kind: 'pause',
  payload: { chain, target },
});

describe('ordered channels per target', () => {
  it('a pause retrying against a dead RPC holds back neither another chain nor another target on the same chain', async () => {
    const now = new Date();
    await enqueue(
      store.db,
      [pause('INC-0001', 'ethereum', '0xAAAA'), pause('INC-0002', 'arbitrum', '0xbbbb'), pause('INC-0003', 'ethereum', '0xcccc'), { ...pause('INC-0004', 'ethereum', '0xaaaa'), key: 'INC-0004:pause:ethereum' }],
      now,
    );
    const sent: string[] = [];
    const governor: Deliverer = {
      prefix: 'governor',
      async deliver(row) {
        const { chain, target } = row.payload as { chain: string; target: string };
        if (target.toLowerCase() === '0xaaaa') throw new RetryableError(`cannot simulate the pause on ${chain}: connection refused`);
        sent.push(row.key);
        return { txHash: '0x01' };
      },
    };
    const worker = createDeliveryWorker({ db: store.db, deliverers: [governor], logger: silentLogger, owner: 'leader', baseBackoffMs: 3_600_000 });
    await worker.drain();
    expect(sent.sort()).toEqual(['INC-0002:pause:arbitrum', 'INC-0003:pause:ethereum']);
    expect(await getByKey(store.db, 'INC-0001:pause:ethereum')).toMatchObject({ status: 'pending', attempts: 1, channel: 'governor:pause:ethereum:0xaaaa' });
    // same chain and target: behind the retrying one, in order
    expect(await getByKey(store.db, 'INC-0004:pause:ethereum')).toMatchObject({ status: 'pending', attempts: 0 });
  });
});

describe('claims fence the record of a send', () => {
  it('a sender whose claim ran out and was taken over cannot overwrite the new sender', async () => {
    const t0 = new Date('2026-12-05T09:00:00Z');
    await enqueue(store.db, [{ key: 'k1', incidentId: null, channel: 'discord:ops', kind: 'update', payload: {} }], t0);
    const row = (await getByKey(store.db, 'k1'))!;
    expect(await claim(store.db, row.id, 'old', t0, 60_000)).toBe(true);
    // must NOT: someone else while the claim runs
    expect(await claim(store.db, row.id, 'new', new Date(t0.getTime() + 30_000), 60_000)).toBe(false);
    const later = new Date(t0.getTime() + 61_000);
    expect(await claim(store.db, row.id, 'new', later, 60_000)).toBe(true);

    expect(await recordProgress(store.db, row.id, 'old', { stage: 'signed' })).toBe(false);
    expect(await markSent(store.db, row.id, 'old', { messageId: 'from-old' }, later)).toBe(false);
    expect(await markRetry(store.db, row.id, 'old', 'late failure', later)).toBe(false);
    expect(await markFailed(store.db, row.id, 'old', 'late failure', later)).toBe(false);
    expect(await getByKey(store.db, 'k1')).toMatchObject({ status: 'sending', result: null, lastError: null });

    expect(await markSent(store.db, row.id, 'new', { messageId: 'from-new' }, later)).toBe(true);
    expect(await getByKey(store.db, 'k1')).toMatchObject({ status: 'sent', result: { messageId: 'from-new' } });
    // a finished row is nobody's to change
    expect(await markRetry(store.db, row.id, 'new', 'again', later)).toBe(false);
  });

  it('the worker stops a delivery whose row was taken over at its next progress, and records nothing', async () => {
    await enqueue(store.db, [{ key: 'k2', incidentId: null, channel: 'governor:pause:ethereum:0xaaaa', kind: 'pause', payload: {} }], new Date());
    let pastProgress = false;
    const governor: Deliverer = {
      prefix: 'governor',
      async deliver(row, ctx) {
        // meanwhile the claim ran out and another instance took the row
        expect(await claim(store.db, row.id, 'other', new Date(Date.now() + 120_000), 60_000)).toBe(true);
        await ctx.progress({ stage: 'signed' });
        pastProgress = true; // e.g. the broadcast: must not happen
        return { txHash: '0x01' };
      },
    };
    const worker = createDeliveryWorker({ db: store.db, deliverers: [governor], logger: silentLogger, owner: 'first' });
    await worker.drain();
    expect(pastProgress).toBe(false);
    expect(await getByKey(store.db, 'k2')).toMatchObject({ status: 'sending', result: null, lastError: null });
  });
});

describe('releaseForeignClaims', () => {
  it('takes over only claims that have run out', async () => {
    const t0 = new Date('2026-12-05T09:00:00Z');
    await enqueue(
      store.db,
      ['live', 'expired'].map((key) => ({ key, incidentId: null, channel: `discord:${key}`, kind: 'update', payload: {} })),
      t0,
    );
    const live = (await getByKey(store.db, 'live'))!;
    const expired = (await getByKey(store.db, 'expired'))!;
    expect(await claim(store.db, live.id, 'deposed', t0, 10 * 60_000)).toBe(true);
    expect(await claim(store.db, expired.id, 'dead', t0, 1_000)).toBe(true);
    const now = new Date(t0.getTime() + 60_000);
    expect(await releaseForeignClaims(store.db, 'leader', now)).toBe(1);
    expect(await getByKey(store.db, 'live')).toMatchObject({ status: 'sending' });
    expect(await getByKey(store.db, 'expired')).toMatchObject({ status: 'pending' });
    // once the deposed leader's claim has run out, it is taken too
    expect(await releaseForeignClaims(store.db, 'leader', new Date(t0.getTime() + 11 * 60_000))).toBe(1);
    expect(await getByKey(store.db, 'live')).toMatchObject({ status: 'pending' });
  });
});
