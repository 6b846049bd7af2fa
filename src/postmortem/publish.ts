/**
 * The whole postmortem step in one call, for the drill and for tests: render the incident's
 * postmortem, anchor it (adding it to the IPFS node when one is given), record and announce the
 * anchor on the incident, then verify the file against the chain.
 */
import type { Config } from '../config/types.ts';
import { BadRequestError } from '../core/errors.ts';
import type { Incident } from '../core/types.ts';
import type { Store } from '../store/store.ts';
import { type AnchorResult, anchorPostmortem, type VerifyResult, verifyPostmortem } from './anchor.ts';
import { renderPostmortemFor } from './generate.ts';
import { type AnchorRecorder, recordAnchor } from './record.ts';

export interface PublishPostmortemOptions {
  config: Config;
  store: Pick<Store, 'db'>;
  engine: AnchorRecorder;
  incident: Incident;
  /** who records the anchor on the timeline */
  actor?: string;
  /** add the file to an IPFS node (e.g. the mirror's `addFile`) so that its `ipfs://` URI serves it */
  addToIpfs?: (bytes: Uint8Array) => Promise<string>;
}

export interface PublishedPostmortem {
  markdown: string;
  anchor: AnchorResult;
  verified: VerifyResult;
}

export async function publishPostmortem(options: PublishPostmortemOptions): Promise<PublishedPostmortem> {
  const { config, incident } = options;
  const settings = config.anchor;
  if (!settings) throw new BadRequestError('anchor: not configured (add anchor: { chain, registry, signer } to the config)');
  if (!settings.signer) throw new BadRequestError('anchor.signer: a private key is needed to anchor');
  const chain = config.chains[settings.chain];
  if (!chain) throw new BadRequestError(`anchor.chain: "${settings.chain}" is not one of the configured chains`);
  const markdown = await renderPostmortemFor(options.store, config, incident);
  const bytes = new TextEncoder().encode(markdown);
  const anchor = await anchorPostmortem({ chain, registry: settings.registry, signerKey: settings.signer, bytes, incidentId: incident.id, addToIpfs: options.addToIpfs });
  await recordAnchor(
    options.engine,
    incident.id,
    { digest: anchor.digest, cid: anchor.cid, uri: anchor.uri, txHash: anchor.txHash, chainId: anchor.chainId, registry: anchor.registry, submitter: anchor.submitter },
    options.actor ?? 'firebreak',
  );
  const verified = await verifyPostmortem({ chain, registry: settings.registry, bytes, incidentId: incident.id, fromBlock: anchor.blockNumber });
  return { markdown, anchor, verified };
}
