/**
 * Structured logs (pino), one JSON event per line on stderr so that stdout stays clean for
 * `--json` output. Secrets never reach here: URLs are logged by index, keys not at all, and pino
 * redacts the usual suspects in case a caller slips.
 */
import pino from 'pino';
import type { Logger } from '../core/log.ts';

export interface LoggerOptions {
  level?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.FIREBREAK_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info';
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['token', 'secret', 'signer', 'privateKey', 'password', 'url', '*.token', '*.secret', '*.signer', '*.privateKey'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  ) as unknown as Logger;
}
