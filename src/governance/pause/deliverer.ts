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
 * Steps 1, 3 and 4 are src/governance/tx.ts, shared with the rollback.
 * The guardian key is read from the config here and only here; it never enters a payload or a log.
 */
import { type Address, encodeFunctionData, type Hex, parseEventLogs, type TransactionReceipt } from 'viem';
import { loadArtifact, ROLLBACK_GOVERNOR } from '../../chain/artifacts.ts';
import { FirebreakError, RetryableError, reasonOf } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Config, SignerSpec } from '../../config/types.ts';
import type { Deliverer, DeliveryContext } from '../../delivery/worker.ts';
import type { OutboxRow } from '../../store/outbox.ts';
import { chainClients, type SignerClients, signerClients } from '../chain.ts';
import { governorConfig } from '../policy.ts';
import { governanceNotice, recordGovernance, recordGuardianFailure } from '../record.ts';
import { type GuardianCall, type GuardianDelivererOptions, resumeSigned, sendOptions, type SignedTx, signedFrom, signRecordSend } from '../tx.ts';
import { revertReason } from './revert.ts';
import type { PausePayload } from './sink.ts';

export type PauseDelivererOptions = GuardianDelivererOptions;

/** What ctx.progress stores before a broadcast (src/governance/tx.ts). */
export type SignedPause = SignedTx;

export function createPauseDeliverer(options: PauseDelivererOptions): Deliverer {
  const { config, engine } = options;
  const now = options.now ?? (() => new Date());
  const send = sendOptions(options);
  const abi = loadArtifact(ROLLBACK_GOVERNOR).abi;

  function call(p: PausePayload): GuardianCall {
    return {
      to: p.governor as Address,
      data: encodeFunctionData({ abi, functionName: 'pause', args: [p.target as Address, p.incidentIdHash as Hex] }),
      what: 'the pause',
      rpcCode: 'pause_rpc',
    };
  }

  function bridgeName(id: string): string {
    return config.bridges.find((b) => b.id === id)?.name ?? id;
  }

  function describe(p: PausePayload): string {
    return `pause(${p.target}, keccak256("${p.incidentId}")) on the rollback governor ${p.governor} (${p.chain})`;
  }

  async function reject(p: PausePayload, outcome: 'rejected' | 'failed', reason: string, txHash?: Hex): Promise<never> {
    const failure = {
      incidentId: p.incidentId,
      kind: 'pause',
      outcome,
      chain: p.chain,
      target: p.target,
      reason,
      ...(txHash ? { txHash } : {}),
      text: `Auto-pause of ${p.bridge} ${outcome === 'rejected' ? 'not sent: the simulation reverted' : 'failed'}: ${reason}. Not retried; ops must act.`,
      data: { chain: p.chain, governor: p.governor, target: p.target },
      notice: { dedup: `pause:${outcome}`, message: `Auto-pause of ${p.bridge} ${outcome === 'rejected' ? 'was NOT sent (simulation reverted)' : 'failed'}: ${reason}. Pause by hand if needed.` },
    } as const;
    await recordGuardianFailure(engine, failure, now());
    throw new FirebreakError(`pause of ${p.target} ${outcome}: ${reason}`, { code: `pause_${outcome}`, details: { chain: p.chain, target: p.target, recorded: true } });
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

  async function dryRun(p: PausePayload, signer: SignerSpec | undefined): Promise<unknown> {
    const { data } = call(p);
    const from = signer ? (await signerClients(config, p.chain, signer)).account.address : undefined;
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

  return {
    prefix: 'governor',
    async deliver(row: OutboxRow, ctx: DeliveryContext): Promise<unknown> {
      const p = row.payload as PausePayload;
      const governor = governorConfig(config, p.chain, p.governor);
      const previous = signedFrom(row.result);
      if (previous) return finish(p, await resumeSigned(config, p.chain, governor?.signer, call(p), previous, ctx, send));
      if (!governor) return reject(p, 'failed', `no rollback governor ${p.governor} on ${p.chain} in the config any more`);
      if (p.dryRun) return dryRun(p, governor.signer);
      if (!governor.signer) return reject(p, 'failed', 'governance.rollbackGovernor.signer is not set: no guardian key to sign with');
      const clients = await signerClients(config, p.chain, governor.signer);
      const reverted = await simulate(clients, p, clients.account.address);
      if (reverted) return reject(p, 'rejected', reverted);
      return finish(p, await signRecordSend(clients, call(p), ctx, send));
    },
  };
}
