/**
 * The config after loading: durations in milliseconds, addresses lower-cased, paths absolute,
 * events parsed, cross references checked. Everything downstream takes these types.
 */
import type { AbiEvent, Address, Hex } from 'viem';
import type { SeverityPolicy } from '../core/severity.ts';
import type { Audience, Severity } from '../core/types.ts';
import type { Playbooks } from './playbooks.ts';

export interface ChainConfig {
  name: string;
  chainId: number;
  rpc: string[];
  confirmations: number;
  pollIntervalMs: number;
  haltedAfterMs: number;
}

export interface EventSourceConfig {
  chain: string;
  address: Address;
  /** the event signature as written in the config */
  event: string;
  abiEvent: AbiEvent;
  /** the event's topic0 */
  selector: Hex;
  fields: { id: string; amount?: string; token?: string };
  fromBlock: bigint;
}

export interface PriceFeedConfig {
  chain: string;
  address: Address;
  maxAgeMs: number;
}

export interface TokenConfig {
  symbol: string;
  decimals: number;
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

export interface SnapshotConfig {
  hub: string;
  space: string;
  network: string;
  signer?: Hex;
  minSeverity: Severity;
  votingPeriodMs: number;
}

export interface RollbackGovernorConfig {
  chain: string;
  address: Address;
  signer?: Hex;
  autoPause: Array<{ bridge: string; minSeverity: Severity }>;
}

export interface AnchorConfig {
  chain: string;
  registry: Address;
  signer?: Hex;
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
}
