/**
 * Models in private chats: `/start CODE` linking, videos in (video, video document, video note, animation,
 * albums), `/help` and `/estado`. People who are not linked get a polite refusal and nothing is stored or
 * downloaded. Videos only become a Telegram file reference here; the content workflow downloads them.
 */
import { Composer, type Api, type Context } from 'grammy';
import type { Message } from 'grammy/types';
import { modelRules } from '../core/rules.js';
import type { Language } from '../core/types.js';
import { recentContentsOfModel } from '../db/contents.js';
import { findModelByTelegramUser } from '../db/models.js';
import type { Model } from '../db/schema.js';
import { linkTelegramAccount, submitTelegramVideo, type TelegramVideo, type TelegramVideoKind } from '../services/telegram.js';
import { diskTooFull } from '../services/storage.js';
import type { Batch, Batcher } from './batches.js';
import { logError, safeReply, safeSend, type BotDeps } from './deps.js';
import { clip, esc, formatMegabytes, formatWhen, languageOfTelegramUser, shortId, textsFor } from './messages.js';

/** A video waiting in its batch (album or text-after grouping) to be submitted. */
export type PendingVideo = Omit<TelegramVideo, 'context'> & { language: Language };

type ModelContext = Context & { model?: Model };

const maxContextLength = 4000;
/** Wrong link codes a person may try per hour before the bot stops checking them. */
const maxLinkAttemptsPerHour = 10;

const rulesOf = (model: Model) => modelRules(model);

type Found = { kind: TelegramVideoKind; file: { file_id?: unknown; file_unique_id?: unknown; file_size?: unknown; mime_type?: unknown; file_name?: unknown } }
  | { refused: 'not_video' };

/** The video in a message, a refusal for a file that is not one, or undefined when the message carries no file. */
function videoOf(message: Message): Found | undefined {
  if (message.video) return { kind: 'video', file: message.video };
  if (message.video_note) return { kind: 'video_note', file: message.video_note };
  if (message.animation) return { kind: 'animation', file: message.animation };
  if (message.document) {
    const mime = typeof message.document.mime_type === 'string' ? message.document.mime_type.toLowerCase() : '';
    return mime.startsWith('video/') ? { kind: 'document', file: message.document } : { refused: 'not_video' };
  }
  const other = ['photo', 'sticker', 'voice', 'audio', 'contact', 'location', 'venue', 'poll', 'dice', 'game', 'story', 'paid_media'] as const;
  return other.some((k) => message[k as keyof Message] !== undefined) ? { refused: 'not_video' } : undefined;
}

const validFileId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 512;

export function intakeComposer(deps: BotDeps, batcher: Batcher<PendingVideo>): Composer<Context> {
  const { db, config } = deps;
  const telegram = config.telegram;
  // What Telegram lets the bot download, and never more than the API's own upload limit.
  const limit = () => Math.min(telegram.fileLimitBytes, config.maxUploadBytes);
  const limitText = () => formatMegabytes(limit());
  const composer = new Composer<ModelContext>();
  const chats = composer.chatType('private');
  const linkAttempts = new Map<number, { count: number; since: number }>();
  /** Album parts already answered "only videos", so an album of photos gets one answer, not one per photo. */
  const refusedGroups = new Map<number, string>();

  chats.use(async (ctx, next) => {
    if (!ctx.from || ctx.from.is_bot) return;
    // Both maps are only short-term memory; a flood of distinct senders must not grow them forever.
    if (linkAttempts.size > 10_000) linkAttempts.clear();
    if (refusedGroups.size > 10_000) refusedGroups.clear();
    await next();
  });

  chats.command('start', async (ctx) => {
    const code = (typeof ctx.match === 'string' ? ctx.match : '').trim();
    const fallback = textsFor(languageOfTelegramUser(ctx.from.language_code));
    if (!code) {
      const model = await findModelByTelegramUser(db, ctx.from.id);
      return safeReply(deps, ctx, model ? textsFor(rulesOf(model).language).alreadyLinked(model.name) : fallback.refusal);
    }
    const now = Date.now();
    const attempts = linkAttempts.get(ctx.from.id);
    if (attempts && now - attempts.since < 3_600_000 && attempts.count >= maxLinkAttemptsPerHour) {
      return safeReply(deps, ctx, fallback.codeInvalid);
    }
    const outcome = await linkTelegramAccount(db, { code, telegramUserId: ctx.from.id, username: ctx.from.username, sessionSecret: config.sessionSecret });
    if (outcome.status === 'linked') {
      linkAttempts.delete(ctx.from.id);
      deps.log.info({ modelId: outcome.model.id, telegramUserId: ctx.from.id }, 'telegram user linked');
      return safeReply(deps, ctx, textsFor(rulesOf(outcome.model).language).linked(outcome.model.name));
    }
    const fresh = !attempts || now - attempts.since >= 3_600_000;
    linkAttempts.set(ctx.from.id, { count: fresh ? 1 : attempts.count + 1, since: fresh ? now : attempts.since });
    return safeReply(deps, ctx, outcome.status === 'expired' ? fallback.codeExpired : fallback.codeInvalid);
  });

  // Everything else needs a linked model; anyone else gets the refusal (to messages only) and nothing is kept.
  chats.use(async (ctx, next) => {
    const model = await findModelByTelegramUser(db, ctx.from.id);
    if (!model) {
      if (ctx.message) await safeReply(deps, ctx, textsFor(languageOfTelegramUser(ctx.from.language_code)).refusal);
      return;
    }
    ctx.model = model;
    await next();
  });

  const linked = chats.filter((ctx): ctx is typeof ctx & { model: Model } => ctx.model !== undefined);
  const t = (ctx: { model: Model }) => textsFor(rulesOf(ctx.model).language);

  linked.command('help', (ctx) => safeReply(deps, ctx, t(ctx).help(limitText())));

  linked.command(['estado', 'status'], async (ctx) => {
    const texts = t(ctx);
    const rules = rulesOf(ctx.model);
    const recent = await recentContentsOfModel(db, ctx.model.id, 10);
    if (recent.length === 0) return safeReply(deps, ctx, texts.statusEmpty);
    const lines = recent.map(({ content, publications }) => {
      const when = formatWhen(content.receivedAt, rules.language, rules.timezone);
      let where: string;
      if (content.status === 'rejected') where = `${texts.contentStatus.rejected}: ${esc(clip(content.rejectionReason ?? '', 200))}`;
      else if (content.status === 'duplicate') where = texts.contentStatus.duplicate;
      else if (publications.length > 0) {
        where = publications.map(({ publication: p, platformName }) => {
          const platform = esc(platformName);
          if (p.status === 'published' && p.postUrl) return `${texts.publicationStatus.published} (${platform}): ${esc(p.postUrl)}`;
          if (p.status === 'scheduled' && p.scheduledTime) return `${texts.scheduledFor(formatWhen(p.scheduledTime, rules.language, rules.timezone))} (${platform})`;
          return `${texts.publicationStatus[p.status]} (${platform})`;
        }).join('; ');
      } else if (content.status === 'new' && content.captionDrafts && rules.approvalRequired) where = texts.waitingApproval;
      else where = texts.contentStatus[content.status];
      return `• <b>#${shortId(content.id)}</b> · ${esc(when)} — ${where}`;
    });
    return safeReply(deps, ctx, [texts.statusTitle, ...lines].join('\n'));
  });

  linked.on('message', async (ctx, next) => {
    const message = ctx.message;
    const found = videoOf(message);
    if (!found) return next();
    const texts = t(ctx);
    if ('refused' in found) {
      const group = message.media_group_id;
      if (group && refusedGroups.get(ctx.chat.id) === group) return;
      if (group) refusedGroups.set(ctx.chat.id, group);
      return safeReply(deps, ctx, texts.notVideo);
    }
    const { file } = found;
    if (!validFileId(file.file_id) || !validFileId(file.file_unique_id)) return safeReply(deps, ctx, texts.unreadable);
    const size = typeof file.file_size === 'number' && Number.isFinite(file.file_size) && file.file_size > 0 ? file.file_size : undefined;
    if (size !== undefined && size > limit()) {
      const byTelegram = telegram.fileLimitBytes <= config.maxUploadBytes;
      return safeReply(deps, ctx, (byTelegram ? texts.tooBig : texts.tooBigForUs)(formatMegabytes(size), limitText()));
    }
    const caption = typeof message.caption === 'string' ? message.caption.trim() : '';
    batcher.add(String(ctx.chat.id), {
      value: {
        model: { id: ctx.model.id }, language: rulesOf(ctx.model).language, telegramUserId: ctx.from.id, chatId: ctx.chat.id,
        messageId: message.message_id, mediaGroupId: message.media_group_id, kind: found.kind, fileId: file.file_id, fileUniqueId: file.file_unique_id,
        fileSize: size,
        mimeType: typeof file.mime_type === 'string' ? file.mime_type.slice(0, 100) : found.kind === 'document' ? undefined : 'video/mp4',
        fileName: typeof file.file_name === 'string' ? file.file_name.slice(0, 255) : undefined,
      },
      groupId: typeof message.media_group_id === 'string' ? message.media_group_id : undefined,
      caption: caption ? clip(caption, maxContextLength) : undefined,
    });
  });

  linked.on('message:text', async (ctx) => {
    const text = String(ctx.message.text).trim();
    if (text.startsWith('/')) return safeReply(deps, ctx, t(ctx).unknownCommand);
    if (text && batcher.attachText(String(ctx.chat.id), clip(text, maxContextLength))) return;
    return safeReply(deps, ctx, t(ctx).textHint);
  });

  // Any other message (a bare caption-less service message, a file type we do not know): say what we take.
  linked.on('message', (ctx) => safeReply(deps, ctx, t(ctx).notVideo));

  return composer as unknown as Composer<Context>;
}

/** Submits a batch (one content per video, the batch's context on each) and tells the model what was received. */
export function flushVideos(deps: BotDeps, api: Api) {
  return async (batch: Batch<PendingVideo>) => {
    const first = batch.items[0];
    if (!first) return;
    const replyTo = { reply_parameters: { message_id: first.messageId, allow_sending_without_reply: true } };
    // Below MIN_FREE_DISK_MB nothing is registered (no row, no workflow, no download): the model sends it again later.
    const declared = batch.items.reduce((sum, video) => sum + (video.fileSize ?? 0), 0);
    const full = await diskTooFull(deps.config.dataDir, deps.config.storage.minFreeDiskBytes, declared);
    if (full) {
      deps.log.warn({ chatId: first.chatId, videos: batch.items.length, freeBytes: full.freeBytes }, 'telegram videos refused: disk below MIN_FREE_DISK_MB');
      await safeSend(deps, api, first.chatId, textsFor(first.language).diskFull, replyTo);
      return;
    }
    const submitted: string[] = [];
    let already = 0;
    let failed = 0;
    for (const video of batch.items) {
      try {
        const result = await submitTelegramVideo(
          { db: deps.db, temporal: deps.temporal, lifecycle: deps.config.lifecycle, mediaDir: deps.config.mediaDir },
          { ...video, context: batch.context ?? null },
        );
        if (result.status === 'submitted') submitted.push(result.id);
        else already++;
      } catch (error) {
        failed++;
        logError(deps, error, 'telegram video not submitted', { chatId: video.chatId, messageId: video.messageId });
      }
    }
    const texts = textsFor(first.language);
    const lines = [
      submitted.length > 0 ? texts.received(submitted) : undefined,
      already > 0 ? texts.alreadyReceived : undefined,
      failed > 0 ? texts.submitFailed : undefined,
    ].filter((l): l is string => l !== undefined);
    await safeSend(deps, api, first.chatId, lines.join('\n\n'), { reply_parameters: { message_id: first.messageId, allow_sending_without_reply: true } });
  };
}
