/**
 * Remote pinning through the IPFS Pinning Service API (https://ipfs.github.io/pinning-services-api-spec/):
 * POST /pins {cid, name, origins} with a bearer token, then GET /pins/<requestid> until `pinned`.
 * Runs from the outbox (`pin:<index>` rows), so failures retry with backoff and a restart resumes:
 * the request id is saved as progress before polling, so a retry polls instead of pinning twice.
 */
import { FirebreakError, RetryableError, reasonOf } from '../core/errors.ts';
import type { IpfsConfig } from '../config/types.ts';
import type { Deliverer } from '../delivery/worker.ts';
import { cutCodePoints } from '../core/text.ts';

export interface PinPayload {
  cid: string;
  name: string;
  origins: string[];
  /** incidents whose timeline hears about this pin */
  incidents: string[];
}

export interface PinResult {
  service: string;
  requestid: string;
  status: 'queued' | 'pinning' | 'pinned' | 'failed';
}

export interface PinningOptions {
  services: IpfsConfig['pinningServices'];
  fetch?: typeof fetch;
  /** how long one delivery attempt polls before handing back to the outbox (retried later) */
  pollForMs?: number;
  pollEveryMs?: number;
}

/** Host only: endpoints may carry credentials in their path or query. */
export function serviceLabel(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return 'pinning service';
  }
}

export function createPinDeliverer(options: PinningOptions): Deliverer {
  const doFetch = options.fetch ?? fetch;
  const pollForMs = options.pollForMs ?? 10_000;
  const pollEveryMs = options.pollEveryMs ?? 250;

  async function call(service: PinningOptions['services'][number], method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const label = serviceLabel(service.endpoint);
    let response: Response;
    try {
      response = await doFetch(service.endpoint.replace(/\/+$/, '') + path, {
        method,
        headers: {
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...(service.token ? { authorization: `Bearer ${service.token}` } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new RetryableError(`${label} unreachable: ${reasonOf(error)}`, { cause: error });
    }
    const text = await response.text();
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new RetryableError(`${label} answered ${response.status}`, {
        retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
        details: { status: response.status },
      });
    }
    if (response.status === 401 || response.status === 403) {
      throw new FirebreakError(`${label} rejected the token (${response.status}): check ipfs.pinningServices[].token`, { code: 'pin_auth' });
    }
    if (!response.ok) throw new FirebreakError(`${label} answered ${response.status}: ${cutCodePoints(text, 200)}`, { code: 'pin_rejected' });
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new RetryableError(`${label} answered with something that is not JSON`);
    }
  }

  return {
    prefix: 'pin',
    async deliver(row, ctx) {
      const index = Number(row.channel.split(':')[1]);
      const service = options.services[index];
      if (!service) throw new FirebreakError(`no ipfs.pinningServices[${index}] (the config changed?)`, { code: 'pin_config' });
      const payload = row.payload as PinPayload;
      const label = serviceLabel(service.endpoint);
      let requestid = (row.result as Partial<PinResult> | null)?.requestid;
      let status: string | undefined;
      if (!requestid) {
        const created = await call(service, 'POST', '/pins', { cid: payload.cid, name: payload.name, origins: payload.origins });
        requestid = String(created.requestid ?? '');
        status = String(created.status ?? 'queued');
        if (!requestid) throw new FirebreakError(`${label} returned no requestid`, { code: 'pin_rejected' });
        await ctx.progress({ service: label, requestid, status });
      }
      const deadline = Date.now() + pollForMs;
      while (status !== 'pinned') {
        if (status === 'failed') throw new FirebreakError(`${label} could not pin ${payload.cid} (status failed)`, { code: 'pin_failed' });
        if (status !== undefined && Date.now() > deadline) throw new RetryableError(`${label} is still ${status} for ${payload.cid}`, { retryAfterMs: 5_000 });
        if (status !== undefined) await new Promise((resolve) => setTimeout(resolve, pollEveryMs));
        const current = await call(service, 'GET', `/pins/${encodeURIComponent(requestid)}`);
        status = String(current.status ?? 'queued');
      }
      return { service: label, requestid, status: 'pinned' } satisfies PinResult;
    },
  };
}
