/**
 * The reads of one publication's detail page: the publication with its content, model, account and platform; its
 * timeline of system events; its metrics over time. One statement each.
 */
import { and, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { EventKind } from '../contracts/events.js';
import type { Db } from './client.js';
import { adminPublicationColumns } from './publications.js';
import { contents, models, platformAccounts, platforms, publicationMetrics, publications, publicationStats, systemEvents } from './schema.js';

/**
 * The publication with the columns of the admin list (db/publications.ts `listPublications`, so the same view
 * applies) plus what the detail shows of its content, model and account.
 */
export async function publicationDetailRow(db: Db, id: string) {
  const [row] = await db.select({
    ...adminPublicationColumns,
    tagsUsed: publications.tagsUsed,
    deletedAt: publications.deletedAt,
    modelId: models.id,
    modelDistribution: models.distribution,
    accountId: platformAccounts.id,
    accountProfileUrl: platformAccounts.profileUrl,
    contentStatus: contents.status,
    contentContext: contents.context,
    contentThumbnailPath: contents.thumbnailPath,
    contentDurationSeconds: contents.durationSeconds,
    contentWidth: contents.width,
    contentHeight: contents.height,
    trackingLink: publications.trackingLink,
    clicks: sql<number>`coalesce(${publicationStats.clicks}, 0)`,
    uniqueClicks: sql<number>`coalesce(${publicationStats.uniqueClicks}, 0)`,
    botClicks: sql<number>`coalesce(${publicationStats.botClicks}, 0)`,
  })
    .from(publications)
    .innerJoin(contents, eq(contents.id, publications.contentId))
    .innerJoin(models, eq(models.id, contents.modelId))
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .leftJoin(publicationStats, eq(publicationStats.publicationId, publications.id))
    .where(eq(publications.id, id));
  return row;
}

/**
 * The publication's events (publication_id = id) and, of its content, the events before any publication existed
 * (`contentKinds`, recorded without a publication): the newest `limit`, newest first (callers reverse them).
 * The (publication_id) and (content_id) indexes serve both sides of the OR.
 */
export async function publicationTimelineRows(
  db: Db, publication: { id: string; contentId: string }, contentKinds: readonly EventKind[], limit: number,
) {
  return db
    .select({
      id: systemEvents.id, ts: systemEvents.ts, type: systemEvents.type, actor: systemEvents.actor,
      description: systemEvents.description, data: systemEvents.data, publicationId: systemEvents.publicationId,
    })
    .from(systemEvents)
    .where(or(
      eq(systemEvents.publicationId, publication.id),
      and(eq(systemEvents.contentId, publication.contentId), isNull(systemEvents.publicationId), inArray(systemEvents.type, [...contentKinds])),
    ))
    .orderBy(desc(systemEvents.ts), desc(systemEvents.id))
    .limit(limit);
}

/** The newest `limit` metric reads of the publication, newest first (callers reverse them). */
export async function publicationMetricRows(db: Db, publicationId: string, limit: number) {
  return db
    .select({
      id: publicationMetrics.id, ts: publicationMetrics.ts, views: publicationMetrics.views, likes: publicationMetrics.likes,
      comments: publicationMetrics.comments, shares: publicationMetrics.shares, reach: publicationMetrics.reach, saves: publicationMetrics.saves,
      platformFollowers: publicationMetrics.platformFollowers,
      source: publicationMetrics.source,
    })
    .from(publicationMetrics)
    .where(eq(publicationMetrics.publicationId, publicationId))
    .orderBy(desc(publicationMetrics.ts), desc(publicationMetrics.id))
    .limit(limit);
}
