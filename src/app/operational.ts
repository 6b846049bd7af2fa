/**
 * This instance's operational figures for /metrics (deploy/prometheus alerts on them): whether it
 * leads, the watcher heartbeat's age, the outbox by channel and status, and how far each log
 * source's checkpoint is behind its chain's confirmed head (a backfill that stops shrinking).
 */
import type { OperationalFigures } from '../server/metrics.ts';
import { getCheckpoints } from '../store/checkpoints.ts';
import { outboxFigures } from '../store/outbox.ts';
import type { Store } from '../store/store.ts';
import type { WatchService } from '../watchers/service.ts';
import { heartbeatAgeMs } from './monitor.ts';

export async function operationalFigures(deps: { store: Store; watch: WatchService; leader: boolean; now: Date }): Promise<OperationalFigures> {
  const { store, watch } = deps;
  const [age, outbox] = await Promise.all([heartbeatAgeMs(store.db), outboxFigures(store.db, deps.now)]);
  const backfill: OperationalFigures['backfill'] = [];
  for (const chain of watch.chains()) {
    if (!chain.head) continue;
    for (const checkpoint of await getCheckpoints(store.db, chain.name)) {
      backfill.push({ chain: chain.name, source: checkpoint.source, remaining: Math.max(0, chain.head.confirmed - checkpoint.blockNumber) });
    }
  }
  return {
    leader: deps.leader,
    heartbeatAgeSeconds: age === null ? null : Math.round(age / 1000),
    outbox: outbox.counts,
    outboxOldestPendingSeconds: outbox.oldestPendingSeconds,
    backfill,
  };
}
