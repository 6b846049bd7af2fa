/**
 * Bearer-token auth as a hono middleware factory: a read token may GET, a write token may do
 * anything; the token's name becomes the actor. Comparison is constant-time.
 */
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ApiToken } from '../config/types.ts';

export type AuthEnv = { Variables: { actor: string } };

/** Exact, constant-time comparison of a presented secret with a configured one. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function findToken(tokens: ApiToken[], presented: string): ApiToken | undefined {
  return tokens.find((t) => sameSecret(t.token, presented));
}

/** Whether `presented` is one of the configured routing keys (every key compared, constant-time). */
export function isRoutingKey(keys: string[], presented: string): boolean {
  let found = false;
  for (const key of keys) found = sameSecret(key, presented) || found;
  return found;
}

export function requireToken(tokens: ApiToken[]): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const token = match ? findToken(tokens, match[1]!.trim()) : undefined;
    if (!token) return c.json({ error: 'unauthorized', message: 'send Authorization: Bearer <apiToken>' }, 401);
    const writing = !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method);
    if (writing && token.scope !== 'write') return c.json({ error: 'forbidden', message: `token "${token.name}" is read-only` }, 403);
    c.set('actor', token.name);
    await next();
  };
}
