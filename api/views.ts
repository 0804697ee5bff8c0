/**
 * DTOs at the edge: what services return (database rows, Dates) becomes the shapes of contracts/api/,
 * and the API's error type.
 */
import type { Content, ContentListItem } from '../contracts/api/contents.js';
import type { Content as ContentRow } from '../db/schema.js';
import { en } from '../messages/en/index.js';
import type { Publication } from '../contracts/api/publications.js';
import type { getContentWithPublications } from '../services/contents.js';
import type { PublicationRow } from '../services/publication-views.js';

/** A 4xx/5xx that names the problem; rendered as { error, message } by the server's error handler. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const iso = (date: Date | null | undefined): string | null => date?.toISOString() ?? null;

export function publicationView(p: PublicationRow): Publication {
  return {
    id: p.id,
    contentId: p.contentId,
    status: p.status,
    modelName: p.modelName,
    platformName: p.platformName,
    accountUsername: p.accountUsername,
    scheduledTime: iso(p.scheduledTime),
    publishedAt: iso(p.publishedAt),
    postUrl: p.postUrl,
    externalId: p.externalId,
    attempts: p.attempts,
    lastError: p.lastError,
    workflowId: p.workflowId,
    caption: p.captionUsed,
    hasEvidence: p.evidencePath !== null,
  };
}

export function contentView(found: NonNullable<Awaited<ReturnType<typeof getContentWithPublications>>>): Content {
  const c = found.content;
  return {
    id: c.id,
    modelId: c.modelId,
    modelName: found.modelName,
    modelTimezone: found.modelTimezone,
    originalFilename: c.originalFilename,
    mediaUrl: `/api/contents/${c.id}/media`,
    thumbnailUrl: c.thumbnailPath ? `/api/contents/${c.id}/thumbnail` : null,
    status: c.status,
    workflowId: c.workflowId,
    receivedAt: c.receivedAt.toISOString(),
    context: c.context,
    caption: c.generatedCaption,
    tags: c.generatedTags ?? [],
    sha256: c.sha256,
    media: { durationSeconds: c.durationSeconds, width: c.width, height: c.height, sizeBytes: c.sizeBytes, codec: c.codec },
    rejectionReason: c.rejectionReason,
    approvedAt: iso(c.approvedAt),
    approvedBy: c.approvedBy,
    rejectedAt: iso(c.rejectedAt),
    rejectedBy: c.rejectedBy,
    duplicateOfId: c.duplicateOfId,
    captions: c.captionDrafts ?? {},
    publications: found.publications.map(publicationView),
    sensitive: found.sensitive,
    warnings: found.warnings.map((w) => ({ ...w, message: en.notices.approvalWarning[w.code] })),
    targets: found.targets.map((t) => ({ ...t, accounts: t.accounts.map((a) => ({ ...a, plannedSlot: iso(a.plannedSlot) })) })),
    moderationRules: found.moderationRules,
  };
}

export function contentListItemView({ content: c, modelName }: { content: ContentRow; modelName: string }): ContentListItem {
  return {
    id: c.id,
    status: c.status,
    modelId: c.modelId,
    modelName,
    receivedAt: c.receivedAt.toISOString(),
    context: c.context,
    originalFilename: c.originalFilename,
    media: { durationSeconds: c.durationSeconds, width: c.width, height: c.height, sizeBytes: c.sizeBytes },
    thumbnailUrl: c.thumbnailPath ? `/api/contents/${c.id}/thumbnail` : null,
    duplicateOfId: c.duplicateOfId,
    rejectionReason: c.rejectionReason,
    platforms: Object.keys(c.captionDrafts ?? {}),
  };
}
