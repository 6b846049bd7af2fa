/**
 * Anchoring a postmortem on-chain and checking a file against the anchor (SPEC §9).
 *
 * digest = keccak256(file bytes); incidentId = keccak256(incident id string); uri = `ipfs://<cid>`.
 * `anchorPostmortem` calls `PostmortemRegistry.anchor(incidentId, digest, uri)` after simulating it
 * (a revert such as "not an anchorer" becomes a clear FirebreakError before any gas is spent).
 * `verifyPostmortem` compares the file's digest with the newest one on-chain and checks that the
 * submitter is the registry's owner or an anchorer.
 *
 * RPC URLs carry API keys: they never appear in errors or results (the chain is named instead).
 */
import {
  type Abi,
  type Address,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  fallback,
  getAddress,
  type Hex,
  http,
  isAddress,
  keccak256,
  type PublicClient,
  toBytes,
  type Transport,
} from 'viem';
import { signerAccount } from '../chain/signer.ts';
import { loadArtifact, POSTMORTEM_REGISTRY } from '../chain/artifacts.ts';
import type { ChainConfig, SignerSpec } from '../config/types.ts';
import { BadRequestError, FirebreakError, ForbiddenError, reasonOf, RetryableError } from '../core/errors.ts';
import { computeCid } from './cid.ts';

export { computeCid } from './cid.ts';

const ZERO_DIGEST = `0x${'0'.repeat(64)}` as Hex;
const ZERO_ADDRESS = `0x${'0'.repeat(40)}` as Address;

/** keccak256 of the file's bytes: what the registry stores. */
export function postmortemDigest(bytes: Uint8Array): Hex {
  return keccak256(bytes);
}

/** The registry's key for an incident: keccak256 of the incident id string (UTF-8). */
export function incidentIdHash(id: string): Hex {
  return keccak256(toBytes(id));
}

function registryAbi(): Abi {
  return loadArtifact(POSTMORTEM_REGISTRY).abi;
}

/** A viem chain + transport over the chain's configured RPC list (fallback in order). */
export function chainClients(chain: ChainConfig, options: { timeoutMs?: number } = {}): {
  viemChain: Chain;
  transport: Transport;
  publicClient: PublicClient<Transport, Chain>;
} {
  if (chain.rpc.length === 0) throw new BadRequestError(`chains.${chain.name}.rpc: no RPC endpoint configured`);
  const viemChain = defineChain({
    id: chain.chainId,
    name: chain.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: chain.rpc } },
  });
  const timeout = options.timeoutMs ?? 15_000;
  const transport = fallback(
    chain.rpc.map((url) => http(url, { retryCount: 1, timeout })),
    { retryCount: 1 },
  );
  const publicClient = createPublicClient({ chain: viemChain, transport, cacheTime: 0, pollingInterval: 250 });
  return { viemChain, transport, publicClient };
}

function checkRegistry(registry: string): Address {
  if (!isAddress(registry, { strict: false })) throw new BadRequestError(`anchor.registry: "${registry}" is not an address`);
  return getAddress(registry);
}

function checkIncidentId(id: string): void {
  if (typeof id !== 'string' || id.trim() === '') throw new BadRequestError('an incident id is required (--incident ID)');
}

/** Network trouble reaching the chain, named without its URL. */
function unreachable(chain: ChainConfig, error: unknown): RetryableError {
  return new RetryableError(`${chain.name}: no RPC endpoint answered`, { cause: error, details: { chain: chain.name } });
}

/** Chain id and contract code: "wrong chain" and "no contract" before anything else. */
async function checkChainAndCode(
  publicClient: PublicClient<Transport, Chain>,
  chain: ChainConfig,
  registry: Address,
): Promise<string | null> {
  let chainId: number;
  let code: Hex | undefined;
  try {
    chainId = await publicClient.getChainId();
  } catch (error) {
    throw unreachable(chain, error);
  }
  if (chainId !== chain.chainId) {
    return `wrong chain: the RPC of ${chain.name} serves chain id ${chainId}, the config says ${chain.chainId}`;
  }
  try {
    code = await publicClient.getCode({ address: registry });
  } catch (error) {
    throw unreachable(chain, error);
  }
  if (!code || code === '0x') return `no contract at ${registry} on ${chain.name} (chain id ${chain.chainId})`;
  return null;
}

function revertName(error: unknown): { name: string | undefined; args: readonly unknown[] } {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      return { name: reverted.data?.errorName ?? reverted.reason ?? undefined, args: reverted.data?.args ?? [] };
    }
  }
  return { name: undefined, args: [] };
}

export interface AnchorOptions {
  chain: ChainConfig;
  registry: Address | string;
  /** private key of the owner or an anchorer; never logged */
  /** a raw key, a keystore or a remote signer (config `anchor.signer`) */
  signerKey: SignerSpec | string;
  bytes: Uint8Array;
  incidentId: string;
  /** the CID to put in the uri; default: the one `addToIpfs` returns, else the computed one */
  cid?: string;
  /** add the file to the IPFS node (helia) and return its CID */
  addToIpfs?: (bytes: Uint8Array) => Promise<string>;
  /** receipt wait (ms); default 120 s */
  timeoutMs?: number;
}

export interface AnchorResult {
  digest: Hex;
  cid: string;
  txHash: Hex;
  chainId: number;
  registry: Address;
  uri: string;
  /** the address that anchored (owner or anchorer) */
  submitter: Address;
  blockNumber: bigint;
  /** the CID computed locally (equals `cid` unless the IPFS node or caller chose other settings) */
  computedCid: string;
}

/**
 * Adds the file to IPFS (when asked), then calls `anchor(keccak256(id), digest, "ipfs://<cid>")`.
 * Throws ForbiddenError (code `not_anchorer`) when the signer may not anchor, BadRequestError for
 * bad input, a wrong chain or a missing contract, RetryableError when no RPC answers.
 */
export async function anchorPostmortem(options: AnchorOptions): Promise<AnchorResult> {
  const { chain, bytes, incidentId } = options;
  checkIncidentId(incidentId);
  const registry = checkRegistry(options.registry);
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new BadRequestError('the postmortem file is empty');
  const signer = options.signerKey;
  if (signer === undefined || signer === null || (typeof signer === 'string' && !/^0x[0-9a-fA-F]{64}$/.test(signer))) {
    throw new BadRequestError('anchor.signer: not a private key (expected 0x followed by 64 hex digits)');
  }
  const account = await signerAccount(signer as SignerSpec);
  const digest = postmortemDigest(bytes);
  const computedCid = await computeCid(bytes);

  const { viemChain, transport, publicClient } = chainClients(chain);
  const problem = await checkChainAndCode(publicClient, chain, registry);
  if (problem) throw new BadRequestError(problem, { code: 'anchor_target' });

  let cid = options.cid ?? computedCid;
  if (options.cid === undefined && options.addToIpfs) {
    try {
      cid = await options.addToIpfs(bytes);
    } catch (error) {
      throw new FirebreakError(`adding the postmortem to IPFS failed: ${reasonOf(error)}`, { code: 'ipfs_add', cause: error });
    }
  }
  const uri = `ipfs://${cid}`;
  const abi = registryAbi();
  const key = incidentIdHash(incidentId);

  let request;
  try {
    ({ request } = await publicClient.simulateContract({
      address: registry,
      abi,
      functionName: 'anchor',
      args: [key, digest, uri],
      account,
    }));
  } catch (error) {
    const { name } = revertName(error);
    if (name === 'NotAnchorer') {
      throw new ForbiddenError(
        `${account.address} is not an anchorer of the registry ${registry} on ${chain.name}: its owner must call setAnchorer(${account.address}, true)`,
        { code: 'not_anchorer', cause: error, details: { submitter: account.address, registry } },
      );
    }
    if (name) throw new FirebreakError(`anchoring would revert: ${name}`, { code: 'anchor_reverted', cause: error });
    if (error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError)) {
      throw new FirebreakError(`anchoring would revert: ${reasonOf(error)}`, { code: 'anchor_reverted', cause: error });
    }
    throw new FirebreakError(`anchoring failed on ${chain.name}: ${error instanceof BaseError ? error.shortMessage : reasonOf(error)}`, {
      code: 'anchor_failed',
      cause: error,
    });
  }

  const wallet = createWalletClient({ chain: viemChain, transport, account, cacheTime: 0 });
  let txHash: Hex;
  try {
    // prepare, sign, send: a signer's own error (remote signer refused, wrong address) reaches us
    // as is (viem's sendTransaction would re-read it as a node error)
    const prepared = await wallet.prepareTransactionRequest({ to: request.address, data: encodeFunctionData({ abi, functionName: 'anchor', args: [key, digest, uri] }), account, chain: viemChain });
    const signed = await wallet.signTransaction(prepared as Parameters<typeof wallet.signTransaction>[0]);
    txHash = await wallet.sendRawTransaction({ serializedTransaction: signed });
  } catch (error) {
    if (error instanceof FirebreakError) throw error;
    throw new FirebreakError(`sending the anchor transaction failed: ${error instanceof BaseError ? error.shortMessage : reasonOf(error)}`, {
      code: 'anchor_failed',
      cause: error,
    });
  }
  let receipt;
  try {
    receipt = await publicClient.waitForTransactionReceipt({ hash: txHash, timeout: options.timeoutMs ?? 120_000 });
  } catch (error) {
    throw new RetryableError(`no receipt for the anchor transaction ${txHash} yet: ${reasonOf(error)}`, {
      cause: error,
      details: { txHash },
    });
  }
  if (receipt.status !== 'success') {
    throw new FirebreakError(`the anchor transaction ${txHash} reverted`, { code: 'anchor_reverted', details: { txHash } });
  }
  return {
    digest,
    cid,
    txHash,
    chainId: chain.chainId,
    registry,
    uri,
    submitter: account.address,
    blockNumber: receipt.blockNumber,
    computedCid,
  };
}

export interface VerifyOptions {
  chain: ChainConfig;
  registry: Address | string;
  bytes: Uint8Array;
  incidentId: string;
  /** where to start looking for the PostmortemAnchored event (the registry's deployment block) */
  fromBlock?: bigint;
}

export interface VerifyResult {
  ok: boolean;
  /** one line: why it matches or not */
  reason: string;
  digest: Hex;
  /** the newest digest anchored for the incident (zero when none) */
  onChainDigest: Hex | null;
  submitter: Address | null;
  submitterAllowed: boolean;
  /** block time (ISO) of the newest anchor */
  anchoredAt: string | null;
  /** the transaction of the newest PostmortemAnchored event, when the logs could be read */
  txHash: Hex | null;
  /** how many times the incident was anchored */
  revisions: number;
  uri: string | null;
  chainId: number;
  registry: Address;
}

/**
 * Recomputes the digest and compares it with the chain. `ok` only when the newest anchored digest
 * is this file's AND its submitter is the registry's owner or an anchorer. A wrong chain, a
 * missing contract, nothing anchored and a different digest are `ok: false` with a reason; only
 * an unreachable chain throws (RetryableError).
 */
export async function verifyPostmortem(options: VerifyOptions): Promise<VerifyResult> {
  const { chain, bytes, incidentId } = options;
  checkIncidentId(incidentId);
  const registry = checkRegistry(options.registry);
  const digest = postmortemDigest(bytes);
  const result: VerifyResult = {
    ok: false,
    reason: '',
    digest,
    onChainDigest: null,
    submitter: null,
    submitterAllowed: false,
    anchoredAt: null,
    txHash: null,
    revisions: 0,
    uri: null,
    chainId: chain.chainId,
    registry,
  };
  const { publicClient } = chainClients(chain);
  const problem = await checkChainAndCode(publicClient, chain, registry);
  if (problem) return { ...result, reason: problem };

  const abi = registryAbi();
  const key = incidentIdHash(incidentId);
  const read = async <T>(functionName: string, args: readonly unknown[] = []): Promise<T> =>
    (await publicClient.readContract({ address: registry, abi, functionName, args })) as T;

  let revisions: bigint;
  try {
    revisions = await read<bigint>('revisionCount', [key]);
  } catch (error) {
    if (error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError || e instanceof ContractFunctionZeroDataError)) {
      return { ...result, reason: `the contract at ${registry} on ${chain.name} is not a PostmortemRegistry` };
    }
    throw unreachable(chain, error);
  }
  result.revisions = Number(revisions);
  if (revisions === 0n) {
    return { ...result, onChainDigest: ZERO_DIGEST, reason: `nothing anchored for incident ${incidentId} in ${registry} on ${chain.name}` };
  }
  let owner: Address;
  let revision: readonly [Hex, string, Address, bigint];
  try {
    [owner, revision] = await Promise.all([
      read<Address>('owner'),
      read<readonly [Hex, string, Address, bigint]>('revisionOf', [key, revisions - 1n]),
    ]);
  } catch (error) {
    throw unreachable(chain, error);
  }
  const [onChainDigest, uri, submitter, anchoredAt] = revision;
  result.onChainDigest = onChainDigest;
  result.uri = uri;
  result.submitter = getAddress(submitter);
  result.anchoredAt = new Date(Number(anchoredAt) * 1000).toISOString();
  let isAnchorer = false;
  try {
    isAnchorer = submitter !== ZERO_ADDRESS && (await read<boolean>('isAnchorer', [submitter]));
  } catch (error) {
    throw unreachable(chain, error);
  }
  result.submitterAllowed = getAddress(owner) === result.submitter || isAnchorer;
  result.txHash = await latestAnchorTx(publicClient, registry, key, options.fromBlock);

  if (onChainDigest.toLowerCase() !== digest.toLowerCase()) {
    return {
      ...result,
      reason: `different digest: the chain holds ${onChainDigest} for incident ${incidentId} (revision ${result.revisions}), this file is ${digest}`,
    };
  }
  if (!result.submitterAllowed) {
    return {
      ...result,
      reason: `submitter not allowed: ${result.submitter} anchored it but is neither the owner nor an anchorer of ${registry}`,
    };
  }
  const role = getAddress(owner) === result.submitter ? 'owner' : 'anchorer';
  return {
    ...result,
    ok: true,
    reason: `matches: anchored by ${result.submitter} (${role}) at ${result.anchoredAt}${result.txHash ? ` in ${result.txHash}` : ''} on ${chain.name}`,
  };
}

/** The tx of the newest PostmortemAnchored event for the incident; null when logs are unavailable. */
async function latestAnchorTx(
  publicClient: PublicClient<Transport, Chain>,
  registry: Address,
  key: Hex,
  fromBlock: bigint | undefined,
): Promise<Hex | null> {
  try {
    const logs = await publicClient.getContractEvents({
      address: registry,
      abi: registryAbi(),
      eventName: 'PostmortemAnchored',
      args: { incidentId: key },
      fromBlock: fromBlock ?? 0n,
      toBlock: 'latest',
      strict: true,
    });
    const last = logs[logs.length - 1];
    return last?.transactionHash ?? null;
  } catch {
    // a provider may refuse a log range from block 0; the digest check does not need the tx
    return null;
  }
}

/** The `PostmortemAnchored` event's fields for the incident, oldest first (for tests and audits). */
export async function anchoredEvents(options: {
  chain: ChainConfig;
  registry: Address | string;
  incidentId: string;
  fromBlock?: bigint;
}): Promise<Array<{ digest: Hex; uri: string; submitter: Address; txHash: Hex; blockNumber: bigint }>> {
  const registry = checkRegistry(options.registry);
  const { publicClient } = chainClients(options.chain);
  const logs = await publicClient.getContractEvents({
    address: registry,
    abi: registryAbi(),
    eventName: 'PostmortemAnchored',
    args: { incidentId: incidentIdHash(options.incidentId) },
    fromBlock: options.fromBlock ?? 0n,
    toBlock: 'latest',
    strict: true,
  });
  return logs.map((log) => {
    const args = log.args as unknown as { digest: Hex; uri: string; submitter: Address };
    return {
      digest: args.digest,
      uri: args.uri,
      submitter: getAddress(args.submitter),
      txHash: log.transactionHash as Hex,
      blockNumber: log.blockNumber as bigint,
    };
  });
}
