/**
 * How a command reaches the incidents: the running service's API (with a token of the needed scope
 * from server.apiTokens), or — when nothing answers — the store itself, which for embedded PGlite
 * means only when no live process holds it. Shared by status, postmortem and anchor.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../config/types.ts';
import { FirebreakError, reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { SERVICE_HEADER } from '../server/identity.ts';
import { createStore, type Store } from '../store/store.ts';
import { claimStore, storeHolder } from './start.ts';

/** Where this config's service listens (a wildcard host is reached on loopback). */
export function serviceUrl(config: Config): string {
  const host = ['0.0.0.0', '::', ''].includes(config.server.host) ? '127.0.0.1' : config.server.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}`;
}

/**
 * A request to the running service with a token of the needed scope from server.apiTokens.
 * Returns null when no Firebreak service answers there (nothing listens, or another program holds
 * the port: its answers carry no SERVICE_HEADER); the caller then uses the store, which an embedded
 * store's lock keeps safe. Throws when the service refuses the token.
 */
export async function serviceRequest(
  config: Config,
  path: string,
  init: { method?: string; body?: unknown; scope?: 'read' | 'write'; timeoutMs?: number } = {},
): Promise<Response | null> {
  const url = serviceUrl(config);
  const scope = init.scope ?? 'read';
  const token =
    scope === 'write' ? config.server.apiTokens.find((t) => t.scope === 'write') : (config.server.apiTokens.find((t) => t.scope === 'read') ?? config.server.apiTokens[0]);
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
    });
  } catch {
    return null;
  }
  if (!response.headers.has(SERVICE_HEADER)) {
    await response.body?.cancel();
    return null;
  }
  if (response.status === 401 || response.status === 403) {
    throw new FirebreakError(
      `the service at ${url} refused the token${token ? ` "${token.name}"` : ''}: add a ${scope} token to server.apiTokens`,
      { code: 'service_auth' },
    );
  }
  return response;
}

/** The error message of a non-2xx API answer. */
export async function apiError(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const json = JSON.parse(text) as { message?: string };
    if (json.message) return json.message;
  } catch {
    /* not JSON */
  }
  return text.trim().split('\n')[0] || `HTTP ${response.status}`;
}

/** Why this command cannot open the store itself (in memory, held by a live process, not created); null when it can. */
export function storeUnavailable(config: Config): FirebreakError | null {
  const { storage } = config;
  if (storage.kind !== 'pglite') return null;
  if (storage.url === 'memory://') {
    return new FirebreakError(`no service answers at ${serviceUrl(config)} and the store is in memory (storage.url: pglite://memory): start the service`, {
      code: 'store_unavailable',
    });
  }
  const holder = storeHolder(storage);
  if (holder) {
    return new FirebreakError(
      `no answer at ${serviceUrl(config)}, and firebreak ${holder.command} (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}) holds the embedded store ${storage.url}; refusing to open it (PGlite is single-process): ask that service, or use PostgreSQL`,
      { code: 'store_busy', details: { pid: holder.pid } },
    );
  }
  if (!existsSync(storage.url)) {
    return new FirebreakError(`no service answers at ${serviceUrl(config)} and there is no store at ${storage.url} yet: run firebreak start`, { code: 'store_unavailable' });
  }
  return null;
}

/**
 * Run `fn` on the store when no service answers: PostgreSQL as is; an embedded PGlite directory
 * only when no live process holds it (and held by this one meanwhile, so `start` waits for us).
 */
export async function withStore<T>(config: Config, command: string, logger: Logger, fn: (store: Store) => Promise<T>): Promise<T> {
  const { storage } = config;
  const unavailable = storeUnavailable(config);
  if (unavailable) throw unavailable;
  const claim = claimStore(storage, command);
  try {
    let store: Store;
    try {
      store = await createStore(storage, logger);
    } catch (error) {
      if (error instanceof FirebreakError) throw error;
      throw new FirebreakError(`cannot open the store: ${reasonOf(error)}`, { code: 'store_open', cause: error });
    }
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  } finally {
    claim.release();
  }
}
