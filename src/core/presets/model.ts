/**
 * The generalised pairing model (SPEC §3, §10), pure. A bridge side's log decodes to a SideEvent:
 * the message's key (possibly composite: per-chain constants, struct or packed-bytes fields,
 * keccak256), the lifecycle stage it reports, and what it moves (amount, token, tokenId). A
 * preset is data (the event signatures of each side, its parameters, a default stuckAfter) plus
 * one decode function per event. Hand-written bridges (`event` + `fields`) are the one-event,
 * one-stage case of the same model (src/watchers/bridge-decode.ts).
 */
import type { Hex } from 'viem';

/** What one event says about a message. */
export type Stage =
  /** the source side: a message left (pending until delivered) */
  | 'deposit'
  /** terminal success on the destination */
  | 'delivered'
  /** delivery attempted and failed; anyone may retry (CCIP FAILURE, OP FailedRelayedMessage) */
  | 'failed-retryable'
  /** the next step is a user's (prove/finalize a withdrawal, redeem a VAA): not a broken relayer */
  | 'waiting-for-user';

/** What the verdict says about a pending message (stages plus time: Across's fillDeadline). */
export type MessageState = 'pending' | 'failed-retryable' | 'waiting-for-user' | 'expired' | 'delivered';

export type AssetKind = 'erc20' | 'native' | 'erc721' | 'erc1155';

export interface SideEvent {
  /** the pairing key: equal on both sides for the same message */
  key: string;
  /** the id as people read it (source side), e.g. `1:42` for (chainId, depositId) */
  id: string;
  stage: Stage;
  /** deposit side: units moved (1 for an ERC-721 item) */
  amount?: bigint;
  /** deposit side: lower-case token address; null when the event names none (defaultToken values it) */
  token?: string | null;
  /** deposit side: ERC-721/1155 token id (decimal) */
  tokenId?: string | null;
  /** deposit side: chain time (seconds) after which the message can no longer be delivered */
  expiresAt?: number | null;
  /** deposit side: delivery needs a user's action from the start (a VAA to redeem, a proof) */
  waitsForUser?: boolean;
}

export interface RawEventLog {
  address: string;
  topics: readonly string[];
  data: string;
}

/** What a decoder knows besides the log: the chain it was read on, the other side, the params. */
export interface SideContext {
  /** chainId of the chain this log was read on */
  chainId: number;
  /** chainId of the other side's chain */
  otherChainId: number;
  /** the preset's resolved parameters */
  params: Readonly<Record<string, unknown>>;
}

export interface PresetEvent {
  /** the Solidity event signature exactly as the bridge's repository declares it (named inputs) */
  signature: string;
  /** null: this log is not a message of this route (another destination, another emitter…) */
  decode(log: RawEventLog, ctx: SideContext): SideEvent | null;
}

/** What a parameter's default may depend on: the two chains and the two configured addresses. */
export interface RouteFacts {
  sourceChainId: number;
  destinationChainId: number;
  sourceAddress: string;
  destinationAddress: string;
}

export interface PresetParam {
  name: string;
  description: string;
  /** the value when not given (may depend on the chains); undefined = required */
  default?(route: RouteFacts): unknown;
  /** a problem with the given value, or undefined */
  check?(value: unknown): string | undefined;
}

/** Known mainnet deployments: what `firebreak init` writes (addresses as the repositories list them). */
export interface KnownDeployment {
  chainId: number;
  /** `source.address` when this chain is the source, `destination.address` when it is the destination */
  source?: string;
  destination?: string;
}

export interface Preset {
  name: string;
  title: string;
  /** `stuckAfter` when the bridge entry gives none */
  stuckAfter: string;
  /**
   * 'value': a key pairs with any finalization of it (ids are unique per message).
   * 'occurrence': keys legitimately repeat (the same NFT bridged out and back): the n-th deposit
   * of a key pairs with the n-th delivery of it (SPEC §3).
   */
  keying: 'value' | 'occurrence';
  assetKind: AssetKind;
  /** amounts in the events are normalised to this many decimals (Wormhole: 8), not the token's */
  amountDecimals?: number;
  params: PresetParam[];
  source: PresetEvent[];
  destination: PresetEvent[];
  deployments: KnownDeployment[];
  /** where each fact comes from: `owner/repo path` */
  sources: string[];
  /** one line for the README and `init`: what users should know (manual steps, limits) */
  notes?: string;
}

/** One event seen for a message, in chain order. */
export interface StageEvent {
  stage: Stage;
  blockNumber: number;
  logIndex: number;
}

/**
 * The latest event of a message wins (failed → retried → delivered), but a delivery is terminal:
 * no lifecycle here goes back from delivered (CCIP FAILURE→SUCCESS only; OP Failed→Relayed).
 */
export function latestStage(events: readonly StageEvent[]): Stage | null {
  let latest: StageEvent | null = null;
  for (const event of events) {
    if (event.stage === 'delivered') return 'delivered';
    if (!latest || event.blockNumber > latest.blockNumber || (event.blockNumber === latest.blockNumber && event.logIndex > latest.logIndex)) latest = event;
  }
  return latest?.stage ?? null;
}

/**
 * A pending message's state: the destination's latest stage, else whether it waits for a user
 * from the start, else whether its deadline has passed (chain time), else plain pending.
 */
export function messageState(input: {
  latest: Stage | null;
  waitsForUser: boolean;
  expiresAt: number | null;
  chainTime: number;
}): MessageState {
  if (input.latest === 'delivered') return 'delivered';
  if (input.latest === 'failed-retryable') return 'failed-retryable';
  if (input.latest === 'waiting-for-user' || input.waitsForUser) return 'waiting-for-user';
  if (input.expiresAt !== null && input.chainTime > input.expiresAt) return 'expired';
  return 'pending';
}

/**
 * Occurrence pairing (SPEC §3): the n-th deposit of a key pairs with the n-th delivery of it.
 * Returns the deposits (in order) still pending. Used by tests and by the occurrence numbering
 * of the store rows (`occurrenceKey`).
 */
export function pairByOccurrence<T extends { key: string }>(deposits: readonly T[], deliveries: readonly { key: string }[]): T[] {
  const delivered = new Map<string, number>();
  for (const d of deliveries) delivered.set(d.key, (delivered.get(d.key) ?? 0) + 1);
  const pending: T[] = [];
  for (const deposit of deposits) {
    const left = delivered.get(deposit.key) ?? 0;
    if (left > 0) delivered.set(deposit.key, left - 1);
    else pending.push(deposit);
  }
  return pending;
}

/** The n-th (1-based) occurrence of a key as the key stored: both sides number the same way. */
export function occurrenceKey(key: string, n: number): string {
  return `${key}#${n}`;
}

// ---- small pure helpers the presets share ----

/** the 32-byte word `index` (0-based) of hex data */
export function word(data: string, index: number): Hex {
  return `0x${data.slice(2 + index * 64, 2 + (index + 1) * 64)}`;
}

/** bytes [start, end) of a hex string (byte offsets) */
export function sliceBytes(data: string, start: number, end?: number): Hex {
  return `0x${data.slice(2 + start * 2, end === undefined ? undefined : 2 + end * 2)}`;
}

export function uint(hex: string): bigint {
  return hex === '0x' ? 0n : BigInt(hex);
}

/** the low 20 bytes of a word as a lower-case address */
export function addressOf(wordHex: string): string {
  return `0x${wordHex.slice(-40).toLowerCase()}`;
}

/** a key part as a canonical value: hex without leading zeros (a word and its uint agree) */
export function keyPart(value: bigint | number | string): string {
  if (typeof value === 'string') return `0x${BigInt(value).toString(16)}`;
  return `0x${BigInt(value).toString(16)}`;
}

/** composite key: parts joined with ':' (each part canonical, so both sides spell it alike) */
export function compositeKey(...parts: Array<bigint | number | string>): string {
  return parts.map(keyPart).join(':');
}
