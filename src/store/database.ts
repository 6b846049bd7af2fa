/** Kysely table types for the schema in migrations.ts. bigint columns come back as strings (pg). */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** int8/numeric: PostgreSQL drivers return text to keep precision */
/** (selected as text; compared with numbers or text in queries) */
type BigIntColumn = ColumnType<string | number, string | number | bigint, string | number | bigint>;
/** bigserial ids: generated on insert */
type GeneratedBigInt = ColumnType<string | number, string | number | bigint | undefined, string | number | bigint>;
type Json<T extends object | null = object> = JSONColumnType<T, string, string>;

export interface SyncCheckpointTable {
  source: string;
  chain: string;
  block_number: BigIntColumn;
  block_hash: string;
  block_timestamp: BigIntColumn;
  fingerprint: string;
  updated_at: Timestamp;
}

export interface ChainBlockTable {
  chain: string;
  number: BigIntColumn;
  hash: string;
  parent_hash: string;
  timestamp: BigIntColumn;
}

export interface ChainStatusTable {
  chain: string;
  head: BigIntColumn;
  head_timestamp: BigIntColumn;
  confirmed: BigIntColumn;
  confirmed_timestamp: BigIntColumn;
  rpc: number;
  observed_at: Timestamp;
  head_changed_at: Timestamp;
  unobservable_since: Timestamp | null;
}

export interface DepositTable {
  bridge: string;
  transfer_key: string;
  transfer_id: string;
  block_number: BigIntColumn;
  block_timestamp: BigIntColumn;
  tx_hash: string;
  log_index: number;
  token: string | null;
  amount: BigIntColumn;
  token_id: string | null;
  expires_at: BigIntColumn | null;
  waits_for_user: boolean;
}

export interface FinalizationTable {
  bridge: string;
  transfer_key: string;
  block_number: BigIntColumn;
  block_timestamp: BigIntColumn;
  tx_hash: string;
  log_index: number;
  /** core/presets Stage other than 'deposit': delivered | failed-retryable | waiting-for-user */
  stage: string;
  /** what the release says (null: the event has no such field) */
  token: string | null;
  amount: BigIntColumn | null;
  recipient: string | null;
  origin: string | null;
  /** the source chain's head timestamp when the release was read (null: read before migration 5) */
  source_seen_at: BigIntColumn | null;
}

export interface EscrowOutflowTable {
  source: string;
  block_number: BigIntColumn;
  block_timestamp: BigIntColumn;
  tx_hash: string;
  log_index: number;
  recipient: string;
  amount: BigIntColumn;
}

export interface BridgeStatusTable {
  bridge: string;
  reading: Json;
  updated_at: Timestamp;
}

export interface AdminEventTable {
  chain: string;
  address: string;
  block_number: BigIntColumn;
  block_timestamp: BigIntColumn;
  tx_hash: string;
  log_index: number;
  event: string;
  args: Json<Record<string, unknown>>;
}

export interface IncidentTable {
  id: string;
  number: number;
  key: string;
  status: string;
  severity: string;
  opened_at: Timestamp;
  resolved_at: Timestamp | null;
  updated_at: Timestamp;
  version: Generated<number>;
  data: Json;
}

export interface TimelineTable {
  id: GeneratedBigInt;
  incident_id: string;
  at: Timestamp;
  kind: string;
  text: string;
  actor: string | null;
  data: Json<Record<string, unknown>> | null;
}

export interface ActionItemTable {
  id: GeneratedBigInt;
  incident_id: string;
  title: string;
  owner: string;
  due: string;
  priority: string;
  status: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OutboxTable {
  id: GeneratedBigInt;
  key: string;
  incident_id: string | null;
  channel: string;
  kind: string;
  payload: Json;
  status: Generated<string>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  result: Json | null;
  claimed_by: string | null;
  claimed_until: Timestamp | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

export interface InboundEventTable {
  id: string;
  source: string;
  received_at: Timestamp;
}

export interface KvTable {
  key: string;
  value: Json;
  updated_at: Timestamp;
}

export interface LeaseTable {
  name: string;
  holder: string;
  fencing: BigIntColumn;
  expires_at: Timestamp;
  heartbeat_at: Timestamp;
}

export interface MirrorPublicationTable {
  id: GeneratedBigInt;
  cid: string;
  ipns: string | null;
  published_at: Timestamp;
  open_incidents: Json<string[]>;
  unpinned_at: Timestamp | null;
}

export interface AnchorTable {
  id: GeneratedBigInt;
  incident_id: string;
  digest: string;
  cid: string | null;
  uri: string;
  tx_hash: string;
  chain_id: number;
  registry: string;
  submitter: string;
  anchored_at: Timestamp;
}

/** occurrence-keyed presets: settled pairs pruned per base key (their numbering continues past them) */
export interface OccurrenceOffsetTable {
  bridge: string;
  base_key: string;
  pruned: ColumnType<string, string | number | bigint, string | number | bigint>;
}

export interface Database {
  sync_checkpoints: SyncCheckpointTable;
  chain_blocks: ChainBlockTable;
  chain_status: ChainStatusTable;
  deposits: DepositTable;
  finalizations: FinalizationTable;
  bridge_status: BridgeStatusTable;
  admin_events: AdminEventTable;
  incidents: IncidentTable;
  timeline: TimelineTable;
  action_items: ActionItemTable;
  outbox: OutboxTable;
  inbound_events: InboundEventTable;
  kv: KvTable;
  leases: LeaseTable;
  mirror_publications: MirrorPublicationTable;
  anchors: AnchorTable;
  escrow_outflows: EscrowOutflowTable;
  occurrence_offsets: OccurrenceOffsetTable;
}
