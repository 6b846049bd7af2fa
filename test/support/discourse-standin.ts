/**
 * A loopback Discourse that answers the calls Firebreak makes the way Discourse does (routes, status
 * codes and error bodies from Discourse's controllers):
 * - `POST /posts.json` `{title, raw, category, external_id}` → 200 with the post
 *   (`{id, topic_id, topic_slug, post_number: 1, …}`); validation failures → 422
 *   `{action: "create_post", errors: [...]}` ("Title has already been used", "Title must be at least
 *   15 characters", "Body is limited to 32000 characters; you entered N.");
 * - `GET /t/external_id/:id.json` → 301 to `/t/<slug>/<id>.json`, or 404
 *   `{errors: ["The requested URL or resource could not be found."], error_type: "not_found"}`;
 * - `GET /t/:slug/:id.json` → the topic;
 * - a wrong `Api-Key`/`Api-Username` → 403 `error_type: "invalid_access"`;
 * - rate limits on demand → 429 `{errors, error_type: "rate_limit", extras: {wait_seconds, time_left}}` + `Retry-After`.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';

export interface DiscourseTopic {
  id: number;
  title: string;
  slug: string;
  externalId: string | null;
  category: number | null;
  raw: string;
  username: string;
}

export interface DiscourseRequest {
  method: string;
  path: string;
  apiKey: string | null;
  apiUsername: string | null;
  body: Record<string, unknown> | null;
}

export interface DiscourseStandin {
  url: string;
  topics: DiscourseTopic[];
  requests: DiscourseRequest[];
  /** the next `count` POSTs get 429 asking to wait `waitSeconds` */
  rateLimitNextPosts(count: number, waitSeconds: number): void;
  /** the next POST creates the topic, then answers 502 (the answer is lost, as in a crash or a proxy timeout) */
  loseNextAnswer(): void;
  /** a rotated key: the configured one is refused from now on (403 invalid_access) */
  acceptOnly(apiKey: string): void;
  /** a topic someone made by hand (no external id) */
  seedTopic(title: string): DiscourseTopic;
  close(): Promise<void>;
}

const NOT_FOUND = { errors: ['The requested URL or resource could not be found.'], error_type: 'not_found' };
const INVALID_ACCESS = { errors: ['You are not permitted to view the requested resource. The API username or key is invalid.'], error_type: 'invalid_access' };

function slugOf(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'topic';
}

export async function startDiscourseStandin(options: { apiKey: string; apiUsername: string }): Promise<DiscourseStandin> {
  const topics: DiscourseTopic[] = [];
  const requests: DiscourseRequest[] = [];
  let rateLimited = 0;
  let waitSeconds = 0;
  let loseAnswer = false;
  let nextId = 100;
  let acceptedKey = options.apiKey;
  const app = new Hono();

  const add = (title: string, raw: string, externalId: string | null, category: number | null, username: string) => {
    const topic = { id: nextId++, title, slug: slugOf(title), externalId, category, raw, username };
    topics.push(topic);
    return topic;
  };

  app.use('*', async (c, next) => {
    const text = c.req.method === 'POST' ? await c.req.text() : '';
    let body: Record<string, unknown> | null = null;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    } catch {}
    requests.push({ method: c.req.method, path: c.req.path, apiKey: c.req.header('api-key') ?? null, apiUsername: c.req.header('api-username') ?? null, body });
    if (c.req.header('api-key') !== acceptedKey || c.req.header('api-username') !== options.apiUsername) return c.json(INVALID_ACCESS, 403);
    c.set('body' as never, body as never);
    await next();
  });

  app.get('/t/external_id/:file', (c) => {
    const externalId = decodeURIComponent(c.req.param('file').replace(/\.json$/, ''));
    const topic = topics.find((t) => t.externalId === externalId);
    if (!topic) return c.json(NOT_FOUND, 404);
    return c.redirect(`/t/${topic.slug}/${topic.id}.json`, 301);
  });

  app.get('/t/:slug/:file', (c) => {
    const topic = topics.find((t) => `${t.id}.json` === c.req.param('file'));
    if (!topic) return c.json(NOT_FOUND, 404);
    return c.json({ id: topic.id, title: topic.title, slug: topic.slug, external_id: topic.externalId, category_id: topic.category, posts_count: 1 });
  });

  app.post('/posts.json', (c) => {
    if (rateLimited > 0) {
      rateLimited--;
      return c.json(
        {
          errors: [`You’ve performed this action too many times. Please wait ${waitSeconds} seconds before trying again.`],
          error_type: 'rate_limit',
          extras: { wait_seconds: waitSeconds, time_left: `${waitSeconds} seconds` },
        },
        429,
        { 'Retry-After': String(waitSeconds) },
      );
    }
    const body = (c.get('body' as never) as Record<string, unknown> | null) ?? {};
    const title = typeof body.title === 'string' ? body.title.trim() : '';
    const raw = typeof body.raw === 'string' ? body.raw : '';
    const errors: string[] = [];
    if (Array.from(title).length < 15) errors.push('Title must be at least 15 characters');
    if (Array.from(title).length > 255) errors.push('Title is too long (maximum is 255 characters)');
    if (Array.from(raw.trim()).length < 20) errors.push('Body is too short (minimum is 20 characters)');
    if (Array.from(raw).length > 32_000) errors.push(`Body is limited to 32000 characters; you entered ${Array.from(raw).length}.`);
    if (topics.some((t) => t.title.toLowerCase() === title.toLowerCase())) errors.push('Title has already been used');
    const externalId = typeof body.external_id === 'string' ? body.external_id : null;
    if (externalId && topics.some((t) => t.externalId === externalId)) errors.push('External ID has already been taken');
    if (errors.length) return c.json({ action: 'create_post', errors }, 422);
    const topic = add(title, raw, externalId, typeof body.category === 'number' ? body.category : null, c.req.header('api-username')!);
    if (loseAnswer) {
      loseAnswer = false;
      return c.text('Bad Gateway', 502);
    }
    return c.json({ id: topic.id * 10, topic_id: topic.id, topic_slug: topic.slug, post_number: 1, raw, username: topic.username, cooked: '' });
  });

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    topics,
    requests,
    rateLimitNextPosts(count, seconds) {
      rateLimited = count;
      waitSeconds = seconds;
    },
    acceptOnly(apiKey) {
      acceptedKey = apiKey;
    },
    loseNextAnswer() {
      loseAnswer = true;
    },
    seedTopic(title) {
      return add(title, 'Written by a person before Firebreak posted.', null, null, 'alice');
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
