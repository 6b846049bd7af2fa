/** Prometheus text exposition of what on-call dashboards need (SPEC §5 /metrics). */
import { type ResponseStats, responseStats } from '../core/incident.ts';
import type { Incident } from '../core/types.ts';
import type { BridgeJudgement } from '../watchers/bridge.ts';
import type { BackfillView, ChainView } from '../watchers/service.ts';

function label(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

/**
 * This instance's own state, from the composition root (the store and the lease live there):
 * what deploy/prometheus alerts on besides the chains and bridges.
 */
export interface OperationalFigures {
  /** 1 while this instance holds the leader lease */
  leader: boolean;
  /** seconds since the leader's last watcher pass (database clock); null before the first one */
  heartbeatAgeSeconds: number | null;
  /** outbox rows by channel prefix (discord, telegram, pagerduty, …) and status */
  outbox: Array<{ channel: string; status: string; rows: number }>;
  /** age of the oldest row waiting to be sent, seconds (0 when none waits) */
  outboxOldestPendingSeconds: number;
  /** blocks between each log source's checkpoint and its chain's confirmed head */
  backfill: Array<{ chain: string; source: string; remaining: number }>;
}

export function renderMetrics(input: { chains: ChainView[]; backfill?: BackfillView[]; judgements: BridgeJudgement[]; incidents: Incident[]; nowMs: number; operational?: OperationalFigures }): string {
  const lines: string[] = [];
  const metric = (name: string, help: string, type: 'gauge' | 'counter', samples: Array<[Record<string, string>, number]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const text = Object.entries(labels).map(([k, v]) => `${k}="${label(v)}"`).join(',');
      lines.push(`${name}${text ? `{${text}}` : ''} ${Number.isFinite(value) ? value : 0}`);
    }
  };
  metric('firebreak_chain_head', 'Latest block number seen', 'gauge', input.chains.map((c) => [{ chain: c.name }, c.head?.head ?? 0]));
  metric('firebreak_chain_blocks_behind', 'Blocks between the head and what has been read (confirmations included)', 'gauge',
    input.chains.map((c) => [{ chain: c.name }, c.head ? c.head.head - c.head.confirmed : 0]));
  metric('firebreak_chain_head_age_seconds', 'Seconds since the head block (wall clock)', 'gauge',
    input.chains.map((c) => [{ chain: c.name }, c.head ? Math.max(0, Math.round(input.nowMs / 1000 - c.head.headTimestamp)) : 0]));
  metric('firebreak_chain_observable', '1 when an RPC endpoint answers', 'gauge', input.chains.map((c) => [{ chain: c.name }, c.unobservableSince ? 0 : 1]));
  metric('firebreak_chain_halted', '1 when the head has not moved for haltedAfter while RPCs answer', 'gauge', input.chains.map((c) => [{ chain: c.name }, c.halted ? 1 : 0]));
  metric('firebreak_chain_rpc_index', 'Index of the RPC endpoint in use', 'gauge', input.chains.map((c) => [{ chain: c.name }, c.rpc]));
  const backfill = input.backfill ?? [];
  // the watchers' live view on the leader; a follower has only the stored checkpoints
  const remaining: Array<[Record<string, string>, number]> = backfill.length
    ? backfill.map((b) => [{ chain: b.chain, source: b.source }, b.blocksRemaining])
    : (input.operational?.backfill ?? []).map((b) => [{ chain: b.chain, source: b.source }, b.remaining]);
  metric('firebreak_backfill_blocks_remaining', 'Blocks a source still has to read up to the confirmed head (0: following the tip)', 'gauge', remaining);
  metric('firebreak_backfill_percent', 'Share of its history a source has read in this run', 'gauge', backfill.map((b) => [{ chain: b.chain, source: b.source }, b.percent]));
  metric('firebreak_backfill_eta_seconds', 'Estimated seconds until a source follows the tip', 'gauge',
    backfill.filter((b) => b.etaSeconds !== null).map((b) => [{ chain: b.chain, source: b.source }, b.etaSeconds!]));
  metric('firebreak_bridge_pending_transfers', 'Deposits without a finalization', 'gauge', input.judgements.map((j) => [{ bridge: j.id }, j.pending]));
  metric('firebreak_bridge_stuck_transfers', 'Pending longer than stuckAfter', 'gauge', input.judgements.map((j) => [{ bridge: j.id }, j.stuck]));
  metric('firebreak_bridge_locked_usd', 'USD value of stuck transfers', 'gauge', input.judgements.map((j) => [{ bridge: j.id }, j.lockedUsd]));
  metric('firebreak_bridge_unpriced_transfers', 'Stuck transfers without a usable price', 'gauge', input.judgements.map((j) => [{ bridge: j.id }, j.unpriced]));
  const open = input.incidents.filter((i) => i.status !== 'resolved');
  metric('firebreak_open_incidents', 'Open incidents by severity', 'gauge',
    (['S0', 'S1', 'S2', 'S3'] as const).map((s) => [{ severity: s }, open.filter((i) => i.severity === s).length]));
  const windows = [30, 90].map((days) => responseStats(input.incidents, input.nowMs, days));
  const stage = (name: string, help: string, pick: (s: ResponseStats) => number | null) =>
    metric(name, help, 'gauge', windows.map((w) => [{ window: `${w.days}d` }, pick(w) ?? 0]));
  stage('firebreak_mttd_seconds', 'Mean time from the condition (oldest transfer stuck) to detection', (s) => s.mttdSeconds);
  stage('firebreak_mtta_seconds', 'Mean time from detection to acknowledgement', (s) => s.mttaSeconds);
  stage('firebreak_mttm_seconds', 'Mean time from detection to mitigation', (s) => s.mttmSeconds);
  stage('firebreak_mttr_seconds', 'Mean time from detection to resolution', (s) => s.mttrSeconds);
  const ops = input.operational;
  if (ops) {
    metric('firebreak_leader', '1 while this instance holds the leader lease (runs watchers and delivery)', 'gauge', [[{}, ops.leader ? 1 : 0]]);
    metric('firebreak_heartbeat_age_seconds', "Seconds since the leader's last watcher pass (-1: none yet)", 'gauge', [[{}, ops.heartbeatAgeSeconds ?? -1]]);
    metric('firebreak_outbox_rows', 'Outbox rows by channel and status (failed rows stay: a permanent delivery failure)', 'gauge',
      ops.outbox.map((o) => [{ channel: o.channel, status: o.status }, o.rows]));
    metric('firebreak_outbox_oldest_pending_seconds', 'Age of the oldest outbox row waiting to be sent', 'gauge', [[{}, ops.outboxOldestPendingSeconds]]);
  }
  return `${lines.join('\n')}\n`;
}
