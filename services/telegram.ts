/**
 * Telegram commands shared by the API, the dashboard and the bot: one-time link codes for models, linking a
 * Telegram user with a code, and turning a video a model sent to the bot into a content.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { extname, join } from 'node:path';
import { renderSVG } from 'uqr';
import type { TelegramConfig } from '../config.js';
import { linkCodeHash } from '../crypto/link-codes.js';
import type { Db } from '../db/client.js';
import { linkTelegramUser, setModelLinkCode } from '../db/models.js';
import { deleteTelegramUpload, insertTelegramUpload, setTelegramUploadContent } from '../db/telegram.js';
import { recordEvent } from '../db/events.js';
import type { Model } from '../db/schema.js';
import { submitContent, type ContentServiceDeps } from './contents.js';
import { ServiceError } from './errors.js';

/** Unambiguous when read aloud or typed from a phone: no 0/O, 1/I/L. */
const codeAlphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const codeLength = 10;
/** What `/start` may carry: Telegram deep-link payloads are 1-64 of these characters. */
export const linkCodePattern = /^[A-Za-z0-9_-]{1,64}$/;

export function newLinkCode(): string {
  let code = '';
  for (let i = 0; i < codeLength; i++) code += codeAlphabet[randomInt(codeAlphabet.length)];
  return code;
}

/** What finding the bot's username needs: the configured name, or the token to ask the Bot API (getMe) with. */
export type BotIdentity = Pick<TelegramConfig, 'apiRoot' | 'token' | 'botUsername'>;

/** getMe answers per token, kept for the process's life (a bot's username does not change under one token). */
const botUsernames = new Map<string, Promise<string | null>>();
const telegramUsername = /^[A-Za-z0-9_]{5,32}$/;

/**
 * The bot's @username (without '@'), for `t.me` deep links: TELEGRAM_BOT_USERNAME when set, else asked once from the
 * Bot API (getMe) with the token and cached; null without a bot, or when Telegram cannot be asked right now (the
 * next call asks again). The token is in the request URL only: nothing here logs or returns it.
 */
export async function botUsername(bot: BotIdentity | undefined): Promise<string | null> {
  if (!bot) return null;
  if (bot.botUsername) return bot.botUsername.replace(/^@/, '');
  const token = bot.token;
  if (!token) return null;
  const key = `${bot.apiRoot}\u0000${token}`;
  let pending = botUsernames.get(key);
  if (!pending) {
    pending = askUsername(bot.apiRoot, token);
    botUsernames.set(key, pending);
    pending.then((name) => { if (name === null) botUsernames.delete(key); }, () => botUsernames.delete(key));
  }
  return pending;
}

async function askUsername(apiRoot: string, token: string): Promise<string | null> {
  try {
    const response = await fetch(`${apiRoot}/bot${token}/getMe`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) return null;
    const body = (await response.json()) as { ok?: boolean; result?: { username?: unknown } };
    const name = body.ok ? body.result?.username : undefined;
    return typeof name === 'string' && telegramUsername.test(name) ? name : null;
  } catch {
    // Network trouble: no link this time. The error (whose text may carry the URL, hence the token) is dropped.
    return null;
  }
}

/** `https://t.me/<bot>?start=<code>`: opening it on a phone starts the bot with the code already typed. */
export function telegramDeepLink(username: string, code: string): string {
  return `https://t.me/${encodeURIComponent(username)}?start=${encodeURIComponent(code)}`;
}

/** The deep link as a QR code, SVG markup (uqr: no dependencies, plain SVG paths, no script). */
export function qrCodeSvg(text: string): string {
  return renderSVG(text, { ecc: 'M', border: 2, pixelSize: 6 });
}

/**
 * A fresh one-time code for the model (any earlier unused code stops working), with the bot's deep link and its QR
 * code when a bot is known (`bot`: TELEGRAM_BOT_USERNAME, or a token to ask getMe with). Only its HMAC is stored
 * (`sessionSecret` keys it, crypto/link-codes.ts): this answer is the one time the code is shown.
 */
export async function createTelegramLinkCode(db: Db, modelId: string, opts: { ttlMs: number; actor: string; sessionSecret: string; bot?: BotIdentity }) {
  const expiresAt = new Date(Date.now() + opts.ttlMs);
  for (let attempt = 0; ; attempt++) {
    const code = newLinkCode();
    try {
      if (!(await setModelLinkCode(db, modelId, linkCodeHash(opts.sessionSecret, code), expiresAt))) throw new ServiceError('not_found', 'not_found', `model ${modelId} not found`);
      await recordEvent(db, 'manual_adjustment', { change: 'telegram_link_code', expiresAt: expiresAt.toISOString() }, { modelId, actor: opts.actor });
      const username = await botUsername(opts.bot);
      const deepLink = username ? telegramDeepLink(username, code) : null;
      return { code, expiresAt: expiresAt.toISOString(), deepLink, qrSvg: deepLink ? qrCodeSvg(deepLink) : null };
    } catch (error) {
      // 31^10 codes: a collision with a live code is a once-in-a-lifetime event, but it is a unique violation, not a failure.
      if ((error as { code?: string }).code === '23505' && attempt < 3) continue;
      throw error;
    }
  }
}

export type LinkOutcome = { status: 'linked'; model: Model } | { status: 'invalid' | 'expired' };

/** `/start CODE`: links the Telegram user to the code's model (found by the code's HMAC). Codes work once and expire. */
export async function linkTelegramAccount(
  db: Db, input: { code: string; telegramUserId: number; username?: string; sessionSecret: string },
): Promise<LinkOutcome> {
  const code = input.code.trim().toUpperCase();
  if (!linkCodePattern.test(code)) return { status: 'invalid' };
  const result = await linkTelegramUser(db, linkCodeHash(input.sessionSecret, code), input.telegramUserId);
  if (result.status !== 'linked') return result;
  await recordEvent(db, 'telegram_linked', { telegramUserId: input.telegramUserId, username: input.username, previousModelId: result.previousModelId }, {
    modelId: result.model.id, actor: `telegram:${input.telegramUserId}`,
  });
  return { status: 'linked', model: result.model };
}

export type TelegramVideoKind = 'video' | 'document' | 'video_note' | 'animation';

export interface TelegramVideo {
  model: Pick<Model, 'id'>;
  telegramUserId: number;
  chatId: number;
  messageId: number;
  mediaGroupId?: string;
  kind: TelegramVideoKind;
  fileId: string;
  fileUniqueId: string;
  fileSize?: number;
  mimeType?: string;
  fileName?: string;
  context: string | null;
}

const extensionByMime: Record<string, string> = {
  'video/mp4': '.mp4', 'video/quicktime': '.mov', 'video/webm': '.webm', 'video/x-matroska': '.mkv',
  'video/3gpp': '.3gp', 'video/x-msvideo': '.avi', 'video/x-m4v': '.m4v', 'video/mpeg': '.mpg',
};
const knownExtensions = new Set([...Object.values(extensionByMime), '.mkv']);

function extensionOf(video: Pick<TelegramVideo, 'fileName' | 'mimeType'>): string {
  const fromName = video.fileName ? extname(video.fileName).toLowerCase() : '';
  if (knownExtensions.has(fromName)) return fromName;
  return extensionByMime[video.mimeType ?? ''] ?? '.mp4';
}

/**
 * Records the Telegram file and starts the content's workflow; nothing is downloaded here (the workflow's ingest
 * does it). A message already received (a redelivered update) is not submitted twice.
 */
export async function submitTelegramVideo(
  deps: ContentServiceDeps & { mediaDir: string }, video: TelegramVideo,
): Promise<{ status: 'submitted'; id: string; workflowId: string } | { status: 'already_received' }> {
  const ext = extensionOf(video);
  const filePath = join(deps.mediaDir, 'incoming', `telegram-${randomUUID()}${ext}`);
  const upload = await insertTelegramUpload(deps.db, {
    filePath, modelId: video.model.id, telegramUserId: video.telegramUserId, chatId: video.chatId, messageId: video.messageId,
    mediaGroupId: video.mediaGroupId ?? null, kind: video.kind, fileId: video.fileId, fileUniqueId: video.fileUniqueId,
    fileSize: video.fileSize ?? null, mimeType: video.mimeType ?? null, fileName: video.fileName ?? null,
  });
  if (!upload) return { status: 'already_received' };
  try {
    const created = await submitContent(deps, {
      modelId: video.model.id, filePath, originalFilename: video.fileName ?? `telegram-${video.kind}${ext}`,
      context: video.context, sentBy: `telegram:${video.telegramUserId}`,
    });
    await setTelegramUploadContent(deps.db, upload.id, created.id);
    return { status: 'submitted', ...created };
  } catch (error) {
    // submitContent removed its row; the Telegram record goes too, so the model can simply send it again.
    await deleteTelegramUpload(deps.db, upload.id);
    throw error;
  }
}
