import { BadRequestError } from '../core/errors.ts';
import { loadConfig } from '../config/load.ts';
import { registerCommands } from '../comms/discord/register.ts';
import type { CommandSpec } from './args.ts';

export const discordCommand: CommandSpec = {
  name: 'discord',
  summary: 'Discord setup: register-commands (the /incident slash command and the "Add to timeline" message command)',
  usage: 'firebreak discord register-commands [--config FILE]',
  help: ['  register-commands   PUT the /incident command definitions to the application'],
  options: {},
  allowPositionals: true,
  async run({ positionals, configFile }) {
    if (positionals[0] !== 'register-commands' || positionals.length !== 1) {
      throw new BadRequestError('usage: firebreak discord register-commands (see firebreak discord --help)', { code: 'usage' });
    }
    const { config } = loadConfig(configFile);
    const registered = await registerCommands(config.discord);
    process.stdout.write(`registered ${registered.map((c) => (c.type === 3 ? `"${c.name}" (message command)` : `/${c.name}`)).join(', ')} for application ${config.discord!.applicationId}\n`);
    return 0;
  },
};
