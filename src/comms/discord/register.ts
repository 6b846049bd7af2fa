/** Registers the slash commands with Discord (PUT replaces the application's global commands). */
import { Routes } from 'discord.js';
import { ConfigError } from '../../core/errors.ts';
import type { DiscordConfig } from '../../config/types.ts';
import { COMMAND_DEFINITIONS } from './commands.ts';
import { createDiscordRest, toDeliveryError } from './deliver.ts';

export async function registerCommands(config: DiscordConfig | undefined): Promise<Array<{ id: string; name: string; type?: number }>> {
  if (!config?.token || !config.applicationId) {
    throw new ConfigError([{ path: 'discord', message: 'set discord.token and discord.applicationId to register commands' }]);
  }
  try {
    return (await createDiscordRest(config).put(Routes.applicationCommands(config.applicationId), { body: COMMAND_DEFINITIONS })) as Array<{ id: string; name: string; type?: number }>;
  } catch (error) {
    throw toDeliveryError(error, 'registering commands');
  }
}
