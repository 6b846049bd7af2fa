/** Text answers to `/incident` commands (Discord markdown, outside text escaped). Pure. */
import { formatDuration } from '../../core/duration.ts';
import { formatCount, formatUsd, formatUtc } from '../../core/format.ts';
import type { Incident } from '../../core/types.ts';
import { escapeDiscord } from '../render.ts';

export function statusReply(incident: Incident, now: Date): string {
  const lines = [
    `**${incident.id}** ${incident.severity} · ${incident.status} — ${escapeDiscord(incident.title)}`,
    `Started ${formatUtc(incident.startedAt)} (${formatDuration(now.getTime() - new Date(incident.startedAt).getTime())} ago)`,
  ];
  if (incident.impact.stuckTransfers > 0) {
    lines.push(`${formatCount(incident.impact.stuckTransfers)} transfers stuck, ${formatUsd(incident.impact.lockedUsd)} locked, oldest ${formatDuration(incident.impact.oldestStuckSeconds * 1000)}`);
  }
  lines.push(incident.acknowledgedBy ? `Acknowledged by ${escapeDiscord(incident.acknowledgedBy)}` : 'Not acknowledged yet');
  const roles = Object.entries(incident.roles).filter(([, who]) => who).map(([role, who]) => `${role}: ${escapeDiscord(who!)}`);
  if (roles.length) lines.push(`Roles: ${roles.join(', ')}`);
  if (incident.nextUpdateDue) lines.push(`Next update by ${formatUtc(incident.nextUpdateDue)}`);
  return lines.join('\n');
}
