/**
 * `firebreak start`: the long-running service (watchers, incident engine, HTTP API) until SIGINT or
 * SIGTERM. PGlite is single-process, so `start` holds a pid file beside the embedded database;
 * `status` reads it to know whether the store may be opened.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BadRequestError, FirebreakError, reasonOf } from '../core/errors.ts';
import type { StorageConfig } from '../config/types.ts';
import { defaultIntegrations } from '../app/integrations.ts';
import { createLogger } from '../app/logger.ts';
import { startService } from '../app/service.ts';
import type { CommandSpec } from './args.ts';
import { loadConfigOrExit } from './config.ts';

export interface StoreHolder {
  pid: number;
  command: string;
  since: string;
  url?: string | null;
}

/** The pid file of an embedded (PGlite directory) store; null for memory:// and PostgreSQL. */
export function holderFile(storage: StorageConfig): string | null {
  if (storage.kind !== 'pglite' || storage.url === 'memory://') return null;
  return `${storage.url.replace(/\/+$/, '')}.pid`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live process holding the embedded store, if any (a pid file of a dead process is stale). */
export function storeHolder(storage: StorageConfig): StoreHolder | null {
  const file = holderFile(storage);
  if (!file) return null;
  let holder: StoreHolder;
  try {
    holder = JSON.parse(readFileSync(file, 'utf8')) as StoreHolder;
  } catch {
    return null;
  }
  return Number.isInteger(holder.pid) && holder.pid !== process.pid && alive(holder.pid) ? holder : null;
}

/**
 * Claim the embedded store for this process, or refuse with who holds it. Returns the release
 * function (a no-op for stores that several processes may share).
 */
export function claimStore(storage: StorageConfig, command: string): { release(): void; update(url: string | null): void } {
  const file = holderFile(storage);
  if (!file) return { release() {}, update() {} };
  const write = (flag: 'wx' | 'w', url: string | null) =>
    writeFileSync(file, JSON.stringify({ pid: process.pid, command, since: new Date().toISOString(), url } satisfies StoreHolder), { flag });
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      write('wx', null);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const holder = storeHolder(storage);
      if (holder) {
        throw new FirebreakError(
          `the embedded store ${storage.url} is in use by firebreak ${holder.command} (pid ${holder.pid}); PGlite allows one process: stop it first, or use PostgreSQL (storage.url: postgres://…) to share the store (if pid ${holder.pid} is not Firebreak, delete ${file})`,
          { code: 'store_busy', details: { pid: holder.pid } },
        );
      }
      rmSync(file, { force: true }); // stale: its process is gone (e.g. killed)
    }
  }
  return {
    release() {
      try {
        const holder = JSON.parse(readFileSync(file, 'utf8')) as StoreHolder;
        if (holder.pid === process.pid) rmSync(file, { force: true });
      } catch {
        /* already gone */
      }
    },
    update(url) {
      write('w', url);
    },
  };
}

export const startCommand: CommandSpec = {
  name: 'start',
  summary: 'run the service: watchers in realtime, the incident engine and the HTTP API',
  usage: 'firebreak start [--port N] [--config FILE]',
  help: ['  --port N            listen on this port instead of server.port'],
  options: { port: { type: 'string' } },
  async run({ values, configFile }) {
    const logger = createLogger();
    const config = loadConfigOrExit(configFile, logger);
    if (values.port !== undefined) {
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new BadRequestError('--port must be a port number (0-65535)');
      config.server = { ...config.server, port };
    }
    const claim = claimStore(config.storage, 'start');
    let service;
    try {
      service = await startService({ config, logger, integrations: defaultIntegrations(config) });
      // record the URL for `status`
      claim.update(service.url);
    } catch (error) {
      claim.release();
      throw error;
    }
    logger.info({ listen: service.url, storage: config.storage.kind, bridges: config.bridges.length }, 'firebreak started');
    await new Promise<void>((resolve) => {
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'stopping');
        service
          .stop()
          .catch((error: unknown) => logger.error({ reason: reasonOf(error) }, 'stop failed'))
          .finally(() => {
            claim.release();
            logger.info({}, 'stopped');
            resolve();
          });
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
    return 0;
  },
};
