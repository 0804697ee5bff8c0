/**
 * Media activities (task queue `media`, CPU-bound): ingest (store, probe, dedupe, reject unusable
 * media with a reason the model reads) and per-platform variants (trim / fit to 9:16) before publishing.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, rename, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { platformFit, platformSkipReason, variantPlan, type PlatformFit } from '../../core/platforms.js';
import type { DistributionRules, MediaFacts } from '../../core/types.js';
import { variantFrame, watermarkCacheInput } from '../../core/watermark.js';
import { inTransaction } from '../../db/client.js';
import { findContent, findOriginalBySha256, INGEST_ACTOR, saveIngestResult, updateContent, withModelMediaLock } from '../../db/contents.js';
import { recordEvent } from '../../db/events.js';
import { publicationContext, updatePublication } from '../../db/publications.js';
import { loadPublishingContext, platformCapabilities, type PublishingContext } from '../../db/publishing-context.js';
import type { Content } from '../../db/schema.js';
import type { ActivityDeps } from '../deps.js';
import { findTelegramUploadOf, markTelegramUploadDownloaded } from '../../db/telegram.js';
import { duplicateReason, invalidMediaReason, telegramFileReason, unfitMediaReason } from './messages.js';
import { assertDecodable, InvalidMediaError, makeThumbnail, probeVideo, sha256File } from './probe.js';
import { downloadTelegramFile, TelegramTransientError } from './telegram.js';
import { platformSlug, renderVariant, variantIsUsable } from './variants.js';

/**
 * `ok: false` stops the content: `reason` is what the model reads (in her language);
 * `duplicateOfId` is set when the video repeats an earlier content of hers.
 */
export type IngestResult = { ok: true } | { ok: false; reason: string; duplicateOfId?: string };

function factsColumns(facts: MediaFacts) {
  return {
    durationSeconds: facts.durationSeconds,
    width: facts.width,
    height: facts.height,
    sizeBytes: facts.sizeBytes,
    codec: facts.codec,
  };
}

export function createMediaActivities({ db, config, log }: ActivityDeps) {
  /** status 'rejected' + reason + event, together. The facts we did read stay on the row for the dashboard. */
  async function reject(
    content: Content,
    reason: string,
    details: { code: string; facts?: MediaFacts; sha256?: string; thumbnailPath?: string; filePath: string },
  ): Promise<IngestResult> {
    await inTransaction(db, async (tx) => {
      await updateContent(tx, content.id, {
        filePath: details.filePath,
        ...(details.facts ? factsColumns(details.facts) : {}),
        ...(details.sha256 ? { sha256: details.sha256 } : {}),
        ...(details.thumbnailPath ? { thumbnailPath: details.thumbnailPath } : {}),
        status: 'rejected',
        rejectionReason: reason,
        rejectedAt: new Date(),
        rejectedBy: INGEST_ACTOR,
      });
      await recordEvent(tx, 'content_rejected', { reason, code: details.code, ...(details.facts ?? {}) }, {
        contentId: content.id, modelId: content.modelId, actor: INGEST_ACTOR,
      });
    });
    return { ok: false, reason };
  }

  /**
   * Length/size: `unfit` (the reason the model reads) only when every platform the content may go to would skip it.
   * Without any active account there is nothing to measure against, so nothing is refused.
   */
  function fitsOf(facts: MediaFacts, { rules, targets }: PublishingContext): { unfit?: string; platformFits: Record<string, PlatformFit> } {
    const fits = targets.map(({ platform, capabilities: caps }) => ({ platform: platform.name, caps, fit: platformFit(facts, caps) }));
    const platformFits = Object.fromEntries(fits.map((f) => [f.platform, f.fit]));
    const skipped = (fit: PlatformFit) => fit === 'too_long' || fit === 'too_big';
    if (fits.length === 0 || !fits.every((f) => skipped(f.fit))) return { platformFits };
    const unfit = unfitMediaReason(
      {
        durationSeconds: facts.durationSeconds,
        sizeBytes: facts.sizeBytes,
        tooLong: fits.some((f) => f.fit === 'too_long'),
        tooBig: fits.some((f) => f.fit === 'too_big'),
        maxDurationSeconds: Math.max(...fits.map((f) => f.caps.maxDurationSeconds)),
        maxSizeBytes: Math.max(...fits.map((f) => f.caps.maxSizeBytes)),
      },
      rules.language,
    );
    return { unfit, platformFits };
  }

  const storedPath = (content: Content) => join(config.mediaDir, content.id, `original${extname(content.filePath) || '.mp4'}`);

  /**
   * A video sent to the Telegram bot arrives here as a file reference: download it to the content's file path
   * (then ingest goes on as for an upload). Telegram refusing the file (too big, gone) rejects the content with a
   * reason the model reads; network trouble is retried by Temporal.
   */
  async function fetchFromTelegram(content: Content, rules: DistributionRules): Promise<IngestResult | undefined> {
    if (existsSync(content.filePath) || existsSync(storedPath(content))) return undefined;
    const upload = await findTelegramUploadOf(db, content);
    if (!upload) return undefined;
    const { telegram } = config;
    if (!telegram.token) {
      throw ApplicationFailure.nonRetryable(`content ${content.id} came through Telegram but this worker has no TELEGRAM_BOT_TOKEN`, 'TelegramNotConfigured');
    }
    const started = Date.now();
    let outcome;
    try {
      outcome = await downloadTelegramFile({
        apiRoot: telegram.apiRoot, token: telegram.token, fileId: upload.fileId, dest: content.filePath,
        // Telegram itself refuses what its API cannot serve (getFile "file is too big"); this is our own upload limit.
        maxBytes: config.maxUploadBytes, localApi: telegram.localApi,
      });
    } catch (error) {
      if (error instanceof TelegramTransientError) throw ApplicationFailure.retryable(error.message, 'TelegramUnavailable');
      throw error;
    }
    if (!outcome.ok) {
      log.warn({ contentId: content.id, code: outcome.code, detail: outcome.detail }, 'telegram video not downloadable');
      const limit = outcome.detail.startsWith('more than') ? config.maxUploadBytes : telegram.fileLimitBytes;
      return reject(content, telegramFileReason(outcome.code, rules.language, limit), { code: `telegram_${outcome.code}`, filePath: content.filePath });
    }
    await markTelegramUploadDownloaded(db, upload.id);
    log.info({ contentId: content.id, bytes: outcome.bytes, ms: Date.now() - started }, 'telegram video downloaded');
    return undefined;
  }

  /** Moves the upload to media/<contentId>/original.<ext>; a retry after a crash finds it already moved. */
  async function storeUpload(content: Content): Promise<string> {
    const dir = join(config.mediaDir, content.id);
    const finalPath = storedPath(content);
    if (content.filePath !== finalPath) {
      if (existsSync(content.filePath)) {
        await mkdir(dir, { recursive: true });
        await rename(content.filePath, finalPath);
      } else if (!existsSync(finalPath)) {
        throw ApplicationFailure.nonRetryable(`uploaded file for content ${content.id} is missing`, 'NotFound');
      }
      await updateContent(db, content.id, { filePath: finalPath });
    }
    return finalPath;
  }

  /**
   * A repost (db/reposts.ts) starts with its origin's file path and facts. It gets its own file at
   * media/<id>/original.<ext> — a hard link (no copy of the bytes; a copy where the filesystem cannot link) — so media
   * retention deleting one content's video never takes the other's. The decode check, the hash and the duplicate
   * check are skipped (same bytes as an origin that passed them); the probe, the thumbnail and the fit against the
   * repost's own target accounts are done. Idempotent: the thumbnail path on the row says a previous attempt finished.
   */
  async function ingestRepost(content: Content, publishing: PublishingContext): Promise<IngestResult> {
    const dir = join(config.mediaDir, content.id);
    const filePath = storedPath(content);
    if (content.filePath !== filePath) {
      if (!existsSync(filePath)) {
        if (!existsSync(content.filePath)) {
          throw ApplicationFailure.nonRetryable(`video of content ${content.originContentId} (origin of repost ${content.id}) is missing`, 'NotFound');
        }
        await mkdir(dir, { recursive: true });
        try {
          await link(content.filePath, filePath);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
          // Another filesystem (or one without hard links): a copy, renamed into place whole.
          const partial = `${filePath}.partial`;
          await copyFile(content.filePath, partial);
          await rename(partial, filePath).catch(async (renameError: unknown) => {
            await rm(partial, { force: true });
            throw renameError;
          });
        }
      }
      await updateContent(db, content.id, { filePath });
    }
    const thumbnailPath = join(dir, 'thumbnail.jpg');
    // ffprobe only reads the header; the costly full decode and hash are what a repost skips.
    const facts = await probeVideo(filePath);
    const sha256 = content.sha256 ?? await sha256File(filePath);
    if (!existsSync(thumbnailPath)) await makeThumbnail(filePath, thumbnailPath, facts.durationSeconds);
    const { unfit, platformFits } = fitsOf(facts, publishing);
    if (unfit) return reject(content, unfit, { code: 'unfit_for_every_platform', facts, sha256, thumbnailPath, filePath });
    if (content.thumbnailPath === thumbnailPath) return { ok: true };
    await inTransaction(db, async (tx) => {
      await saveIngestResult(tx, content.id, { filePath, sha256, facts, thumbnailPath });
      await recordEvent(tx, 'content_ingested', { sha256, ...facts, platforms: platformFits }, { contentId: content.id, modelId: content.modelId });
    });
    return { ok: true };
  }

  return {
    /**
     * Stores the upload under media/<contentId>/, probes it, makes a thumbnail, then either
     * rejects it (not a video, damaged, no picture, too long/big for every platform the model may
     * publish to), marks it a duplicate (same sha256 as an earlier content of the same model), or
     * saves it as an original. Idempotent: a retry after any of those returns the same answer.
     */
    async ingestContent(contentId: string): Promise<IngestResult> {
      const content = await findContent(db, contentId);
      if (!content) throw ApplicationFailure.nonRetryable(`content ${contentId} not found`, 'NotFound');
      if (content.status === 'rejected') return { ok: false, reason: content.rejectionReason ?? 'rejected' };
      if (content.status === 'duplicate') {
        return { ok: false, reason: content.rejectionReason ?? 'duplicate', ...(content.duplicateOfId ? { duplicateOfId: content.duplicateOfId } : {}) };
      }
      const publishing = await loadPublishingContext(db, { contentId });
      if (!publishing) throw ApplicationFailure.nonRetryable(`model ${content.modelId} not found`, 'NotFound');
      const { rules } = publishing;
      if (content.originContentId) return ingestRepost(content, publishing);
      const refused = await fetchFromTelegram(content, rules);
      if (refused) return refused;
      const filePath = await storeUpload(content);

      let facts: MediaFacts;
      try {
        facts = await probeVideo(filePath);
        await assertDecodable(filePath, facts.durationSeconds);
      } catch (error) {
        if (!(error instanceof InvalidMediaError)) throw error;
        return reject(content, invalidMediaReason(error.code, rules.language), { code: error.code, filePath });
      }
      const sha256 = await sha256File(filePath);
      const thumbnailPath = join(config.mediaDir, contentId, 'thumbnail.jpg');
      await makeThumbnail(filePath, thumbnailPath, facts.durationSeconds);

      const { unfit, platformFits } = fitsOf(facts, publishing);
      if (unfit) return reject(content, unfit, { code: 'unfit_for_every_platform', facts, sha256, thumbnailPath, filePath });

      // Check-then-save under a per-model lock: of two identical uploads ingested at the same
      // moment, exactly one becomes the original. A repost (origin_content_id) repeats on purpose.
      return withModelMediaLock(db, content.modelId, async (tx): Promise<IngestResult> => {
        const original = content.originContentId ? undefined : await findOriginalBySha256(tx, content.modelId, sha256, contentId);
        await saveIngestResult(tx, contentId, { filePath, sha256, facts, thumbnailPath });
        if (original) {
          const reason = duplicateReason(original.receivedAt, rules.language, rules.timezone);
          await updateContent(tx, contentId, { status: 'duplicate', duplicateOfId: original.id, rejectionReason: reason });
          await recordEvent(tx, 'content_duplicate', { sha256, duplicateOfId: original.id }, { contentId, modelId: content.modelId });
          return { ok: false, reason, duplicateOfId: original.id };
        }
        // Saved and recorded in one transaction: a sha256 already on the row means a previous attempt did both.
        if (content.sha256 === sha256) return { ok: true };
        await recordEvent(tx, 'content_ingested', { sha256, ...facts, platforms: platformFits }, { contentId, modelId: content.modelId });
        return { ok: true };
      });
    },

    /**
     * The file to upload for one publication: the original when the platform takes it as is and the model
     * has no watermark (publications.media_path stays null), otherwise a variant trimmed to the platform's
     * maximum and/or fitted to its aspect, with her watermark burned in, made once per content, platform and
     * watermark at <mediaDir>/<contentId>/variant-<platform-slug>[-wm-<key>].mp4 and reused after that
     * (`key`: a hash of core/watermark.ts watermarkCacheInput, so a changed watermark makes new variants).
     * The original is never written. A clip the platform cannot take (core/platforms.ts platformFit) fails
     * non-retryably (InvalidMedia); ffmpeg failing is a retryable MediaRenderFailed with its stderr's tail.
     */
    async prepareMedia(publicationId: string): Promise<{ mediaPath: string }> {
      const ctx = await publicationContext(db, publicationId);
      if (!ctx) throw ApplicationFailure.nonRetryable(`publication ${publicationId} not found`, 'NotFound');
      const { publication, content, platform, account, model } = ctx;
      if (!existsSync(content.filePath)) {
        throw ApplicationFailure.nonRetryable(`video of content ${content.id} is missing (${content.filePath})`, 'NotFound');
      }
      const caps = platformCapabilities(platform);
      const facts =
        content.durationSeconds !== null && content.width !== null && content.height !== null && content.sizeBytes !== null
          ? { durationSeconds: content.durationSeconds, width: content.width, height: content.height, sizeBytes: content.sizeBytes }
          : await probeVideo(content.filePath);
      const skip = platformSkipReason(facts, caps);
      if (skip) throw ApplicationFailure.nonRetryable(`${platform.name} cannot take content ${content.id}: ${skip}`, 'InvalidMedia');

      const fitted = variantPlan(facts, caps);
      const watermark = model.watermark ?? null;
      if (!fitted && !watermark) {
        if (publication.mediaPath !== null) await updatePublication(db, publicationId, { mediaPath: null });
        return { mediaPath: content.filePath };
      }
      // A watermark alone still makes a variant: the clip as it is (even dimensions), branded.
      const plan = fitted ?? {};
      const watermarkKey = watermark ? createHash('sha256').update(watermarkCacheInput(watermark)).digest('hex').slice(0, 12) : undefined;
      const variantPath = join(config.mediaDir, content.id, `variant-${platformSlug(platform.name)}${watermarkKey ? `-wm-${watermarkKey}` : ''}.mp4`);
      const reused = await variantIsUsable(variantPath, plan, facts);
      if (!reused) {
        const started = Date.now();
        await renderVariant(content.filePath, variantPath, plan, watermark ? { settings: watermark, frame: variantFrame(facts, fitted) } : undefined);
        log.info({ publicationId, contentId: content.id, platform: platform.name, plan, watermarkKey, ms: Date.now() - started }, 'media variant rendered');
      }
      const made = await probeVideo(variantPath);
      if (made.sizeBytes > caps.maxSizeBytes) {
        throw ApplicationFailure.nonRetryable(`${platform.name}: variant of content ${content.id} is ${made.sizeBytes} B, over ${caps.maxSizeBytes} B`, 'InvalidMedia');
      }
      if (publication.mediaPath !== variantPath) {
        await inTransaction(db, async (tx) => {
          await updatePublication(tx, publicationId, { mediaPath: variantPath });
          await recordEvent(tx, 'media_variant_created', {
            ...plan, platform: platform.name, path: variantPath, reused, durationSeconds: made.durationSeconds, sizeBytes: made.sizeBytes,
            ...(watermarkKey ? { watermark: watermarkKey } : {}),
          }, { publicationId, contentId: content.id, modelId: content.modelId, accountId: account.id });
        });
      }
      return { mediaPath: variantPath };
    },
  };
}
export type MediaActivities = ReturnType<typeof createMediaActivities>;
