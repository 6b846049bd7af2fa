#!/usr/bin/env node
/**
 * The `firebreak` command: parse, dispatch, print, exit. A user mistake ends in one line naming
 * what to fix, never a stack trace (FIREBREAK_DEBUG=1 shows it for bugs).
 */
import { ConfigError, isFirebreakError, reasonOf } from '../core/errors.ts';
import { type CommandSpec, commandHelp, parseCommand } from './args.ts';
/**
 * Each command's module is imported only when that command runs: `firebreak verify` need not load
 * helia, libp2p and the drill. Order here is the order of the usage text.
 */
const COMMANDS: Record<string, () => Promise<CommandSpec>> = {
  drill: async () => (await import('./drill.ts')).drillCommand,
  start: async () => (await import('./start.ts')).startCommand,
  status: async () => (await import('./status.ts')).statusCommand,
  scan: async () => (await import('./scan.ts')).scanCommand,
  validate: async () => (await import('./validate.ts')).validateCommand,
  postmortem: async () => (await import('./postmortem.ts')).postmortemCommand,
  anchor: async () => (await import('./anchor.ts')).anchorCommand,
  verify: async () => (await import('./verify.ts')).verifyCommand,
  deploy: async () => (await import('./deploy.ts')).deployCommand,
  discord: async () => (await import('./discord.ts')).discordCommand,
  telegram: async () => (await import('./telegram.ts')).telegramCommand,
  bench: async () => (await import('./bench.ts')).benchCommand,
  init: async () => (await import('./init.ts')).initCommand,
};

async function usage(): Promise<string> {
  const specs = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  const width = Math.max(...specs.map((c) => c.name.length)) + 2;
  return [
    'firebreak — incident response for Web3 bridges',
    '',
    'usage: firebreak <command> [options]   (firebreak <command> --help for details)',
    '',
    ...specs.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await usage());
    return name ? 0 : 1;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(`firebreak: unknown command "${name}"\n\n${await usage()}`);
    return 1;
  }
  const command = await load();
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
