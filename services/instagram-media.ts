/**
 * The file behind a signed Instagram video URL (api/routes/instagram-media.ts): the signature is checked first, in
 * constant time, so an unsigned or expired request never reaches the database; then the publication must exist and
 * be on an Instagram platform. Its file is the one the driver publishes (activities/publishing/api.ts `videoPath`):
 * the prepared variant, or the original when prepareMedia made none (`media_path` null: the clip fits and has no
 * watermark). Every refusal is the same `null`, so the route can answer one bare 404.
 */
import { mediaUrlKeyFrom, verifyInstagramVideoSignature } from '../crypto/media-url.js';
import type { Db } from '../db/client.js';
import { publicationContext } from '../db/publications.js';

export interface SignedVideoRequest {
  publicationId: string;
  /** Unix seconds, as in the URL. */
  expiresAt: number;
  signature: string;
}

export function instagramVideoFiles(db: Db, encryptionKey: Buffer) {
  const key = mediaUrlKeyFrom(encryptionKey);
  return {
    /** The stored path of the publication's video, or null (bad or expired signature, unknown or non-Instagram publication). */
    async find(request: SignedVideoRequest, now = Date.now()): Promise<string | null> {
      if (!verifyInstagramVideoSignature(key, request.publicationId, request.expiresAt, request.signature, now)) return null;
      const ctx = await publicationContext(db, request.publicationId);
      if (!ctx || ctx.platform.technicalConfig.driver !== 'instagram') return null;
      return ctx.publication.mediaPath ?? ctx.content.filePath;
    },
  };
}
