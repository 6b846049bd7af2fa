/**
 * One error family for the whole product. A FirebreakError carries a short message for people,
 * `details` for logs (never secrets), an optional `cause`, whether retrying can help, and the HTTP
 * status it maps to when it reaches the API (hono-style: the error knows its response).
 */
export type ErrorDetails = Record<string, unknown>;

export interface FirebreakErrorOptions {
  code?: string;
  cause?: unknown;
  details?: ErrorDetails;
  status?: number;
  retryable?: boolean;
}

export class FirebreakError extends Error {
  readonly code: string;
  readonly details: ErrorDetails;
  readonly status: number;
  readonly retryable: boolean;

  constructor(message: string, options: FirebreakErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'firebreak';
    this.details = options.details ?? {};
    this.status = options.status ?? 500;
    this.retryable = options.retryable ?? false;
  }
}

/** One problem in the config, named by its path (`bridges[0].source.event`). */
export interface ConfigIssue {
  path: string;
  message: string;
  /** warnings are printed by `validate` but do not fail it */
  level?: 'error' | 'warning';
}

export class ConfigError extends FirebreakError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], options: FirebreakErrorOptions = {}) {
    const first = issues[0];
    const head = first ? formatIssue(first) : 'invalid config';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(head + more, { code: 'config', status: 400, ...options });
    this.issues = issues;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

/** A failure that may go away by itself: network, HTTP 429/5xx, an RPC that timed out. */
export class RetryableError extends FirebreakError {
  /** milliseconds the remote side asked us to wait (HTTP retry-after), when it said so */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: FirebreakErrorOptions & { retryAfterMs?: number } = {}) {
    super(message, { code: 'retryable', ...options, retryable: true });
    this.retryAfterMs = options.retryAfterMs;
  }
}

export class BadRequestError extends FirebreakError {
  constructor(message: string, options: FirebreakErrorOptions = {}) {
    super(message, { code: 'bad_request', status: 400, ...options });
  }
}

export class UnauthorizedError extends FirebreakError {
  constructor(message = 'missing or invalid token', options: FirebreakErrorOptions = {}) {
    super(message, { code: 'unauthorized', status: 401, ...options });
  }
}

export class ForbiddenError extends FirebreakError {
  constructor(message: string, options: FirebreakErrorOptions = {}) {
    super(message, { code: 'forbidden', status: 403, ...options });
  }
}

export class NotFoundError extends FirebreakError {
  constructor(message: string, options: FirebreakErrorOptions = {}) {
    super(message, { code: 'not_found', status: 404, ...options });
  }
}

export class ConflictError extends FirebreakError {
  constructor(message: string, options: FirebreakErrorOptions = {}) {
    super(message, { code: 'conflict', status: 409, ...options });
  }
}

export function isFirebreakError(error: unknown): error is FirebreakError {
  return error instanceof FirebreakError;
}

/** A one-line reason for people: the FirebreakError message, or the first line of anything else. */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) return (error.message.split('\n')[0] ?? error.name).trim();
  return String(error);
}
