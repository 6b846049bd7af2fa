import { formatIssue } from '../core/errors.ts';
import { checkConfigFile } from '../config/load.ts';
import { proposalTemplateIssues } from '../governance/snapshot/proposal.ts';
import { governanceTimingIssues } from '../governance/snapshot/voting-period.ts';
import { checkTemplates } from '../comms/check.ts';
import type { CommandSpec } from './args.ts';
import { createLogger } from '../app/logger.ts';

export const validateCommand: CommandSpec = {
  name: 'validate',
  summary: 'load and check the config, playbooks and event ABIs; print every problem',
  usage: 'firebreak validate [--config FILE] [--online] [--json]',
  help: [
    '  --online            also check each bridge side on its chain: code at the address, its events seen recently (warnings)',
    '  --json              print {ok, errors, warnings} as JSON on stdout',
  ],
  options: { json: { type: 'boolean' }, online: { type: 'boolean' } },
  async run({ values, configFile }) {
    const result = checkConfigFile(configFile);
    // on-chain facts (the governor's pause allowance vs the Snapshot voting period): warnings only
    if (result.config && result.errors.length === 0) result.warnings.push(...(await governanceTimingIssues(result.config)));
    if (result.config) result.errors.push(...proposalTemplateIssues(result.config.playbooks.templates, `${result.config.playbooksDir}/templates`));
    // message templates must render against a sample incident (src/comms/check.ts)
    if (result.config) result.errors.push(...checkTemplates(result.config));
    if (values.online && result.config && result.errors.length === 0) {
      const { onlineIssues } = await import('../app/online-check.ts');
      result.warnings.push(...(await onlineIssues(result.config, createLogger({ level: 'warn' }))));
    }
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ ok: result.errors.length === 0, errors: result.errors.map(formatIssue), warnings: result.warnings.map(formatIssue) })}\n`,
      );
    } else {
      for (const issue of result.errors) process.stderr.write(`error: ${formatIssue(issue)}\n`);
      for (const issue of result.warnings) process.stderr.write(`warning: ${formatIssue(issue)}\n`);
      if (result.errors.length === 0) {
        const config = result.config!;
        process.stdout.write(
          `${configFile}: ok (${Object.keys(config.chains).length} chains, ${config.bridges.length} bridges${result.warnings.length ? `, ${result.warnings.length} warnings` : ''})\n`,
        );
      } else {
        process.stderr.write(`${configFile}: ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}\n`);
      }
    }
    return result.errors.length === 0 ? 0 : 1;
  },
};
