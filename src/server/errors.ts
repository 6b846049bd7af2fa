/** The error → HTTP response mapping (hono's onError): FirebreakErrors know their status. */
import type { Context } from 'hono';
import { isFirebreakError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';

export function errorResponse(error: unknown, c: Context, logger: Logger): Response {
  if (isFirebreakError(error) && error.status < 500) {
    return c.json({ error: error.code, message: error.message }, error.status as 400);
  }
  logger.error({ path: c.req.path, reason: error instanceof Error ? error.message.split('\n')[0] : String(error) }, 'request failed');
  return c.json({ error: 'internal', message: 'internal error; see the service log' }, 500);
}
