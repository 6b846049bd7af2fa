/**
 * The incident engine: applies the pure rules of core/incident.ts to incidents in the store. Each
 * change runs in one transaction that saves the incident, appends its timeline entries and lets
 * every effect sink (comms, governance, mirror) plan its work in the outbox — so an incident change
 * and the messages it causes are committed together or not at all. Changes are serialized in the
 * process and guarded by a version number across processes.
 */
import type { ActionItemInput, DeclareInput, IncidentCommands, UpdateInput } from '../core/commands.ts';
import type { Effect } from '../core/effects.ts';
import { BadRequestError, ConflictError, NotFoundError, reasonOf } from '../core/errors.ts';
import {
  type IncidentRules,
  type Transition,
  acknowledgeIncident,
  addNote,
  applyReading,
  assignRole,
  isOpen,
  openIncident,
  postUpdate,
  resolveIncident,
  setSeverity,
  tickIncident,
} from '../core/incident.ts';
import type { Logger } from '../core/log.ts';
import { dueAt, dueReminders } from '../core/reminders.ts';
import { isWorse } from '../core/severity.ts';
import type { ActionItem, Detection, Incident, Role, Severity, TimelineEntry } from '../core/types.ts';
import { ROLES, SEVERITIES } from '../core/types.ts';
import type { Config } from '../config/types.ts';
import type { EffectSink } from '../store/effects.ts';
import {
  findOpenByKey,
  getIncident,
  insertActionItem,
  insertIncident,
  listIncidents,
  listIncidentsForTick,
  nextIncidentId,
  saveIncident,
} from '../store/incidents.ts';
import type { Db, Store } from '../store/store.ts';
import { recentChangeEntries, recentChanges, unrecordedChangeEntries } from './recent-changes.ts';
import { cutCodePoints } from '../core/text.ts';

export interface IncidentChange {
  incident: Incident;
  entries: TimelineEntry[];
  effects: Effect[];
}

export interface InboundAlert {
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key: string;
  payload?: { summary: string; source: string; severity: 'critical' | 'error' | 'warning' | 'info' };
}

export interface IncidentEngineOptions {
  store: Store;
  config: Config;
  logger: Logger;
  sinks?: EffectSink[];
  now?: () => Date;
}

export function rulesFrom(config: Config): IncidentRules {
  const { playbooks } = config;
  return {
    levels: playbooks.levels,
    pageMinSeverity: Object.fromEntries(Object.values(playbooks.runbooks).map((r) => [r.kind, r.pageMinSeverity])),
    quietPeriodMs: playbooks.quietPeriodMs,
    postmortemDueAfterMs: playbooks.postmortemDueAfterMs,
    tiers: config.oncall.tiers.map((t) => ({ name: t.name, ackTimeoutMs: t.ackTimeoutMs })),
    maintenance: config.maintenance.map((w) => ({ startMs: w.start.getTime(), endMs: w.end.getTime(), bridges: w.bridges, note: w.note })),
  };
}

/** PagerDuty severities onto ours (SPEC §4). */
export const ALERT_SEVERITY: Record<string, Severity> = { critical: 'S1', error: 'S2', warning: 'S3', info: 'S3' };

export function createIncidentEngine(options: IncidentEngineOptions) {
  const { store, config, logger } = options;
  const now = options.now ?? (() => new Date());
  const rules = rulesFrom(config);
  const sinks = [...(options.sinks ?? [])];
  const listeners: Array<(change: IncidentChange) => void> = [];
  let queue: Promise<unknown> = Promise.resolve();

  /** one change at a time in this process; the version check covers other processes */
  function serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  }

  async function plan(trx: Db, change: IncidentChange, at: Date): Promise<void> {
    for (const effect of change.effects) for (const sink of sinks) await sink.plan(trx, effect, change.incident, at);
  }

  function emit(change: IncidentChange): void {
    if (change.entries.length === 0 && change.effects.length === 0) return;
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (error) {
        logger.error({ reason: reasonOf(error) }, 'incident listener failed');
      }
    }
  }

  /** load → transition → save + timeline + planned effects, in one transaction; retried on conflicts */
  async function mutate(id: string, fn: (incident: Incident, at: Date) => Transition | null): Promise<Incident> {
    return serialized(async () => {
      for (let attempt = 0; ; attempt++) {
        const at = now();
        try {
          const change = await store.transaction(async (trx) => {
            const stored = await getIncident(trx, id);
            if (!stored) throw new NotFoundError(`no incident ${id}`);
            const transition = fn(stored.incident, at);
            if (!transition || (transition.entries.length === 0 && transition.effects.length === 0 && transition.incident === stored.incident)) {
              return { incident: stored.incident, entries: [], effects: [] };
            }
            await saveIncident(trx, transition.incident, stored.version, transition.entries);
            await plan(trx, transition, at);
            return transition;
          });
          emit(change);
          return change.incident;
        } catch (error) {
          if (error instanceof ConflictError && attempt < 3) continue;
          throw error;
        }
      }
    });
  }

  /** "what changed": admin events on the bridge's contracts in the 24 h before detection */
  async function whatChanged(trx: Db, detection: Detection | undefined, at: Date): Promise<TimelineEntry[]> {
    if (!detection?.bridgeId) return [];
    const detectedAt = detection.observedAt ?? Math.floor(at.getTime() / 1000);
    const changes = await recentChanges(trx, config, detection.bridgeId, detectedAt);
    return recentChangeEntries(changes, detectedAt, adviceFor(detection.kind), at);
  }

  async function open(input: Parameters<typeof openIncident>[1] extends infer I ? Omit<I, 'id'> : never, detection?: Detection): Promise<Incident> {
    return serialized(async () => {
      const at = now();
      const change = await store.transaction(async (trx) => {
        const { id, number } = await nextIncidentId(trx);
        // manual incidents are keyed by their own id (`manual:*` → `manual:INC-0007`)
        const key = input.key === 'manual:*' ? `manual:${id}` : input.key;
        const opened = openIncident(rules, { ...input, key, id }, at);
        const changes = await whatChanged(trx, detection, at);
        const transition = changes.length
          ? { ...opened, incident: { ...opened.incident, timeline: [...opened.incident.timeline, ...changes] }, entries: [...opened.entries, ...changes] }
          : opened;
        await insertIncident(trx, transition.incident, number);
        await plan(trx, transition, at);
        return transition;
      });
      logger.info({ incident: change.incident.id, key: change.incident.key, severity: change.incident.severity }, 'incident opened');
      emit(change);
      return change.incident;
    });
  }

  /** MTTD: how long the oldest transfer had been stuck (past stuckAfter) when we saw it, chain time */
  function detectionDelay(detection: Detection): number | undefined {
    const bridge = detection.bridgeId ? config.bridges.find((b) => b.id === detection.bridgeId) : undefined;
    if (!bridge || detection.impact.stuckTransfers === 0) return undefined;
    return Math.max(0, Math.round(detection.impact.oldestStuckSeconds - bridge.stuckAfterMs / 1000));
  }

  async function observe(detection: Detection): Promise<Incident | null> {
    const existing = await findOpenByKey(store.db, detection.key);
    if (!existing) {
      if (detection.severity === null) return null;
      try {
        return await open({
          key: detection.key,
          title: detection.title,
          severity: detection.severity,
          source: detection.source,
          summary: detection.summary,
          impact: detection.impact,
          detectionDelaySeconds: detectionDelay(detection),
        }, detection);
      } catch (error) {
        // another instance opened it a moment ago (unique open key): apply the reading to theirs
        if (!/unique|duplicate/i.test(reasonOf(error))) throw error;
        const theirs = await findOpenByKey(store.db, detection.key);
        if (!theirs) throw error;
        return mutate(theirs.incident.id, (incident, at) => applyReading(rules, incident, detection, at));
      }
    }
    // admin changes made while the incident is open go on its timeline too
    const readingAt = detection.observedAt ?? Math.floor(now().getTime() / 1000);
    const changes = detection.bridgeId && detection.severity !== null ? await recentChanges(store.db, config, detection.bridgeId, readingAt) : [];
    return mutate(existing.incident.id, (incident, at) => {
      if (!isOpen(incident)) return null;
      const transition = applyReading(rules, incident, detection, at);
      const advice = adviceFor(detection.kind);
      const extra = changes.length ? unrecordedChangeEntries(transition.incident.timeline, changes, readingAt, advice, at) : [];
      if (extra.length === 0) return transition;
      return { ...transition, incident: { ...transition.incident, timeline: [...transition.incident.timeline, ...extra] }, entries: [...transition.entries, ...extra] };
    });
  }

  function adviceFor(kind: string): string | null {
    return (config.playbooks.runbooks as Record<string, { recentChangeAdvice: string | null } | undefined>)[kind]?.recentChangeAdvice ?? null;
  }

  async function tick(): Promise<void> {
    const horizon = now().getTime() - 30 * 86_400_000;
    // every open incident, however many and however old; resolved ones only while a postmortem
    // (due 24 h after resolution) or an action-item reminder may still be due
    const incidents = await listIncidentsForTick(store.db, new Date(horizon - 86_400_000));
    for (const { incident } of incidents) {
      const itemDue = incident.actionItems.some((item) => item.status === 'open' && (dueAt(item) ?? Number.POSITIVE_INFINITY) >= horizon && (dueAt(item) ?? Number.POSITIVE_INFINITY) <= now().getTime());
      if (!isOpen(incident) && !itemDue && (!incident.postmortemDue || new Date(incident.postmortemDue).getTime() < horizon)) continue;
      if (!somethingDue(incident)) continue;
      await mutate(incident.id, (current, at) => {
        const t = tickIncident(rules, current, at);
        const reminders = dueReminders(t.incident, current.actionItems, at);
        const all = reminders.entries.length
          ? { incident: { ...t.incident, timeline: [...t.incident.timeline, ...reminders.entries] }, entries: [...t.entries, ...reminders.entries], effects: [...t.effects, ...reminders.effects] }
          : t;
        return all.entries.length || all.effects.length ? all : null;
      }).catch((error: unknown) => logger.error({ incident: incident.id, reason: reasonOf(error) }, 'incident tick failed'));
    }
  }

  /**
   * Whether the tick could change anything, judged without the timeline (an empty one can only
   * make more look due, never less): most incidents are quiet and need no read-modify-write.
   */
  function somethingDue(incident: Incident): boolean {
    const at = now();
    const t = tickIncident(rules, incident, at);
    return t.entries.length > 0 || t.effects.length > 0 || dueReminders(t.incident, incident.actionItems, at).entries.length > 0;
  }

  /** Inbound alerts live under `alert:<dedup_key>`: they can never touch a watcher's incident. */
  async function handleAlert(alert: InboundAlert, actor: string): Promise<Incident | null> {
    const key = `alert:${alert.dedup_key}`;
    const existing = await findOpenByKey(store.db, key);
    if (alert.event_action === 'trigger') {
      const payload = alert.payload!;
      const severity = ALERT_SEVERITY[payload.severity] ?? 'S3';
      if (!existing) {
        return open({
          key,
          title: payload.summary,
          severity,
          source: 'alert',
          summary: `${payload.summary} (from ${payload.source})`,
          impact: { stuckTransfers: 0, lockedUsd: 0, oldestStuckSeconds: 0, bridges: [] },
          actor,
        });
      }
      if (!isWorse(severity, existing.incident.severity)) return existing.incident;
      return mutate(existing.incident.id, (incident, at) =>
        applyReading(rules, incident, { key, source: 'watcher', kind: 'bridge-stuck', title: incident.title, severity, impact: incident.impact, summary: payload.summary }, at),
      );
    }
    if (!existing) return null;
    if (alert.event_action === 'acknowledge') return commands.acknowledge(existing.incident.id, actor);
    return commands.resolve(existing.incident.id, actor, 'resolved by the alert source');
  }

  function requireRole(role: string): Role {
    if (!(ROLES as readonly string[]).includes(role)) throw new BadRequestError(`role must be one of ${ROLES.join(', ')}`);
    return role as Role;
  }

  function requireSeverity(severity: string): Severity {
    if (!(SEVERITIES as readonly string[]).includes(severity)) throw new BadRequestError(`severity must be one of ${SEVERITIES.join(', ')}`);
    return severity as Severity;
  }

  const commands: IncidentCommands = {
    async list(filter = {}) {
      return (await listIncidents(store.db, { status: filter.status ?? 'all', limit: filter.limit })).map((s) => s.incident);
    },
    async get(id) {
      return (await getIncident(store.db, id))?.incident ?? null;
    },
    async declare(input: DeclareInput, actor: string) {
      const severity = requireSeverity(input.severity);
      if (!input.title?.trim()) throw new BadRequestError('title is required');
      return open({
        key: 'manual:*',
        title: input.title.trim(),
        severity,
        source: 'manual',
        summary: input.summary?.trim() ?? '',
        impact: { stuckTransfers: 0, lockedUsd: 0, oldestStuckSeconds: 0, bridges: [] },
        actor,
      });
    },
    acknowledge: (id, actor) => mutate(id, (incident, at) => (isOpen(incident) ? acknowledgeIncident(incident, at, actor) : null)),
    postUpdate: (id, input: UpdateInput, actor) => {
      if (!input.message?.trim()) throw new BadRequestError('message is required');
      return mutate(id, (incident, at) => {
        if (!isOpen(incident)) throw new ConflictError(`${id} is resolved`);
        return postUpdate(rules, incident, at, actor, input.message.trim(), input.status);
      });
    },
    addNote: (id, text, actor) => {
      if (!text?.trim()) throw new BadRequestError('note text is required');
      return mutate(id, (incident, at) => addNote(incident, at, actor, text.trim()));
    },
    assignRole: (id, role, who, actor) => {
      const checked = requireRole(role);
      if (!who?.trim()) throw new BadRequestError('who is required');
      return mutate(id, (incident, at) => assignRole(incident, at, actor, checked, who.trim()));
    },
    setSeverity: (id, severity, actor, reason) => {
      const checked = requireSeverity(severity);
      return mutate(id, (incident, at) => (isOpen(incident) ? setSeverity(rules, incident, at, actor, checked, reason) : null));
    },
    resolve: (id, actor, message) => mutate(id, (incident, at) => resolveIncident(rules, incident, at, actor, message)),
    async addActionItem(id, input: ActionItemInput, actor): Promise<ActionItem> {
      if (!input.title?.trim() || !input.owner?.trim() || !input.due?.trim()) throw new BadRequestError('title, owner and due are required');
      if (!['low', 'medium', 'high'].includes(input.priority)) throw new BadRequestError('priority must be low, medium or high');
      let item: ActionItem | undefined;
      await serialized(async () => {
        await store.transaction(async (trx) => {
          const stored = await getIncident(trx, id);
          if (!stored) throw new NotFoundError(`no incident ${id}`);
          item = await insertActionItem(trx, id, input, now());
          const entry: TimelineEntry = { at: now().toISOString(), kind: 'action_item', text: `Action item: ${input.title} (owner ${input.owner}, due ${input.due}, ${input.priority})`, actor };
          await saveIncident(trx, stored.incident, stored.version, [entry]);
        });
      });
      return item!;
    },
    async addOnce(id, input, actor) {
      let added = false;
      const incident = await mutate(id, (current, at) => {
        if (current.timeline.some((e) => e.data?.once === input.once)) return null;
        added = true;
        const entry: TimelineEntry = { at: at.toISOString(), kind: input.kind, text: input.text, actor, data: { ...input.data, once: input.once } };
        return { incident: { ...current, timeline: [...current.timeline, entry] }, entries: [entry], effects: [{ type: 'publish' }] };
      });
      return { incident, added };
    },
    async logCommand(id, text, actor) {
      await mutate(id, (incident, at) => {
        const entry: TimelineEntry = { at: at.toISOString(), kind: 'command', text: cutCodePoints(text, 500), actor };
        return { incident: { ...incident, timeline: [...incident.timeline, entry] }, entries: [entry], effects: [] };
      });
    },
  };

  return {
    ...commands,
    commands,
    observe,
    tick,
    handleAlert,
    /**
     * record something that happened outside the state machine (a message sent, a pause tx, a mirror
     * CID); `effects` (e.g. a `notify` announcing an anchored postmortem) are planned in the same transaction
     */
    record(id: string, entries: Array<Omit<TimelineEntry, 'at'>>, patch?: (incident: Incident) => Incident, effects: Effect[] = []): Promise<Incident> {
      return mutate(id, (incident, at) => {
        const stamped = entries.map((e) => ({ ...e, at: at.toISOString() }));
        const patched = patch ? patch(incident) : incident;
        return { incident: { ...patched, timeline: [...incident.timeline, ...stamped] }, entries: stamped, effects };
      });
    },
    addSink(sink: EffectSink): void {
      sinks.push(sink);
    },
    onChange(listener: (change: IncidentChange) => void): () => void {
      listeners.push(listener);
      return () => listeners.splice(listeners.indexOf(listener), 1);
    },
    rules,
  };
}

export type IncidentEngine = ReturnType<typeof createIncidentEngine>;
