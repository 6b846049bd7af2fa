/** The pure parts of war rooms: names within Discord's 100 characters, step buttons, commands parsed. */
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/comms/telegram/commands.ts';
import { cutCodePoints, parseStepCustomId, roomName, stepCustomId, telegramTopicLink } from '../../src/comms/warroom/room.ts';

describe('war room names and buttons', () => {
  it('names the room <id> · <severity> · <title>, cut to 100 without splitting a character', () => {
    expect(roomName({ id: 'INC-0007', severity: 'S1', title: 'Relayer  down\nagain' })).toBe('INC-0007 · S1 · Relayer down again');
    const long = roomName({ id: 'INC-0007', severity: 'S0', title: `${'🔥'.repeat(60)}` });
    expect(long.length).toBeLessThanOrEqual(100);
    expect([...long].length).toBeLessThanOrEqual(100);
    // no lone surrogate: the string survives a UTF-8 round trip unchanged
    expect(Buffer.from(long, 'utf8').toString('utf8')).toBe(long);
    expect(long.startsWith('INC-0007 · S0 · 🔥')).toBe(true);
    expect(cutCodePoints('ab🔥', 3)).toBe('ab');
    expect(cutCodePoints('a'.repeat(120), 100)).toHaveLength(100);
  });

  it('step buttons carry the incident and the step, and nothing else parses', () => {
    const id = stepCustomId('INC-0012', 4, 'skip');
    expect(id).toBe('fb:step:INC-0012:4:skip');
    expect(parseStepCustomId(id)).toEqual({ incidentId: 'INC-0012', index: 4, outcome: 'skip' });
    for (const bad of ['fb:step:INC-0012:4:maybe', 'fb:step:../x:1:done', 'other', 'fb:step:INC-1:1234:done']) expect(parseStepCustomId(bad)).toBeNull();
  });

  it('links a supergroup topic; other chat ids have no t.me link', () => {
    expect(telegramTopicLink('-1001234567890', 77)).toBe('https://t.me/c/1234567890/77');
    expect(telegramTopicLink('@channel', 77)).toBeNull();
  });

  it('Telegram /declare and /role parse like the other commands', () => {
    expect(parseCommand('/declare@FirebreakBot S1 Relayer down')).toEqual({ name: 'declare', incidentId: null, text: 'S1 Relayer down' });
    expect(parseCommand('/role INC-0003 commander @alice')).toEqual({ name: 'role', incidentId: 'INC-0003', text: 'commander @alice' });
  });
});
