/**
 * A process killed between signing a transaction and recording its outcome, played on a real
 * outbox row: the first process claims the row, its deliverer records the signed bytes with
 * ctx.progress and dies right there; a second process takes the row over once the claim lapsed.
 * Used by the SIGKILL-between-sign-and-record tests of the pause and the rollback.
 */
import { expect } from 'vitest';
import type { Hex } from 'viem';
import { silentLogger } from '../../src/core/log.ts';
import { createDeliveryWorker, type Deliverer } from '../../src/delivery/worker.ts';
import { claim, getByKey, type OutboxRow, recordProgress } from '../../src/store/outbox.ts';
import type { Db } from '../../src/store/store.ts';
import { until } from './wait.ts';

/** The first process: claims `row` (a 1 ms lease), signs, records, dies. Returns what it recorded. */
export async function crashAfterSigning(db: Db, row: OutboxRow, deliverer: Deliverer): Promise<{ hash: Hex }> {
  expect(await claim(db, row.id, 'first-process', new Date(), 1)).toBe(true);
  let signed: { hash: Hex } | undefined;
  await expect(
    deliverer.deliver(row, {
      logger: silentLogger,
      progress: async (result) => {
        await recordProgress(db, row.id, 'first-process', result);
        signed = result as { hash: Hex };
        throw new Error('process killed right after signing');
      },
    }),
  ).rejects.toThrow('killed');
  expect(signed?.hash).toMatch(/^0x[0-9a-f]{64}$/);
  return signed!;
}

/** The second process: a delivery worker that takes the row over; returns the row once sent. */
export async function takeOver(db: Db, row: OutboxRow, deliverer: Deliverer): Promise<OutboxRow> {
  const worker = createDeliveryWorker({ db, deliverers: [deliverer], logger: silentLogger, owner: 'second-process' });
  await until('the row to be delivered', async () => (await worker.drain()) > 0, 120_000, 100);
  const done = (await getByKey(db, row.key))!;
  expect(done.status).toBe('sent');
  return done;
}
