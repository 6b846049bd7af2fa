/**
 * The rollback advice on an incident's timeline (written by src/governance/rollback/advice.ts when
 * "what changed" shows an `Upgraded` of a proxy listed in `rollbacks`), read back purely: the war
 * room's briefing carries the same words the incident got.
 */
import type { Incident } from './types.ts';

/** The `rule` of the recommendation the rollback advisor records. */
export const ROLLBACK_ADVICE_RULE = 'rollback-available';

interface AdviceData {
  rule?: string;
  proxy?: string;
  usable?: boolean;
  fromImpl?: string;
  running?: string;
}

/**
 * The allowed rollback and how to run it, as the incident's advice says it: the latest advice per
 * proxy that governance's allowance makes usable (the proxy runs its fromImpl), unless that proxy
 * was rolled back already on this incident. Null when none.
 */
export function allowedRollback(incident: Pick<Incident, 'timeline' | 'governance'>): string | null {
  const latest = new Map<string, { text: string; data: AdviceData }>();
  for (const entry of incident.timeline) {
    const data = (entry.data ?? {}) as AdviceData;
    if (entry.kind !== 'recommendation' || data.rule !== ROLLBACK_ADVICE_RULE || !data.proxy) continue;
    latest.set(data.proxy.toLowerCase(), { text: entry.text, data });
  }
  const done = new Set(incident.governance.filter((g) => g.kind === 'rollback' && g.outcome === 'confirmed').map((g) => String(g.target ?? '').toLowerCase()));
  const usable = [...latest.entries()]
    .filter(([proxy, { data }]) => data.usable === true && !!data.fromImpl && data.running?.toLowerCase() === data.fromImpl.toLowerCase() && !done.has(proxy))
    .map(([, advice]) => advice.text);
  return usable.length > 0 ? usable.join('\n') : null;
}
