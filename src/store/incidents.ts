/**
 * Incidents in the store: one row per incident (its state as JSON, with a version for optimistic
 * concurrency), an append-only timeline table (a trigger refuses updates and deletes), and action
 * items. The unique index on open keys makes "one open incident per dedup key" a database fact.
 */
import { storableJson } from '../core/text.ts';
import { sql } from 'kysely';
import type { ActionItem, Incident, TimelineEntry } from '../core/types.ts';
import { ConflictError } from '../core/errors.ts';
import type { Db } from './store.ts';

type IncidentState = Omit<Incident, 'timeline' | 'actionItems'>;

export interface StoredIncident {
  incident: Incident;
  version: number;
}

export async function nextIncidentId(db: Db): Promise<{ id: string; number: number }> {
  const result = await sql<{ n: string }>`select nextval('incident_number') as n`.execute(db);
  const number = Number(result.rows[0]!.n);
  return { id: `INC-${String(number).padStart(4, '0')}`, number };
}

function state(incident: Incident): IncidentState {
  const { timeline: _timeline, actionItems: _items, ...rest } = incident;
  return rest;
}

export async function insertIncident(db: Db, incident: Incident, number: number): Promise<void> {
  await db
    .insertInto('incidents')
    .values({
      id: incident.id,
      number,
      key: incident.key,
      status: incident.status,
      severity: incident.severity,
      opened_at: incident.startedAt,
      resolved_at: incident.resolvedAt,
      updated_at: new Date(),
      version: 1,
      data: storableJson(state(incident)),
    })
    .execute();
  await appendTimeline(db, incident.id, incident.timeline);
}

/** Save a changed incident; fails with ConflictError when someone else changed it first. */
export async function saveIncident(db: Db, incident: Incident, expectedVersion: number, newEntries: TimelineEntry[]): Promise<number> {
  const result = await db
    .updateTable('incidents')
    .set({
      status: incident.status,
      severity: incident.severity,
      resolved_at: incident.resolvedAt,
      updated_at: new Date(),
      version: expectedVersion + 1,
      data: storableJson(state(incident)),
    })
    .where('id', '=', incident.id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new ConflictError(`incident ${incident.id} changed concurrently; retry`, { details: { id: incident.id } });
  }
  await appendTimeline(db, incident.id, newEntries);
  return expectedVersion + 1;
}

export async function appendTimeline(db: Db, incidentId: string, entries: TimelineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('timeline')
    .values(
      entries.map((e) => ({
        incident_id: incidentId,
        at: e.at,
        kind: e.kind,
        text: e.text,
        actor: e.actor ?? null,
        data: e.data ? storableJson(e.data) : null,
      })),
    )
    .execute();
}

async function hydrate(db: Db, rows: Array<{ id: string; data: unknown; version: number }>, withTimeline: boolean): Promise<StoredIncident[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const timeline = withTimeline
    ? await db.selectFrom('timeline').selectAll().where('incident_id', 'in', ids).orderBy('id').execute()
    : [];
  const items = await db.selectFrom('action_items').selectAll().where('incident_id', 'in', ids).orderBy('id').execute();
  // one pass over each table, grouped by incident (a page of 500 incidents has thousands of entries)
  const timelineOf = new Map<string, TimelineEntry[]>();
  for (const t of timeline) {
    const entry: TimelineEntry = { at: new Date(t.at).toISOString(), kind: t.kind as TimelineEntry['kind'], text: t.text };
    if (t.actor) entry.actor = t.actor;
    if (t.data) entry.data = (typeof t.data === 'string' ? JSON.parse(t.data) : t.data) as Record<string, unknown>;
    const list = timelineOf.get(t.incident_id);
    if (list) list.push(entry);
    else timelineOf.set(t.incident_id, [entry]);
  }
  const itemsOf = new Map<string, ActionItem[]>();
  for (const i of items) {
    const list = itemsOf.get(i.incident_id);
    if (list) list.push(toActionItem(i));
    else itemsOf.set(i.incident_id, [toActionItem(i)]);
  }
  return rows.map((row) => {
    const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as IncidentState;
    return {
      version: Number(row.version),
      incident: { ...data, timeline: timelineOf.get(row.id) ?? [], actionItems: itemsOf.get(row.id) ?? [] },
    };
  });
}

function toActionItem(row: {
  id: string | number;
  title: string;
  owner: string;
  due: string;
  priority: string;
  status: string;
  created_at: Date | string;
}): ActionItem {
  return {
    id: Number(row.id),
    title: row.title,
    owner: row.owner,
    due: row.due,
    priority: row.priority as ActionItem['priority'],
    status: row.status as ActionItem['status'],
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function getIncident(db: Db, id: string): Promise<StoredIncident | undefined> {
  const rows = await db.selectFrom('incidents').select(['id', 'data', 'version']).where('id', '=', id).execute();
  return (await hydrate(db, rows, true))[0];
}

export async function findOpenByKey(db: Db, key: string): Promise<StoredIncident | undefined> {
  const rows = await db
    .selectFrom('incidents')
    .select(['id', 'data', 'version'])
    .where('key', '=', key)
    .where('status', '<>', 'resolved')
    .execute();
  return (await hydrate(db, rows, true))[0];
}

export async function listIncidents(
  db: Db,
  filter: { status?: 'open' | 'resolved' | 'all'; limit?: number; withTimeline?: boolean } = {},
): Promise<StoredIncident[]> {
  let query = db.selectFrom('incidents').select(['id', 'data', 'version']).orderBy('number', 'desc').limit(filter.limit ?? 200);
  if (filter.status === 'open') query = query.where('status', '<>', 'resolved');
  if (filter.status === 'resolved') query = query.where('status', '=', 'resolved');
  return hydrate(db, await query.execute(), filter.withTimeline ?? true);
}

/**
 * What the engine's tick must look at: every open incident (however many and however old), and
 * of the resolved ones only those resolved since `resolvedSince` (postmortem due) or with an open
 * action item (reminders). Oldest first; without timelines.
 */
export async function listIncidentsForTick(db: Db, resolvedSince: Date): Promise<StoredIncident[]> {
  const rows = await db
    .selectFrom('incidents')
    .select(['id', 'data', 'version'])
    .where((eb) =>
      eb.or([
        eb('status', '<>', 'resolved'),
        eb('resolved_at', '>=', resolvedSince),
        eb.exists(eb.selectFrom('action_items').select('action_items.id').whereRef('action_items.incident_id', '=', 'incidents.id').where('action_items.status', '=', 'open')),
      ]),
    )
    .orderBy('number', 'asc')
    .execute();
  return hydrate(db, rows, false);
}

export async function insertActionItem(
  db: Db,
  incidentId: string,
  item: { title: string; owner: string; due: string; priority: ActionItem['priority'] },
  now: Date,
): Promise<ActionItem> {
  const row = await db
    .insertInto('action_items')
    .values({ incident_id: incidentId, ...item, status: 'open', created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toActionItem(row);
}
