/**
 * Maintenance windows hold pages (SPEC §2): detection and chat messages go on, but nobody is woken
 * for a bridge that is being worked on. A window with no bridges covers every incident; one with
 * bridges covers incidents touching any of them.
 */
import type { Incident } from '../../core/types.ts';
import type { MaintenanceWindow } from '../../config/types.ts';

export function windowHolding(windows: readonly MaintenanceWindow[], incident: Pick<Incident, 'impact'>, now: Date): MaintenanceWindow | null {
  const t = now.getTime();
  for (const window of windows) {
    if (t < window.start.getTime() || t >= window.end.getTime()) continue;
    if (window.bridges.length === 0 || incident.impact.bridges.some((bridge) => window.bridges.includes(bridge))) return window;
  }
  return null;
}
