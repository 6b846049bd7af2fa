/**
 * Sends requested rollbacks (`rollback:<chain>` rows), once, in this order:
 *  1. a row that already carries a signed transaction (a crash after signing) is resumed: the SAME
 *     signed bytes are re-broadcast and awaited; nothing is read, simulated or signed again;
 *  2. otherwise the allowance (`rollbackOf`) and the proxy's ERC-1967 implementation slot are read
 *     right now: the allowance must be the one the person asked for, still usable, and the slot
 *     must hold its fromImpl; anything else is refused (on the timeline) and never retried;
 *  3. `rollback(proxy, keccak256(incidentId))` is simulated from the guardian; a revert is refused;
 *  4. the transaction is signed, recorded with ctx.progress, then broadcast (src/governance/tx.ts:
 *     re-broadcast after a crash, fee-bumped replacement at the same nonce while stuck);
 *  5. once mined, the slot is read again: it must hold toImpl.
 */
import { type Address, encodeFunctionData, type Hex, parseEventLogs, type TransactionReceipt } from 'viem';
import { loadArtifact, ROLLBACK_GOVERNOR } from '../../chain/artifacts.ts';
import { FirebreakError, RetryableError, reasonOf } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Config } from '../../config/types.ts';
import type { Deliverer, DeliveryContext } from '../../delivery/worker.ts';
import type { OutboxRow } from '../../store/outbox.ts';
import { chainClients, signerClients } from '../chain.ts';
import { revertReason } from '../pause/revert.ts';
import { governanceNotice, recordGovernance, recordGuardianFailure } from '../record.ts';
import { type GuardianCall, type GuardianDelivererOptions, resumeSigned, sendOptions, signedFrom, signRecordSend } from '../tx.ts';
import { ROLLBACK_PREFIX, type RollbackPayload } from './request.ts';
import { readAllowance, readImplementation, refusal, rollbackFor } from './state.ts';

export type RollbackDelivererOptions = GuardianDelivererOptions;

const EXPLAIN: Record<string, string> = {
  RollbackNotAllowed: 'the governor has no usable rollback allowance for this proxy',
  RollbackExpired: 'the rollback allowance has expired',
  ImplementationMismatch: 'the proxy runs another implementation than the allowance rolls back from',
  NotUUPSImplementation: 'the implementation to roll back to is not a UUPS implementation for the ERC-1967 slot',
  ImplementationWithoutCode: 'the implementation to roll back to has no code',
  NotGuardian: 'the signer is not a guardian of this governor',
};

export function createRollbackDeliverer(options: RollbackDelivererOptions): Deliverer {
  const { config, engine } = options;
  const now = options.now ?? (() => new Date());
  const send = sendOptions(options);
  const abi = loadArtifact(ROLLBACK_GOVERNOR).abi;

  function call(p: RollbackPayload): GuardianCall {
    return {
      to: p.governor,
      data: encodeFunctionData({ abi, functionName: 'rollback', args: [p.proxy, p.incidentIdHash as Hex] }),
      what: `the rollback of ${p.proxy}`,
    };
  }

  async function reject(p: RollbackPayload, outcome: 'rejected' | 'failed', reason: string, txHash?: Hex): Promise<never> {
    const failure = {
      incidentId: p.incidentId,
      kind: 'rollback',
      outcome,
      chain: p.chain,
      target: p.proxy,
      reason,
      ...(txHash ? { txHash } : {}),
      text: `Rollback of ${p.bridge} (${p.proxy}) ${outcome === 'rejected' ? 'not sent' : 'failed'}: ${reason}. Not retried; ask again once fixed.`,
      data: { chain: p.chain, governor: p.governor, proxy: p.proxy },
      notice: { dedup: `rollback:${outcome}:${p.proxy}`, message: `Rollback of ${p.bridge} (${p.proxy}) ${outcome === 'rejected' ? 'was NOT sent' : 'failed'}: ${reason}.`, kind: 'rollback' },
    } as const;
    await recordGuardianFailure(engine, failure, now());
    throw new FirebreakError(`rollback of ${p.proxy} ${outcome}: ${reason}`, { code: `rollback_${outcome}`, details: { chain: p.chain, proxy: p.proxy } });
  }

  /** step 2: the allowance the person saw, still usable, and the slot holding its fromImpl */
  async function precheck(p: RollbackPayload): Promise<string | null> {
    const clients = chainClients(config, p.chain);
    const [allowance, current, block] = await Promise.all([
      readAllowance(clients, p.governor, p.proxy),
      readImplementation(clients, p.proxy),
      clients.publicClient.getBlock({ blockTag: 'latest' }),
    ]);
    if (allowance.fromImpl !== p.fromImpl || allowance.toImpl !== p.toImpl) {
      return `governance changed the allowance since it was asked for (now ${allowance.fromImpl} → ${allowance.toImpl})`;
    }
    return refusal(allowance, current, Number(block.timestamp));
  }

  async function simulate(p: RollbackPayload, from: Address): Promise<string | null> {
    try {
      await chainClients(config, p.chain).publicClient.simulateContract({ address: p.governor, abi, functionName: 'rollback', args: [p.proxy, p.incidentIdHash as Hex], account: from });
      return null;
    } catch (error) {
      const reason = revertReason(error);
      if (reason) {
        const name = /^(\w+)\(/.exec(reason)?.[1];
        return name && EXPLAIN[name] ? `${reason.split(':')[0]}: ${EXPLAIN[name]}` : reason;
      }
      throw new RetryableError(`cannot simulate the rollback on ${p.chain}: ${reasonOf(error)}`, { code: 'governor_rpc' });
    }
  }

  async function finish(p: RollbackPayload, receipt: TransactionReceipt): Promise<unknown> {
    if (receipt.status !== 'success') return reject(p, 'failed', 'the rollback transaction reverted on-chain', receipt.transactionHash);
    const rolled = parseEventLogs({ abi, logs: receipt.logs, eventName: 'RolledBack' }).length > 0;
    const after = await readImplementation(chainClients(config, p.chain), p.proxy);
    if (!rolled || after.toLowerCase() !== p.toImpl.toLowerCase()) {
      return reject(p, 'failed', `the transaction was mined but the proxy runs ${after}, not ${p.toImpl}`, receipt.transactionHash);
    }
    const tx = receipt.transactionHash;
    await recordGovernance(
      engine,
      p.incidentId,
      { kind: 'rollback', outcome: 'confirmed', chain: p.chain, target: p.proxy, txHash: tx, reason: `${p.fromImpl} → ${p.toImpl}, asked for by ${p.requestedBy}` },
      {
        kind: 'rollback',
        actor: p.requestedBy,
        text: `Rolled back ${p.bridge}: proxy ${p.proxy} on ${p.chain} now runs ${p.toImpl} (was ${p.fromImpl}), through the rollback governor: tx ${tx}.`,
        data: { outcome: 'confirmed', chain: p.chain, governor: p.governor, proxy: p.proxy, fromImpl: p.fromImpl, toImpl: p.toImpl, txHash: tx, blockNumber: receipt.blockNumber.toString(), requestedBy: p.requestedBy },
      },
      now(),
      governanceNotice(`rollback:confirmed:${p.proxy}`, `Rolled back ${p.bridge} (${p.proxy}) on ${p.chain} to ${p.toImpl} (was ${p.fromImpl}), asked for by ${p.requestedBy}: tx ${tx}.`, {
        txHash: tx,
        kind: 'rollback',
        publicText: `We reverted a recent upgrade of ${config.bridges.find((b) => b.id === p.bridge)?.name ?? p.bridge} to the previous version. We are watching transfers resume and will post an update.`,
      }),
    );
    return { status: 'confirmed', txHash: tx, blockNumber: receipt.blockNumber.toString(), fromImpl: p.fromImpl, toImpl: p.toImpl };
  }

  return {
    prefix: ROLLBACK_PREFIX,
    async deliver(row: OutboxRow, ctx: DeliveryContext): Promise<unknown> {
      const p = row.payload as RollbackPayload;
      const target = rollbackFor(config, p.proxy);
      const signer = target?.governor.signer;
      const previous = signedFrom(row.result);
      if (previous) return finish(p, await resumeSigned(config, p.chain, signer, call(p), previous, ctx, send));
      if (!target) return reject(p, 'failed', `proxy ${p.proxy} is no longer listed in governance.rollbackGovernor.rollbacks`);
      if (!signer) return reject(p, 'failed', 'governance.rollbackGovernor.signer is not set: no guardian key to sign with');
      const why = await precheck(p);
      if (why) return reject(p, 'rejected', why);
      const clients = await signerClients(config, p.chain, signer);
      const reverted = await simulate(p, clients.account.address);
      if (reverted) return reject(p, 'rejected', `the simulation reverted: ${reverted}`);
      return finish(p, await signRecordSend(clients, call(p), ctx, send));
    },
  };
}
