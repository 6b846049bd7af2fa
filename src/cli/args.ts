/**
 * Flag parsing shared by every command: node:util parseArgs (strict, so a typo is an error), the
 * common `--config` and `--help`, and the one-line failure every command ends with.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BadRequestError } from '../core/errors.ts';

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  /** lines explaining the flags, printed by --help */
  help: string[];
  options: NonNullable<ParseArgsConfig['options']>;
  allowPositionals?: boolean;
  run(parsed: ParsedCommand): Promise<number>;
}

export interface ParsedCommand {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  configFile: string;
}

export const COMMON_OPTIONS = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseCommand(spec: CommandSpec, argv: string[]): ParsedCommand | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...spec.options },
      allowPositionals: spec.allowPositionals ?? false,
      strict: true,
    });
  } catch (error) {
    throw new BadRequestError(`${(error as Error).message.split('\n')[0]} (see firebreak ${spec.name} --help)`, { code: 'usage' });
  }
  if (parsed.values.help) return 'help';
  return {
    values: parsed.values as ParsedCommand['values'],
    positionals: parsed.positionals,
    configFile: (parsed.values.config as string | undefined) ?? './firebreak.yaml',
  };
}

export function commandHelp(spec: CommandSpec): string {
  return [
    `firebreak ${spec.name} — ${spec.summary}`,
    '',
    `usage: ${spec.usage}`,
    '',
    ...spec.help,
    '  --config, -c FILE   config file (default ./firebreak.yaml)',
    '  --help, -h          this help',
    '',
  ].join('\n');
}
