/**
 * What people can do to an incident, from the API, Discord, Telegram or the dashboard. The
 * incident engine implements it; every call records `actor` on the timeline.
 */
import type { ActionItem, Incident, IncidentStatus, Role, Severity } from './types.ts';

export interface DeclareInput {
  title: string;
  severity: Severity;
  summary?: string;
}

export interface UpdateInput {
  status?: IncidentStatus;
  message: string;
}

export interface ActionItemInput {
  title: string;
  owner: string;
  due: string;
  priority: 'low' | 'medium' | 'high';
}

export interface RollbackRequestResult {
  incident: string;
  status: 'queued';
  key: string;
  proxy: string;
  bridge: string;
  chain: string;
  governor: string;
  fromImpl: string;
  toImpl: string;
  validUntil: string;
}

/** A timeline entry added once per `once` key (a chat message added by the scribe, a runbook step). */
export interface OnceEntry {
  once: string;
  kind: 'note' | 'runbook_step';
  text: string;
  data?: Record<string, unknown>;
}

export interface IncidentCommands {
  list(filter?: { status?: 'open' | 'resolved' | 'all'; limit?: number }): Promise<Incident[]>;
  get(id: string): Promise<Incident | null>;
  declare(input: DeclareInput, actor: string): Promise<Incident>;
  acknowledge(id: string, actor: string): Promise<Incident>;
  postUpdate(id: string, input: UpdateInput, actor: string): Promise<Incident>;
  addNote(id: string, text: string, actor: string): Promise<Incident>;
  assignRole(id: string, role: Role, who: string, actor: string): Promise<Incident>;
  setSeverity(id: string, severity: Severity, actor: string, reason?: string): Promise<Incident>;
  resolve(id: string, actor: string, message?: string): Promise<Incident>;
  addActionItem(id: string, input: ActionItemInput, actor: string): Promise<ActionItem>;
  /**
   * a person's rollback of a bad upgrade (§8), when the governance module offers it: checked and
   * queued, sent by the governance deliverer; `proxy` may be omitted when the incident's bridge has one
   */
  requestRollback?(id: string, proxy: string | undefined, actor: string): Promise<RollbackRequestResult>;
  /** a chat command that changed nothing (a status read, a refusal) still goes on the timeline */
  logCommand(id: string, text: string, actor: string): Promise<void>;
  /** add an entry unless one with the same `once` key is already on the timeline (added: false then) */
  addOnce(id: string, entry: OnceEntry, actor: string): Promise<{ incident: Incident; added: boolean }>;
}
