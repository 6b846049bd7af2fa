/**
 * Republishes the status mirror after incident changes, debounced: the `publish` effect only marks
 * a republish as due; this loop renders and adds the site once changes have been quiet for
 * `quietMs` (or `maxDelayMs` after the first change, so a busy incident still gets published).
 * Each version is recorded in mirror_publications; versions stay pinned while an incident that was
 * open when they were published is still open (links in messages keep working), and the newest
 * `keepVersions` always stay. The CID is written on every open incident (mirror.cid).
 */
import { reasonOf } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Incident } from '../core/types.ts';
import type { IncidentEngine } from '../incidents/engine.ts';
import { enqueue } from '../store/outbox.ts';
import type { Db } from '../store/store.ts';
import type { IpfsNode } from './ipfs.ts';
import { renderSite } from './render/site.ts';
import type { StatusSnapshot } from './render/public.ts';

/** how long the last version an incident names stays pinned after it resolved */
export const FINAL_VERSION_KEPT_MS = 30 * 86_400_000;

export interface MirrorState {
  enabled: boolean;
  cid: string | null;
  ipns: string | null;
  publishedAt: string | null;
  multiaddrs: string[];
  peerId: string | null;
  /** a republish is due (changes not yet on IPFS) */
  pending: boolean;
  lastError: string | null;
}

export interface PublisherOptions {
  db: Db;
  engine: Pick<IncidentEngine, 'record' | 'list'>;
  node: IpfsNode;
  snapshot: () => Promise<StatusSnapshot>;
  logger: Logger;
  now: () => Date;
  /** one `pin:<index>:<cid>` outbox row per remote pinning service */
  pinningServices: number;
  quietMs?: number;
  maxDelayMs?: number;
  keepVersions?: number;
  /** several instances: only the leader publishes (one IPNS sequence, one set of pins) */
  isLeader?: () => boolean;
}

export interface Publisher {
  state(): MirrorState;
  /** a change happened: publish after things are quiet */
  markDue(): void;
  /** render and publish now (waits for a publish in flight first) */
  publishNow(): Promise<string>;
  /** load the last publication, publish once */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createPublisher(options: PublisherOptions): Publisher {
  const { db, engine, node, logger } = options;
  const quietMs = options.quietMs ?? 750;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const keepVersions = options.keepVersions ?? 10;
  const state: MirrorState = {
    enabled: true,
    cid: null,
    ipns: node.ipnsName,
    publishedAt: null,
    multiaddrs: [],
    peerId: node.peerId,
    pending: false,
    lastError: null,
  };
  let quietTimer: NodeJS.Timeout | undefined;
  let maxTimer: NodeJS.Timeout | undefined;
  let running: Promise<string> | null = null;
  let stopped = false;

  function clearTimers(): void {
    clearTimeout(quietTimer);
    clearTimeout(maxTimer);
    quietTimer = maxTimer = undefined;
  }

  function fire(): void {
    clearTimers();
    // a follower keeps the change pending; it publishes if it becomes the leader
    if (options.isLeader && !options.isLeader()) return;
    publishNow().catch(() => {});
  }

  async function publishOnce(): Promise<string> {
    state.pending = false;
    const snapshot = await options.snapshot();
    const cid = await node.addSite(renderSite(snapshot));
    await node.publishName(cid);
    const at = options.now();
    const previousAt = state.publishedAt ? new Date(state.publishedAt) : null;
    const open = snapshot.incidents.filter((i) => i.status !== 'resolved');
    await db
      .insertInto('mirror_publications')
      .values({ cid, ipns: node.ipnsName, published_at: at, open_incidents: JSON.stringify(open.map((i) => i.id)) as never })
      .execute();
    state.cid = cid;
    state.publishedAt = at.toISOString();
    state.lastError = null;
    logger.info({ cid, ipns: node.ipnsName, open: open.length }, 'status mirror published');
    const announced = await recordOnIncidents(snapshot.incidents, cid, previousAt ?? new Date(at.getTime() - 15 * 60_000));
    if (options.pinningServices > 0) {
      const rows = Array.from({ length: options.pinningServices }, (_, index) => ({
        key: `pin:${index}:${cid}`,
        incidentId: announced[0] ?? open[0]?.id ?? null,
        // one channel per CID: a pin retrying never holds back the next status page's pin
        channel: `pin:${index}:${cid}`,
        kind: 'pin',
        payload: { cid, name: `firebreak-status-${at.toISOString()}`, origins: node.multiaddrs(), incidents: announced },
      }));
      await enqueue(db, rows, at);
    }
    await unpinOld().catch((error: unknown) => logger.warn({ reason: reasonOf(error) }, 'unpinning old mirror versions failed'));
    return cid;
  }

  /**
   * mirror.cid on every open incident (a patch, no timeline entry); a timeline entry only when
   * the incident's status or severity changed since the last announced version, so a busy
   * incident's timeline is not flooded by one line per republish. Returns the announced ids.
   */
  async function recordOnIncidents(incidents: Incident[], cid: string, since: Date): Promise<string[]> {
    const announced: string[] = [];
    for (const incident of incidents) {
      // incidents resolved before the previous version was published are history: leave them alone
      if (incident.status === 'resolved' && (!incident.resolvedAt || new Date(incident.resolvedAt) < since)) continue;
      const lastMirror = [...incident.timeline].reverse().find((t) => t.kind === 'mirror');
      const changed = !lastMirror || lastMirror.data?.status !== incident.status || lastMirror.data?.severity !== incident.severity;
      const open = incident.status !== 'resolved';
      // a resolved incident gets its final announcement (the page that shows it resolved), then nothing
      if (!open && !changed) continue;
      const entries = changed
        ? [{ kind: 'mirror' as const, text: `Status mirror updated: ipfs://${cid}`, actor: 'firebreak', data: { cid, status: incident.status, severity: incident.severity } }]
        : [];
      try {
        await engine.record(incident.id, entries, (current) => ({ ...current, mirror: { cid } }));
        if (changed) announced.push(incident.id);
      } catch (error) {
        logger.warn({ incident: incident.id, reason: reasonOf(error) }, 'recording the mirror CID failed');
      }
    }
    return announced;
  }

  async function unpinOld(): Promise<void> {
    const rows = await db.selectFrom('mirror_publications').selectAll().where('unpinned_at', 'is', null).orderBy('id', 'desc').execute();
    if (rows.length <= keepVersions) return;
    const incidents = await engine.list({ status: 'all', limit: 500 });
    const openIds = new Set(incidents.filter((i) => i.status !== 'resolved').map((i) => i.id));
    // the version an incident names last (its resolved message links it) stays for a while
    const horizon = options.now().getTime() - FINAL_VERSION_KEPT_MS;
    const named = new Set(incidents.filter((i) => i.mirror.cid && (i.status !== 'resolved' || new Date(i.resolvedAt ?? 0).getTime() > horizon)).map((i) => i.mirror.cid));
    const idsOf = (row: (typeof rows)[number]) => (typeof row.open_incidents === 'string' ? JSON.parse(row.open_incidents) : row.open_incidents) as string[];
    const stillNeeded = (row: (typeof rows)[number], index: number) => index < keepVersions || named.has(row.cid) || idsOf(row).some((id) => openIds.has(id));
    const keep = new Set(rows.filter(stillNeeded).map((r) => r.cid));
    for (const [index, row] of rows.entries()) {
      if (stillNeeded(row, index)) continue;
      // the same bytes can be published twice (same CID): unpin only when no kept version has it
      if (!keep.has(row.cid)) await node.unpin(row.cid);
      await db.updateTable('mirror_publications').set({ unpinned_at: options.now() }).where('id', '=', row.id).execute();
      logger.debug({ cid: row.cid }, 'old mirror version unpinned');
    }
  }

  async function publishNow(): Promise<string> {
    if (running) await running.catch(() => {});
    if (running) return running;
    running = publishOnce()
      .catch((error: unknown) => {
        state.lastError = reasonOf(error);
        state.pending = true;
        logger.error({ reason: state.lastError }, 'status mirror publish failed; will retry');
        if (!stopped) quietTimer = setTimeout(fire, Math.max(quietMs, 5_000));
        throw error;
      })
      .finally(() => {
        running = null;
        // changes that arrived while publishing
        if (state.pending && !stopped && !quietTimer) quietTimer = setTimeout(fire, quietMs);
      });
    return running;
  }

  return {
    state: () => ({ ...state, multiaddrs: node.multiaddrs() }),
    markDue() {
      if (stopped) return;
      state.pending = true;
      if (running) return; // the finally above schedules the next one
      clearTimeout(quietTimer);
      quietTimer = setTimeout(fire, quietMs);
      maxTimer ??= setTimeout(fire, maxDelayMs);
    },
    publishNow,
    async start() {
      const last = await db.selectFrom('mirror_publications').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (last) {
        state.cid = last.cid;
        state.publishedAt = new Date(last.published_at as unknown as string).toISOString();
      } else {
        // a previous run with an in-memory store: the IPNS record still names its latest version
        state.cid = await node.resolveName();
      }
      // the page shows live figures: publish the current state once at start
      this.markDue();
    },
    async stop() {
      stopped = true;
      clearTimers();
      if (running) await running.catch(() => {});
    },
  };
}
