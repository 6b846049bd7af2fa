/**
 * `firebreak init [--preset NAME] [--from CHAIN] [--to CHAIN]`: write a commented starter
 * firebreak.yaml (src/config/starter.ts). Asks for what the flags leave out when stdin is a TTY;
 * otherwise the flags are required. Never overwrites a file.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { BadRequestError } from '../core/errors.ts';
import { PRESETS } from '../core/presets/index.ts';
import { KNOWN_CHAINS, starterConfig, starterProblem } from '../config/starter.ts';
import type { CommandSpec } from './args.ts';

async function ask(missing: Array<'preset' | 'from' | 'to'>, values: Record<string, string | undefined>): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const choices = { preset: Object.keys(PRESETS), from: Object.keys(KNOWN_CHAINS), to: Object.keys(KNOWN_CHAINS) };
    const prompts = { preset: 'bridge preset', from: 'source chain', to: 'destination chain' };
    for (const key of missing) {
      const answer = (await rl.question(`${prompts[key]} (${choices[key].join(', ')}): `)).trim();
      values[key] = answer;
    }
  } finally {
    rl.close();
  }
}

export const initCommand: CommandSpec = {
  name: 'init',
  summary: 'write a commented starter firebreak.yaml for a known bridge (never overwrites)',
  usage: 'firebreak init [--preset NAME] [--from CHAIN] [--to CHAIN] [--config FILE]',
  help: [
    `  --preset NAME       ${Object.keys(PRESETS).join(' | ')}`,
    `  --from CHAIN        the source chain: ${Object.keys(KNOWN_CHAINS).join(' | ')}`,
    '  --to CHAIN          the destination chain',
    '  (on a terminal, what is not given is asked for; otherwise all three are needed)',
  ],
  options: { preset: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
  async run({ values, configFile }) {
    if (existsSync(configFile)) throw new BadRequestError(`${configFile} already exists: init never overwrites (pass --config NEW_FILE)`, { code: 'exists' });
    const input: Record<string, string | undefined> = { preset: values.preset as string | undefined, from: values.from as string | undefined, to: values.to as string | undefined };
    const missing = (['preset', 'from', 'to'] as const).filter((key) => !input[key]);
    if (missing.length > 0) {
      if (!process.stdin.isTTY) throw new BadRequestError(`missing ${missing.map((m) => `--${m}`).join(', ')} (not a terminal, so nothing is asked)`, { code: 'usage' });
      await ask(missing, input);
    }
    const starter = { preset: input.preset!, from: input.from!, to: input.to! };
    const problem = starterProblem(starter);
    if (problem) throw new BadRequestError(problem, { code: 'usage' });
    const { yaml, env } = starterConfig(starter);
    writeFileSync(configFile, yaml, { flag: 'wx' });
    process.stderr.write(`wrote ${configFile}. Set:\n${env.map((e) => `  ${e.name}  ${e.what}`).join('\n')}\nthen: npx firebreak validate --online --config ${configFile}\n`);
    return 0;
  },
};
