/**
 * `firebreak status [--json]`: the open incidents. Asks the running service first (GET
 * /api/incidents?status=open with a token from server.apiTokens); when none answers, reads the
 * store itself — PostgreSQL always, an embedded PGlite directory only when no process holds it
 * (PGlite is single-process: opening it under a running service would corrupt it).
 */
import { FirebreakError, reasonOf } from '../core/errors.ts';
import { formatDuration } from '../core/duration.ts';
import { formatUsd } from '../core/format.ts';
import type { Incident } from '../core/types.ts';
import type { Config } from '../config/types.ts';
import type { Logger } from '../core/log.ts';
import { createLogger } from '../app/logger.ts';
import { listIncidents } from '../store/incidents.ts';
import type { CommandSpec } from './args.ts';
import { loadConfigOrExit } from './config.ts';
import { apiError, serviceRequest, serviceUrl, withStore } from './service-access.ts';

type Source = { from: 'service'; url: string } | { from: 'store'; kind: string };

/** The open incidents from the running service; null when nothing listens there. */
async function fromService(config: Config): Promise<Incident[] | null> {
  const response = await serviceRequest(config, '/api/incidents?status=open', { timeoutMs: 5_000 });
  if (!response) return null;
  if (!response.ok) throw new FirebreakError(`the service at ${serviceUrl(config)} answered ${response.status}: ${await apiError(response)}`, { code: 'status_http' });
  return (await response.json()) as Incident[];
}

/** The open incidents straight from the store (held meanwhile, so a `start` refuses instead of sharing it). */
function fromStore(config: Config, logger: Logger): Promise<Incident[]> {
  return withStore(config, 'status', logger, async (store) =>
    (await listIncidents(store.db, { status: 'open', withTimeline: false })).map((stored) => stored.incident),
  );
}

export function renderStatus(incidents: Incident[], source: Source, nowMs = Date.now()): string {
  const where = source.from === 'service' ? `service ${source.url}` : `${source.kind} store (no service answered)`;
  if (incidents.length === 0) return `no open incidents (from ${where})\n`;
  const rows = incidents.map((i) => [
    i.id,
    i.severity,
    i.status,
    `${formatDuration(nowMs - Date.parse(i.startedAt))} ago`,
    i.acknowledgedBy ? `ack ${i.acknowledgedBy}` : 'not acked',
    i.impact.stuckTransfers > 0 ? `${i.impact.stuckTransfers} stuck, ${formatUsd(i.impact.lockedUsd)}` : '-',
    i.nextUpdateDue ? `update ${Date.parse(i.nextUpdateDue) <= nowMs ? 'due now' : `in ${formatDuration(Date.parse(i.nextUpdateDue) - nowMs)}`}` : '-',
    i.title,
  ]);
  const header = ['ID', 'SEV', 'STATUS', 'STARTED', 'ACK', 'IMPACT', 'CADENCE', 'TITLE'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ');
  return [`${incidents.length} open incident${incidents.length === 1 ? '' : 's'} (from ${where})`, '', line(header), ...rows.map(line), ''].join('\n');
}

export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'show the open incidents (from the running service, or its store)',
  usage: 'firebreak status [--json] [--config FILE]',
  help: ['  --json              print the open incidents as a JSON array (the API shape) on stdout'],
  options: { json: { type: 'boolean' } },
  async run({ values, configFile }) {
    const logger = createLogger({ level: 'warn' });
    const config = loadConfigOrExit(configFile, logger);
    const url = serviceUrl(config);
    let incidents = await fromService(config);
    let source: Source = { from: 'service', url };
    if (incidents === null) {
      logger.warn({ reason: `no service at ${url}` }, 'reading the store directly');
      incidents = await fromStore(config, logger).catch((error: unknown) => {
        if (error instanceof FirebreakError) throw error;
        throw new FirebreakError(`cannot read the store: ${reasonOf(error)}`, { code: 'status_store', cause: error });
      });
      source = { from: 'store', kind: config.storage.kind };
    }
    if (values.json) process.stdout.write(`${JSON.stringify(incidents)}\n`);
    else process.stdout.write(renderStatus(incidents, source));
    return 0;
  },
};
