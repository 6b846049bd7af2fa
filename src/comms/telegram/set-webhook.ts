/**
 * `firebreak telegram set-webhook <url>`: points the bot's webhook at `<url>/webhooks/telegram`
 * with `telegram.webhookSecret` as the secret token Telegram sends back on every update, through
 * telegraf's setWebhook against `telegram.apiRoot`, so nobody has to curl the Bot API with the token.
 */
import { Telegram } from 'telegraf';
import { BadRequestError, ConfigError } from '../../core/errors.ts';
import type { TelegramConfig } from '../../config/types.ts';
import { telegramFailure } from './client.ts';

/** The updates the webhook handles: messages (commands, replies in war-room topics). */
const ALLOWED_UPDATES = ['message'] as const;

export function webhookUrl(base: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new BadRequestError(`"${base}" is not a URL (e.g. https://ops.example.org)`, { code: 'usage' });
  }
  // Telegram only calls HTTPS webhooks; a loopback URL is allowed for stand-ins and tests
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(loopback && url.protocol === 'http:')) {
    throw new BadRequestError(`Telegram only calls https:// webhooks, not ${url.protocol}//`, { code: 'usage' });
  }
  return `${base.replace(/\/+$/, '')}/webhooks/telegram`;
}

export async function setTelegramWebhook(config: TelegramConfig | undefined, base: string): Promise<{ url: string }> {
  const issues = [];
  if (!config?.token) issues.push({ path: 'telegram.token', message: 'set the bot token to point its webhook' });
  if (!config?.webhookSecret) issues.push({ path: 'telegram.webhookSecret', message: 'set a secret: /webhooks/telegram refuses updates without it' });
  if (issues.length > 0) throw new ConfigError(issues);
  const url = webhookUrl(base);
  const telegram = new Telegram(config!.token!, { apiRoot: config!.apiRoot });
  try {
    await telegram.setWebhook(url, { secret_token: config!.webhookSecret!, allowed_updates: [...ALLOWED_UPDATES], drop_pending_updates: false });
  } catch (error) {
    throw telegramFailure(error);
  }
  return { url };
}
