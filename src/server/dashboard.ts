/**
 * The drill dashboard, server-rendered (readable without JavaScript; a meta refresh keeps it
 * live). Everything interpolated is escaped: transfer ids and names come from chains and config.
 */
import { formatDuration } from '../core/duration.ts';
import { formatUsd } from '../core/format.ts';
import type { Incident } from '../core/types.ts';
import type { BridgeJudgement } from '../watchers/bridge.ts';
import type { ChainView } from '../watchers/service.ts';

export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export interface DashboardModel {
  title: string;
  chains: ChainView[];
  bridges: Array<{ id: string; name: string; judgement: BridgeJudgement | undefined }>;
  incidents: Incident[];
  /** outbox rows per incident (messages sent or that would be sent) */
  messages?: Array<{ incidentId: string | null; channel: string; kind: string; status: string; text: string }>;
  /** the drill's write token: enables the action buttons (the drill only; never in production) */
  actionToken?: string;
  notes: string[];
  nowMs: number;
}

function chainRow(chain: ChainView, nowMs: number): string {
  const head = chain.head;
  const lag = head ? Math.max(0, Math.round(nowMs / 1000 - head.headTimestamp)) : null;
  const state = chain.unobservableSince
    ? '<span class="bad">unobservable</span>'
    : chain.halted
      ? '<span class="bad">halted</span>'
      : chain.caughtUp
        ? '<span class="ok">live</span>'
        : '<span class="warn">catching up</span>';
  return `<tr><td>${escapeHtml(chain.name)}</td><td>${head ? head.head : '–'}</td><td>${head ? head.confirmed : '–'}</td><td>${
    lag === null ? '–' : escapeHtml(formatDuration(lag * 1000))
  }</td><td>#${chain.rpc}</td><td>${state}</td></tr>`;
}

function bridgeSection(entry: DashboardModel['bridges'][number]): string {
  const j = entry.judgement;
  if (!j) return `<section><h2>${escapeHtml(entry.name)}</h2><p class="warn">not judged yet: both chains are still being read to their confirmed heads</p></section>`;
  const severity = j.severity ? `<span class="sev sev-${j.severity}">${j.severity}</span>` : '<span class="ok">healthy</span>';
  const rows = j.transfers
    .filter((t) => t.stuck)
    .slice(0, 50)
    .map(
      (t) =>
        `<tr><td><code>${escapeHtml(t.id.length > 20 ? `${t.id.slice(0, 10)}…${t.id.slice(-6)}` : t.id)}</code></td><td>${escapeHtml(t.symbol ?? '?')}</td><td>${
          t.valueUsd === null ? '<span class="warn">unpriced</span>' : escapeHtml(formatUsd(t.valueUsd))
        }</td><td>${escapeHtml(formatDuration(t.ageSeconds * 1000))}</td></tr>`,
    )
    .join('');
  return `<section><h2>${escapeHtml(entry.name)} ${severity}</h2>
<p><b>${j.stuck}</b> stuck of ${j.pending} pending · <b>${escapeHtml(formatUsd(j.lockedUsd))}</b> locked${
    j.stuck ? ` · oldest ${escapeHtml(formatDuration(j.oldestStuckSeconds * 1000))}` : ''
  }${j.unpriced ? ` · ${j.unpriced} unpriced` : ''}${j.destinationHalted ? ' · <span class="bad">destination halted</span>' : ''}</p>
${j.warnings.map((w) => `<p class="warn">${escapeHtml(w)}</p>`).join('')}
${rows ? `<table><tr><th>transfer</th><th>token</th><th>value</th><th>age</th></tr>${rows}</table>` : ''}
</section>`;
}

function incidentSection(incident: Incident, model: DashboardModel): string {
  const sev = `<span class="sev sev-${escapeHtml(incident.severity)}">${escapeHtml(incident.severity)}</span>`;
  const i = incident.impact;
  const p = incident.peakImpact;
  const timeline = incident.timeline
    .slice(-25)
    .reverse()
    .map((e) => `<li><time>${escapeHtml(e.at.slice(11, 19))}</time> <b>${escapeHtml(e.kind)}</b> ${escapeHtml(e.text)}${e.actor && e.actor !== 'firebreak' ? ` <i>— ${escapeHtml(e.actor)}</i>` : ''}</li>`)
    .join('');
  const messages = (model.messages ?? []).filter((m) => m.incidentId === incident.id).slice(-12).reverse();
  const roles = Object.entries(incident.roles)
    .map(([role, who]) => `${escapeHtml(role)}: ${who ? escapeHtml(who) : '<i>unassigned</i>'}`)
    .join(' · ');
  const open = incident.status !== 'resolved';
  const actions =
    model.actionToken && open
      ? `<div class="actions" data-incident="${escapeHtml(incident.id)}">
<button data-action="ack"${incident.acknowledgedAt ? ' disabled' : ''}>Acknowledge</button>
<form data-action="updates"><input name="message" placeholder="status update for everyone" required><select name="status"><option value="">(keep status)</option><option>identified</option><option>monitoring</option></select><button>Post update</button></form>
<form data-action="roles"><select name="role"><option>commander</option><option>techLead</option><option>comms</option><option>scribe</option></select><input name="who" placeholder="who" required><button>Assign</button></form>
<button data-action="resolve">Resolve</button></div>`
      : '';
  return `<section class="incident" id="${escapeHtml(incident.id)}"><h2>${escapeHtml(incident.id)} ${sev} ${escapeHtml(incident.title)}</h2>
<p>status <b>${escapeHtml(incident.status)}</b> · started ${escapeHtml(incident.startedAt.slice(0, 19))}Z${incident.acknowledgedAt ? ` · acknowledged by ${escapeHtml(incident.acknowledgedBy ?? '?')}` : ' · <span class="bad">not acknowledged</span>'}${
    incident.nextUpdateDue ? ` · next update due ${escapeHtml(incident.nextUpdateDue.slice(11, 16))} UTC` : ''
  }</p>
<p>now: <b>${i.stuckTransfers}</b> stuck, <b>${escapeHtml(formatUsd(i.lockedUsd))}</b> locked · peak: ${p.stuckTransfers} stuck, ${escapeHtml(formatUsd(p.lockedUsd))}${incident.mirror.cid ? ` · mirror <a href="/ipfs/${escapeHtml(incident.mirror.cid)}/">${escapeHtml(incident.mirror.cid.slice(0, 16))}…</a>` : ''}</p>
<p>${roles}</p>
${incident.governance.length ? `<p>governance: ${incident.governance.map((g) => `${escapeHtml(g.kind)} ${escapeHtml(g.outcome)}${g.txHash ? ` <code>${escapeHtml(g.txHash.slice(0, 14))}…</code>` : ''}${g.proposalId ? ` proposal <code>${escapeHtml(g.proposalId.slice(0, 14))}…</code>` : ''}`).join(' · ')}</p>` : ''}
${actions}
<details open><summary>timeline</summary><ol class="timeline">${timeline}</ol></details>
${messages.length ? `<details><summary>messages (${messages.length})</summary><ul class="messages">${messages.map((m) => `<li><b>${escapeHtml(m.channel)}</b> ${escapeHtml(m.kind)} <i>${escapeHtml(m.status)}</i><pre>${escapeHtml(m.text.slice(0, 600))}</pre></li>`).join('')}</ul></details>` : ''}
</section>`;
}

const ACTIONS_SCRIPT = `
document.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const id = button.closest('[data-incident]').dataset.incident;
  await call(id, button.dataset.action, {});
});
document.addEventListener('submit', async (event) => {
  const form = event.target.closest('form[data-action]');
  if (!form) return;
  event.preventDefault();
  const id = form.closest('[data-incident]').dataset.incident;
  const body = Object.fromEntries(new FormData(form).entries());
  if (body.status === '') delete body.status;
  await call(id, form.dataset.action, body);
});
async function call(id, action, body) {
  const token = document.querySelector('meta[name=firebreak-token]').content;
  const response = await fetch('/api/incidents/' + encodeURIComponent(id) + '/' + action, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token }, body: JSON.stringify(body) });
  if (!response.ok) alert((await response.json()).message); else location.reload();
}`;

export function renderDashboard(model: DashboardModel): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${model.actionToken ? `<meta name="firebreak-token" content="${escapeHtml(model.actionToken)}">` : ''}<meta http-equiv="refresh" content="${model.actionToken ? 5 : 2}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(model.title)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem 1.5rem;color:#1d2330;background:#fafbfc}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border-bottom:1px solid #e2e5ea;padding:.3rem .5rem;text-align:left}
section{background:#fff;border:1px solid #e2e5ea;border-radius:8px;padding:.5rem 1rem;margin:1rem 0}
.ok{color:#11763d}.warn{color:#9a6700}.bad{color:#b3261e;font-weight:600}
ol.timeline{font-size:13px;max-height:22rem;overflow:auto}pre{white-space:pre-wrap;background:#f3f4f6;padding:.4rem;border-radius:4px;font-size:12px}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}.actions form{display:flex;gap:.3rem}
.sev{padding:.1rem .5rem;border-radius:4px;color:#fff}.sev-S0{background:#7a0012}.sev-S1{background:#b3261e}.sev-S2{background:#c25e00}.sev-S3{background:#9a6700}
</style></head><body>
<h1>${escapeHtml(model.title)}</h1>
<section><h2>Chains</h2><table><tr><th>chain</th><th>head</th><th>confirmed</th><th>head age</th><th>rpc</th><th>state</th></tr>
${model.chains.map((c) => chainRow(c, model.nowMs)).join('')}</table></section>
<h2>Incidents</h2>
${model.incidents.length ? model.incidents.map((i) => incidentSection(i, model)).join('\n') : '<p class="ok">No incidents.</p>'}
${model.bridges.map(bridgeSection).join('\n')}
${model.notes.map((n) => `<p class="warn">${escapeHtml(n)}</p>`).join('')}
<p><small>updated ${escapeHtml(new Date(model.nowMs).toISOString())}</small></p>
${model.actionToken ? `<script>${ACTIONS_SCRIPT}</script>` : ''}
</body></html>`;
}
