/** Escaping and plain-number wording for the public renderers. Pure. */
import { escapeHtml } from '../../core/format.ts';

export { escapeHtml };

/** For XML text and attributes; also drops characters XML 1.0 forbids (they would break the feed). */
export function escapeXml(value: unknown): string {
  return escapeHtml(String(value).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ''));
}

/** "12 h 3 min", "45 min", "2 d 4 h", "30 s" */
export function formatSpan(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return `${minutes} min`;
}
