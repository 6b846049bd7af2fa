/**
 * `firebreak anchor <file> --incident <id>`: digest = keccak256(file), add the file to IPFS (when
 * the composition root gives an IPFS node), call the registry's `anchor`, print
 * `{digest, cid, txHash, chainId, registry}` as the only line on stdout (logs go to stderr).
 */
import { readFileSync } from 'node:fs';
import { defaultIntegrations } from '../app/integrations.ts';
import { createLogger } from '../app/logger.ts';
import { wireChains } from '../app/watch.ts';
import type { Config, SignerSpec } from '../config/types.ts';
import { BadRequestError, FirebreakError, NotFoundError, reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { createIncidentEngine, type IncidentEngine } from '../incidents/engine.ts';
import { type AnchorResult, anchorPostmortem } from '../postmortem/anchor.ts';
import { computeCid } from '../postmortem/cid.ts';
import { type AnchorRecord, recordAnchor } from '../postmortem/record.ts';
import type { EffectSink } from '../store/effects.ts';
import { getIncident } from '../store/incidents.ts';
import type { Store } from '../store/store.ts';
import { createWatchService } from '../watchers/service.ts';
import type { CommandSpec } from './args.ts';
import { loadConfigOrExit } from './config.ts';
import { apiError, serviceRequest, serviceUrl, storeUnavailable, withStore } from './service-access.ts';

export interface AnchorCommandDeps {
  /** add the file to the IPFS node and return its CID; without it the CID is computed locally */
  addToIpfs?: (config: Config, bytes: Uint8Array, logger: Logger) => Promise<string>;
  /** after the anchor: record it on the incident's timeline, announce it (the integrator wires it) */
  onAnchored?: (config: Config, result: AnchorResult & { incidentId: string; file: string }, logger: Logger) => Promise<void>;
  createLogger?: () => Logger;
}

export function readPostmortemFile(file: string | undefined): Uint8Array {
  if (!file) throw new BadRequestError('which file? usage: firebreak anchor <file> --incident <id>', { code: 'usage' });
  try {
    return new Uint8Array(readFileSync(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BadRequestError(`cannot read ${file}${code === 'ENOENT' ? ': no such file' : code ? ` (${code})` : ''}`);
  }
}

export function anchorSettings(config: Config): { chain: Config['chains'][string]; registry: string; signer?: SignerSpec } {
  const anchor = config.anchor;
  if (!anchor) throw new BadRequestError('anchor: not configured (add anchor: { chain, registry, signer } to the config)', { code: 'config' });
  const chain = config.chains[anchor.chain];
  if (!chain) throw new BadRequestError(`anchor.chain: "${anchor.chain}" is not one of the configured chains`, { code: 'config' });
  return { chain, registry: anchor.registry, signer: anchor.signer };
}

/**
 * How this command reaches the incident: the running service's API, or the store (one session
 * for the whole command), or neither (no service, an in-memory or busy store): then it anchors
 * anyway and says that the timeline could not be updated.
 */
export interface IncidentAccess {
  via: 'service' | 'store' | 'none';
  /** true/false, or null when it cannot tell */
  exists(): Promise<boolean | null>;
  /** record the anchor on the timeline and announce it */
  record(input: AnchorRecord): Promise<boolean>;
  /** add the file to the running service's IPFS node (only through the service) */
  addToIpfs?(bytes: Uint8Array): Promise<string>;
}

function serviceAccess(config: Config, incidentId: string, first: Response): IncidentAccess {
  const failed = async (response: Response) =>
    new FirebreakError(`the service at ${serviceUrl(config)} answered ${response.status}: ${await apiError(response)}`, { code: 'service_http' });
  return {
    via: 'service',
    async exists() {
      if (first.status === 404) return false;
      if (!first.ok) throw await failed(first);
      return true;
    },
    async record(input) {
      const response = await serviceRequest(config, `/api/incidents/${encodeURIComponent(incidentId)}/anchors`, { method: 'POST', body: input, scope: 'write' });
      if (!response) throw new FirebreakError(`the service at ${serviceUrl(config)} stopped answering`, { code: 'service_gone' });
      if (!response.ok) throw await failed(response);
      return ((await response.json()) as { recorded?: boolean }).recorded !== false;
    },
    async addToIpfs(bytes) {
      const response = await serviceRequest(config, '/api/ipfs', { method: 'POST', body: { content: Buffer.from(bytes).toString('base64') }, scope: 'write' });
      if (!response) throw new FirebreakError(`the service at ${serviceUrl(config)} stopped answering`, { code: 'service_gone' });
      // a service without an IPFS node (ipfs.enabled: false): the locally computed CID stands
      if (response.status === 404) return computeCid(bytes);
      if (!response.ok) throw await failed(response);
      return ((await response.json()) as { cid: string }).cid;
    },
  };
}

/**
 * The comms (and other) sinks of the service's integrations, built but not started, so that an
 * announcement recorded without a running service is queued in the outbox and sent when it starts.
 */
async function integrationSinks(config: Config, store: Store, engine: IncidentEngine, logger: Logger): Promise<EffectSink[]> {
  const { rpc, syncs, settle, sideKeys } = wireChains({ config, store, logger });
  const watch = createWatchService({ config, store, rpc, syncs, settle, sideKeys, logger });
  const sinks: EffectSink[] = [];
  for (const factory of defaultIntegrations(config)) {
    const integration = await factory({ config, store, engine, watch, logger, now: () => new Date(), isLeader: () => false });
    sinks.push(...(integration.sinks ?? []));
  }
  return sinks;
}

function storeAccess(config: Config, store: Store, incidentId: string, logger: Logger): IncidentAccess {
  return {
    via: 'store',
    exists: async () => (await getIncident(store.db, incidentId)) !== undefined,
    async record(input) {
      const engine = createIncidentEngine({ store, config, logger });
      for (const sink of await integrationSinks(config, store, engine, logger)) engine.addSink(sink);
      return (await recordAnchor(engine, incidentId, input, 'cli')).recorded;
    },
  };
}

export async function withIncidentAccess<T>(config: Config, incidentId: string, logger: Logger, fn: (access: IncidentAccess) => Promise<T>): Promise<T> {
  const first = await serviceRequest(config, `/api/incidents/${encodeURIComponent(incidentId)}`);
  if (first) return fn(serviceAccess(config, incidentId, first));
  const unavailable = storeUnavailable(config);
  if (!unavailable) return withStore(config, 'anchor', logger, (store) => fn(storeAccess(config, store, incidentId, logger)));
  return fn({
    via: 'none',
    exists: async () => null,
    record: async () => {
      throw unavailable;
    },
  });
}

function incidentFlag(value: string | boolean | undefined, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new BadRequestError(`--incident ID is required (usage: firebreak ${name} <file> --incident <id>)`, { code: 'usage' });
  }
  return value.trim();
}

export function createAnchorCommand(deps: AnchorCommandDeps = {}): CommandSpec {
  return {
    name: 'anchor',
    summary: "anchor a postmortem's digest on-chain (PostmortemRegistry)",
    usage: 'firebreak anchor <file> --incident <id> [--config FILE]',
    help: [
      '  <file>              the postmortem Markdown, exactly as it will be published',
      '  --incident ID       the incident the postmortem belongs to',
      '  prints {digest, cid, txHash, chainId, registry} as JSON on stdout; uses the config\'s anchor: { chain, registry, signer }',
    ],
    options: { incident: { type: 'string', short: 'i' } },
    allowPositionals: true,
    async run({ values, positionals, configFile }) {
      const logger = (deps.createLogger ?? createLogger)();
      if (positionals.length > 1) throw new BadRequestError('one file at a time: firebreak anchor <file> --incident <id>', { code: 'usage' });
      const file = positionals[0];
      const incidentId = incidentFlag(values.incident, 'anchor');
      const bytes = readPostmortemFile(file);
      const config = loadConfigOrExit(configFile, logger);
      const settings = anchorSettings(config);
      if (!settings.signer) throw new BadRequestError('anchor.signer: a private key is needed to anchor (e.g. signer: "${ANCHOR_KEY}")', { code: 'config' });
      await withIncidentAccess(config, incidentId, logger, async (incidents) => {
        // a typo in the id would cost gas and anchor a postmortem nobody finds: check it first
        const exists = await incidents.exists();
        if (exists === false) throw new NotFoundError(`no incident ${incidentId}: check the id (firebreak status lists the open ones)`);
        if (exists === null) logger.warn({ incident: incidentId }, 'cannot check that the incident exists (no service answers, the store cannot be opened)');
        // through a running service the file goes onto its IPFS node (its /ipfs/<cid> serves it);
        // otherwise the CID is computed locally, the same one any node adding the file gets
        const viaService = incidents.addToIpfs?.bind(incidents);
        const addToIpfs = deps.addToIpfs ?? (viaService ? (_config: Config, b: Uint8Array) => viaService(b) : undefined);
        const result = await anchorPostmortem({
          chain: settings.chain,
          registry: settings.registry,
          signerKey: settings.signer!,
          bytes,
          incidentId,
          addToIpfs: addToIpfs ? (b) => addToIpfs(config, b, logger) : undefined,
        });
        logger.info(
          { incident: incidentId, chain: settings.chain.name, registry: result.registry, txHash: result.txHash, submitter: result.submitter },
          'postmortem anchored',
        );
        process.stdout.write(
          `${JSON.stringify({ digest: result.digest, cid: result.cid, txHash: result.txHash, chainId: result.chainId, registry: result.registry })}\n`,
        );
        try {
          if (deps.onAnchored) await deps.onAnchored(config, { ...result, incidentId, file: file as string }, logger);
          else {
            const recorded = await incidents.record({
              digest: result.digest,
              cid: result.cid,
              uri: result.uri,
              txHash: result.txHash,
              chainId: result.chainId,
              registry: result.registry,
              submitter: result.submitter,
            });
            logger.info({ incident: incidentId, via: incidents.via, recorded }, recorded ? 'anchor recorded on the timeline and announced' : 'anchor was recorded before');
          }
        } catch (error) {
          // the anchor is on-chain already: a failed follow-up is a warning, not a failed command
          logger.warn({ incident: incidentId, reason: reasonOf(error) }, 'anchored, but recording it on the timeline or announcing it failed');
        }
      });
      return 0;
    },
  };
}

export const anchorCommand: CommandSpec = createAnchorCommand();
