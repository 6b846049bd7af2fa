/**
 * `firebreak anchor <file> --incident <id>`: digest = keccak256(file), add the file to IPFS (when
 * the composition root gives an IPFS node), call the registry's `anchor`, print
 * `{digest, cid, txHash, chainId, registry}` as the only line on stdout (logs go to stderr).
 */
import { readFileSync } from 'node:fs';
import { createLogger } from '../app/logger.ts';
import type { Config } from '../config/types.ts';
import { BadRequestError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { type AnchorResult, anchorPostmortem } from '../postmortem/anchor.ts';
import type { CommandSpec } from './args.ts';
import { loadConfigOrExit } from './config.ts';

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
      if (deps.onAnchored) {
        try {
          await deps.onAnchored(config, { ...result, incidentId, file: file as string }, logger);
        } catch (error) {
          // the anchor is on-chain already: a failed follow-up is a warning, not a failed command
          logger.warn({ incident: incidentId, reason: (error as Error).message }, 'anchored, but recording or announcing it failed');
        }
      }
      return 0;
    },
  };
}

export const anchorCommand: CommandSpec = createAnchorCommand();
