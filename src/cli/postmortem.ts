/**
 * `firebreak postmortem <incidentId> [--out FILE]`: the postmortem Markdown, from the running
 * service (GET /api/incidents/:id/postmortem, token from server.apiTokens) when one answers at
 * server.host:port, else straight from the store — PostgreSQL always, an embedded PGlite directory
 * only when no other process holds it (PGlite is single-process).
 *
 */
import { writeFileSync } from 'node:fs';
import { createLogger } from '../app/logger.ts';
import type { Config } from '../config/types.ts';
import { BadRequestError, FirebreakError, NotFoundError, reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { renderPostmortemById } from '../postmortem/generate.ts';
import type { CommandSpec } from './args.ts';
import { loadConfigOrExit } from './config.ts';
import { apiError, serviceRequest, serviceUrl, withStore } from './service-access.ts';

/** The postmortem Markdown of an incident, from the service or the store. */
export async function fetchPostmortem(config: Config, incidentId: string, logger: Logger): Promise<{ markdown: string; from: string }> {
  const response = await serviceRequest(config, `/api/incidents/${encodeURIComponent(incidentId)}/postmortem`);
  if (response) {
    if (response.status === 404) throw new NotFoundError(`no incident ${incidentId} (asked the service at ${serviceUrl(config)})`);
    if (!response.ok) throw new FirebreakError(`the service at ${serviceUrl(config)} answered ${response.status}: ${await apiError(response)}`, { code: 'service_http' });
    return { markdown: await response.text(), from: serviceUrl(config) };
  }
  logger.info({ service: serviceUrl(config) }, 'no service answers: reading the store');
  const markdown = await withStore(config, 'postmortem', logger, (store) => renderPostmortemById(store, config, incidentId));
  return { markdown, from: `${config.storage.kind} store` };
}

export const postmortemCommand: CommandSpec = {
  name: 'postmortem',
  summary: 'write the postmortem Markdown for an incident',
  usage: 'firebreak postmortem <incidentId> [--out FILE] [--config FILE]',
  help: [
    '  <incidentId>        e.g. INC-0001',
    '  --out, -o FILE      write it to FILE (default: stdout); anchor that exact file afterwards',
    '  from the running service when one answers at server.host:port, else from the store',
  ],
  options: { out: { type: 'string', short: 'o' } },
  allowPositionals: true,
  async run({ values, positionals, configFile }) {
    const logger = createLogger({ level: process.env.FIREBREAK_LOG_LEVEL ?? 'warn' });
    if (positionals.length !== 1 || !positionals[0]!.trim()) {
      throw new BadRequestError('which incident? usage: firebreak postmortem <incidentId> [--out FILE]', { code: 'usage' });
    }
    const incidentId = positionals[0]!.trim();
    const out = typeof values.out === 'string' ? values.out : undefined;
    if (values.out !== undefined && !out) throw new BadRequestError('--out needs a file name', { code: 'usage' });
    const config = loadConfigOrExit(configFile, logger);
    const { markdown, from } = await fetchPostmortem(config, incidentId, logger);
    if (out) {
      try {
        writeFileSync(out, markdown);
      } catch (error) {
        throw new BadRequestError(`cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? reasonOf(error)}`);
      }
      process.stderr.write(`wrote the postmortem of ${incidentId} to ${out} (${Buffer.byteLength(markdown)} bytes, from the ${from})\n`);
    } else {
      process.stdout.write(markdown);
    }
    return 0;
  },
};
