/**
 * The config after loading: durations in milliseconds, addresses lower-cased, paths absolute,
 * events parsed, cross references checked. Everything downstream takes these types.
 */
import type { AbiEvent, Address, Hex } from 'viem';
import type { SeverityPolicy } from '../core/severity.ts';
import type { Audience, Severity } from '../core/types.ts';
import type { Playbooks } from './playbooks.ts';
import type { AssetKind } from '../core/presets/model.ts';

export interface ChainConfig {
  name: string;
  chainId: number;
  rpc: string[];
  confirmations: number;
  pollIntervalMs: number;
  haltedAfterMs: number;
  /** confirmations: head − confirmations; safe/finalized: the node's block tag of that name */
  finality: 'confirmations' | 'safe' | 'finalized';
  /** no RPC answer for this long = unobservable */
  unobservableAfterMs: number;
}

export interface EventSourceConfig {
  chain: string;
  address: Address;
  /** the event signature as written in the config */
  event: string;
  abiEvent: AbiEvent;
  /** the event's topic0 */
  selector: Hex;
  fields: { id: string; amount?: string; token?: string; recipient?: string; origin?: string };
  fromBlock: bigint;
}

export interface PriceFeedConfig {
  chain: string;
  address: Address;
  maxAgeMs: number;
}

export interface TokenConfig {
  symbol: string;
  /** SPEC §10; erc20 when not given */
  kind?: AssetKind;
  /** 0 for NFTs unless given */
  decimals: number;
  /** per-tokenId price (decimal tokenId → USD) */
  prices?: Record<string, number>;
  priceUsd?: number;
  priceFeed?: PriceFeedConfig;
}

export interface BridgeConfig {
  id: string;
  name: string;
  stuckAfterMs: number;
  source: EventSourceConfig;
  destination: EventSourceConfig;
  /** keyed by lower-case token address */
  tokens: Record<string, TokenConfig>;
  defaultToken?: TokenConfig;
  pausable?: Address;
  /** SPEC §10: the preset this bridge uses, with its resolved params (src/core/presets) */
  preset?: { name: string; params: Record<string, unknown> };
  /** SPEC §11; absent = on with the defaults (core/exploit.ts unbackedRule), null = off */
  unbacked?: UnbackedConfig | null;
  limits?: OutflowLimitConfig[];
  backing?: BackingConfig[];
}

export interface UnbackedConfig {
  graceMs: number;
  severity: Severity;
}

/** ERC-20 `Transfer`s out of `escrow` over a sliding `windowMs` worth more than `maxOutUsd`. */
export interface OutflowLimitConfig {
  chain: string;
  token: Address;
  escrow: Address;
  windowMs: number;
  maxOutUsd: number;
}

/** The wrapped supply on the destination must stay covered by the escrow on the source. */
export interface BackingConfig {
  source: { chain: string; token: Address; escrow: Address };
  destination: { chain: string; token: Address };
}

export interface ApiToken {
  name: string;
  token: string;
  scope: 'read' | 'write';
}

export interface MaintenanceWindow {
  start: Date;
  end: Date;
  /** empty = every bridge */
  bridges: string[];
  note: string;
}

export interface OncallTier {
  name: string;
  discord?: string;
  telegram?: string;
  pagerduty?: string;
  ackTimeoutMs?: number;
}

export interface OncallConfig {
  pagerduty: { eventsUrl: string };
  webhooks: Array<{ url: string; secret?: string }>;
  tiers: OncallTier[];
}

export interface DiscordConfig {
  token?: string;
  applicationId?: string;
  publicKey?: string;
  channels: Partial<Record<Audience, string>>;
  allowedRoleIds: string[];
  api: string;
}

export interface TelegramConfig {
  token?: string;
  chats: Partial<Record<Audience, string>>;
  /** a forum supergroup: one topic per incident with a war room */
  warRoomChat?: string;
  webhookSecret?: string;
  allowedUserIds: string[];
  apiRoot: string;
}

export interface IpfsConfig {
  enabled: boolean;
  listen: string[];
  ipnsKey: string;
  pinningServices: Array<{ endpoint: string; token?: string }>;
}

/**
 * A key to sign with (§2): a raw private key, an encrypted keystore file (absolute path, password
 * in the named environment variable) or a remote signer (Clef, Web3Signer) that holds the key.
 */
export type SignerSpec = Hex | { keystore: string; passwordEnv: string } | { remote: string; address: Address };

export interface SnapshotConfig {
  hub: string;
  space: string;
  network: string;
  signer?: SignerSpec;
  minSeverity: Severity;
  votingPeriodMs: number;
  /** the hub's limit on the proposal body (characters, as the hub counts: UTF-16 units) */
  bodyLimit: number;
}

export interface RollbackGovernorConfig {
  chain: string;
  address: Address;
  signer?: SignerSpec;
  autoPause: Array<{ bridge: string; minSeverity: Severity }>;
  /** proxies this governor may roll back (§8), each for one bridge */
  rollbacks: Array<{ bridge: string; proxy: Address }>;
}

export interface AnchorConfig {
  chain: string;
  registry: Address;
  signer?: SignerSpec;
}

export interface StorageConfig {
  kind: 'pglite' | 'postgres';
  /** pglite: absolute directory, or `memory://`; postgres: the connection URL */
  url: string;
}

export interface Config {
  /** absolute path of the config file ('' when built in code) */
  file: string;
  dataDir: string;
  storage: StorageConfig;
  server: { host: string; port: number; apiTokens: ApiToken[]; publicUrl?: string };
  playbooksDir: string;
  playbooks: Playbooks;
  chains: Record<string, ChainConfig>;
  bridges: BridgeConfig[];
  /** thresholds after the inline `severity:` override */
  severityPolicy: SeverityPolicy;
  maintenance: MaintenanceWindow[];
  alerts: { routingKeys: string[] };
  oncall: OncallConfig;
  discord?: DiscordConfig;
  telegram?: TelegramConfig;
  ipfs: IpfsConfig;
  governance: { snapshot?: SnapshotConfig; rollbackGovernors: RollbackGovernorConfig[] };
  anchor?: AnchorConfig;
  /** Discourse forum: the postmortem and its action items posted as a topic */
  forum?: ForumConfig;
}

export interface ForumConfig {
  url: string;
  apiKey: string;
  apiUsername: string;
  category?: number;
}
