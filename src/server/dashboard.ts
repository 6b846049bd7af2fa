/**
 * The drill dashboard, server-rendered (readable without JavaScript; a meta refresh keeps it
 * live). Everything interpolated is escaped: transfer ids and names come from chains and config.
 */
import { formatDuration } from '../core/duration.ts';
import { formatUsd } from '../core/format.ts';
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

export function renderDashboard(model: DashboardModel): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(model.title)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem 1.5rem;color:#1d2330;background:#fafbfc}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border-bottom:1px solid #e2e5ea;padding:.3rem .5rem;text-align:left}
section{background:#fff;border:1px solid #e2e5ea;border-radius:8px;padding:.5rem 1rem;margin:1rem 0}
.ok{color:#11763d}.warn{color:#9a6700}.bad{color:#b3261e;font-weight:600}
.sev{padding:.1rem .5rem;border-radius:4px;color:#fff}.sev-S0{background:#7a0012}.sev-S1{background:#b3261e}.sev-S2{background:#c25e00}.sev-S3{background:#9a6700}
</style></head><body>
<h1>${escapeHtml(model.title)}</h1>
<section><h2>Chains</h2><table><tr><th>chain</th><th>head</th><th>confirmed</th><th>head age</th><th>rpc</th><th>state</th></tr>
${model.chains.map((c) => chainRow(c, model.nowMs)).join('')}</table></section>
${model.bridges.map(bridgeSection).join('\n')}
${model.notes.map((n) => `<p class="warn">${escapeHtml(n)}</p>`).join('')}
<p><small>updated ${escapeHtml(new Date(model.nowMs).toISOString())}</small></p>
</body></html>`;
}
