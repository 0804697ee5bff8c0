/**
 * Pipeline activities of the media-retention Schedule (README "Retention"): each deletes one kind of file whose age
 * passed its setting (days; 0 = keep forever), in bounded pages, heartbeating its progress and resuming from it after
 * a retry. Files on disk are the truth: nothing here writes a row except the run's one `media_retention` event.
 *
 * - the video (original and platform variants) of approved contents whose every publication is final — published,
 *   cancelled, or failed and past the 14 days its workflow waits for a person — after the last one ended;
 * - the video of rejected and duplicate contents, after the decision;
 * - failure evidence attempt folders, after they were written;
 * - uploads left in media/incoming by a crash: older than their age and named by no content or Telegram upload.
 *
 * Thumbnails, the content rows and their facts (duration, size, sha256) stay; a content's folder gets
 * `retention.json` (contracts/storage.ts), so the API answers its media with 410 and the dashboard says why.
 * Symbolic links are never followed: only the link itself is removed. Idempotent: a second run deletes nothing more.
 */
import { Context } from '@temporalio/activity';
import type { Dirent } from 'node:fs';
import { lstat, opendir, readdir, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { DeletedFiles, MediaRetentionTotals } from '../../contracts/events.js';
import { incomingDir, retentionMarkerFile, thumbnailFile, type RetentionMarker } from '../../contracts/storage.js';
import { recordEvent } from '../../db/events.js';
import { publishedContentsBefore, referencedIncomingNames, rejectedContentsBefore, retentionRunRecorded, type RetainableContent } from '../../db/media-retention.js';
import type { ActivityDeps } from '../deps.js';

const DAY_MS = 86_400_000;
/** How long a failed publication's workflow waits for a person to retry it (workflows/publication.ts stoppedRetentionMs). */
export const failedPublicationWaitMs = 14 * DAY_MS;
/** Contents per page and incoming files per reference check: short statements, frequent heartbeats. */
export const mediaRetentionBatchSize = 100;

export interface RetentionRunInput {
  /** Age in days; 0 or absent (with a 0 setting) = keep forever. */
  days?: number;
  /** The run's instant (ISO), the same for every kind of one run. */
  now: string;
}

type ContentTotals = DeletedFiles & { contents: number };
const noContents = (): ContentTotals => ({ contents: 0, files: 0, bytes: 0 });

const isInside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};
const missing = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'ENOENT';

/** Removes one file or link (never what a link points to); its size, or undefined when it was already gone. */
async function removeFile(path: string): Promise<number | undefined> {
  try {
    const stat = await lstat(path);
    if (stat.isDirectory()) return undefined;
    await unlink(path);
    return stat.isFile() ? stat.size : 0;
  } catch (error) {
    if (missing(error)) return undefined;
    throw error;
  }
}

/** Files and bytes under a folder, links counted but not followed. */
async function treeSize(dir: string): Promise<DeletedFiles> {
  const total = { files: 0, bytes: 0 };
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (missing(error)) return total;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = await treeSize(path);
      total.files += inner.files;
      total.bytes += inner.bytes;
    } else {
      total.files += 1;
      total.bytes += entry.isFile() ? (await lstat(path).catch(() => ({ size: 0 }))).size : 0;
    }
  }
  return total;
}

export function createMediaRetentionActivities(
  { db, config, log }: Pick<ActivityDeps, 'db' | 'config' | 'log'>, options = { batchSize: mediaRetentionBatchSize },
) {
  const { batchSize } = options;
  const mediaRoot = resolve(config.mediaDir);
  const settings = config.storage.retention;

  /** Checks for cancellation between pages; what was deleted stays deleted. */
  const stopIfCancelled = () => {
    const signal = Context.current().cancellationSignal;
    if (signal.aborted) throw signal.reason;
  };

  /**
   * Deletes everything in media/<id>/ but the thumbnail (and the content's own file when it lies elsewhere under the
   * media folder), then leaves the marker. A folder that already has the marker was done by an earlier run.
   */
  async function deleteContentMedia(content: RetainableContent, reason: RetentionMarker['reason'], now: Date): Promise<DeletedFiles> {
    const dir = join(mediaRoot, content.id);
    const done = { files: 0, bytes: 0 };
    const folder = await lstat(dir).catch((error: unknown) => {
      if (missing(error)) return undefined;
      throw error;
    });
    const ownFolder = folder?.isDirectory() ?? false;
    if (ownFolder && (await lstat(join(dir, retentionMarkerFile)).then(() => true, () => false))) return done;
    const count = (size: number | undefined) => {
      if (size === undefined) return;
      done.files += 1;
      done.bytes += size;
    };
    if (ownFolder) {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.name === thumbnailFile || entry.name === retentionMarkerFile || entry.isDirectory()) continue;
        count(await removeFile(join(dir, entry.name)));
      }
    }
    const own = resolve(content.filePath);
    if (isInside(mediaRoot, own) && dirname(own) !== dir && !own.endsWith(`/${thumbnailFile}`)) count(await removeFile(own));
    if (ownFolder) {
      const marker: RetentionMarker = { deletedAt: now.toISOString(), reason, files: done.files, bytes: done.bytes };
      // Written under a temporary name, then renamed: a crash never leaves half a marker.
      const temporary = join(dir, `.${retentionMarkerFile}.${process.pid}.tmp`);
      await writeFile(temporary, JSON.stringify(marker));
      await rename(temporary, join(dir, retentionMarkerFile));
    }
    return done;
  }

  /** Pages through the contents `find` returns, deleting each one's video; resumes after the last id a retry heartbeated. */
  async function sweepContents(
    kind: RetentionMarker['reason'], days: number, nowIso: string,
    find: typeof publishedContentsBefore,
  ): Promise<ContentTotals> {
    if (!days) return noContents();
    const ctx = Context.current();
    const now = new Date(nowIso);
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    const failedBefore = new Date(Math.min(cutoff.getTime(), now.getTime() - failedPublicationWaitMs));
    const resumed = ctx.info.heartbeatDetails as { afterId: string; totals: ContentTotals } | undefined;
    let afterId = resumed?.afterId ?? null;
    const totals = resumed?.totals ?? noContents();
    for (;;) {
      const page = await find(db, { cutoff, failedBefore, afterId, limit: batchSize });
      for (const content of page) {
        const done = await deleteContentMedia(content, kind, now);
        if (done.files > 0) totals.contents += 1;
        totals.files += done.files;
        totals.bytes += done.bytes;
        afterId = content.id;
        ctx.heartbeat({ afterId, totals });
      }
      if (page.length < batchSize) break;
      stopIfCancelled();
    }
    if (totals.files > 0) log.info({ kind, days, ...totals }, 'retention deleted content media');
    return totals;
  }

  return {
    /** The video (original and variants) of contents whose every publication is final, after `days`. */
    async deletePublishedMedia(input: RetentionRunInput): Promise<ContentTotals> {
      return sweepContents('published', input.days ?? settings.publishedMediaDays, input.now, publishedContentsBefore);
    },

    /** The video of rejected and duplicate contents, after `days`. */
    async deleteRejectedMedia(input: RetentionRunInput): Promise<ContentTotals> {
      return sweepContents('rejected', input.days ?? settings.rejectedMediaDays, input.now, rejectedContentsBefore);
    },

    /** Evidence attempt folders (`<evidenceDir>/<publication>/<attempt>/`) last written before the cut; emptied publication folders go too. */
    async deleteExpiredEvidence(input: RetentionRunInput): Promise<DeletedFiles & { attempts: number }> {
      const totals = { attempts: 0, files: 0, bytes: 0 };
      const days = input.days ?? settings.evidenceDays;
      if (!days) return totals;
      const ctx = Context.current();
      const cutoffMs = new Date(input.now).getTime() - days * DAY_MS;
      const root = resolve(config.evidenceDir);
      let walk;
      try {
        walk = await opendir(root);
      } catch (error) {
        if (missing(error)) return totals;
        throw error;
      }
      let seen = 0;
      // Dirent types come from lstat: a symbolic link is never a directory here, so nothing outside is reached.
      for await (const publication of walk) {
        if (!publication.isDirectory()) continue;
        const publicationDir = join(root, publication.name);
        let removed = 0;
        for (const attempt of await readdir(publicationDir, { withFileTypes: true }).catch(() => [] as Dirent[])) {
          if (!attempt.isDirectory()) continue;
          const attemptDir = join(publicationDir, attempt.name);
          const stat = await lstat(attemptDir).catch(() => undefined);
          // A folder's mtime moves with every file written or renamed into it: the last write of that attempt.
          if (!stat || stat.mtimeMs >= cutoffMs) continue;
          const size = await treeSize(attemptDir);
          await rm(attemptDir, { recursive: true, force: true });
          totals.attempts += 1;
          totals.files += size.files;
          totals.bytes += size.bytes;
          removed += 1;
        }
        if (removed > 0 && (await readdir(publicationDir).catch(() => ['?'])).length === 0) await rmdir(publicationDir).catch(() => undefined);
        if (++seen % batchSize === 0) stopIfCancelled();
        ctx.heartbeat({ seen, totals });
      }
      if (totals.attempts > 0) log.info({ days, ...totals }, 'retention deleted evidence');
      return totals;
    },

    /** Uploads in media/incoming older than `days` that no content or Telegram upload names (left by a crash). */
    async deleteOrphanedUploads(input: RetentionRunInput): Promise<DeletedFiles> {
      const totals = { files: 0, bytes: 0 };
      const days = input.days ?? settings.incomingOrphanDays;
      if (!days) return totals;
      const ctx = Context.current();
      const cutoffMs = new Date(input.now).getTime() - days * DAY_MS;
      const dir = join(mediaRoot, incomingDir);
      let walk;
      try {
        walk = await opendir(dir);
      } catch (error) {
        if (missing(error)) return totals;
        throw error;
      }
      let old: { name: string; size: number }[] = [];
      const flush = async () => {
        const referenced = await referencedIncomingNames(db, old.map((f) => f.name));
        for (const file of old) {
          if (referenced.has(file.name)) continue;
          const size = await removeFile(join(dir, file.name));
          if (size === undefined) continue;
          totals.files += 1;
          totals.bytes += size;
        }
        old = [];
        ctx.heartbeat({ totals });
        stopIfCancelled();
      };
      for await (const entry of walk) {
        if (!entry.isFile()) continue;
        const stat = await lstat(join(dir, entry.name)).catch(() => undefined);
        if (!stat || stat.mtimeMs >= cutoffMs) continue;
        old.push({ name: entry.name, size: stat.size });
        if (old.length >= batchSize) await flush();
      }
      if (old.length > 0) await flush();
      if (totals.files > 0) log.info({ days, ...totals }, 'retention deleted orphaned uploads');
      return totals;
    },

    /** The run's `media_retention` event, once per run and only when something was deleted. */
    async recordMediaRetention(totals: MediaRetentionTotals): Promise<{ recorded: boolean }> {
      const deleted = totals.published.files + totals.rejected.files + totals.evidence.files + totals.incoming.files;
      if (deleted === 0) return { recorded: false };
      const run = Context.current().info.workflowExecution?.workflowId ?? 'manual';
      if (await retentionRunRecorded(db, run)) return { recorded: true };
      await recordEvent(db, 'media_retention', { ...totals, run });
      return { recorded: true };
    },
  };
}
export type MediaRetentionActivities = ReturnType<typeof createMediaRetentionActivities>;
