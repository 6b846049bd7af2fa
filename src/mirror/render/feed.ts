/** The Atom feed of public status updates (RFC 4287), newest first. Pure. */
import { SEVERITY_LABEL, type StatusSnapshot, incidentLink, openIncidents, publicUpdates, recentlyResolved } from './public.ts';
import { escapeXml as x } from './text.ts';

export function renderFeed(snapshot: StatusSnapshot, options: { limit?: number } = {}): string {
  const incidents = [...openIncidents(snapshot), ...recentlyResolved(snapshot, 50)];
  const entries = incidents
    .flatMap((incident) => publicUpdates(incident).map((update) => ({ incident, update })))
    .sort((a, b) => b.update.at.localeCompare(a.update.at))
    .slice(0, options.limit ?? 50);
  const updated = entries[0]?.update.at ?? snapshot.generatedAt.toISOString();
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>urn:firebreak:status:${x(slug(snapshot.page.name))}</id>
<title>${x(snapshot.page.name)} status</title>
<updated>${x(updated)}</updated>
<author><name>${x(snapshot.page.name)}</name></author>
<link rel="alternate" type="text/html" href="${x(snapshot.page.url ?? './')}"/>
${entries
  .map(
    ({ incident, update }) => `<entry>
<id>urn:firebreak:incident:${x(incident.id)}:update:${x(update.id)}</id>
<title>${x(`[${incident.status === 'resolved' ? 'Resolved' : SEVERITY_LABEL[incident.severity]}] ${incident.title} — ${update.status}`)}</title>
<updated>${x(update.at)}</updated>
<published>${x(update.at)}</published>
<link rel="alternate" type="text/html" href="${x(snapshot.page.url ? incidentLink(snapshot, incident.id) : `./#${incident.id}`)}"/>
<content type="text">${x(update.body)}</content>
</entry>`,
  )
  .join('\n')}
</feed>
`;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'page';
}
