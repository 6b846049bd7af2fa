/**
 * Writing governance outcomes onto the incident: a timeline entry and a GovernanceAction, once. A
 * retried delivery (after a crash between the chain and the database) must not record twice, so an
 * action that is already there (same kind, outcome and reference) is skipped.
 */
import type { GovernanceAction, Incident, TimelineEntry } from '../core/types.ts';

/** What the governance module needs from the incident engine. */
export interface IncidentRecorder {
  get(id: string): Promise<Incident | null>;
  record(id: string, entries: Array<Omit<TimelineEntry, 'at'>>, patch?: (incident: Incident) => Incident): Promise<Incident>;
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
): Promise<boolean> {
  const current = await engine.get(incidentId);
  if (!current) return false;
  if (current.governance.some((existing) => sameAction(existing, action))) return false;
  await engine.record(incidentId, [entry], (incident) => ({
    ...incident,
    governance: [...incident.governance, { ...action, at: at.toISOString() }],
  }));
  return true;
}
