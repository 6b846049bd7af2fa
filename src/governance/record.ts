/**
 * Writing governance outcomes onto the incident: a timeline entry and a GovernanceAction, once. A
 * retried delivery (after a crash between the chain and the database) must not record twice, so an
 * action that is already there (same kind, outcome and reference) is skipped.
 */
import type { Effect } from '../core/effects.ts';
import type { Audience, GovernanceAction, Incident, TimelineEntry } from '../core/types.ts';

/** What the governance module needs from the incident engine. */
export interface IncidentRecorder {
  get(id: string): Promise<Incident | null>;
  record(id: string, entries: Array<Omit<TimelineEntry, 'at'>>, patch?: (incident: Incident) => Incident, effects?: Effect[]): Promise<Incident>;
}

/**
 * The announcement of a governance outcome (comms renders `governance.*` templates): `audiences`
 * narrows who hears it (failures and drafts are for ops; a pause in force is public), `publicText`
 * is what the community template says. Plus a republish of the status mirror.
 */
export function governanceNotice(dedup: string, message: string, options: { audiences?: Audience[]; publicText?: string; txHash?: string; kind?: 'governance' | 'rollback' } = {}): Effect[] {
  return [
    {
      type: 'notify',
      kind: options.kind ?? 'governance',
      dedup: `governance:${dedup}`,
      message,
      actor: 'firebreak',
      vars: {
        ...(options.audiences ? { audiences: options.audiences } : {}),
        ...(options.publicText ? { public: options.publicText } : {}),
        ...(options.txHash ? { txHash: options.txHash } : {}),
      },
    },
    { type: 'publish' },
  ];
}

function sameAction(a: GovernanceAction, b: Omit<GovernanceAction, 'at'>): boolean {
  return (
    a.kind === b.kind &&
    a.outcome === b.outcome &&
    (a.txHash ?? null) === (b.txHash ?? null) &&
    (a.proposalId ?? null) === (b.proposalId ?? null) &&
    (a.draftPath ?? null) === (b.draftPath ?? null) &&
    (a.target ?? null) === (b.target ?? null)
  );
}

export async function recordGovernance(
  engine: IncidentRecorder,
  incidentId: string,
  action: Omit<GovernanceAction, 'at'>,
  entry: Omit<TimelineEntry, 'at'>,
  at: Date,
  effects: Effect[] = [],
): Promise<boolean> {
  const current = await engine.get(incidentId);
  if (!current) return false;
  if (current.governance.some((existing) => sameAction(existing, action))) return false;
  await engine.record(incidentId, [entry], (incident) => ({
    ...incident,
    governance: [...incident.governance, { ...action, at: at.toISOString() }],
  }), effects);
  return true;
}

/** A guardian transaction that was refused before sending, or failed: what the incident records. */
export interface GuardianFailure {
  incidentId: string;
  kind: 'pause' | 'rollback';
  outcome: 'rejected' | 'failed';
  chain: string;
  target: string;
  reason: string;
  txHash?: string;
  /** the timeline entry: its text, and its data (outcome, reason and txHash are added) */
  text: string;
  data: Record<string, unknown>;
  /** the announcement, to ops only */
  notice: { dedup: string; message: string; kind?: 'governance' | 'rollback' };
}

/** Record a refused or failed guardian transaction on the incident and tell ops (it is not retried). */
export async function recordGuardianFailure(engine: IncidentRecorder, failure: GuardianFailure, at: Date): Promise<void> {
  const { kind, outcome, chain, target, reason, txHash } = failure;
  const withTx = txHash ? { txHash } : {};
  await recordGovernance(
    engine,
    failure.incidentId,
    { kind, outcome, chain, target, reason, ...withTx },
    { kind, actor: 'firebreak', text: failure.text, data: { outcome, ...failure.data, reason, ...withTx } },
    at,
    governanceNotice(failure.notice.dedup, failure.notice.message, { audiences: ['ops'], ...(failure.notice.kind ? { kind: failure.notice.kind } : {}), ...withTx }),
  );
}
