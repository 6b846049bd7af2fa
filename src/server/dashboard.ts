/**
 * The drill dashboard, server-rendered: readable without JavaScript (a <noscript> meta refresh
 * keeps it live); with JavaScript a small inline script polls /api/dashboard/live for chain heads
 * and reloads when an incident changed (never while someone is typing). Everything interpolated is
 * escaped: transfer ids, alert text and chat messages come from outside.
 */
import { formatDuration } from '../core/duration.ts';
import { escapeHtml, formatUsd } from '../core/format.ts';
import type { Incident } from '../core/types.ts';
import type { BridgeJudgement } from '../watchers/bridge.ts';
import type { BackfillView, ChainView } from '../watchers/service.ts';
import { cutCodePoints } from '../core/text.ts';

export { escapeHtml };

export interface DashboardMessage {
  incidentId: string | null;
  channel: string;
  kind: string;
  status: string;
  text: string;
  createdAt?: string;
}

export interface DashboardMirror {
  cid: string | null;
  ipns: string | null;
  publishedAt?: string | null;
}

export interface DashboardModel {
  title: string;
  chains: ChainView[];
  /** sources still reading their history (blocks, percent, ETA) */
  backfill?: BackfillView[];
  bridges: Array<{ id: string; name: string; judgement: BridgeJudgement | undefined }>;
  incidents: Incident[];
  /** outbox rows (messages sent or that would be sent) */
  messages?: DashboardMessage[];
  /** the latest status mirror (GET /api/mirror), when the mirror module runs */
  mirror?: DashboardMirror | null;
  /** the drill's write token: enables the action buttons (the drill only; never in production) */
  actionToken?: string;
  /** the drill's own controls: buttons that POST to these paths with the token */
  controls?: Array<{ path: string; label: string }>;
  notes: string[];
  nowMs: number;
}

/** Changes whenever something on the page would: the live script reloads on a new version. */
export function dashboardVersion(model: Pick<DashboardModel, 'incidents' | 'messages' | 'mirror' | 'notes'>): string {
  const parts = model.incidents.map(
    (i) => `${i.id}:${i.status}:${i.severity}:${i.timeline.length}:${i.acknowledgedAt ?? ''}:${i.mirror.cid ?? ''}:${i.governance.map((g) => g.outcome).join(',')}:${i.warRoom?.discord?.threadId ?? ''}:${i.warRoom?.telegram?.topicId ?? ''}`,
  );
  const statuses = (model.messages ?? []).map((m) => m.status[0]).join('');
  return [...parts, statuses, model.mirror?.cid ?? '', model.notes.join('\n')].join('|');
}

export interface LiveChain {
  name: string;
  head: number | null;
  confirmed: number | null;
  lagSeconds: number | null;
  rpc: number;
  state: 'live' | 'catching up' | 'halted' | 'unobservable';
}

export function liveChains(chains: ChainView[], nowMs: number): LiveChain[] {
  return chains.map((chain) => ({
    name: chain.name,
    head: chain.head?.head ?? null,
    confirmed: chain.head?.confirmed ?? null,
    lagSeconds: chain.head ? Math.max(0, Math.round(nowMs / 1000 - chain.head.headTimestamp)) : null,
    rpc: chain.rpc,
    state: chain.unobservableSince ? 'unobservable' : chain.halted ? 'halted' : chain.caughtUp ? 'live' : 'catching up',
  }));
}

const STATE_CLASS: Record<LiveChain['state'], string> = { live: 'ok', 'catching up': 'warn', halted: 'bad', unobservable: 'bad' };

function chainRow(chain: LiveChain): string {
  const name = escapeHtml(chain.name);
  return `<tr data-chain="${name}"><td>${name}</td><td data-field="head">${chain.head ?? '–'}</td><td data-field="confirmed">${chain.confirmed ?? '–'}</td><td data-field="lag">${
    chain.lagSeconds === null ? '–' : escapeHtml(formatDuration(chain.lagSeconds * 1000))
  }</td><td data-field="rpc">#${chain.rpc}</td><td data-field="state" class="${STATE_CLASS[chain.state]}">${escapeHtml(chain.state)}</td></tr>`;
}

function backfillSection(backfill: BackfillView[] | undefined): string {
  const running = (backfill ?? []).filter((b) => b.blocksRemaining > 0);
  if (running.length === 0) return '';
  const rows = running
    .map(
      (b) =>
        `<tr><td>${escapeHtml(b.chain)}</td><td><code>${escapeHtml(b.source)}</code></td><td>${b.blocksDone.toLocaleString('en-US')} / ${b.blocksTotal.toLocaleString('en-US')}</td><td>${b.percent}%</td><td>${
          b.etaSeconds === null ? '–' : escapeHtml(formatDuration(b.etaSeconds * 1000))
        }</td></tr>`,
    )
    .join('');
  return `<section class="backfill"><h2>Backfill</h2><p class="warn">these sources are still reading their history; their bridges are judged once both sides reach the head</p><table><tr><th>chain</th><th>source</th><th>blocks</th><th>done</th><th>ETA</th></tr>${rows}</table></section>`;
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
${rows ? `<details><summary>${j.stuck} stuck transfers</summary><table><tr><th>transfer</th><th>token</th><th>value</th><th>age</th></tr>${rows}</table></details>` : ''}
</section>`;
}

function governanceTable(incident: Incident): string {
  if (!incident.governance.length) return '';
  const rows = incident.governance
    .map(
      (g) =>
        `<tr><td>${escapeHtml(g.kind)}</td><td>${escapeHtml(g.outcome)}</td><td>${escapeHtml(g.chain ?? '')}${g.target ? ` <code>${escapeHtml(g.target)}</code>` : ''}</td><td>${
          g.txHash ? `tx <code>${escapeHtml(g.txHash)}</code>` : ''
        }${g.proposalId ? `proposal <code>${escapeHtml(g.proposalId)}</code>` : ''}${g.draftPath ? `draft <code>${escapeHtml(g.draftPath)}</code>` : ''}${
          g.reason ? ` <i>${escapeHtml(g.reason)}</i>` : ''
        }</td><td>${escapeHtml(g.at.slice(11, 19))}</td></tr>`,
    )
    .join('');
  return `<h3>Governance</h3><table class="governance"><tr><th>action</th><th>outcome</th><th>where</th><th>reference</th><th>at</th></tr>${rows}</table>`;
}

function postmortemBlock(incident: Incident, notes: string[], withButton: boolean): string {
  const anchors = incident.timeline.filter((e) => e.kind === 'anchored');
  const verifications = notes.filter((n) => n.startsWith(`${incident.id}: postmortem`));
  if (!anchors.length && !incident.postmortemDue && !verifications.length) return '';
  const latest = anchors.at(-1)?.data as Record<string, unknown> | undefined;
  return `<h3>Postmortem</h3><div class="postmortem">${incident.postmortemDue ? `<p>due ${escapeHtml(incident.postmortemDue.slice(0, 16).replace('T', ' '))} UTC</p>` : ''}${
    latest
      ? `<p>anchored: digest <code>${escapeHtml(latest.digest)}</code> · tx <code>${escapeHtml(latest.txHash)}</code> · chain ${escapeHtml(latest.chainId)} · ${
          typeof latest.cid === 'string' ? `<a href="/ipfs/${encodeURIComponent(latest.cid)}">${escapeHtml(latest.uri ?? latest.cid)}</a>` : ''
        }</p>`
      : '<p class="warn">not anchored yet</p>'
  }${verifications.map((v) => `<p class="${v.includes('NOT verified') ? 'bad' : 'ok'}" data-verify>${escapeHtml(v.slice(incident.id.length + 2))}</p>`).join('')}${
    withButton ? `<button data-postmortem="${escapeHtml(incident.id)}">Show the postmortem</button><pre class="postmortem-text" hidden></pre>` : ''
  }</div>`;
}

/**
 * "Roll back" buttons (§8): one per allowed rollback the incident recommends (an `Upgraded` of a
 * listed proxy among its recent changes, allowance usable), until that proxy is rolled back. The
 * button posts to /api/incidents/:id/rollback: a person's decision, checked and sent by the service.
 */
function rollbackButtons(incident: Incident): string {
  const done = new Set(incident.governance.filter((g) => g.kind === 'rollback' && g.outcome === 'confirmed').map((g) => String(g.target ?? '').toLowerCase()));
  return incident.timeline
    .filter((e) => e.kind === 'recommendation' && (e.data as { rule?: string } | undefined)?.rule === 'rollback-available')
    .map((e) => e.data as { proxy?: string; usable?: boolean; running?: string; fromImpl?: string; toImpl?: string })
    .filter((d) => d.proxy && d.usable && d.running?.toLowerCase() === d.fromImpl?.toLowerCase() && !done.has(d.proxy.toLowerCase()))
    .map((d) => `<button data-action="rollback" data-proxy="${escapeHtml(d.proxy!)}" title="roll ${escapeHtml(d.proxy!)} back to ${escapeHtml(d.toImpl ?? '')}">Roll back ${escapeHtml(d.proxy!.slice(0, 10))}…</button>`)
    .join('\n');
}

function actionsBlock(incident: Incident): string {
  const id = escapeHtml(incident.id);
  return `<div class="actions" data-incident="${id}">
<button data-action="ack"${incident.acknowledgedAt ? ' disabled' : ''}>Acknowledge</button>
<form data-action="updates"><input name="message" placeholder="status update for everyone" required><select name="status"><option value="">(keep status)</option><option>investigating</option><option>identified</option><option>monitoring</option></select><button>Post update</button></form>
<form data-action="roles"><select name="role"><option>commander</option><option>techLead</option><option>comms</option><option>scribe</option></select><input name="who" placeholder="who" required><button>Assign role</button></form>
<button data-action="resolve">Resolve</button>
${rollbackButtons(incident)}</div>`;
}

/** Where the incident's war room is (a Discord thread, a Telegram topic), once it is open. */
function warRoomLine(incident: Incident): string {
  const room = incident.warRoom;
  if (!room?.discord && !room?.telegram) return '';
  const parts: string[] = [];
  if (room.discord) parts.push(`Discord thread <code class="war-room-thread">${escapeHtml(room.discord.threadId)}</code>`);
  if (room.telegram) {
    const chat = /^-100(\d+)$/.exec(room.telegram.chatId);
    const label = `Telegram topic ${escapeHtml(String(room.telegram.topicId))} in ${escapeHtml(room.telegram.chatId)}`;
    parts.push(chat ? `<a class="war-room-topic" href="https://t.me/c/${chat[1]}/${encodeURIComponent(String(room.telegram.topicId))}">${label}</a>` : label);
  }
  return `<p class="war-room">war room: ${parts.join(' · ')}</p>`;
}

function incidentSection(incident: Incident, model: DashboardModel): string {
  const sev = `<span class="sev sev-${escapeHtml(incident.severity)}">${escapeHtml(incident.severity)}</span>`;
  const i = incident.impact;
  const p = incident.peakImpact;
  const timeline = incident.timeline
    .slice(-40)
    .reverse()
    .map(
      (e) =>
        `<li data-kind="${escapeHtml(e.kind)}"><time>${escapeHtml(e.at.slice(11, 19))}</time> <b>${escapeHtml(e.kind)}</b> ${escapeHtml(e.text)}${
          e.actor && e.actor !== 'firebreak' ? ` <i>— ${escapeHtml(e.actor)}</i>` : ''
        }</li>`,
    )
    .join('');
  const roles = Object.entries(incident.roles)
    .map(([role, who]) => `${escapeHtml(role)}: ${who ? `<b>${escapeHtml(who)}</b>` : '<i>unassigned</i>'}`)
    .join(' · ');
  const open = incident.status !== 'resolved';
  // permanent delivery failures (any channel) stand out, whatever the length of the timeline
  const failures = incident.timeline.filter((e) => e.data?.outcome === 'failed');
  const failed = failures.length
    ? `<div class="bad delivery-failures"><b>${failures.length} delivery failure${failures.length === 1 ? '' : 's'}</b><ul>${failures
        .slice(-10)
        .map((e) => `<li><time>${escapeHtml(e.at.slice(11, 19))}</time> ${escapeHtml(e.text)}</li>`)
        .join('')}</ul></div>`
    : '';
  return `<section class="incident" id="${escapeHtml(incident.id)}" data-status="${escapeHtml(incident.status)}"><h2>${escapeHtml(incident.id)} ${sev} ${escapeHtml(incident.title)}</h2>
<p>status <b class="status">${escapeHtml(incident.status)}</b> · started ${escapeHtml(incident.startedAt.slice(0, 19))}Z${
    incident.acknowledgedAt ? ` · <span class="ok ack">acknowledged by ${escapeHtml(incident.acknowledgedBy ?? '?')}</span>` : open ? ' · <span class="bad">not acknowledged</span>' : ''
  }${incident.nextUpdateDue && open ? ` · next update due ${escapeHtml(incident.nextUpdateDue.slice(11, 16))} UTC` : ''}${incident.resolvedAt ? ` · resolved ${escapeHtml(incident.resolvedAt.slice(11, 19))}Z` : ''}</p>
<p>impact now: <b>${i.stuckTransfers}</b> stuck, <b>${escapeHtml(formatUsd(i.lockedUsd))}</b> locked${i.oldestStuckSeconds ? `, oldest ${escapeHtml(formatDuration(i.oldestStuckSeconds * 1000))}` : ''} · peak: ${p.stuckTransfers} stuck, ${escapeHtml(formatUsd(p.lockedUsd))} (${escapeHtml(incident.peakSeverity)})${
    i.chains?.length ? ` · chains ${escapeHtml(i.chains.join(', '))}` : ''
  }${incident.mirror.cid ? ` · mirror <a href="/ipfs/${encodeURIComponent(incident.mirror.cid)}/">${escapeHtml(incident.mirror.cid)}</a>` : ''}</p>
<p>${roles}</p>
${failed}
${warRoomLine(incident)}
${model.actionToken && open ? actionsBlock(incident) : ''}
${governanceTable(incident)}
${postmortemBlock(incident, model.notes, Boolean(model.actionToken))}
<details open><summary>timeline (${incident.timeline.length})</summary><ol class="timeline">${timeline}</ol></details>
</section>`;
}

/** `discord:123` → Discord #123; `telegram:@x` → Telegram @x; anything else as is. */
function channelTitle(channel: string): { platform: string; label: string } {
  const [prefix, ...rest] = channel.split(':');
  const target = rest.join(':');
  if (prefix === 'discord') return { platform: 'discord', label: `Discord #${target}` };
  if (prefix === 'telegram') return { platform: 'telegram', label: `Telegram ${target}` };
  return { platform: 'other', label: channel };
}

/**
 * A chat message as it would look: escaped, then the few marks the chat renders — Discord's
 * Markdown (**bold**, `code`), Telegram's MarkdownV2 (*bold*, _italic_, backslash escapes).
 */
function chatText(text: string, platform: string): string {
  let html = escapeHtml(text);
  if (platform === 'telegram') {
    const escaped: string[] = [];
    html = html
      .replace(/\\([_*\[\]()~`>#+\-=|{}.!\\])/g, (_, ch: string) => `\u0000${escaped.push(ch) - 1}\u0000`)
      .replace(/\*([^*\n]+)\*/g, '<b>$1</b>')
      .replace(/(^|\W)_([^_\n]+)_(?=\W|$)/g, '$1<i>$2</i>')
      .replace(/\u0000(\d+)\u0000/g, (_, i: string) => escaped[Number(i)]!);
  } else {
    html = html.replace(/\*\*([^*\n]+)\*\*/g, '<b>$1</b>');
  }
  return html.replace(/`([^`\n]+)`/g, '<code>$1</code>').replace(/\n/g, '<br>');
}

const STATUS_LABEL: Record<string, string> = { skipped: 'would be sent (not configured)', sent: 'sent', pending: 'pending', sending: 'sending', failed: 'failed', held: 'held (maintenance)' };

function messagesSection(messages: DashboardMessage[]): string {
  if (!messages.length) return '<section><h2>Messages</h2><p><i>No messages yet.</i></p></section>';
  const channels = new Map<string, DashboardMessage[]>();
  const deliveries: DashboardMessage[] = [];
  for (const m of messages) {
    // chats are drawn as chats; pages, webhooks and transactions go to a plain table
    if (channelTitle(m.channel).platform === 'other') deliveries.push(m);
    else channels.set(m.channel, [...(channels.get(m.channel) ?? []), m]);
  }
  const others = deliveries.length
    ? `<h3>Pages, webhooks and transactions</h3><table class="deliveries"><tr><th>channel</th><th>incident</th><th>kind</th><th>status</th><th>what</th></tr>${deliveries
        .slice(-30)
        .reverse()
        .map(
          (m) =>
            `<tr data-channel="${escapeHtml(m.channel)}"><td>${escapeHtml(m.channel)}</td><td>${escapeHtml(m.incidentId ?? '')}</td><td>${escapeHtml(m.kind)}</td><td class="st-${escapeHtml(m.status)}">${escapeHtml(m.status)}</td><td>${escapeHtml(cutCodePoints(m.text, 300))}</td></tr>`,
        )
        .join('')}</table>`
    : '';
  const panels = [...channels.entries()]
    .map(([channel, rows]) => {
      const { platform, label } = channelTitle(channel);
      const items = rows
        .slice(-15)
        .reverse()
        .map(
          (m) =>
            `<li class="bubble"><div class="meta">${m.incidentId ? `${escapeHtml(m.incidentId)} · ` : ''}${escapeHtml(m.kind)} · <span class="st st-${escapeHtml(m.status)}">${escapeHtml(STATUS_LABEL[m.status] ?? m.status)}</span>${
              m.createdAt ? ` · ${escapeHtml(m.createdAt.slice(11, 19))}` : ''
            }</div><div class="text">${chatText(cutCodePoints(m.text, 1500), platform)}</div></li>`,
        )
        .join('');
      return `<div class="channel ch-${platform}" data-channel="${escapeHtml(channel)}"><h3>${escapeHtml(label)} <small>(${rows.length})</small></h3><ul>${items}</ul></div>`;
    })
    .join('');
  return `<section><h2>Messages <small>sent or that would be sent, per Discord channel and Telegram chat</small></h2>${
    panels ? `<div class="channels">${panels}</div>` : '<p><i>No chat messages yet.</i></p>'
  }${others}</section>`;
}

function mirrorSection(mirror: DashboardMirror | null | undefined): string {
  if (!mirror?.cid) return '<section><h2>Status mirror (IPFS)</h2><p><i>No mirror published yet.</i> The public status page is at <a href="/status">/status</a>.</p></section>';
  return `<section><h2>Status mirror (IPFS)</h2><p>CID <a class="mirror-cid" href="/ipfs/${encodeURIComponent(mirror.cid)}/">${escapeHtml(mirror.cid)}</a>${
    mirror.ipns ? ` · IPNS <code>${escapeHtml(mirror.ipns)}</code>` : ''
  }${mirror.publishedAt ? ` · published ${escapeHtml(String(mirror.publishedAt).slice(11, 19))}Z` : ''} · <a href="/status">/status</a></p></section>`;
}

const DECLARE_FORM = `<section><h2>Declare an incident</h2><form data-declare class="actions"><input name="title" placeholder="title" required><select name="severity"><option>S1</option><option>S0</option><option>S2</option><option selected>S3</option></select><input name="summary" placeholder="what is going on" required><button>Declare</button></form></section>`;

const SCRIPT = `
const token = document.querySelector('meta[name=firebreak-token]')?.content;
const version = document.querySelector('meta[name=firebreak-version]').content;
async function api(path, body) {
  const response = await fetch('/api' + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token }, body: JSON.stringify(body) });
  if (!response.ok) { const e = await response.json().catch(() => ({})); alert(e.message || ('HTTP ' + response.status)); return; }
  location.reload();
}
document.addEventListener('click', async (event) => {
  const control = event.target.closest('button[data-drill-path]');
  if (control) {
    control.disabled = true;
    await fetch(control.dataset.drillPath, { method: 'POST', headers: { authorization: 'Bearer ' + token } });
    return location.reload();
  }
  const show = event.target.closest('button[data-postmortem]');
  if (show) {
    const response = await fetch('/api/incidents/' + encodeURIComponent(show.dataset.postmortem) + '/postmortem', { headers: { authorization: 'Bearer ' + token } });
    const pre = show.nextElementSibling;
    pre.textContent = response.ok ? await response.text() : 'HTTP ' + response.status;
    pre.hidden = false;
    return;
  }
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const id = button.closest('[data-incident]').dataset.incident;
  api('/incidents/' + encodeURIComponent(id) + '/' + button.dataset.action, button.dataset.proxy ? { proxy: button.dataset.proxy } : {});
});
document.addEventListener('submit', (event) => {
  const form = event.target.closest('form');
  if (!form) return;
  event.preventDefault();
  const body = Object.fromEntries(new FormData(form).entries());
  if (body.status === '') delete body.status;
  if (form.hasAttribute('data-declare')) return api('/incidents', body);
  const id = form.closest('[data-incident]').dataset.incident;
  api('/incidents/' + encodeURIComponent(id) + '/' + form.dataset.action, body);
});
function busy() {
  const el = document.activeElement;
  if (el && (el.tagName === 'INPUT' || el.tagName === 'SELECT')) return true;
  if (document.querySelector('pre.postmortem-text:not([hidden])')) return true;
  return [...document.querySelectorAll('input')].some((i) => i.value !== '');
}
async function poll() {
  try {
    const response = await fetch('/api/dashboard/live', { headers: token ? { authorization: 'Bearer ' + token } : {} });
    if (response.ok) {
      const live = await response.json();
      for (const chain of live.chains) {
        const row = document.querySelector('tr[data-chain="' + CSS.escape(chain.name) + '"]');
        if (!row) continue;
        row.querySelector('[data-field=head]').textContent = chain.head ?? '–';
        row.querySelector('[data-field=confirmed]').textContent = chain.confirmed ?? '–';
        row.querySelector('[data-field=lag]').textContent = chain.lagSeconds === null ? '–' : chain.lagSeconds + 's';
        row.querySelector('[data-field=rpc]').textContent = '#' + chain.rpc;
        const state = row.querySelector('[data-field=state]');
        state.textContent = chain.state;
        state.className = chain.state === 'live' ? 'ok' : chain.state === 'catching up' ? 'warn' : 'bad';
      }
      document.getElementById('updated').textContent = live.generatedAt;
      if (live.version !== version && !busy()) location.reload();
    }
  } catch {}
  setTimeout(poll, 2000);
}
setTimeout(poll, 2000);`;

export function renderDashboard(model: DashboardModel): string {
  const chains = liveChains(model.chains, model.nowMs);
  const version = dashboardVersion(model);
  const open = model.incidents.filter((i) => i.status !== 'resolved');
  const closed = model.incidents.filter((i) => i.status === 'resolved');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${model.actionToken ? `<meta name="firebreak-token" content="${escapeHtml(model.actionToken)}">` : ''}<meta name="firebreak-version" content="${escapeHtml(version)}">
<noscript><meta http-equiv="refresh" content="5"></noscript>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>${escapeHtml(model.title)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1080px;padding:1rem 1.5rem;color:#1d2330;background:#fafbfc}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border-bottom:1px solid #e2e5ea;padding:.3rem .5rem;text-align:left;vertical-align:top}
section{background:#fff;border:1px solid #e2e5ea;border-radius:8px;padding:.5rem 1rem;margin:1rem 0}
.ok{color:#11763d}.warn{color:#9a6700}.bad{color:#b3261e;font-weight:600}code{font-size:12px;word-break:break-all}
ol.timeline{font-size:13px;max-height:24rem;overflow:auto}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}.actions form{display:flex;gap:.3rem}
.sev{padding:.1rem .5rem;border-radius:4px;color:#fff}.sev-S0{background:#7a0012}.sev-S1{background:#b3261e}.sev-S2{background:#c25e00}.sev-S3{background:#9a6700}
.channels{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:.8rem}.channel ul{list-style:none;padding:0;margin:0;max-height:26rem;overflow:auto}
.channel h3{margin:.3rem 0;font-size:14px}.ch-discord{background:#313338;color:#dbdee1;border-radius:6px;padding:.5rem}.ch-telegram{background:#dfe9f2;border-radius:6px;padding:.5rem}
.ch-other{background:#f3f4f6;border-radius:6px;padding:.5rem}.bubble{margin:.4rem 0;padding:.4rem .6rem;border-radius:6px;font-size:13px}
.ch-discord .bubble{background:#2b2d31}.ch-telegram .bubble{background:#fff}.ch-other .bubble{background:#fff}.meta{font-size:11px;opacity:.75}
.st-failed{color:#ff6b6b;font-weight:600}.drill-steps{font-weight:600}pre.postmortem-text{white-space:pre-wrap;background:#f3f4f6;padding:.5rem;border-radius:4px;font-size:12px;max-height:30rem;overflow:auto}
</style></head><body>
<h1>${escapeHtml(model.title)}</h1>
${model.notes
  .filter((n) => !/^INC-\d+: postmortem/.test(n))
  .map((n) => `<p class="${n.startsWith('Drill steps: ') ? 'drill-steps' : 'warn'}">${escapeHtml(n)}</p>`)
  .join('')}
${model.actionToken && model.controls?.length ? `<section class="drill-controls"><h2>Drill controls</h2><p>${model.controls.map((c) => `<button data-drill-path="${escapeHtml(c.path)}">${escapeHtml(c.label)}</button>`).join(' ')} <small>ends the scenario on the chains; the incident then clears and resolves after the quiet period</small></p></section>` : ''}
<section><h2>Chains</h2><table class="chains"><tr><th>chain</th><th>head</th><th>confirmed</th><th>head age</th><th>rpc</th><th>state</th></tr>
${chains.map(chainRow).join('')}</table></section>
${backfillSection(model.backfill)}
<h2>Open incidents</h2>
${open.length ? open.map((i) => incidentSection(i, model)).join('\n') : '<p class="ok">No open incidents.</p>'}
${model.bridges.map(bridgeSection).join('\n')}
${messagesSection(model.messages ?? [])}
${mirrorSection(model.mirror)}
${model.actionToken ? DECLARE_FORM : ''}
${closed.length ? `<h2>Resolved incidents</h2>${closed.map((i) => incidentSection(i, model)).join('\n')}` : ''}
<p><small>updated <span id="updated">${escapeHtml(new Date(model.nowMs).toISOString())}</span></small></p>
<script>${SCRIPT}</script>
</body></html>`;
}
