import { ApplicationFailure } from '@temporalio/activity';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { findContent, recordEvent, saveIngestResult, updateContent } from '../../db/queries.js';
import type { ActivityDeps } from '../deps.js';
import { InvalidMediaError, makeThumbnail, probeVideo, sha256File } from './probe.js';

export type IngestResult = { ok: true } | { ok: false; reason: string };

export function createMediaActivities({ db, config }: ActivityDeps) {
  return {
    /** Moves the upload into media/<contentId>/, hashes and probes it, makes a thumbnail. Idempotent. */
    async ingestContent(contentId: string): Promise<IngestResult> {
      const content = await findContent(db, contentId);
      if (!content) throw ApplicationFailure.nonRetryable(`content ${contentId} not found`, 'NotFound');
      if (content.status === 'rejected') return { ok: false, reason: content.rejectionReason ?? 'rejected' };
      const dir = join(config.mediaDir, contentId);
      const finalPath = join(dir, `original${extname(content.filePath) || '.mp4'}`);
      if (content.filePath !== finalPath) {
        // A retry after a crash between rename and update finds the file already moved.
        if (existsSync(content.filePath)) {
          await mkdir(dir, { recursive: true });
          await rename(content.filePath, finalPath);
        } else if (!existsSync(finalPath)) {
          throw ApplicationFailure.nonRetryable(`uploaded file for content ${contentId} is missing`, 'NotFound');
        }
        await updateContent(db, contentId, { filePath: finalPath });
      }
      let facts;
      try {
        facts = await probeVideo(finalPath);
      } catch (error) {
        if (!(error instanceof InvalidMediaError)) throw error;
        await updateContent(db, contentId, { status: 'rejected', rejectionReason: error.message });
        await recordEvent(db, { type: 'content_rejected', contentId, modelId: content.modelId, description: error.message });
        return { ok: false, reason: error.message };
      }
      const sha256 = await sha256File(finalPath);
      const thumbnailPath = join(dir, 'thumbnail.jpg');
      await makeThumbnail(finalPath, thumbnailPath, facts.durationSeconds);
      await saveIngestResult(db, contentId, { filePath: finalPath, sha256, facts, thumbnailPath });
      await recordEvent(db, {
        type: 'content_ingested',
        contentId,
        modelId: content.modelId,
        description: `${facts.width}x${facts.height} ${facts.codec}, ${facts.durationSeconds.toFixed(1)} s`,
        data: { sha256, ...facts },
      });
      return { ok: true };
    },
  };
}
export type MediaActivities = ReturnType<typeof createMediaActivities>;
