/**
 * Telegram channel driver: our bot (TELEGRAM_BOT_TOKEN, the same bot as bot/) posts the video to a channel where
 * the channel's owner made it an administrator with "Post messages". No OAuth: the account stores only which
 * channel (`chatId`, numeric, plus its `username` and `title` when connected); the token is the app's.
 *
 * Calls (https://core.telegram.org/bots/api): getMe, getChat, getChatMember to connect and to check the session;
 * one multipart `sendVideo` to publish. Plain `ctx.fetch` rather than grammY: activities/ may not import grammy
 * (test/layering.test.ts), and three calls do not need a Bot instance; through ctx.fetch they also wait for the
 * shared per-channel and per-bot rate limits and obey the worker's deadline, and failures keep one typed mapping.
 *
 * Exactly once: Telegram cannot search a channel's posts (the Bot API has no history or search method), so there
 * is no findByMarker. `submitting` is recorded right before sendVideo; a definite refusal (an `ok: false` answer
 * with a 4xx/429) records `prepared` again, because nothing was posted. An answer that never came (timeout, dropped
 * connection, 5xx) leaves `submitting`: the worker then ends the publication `unconfirmed` for a person to check
 * the channel, never a second post. That is the design, not a gap.
 *
 * Metrics: the Bot API gives a bot no view or reaction counts for channel posts (a Message has no `views`), so
 * readMetrics returns `{}` and the counters come from our tracking clicks only.
 */
import { randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { truncateText } from '../../../core/captions.js';
import type { Language } from '../../../core/types.js';
import { PublishError } from '../errors.js';
import { retryAfterHeaderMs } from './http.js';
import {
  CredentialsRejected, type ApiCredentials, type ApiDriverContext, type ApiPlatformDriver, type ApiPost, type ApiSetupContext,
} from './api-types.js';
import type { MetricsRead, PostRef, SessionState } from './types.js';

export interface TelegramChannelCredentials extends ApiCredentials {
  /** Bot API id of the channel, e.g. -1001234567890 (resolved from an @username when connecting). */
  chatId: number;
  /** The channel's public username when it had one at connection time (no '@'). */
  username?: string;
  title: string;
}

/** sendVideo: "caption 0-1024 characters after entities parsing" (we send no parse_mode: the text is the text). */
export const TELEGRAM_CAPTION_LIMIT = 1024;
/** The inline button under the video that opens the tracking link, in the model's caption language. */
export const LIVE_BUTTON_TEXT: Record<Language, string> = { es: 'Ver en vivo', en: 'Watch live' };
/**
 * The slowest upload we wait for: 1 MiB/s (8 Mbit/s) on top of the usual deadline, so a 50 MB video gets about
 * 50 s more and a stalled connection still ends.
 */
const UPLOAD_FLOOR_BYTES_PER_SECOND = 1024 * 1024;

interface TgUser { id: number; is_bot: boolean; first_name: string; username?: string }
interface TgChat { id: number; type: 'private' | 'group' | 'supergroup' | 'channel'; title?: string; username?: string }
interface TgChatMember { status: 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked'; can_post_messages?: boolean }
interface TgMessage { message_id: number; chat: TgChat }

type Answer<T> =
  | { ok: true; result: T }
  | { ok: false; status: number; description: string; retryAfterMs?: number };

function botToken(ctx: ApiSetupContext): string | undefined {
  // Non-enumerable in TelegramConfig: read it, never spread or log the config.
  return ctx.apps.telegram.token;
}

/**
 * One Bot API call (https://core.telegram.org/bots/api#making-requests). Answers `{ ok: false, … }` with the
 * status, Telegram's description and `parameters.retry_after`; throws a Retryable PublishError when no answer came
 * (deadlineFetch) or the body is not the Bot API's JSON (a proxy page): then nobody knows what happened.
 */
async function call<T>(ctx: ApiSetupContext, token: string, method: string, body: Record<string, unknown> | Blob = {}, timeoutMs?: number): Promise<Answer<T>> {
  // A Blob body is a multipart/form-data body from `multipart` (its type carries the boundary).
  const init: RequestInit = body instanceof Blob
    ? { method: 'POST', body }
    : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  // The URL holds the token: it goes to fetch only, never into a message or a log line.
  const response = await ctx.fetch(`${ctx.apps.telegram.apiRoot}/bot${token}/${method}`, init, timeoutMs !== undefined ? { timeoutMs } : {});
  let json: { ok?: boolean; result?: T; error_code?: number; description?: string; parameters?: { retry_after?: number } };
  try {
    json = await response.json() as typeof json;
  } catch {
    // api.telegram.org's front answers an over-size body itself; whatever its body, the request was refused.
    if (response.status === 413) return { ok: false, status: 413, description: 'Request Entity Too Large' };
    throw new PublishError('Retryable', `Telegram ${method}: HTTP ${response.status} without a Bot API answer`);
  }
  if (json.ok === true) return { ok: true, result: json.result as T };
  const retryAfter = json.parameters?.retry_after;
  return {
    ok: false,
    status: json.error_code ?? response.status,
    description: json.description ?? `HTTP ${response.status}`,
    retryAfterMs: typeof retryAfter === 'number' ? retryAfter * 1000 : retryAfterHeaderMs(response.headers),
  };
}

/** A failed answer nobody can read as "refused" (5xx, or no JSON): something may have happened. */
const definite = (status: number) => status >= 400 && status < 500;

/** Descriptions that say the bot lost its place in the channel (Client.cpp check_chat_access, TDLib rights errors). */
const lostChannel = /need administrator rights|not enough rights|CHAT_WRITE_FORBIDDEN|CHAT_ADMIN_REQUIRED|chat not found|not a member|kicked/i;

/** Null when the bot may post (creator, or administrator with "Post messages"); otherwise why not. */
function postingProblem(member: TgChatMember): string | null {
  if (member.status === 'creator') return null;
  if (member.status === 'administrator') return member.can_post_messages === true ? null : 'is an administrator without the "Post messages" right';
  if (member.status === 'kicked') return 'was banned from the channel';
  if (member.status === 'left') return 'is not in the channel';
  return `is only a ${member.status} of the channel, not an administrator`;
}

const howToFix = (bot: string) => `in the channel open Administrators → Add Admin → ${bot} and enable "Post messages"`;

/**
 * What the admin typed: a Bot API id (a number like -1001234567890, or that as text), '@channelname', or a
 * t.me/channelname link. Usernames are 5-32 characters of a-z, 0-9 and underscores, starting with a letter.
 */
export function parseChatId(value: unknown): number | string {
  const usage = 'give the channel\'s numeric id (like -1001234567890) or its public @username';
  const numeric = (n: number) => {
    if (!Number.isSafeInteger(n)) throw new CredentialsRejected('chatId', `chatId ${String(value)} is not a whole number: ${usage}`);
    if (n >= 0) throw new CredentialsRejected('chatId', `chatId ${n} is a user's or bot's id; a channel's id is negative, like -1001234567890`);
    return n;
  };
  if (typeof value === 'number') return numeric(value);
  if (typeof value !== 'string' || value.trim() === '') throw new CredentialsRejected('chatId', `chatId is required: ${usage}`);
  const text = value.trim();
  if (/^[+-]?\d+$/.test(text)) return numeric(Number(text));
  const link = /^(?:https?:\/\/)?(?:t\.me|telegram\.me)\/([^/?#]+)\/?$/i.exec(text);
  const name = link ? link[1]! : text.replace(/^@/, '');
  if (/^[A-Za-z][A-Za-z0-9_]{4,31}$/.test(name)) return `@${name}`;
  throw new CredentialsRejected('chatId', `chatId "${text}" is neither a channel id nor a @username: ${usage}`);
}

/**
 * The caption as Telegram takes it: at most 1024 characters. The scheduled caption is normally fitted already
 * (the platform's maxCaptionLength); when it is longer, the text gives way and the marker stays, last.
 */
export function fitCaption(caption: string, marker: string, limit = TELEGRAM_CAPTION_LIMIT): string {
  if (caption.length <= limit) return caption;
  const mark = marker.trim();
  const at = mark ? caption.lastIndexOf(mark) : -1;
  if (at === -1) return truncateText(caption, limit);
  const rest = `${caption.slice(0, at)}${caption.slice(at + mark.length)}`.trimEnd();
  return [truncateText(rest, limit - mark.length - 1), mark].filter(Boolean).join('\n');
}

/**
 * The post's public address: https://t.me/<username>/<id> for a public channel, https://t.me/c/<id>/<id> (the
 * chat id without its -100 prefix; opens for members only) for a private one.
 */
export function postUrl(chat: Pick<TgChat, 'id' | 'username'>, messageId: number): string {
  if (chat.username) return `https://t.me/${chat.username}/${messageId}`;
  return `https://t.me/c/${String(chat.id).replace(/^-100/, '').replace(/^-/, '')}/${messageId}`;
}

/**
 * The button goes only where Telegram takes it: an http(s) URL whose host has a dot (it refuses `localhost`
 * and other dotless hosts with BUTTON_URL_INVALID). The caption carries the link anyway.
 */
function buttonUrl(trackingUrl: string | null): string | null {
  if (!trackingUrl) return null;
  try {
    const url = new URL(trackingUrl);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.includes('.') ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * A multipart/form-data body (RFC 7578) with text fields and one file, built by hand rather than with FormData:
 * FormData turns every line break of a text field into CRLF (the HTML form rules), so the caption would reach
 * Telegram changed and longer than we counted. The file part is the file-backed Blob itself (read when sent).
 */
function multipart(fields: Record<string, string>, file: { field: string; filename: string; type: string; blob: Blob }): Blob {
  const boundary = `trafico-${randomBytes(16).toString('hex')}`;
  const parts: (string | Blob)[] = Object.entries(fields).map(([name, value]) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  parts.push(
    `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`,
    file.blob,
    `\r\n--${boundary}--\r\n`,
  );
  return new Blob(parts, { type: `multipart/form-data; boundary=${boundary}` });
}

async function getMe(ctx: ApiSetupContext, token: string): Promise<Answer<TgUser>> {
  return call<TgUser>(ctx, token, 'getMe');
}

export const telegramChannelDriver: ApiPlatformDriver<TelegramChannelCredentials> = {
  kind: 'api',
  /**
   * https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this: "your bot will not be able
   * to send more than 20 messages per minute to the same group" and "the API will not allow more than 30 messages
   * per second or so" per bot. One account is one channel, so 20 calls a minute per account (a publication is one
   * call), 30 a second for the bot across every channel.
   */
  rateLimits: { perAccount: { points: 20, durationSeconds: 60 }, perApp: { points: 30, durationSeconds: 1 } },

  async acceptCredentials(ctx, body) {
    const token = botToken(ctx);
    if (!token) {
      throw new CredentialsRejected('chatId', 'no Telegram bot is configured: set TELEGRAM_BOT_TOKEN (the bot from @BotFather that will post) and restart, then make that bot an administrator of the channel');
    }
    const wanted = parseChatId(body.chatId);
    const refused = (what: string, answer: { status: number; description: string; retryAfterMs?: number }) => {
      if (answer.status === 401) return new CredentialsRejected('chatId', `Telegram refuses the bot token (TELEGRAM_BOT_TOKEN): ${answer.description}`);
      if (definite(answer.status) && answer.status !== 429) return new CredentialsRejected('chatId', `${what}: ${answer.description}`);
      return apiFailure(what.startsWith('Telegram') ? what : `Telegram ${what}`, answer);
    };

    const me = await getMe(ctx, token);
    if (!me.ok) throw refused('getMe', me);
    const bot = me.result.username ? `@${me.result.username}` : `the bot ${me.result.first_name}`;

    const chat = await call<TgChat>(ctx, token, 'getChat', { chat_id: wanted });
    if (!chat.ok) {
      throw refused(`Telegram cannot open ${String(wanted)}`, chat.status === 400 || chat.status === 403
        ? { ...chat, description: `${chat.description}. Add ${bot} to the channel as an administrator with "Post messages" (a private channel is found by its numeric id only)` }
        : chat);
    }
    if (chat.result.type !== 'channel') {
      throw new CredentialsRejected('chatId', `${String(wanted)} is a ${chat.result.type} chat, not a channel: give the id or @username of a channel`);
    }

    const member = await call<TgChatMember>(ctx, token, 'getChatMember', { chat_id: chat.result.id, user_id: me.result.id });
    if (!member.ok) throw refused(`Telegram cannot tell ${bot}'s rights in the channel`, { ...member, description: `${member.description}; ${howToFix(bot)}` });
    const problem = postingProblem(member.result);
    if (problem) throw new CredentialsRejected('chatId', `${bot} ${problem} "${chat.result.title ?? wanted}": ${howToFix(bot)}`);

    const { id, username, title } = chat.result;
    return {
      credentials: { chatId: id, ...(username ? { username } : {}), title: title ?? String(id) },
      ...(username ? { username } : {}),
    };
  },

  /** The same rights check as connecting: the bot must still be an administrator that may post. */
  async checkSession(ctx): Promise<SessionState> {
    const credentials = await ctx.credentials();
    const token = botToken(ctx);
    if (!token) {
      ctx.log.warn('TELEGRAM_BOT_TOKEN is not set: no Telegram channel can be posted to');
      return 'logged_out';
    }
    try {
      const me = await getMe(ctx, token);
      if (!me.ok) {
        ctx.log.warn({ status: me.status, description: me.description }, 'Telegram getMe failed');
        return me.status === 401 ? 'logged_out' : 'unknown';
      }
      const member = await call<TgChatMember>(ctx, token, 'getChatMember', { chat_id: credentials.chatId, user_id: me.result.id });
      if (!member.ok) {
        ctx.log.warn({ status: member.status, description: member.description }, 'Telegram getChatMember failed');
        // 400 chat not found / 403 kicked or not a member: the bot lost the channel. 429 and 5xx say nothing.
        return definite(member.status) && member.status !== 429 ? 'logged_out' : 'unknown';
      }
      const problem = postingProblem(member.result);
      if (problem) ctx.log.warn({ chatId: credentials.chatId }, `the bot ${problem}`);
      return problem ? 'logged_out' : 'logged_in';
    } catch (error) {
      if (error instanceof PublishError && error.type === 'Retryable') return 'unknown';
      throw error;
    }
  },

  async publish(ctx, post: ApiPost): Promise<PostRef> {
    const credentials = await ctx.credentials();
    const token = botToken(ctx);
    if (!token) throw new PublishError('SessionExpired', 'TELEGRAM_BOT_TOKEN is not set: no Telegram channel can be posted to; set it, restart, then check the account again');
    const channel = `"${credentials.title}"`;

    // The lead caps the platform's video size when scheduling; this only makes sure we never start an upload
    // Telegram must refuse (a 413 after sending 50 MB and more).
    const { size } = await stat(post.videoPath);
    // sendVideo: 50 MB through the cloud Bot API, 2000 MB through a local server (config.ts `uploadLimitBytes`).
    const { localApi, uploadLimitBytes: limit } = ctx.apps.telegram;
    if (size > limit) {
      const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
      throw new PublishError('RejectedByPlatform', localApi
        ? `the video is ${mb(size)}; a local Bot API server uploads at most ${mb(limit)}`
        : `the video is ${mb(size)} and the Telegram cloud Bot API uploads at most ${mb(limit)}: the local Bot API server is needed (TELEGRAM_API_ROOT pointing at telegram-bot-api --local, TELEGRAM_LOCAL_API=true), or a smaller video`);
    }

    const fields: Record<string, string> = {
      chat_id: String(credentials.chatId),
      caption: fitCaption(post.caption, post.marker),
      // Clients play a streamable mp4 while it downloads instead of after.
      supports_streaming: 'true',
    };
    if (post.media.width > 0 && post.media.height > 0) {
      fields.width = String(post.media.width);
      fields.height = String(post.media.height);
    }
    if (post.media.durationSeconds > 0) fields.duration = String(Math.round(post.media.durationSeconds));
    // Telegram has no per-post adult flag a bot can set; the spoiler blurs the video in the feed until the reader
    // taps it, which is the closest thing: nobody sees sensitive content by scrolling past.
    if (post.sensitive) fields.has_spoiler = 'true';
    const button = buttonUrl(post.trackingUrl);
    if (button) fields.reply_markup = JSON.stringify({ inline_keyboard: [[{ text: LIVE_BUTTON_TEXT[post.language ?? 'es'], url: button }]] });
    else if (post.trackingUrl) ctx.log.warn({ trackingUrl: post.trackingUrl }, 'tracking URL not usable as a Telegram button (needs http(s) and a public host); posting without it');
    // The file's bytes are read from disk when the request is sent; the name tells Telegram nothing about us.
    const body = multipart(fields, { field: 'video', filename: 'video.mp4', type: 'video/mp4', blob: await openAsBlob(post.videoPath) });

    // One call uploads and posts: its deadline grows with the file, or a slow uplink would cut every big upload
    // short and leave it `unconfirmed`.
    const uploadMs = ctx.timeoutMs + Math.ceil(body.size / UPLOAD_FLOOR_BYTES_PER_SECOND) * 1000;
    await ctx.step('submitting');
    const sent = await call<TgMessage>(ctx, token, 'sendVideo', body, uploadMs);
    if (!sent.ok) {
      // An ok:false 4xx/429 means Telegram refused it: nothing was posted, a retry may post. A 5xx says nothing.
      if (definite(sent.status)) await ctx.step('prepared');
      if (sent.status === 401) {
        throw new PublishError('SessionExpired', `Telegram refuses the bot token (TELEGRAM_BOT_TOKEN): ${sent.description}; fix it, then check the account again`);
      }
      if (sent.status === 403 || (sent.status === 400 && lostChannel.test(sent.description))) {
        throw new PublishError('SessionExpired', `the bot can no longer post in channel ${channel} (Telegram: ${sent.description}): make it an administrator with "Post messages" again, then reconnect the account`);
      }
      throw apiFailure('Telegram sendVideo', sent);
    }
    const { message_id: messageId, chat } = sent.result;
    return { url: postUrl(chat, messageId), externalId: `${chat.id}:${messageId}` };
  },

  // No findByMarker: the Bot API cannot list or search a channel's posts (see the top of this file).

  /** The Bot API has no view, reaction or forward counts for a channel post: nothing to read, never zeros. */
  async readMetrics(_ctx: ApiDriverContext<TelegramChannelCredentials>, _post: PostRef): Promise<MetricsRead> {
    return {};
  },
};

/** 429 → Retryable after Telegram's retry_after; 5xx → Retryable; 413 and other 4xx → RejectedByPlatform with its words. */
function apiFailure(where: string, answer: { status: number; description: string; retryAfterMs?: number }): PublishError {
  if (answer.status === 429) {
    const wait = answer.retryAfterMs !== undefined ? `; retry in ${Math.ceil(answer.retryAfterMs / 1000)} s` : '';
    return new PublishError('Retryable', `${where}: ${answer.description}${wait}`, undefined, answer.retryAfterMs);
  }
  if (answer.status >= 500 || answer.status === 408) return new PublishError('Retryable', `${where}: HTTP ${answer.status} ${answer.description}`);
  if (answer.status === 413) {
    return new PublishError('RejectedByPlatform', `${where}: ${answer.description} (the cloud Bot API uploads at most 50 MB; a local Bot API server takes more)`);
  }
  return new PublishError('RejectedByPlatform', `${where}: ${answer.description}`);
}
