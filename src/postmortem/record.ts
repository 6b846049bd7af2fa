/**
 * After a postmortem is anchored on-chain: the timeline entry (kind `anchored`) and the
 * announcement to ops and community (a `notify` effect of kind `anchored`, planned by the comms
 * sinks in the same transaction). Idempotent per transaction hash: recording the same anchor twice
 * (a retried request) changes nothing the second time.
 */
import type { Effect } from '../core/effects.ts';
import { BadRequestError } from '../core/errors.ts';
import type { Audience, Incident, TimelineEntry } from '../core/types.ts';

export interface AnchorRecord {
  digest: string;
  cid: string;
  uri?: string;
  txHash: string;
  chainId: number;
  registry: string;
  submitter?: string;
}

/** Who hears about an anchored postmortem (SPEC: "announces it to ops and community"). */
export const ANCHORED_AUDIENCES: readonly Audience[] = ['ops', 'community'];

const HASH = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function checkAnchorRecord(input: AnchorRecord): AnchorRecord {
  if (!HASH.test(input.digest)) throw new BadRequestError('digest: expected 0x followed by 64 hex digits');
  if (!HASH.test(input.txHash)) throw new BadRequestError('txHash: expected 0x followed by 64 hex digits');
  if (!ADDRESS.test(input.registry)) throw new BadRequestError('registry: expected an address');
  if (input.submitter !== undefined && !ADDRESS.test(input.submitter)) throw new BadRequestError('submitter: expected an address');
  if (!Number.isSafeInteger(input.chainId) || input.chainId <= 0) throw new BadRequestError('chainId: expected a positive integer');
  if (typeof input.cid !== 'string' || !/^[A-Za-z0-9]{10,200}$/.test(input.cid)) throw new BadRequestError('cid: expected an IPFS CID');
  return input;
}

export function alreadyRecorded(incident: Incident, txHash: string): boolean {
  return incident.timeline.some((entry) => entry.kind === 'anchored' && String(entry.data?.txHash ?? '').toLowerCase() === txHash.toLowerCase());
}

/** The timeline entry and the announcement for an anchored postmortem. */
export function anchoredChange(input: AnchorRecord, actor: string): { entry: Omit<TimelineEntry, 'at'>; effect: Effect } {
  const anchor = checkAnchorRecord(input);
  const uri = anchor.uri ?? `ipfs://${anchor.cid}`;
  const data = {
    digest: anchor.digest,
    cid: anchor.cid,
    uri,
    txHash: anchor.txHash,
    chainId: anchor.chainId,
    registry: anchor.registry,
    ...(anchor.submitter ? { submitter: anchor.submitter } : {}),
  };
  const text = `Postmortem anchored on-chain (chain ${anchor.chainId}, registry ${anchor.registry}): digest ${anchor.digest}, ${uri}, tx ${anchor.txHash}`;
  return {
    entry: { kind: 'anchored', text, actor, data },
    effect: {
      type: 'notify',
      kind: 'anchored',
      dedup: `anchored:${anchor.txHash.toLowerCase()}`,
      actor,
      message: `The postmortem was published and its digest anchored on-chain: ${uri}`,
      vars: { ...data, audiences: [...ANCHORED_AUDIENCES] },
    },
  };
}

/** What `recordAnchor` needs of the incident engine. */
export interface AnchorRecorder {
  get(id: string): Promise<Incident | null>;
  record(id: string, entries: Array<Omit<TimelineEntry, 'at'>>, patch?: (incident: Incident) => Incident, effects?: Effect[]): Promise<Incident>;
}

/** Record and announce an anchor; `recorded: false` when this transaction was recorded before. */
export async function recordAnchor(
  engine: AnchorRecorder,
  incidentId: string,
  input: AnchorRecord,
  actor: string,
): Promise<{ incident: Incident; recorded: boolean }> {
  const { entry, effect } = anchoredChange(input, actor);
  const current = await engine.get(incidentId);
  if (current && alreadyRecorded(current, input.txHash)) return { incident: current, recorded: false };
  // engine.record throws NotFoundError for an unknown incident
  const incident = await engine.record(incidentId, [entry], undefined, [effect, { type: 'publish' }]);
  return { incident, recorded: true };
}
