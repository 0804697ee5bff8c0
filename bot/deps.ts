import type { Client } from '@temporalio/client';
import type { Api, Context } from 'grammy';
import type { User } from 'grammy/types';
import type { Logger } from 'pino';
import type { AppConfig } from '../config.js';
import type { Db } from '../db/client.js';
import { errorSummary } from './safety.js';

/** What every part of the bot gets; built once per process. */
export interface BotDeps {
  db: Db;
  temporal: Client;
  config: AppConfig;
  log: Logger;
}

/** Who acted, for audit events: the admin's @username when there is one, else the Telegram user id. */
export const actorOf = (from: User | undefined) => `telegram:${from?.username ? `@${from.username}` : (from?.id ?? 'unknown')}`;

export const logError = (deps: BotDeps, error: unknown, what: string, extra: Record<string, unknown> = {}) =>
  deps.log.error({ ...extra, error: errorSummary(error, deps.config.telegram.token) }, what);

/** Replies without letting a failed reply (blocked bot, deleted chat) fail the update. */
export async function safeReply(deps: BotDeps, ctx: Context, text: string, extra: Parameters<Context['reply']>[1] = {}) {
  try {
    await ctx.reply(text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...extra });
  } catch (error) {
    logError(deps, error, 'telegram reply failed', { chatId: ctx.chat?.id });
  }
}

export async function safeSend(deps: BotDeps, api: Api, chatId: number, text: string, extra: Parameters<Api['sendMessage']>[2] = {}) {
  try {
    return await api.sendMessage(chatId, text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...extra });
  } catch (error) {
    logError(deps, error, 'telegram send failed', { chatId });
    return undefined;
  }
}
