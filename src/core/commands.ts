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
  /** a chat command that changed nothing (a status read, a refusal) still goes on the timeline */
  logCommand(id: string, text: string, actor: string): Promise<void>;
}
