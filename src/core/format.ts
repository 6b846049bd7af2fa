/** Numbers for people: "$40,000", "$1.2M" is not used; operators want the exact figure. */
export function formatUsd(value: number): string {
  const rounded = Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
  return (
    '$' +
    rounded.toLocaleString('en-US', {
      minimumFractionDigits: 0,
      maximumFractionDigits: Math.abs(value) >= 100 ? 0 : 2,
    })
  );
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** "2026-11-24 10:03 UTC" */
export function formatUtc(iso: string | Date): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  return date.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function plural(count: number, one: string, many = one + 's'): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** For HTML text and attribute values (double or single quoted). */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
