/**
 * The snapshot.js adapter (the only file that imports it): sign a proposal EIP-712 and send it to
 * the hub. snapshot.js calls ethers v5's `signer._signTypedData(domain, types, message)`; a viem
 * account is wrapped to offer that. Loaded lazily: the library is large and only needed here.
 *
 * Hub errors: snapshot.js rejects with the hub's JSON body (`{error, error_description}`) or, for a
 * non-JSON answer, with the Response itself. 429 / 5xx / network failures are retryable; anything
 * else the hub refused (bad signature, unknown space, not allowed to propose) is permanent.
 */
import { signerAccount, signerAddress } from '../../chain/signer.ts';
import type { SignerSpec } from '../../config/types.ts';
import { FirebreakError, RetryableError, reasonOf } from '../../core/errors.ts';
import type { ProposalMessage } from './proposal.ts';

export interface HubReceipt {
  id: string;
  ipfs?: string;
  relayer?: unknown;
}

type SnapshotModule = {
  Client712: new (hub: string) => { proposal(signer: unknown, address: string, message: ProposalMessage): Promise<unknown> };
  schemas: { proposal: unknown };
  utils: { validateSchema(schema: unknown, data: unknown, options?: { snapshotEnv?: string; spaceType?: string }): true | Array<{ instancePath?: string; message?: string; params?: unknown }> };
};

async function loadSnapshot(): Promise<SnapshotModule> {
  const mod = (await import('@snapshot-labs/snapshot.js')) as unknown as { default?: SnapshotModule } & SnapshotModule;
  return mod.default ?? mod;
}

export async function proposerAddress(signer: SignerSpec): Promise<string> {
  return signerAddress(signer);
}

/**
 * The proposal as the hub's sequencer checks it: its payload (`title` → `name`, plugins → metadata,
 * exactly as the sequencer's ingestor maps them) against snapshot.js's own `schemas.proposal`, and
 * the body against the space's limit. Throws a permanent error saying what to fix; checked before
 * signing, so a proposal the hub would refuse is never signed and never silently lost.
 */
export async function validateProposal(message: ProposalMessage, bodyLimit: number): Promise<void> {
  const problems = await proposalSchemaProblems(message);
  if (message.body.length > bodyLimit) problems.push(`/body is ${message.body.length} characters; the hub takes at most ${bodyLimit} (governance.snapshot.bodyLimit)`);
  if (problems.length > 0) {
    throw new FirebreakError(`the Snapshot proposal does not pass snapshot.js's proposal schema: ${problems.join('; ')}`, {
      code: 'snapshot_invalid',
      details: { problems, fix: 'check playbooks/templates/proposal-title.txt and proposal.md, and governance.snapshot.bodyLimit' },
    });
  }
}

/** What snapshot.js's `schemas.proposal` finds wrong with the sequencer's payload of this message (none: []). */
export async function proposalSchemaProblems(message: Pick<ProposalMessage, 'title' | 'body' | 'choices' | 'start' | 'end' | 'snapshot' | 'type'> & Partial<ProposalMessage>): Promise<string[]> {
  const snapshot = await loadSnapshot();
  let plugins: unknown = {};
  try {
    plugins = JSON.parse(message.plugins ?? '{}');
  } catch {
    plugins = null;
  }
  const payload = {
    name: message.title,
    body: message.body,
    discussion: message.discussion || '',
    choices: message.choices,
    privacy: message.privacy,
    labels: message.labels ?? [],
    start: message.start,
    end: message.end,
    snapshot: message.snapshot,
    metadata: { plugins },
    type: message.type,
    app: message.app || '',
  };
  const verdict = snapshot.utils.validateSchema(snapshot.schemas.proposal, payload, { snapshotEnv: 'default', spaceType: 'default' });
  return verdict === true ? [] : (verdict ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

/** Sign `message` with `key` and post it to `hub`. The key never leaves this function. */
export async function submitProposal(hub: string, signerSpec: SignerSpec, message: ProposalMessage): Promise<HubReceipt> {
  const account = await signerAccount(signerSpec);
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
