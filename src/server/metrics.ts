/** Prometheus text exposition of what on-call dashboards need (SPEC §5 /metrics). */
import { type ResponseStats, responseStats } from '../core/incident.ts';
import type { Incident } from '../core/types.ts';
import type { BridgeJudgement } from '../watchers/bridge.ts';
import type { ChainView } from '../watchers/service.ts';

function label(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

export function renderMetrics(input: { chains: ChainView[]; judgements: BridgeJudgement[]; incidents: Incident[]; nowMs: number }): string {
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
  metric('firebreak_chain_rpc_index', 'Index of the RPC endpoint in use', 'gauge', input.chains.map((c) => [{ chain: c.name }, c.rpc]));
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
  return `${lines.join('\n')}\n`;
}
