/** What a war-room outbox row carries, per platform (the deliverers in this folder read them). */
import type { DiscordEmbed } from '../messages.ts';

export type DiscordRoomPayload =
  /** create the thread in `parentId` (the ops channel), unless one of this incident is there already */
  | { op: 'open'; name: string; parentId: string }
  /** a message in the thread; `live` = the room's live-status card, edited in place */
  | { op: 'post'; content?: string; embeds: DiscordEmbed[]; components?: unknown[]; nonce: string; text: string; live?: boolean; afterResolve?: boolean }
  | { op: 'rename'; name: string }
  /** archive the thread */
  | { op: 'close' };

export type TelegramRoomPayload =
  | { op: 'open'; name: string; chatId: string }
  /** `plain`: no parse mode (text that is not MarkdownV2) */
  | { op: 'post'; text: string; parseMode?: 'MarkdownV2'; plain?: boolean; live?: boolean; afterResolve?: boolean }
  | { op: 'rename'; name: string }
  | { op: 'close' };

/**
 * `afterResolve`: queued after the incident resolved (e.g. the postmortem anchored). Posting in the
 * closed room reopens it for the message and closes it again; a message of an open incident leaves
 * a room it had to reopen (an auto-archived thread) open.
 */

/** What the deliverers return for an `open` row (kept in the outbox row's result). */
export interface DiscordRoomOpened {
  threadId: string;
  /** found among the channel's active threads (made before a crash), not created now */
  found?: boolean;
}

export interface TelegramRoomOpened {
  chatId: string;
  topicId: number;
}
