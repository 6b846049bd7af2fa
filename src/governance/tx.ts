/**
 * Sending one guardian transaction exactly once, crash-safe (the pause and the rollback deliverers
 * use it; each checks and simulates its own call before `signRecordSend`):
 *  - sign (nonce and gas from viem), record the signed bytes with ctx.progress, then broadcast;
 *  - a row that already carries signed bytes (a crash after signing) re-broadcasts the SAME bytes
 *    and awaits their hash; nothing new is signed;
 *  - a transaction that stays unmined is replaced with higher fees under the same nonce, never
 *    duplicated; a nonce taken by another transaction means ours can never be mined: the progress
 *    is cleared and the next attempt simulates and signs again.
 */
import { type Address, type Hex, keccak256, parseTransaction, type TransactionReceipt } from 'viem';
import { RetryableError, reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { DeliveryContext } from '../delivery/worker.ts';
import type { Config, SignerSpec } from '../config/types.ts';
import { type ChainClients, chainClients, type SignerClients, signerClients } from './chain.ts';
import type { IncidentRecorder } from './record.ts';

/** What ctx.progress stores before a broadcast: enough to re-broadcast or await after a crash. */
export interface SignedTx {
  stage: 'signed';
  signedTx: Hex;
  hash: Hex;
  nonce: number;
  /** every hash signed for this call (the original and its fee-bumped replacements) */
  hashes: Hex[];
}

export interface GuardianCall {
  to: Address;
  data: Hex;
  /** words for errors and logs: "the rollback", "the pause" */
  what: string;
  /** the code of a retryable RPC failure (default `governor_rpc`) */
  rpcCode?: string;
}

export interface SendOptions {
  /** replace a transaction that is not mined after this long (default 20 s) */
  replaceAfterMs: number;
  /**
   * replacements per attempt before handing back to the outbox's retry (default 1): an attempt
   * stays well inside the worker's claim (60 s), and the next attempt resumes from the progress
   */
  maxReplacements: number;
  pollMs: number;
}

/** What a deliverer of guardian transactions (the pause, the rollback) is made with. */
export interface GuardianDelivererOptions extends Partial<SendOptions> {
  config: Config;
  engine: IncidentRecorder;
  logger: Logger;
  now?: () => Date;
}

/** SendOptions with the defaults filled in. */
export function sendOptions(options: Partial<SendOptions>): SendOptions {
  return { replaceAfterMs: options.replaceAfterMs ?? 20_000, maxReplacements: options.maxReplacements ?? 1, pollMs: options.pollMs ?? 250 };
}

export function signedFrom(result: unknown): SignedTx | null {
  const r = result as Partial<SignedTx> | null;
  return r && r.stage === 'signed' && typeof r.signedTx === 'string' && Array.isArray(r.hashes) ? (r as SignedTx) : null;
}

const ALREADY_SENT = /already known|nonce too low|known transaction|replacement transaction underpriced|already imported/i;

export async function findReceipt(clients: ChainClients, hashes: Hex[], what: string): Promise<TransactionReceipt | null> {
  for (const hash of hashes) {
    try {
      return await clients.publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if ((error as Error).name !== 'TransactionReceiptNotFoundError') throw new RetryableError(`cannot read the receipt of ${what}: ${reasonOf(error)}`);
    }
  }
  return null;
}

async function broadcast(clients: ChainClients, signedTx: Hex, call: GuardianCall, logger: Logger): Promise<void> {
  const what = call.what;
  try {
    await clients.publicClient.sendRawTransaction({ serializedTransaction: signedTx });
  } catch (error) {
    // a re-broadcast of bytes the node already has (or has mined) is fine: we await the hash
    if (ALREADY_SENT.test(String((error as Error).message))) {
      logger.info({ reason: reasonOf(error) }, `${what}: transaction already known to the node`);
      return;
    }
    throw new RetryableError(`cannot broadcast ${what}: ${reasonOf(error)}`, { code: call.rpcCode ?? 'governor_rpc' });
  }
}

/** Sign `call` (or a fee-bumped replacement of `replacing`, same nonce and gas). */
export async function signCall(clients: SignerClients, call: GuardianCall, replacing?: SignedTx): Promise<SignedTx> {
  // a replacement keeps the gas limit: estimating again would run against a state in which the
  // stuck call already happened (and revert)
  const old = replacing ? parseTransaction(replacing.signedTx) : undefined;
  let request;
  try {
    request = await clients.walletClient.prepareTransactionRequest({
      account: clients.account,
      chain: clients.chain,
      to: call.to,
      data: call.data,
      ...(replacing ? { nonce: replacing.nonce, gas: old!.gas } : {}),
    });
  } catch (error) {
    throw new RetryableError(`cannot prepare ${call.what}: ${reasonOf(error)}`, { code: call.rpcCode ?? 'governor_rpc' });
  }
  if (old) {
    // a replacement must pay at least 10 % more than the stuck one (nodes refuse less): take 25 %
    const bump = (value: bigint | undefined, fresh: bigint | undefined) =>
      value === undefined ? fresh : [fresh ?? 0n, (value * 125n) / 100n + 1n].reduce((a, b) => (a > b ? a : b));
    const r = request as Record<string, unknown>;
    if (old.maxFeePerGas !== undefined) {
      r.maxFeePerGas = bump(old.maxFeePerGas, r.maxFeePerGas as bigint | undefined);
      r.maxPriorityFeePerGas = bump(old.maxPriorityFeePerGas, r.maxPriorityFeePerGas as bigint | undefined);
    } else if (old.gasPrice !== undefined) {
      r.gasPrice = bump(old.gasPrice, r.gasPrice as bigint | undefined);
    }
  }
  const signedTx = await clients.walletClient.signTransaction(request as Parameters<typeof clients.walletClient.signTransaction>[0]);
  const hash = keccak256(signedTx);
  return { stage: 'signed', signedTx, hash, nonce: Number(request.nonce), hashes: [...(replacing?.hashes ?? []), hash] };
}

/** Broadcast (again) and await any of the signed hashes; replace with higher fees while stuck. */
export async function sendAndAwait(
  clients: SignerClients | ChainClients,
  call: GuardianCall,
  state: SignedTx,
  ctx: DeliveryContext,
  options: SendOptions,
): Promise<TransactionReceipt> {
  for (let replacements = 0; ; replacements++) {
    const mined = await findReceipt(clients, state.hashes, call.what);
    if (mined) return mined;
    await broadcast(clients, state.signedTx, call, ctx.logger);
    ctx.logger.info({ hash: state.hash, nonce: state.nonce }, `${call.what}: transaction broadcast`);
    const deadline = Date.now() + options.replaceAfterMs;
    while (Date.now() < deadline) {
      const receipt = await findReceipt(clients, state.hashes, call.what);
      if (receipt) return receipt;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    }
    if (!('walletClient' in clients)) throw new RetryableError(`${call.what} is not mined yet; no signer to replace it`);
    const used = await clients.publicClient.getTransactionCount({ address: clients.account.address, blockTag: 'latest' });
    if (used > state.nonce) {
      // the nonce went to another transaction of the guardian: ours can never be mined
      if (await findReceipt(clients, state.hashes, call.what)) continue;
      await ctx.progress(null);
      throw new RetryableError(`the nonce of ${call.what} was used by another transaction; it will be checked and signed again`);
    }
    if (replacements >= options.maxReplacements) throw new RetryableError(`${call.what} ${state.hash} is still not mined after ${options.maxReplacements} replacements`);
    state = await signCall(clients, call, state);
    await ctx.progress(state);
    ctx.logger.warn({ hash: state.hash, nonce: state.nonce }, `${call.what}: transaction stuck, replaced with higher fees`);
  }
}

/** Steps 3 and 4 of a fresh send: sign, record the signed bytes with ctx.progress, then send and await. */
export async function signRecordSend(clients: SignerClients, call: GuardianCall, ctx: DeliveryContext, options: SendOptions): Promise<TransactionReceipt> {
  const state = await signCall(clients, call);
  await ctx.progress(state);
  return sendAndAwait(clients, call, state, ctx, options);
}

/**
 * After a crash between signing and the outcome: the SAME signed bytes, re-broadcast and awaited;
 * nothing is read, simulated or signed again (without a signer configured any more, the recorded
 * transaction is still awaited, only not replaced).
 */
export async function resumeSigned(
  config: Config,
  chainName: string,
  signer: SignerSpec | undefined,
  call: GuardianCall,
  previous: SignedTx,
  ctx: DeliveryContext,
  options: SendOptions,
): Promise<TransactionReceipt> {
  const clients = signer ? await signerClients(config, chainName, signer) : chainClients(config, chainName);
  return sendAndAwait(clients, call, previous, ctx, options);
}
