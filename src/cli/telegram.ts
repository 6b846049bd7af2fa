import { BadRequestError } from '../core/errors.ts';
import { loadConfig } from '../config/load.ts';
import { setTelegramWebhook } from '../comms/telegram/set-webhook.ts';
import type { CommandSpec } from './args.ts';

export const telegramCommand: CommandSpec = {
  name: 'telegram',
  summary: 'Telegram setup: set-webhook <url> (point the bot at <url>/webhooks/telegram)',
  usage: 'firebreak telegram set-webhook <url> [--config FILE]',
  help: ['  set-webhook <url>   setWebhook to <url>/webhooks/telegram with telegram.webhookSecret as the secret token'],
  options: {},
  allowPositionals: true,
  async run({ positionals, configFile }) {
    if (positionals[0] !== 'set-webhook' || positionals.length !== 2) {
      throw new BadRequestError('usage: firebreak telegram set-webhook <url> (see firebreak telegram --help)', { code: 'usage' });
    }
    const { config } = loadConfig(configFile);
    const { url } = await setTelegramWebhook(config.telegram, positionals[1]!);
    process.stdout.write(`webhook set: ${url} (updates carry telegram.webhookSecret)\n`);
    return 0;
  },
};
