/**
 * `firebreak verify <file> --incident <id>`: recompute the file's keccak256 digest and compare it
 * with the newest one the PostmortemRegistry holds for the incident. Exit 0 on a match (printing
 * who anchored it and when), 1 with a one-line reason otherwise (different digest, nothing
 * anchored, wrong chain, no contract, a submitter that is neither owner nor anchorer).
 */
import { createLogger } from '../app/logger.ts';
import { BadRequestError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { verifyPostmortem } from '../postmortem/anchor.ts';
import { anchorSettings, readPostmortemFile } from './anchor.ts';
import type { CommandSpec } from './args.ts';
import { loadConfigOrExit } from './config.ts';

export function createVerifyCommand(deps: { createLogger?: () => Logger } = {}): CommandSpec {
  return {
    name: 'verify',
    summary: 'compare a postmortem file with its on-chain anchor',
    usage: 'firebreak verify <file> --incident <id> [--json] [--config FILE]',
    help: [
      '  <file>              the postmortem Markdown to check',
      '  --incident ID       the incident the postmortem belongs to',
      '  --json              print the full result as JSON on stdout',
      '  exit 0 when the chain holds this file\'s digest (anchored by the owner or an anchorer), 1 otherwise',
    ],
    options: { incident: { type: 'string', short: 'i' }, json: { type: 'boolean' } },
    allowPositionals: true,
    async run({ values, positionals, configFile }) {
      const logger = (deps.createLogger ?? createLogger)();
      if (positionals.length > 1) throw new BadRequestError('one file at a time: firebreak verify <file> --incident <id>', { code: 'usage' });
      const incidentId = typeof values.incident === 'string' ? values.incident.trim() : '';
      if (!incidentId) throw new BadRequestError('--incident ID is required (usage: firebreak verify <file> --incident <id>)', { code: 'usage' });
      const bytes = readPostmortemFile(positionals[0]);
      const config = loadConfigOrExit(configFile, logger);
      const settings = anchorSettings(config);
      const result = await verifyPostmortem({ chain: settings.chain, registry: settings.registry, bytes, incidentId });
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify({ ...result, file: positionals[0] })}\n`,
        );
      } else if (result.ok) {
        process.stdout.write(
          `verified: ${positionals[0]} matches the anchor of incident ${incidentId} — anchored by ${result.submitter} at ${result.anchoredAt}` +
            `${result.txHash ? ` (tx ${result.txHash})` : ''}, revision ${result.revisions}, on ${settings.chain.name}\n`,
        );
      }
      if (!result.ok) process.stderr.write(`firebreak verify: ${result.reason}\n`);
      return result.ok ? 0 : 1;
    },
  };
}

export const verifyCommand: CommandSpec = createVerifyCommand();
