/**
 * What the incident state machine asks the outside world to do. The engine applies a transition,
 * then hands each effect to the registered sinks (comms, governance, mirror) inside the same
 * database transaction, so an incident change and the work it causes are committed together.
 */
import type { Severity } from './types.ts';

/** The message kinds that templates exist for (playbooks/templates/<kind>.<audience>.md). */
export type NotificationKind =
  | 'declared'
  | 'update'
  | 'severity'
  | 'status'
  | 'acknowledged'
  | 'escalation'
  | 'resolved'
  | 'postmortem_due'
  | 'reminder'
  | 'anchored'
  | 'governance'
  | 'rollback';

export const NOTIFICATION_KINDS: readonly NotificationKind[] = [
  'declared',
  'update',
  'severity',
  'status',
  'acknowledged',
  'escalation',
  'resolved',
  'postmortem_due',
  'reminder',
  'anchored',
  'governance',
  'rollback',
];

export type Effect =
  /** tell the audiences of the incident's severity (playbook) about a change */
  | {
      type: 'notify';
      kind: NotificationKind;
      /** a stable discriminator so the same notification is never queued twice (idempotency key part) */
      dedup: string;
      /** free text written by a person (an update, a note), or an automatic summary */
      message?: string;
      actor?: string;
      previousSeverity?: Severity;
      /** extra template variables (e.g. reminder text, governance tx) */
      vars?: Record<string, unknown>;
    }
  /** page an on-call tier (mentions, PagerDuty trigger, outbound webhooks) */
  | { type: 'page'; tier: number; dedup: string; escalation: boolean }
  /** the incident resolved: resolve PagerDuty incidents that were triggered */
  | { type: 'unpage'; dedup: string }
  /** severity reached a new level: governance decides about auto-pause and proposals */
  | { type: 'severity-reached'; severity: Severity; dedup: string }
  /** any visible change: the status mirror is republished (debounced) */
  | { type: 'publish' };
