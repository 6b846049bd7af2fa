/**
 * The snapshot.js adapter (the only file that imports it): sign a proposal EIP-712 and send it to
 * the hub. snapshot.js calls ethers v5's `signer._signTypedData(domain, types, message)`; a viem
 * account is wrapped to offer that. Loaded lazily: the library is large and only needed here.
 *
 * Hub errors: snapshot.js rejects with the hub's JSON body (`{error, error_description}`) or, for a
 * non-JSON answer, with the Response itself. 429 / 5xx / network failures are retryable; anything
 * else the hub refused (bad signature, unknown space, not allowed to propose) is permanent.
 */
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { FirebreakError, RetryableError, reasonOf } from '../../core/errors.ts';
import type { ProposalMessage } from './proposal.ts';

export interface HubReceipt {
  id: string;
  ipfs?: string;
  relayer?: unknown;
}

type SnapshotModule = { Client712: new (hub: string) => { proposal(signer: unknown, address: string, message: ProposalMessage): Promise<unknown> } };

async function loadSnapshot(): Promise<SnapshotModule> {
  const mod = (await import('@snapshot-labs/snapshot.js')) as unknown as { default?: SnapshotModule } & SnapshotModule;
  return mod.default ?? mod;
}

export function proposerAddress(key: Hex): string {
  return privateKeyToAccount(key).address;
}

/** Sign `message` with `key` and post it to `hub`. The key never leaves this function. */
export async function submitProposal(hub: string, key: Hex, message: ProposalMessage): Promise<HubReceipt> {
  const account = privateKeyToAccount(key);
  // ethers-v5-compatible signer surface (all snapshot.js uses of it)
  const signer = {
    getAddress: async () => account.address,
    _signTypedData: (domain: Record<string, unknown>, types: Record<string, Array<{ name: string; type: string }>>, value: Record<string, unknown>) =>
      account.signTypedData({ domain, types, primaryType: Object.keys(types)[0]!, message: value } as Parameters<typeof account.signTypedData>[0]),
  };
  const snapshot = await loadSnapshot();
  const client = new snapshot.Client712(hub);
  let answer: unknown;
  try {
    answer = await client.proposal(signer, account.address, { ...message, from: account.address });
  } catch (error) {
    throw classify(error);
  }
  const receipt = answer as Partial<HubReceipt> | null;
  if (!receipt || typeof receipt.id !== 'string') throw new FirebreakError('the Snapshot hub answered without a proposal id', { code: 'snapshot_bad_answer' });
  return { id: receipt.id, ipfs: receipt.ipfs, relayer: receipt.relayer };
}

function classify(error: unknown): FirebreakError {
  if (error && typeof error === 'object' && 'status' in error && typeof (error as { status: unknown }).status === 'number') {
    const response = error as { status: number; headers?: { get(name: string): string | null } };
    const retryAfter = Number(response.headers?.get('retry-after'));
    if (response.status === 429 || response.status >= 500) {
      return new RetryableError(`the Snapshot hub answered ${response.status}`, { retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined });
    }
    return new FirebreakError(`the Snapshot hub refused the proposal (HTTP ${response.status})`, { code: 'snapshot_refused' });
  }
  if (error && typeof error === 'object' && 'error' in error) {
    const body = error as { error: unknown; error_description?: unknown };
    const text = `${String(body.error)}${body.error_description ? `: ${String(body.error_description)}` : ''}`;
    if (/server_error|too.?many|rate.?limit|unavailable|timeout/i.test(text)) return new RetryableError(`the Snapshot hub answered ${text}`);
    return new FirebreakError(`the Snapshot hub refused the proposal: ${text}`, { code: 'snapshot_refused' });
  }
  if (error instanceof FirebreakError) return error;
  // fetch failures, timeouts: the hub may come back
  return new RetryableError(`cannot reach the Snapshot hub: ${reasonOf(error)}`);
}
