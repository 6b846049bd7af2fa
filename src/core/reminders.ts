/**
 * Reminders to ops for postmortem action items: when an open item's due date has come, one
 * reminder (timeline entry kind `reminder` + a `notify` of kind `reminder`) — once per item per due
 * date, so changing the due date earns a new reminder and a tick running twice does not. Pure.
 * (The postmortem's own due time is `postmortem_due`, emitted by tickIncident.)
 */
import type { Effect } from './effects.ts';
import type { ActionItem, Incident, TimelineEntry } from './types.ts';

/** When an item is due: a date (`2026-12-01`, start of that UTC day) or a full ISO time; null if unreadable. */
export function dueAt(item: Pick<ActionItem, 'due'>): number | null {
  const text = item.due.trim();
  const value = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isFinite(value) ? value : null;
}

function reminded(incident: Pick<Incident, 'timeline'>, item: ActionItem): boolean {
  return incident.timeline.some(
    (entry) => entry.kind === 'reminder' && entry.data?.actionItem === item.id && entry.data?.due === item.due,
  );
}

/** Open action items whose due date has come and that were not reminded for this due date yet. */
export function dueActionItems(incident: Pick<Incident, 'timeline'>, actionItems: ActionItem[], now: Date): ActionItem[] {
  return actionItems
    .filter((item) => item.status === 'open')
    .filter((item) => {
      const at = dueAt(item);
      return at !== null && at <= now.getTime() && !reminded(incident, item);
    })
    .sort((a, b) => a.id - b.id);
}

/** The reminders to add on this tick: timeline entries and `notify` effects (audience ops). */
export function dueReminders(
  incident: Pick<Incident, 'id' | 'timeline'>,
  actionItems: ActionItem[],
  now: Date,
): { entries: TimelineEntry[]; effects: Effect[] } {
  const entries: TimelineEntry[] = [];
  const effects: Effect[] = [];
  for (const item of dueActionItems(incident, actionItems, now)) {
    const text = `Action item #${item.id} is due (${item.due}): ${item.title} — owner ${item.owner}, ${item.priority} priority`;
    entries.push({ at: now.toISOString(), kind: 'reminder', text, actor: 'firebreak', data: { actionItem: item.id, due: item.due } });
    effects.push({
      type: 'notify',
      kind: 'reminder',
      dedup: `reminder:action-item:${item.id}:${item.due}`,
      message: text,
      vars: { audiences: ['ops'], text, actionItem: item.id, title: item.title, owner: item.owner, due: item.due, priority: item.priority },
    });
  }
  return { entries, effects };
}
