/**
 * What lives under DATA_DIR and how retention leaves it (README "Retention"): the media-retention activities write
 * the marker, the API and the dashboard read it. Files on disk are the truth: a content whose video is gone and whose
 * folder holds the marker had it deleted by retention; its thumbnail and its facts (duration, size, hashes) stay.
 */

/** `<MEDIA_DIR>/<contentId>/retention.json`: written once, when retention deleted the content's video. */
export const retentionMarkerFile = 'retention.json';
/** `<MEDIA_DIR>/<contentId>/thumbnail.jpg`: never deleted by retention. */
export const thumbnailFile = 'thumbnail.jpg';
/** `<MEDIA_DIR>/incoming/`: uploads (API) and Telegram downloads wait here until ingest moves them. */
export const incomingDir = 'incoming';

export interface RetentionMarker {
  /** When the video was deleted (ISO). */
  deletedAt: string;
  /** Why: the content's publications were all final, or it was rejected / a duplicate. */
  reason: 'published' | 'rejected';
  files: number;
  bytes: number;
}

/** Kinds of disk use GET /api/storage reports (`other`: anything else under the media folder, e.g. watermark logos). */
export const storageKinds = ['originals', 'variants', 'thumbnails', 'evidence', 'incoming', 'other'] as const;
export type StorageKind = (typeof storageKinds)[number];
