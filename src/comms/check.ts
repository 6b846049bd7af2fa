/**
 * `firebreak validate` for message templates: every kind has an internal template, every template
 * renders against a sample incident for Discord and Telegram without unknown variables or missing
 * includes, and community templates use no internal-only variable. Pure.
 */
import { NOTIFICATION_KINDS } from '../core/effects.ts';
import type { ConfigIssue } from '../core/errors.ts';
import type { Incident } from '../core/types.ts';
import type { Config } from '../config/types.ts';
import { LIVE_KIND, PAGE_KIND, discordMessage, telegramMessage } from './messages.ts';
import { expandIncludes } from './render.ts';
import { templatesFor } from './templates.ts';
import { INTERNAL_ONLY, incidentVars } from './vars.ts';
import { SAMPLE_BRIEFING_VARS } from './warroom/room.ts';

export const TEMPLATE_KINDS = [...NOTIFICATION_KINDS, PAGE_KIND, LIVE_KIND];

/** The seed case as an incident: 37 transfers, $40,000, 12 h, paged, with a mirror CID. */
export function sampleIncident(config: Config, now = new Date('2026-11-24T10:00:00Z')): Incident {
  const bridge = config.bridges[0];
  const started = new Date(now.getTime() - 3 * 3_600_000).toISOString();
  return {
    id: 'INC-0001',
    key: bridge ? `bridge:${bridge.id}:stuck` : 'manual:INC-0001',
    title: `${bridge?.name ?? 'Bridge'}: transfers stuck`,
    severity: 'S1',
    status: 'investigating',
    source: 'watcher',
    summary: `${bridge?.name ?? 'Bridge'}: 37 transfers stuck, $40,000 locked, oldest 12 h 3 min`,
    startedAt: started,
    detectedAt: started,
    acknowledgedAt: started,
    acknowledgedBy: 'discord:alice',
    mitigatedAt: null,
    resolvedAt: now.toISOString(),
    roles: { commander: 'alice', techLead: 'bob', comms: null, scribe: null },
    impact: { stuckTransfers: 37, lockedUsd: 40_000, oldestStuckSeconds: 12 * 3600 + 180, bridges: bridge ? [bridge.id] : [], chains: bridge ? [bridge.source.chain, bridge.destination.chain] : [], unpriced: 1 },
    peakImpact: { stuckTransfers: 37, lockedUsd: 40_000, oldestStuckSeconds: 12 * 3600 + 180, bridges: bridge ? [bridge.id] : [] },
    peakSeverity: 'S1',
    nextUpdateDue: new Date(now.getTime() + 30 * 60_000).toISOString(),
    lastUpdateAt: null,
    escalation: { tier: 0, nextAt: null, held: false },
    severityOverride: null,
    clearedAt: null,
    postmortemDue: new Date(now.getTime() + 86_400_000).toISOString(),
    mirror: { cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi' },
    governance: [{ kind: 'pause', at: started, outcome: 'confirmed', chain: 'ethereum', txHash: '0xabc' }],
    actionItems: [],
    timeline: [{ at: started, kind: 'update', text: 'Relayer restarted; transfers are catching up.', actor: 'discord:alice' }],
  };
}

export function checkTemplates(config: Config): ConfigIssue[] {
  const templates = templatesFor(config);
  const issues: ConfigIssue[] = [];
  const at = (file: string) => `${config.playbooksDir}/templates/${file}`;
  for (const kind of TEMPLATE_KINDS) {
    if (templates[`${kind}.internal.md`] === undefined && templates[`${kind}.ops.md`] === undefined) {
      issues.push({ path: at(`${kind}.internal.md`), message: `missing: no template for "${kind}" messages to ops (add ${kind}.internal.md or ${kind}.ops.md)` });
    }
  }
  const incident = sampleIncident(config);
  const now = new Date('2026-11-24T10:00:00Z');
  const vars = incidentVars(config, incident, now, {
    type: 'notify',
    kind: 'update',
    dedup: 'update:manual:3',
    message: 'Relayer restarted.',
    actor: 'discord:alice',
    previousSeverity: 'S2',
    vars: { tier: 'primary', txHash: '0xabc', digest: '0xdef', cid: 'bafy', text: 'Reminder', public: 'Paused as a precaution.' },
  }, { paged: '<@111>', ...SAMPLE_BRIEFING_VARS });
  for (const file of Object.keys(templates).sort()) {
    const match = /^([a-z_]+)\.([a-z]+)\.md$/.exec(file);
    if (!match || file.startsWith('_')) continue;
    const [, , audience] = match;
    const expanded = expandIncludes(templates[file]!, templates);
    if (/\{\{missing-include\.([\w.-]+)\}\}/.test(expanded)) {
      issues.push({ path: at(file), message: `includes a template that does not exist: ${/\{\{missing-include\.([\w.-]+)\}\}/.exec(expanded)![1]}` });
      continue;
    }
    if (audience === 'community') {
      const used = [...expanded.matchAll(/\{\{\{?\s*[#^]?\s*([\w.]+)\s*\}?\}\}/g)].map((m) => m[1]!);
      for (const name of new Set(used)) {
        if ((INTERNAL_ONLY as readonly string[]).includes(name)) issues.push({ path: at(file), message: `community template uses the internal variable {{${name}}}` });
      }
    }
    const discord = discordMessage(templates, file, vars, { channelId: '1', key: 'k', severity: 'S1', resolved: false, at: now, mentions: ['<@111>'] });
    const telegram = telegramMessage(templates, file, vars, '-100');
    for (const name of new Set([...discord.missing, ...telegram.missing])) issues.push({ path: at(file), message: `unknown variable {{${name}}}` });
    if (!discord.payload.embeds[0]!.title) issues.push({ path: at(file), message: 'renders without a title (start with "# …")' });
  }
  return issues;
}
