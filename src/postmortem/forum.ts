/**
 * The governance forum (SPEC §2 `forum`; the seed's "preventive actions logged … in governance
 * forum"): once an incident's postmortem is anchored, the postmortem and its action items are
 * posted as a Discourse topic, through the outbox (channel `forum:topic`, one row per incident).
 *
 * Discourse API: `POST /posts.json` with `Api-Key` / `Api-Username` headers and
 * `{title, raw, category, external_id}` creates a topic; `GET /t/external_id/<id>.json` answers 301
 * to the topic when one has that external id, else 404. The incident id is the external id, so the
 * deliverer asks first and never posts twice, even when a crash fell between Discourse creating the
 * topic and the outbox recording it. Errors as Discourse answers them:
 * - 429 `{errors, error_type: "rate_limit", extras: {wait_seconds}}` (and `Retry-After`): retried after the wait;
 * - 422 `{action: "create_post", errors: ["Title has already been used"]}`: another topic has our
 *   title (a person posted it by hand): posted once more with the anchor's digest in the title;
 *   any other 422 is permanent (its text goes on the timeline);
 * - 403 `error_type: "invalid_access"`: the key or username is refused: permanent;
 * - 5xx and network errors: retried.
 * The text is rendered when the row is delivered (the postmortem is deterministic), so no large
 * body sits in the outbox; the key and username are read from the config, never stored or logged.
 */
import type { Effect } from '../core/effects.ts';
import { FirebreakError, RetryableError } from '../core/errors.ts';
import type { Incident, TimelineEntry } from '../core/types.ts';
import type { Config, ForumConfig } from '../config/types.ts';
import type { Deliverer, DeliveryEvent } from '../delivery/worker.ts';
import type { IntegrationFactory } from '../incidents/integration.ts';
import type { EffectSink } from '../store/effects.ts';
import { enqueue } from '../store/outbox.ts';
import type { Db } from '../store/store.ts';
import { renderPostmortemFor } from './generate.ts';

export const FORUM_CHANNEL = 'forum:topic';
export const FORUM_ROW_KIND = 'postmortem';
/** Discourse's defaults: `max_topic_title_length` 255, `max_post_length` 32,000 characters. */
const MAX_TITLE = 255;
const MAX_RAW = 32_000;
const REQUEST_TIMEOUT_MS = 20_000;

export interface ForumRowPayload {
  incidentId: string;
  title: string;
  /** the anchor this post announces */
  digest: string;
  uri: string;
  txHash: string;
  chainId: number;
  /** one line for people reading the outbox (the dashboard) */
  summary: string;
}

export interface ForumTopic {
  topicId: number;
  postId: number | null;
  url: string;
  /** false when the topic already existed (posted before a crash, or by an earlier attempt) */
  created: boolean;
}

export const forumKey = (incidentId: string) => `${incidentId}:forum:postmortem`;

/** Cut to at most `max` code points (never inside a surrogate pair), marking the cut. */
export function cutCodePoints(text: string, max: number, mark = '…'): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  const markPoints = Array.from(mark).length;
  return points.slice(0, Math.max(0, max - markPoints)).join('') + mark;
}

export function forumTitle(incident: Pick<Incident, 'id' | 'title'>): string {
  return cutCodePoints(`Postmortem ${incident.id}: ${incident.title}`, MAX_TITLE);
}

/** The topic's body: where the document is anchored, the postmortem itself, its action items as a checklist. */
export function forumRaw(payload: ForumRowPayload, postmortem: string, incident: Pick<Incident, 'actionItems'>): string {
  const head = [
    `The postmortem of **${payload.incidentId}**, as anchored on-chain (chain ${payload.chainId}, tx \`${payload.txHash}\`):`,
    `digest \`${payload.digest}\`, ${payload.uri}. Check a copy with \`firebreak verify <file> --incident ${payload.incidentId}\`.`,
    '',
  ].join('\n');
  const items = incident.actionItems.length
    ? [
        '',
        '## Preventive actions',
        '',
        ...incident.actionItems.map((item) => `- [${item.status === 'done' ? 'x' : ' '}] ${item.title} (owner ${item.owner}, due ${item.due}, ${item.priority})`),
      ].join('\n')
    : '';
  const tail = `${items}\n`;
  const room = MAX_RAW - Array.from(head).length - Array.from(tail).length;
  const body = Array.from(postmortem).length > room ? cutCodePoints(postmortem, room, `\n\n… (cut: the whole document is at ${payload.uri})`) : postmortem;
  return `${head}\n${body.trimEnd()}\n${tail}`;
}

/** Plans the forum row when a postmortem's anchor is announced (the `anchored` notification). */
export function createForumSink(config: Config): EffectSink {
  return {
    name: 'forum',
    async plan(trx: Db, effect: Effect, incident: Incident, now: Date) {
      if (!config.forum || effect.type !== 'notify' || effect.kind !== 'anchored') return;
      const vars = effect.vars ?? {};
      const payload: ForumRowPayload = {
        incidentId: incident.id,
        title: forumTitle(incident),
        digest: String(vars.digest ?? ''),
        uri: String(vars.uri ?? ''),
        txHash: String(vars.txHash ?? ''),
        chainId: Number(vars.chainId ?? 0),
        summary: `Postmortem of ${incident.id} posted to the governance forum`,
      };
      // one topic per incident: a later revision of the postmortem does not open a second one
      await enqueue(trx, [{ key: forumKey(incident.id), incidentId: incident.id, channel: FORUM_CHANNEL, kind: FORUM_ROW_KIND, payload }], now);
    },
  };
}

interface DiscourseError {
  errors?: string[];
  error_type?: string;
  extras?: { wait_seconds?: number };
}

function headers(forum: ForumConfig): Record<string, string> {
  return { 'Api-Key': forum.apiKey, 'Api-Username': forum.apiUsername, accept: 'application/json', 'user-agent': 'Firebreak' };
}

async function call(fetchImpl: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetchImpl(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw new RetryableError(`the forum is unreachable (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name})`, { code: 'forum_unreachable' });
  }
}

async function errorOf(response: Response): Promise<DiscourseError> {
  return ((await response.json().catch(() => null)) as DiscourseError | null) ?? {};
}

function reasonText(error: DiscourseError, status: number): string {
  return error.errors?.length ? error.errors.join('; ') : `HTTP ${status}`;
}

/** 429, 5xx → retry (after Discourse's `extras.wait_seconds` / `Retry-After`); 403 and other 4xx → permanent. */
async function refusal(response: Response, what: string): Promise<never> {
  const error = await errorOf(response);
  if (response.status === 429 || response.status >= 500) {
    const header = Number(response.headers.get('retry-after'));
    const seconds = error.extras?.wait_seconds ?? (Number.isFinite(header) && header > 0 ? header : undefined);
    throw new RetryableError(`the forum answered ${response.status} to ${what}: ${reasonText(error, response.status)}`, {
      code: 'forum_unavailable',
      ...(seconds !== undefined ? { retryAfterMs: seconds * 1000 } : {}),
    });
  }
  const hint = response.status === 403 ? ' (check forum.apiKey and forum.apiUsername)' : '';
  throw new FirebreakError(`the forum refused ${what} (${response.status}): ${reasonText(error, response.status)}${hint}`, { code: 'forum_rejected', status: 502 });
}

/** The topic with this external id, or null (Discourse: 301 to the topic, 404 when none). */
export async function findTopic(forum: ForumConfig, externalId: string, fetchImpl: typeof fetch = fetch): Promise<ForumTopic | null> {
  const response = await call(fetchImpl, `${forum.url}/t/external_id/${encodeURIComponent(externalId)}.json`, { headers: headers(forum) });
  if (response.status === 404) {
    await response.body?.cancel().catch(() => {});
    return null;
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => {});
    const location = response.headers.get('location') ?? '';
    const path = new URL(location, `${forum.url}/`).pathname.replace(/\.json$/, '');
    const topicId = Number(/\/t\/(?:[^/]+\/)?(\d+)/.exec(path)?.[1]);
    if (!Number.isSafeInteger(topicId)) throw new FirebreakError(`the forum redirected external_id ${externalId} to an unexpected place: ${location}`, { code: 'forum_rejected' });
    return { topicId, postId: null, url: new URL(path, `${forum.url}/`).toString(), created: false };
  }
  if (response.ok) {
    const topic = (await response.json().catch(() => null)) as { id?: number; slug?: string } | null;
    if (topic?.id) return { topicId: topic.id, postId: null, url: `${forum.url}/t/${topic.slug ?? 'topic'}/${topic.id}`, created: false };
  }
  return refusal(response, `the lookup of external_id ${externalId}`);
}

export async function createTopic(
  forum: ForumConfig,
  input: { title: string; raw: string; externalId: string },
  fetchImpl: typeof fetch = fetch,
): Promise<{ ok: true; topic: ForumTopic } | { ok: false; titleTaken: true }> {
  const body = JSON.stringify({ title: input.title, raw: input.raw, external_id: input.externalId, ...(forum.category !== undefined ? { category: forum.category } : {}) });
  const response = await call(fetchImpl, `${forum.url}/posts.json`, { method: 'POST', headers: { ...headers(forum), 'content-type': 'application/json' }, body });
  if (response.ok) {
    const post = (await response.json().catch(() => null)) as { id?: number; topic_id?: number; topic_slug?: string } | null;
    if (!post?.topic_id) throw new FirebreakError('the forum accepted the post but named no topic_id', { code: 'forum_rejected' });
    return { ok: true, topic: { topicId: post.topic_id, postId: post.id ?? null, url: `${forum.url}/t/${post.topic_slug ?? 'topic'}/${post.topic_id}`, created: true } };
  }
  if (response.status === 422) {
    const error = await errorOf(response);
    if ((error.errors ?? []).some((e) => /title has already been used/i.test(e))) return { ok: false, titleTaken: true };
    throw new FirebreakError(`the forum refused the topic (422): ${reasonText(error, 422)}`, { code: 'forum_rejected', status: 502 });
  }
  return refusal(response, 'the topic');
}

export function createForumDeliverer(deps: { config: Config; db: Db; engine: { get(id: string): Promise<Incident | null> }; fetch?: typeof fetch }): Deliverer {
  const fetchImpl = deps.fetch ?? fetch;
  return {
    prefix: 'forum',
    async deliver(row) {
      const forum = deps.config.forum;
      if (!forum) throw new FirebreakError('forum: is not configured (any more)', { code: 'config' });
      const payload = row.payload as ForumRowPayload;
      const incident = await deps.engine.get(payload.incidentId);
      if (!incident) throw new FirebreakError(`no incident ${payload.incidentId}`, { code: 'not_found' });
      // asked first every time: a topic created just before a crash is found, not posted again
      const existing = await findTopic(forum, payload.incidentId, fetchImpl);
      if (existing) return existing;
      const raw = forumRaw(payload, await renderPostmortemFor({ db: deps.db }, deps.config, incident), incident);
      const first = await createTopic(forum, { title: payload.title, raw, externalId: payload.incidentId }, fetchImpl);
      if (first.ok) return first.topic;
      const distinct = cutCodePoints(`${payload.title.replace(/…$/, '')}`, MAX_TITLE - 20) + ` (${payload.digest.slice(0, 12)})`;
      const second = await createTopic(forum, { title: distinct, raw, externalId: payload.incidentId }, fetchImpl);
      if (second.ok) return second.topic;
      throw new FirebreakError(`the forum refused the topic (422): Title has already been used, also as "${distinct}"`, { code: 'forum_rejected', status: 502 });
    },
  };
}

/** The timeline entry of a forum delivery (sent or failed for good). */
export function forumTimelineEntry(event: DeliveryEvent): Omit<TimelineEntry, 'at'> | null {
  if (event.row.channel !== FORUM_CHANNEL || event.outcome === 'retry') return null;
  if (event.outcome === 'sent') {
    const topic = event.result as ForumTopic;
    return {
      kind: 'forum',
      text: `Postmortem ${topic.created ? 'posted to' : 'already on'} the governance forum: ${topic.url}`,
      actor: 'firebreak',
      data: { url: topic.url, topicId: topic.topicId, created: topic.created },
    };
  }
  return { kind: 'forum', text: `Failed to post the postmortem to the governance forum: ${event.error ?? 'unknown error'}`, actor: 'firebreak', data: { outcome: 'failed' } };
}

/** The forum as a service integration: sink, deliverer, and the timeline entry of each outcome. */
export const createForumIntegration: IntegrationFactory = (ctx) => {
  const { config, store, engine } = ctx;
  const logger = ctx.logger.child({ module: 'forum' });
  if (!config.forum) return { name: 'forum' };
  return {
    name: 'forum',
    sinks: [createForumSink(config)],
    deliverers: [createForumDeliverer({ config, db: store.db, engine })],
    async onDelivered(event) {
      const entry = forumTimelineEntry(event);
      if (!entry || !event.row.incidentId) return;
      await engine.record(event.row.incidentId, [entry]);
      logger.info({ incident: event.row.incidentId, outcome: event.outcome }, 'forum delivery recorded');
    },
  };
};
