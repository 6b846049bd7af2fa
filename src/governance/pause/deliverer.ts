/**
 * Sends planned pauses (`governor:pause` rows). Order of work, so that a crash anywhere never pauses
 * twice and never pauses blindly:
 *  1. a row that already carries a signed transaction (a crash after signing) is resumed: the SAME
 *     signed bytes are re-broadcast and its hash awaited; nothing new is signed;
 *  2. otherwise `pause(target, keccak256(incidentId))` is simulated (eth_call) from the guardian; a
 *     revert (not allowed, allowance used, already paused, not a guardian) is a permanent failure,
 *     reported on the incident with the decoded reason and never retried;
 *  3. the transaction is signed (nonce and gas from viem), recorded with ctx.progress, then broadcast;
 *  4. a send that stays unmined is replaced with higher fees under the same nonce, never duplicated.
 * The guardian key is read from the config here and only here; it never enters a payload or a log.
 */
import { type Address, encodeFunctionData, type Hex, keccak256, parseEventLogs, parseTransaction, type TransactionReceipt } from 'viem';
import { loadArtifact, ROLLBACK_GOVERNOR } from '../../chain/artifacts.ts';
import { FirebreakError, RetryableError, reasonOf } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Config } from '../../config/types.ts';
import type { Deliverer, DeliveryContext } from '../../delivery/worker.ts';
import type { OutboxRow } from '../../store/outbox.ts';
import { type ChainClients, chainClients, type SignerClients, signerClients } from '../chain.ts';
import { governorConfig } from '../policy.ts';
import { governanceNotice, type IncidentRecorder, recordGovernance } from '../record.ts';
import { revertReason } from './revert.ts';
import type { PausePayload } from './sink.ts';

export interface PauseDelivererOptions {
  config: Config;
  engine: IncidentRecorder;
  logger: Logger;
  now?: () => Date;
  /** replace a transaction that is not mined after this long (default 20 s) */
  replaceAfterMs?: number;
  /**
   * replacements per attempt before handing back to the outbox's retry (default 1): an attempt
   * stays well inside the worker's claim (60 s), and the next attempt resumes from the progress
   */
  maxReplacements?: number;
  pollMs?: number;
}

/** What ctx.progress stores before a broadcast: enough to re-broadcast or await after a crash. */
export interface SignedPause {
  stage: 'signed';
  signedTx: Hex;
  hash: Hex;
  nonce: number;
  /** every hash signed for this pause (the original and its fee-bumped replacements) */
  hashes: Hex[];
}

function signedFrom(result: unknown): SignedPause | null {
  const r = result as Partial<SignedPause> | null;
  return r && r.stage === 'signed' && typeof r.signedTx === 'string' && Array.isArray(r.hashes) ? (r as SignedPause) : null;
}

function isSigner(clients: SignerClients | ChainClients): clients is SignerClients {
  return 'walletClient' in clients;
}

const ALREADY_SENT = /already known|nonce too low|known transaction|replacement transaction underpriced|already imported/i;

export function createPauseDeliverer(options: PauseDelivererOptions): Deliverer {
  const { config, engine } = options;
  const now = options.now ?? (() => new Date());
  const replaceAfterMs = options.replaceAfterMs ?? 20_000;
  const maxReplacements = options.maxReplacements ?? 1;
  const pollMs = options.pollMs ?? 250;
  const abi = loadArtifact(ROLLBACK_GOVERNOR).abi;

  function bridgeName(id: string): string {
    return config.bridges.find((b) => b.id === id)?.name ?? id;
  }

  function describe(p: PausePayload): string {
    return `pause(${p.target}, keccak256("${p.incidentId}")) on the rollback governor ${p.governor} (${p.chain})`;
  }

  async function reject(p: PausePayload, outcome: 'rejected' | 'failed', reason: string, txHash?: Hex): Promise<never> {
    await recordGovernance(
      engine,
      p.incidentId,
      { kind: 'pause', outcome, chain: p.chain, target: p.target, reason, ...(txHash ? { txHash } : {}) },
      {
        kind: 'pause',
        actor: 'firebreak',
        text: `Auto-pause of ${p.bridge} ${outcome === 'rejected' ? 'not sent: the simulation reverted' : 'failed'}: ${reason}. Not retried; ops must act.`,
        data: { outcome, chain: p.chain, governor: p.governor, target: p.target, reason, ...(txHash ? { txHash } : {}) },
      },
      now(),
      governanceNotice(`pause:${outcome}`, `Auto-pause of ${p.bridge} ${outcome === 'rejected' ? 'was NOT sent (simulation reverted)' : 'failed'}: ${reason}. Pause by hand if needed.`, { audiences: ['ops'], ...(txHash ? { txHash } : {}) }),
    );
    throw new FirebreakError(`pause of ${p.target} ${outcome}: ${reason}`, { code: `pause_${outcome}`, details: { chain: p.chain, target: p.target } });
  }

  async function simulate(clients: { publicClient: SignerClients['publicClient'] }, p: PausePayload, from: Address | undefined): Promise<string | null> {
    try {
      await clients.publicClient.simulateContract({
        address: p.governor as Address,
        abi,
        functionName: 'pause',
        args: [p.target as Address, p.incidentIdHash as Hex],
        ...(from ? { account: from } : {}),
      });
      return null;
    } catch (error) {
      const reason = revertReason(error);
      if (reason) return reason;
      throw new RetryableError(`cannot simulate the pause on ${p.chain}: ${reasonOf(error)}`, { code: 'pause_rpc' });
    }
  }

  async function dryRun(p: PausePayload, signer: Hex | undefined): Promise<unknown> {
    const data = encodeFunctionData({ abi, functionName: 'pause', args: [p.target as Address, p.incidentIdHash as Hex] });
    const from = signer ? signerClients(config, p.chain, signer).account.address : undefined;
    let simulation = 'not simulated (no guardian signer configured)';
    if (from) {
      const reverted = await simulate(chainClients(config, p.chain), p, from);
      simulation = reverted ? `would revert: ${reverted}` : 'would succeed';
    }
    await recordGovernance(
      engine,
      p.incidentId,
      { kind: 'pause', outcome: 'dry-run', chain: p.chain, target: p.target, reason: simulation },
      {
        kind: 'pause',
        actor: 'firebreak',
        text: `Dry run (playbook actions.dryRun): would send ${describe(p)}${from ? ` from guardian ${from}` : ''}; simulation ${simulation}. Nothing was sent.`,
        data: { dryRun: true, chain: p.chain, governor: p.governor, target: p.target, to: p.governor, data, from, simulation },
      },
      now(),
      governanceNotice('pause:dry-run', `Dry run: would have paused ${p.bridge} through the rollback governor (simulation ${simulation}). Nothing was sent.`, { audiences: ['ops'] }),
    );
    return { dryRun: true, to: p.governor, data, from, simulation };
  }

  async function findReceipt(clients: ChainClients, hashes: Hex[]): Promise<TransactionReceipt | null> {
    for (const hash of hashes) {
      try {
        return await clients.publicClient.getTransactionReceipt({ hash });
      } catch (error) {
        if ((error as Error).name !== 'TransactionReceiptNotFoundError') throw new RetryableError(`cannot read the pause receipt: ${reasonOf(error)}`);
      }
    }
    return null;
  }

  async function broadcast(clients: ChainClients, signedTx: Hex, logger: Logger): Promise<void> {
    try {
      await clients.publicClient.sendRawTransaction({ serializedTransaction: signedTx });
    } catch (error) {
      // a re-broadcast of bytes the node already has (or has mined) is fine: we await the hash
      if (ALREADY_SENT.test(String((error as Error).message))) {
        logger.info({ reason: reasonOf(error) }, 'pause transaction already known to the node');
        return;
      }
      throw new RetryableError(`cannot broadcast the pause: ${reasonOf(error)}`, { code: 'pause_rpc' });
    }
  }

  async function sign(clients: SignerClients, p: PausePayload, replacing?: SignedPause): Promise<SignedPause> {
    const data = encodeFunctionData({ abi, functionName: 'pause', args: [p.target as Address, p.incidentIdHash as Hex] });
    // a replacement keeps the gas limit: estimating again would run against a state in which the
    // stuck pause already happened (and revert)
    const old = replacing ? parseTransaction(replacing.signedTx) : undefined;
    let request;
    try {
      request = await clients.walletClient.prepareTransactionRequest({
        account: clients.account,
        chain: clients.chain,
        to: p.governor as Address,
        data,
        ...(replacing ? { nonce: replacing.nonce, gas: old!.gas } : {}),
      });
    } catch (error) {
      throw new RetryableError(`cannot prepare the pause transaction: ${reasonOf(error)}`, { code: 'pause_rpc' });
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

  async function finish(p: PausePayload, receipt: TransactionReceipt): Promise<unknown> {
    if (receipt.status !== 'success') return reject(p, 'failed', 'the pause transaction reverted on-chain', receipt.transactionHash);
    const paused = parseEventLogs({ abi, logs: receipt.logs, eventName: 'Paused' })[0] as { args?: { until?: bigint } } | undefined;
    const until = paused?.args?.until !== undefined ? new Date(Number(paused.args.until) * 1000).toISOString() : undefined;
    await recordGovernance(
      engine,
      p.incidentId,
      { kind: 'pause', outcome: 'confirmed', chain: p.chain, target: p.target, txHash: receipt.transactionHash, ...(until ? { reason: `paused until ${until} unless ratified` } : {}) },
      {
        kind: 'pause',
        actor: 'firebreak',
        text: `Paused ${p.bridge} (${p.target}) on ${p.chain} through the rollback governor: tx ${receipt.transactionHash}${until ? `; lapses ${until} unless governance ratifies it` : ''}.`,
        data: { chain: p.chain, governor: p.governor, target: p.target, txHash: receipt.transactionHash, blockNumber: receipt.blockNumber.toString(), until },
      },
      now(),
      governanceNotice(
        'pause:confirmed',
        `Rollback governor paused ${p.bridge} on ${p.chain}: tx ${receipt.transactionHash}${until ? `; it lapses ${until} unless governance ratifies it` : ''}.`,
        { txHash: receipt.transactionHash, publicText: `As a precaution, ${bridgeName(p.bridge)} is paused while we investigate: new transfers cannot be started for now. We will tell you when it resumes.` },
      ),
    );
    return { status: 'confirmed', txHash: receipt.transactionHash, blockNumber: receipt.blockNumber.toString(), until };
  }

  /** broadcast (again) and await any of the signed hashes; replace with higher fees while stuck */
  async function sendAndAwait(p: PausePayload, signer: Hex | undefined, state: SignedPause, ctx: DeliveryContext): Promise<unknown> {
    const clients: SignerClients | ChainClients = signer ? signerClients(config, p.chain, signer) : chainClients(config, p.chain);
    for (let replacements = 0; ; replacements++) {
      const mined = await findReceipt(clients, state.hashes);
      if (mined) return finish(p, mined);
      await broadcast(clients, state.signedTx, ctx.logger);
      ctx.logger.info({ hash: state.hash, nonce: state.nonce }, 'pause transaction broadcast');
      const deadline = Date.now() + replaceAfterMs;
      while (Date.now() < deadline) {
        const receipt = await findReceipt(clients, state.hashes);
        if (receipt) return finish(p, receipt);
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
      if (!isSigner(clients)) throw new RetryableError('the pause transaction is not mined yet; no signer to replace it');
      const used = await clients.publicClient.getTransactionCount({ address: clients.account.address, blockTag: 'latest' });
      if (used > state.nonce) {
        // the nonce went to another transaction of the guardian: ours can never be mined
        if (await findReceipt(clients, state.hashes)) continue;
        await ctx.progress(null);
        throw new RetryableError('the pause nonce was used by another transaction; the pause will be simulated and signed again');
      }
      if (replacements >= maxReplacements) throw new RetryableError(`the pause transaction ${state.hash} is still not mined after ${maxReplacements} replacements`);
      state = await sign(clients, p, state);
      await ctx.progress(state);
      ctx.logger.warn({ hash: state.hash, nonce: state.nonce }, 'pause transaction stuck: replaced with higher fees');
    }
  }

  return {
    prefix: 'governor',
    async deliver(row: OutboxRow, ctx: DeliveryContext): Promise<unknown> {
      const p = row.payload as PausePayload;
      const governor = governorConfig(config, p.chain, p.governor);
      const previous = signedFrom(row.result);
      if (previous) return sendAndAwait(p, governor?.signer, previous, ctx);
      if (!governor) return reject(p, 'failed', `no rollback governor ${p.governor} on ${p.chain} in the config any more`);
      if (p.dryRun) return dryRun(p, governor.signer);
      if (!governor.signer) return reject(p, 'failed', 'governance.rollbackGovernor.signer is not set: no guardian key to sign with');
      const clients = signerClients(config, p.chain, governor.signer);
      const reverted = await simulate(clients, p, clients.account.address);
      if (reverted) return reject(p, 'rejected', reverted);
      const state = await sign(clients, p);
      await ctx.progress(state);
      return sendAndAwait(p, governor.signer, state, ctx);
    },
  };
}
