/**
 * The one place telegraf is used: a Bot API client at `telegram.apiRoot`, and the mapping of its
 * failures onto our error family (429 → RetryableError with retry_after, 5xx/network → retryable,
 * any other 4xx → permanent). Error messages never contain the bot token (it is part of the URL).
 */
import { Telegram } from 'telegraf';
import { FirebreakError, RetryableError } from '../../core/errors.ts';
import type { TelegramConfig } from '../../config/types.ts';

export interface SendMessageInput {
  chatId: string;
  text: string;
  parseMode?: 'MarkdownV2' | 'HTML';
  replyToMessageId?: number;
  /** a forum topic of the chat (war rooms) */
  messageThreadId?: number;
}

export interface SentMessage {
  messageId: number;
  chatId: string;
}

export interface EditMessageInput {
  chatId: string;
  messageId: number;
  text: string;
  parseMode?: 'MarkdownV2' | 'HTML';
}

export interface TelegramClient {
  sendMessage(input: SendMessageInput): Promise<SentMessage>;
  /** edit a message in place; 'not modified' counts as done */
  editMessageText(input: EditMessageInput): Promise<void>;
  /** any other Bot API method (forum topics, webhooks), failures mapped like the rest */
  call(method: string, payload: Record<string, unknown>): Promise<unknown>;
}

/** the message to edit is gone (deleted in the chat): post a new one instead */
export const MESSAGE_GONE = 'telegram_message_gone';

/** Telegram answers within seconds; a hung request must end well before the outbox claim (60 s) expires. */
const REQUEST_TIMEOUT_MS = 20_000;

export function createTelegramClient(config: Pick<TelegramConfig, 'token' | 'apiRoot'>, timeoutMs = REQUEST_TIMEOUT_MS): TelegramClient {
  if (!config.token) throw new FirebreakError('telegram.token is not set', { code: 'config' });
  const telegram = new Telegram(config.token, { apiRoot: config.apiRoot });

  async function call(method: string, payload: Record<string, unknown>): Promise<unknown> {
    try {
      // callApi (not sendMessage) so that the request can carry an abort signal
      return await telegram.callApi(method as never, payload as never, { signal: AbortSignal.timeout(timeoutMs) as never });
    } catch (error) {
      throw telegramFailure(error);
    }
  }

  return {
    call,
    async sendMessage(input) {
      const payload: Record<string, unknown> = {
        chat_id: input.chatId,
        text: input.text,
        link_preview_options: { is_disabled: true },
      };
      if (input.parseMode) payload.parse_mode = input.parseMode;
      if (input.messageThreadId !== undefined) payload.message_thread_id = input.messageThreadId;
      if (input.replyToMessageId !== undefined) {
        payload.reply_to_message_id = input.replyToMessageId;
        payload.allow_sending_without_reply = true;
      }
      const result = (await call('sendMessage', payload)) as { message_id: number; chat: { id: number | string } };
      return { messageId: result.message_id, chatId: String(result.chat?.id ?? input.chatId) };
    },
    async editMessageText(input) {
      const payload: Record<string, unknown> = {
        chat_id: input.chatId,
        message_id: input.messageId,
        text: input.text,
        link_preview_options: { is_disabled: true },
      };
      if (input.parseMode) payload.parse_mode = input.parseMode;
      try {
        await call('editMessageText', payload);
      } catch (error) {
        const description = (error as FirebreakError).details?.description;
        if (typeof description === 'string' && /message is not modified/i.test(description)) return;
        if (typeof description === 'string' && /message to edit not found|message can't be edited/i.test(description)) {
          throw new FirebreakError('the live-status message is gone', { code: MESSAGE_GONE });
        }
        throw error;
      }
    },
  };
}

interface TelegramErrorLike {
  response: { error_code: number; description?: string; parameters?: { retry_after?: number } };
}

function isTelegramError(error: unknown): error is TelegramErrorLike {
  const response = (error as TelegramErrorLike | null)?.response;
  return typeof response === 'object' && response !== null && typeof response.error_code === 'number';
}

/** Our error for a failed Bot API call (exported for tests). */
export function telegramFailure(error: unknown): FirebreakError {
  if (isTelegramError(error)) {
    const { error_code: status, description, parameters } = error.response;
    const what = `Telegram answered ${status}${description ? `: ${description}` : ''}`;
    if (status === 429) {
      const seconds = parameters?.retry_after;
      return new RetryableError(what, {
        code: 'telegram_rate_limited',
        retryAfterMs: typeof seconds === 'number' ? seconds * 1000 : undefined,
        details: { status },
      });
    }
    if (status >= 500) return new RetryableError(what, { code: 'telegram_unavailable', details: { status } });
    return new FirebreakError(`${what} (check telegram.chats and the message)`, { code: 'telegram_rejected', status: 502, details: { status, description } });
  }
  // network errors, timeouts, unreadable answers: nothing says Telegram got it, so retry. A timeout
  // after Telegram accepted is the one case that can repeat a message (Telegram has no idempotency key).
  const code = (error as { code?: string; type?: string; name?: string } | null);
  const reason = code?.code ?? code?.type ?? code?.name ?? 'network error';
  return new RetryableError(`Telegram Bot API unreachable (${reason})`, { code: 'telegram_unreachable' });
}
