/**
 * `firebreak anchor <file> --incident <id>`: digest = keccak256(file), add the file to IPFS (when
 * the composition root gives an IPFS node), call the registry's `anchor`, print
 * `{digest, cid, txHash, chainId, registry}` as the only line on stdout (logs go to stderr).
 */
import { readFileSync } from 'node:fs';
import { defaultIntegrations } from '../app/integrations.ts';
import { createLogger } from '../app/logger.ts';
import { wireChains } from '../app/watch.ts';
import type { Config } from '../config/types.ts';
import { BadRequestError, FirebreakError, NotFoundError, reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { createIncidentEngine } from '../incidents/engine.ts';
import { type AnchorResult, anchorPostmortem } from '../postmortem/anchor.ts';
import { recordAnchor } from '../postmortem/record.ts';
import type { EffectSink } from '../store/effects.ts';
import { getIncident } from '../store/incidents.ts';
import type { Store } from '../store/store.ts';
import { createWatchService } from '../watchers/service.ts';
import type { CommandSpec } from './args.ts';
import { loadConfigOrExit } from './config.ts';
import { apiError, serviceRequest, serviceUrl, withStore } from './postmortem.ts';

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

export function anchorSettings(config: Config): { chain: Config['chains'][string]; registry: string; signer?: string } {
  const anchor = config.anchor;
  if (!anchor) throw new BadRequestError('anchor: not configured (add anchor: { chain, registry, signer } to the config)', { code: 'config' });
  const chain = config.chains[anchor.chain];
  if (!chain) throw new BadRequestError(`anchor.chain: "${anchor.chain}" is not one of the configured chains`, { code: 'config' });
  return { chain, registry: anchor.registry, signer: anchor.signer };
}

/**
 * Does the incident exist? true/false from the service or the store; null when neither can tell
 * (no service, and an in-memory or busy store): anchoring then goes ahead with a warning.
 */
export async function incidentExists(config: Config, incidentId: string, logger: Logger): Promise<boolean | null> {
  const response = await serviceRequest(config, `/api/incidents/${encodeURIComponent(incidentId)}`);
  if (response) {
    if (response.status === 404) return false;
    if (!response.ok) throw new FirebreakError(`the service at ${serviceUrl(config)} answered ${response.status}: ${await apiError(response)}`, { code: 'service_http' });
    return true;
  }
  try {
    return await withStore(config, 'anchor', logger, async (store) => (await getIncident(store.db, incidentId)) !== undefined);
  } catch (error) {
    logger.warn({ incident: incidentId, reason: reasonOf(error) }, 'cannot check that the incident exists');
    return null;
  }
}

/**
 * The comms (and other) sinks of the service's integrations, built but not started, so that an
 * announcement recorded without a running service is queued in the outbox and sent when it starts.
 */
async function integrationSinks(config: Config, store: Store, engine: ReturnType<typeof createIncidentEngine>, logger: Logger): Promise<EffectSink[]> {
  const { rpc, syncs } = wireChains({ config, store, logger });
  const watch = createWatchService({ config, store, rpc, syncs, logger });
  const sinks: EffectSink[] = [];
  for (const factory of defaultIntegrations(config)) {
    const integration = await factory({ config, store, engine, watch, logger, now: () => new Date() });
    sinks.push(...(integration.sinks ?? []));
  }
  return sinks;
}

/** Record the anchor on the incident's timeline and announce it: through the service, else the store. */
export async function recordAnchored(
  config: Config,
  result: AnchorResult & { incidentId: string },
  logger: Logger,
): Promise<{ via: 'service' | 'store'; recorded: boolean }> {
  const input = {
    digest: result.digest,
    cid: result.cid,
    uri: result.uri,
    txHash: result.txHash,
    chainId: result.chainId,
    registry: result.registry,
    submitter: result.submitter,
  };
  const path = `/api/incidents/${encodeURIComponent(result.incidentId)}/anchors`;
  const response = await serviceRequest(config, path, { method: 'POST', body: input, scope: 'write' });
  if (response) {
    if (!response.ok) throw new FirebreakError(`the service at ${serviceUrl(config)} answered ${response.status}: ${await apiError(response)}`, { code: 'service_http' });
    const body = (await response.json()) as { recorded?: boolean };
    return { via: 'service', recorded: body.recorded !== false };
  }
  return withStore(config, 'anchor', logger, async (store) => {
    const engine = createIncidentEngine({ store, config, logger });
    for (const sink of await integrationSinks(config, store, engine, logger)) engine.addSink(sink);
    const { recorded } = await recordAnchor(engine, result.incidentId, input, 'cli');
    return { via: 'store' as const, recorded };
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
      // a typo in the id would cost gas and anchor a postmortem nobody finds: check it first
      const exists = await incidentExists(config, incidentId, logger);
      if (exists === false) throw new NotFoundError(`no incident ${incidentId}: check the id (firebreak status lists the open ones)`);
      const addToIpfs = deps.addToIpfs;
      const result = await anchorPostmortem({
        chain: settings.chain,
        registry: settings.registry,
        signerKey: settings.signer,
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
          const { via, recorded } = await recordAnchored(config, { ...result, incidentId }, logger);
          logger.info({ incident: incidentId, via, recorded }, recorded ? 'anchor recorded on the timeline and announced' : 'anchor was recorded before');
        }
      } catch (error) {
        // the anchor is on-chain already: a failed follow-up is a warning, not a failed command
        logger.warn({ incident: incidentId, reason: reasonOf(error) }, 'anchored, but recording or announcing it failed');
      }
      return 0;
    },
  };
}

export const anchorCommand: CommandSpec = createAnchorCommand();
