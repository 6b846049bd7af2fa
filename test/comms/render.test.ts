import { describe, expect, it } from 'vitest';
import { checkTemplates, sampleIncident } from '../../src/comms/check.ts';
import { DISCORD_LIMITS, discordMessage, mentionsOf, telegramMessage, templateFile } from '../../src/comms/messages.ts';
import { DISCORD, TELEGRAM, escapeDiscord, escapeTelegram, renderTemplate } from '../../src/comms/render.ts';
import { incidentVars } from '../../src/comms/vars.ts';
import { commsConfig } from './fixtures.ts';

const now = new Date('2026-11-24T10:00:00Z');

describe('templates', () => {
  const config = commsConfig();
  const templates = config.playbooks.templates;

  it('the shipped templates all render without problems (what validate checks)', () => {
    expect(checkTemplates(config)).toEqual([]);
  });

  it('validate reports unknown variables, missing includes and internal variables in community templates', () => {
    const broken = { ...config, playbooks: { ...config.playbooks, templates: { ...templates, 'declared.community.md': '# Hi\n{{incident.key}} {{nope}} {{> _missing}}', 'update.dev.md': '# U\n{{nope2}}' } } };
    const issues = checkTemplates(broken).map((i) => `${i.path}: ${i.message}`);
    expect(issues.some((i) => i.includes('declared.community.md') && i.includes('_missing'))).toBe(true);
    expect(issues.some((i) => i.includes('update.dev.md') && i.includes('{{nope2}}'))).toBe(true);
    const noKey = { ...config, playbooks: { ...config.playbooks, templates: { ...templates, 'declared.community.md': '# Hi\n{{incident.key}} {{roles.commander}}' } } };
    const internal = checkTemplates(noKey).map((i) => i.message);
    expect(internal).toContain('community template uses the internal variable {{incident.key}}');
    expect(internal).toContain('community template uses the internal variable {{roles.commander}}');
    // a playbooks folder without templates falls back to the shipped ones: nothing goes silent
    expect(checkTemplates({ ...config, playbooks: { ...config.playbooks, templates: {} } })).toEqual([]);
  });

  it('picks the audience file, the shared internal one for ops/dev/comms, and nothing for the community without its own', () => {
    expect(templateFile(templates, 'declared', 'community')).toBe('declared.community.md');
    expect(templateFile(templates, 'declared', 'dev')).toBe('declared.internal.md');
    expect(templateFile(templates, 'acknowledged', 'community')).toBeNull();
    expect(templateFile(templates, 'escalation', 'community')).toBeNull();
  });

  it('an update carries what / when / status / services / latest / next update by, with numbers for people', () => {
    const incident = sampleIncident(config, now);
    const vars = incidentVars(config, incident, now, { type: 'notify', kind: 'update', dedup: 'u', message: 'Relayer restarted', actor: 'discord:alice' });
    for (const file of ['update.internal.md', 'update.community.md']) {
      const text = discordMessage(templates, file, vars, { channelId: '1', key: 'k', severity: 'S1', resolved: false, at: now }).payload.text;
      for (const label of ['What:', 'When:', 'Status:', 'Services', 'Latest:', 'Next update by:']) expect(text).toContain(label);
      expect(text).toContain('$40,000');
      expect(text).toContain('12 h 3 min');
      expect(text).toContain('2026-11-24 10:30 UTC');
      expect(text).toContain('ipfs://bafybei');
    }
  });

  it('community wording names no internal detail', () => {
    const incident = { ...sampleIncident(config, now), title: 'relayer 0xdeadbeef down, see <@111>' };
    const vars = incidentVars(config, incident, now, { type: 'notify', kind: 'declared', dedup: 'declared', actor: 'discord:alice', message: 'rpc https://eth.example broke' }, { paged: '<@111>' });
    for (const kind of ['declared', 'update', 'severity', 'status', 'resolved', 'governance', 'anchored', 'live']) {
      const file = templateFile(templates, kind, 'community');
      expect(file, kind).not.toBeNull();
      const text = discordMessage(templates, file!, vars, { channelId: '4', key: 'k', severity: 'S1', resolved: false, at: now }).payload.text;
      for (const secret of ['S1', 'bridge:usdc-lane:stuck', 'discord:alice', '<@', 'alice', 'bob', '0x', 'https://', 'rpc', 'commander', 'primary', 'update:manual']) {
        expect(text, `${kind} must not contain ${secret}`).not.toContain(secret);
      }
    }
  });
});

describe('escaping outside text', () => {
  it('Discord: @everyone, user mentions and markdown in outside text are neutralised', () => {
    const escaped = escapeDiscord('@everyone **pwn** <@123> <@&9> [x](http://e) `code` > quote');
    expect(escaped).not.toMatch(/@everyone|@here|<@\d|<@&/);
    expect(escaped).toContain('\\*\\*pwn\\*\\*');
    expect(escaped).toContain('\\[x\\]');
    const rendered = renderTemplate('# {{t}}\n**Latest:** {{m}}', { t: '@here title', m: '@everyone _x_' }, DISCORD);
    expect(rendered.title).not.toContain('@here');
    expect(rendered.body).toBe('**Latest:** @\u200beveryone \\_x\\_');
  });

  it('Telegram MarkdownV2: every special character of outside text is escaped; template bold becomes *', () => {
    expect(escapeTelegram('a_b*c[d](e)~f`g>h#i+j-k=l|m{n}o.p!q\\')).toBe('a\\_b\\*c\\[d\\]\\(e\\)\\~f\\`g\\>h\\#i\\+j\\-k\\=l\\|m\\{n\\}o\\.p\\!q\\\\');
    const rendered = renderTemplate('**Latest:** {{m}}. Done!', { m: '1.5 ETH (@alice)' }, TELEGRAM);
    expect(rendered.body).toBe('*Latest:* 1\\.5 ETH \\(@\u200balice\\)\\. Done\\!');
  });

  it('Discord embeds stay within the limits with huge outside text', () => {
    const config = commsConfig();
    const incident = { ...sampleIncident(config, now), title: 'T'.repeat(1000), summary: 'S'.repeat(10_000) };
    const vars = incidentVars(config, incident, now, { type: 'notify', kind: 'update', dedup: 'u', message: 'M'.repeat(9000) });
    const { payload } = discordMessage(config.playbooks.templates, 'update.internal.md', vars, { channelId: '1', key: 'k', severity: 'S1', resolved: false, at: now });
    const embed = payload.embeds[0]!;
    expect(embed.title.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect(embed.description.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(embed.title.length + embed.description.length + (embed.footer?.text.length ?? 0)).toBeLessThanOrEqual(DISCORD_LIMITS.total);
    const telegram = telegramMessage(config.playbooks.templates, 'update.internal.md', vars, '1').payload;
    expect(telegram.text.length).toBeLessThanOrEqual(4096);
    expect(telegram.text).not.toMatch(/\\…$/);
  });

  it('only paged handles become allowed mentions', () => {
    expect(mentionsOf(['<@111>', '<@&9>', '@everyone', '@alice'])).toEqual({ users: ['111'], roles: ['9'] });
  });
});
