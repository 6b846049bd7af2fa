/**
 * Where the incident engine's effects go. The engine changes an incident and, in the SAME
 * transaction, hands every effect to each sink; a sink only writes rows (outbox entries, state) with
 * the transaction's handle — it never does network I/O here. Delivery happens later from the outbox
 * (src/delivery/worker.ts), so a crash can delay work but never lose or duplicate it.
 */
import type { Effect } from '../core/effects.ts';
import type { Incident } from '../core/types.ts';
import type { Db } from './store.ts';

export interface EffectSink {
  /** for logs: `comms`, `governance`, `mirror` */
  name: string;
  plan(trx: Db, effect: Effect, incident: Incident, now: Date): Promise<void>;
}
