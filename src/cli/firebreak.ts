#!/usr/bin/env node
/**
 * The `firebreak` command: parse, dispatch, print, exit. A user mistake ends in one line naming
 * what to fix, never a stack trace (FIREBREAK_DEBUG=1 shows it for bugs).
 */
import { ConfigError, isFirebreakError, reasonOf } from '../core/errors.ts';
import { type CommandSpec, commandHelp, parseCommand } from './args.ts';
import { anchorCommand } from './anchor.ts';
import { benchCommand } from './bench.ts';
import { deployCommand } from './deploy.ts';
import { discordCommand } from './discord.ts';
import { drillCommand } from './drill.ts';
import { postmortemCommand } from './postmortem.ts';
import { scanCommand } from './scan.ts';
import { startCommand } from './start.ts';
import { statusCommand } from './status.ts';
import { validateCommand } from './validate.ts';
import { verifyCommand } from './verify.ts';

const COMMANDS: CommandSpec[] = [drillCommand, scanCommand, validateCommand, startCommand, statusCommand, postmortemCommand, anchorCommand, verifyCommand, benchCommand, discordCommand, deployCommand];

/** Commands of the product contract that this build does not ship yet: say so plainly. */
const PLANNED: Record<string, string> = {};

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'firebreak — incident response for Web3 bridges',
    '',
    'usage: firebreak <command> [options]   (firebreak <command> --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    ...(Object.keys(PLANNED).length > 0 ? [`not in this build yet: ${Object.keys(PLANNED).join(', ')}`, ''] : []),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    if (PLANNED[name]) {
      process.stderr.write(`firebreak ${name}: not available in this build yet (${PLANNED[name]})\n`);
      return 2;
    }
    process.stderr.write(`firebreak: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  const parsed = parseCommand(command, rest);
  if (parsed === 'help') {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  return command.run(parsed);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const name = process.argv[2] ?? '';
    if (error instanceof ConfigError && error.details.printed) {
      process.stderr.write(`firebreak ${name}: invalid config (${error.issues.length} problem${error.issues.length === 1 ? '' : 's'})\n`);
    } else {
      process.stderr.write(`firebreak ${name}: ${reasonOf(error)}\n`);
    }
    if (process.env.FIREBREAK_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    else if (!isFirebreakError(error)) process.stderr.write('(this looks like a bug: FIREBREAK_DEBUG=1 shows the stack)\n');
    process.exitCode = 1;
  },
);
