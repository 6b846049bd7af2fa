/**
 * The domain vocabulary shared by every module. Pure data: no classes, no I/O.
 * JSON field names here are the ones SPEC §5 fixes for the API.
 */

/** S0 is the worst. Lists are ordered worst first. */
export type Severity = 'S0' | 'S1' | 'S2' | 'S3';
export const SEVERITIES: readonly Severity[] = ['S0', 'S1', 'S2', 'S3'];

export type IncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';
export const INCIDENT_STATUSES: readonly IncidentStatus[] = ['investigating', 'identified', 'monitoring', 'resolved'];

export type Role = 'commander' | 'techLead' | 'comms' | 'scribe';
export const ROLES: readonly Role[] = ['commander', 'techLead', 'comms', 'scribe'];

/** Who hears a message: internal audiences get full detail, `community` gets public wording. */
export type Audience = 'ops' | 'dev' | 'comms' | 'community';
export const AUDIENCES: readonly Audience[] = ['ops', 'dev', 'comms', 'community'];

/** What opened an incident; decides which automatic actions it may trigger. */
export type IncidentSource = 'watcher' | 'alert' | 'manual' | 'monitor';

/** ISO-8601 UTC timestamp string, e.g. 2026-11-24T10:00:00.000Z */
export type IsoTime = string;

export interface Impact {
  stuckTransfers: number;
  lockedUsd: number;
  oldestStuckSeconds: number;
  bridges: string[];
  /** chains involved (source and destination of the bridges, or the halted chain) */
  chains?: string[];
  /** stuck transfers whose value is unknown (token without price, stale feed) */
  unpriced?: number;
  pendingTransfers?: number;
  /** SPEC §11: the figures of an exploit reading (unbacked releases, outflow, backing deficit) */
  exploit?: ExploitImpact;
}

export interface ExploitImpact {
  signal: 'unbacked' | 'outflow' | 'backing';
  /** releases (unbacked) or transfers out (outflow) counted */
  count: number;
  /** value at risk; null when nothing counted has a price */
  valueUsd: number | null;
  unpriced: number;
  /** unbacked: the last release counted (a later incident counts only releases after it) */
  through?: { block: number; logIndex: number };
}

export const EMPTY_IMPACT: Impact = { stuckTransfers: 0, lockedUsd: 0, oldestStuckSeconds: 0, bridges: [] };

export type TimelineKind =
  | 'detected'
  | 'declared'
  | 'reading'
  | 'severity'
  | 'status'
  | 'acknowledged'
  | 'update'
  | 'note'
  | 'role'
  | 'page'
  | 'escalated'
  | 'page_held'
  | 'message'
  | 'command'
  | 'mirror'
  | 'pin'
  | 'pause'
  | 'rollback'
  | 'proposal'
  | 'governance'
  | 'cleared'
  | 'recurred'
  | 'resolved'
  | 'postmortem_due'
  | 'postmortem'
  | 'anchored'
  | 'forum'
  | 'action_item'
  | 'reminder'
  | 'admin_change'
  | 'recommendation'
  /** the war room opened, renamed, closed; a runbook step marked from it */
  | 'war_room'
  | 'runbook_step';

export interface TimelineEntry {
  at: IsoTime;
  kind: TimelineKind;
  text: string;
  /** who did it: a token name, a chat user, or `firebreak` for automatic actions */
  actor?: string;
  data?: Record<string, unknown>;
}

export interface GovernanceAction {
  kind: 'pause' | 'rollback' | 'proposal';
  at: IsoTime;
  /** pending | sent | confirmed | failed | rejected (the simulation reverted: never sent) | dry-run | draft */
  outcome: string;
  chain?: string;
  target?: string;
  txHash?: string;
  proposalId?: string;
  /** where people can read the proposal */
  url?: string;
  draftPath?: string;
  reason?: string;
}

export interface ActionItem {
  id: number;
  title: string;
  owner: string;
  due: string;
  priority: 'low' | 'medium' | 'high';
  status: 'open' | 'done';
  createdAt: IsoTime;
}

export interface RoleMap {
  commander: string | null;
  techLead: string | null;
  comms: string | null;
  scribe: string | null;
}

/** Where the incident's war room is (SPEC §6): set once each platform has made it. */
export interface WarRoom {
  discord: { threadId: string } | null;
  telegram: { chatId: string; topicId: number } | null;
}

export interface Incident {
  id: string;
  key: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  source: IncidentSource;
  summary: string;
  startedAt: IsoTime;
  /** the first automatic detection or declaration (MTTD uses the chain time of the condition) */
  detectedAt: IsoTime;
  acknowledgedAt: IsoTime | null;
  acknowledgedBy: string | null;
  mitigatedAt: IsoTime | null;
  resolvedAt: IsoTime | null;
  roles: RoleMap;
  impact: Impact;
  peakImpact: Impact;
  /** the worst severity the incident ever had (the postmortem and due dates use it) */
  peakSeverity: Severity;
  nextUpdateDue: IsoTime | null;
  lastUpdateAt: IsoTime | null;
  /** on-call escalation: index of the tier paged last, and when the next tier is due */
  escalation: { tier: number; nextAt: IsoTime | null; held: boolean };
  /** set when people lowered the severity: readings must exceed `readingSeverity` to raise it again */
  severityOverride: { severity: Severity; readingSeverity: Severity | null; by: string; at: IsoTime } | null;
  /** when the condition cleared (status monitoring); resolve after the quiet period */
  clearedAt: IsoTime | null;
  postmortemDue: IsoTime | null;
  mirror: { cid: string | null };
  /** the incident's war room; null until one is opened (absent in incidents stored before war rooms) */
  warRoom?: WarRoom | null;
  governance: GovernanceAction[];
  actionItems: ActionItem[];
  timeline: TimelineEntry[];
}

/** One bridge's state as the watcher sees it, after both chains are read to their confirmed heads. */
export interface BridgeReading {
  bridgeId: string;
  /** source chain's confirmed head timestamp (seconds) the ages were measured against */
  chainTime: number;
  pending: number;
  stuck: number;
  lockedUsd: number;
  oldestStuckSeconds: number;
  unpriced: number;
  /** destination chain is halted while transfers are pending */
  destinationHalted: boolean;
  severity: Severity | null;
  warnings: string[];
}

export interface ChainHead {
  head: number;
  headTimestamp: number;
  /** index into the chain's configured rpc list of the endpoint in use; never its URL */
  rpc: number;
}

/** A condition seen by a watcher, ready for the incident engine. `severity: null` means clear. */
export interface Detection {
  key: string;
  source: 'watcher' | 'monitor';
  title: string;
  severity: Severity | null;
  impact: Impact;
  /** bridge this detection is about (auto-pause and maintenance windows look at it) */
  bridgeId?: string;
  /** the kind of detection: which runbook applies */
  kind: 'bridge-stuck' | 'bridge-exploit' | 'chain-halted' | 'chain-unobservable' | 'monitor-down';
  /** chain time of the condition (for MTTD), seconds */
  observedAt?: number;
  summary: string;
}
