/**
 * The public status page: ONE self-contained index.html (inline CSS, no scripts, fonts or images,
 * relative links only) so it reads the same from /status, from any IPFS gateway and offline.
 * Everything that came from outside is escaped; a CSP meta tag forbids scripts as a second fence.
 */
import { formatUtc } from '../../core/format.ts';
import type { Incident } from '../../core/types.ts';
import type { MaintenanceWindow } from '../../config/types.ts';
import {
  COMPONENT_LABEL,
  SEVERITY_LABEL,
  type StatusSnapshot,
  activeMaintenance,
  componentStates,
  impactSentence,
  openIncidents,
  overallStatus,
  publicUpdates,
  recentlyResolved,
  upcomingMaintenance,
} from './public.ts';
import { bridgeHistory, HISTORY_DAYS, renderHistoryBar, renderSparkline } from './charts.ts';
import { escapeHtml as e, formatSpan } from './text.ts';

export interface PageOptions {
  /** prefix for the links to summary.json/history.json/feed.xml ('' on IPFS, 'status/' at /status) */
  linkPrefix?: string;
  /** updates shown per open incident */
  updatesShown?: number;
}

const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#111;--muted:#4a4a4a;--card:#f4f5f7;--line:#d0d4da;
--ok:#0b6b2f;--minor:#7a4d00;--major:#a12a00;--critical:#9b0020;--maint:#1d4f91;--low:#5b6b00}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--fg:#f2f2f2;--muted:#c4c8ce;--card:#1c2128;--line:#3a414b;
--ok:#7ee2a0;--minor:#ffd27a;--major:#ffab85;--critical:#ff9aa9;--maint:#9cc3ff;--low:#d7e37a}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:46rem;margin:0 auto;padding:1rem;overflow-wrap:anywhere}h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
h3{font-size:1.1rem;margin:0 0 .25rem}.banner{border-radius:.5rem;padding:1rem;font-weight:700;font-size:1.15rem;border:2px solid currentColor}
.s-none{color:var(--ok)}.s-minor{color:var(--minor)}.s-major{color:var(--major)}.s-critical{color:var(--critical)}.s-maintenance{color:var(--maint)}
article,.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:1rem;margin:.75rem 0;overflow-wrap:anywhere}
.meta{color:var(--muted);font-size:.95rem}.badge{display:inline-block;border:1px solid currentColor;border-radius:1rem;padding:0 .6rem;font-size:.9rem;font-weight:700}
ol.updates{list-style:none;padding:0;margin:.5rem 0 0}ol.updates li{border-top:1px solid var(--line);padding:.5rem 0}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:.35rem .25rem;border-bottom:1px solid var(--line)}
a{color:inherit}footer{color:var(--muted);font-size:.9rem;margin:2rem 0 1rem}code{font-size:.85rem;word-break:break-all}
figure{margin:.75rem 0}.history svg{display:block;width:100%;height:2.25rem}.axis{display:flex;justify-content:space-between;margin:.1rem 0 0;font-size:.8rem}
.d-ok{fill:var(--ok)}.d-maint{fill:var(--maint)}.d-critical{fill:var(--critical)}.d-major{fill:var(--major)}.d-minor{fill:var(--minor)}.d-low{fill:var(--low)}
.spark svg{display:block;width:100%;height:3rem;background:var(--bg);border:1px solid var(--line);border-radius:.25rem}
.spark-line{fill:none;stroke:var(--major);stroke-width:2}.spark-area{fill:var(--major);opacity:.15}.spark figcaption{margin-top:.2rem}
`;

export function renderStatusPage(snapshot: StatusSnapshot, options: PageOptions = {}): string {
  const prefix = options.linkPrefix ?? '';
  const overall = overallStatus(snapshot);
  const open = openIncidents(snapshot);
  const resolved = recentlyResolved(snapshot);
  const maintenance = [...activeMaintenance(snapshot), ...upcomingMaintenance(snapshot)];
  const components = componentStates(snapshot);
  const name = e(snapshot.page.name);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${name} status</title>
<link rel="alternate" type="application/atom+xml" title="${name} status updates" href="${e(prefix)}feed.xml">
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<h1>${name} status</h1>
<p class="banner s-${e(overall.indicator)}" role="status" id="overall">${e(overall.description)}</p>
<p class="meta">Updated <time datetime="${e(snapshot.generatedAt.toISOString())}">${e(formatUtc(snapshot.generatedAt))}</time>. All times are UTC.</p>
</header>
<section aria-labelledby="open-h">
<h2 id="open-h">Open incidents</h2>
${open.length === 0 ? '<p>No open incidents.</p>' : open.map((i) => renderIncident(i, snapshot, options.updatesShown ?? 5)).join('\n')}
</section>
${
  maintenance.length
    ? `<section aria-labelledby="maint-h">
<h2 id="maint-h">Maintenance</h2>
${maintenance.map((w) => renderMaintenance(w, snapshot.generatedAt)).join('\n')}
</section>`
    : ''
}
<section aria-labelledby="comp-h">
<h2 id="comp-h">Bridges and chains</h2>
<table>
<thead><tr><th scope="col">Component</th><th scope="col">State</th></tr></thead>
<tbody>
${components.map((c) => `<tr><td>${e(c.name)}</td><td>${e(COMPONENT_LABEL[c.status])}</td></tr>`).join('\n')}
</tbody>
</table>
</section>
<section aria-labelledby="history-h">
<h2 id="history-h">Past ${HISTORY_DAYS} days</h2>
${snapshot.components.bridges.map((b) => renderHistoryBar(b.name, bridgeHistory(snapshot.incidents, snapshot.maintenance, b.id, snapshot.generatedAt))).join('\n')}
<p class="meta">One bar per UTC day, coloured by the worst incident that day: green none, blue maintenance, then low, minor, major, critical.</p>
</section>
<section aria-labelledby="resolved-h">
<h2 id="resolved-h">Recently resolved</h2>
${resolved.length === 0 ? '<p>Nothing resolved in the last 7 days.</p>' : resolved.map(renderResolved).join('\n')}
</section>
<footer>
<p>This page is also published on IPFS, content-addressed: a copy from any IPFS gateway or node is byte-for-byte what Firebreak published.${
    snapshot.ipns ? ` Latest version: <code>ipns://${e(snapshot.ipns)}</code>.` : ''
  }</p>
<p>Machine-readable: <a href="${e(prefix)}summary.json">summary.json</a> · <a href="${e(prefix)}history.json">history.json</a> · <a href="${e(prefix)}feed.xml">Atom feed</a></p>
</footer>
</main>
</body>
</html>
`;
}

function renderIncident(incident: Incident, snapshot: StatusSnapshot, shown: number): string {
  const updates = publicUpdates(incident).reverse().slice(0, shown);
  const since = Math.max(0, (snapshot.generatedAt.getTime() - new Date(incident.startedAt).getTime()) / 1000);
  const bridgeNames = incident.impact.bridges.map((id) => snapshot.components.bridges.find((b) => b.id === id)?.name ?? id);
  const due = incident.nextUpdateDue;
  return `<article aria-labelledby="${e(incident.id)}-h" id="${e(incident.id)}">
<h3 id="${e(incident.id)}-h">${e(incident.title)}</h3>
<p><span class="badge s-${severityClass(incident)}">${e(SEVERITY_LABEL[incident.severity])}</span> <span class="badge">${e(incident.status)}</span> <span class="meta">${e(incident.id)} · since ${e(formatUtc(incident.startedAt))} (${e(formatSpan(since))})</span></p>
<p><strong>Impact:</strong> ${e(impactSentence(incident.impact))}${
    bridgeNames.length ? ` ${bridgeNames.length === 1 ? 'Bridge' : 'Bridges'}: ${e(bridgeNames.join(', '))}.` : ''
  }</p>
${renderSparkline(incident, snapshot.generatedAt)}
${due ? `<p class="meta">Next update due by <time datetime="${e(due)}">${e(formatUtc(due))}</time>.</p>` : ''}
${updates.length ? `<ol class="updates" reversed>${updates.map((u) => `<li><time datetime="${e(u.at)}">${e(formatUtc(u.at))}</time> · <strong>${e(u.status)}</strong><br>${e(u.body)}</li>`).join('')}</ol>` : ''}
</article>`;
}

function renderResolved(incident: Incident): string {
  const last = publicUpdates(incident).at(-1);
  const duration = incident.resolvedAt ? (new Date(incident.resolvedAt).getTime() - new Date(incident.startedAt).getTime()) / 1000 : 0;
  return `<div class="card"><h3>${e(incident.title)}</h3>
<p class="meta">${e(incident.id)} · ${e(SEVERITY_LABEL[incident.peakSeverity ?? incident.severity])} · resolved ${e(formatUtc(incident.resolvedAt ?? incident.startedAt))} after ${e(formatSpan(duration))}</p>
<p>At worst: ${e(impactSentence(incident.peakImpact))}</p>${last ? `\n<p>${e(last.body)}</p>` : ''}</div>`;
}

function renderMaintenance(window: MaintenanceWindow, now: Date): string {
  const active = window.start.getTime() <= now.getTime();
  return `<div class="card"><p><span class="badge s-maintenance">${active ? 'In progress' : 'Scheduled'}</span> <time datetime="${e(window.start.toISOString())}">${e(formatUtc(window.start))}</time> – <time datetime="${e(window.end.toISOString())}">${e(formatUtc(window.end))}</time></p>
<p>${window.bridges.length ? `Bridges: ${e(window.bridges.join(', '))}.` : 'All bridges.'}${window.note ? ` ${e(window.note)}` : ''}</p></div>`;
}

function severityClass(incident: Incident): string {
  return { S0: 'critical', S1: 'major', S2: 'minor', S3: 'none' }[incident.severity];
}
