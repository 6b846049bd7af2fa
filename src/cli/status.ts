/**
 * `firebreak status [--json]`: the open incidents. Asks the running service first (GET
 * /api/incidents?status=open with a token from server.apiTokens); when none answers, reads the
 * store itself — PostgreSQL always, an embedded PGlite directory only when no process holds it
 * (PGlite is single-process: opening it under a running service would corrupt it).
 */
import { existsSync } from 'node:fs';
import { FirebreakError, reasonOf } from '../core/errors.ts';
import { formatDuration } from '../core/duration.ts';
import { formatUsd } from '../core/format.ts';
import type { Incident } from '../core/types.ts';
import type { Config } from '../config/types.ts';
import { createLogger } from '../app/logger.ts';
import { listIncidents } from '../store/incidents.ts';
import { createStore } from '../store/store.ts';
import type { CommandSpec } from './args.ts';
import { loadConfigOrExit } from './config.ts';
import { claimStore, storeHolder } from './start.ts';

type Source = { from: 'service'; url: string } | { from: 'store'; kind: string };

function serviceUrl(config: Config): string {
  const host = ['0.0.0.0', '::', ''].includes(config.server.host) ? '127.0.0.1' : config.server.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}`;
}

/** The open incidents from the running service; null when nothing listens there. */
async function fromService(config: Config, url: string): Promise<Incident[] | null> {
  const token = config.server.apiTokens.find((t) => t.scope === 'read') ?? config.server.apiTokens[0];
  let response: Response;
  try {
    response = await fetch(`${url}/api/incidents?status=open`, {
      headers: token ? { authorization: `Bearer ${token.token}` } : {},
      signal: AbortSignal.timeout(5_000),
    });
  } catch {
    return null;
  }
  if (response.status === 401 || response.status === 403) {
    throw new FirebreakError(`the service at ${url} refused the token${token ? ` "${token.name}"` : ' (server.apiTokens is empty)'}: add a read token to server.apiTokens`, {
      code: 'status_auth',
    });
  }
  if (!response.ok) throw new FirebreakError(`the service at ${url} answered ${response.status}`, { code: 'status_http' });
  return (await response.json()) as Incident[];
}

async function fromStore(config: Config): Promise<Incident[]> {
  const { storage } = config;
  if (storage.kind === 'pglite') {
    if (storage.url === 'memory://') {
      throw new FirebreakError(`no service answers at ${serviceUrl(config)} and the store is in memory (storage.url: pglite://memory): start the service`, {
        code: 'status_unavailable',
      });
    }
    const holder = storeHolder(storage);
    if (holder) {
      throw new FirebreakError(
        `no answer at ${serviceUrl(config)}, and firebreak ${holder.command} (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}) holds the embedded store ${storage.url}; refusing to open it (PGlite is single-process). Ask that service, or use PostgreSQL`,
        { code: 'store_busy', details: { pid: holder.pid } },
      );
    }
    if (!existsSync(storage.url)) {
      throw new FirebreakError(`no service answers at ${serviceUrl(config)} and there is no store at ${storage.url} yet: run firebreak start`, {
        code: 'status_unavailable',
      });
    }
  }
  // hold the embedded store while reading it, so that a `start` meanwhile refuses instead of sharing it
  const claim = claimStore(storage, 'status');
  try {
    const store = await createStore(storage);
    try {
      return (await listIncidents(store.db, { status: 'open', withTimeline: false })).map((s) => s.incident);
    } finally {
      await store.close();
    }
  } finally {
    claim.release();
  }
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
    let incidents = await fromService(config, url);
    let source: Source = { from: 'service', url };
    if (incidents === null) {
      logger.warn({ reason: `no service at ${url}` }, 'reading the store directly');
      incidents = await fromStore(config).catch((error: unknown) => {
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
