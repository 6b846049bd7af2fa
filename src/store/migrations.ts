/**
 * One schema, one list of migrations, for PGlite and PostgreSQL alike. Plain SQL that both run.
 * Append new migrations at the end; never edit one that has shipped.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE sync_checkpoints (
  source text PRIMARY KEY,
  chain text NOT NULL,
  block_number bigint NOT NULL,
  block_hash text NOT NULL,
  block_timestamp bigint NOT NULL,
  -- what the source reads (address, event, fromBlock): a config change restarts that source
  fingerprint text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chain_blocks (
  chain text NOT NULL,
  number bigint NOT NULL,
  hash text NOT NULL,
  parent_hash text NOT NULL,
  timestamp bigint NOT NULL,
  PRIMARY KEY (chain, number)
);

CREATE TABLE chain_status (
  chain text PRIMARY KEY,
  head bigint NOT NULL,
  head_timestamp bigint NOT NULL,
  confirmed bigint NOT NULL,
  confirmed_timestamp bigint NOT NULL,
  rpc int NOT NULL,
  observed_at timestamptz NOT NULL,
  head_changed_at timestamptz NOT NULL,
  unobservable_since timestamptz
);

CREATE TABLE deposits (
  bridge text NOT NULL,
  transfer_key text NOT NULL,
  transfer_id text NOT NULL,
  block_number bigint NOT NULL,
  block_timestamp bigint NOT NULL,
  tx_hash text NOT NULL,
  log_index int NOT NULL,
  token text,
  amount numeric(78, 0) NOT NULL,
  PRIMARY KEY (bridge, transfer_key)
);
CREATE INDEX deposits_by_block ON deposits (bridge, block_number);

CREATE TABLE finalizations (
  bridge text NOT NULL,
  transfer_key text NOT NULL,
  block_number bigint NOT NULL,
  block_timestamp bigint NOT NULL,
  tx_hash text NOT NULL,
  log_index int NOT NULL,
  PRIMARY KEY (bridge, transfer_key)
);
CREATE INDEX finalizations_by_block ON finalizations (bridge, block_number);

CREATE TABLE bridge_status (
  bridge text PRIMARY KEY,
  reading jsonb NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE admin_events (
  chain text NOT NULL,
  address text NOT NULL,
  block_number bigint NOT NULL,
  block_timestamp bigint NOT NULL,
  tx_hash text NOT NULL,
  log_index int NOT NULL,
  event text NOT NULL,
  args jsonb NOT NULL,
  PRIMARY KEY (chain, tx_hash, log_index)
);
CREATE INDEX admin_events_by_time ON admin_events (address, block_timestamp);

CREATE SEQUENCE incident_number;

CREATE TABLE incidents (
  id text PRIMARY KEY,
  number int NOT NULL,
  key text NOT NULL,
  status text NOT NULL,
  severity text NOT NULL,
  opened_at timestamptz NOT NULL,
  resolved_at timestamptz,
  updated_at timestamptz NOT NULL,
  version int NOT NULL DEFAULT 0,
  data jsonb NOT NULL
);
-- SPEC §4: one open incident per dedup key
CREATE UNIQUE INDEX incidents_one_open_per_key ON incidents (key) WHERE status <> 'resolved';
CREATE INDEX incidents_by_status ON incidents (status, opened_at);

CREATE TABLE timeline (
  id bigserial PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  at timestamptz NOT NULL,
  kind text NOT NULL,
  text text NOT NULL,
  actor text,
  data jsonb
);
CREATE INDEX timeline_by_incident ON timeline (incident_id, id);

-- the timeline is append-only: history is never rewritten
CREATE FUNCTION timeline_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the incident timeline is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER timeline_no_update BEFORE UPDATE OR DELETE ON timeline
  FOR EACH ROW EXECUTE FUNCTION timeline_append_only();

CREATE TABLE action_items (
  id bigserial PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  title text NOT NULL,
  owner text NOT NULL,
  due text NOT NULL,
  priority text NOT NULL,
  status text NOT NULL DEFAULT 'open',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  key text NOT NULL UNIQUE,
  incident_id text,
  channel text NOT NULL,
  kind text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  attempts int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error text,
  result jsonb,
  claimed_by text,
  claimed_until timestamptz,
  created_at timestamptz NOT NULL,
  sent_at timestamptz
);
CREATE INDEX outbox_open ON outbox (channel, id) WHERE status IN ('pending', 'sending', 'held');
CREATE INDEX outbox_by_incident ON outbox (incident_id, id);

CREATE TABLE inbound_events (
  id text PRIMARY KEY,
  source text NOT NULL,
  received_at timestamptz NOT NULL
);

CREATE TABLE kv (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  fencing bigint NOT NULL,
  expires_at timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL
);

CREATE TABLE mirror_publications (
  id bigserial PRIMARY KEY,
  cid text NOT NULL,
  ipns text,
  published_at timestamptz NOT NULL,
  open_incidents jsonb NOT NULL,
  unpinned_at timestamptz
);

CREATE TABLE anchors (
  id bigserial PRIMARY KEY,
  incident_id text NOT NULL,
  digest text NOT NULL,
  cid text,
  uri text NOT NULL,
  tx_hash text NOT NULL,
  chain_id int NOT NULL,
  registry text NOT NULL,
  submitter text NOT NULL,
  anchored_at timestamptz NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'war rooms',
    // incidents stored before war rooms get `warRoom: null` (the API shows the field on every incident);
    // the index finds the incident of a Discord thread / Telegram topic (src/comms/warroom/lookup.ts)
    sql: `
UPDATE incidents SET data = jsonb_set(data, '{warRoom}', 'null'::jsonb) WHERE NOT (data ? 'warRoom');
CREATE INDEX outbox_war_rooms ON outbox (kind, channel) WHERE kind = 'room-open';
`,
  },
  {
    version: 3,
    name: 'bridge presets: lifecycle stages, NFT token ids, deadlines',
    sql: `
ALTER TABLE deposits ADD COLUMN token_id text;
ALTER TABLE deposits ADD COLUMN expires_at bigint;
ALTER TABLE deposits ADD COLUMN waits_for_user boolean NOT NULL DEFAULT false;
ALTER TABLE finalizations ADD COLUMN stage text NOT NULL DEFAULT 'delivered';
ALTER TABLE finalizations DROP CONSTRAINT finalizations_pkey;
ALTER TABLE finalizations ADD PRIMARY KEY (bridge, transfer_key, stage);
`,
  },
  {
    version: 4,
    name: 'exploit-signals',
    sql: `
-- SPEC §11: what a release says (valued like a deposit when it has no deposit), and who it claims
-- to come from (releases from an origin Firebreak does not watch are not unbacked)
ALTER TABLE finalizations ADD COLUMN token text;
ALTER TABLE finalizations ADD COLUMN amount numeric(78, 0);
ALTER TABLE finalizations ADD COLUMN recipient text;
ALTER TABLE finalizations ADD COLUMN origin text;

-- ERC-20 Transfers out of a watched escrow (outflow limits); \`source\` is the log source's key
CREATE TABLE escrow_outflows (
  source text NOT NULL,
  block_number bigint NOT NULL,
  block_timestamp bigint NOT NULL,
  tx_hash text NOT NULL,
  log_index int NOT NULL,
  recipient text NOT NULL,
  amount numeric(78, 0) NOT NULL,
  PRIMARY KEY (source, block_number, log_index)
);
`,
  },
  {
    version: 5,
    name: 'unbacked releases on the source clock',
    // the source chain's head timestamp when a release was read: an unbacked release counts once the
    // source has been read \`grace\` past that moment on its own clock (chain clocks differ; an L2's
    // timestamps may lag its L1's), never by comparing two chains' timestamps. Null on rows read
    // before this version: those fall back to the release's own timestamp.
    sql: `
ALTER TABLE finalizations ADD COLUMN source_seen_at bigint;
`,
  },
  {
    version: 6,
    name: 'a release is one log: replayed releases are kept',
    // A row per destination log, identified by (tx_hash, log_index): a second release of a key that
    // was deposited once (a replay, the double spend of the Nomad class) is a row of its own and the
    // unbacked reading counts it, where (bridge, transfer_key, stage) silently dropped it. Reading
    // the same log again (a restart, a reorg's re-read) stays idempotent. Lifecycle stages are rows
    // of their own logs as before. Duplicate logs (one log stored under two keys) keep one row.
    sql: `
DELETE FROM finalizations a USING finalizations b
  WHERE a.bridge = b.bridge AND a.tx_hash = b.tx_hash AND a.log_index = b.log_index AND a.ctid > b.ctid;
ALTER TABLE finalizations DROP CONSTRAINT finalizations_pkey;
ALTER TABLE finalizations ADD PRIMARY KEY (bridge, tx_hash, log_index);
CREATE INDEX finalizations_by_key ON finalizations (bridge, transfer_key, stage);
`,
  },
  {
    version: 7,
    name: 'occurrences pruned per key',
    // Occurrence-keyed presets (the same NFT out, back, out: key#1, key#2) number a side's events by
    // what the store holds of the key. Pruning a settled pair removes one deposit and one delivered
    // release of it: their count is kept here so that the next occurrences keep their numbers.
    sql: `
CREATE TABLE occurrence_offsets (
  bridge text NOT NULL,
  base_key text NOT NULL,
  pruned bigint NOT NULL,
  PRIMARY KEY (bridge, base_key)
);
-- numbering looks a key up by its base on every written range: without these, each range with
-- events scanned the whole side (quadratic over a long backfill)
CREATE INDEX deposits_by_base ON deposits (bridge, split_part(transfer_key, '#', 1)) WHERE strpos(transfer_key, '#') > 0;
CREATE INDEX finalizations_by_base ON finalizations (bridge, split_part(transfer_key, '#', 1)) WHERE strpos(transfer_key, '#') > 0;
`,
  },
];
