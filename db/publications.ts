/**
 * Publications and their metrics: the lifecycle rows, slot occupancy, admin lists, post liveness, counters.
 */
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { PublicationStatus, PostMetrics } from '../core/types.js';
import type { Db } from './client.js';
import { contents, models, platformAccounts, platforms, publicationMetrics, publications, publicationStats } from './schema.js';

/** Inserts publications idempotently: a (content, account) pair is scheduled once, whatever retries happen. */
export async function insertPublications(db: Db, rows: (typeof publications.$inferInsert)[]) {
  if (rows.length === 0) return;
  await db.insert(publications).values(rows).onConflictDoNothing({ target: [publications.contentId, publications.accountId] });
}

export async function publicationsOfContent(db: Db, contentId: string) {
  return db.select().from(publications).where(eq(publications.contentId, contentId)).orderBy(publications.createdAt);
}

export async function findPublication(db: Db, id: string) {
  const [row] = await db.select().from(publications).where(eq(publications.id, id));
  return row;
}

/** Everything an activity needs to act on one publication. */
export async function publicationContext(db: Db, id: string) {
  const [row] = await db
    .select({ publication: publications, content: contents, account: platformAccounts, platform: platforms, model: models })
    .from(publications)
    .innerJoin(contents, eq(contents.id, publications.contentId))
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, contents.modelId))
    .where(eq(publications.id, id));
  return row;
}

export async function updatePublication(db: Db, id: string, values: Partial<typeof publications.$inferInsert>) {
  await db.update(publications).set(values).where(eq(publications.id, id));
}

export async function incrementPublicationAttempts(db: Db, id: string): Promise<number> {
  const [row] = await db
    .update(publications)
    .set({ attempts: sql`${publications.attempts} + 1` })
    .where(eq(publications.id, id))
    .returning({ attempts: publications.attempts });
  return row?.attempts ?? 0;
}

export interface PublicationListFilter {
  contentId?: string;
  status?: PublicationStatus;
  limit?: number;
}

/** The columns of a publication as the admin list shows it (the detail page adds its own). */
export const adminPublicationColumns = {
  id: publications.id,
  contentId: publications.contentId,
  status: publications.status,
  scheduledTime: publications.scheduledTime,
  publishedAt: publications.publishedAt,
  postUrl: publications.postUrl,
  externalId: publications.externalId,
  attempts: publications.attempts,
  lastError: publications.lastError,
  workflowId: publications.workflowId,
  captionUsed: publications.captionUsed,
  evidencePath: publications.evidencePath,
  modelName: models.name,
  platformName: platforms.name,
  accountUsername: platformAccounts.username,
};

/** Publications joined with the names an admin reads (model, platform, account). */
export async function listPublications(db: Db, filter: PublicationListFilter = {}) {
  const where: SQL[] = [];
  if (filter.contentId) where.push(eq(publications.contentId, filter.contentId));
  if (filter.status) where.push(eq(publications.status, filter.status));
  return db
    .select(adminPublicationColumns)
    .from(publications)
    .innerJoin(contents, eq(contents.id, publications.contentId))
    .innerJoin(models, eq(models.id, contents.modelId))
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(publications.createdAt))
    .limit(filter.limit ?? 200);
}

/** Publication statuses that occupy a slot of their account (spacing and daily caps count them). */
export const slotHoldingStatuses: PublicationStatus[] = ['scheduled', 'held', 'processing', 'published', 'unconfirmed', 'published_as_draft'];

/** When the account's live publications happen (or happened), within [from, to]. */
export async function takenSlots(db: Db, accountId: string, from: Date, to: Date): Promise<Date[]> {
  const at = sql<Date>`coalesce(${publications.publishedAt}, ${publications.scheduledTime})`.mapWith(publications.scheduledTime);
  const rows = await db
    .select({ at })
    .from(publications)
    .where(and(
      eq(publications.accountId, accountId),
      inArray(publications.status, slotHoldingStatuses),
      sql`coalesce(${publications.publishedAt}, ${publications.scheduledTime}) between ${from.toISOString()}::timestamptz and ${to.toISOString()}::timestamptz`,
    ));
  return rows.map((r) => r.at);
}

/** Publications waiting for a person (failed, unconfirmed), newest first, with the names an admin reads. */
export async function stoppedPublications(db: Db, limit: number) {
  return db.select({
    id: publications.id, status: publications.status, lastError: publications.lastError, attempts: publications.attempts,
    updatedAt: publications.updatedAt, modelName: models.name, platformName: platforms.name, accountUsername: platformAccounts.username,
  })
    .from(publications)
    .innerJoin(contents, eq(contents.id, publications.contentId))
    .innerJoin(models, eq(models.id, contents.modelId))
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(inArray(publications.status, ['failed', 'unconfirmed']))
    .orderBy(desc(publications.updatedAt))
    .limit(limit);
}

/** Publications whose id starts with `prefix` (lower-case hex, dashes allowed). */
export async function publicationsByIdPrefix(db: Db, prefix: string, limit = 5) {
  return db.select({ id: publications.id, status: publications.status }).from(publications)
    .where(sql`${publications.id}::text like ${`${prefix}%`}`).limit(limit);
}

/**
 * Stores a metrics read and makes it the publication's latest in `publication_stats` (what analytics reads), unless
 * a newer read is there already — one statement, so the two never disagree.
 */
export async function insertMetrics(db: Db, values: typeof publicationMetrics.$inferInsert) {
  const inserted = db.$with('inserted').as(
    db.insert(publicationMetrics).values(values).returning({
      publicationId: publicationMetrics.publicationId, views: publicationMetrics.views, likes: publicationMetrics.likes,
      comments: publicationMetrics.comments, shares: publicationMetrics.shares, ts: publicationMetrics.ts,
    }),
  );
  await db.with(inserted)
    .insert(publicationStats)
    .select(db.select({
      publicationId: inserted.publicationId, views: inserted.views, likes: inserted.likes, comments: inserted.comments, shares: inserted.shares,
      metricsAt: inserted.ts, clicks: sql`0`.as('clicks'), uniqueClicks: sql`0`.as('unique_clicks'), botClicks: sql`0`.as('bot_clicks'),
    }).from(inserted))
    .onConflictDoUpdate({
      target: publicationStats.publicationId,
      set: { views: sql`excluded.views`, likes: sql`excluded.likes`, comments: sql`excluded.comments`, shares: sql`excluded.shares`, metricsAt: sql`excluded.metrics_at` },
      setWhere: sql`${publicationStats.metricsAt} is null or ${publicationStats.metricsAt} <= excluded.metrics_at`,
    });
}

export async function metricsOfPublication(db: Db, publicationId: string) {
  return db.select().from(publicationMetrics).where(eq(publicationMetrics.publicationId, publicationId)).orderBy(publicationMetrics.ts);
}

/** The newest stored counters of a publication, the base that metric reads merge into. */
export async function latestMetrics(db: Db, publicationId: string): Promise<Partial<PostMetrics> | null> {
  const [row] = await db
    .select({ views: publicationMetrics.views, likes: publicationMetrics.likes, comments: publicationMetrics.comments, shares: publicationMetrics.shares,
      reach: publicationMetrics.reach, saves: publicationMetrics.saves })
    .from(publicationMetrics)
    .where(eq(publicationMetrics.publicationId, publicationId))
    .orderBy(desc(publicationMetrics.ts), desc(publicationMetrics.id))
    .limit(1);
  if (!row) return null;
  const metrics: Partial<PostMetrics> = {};
  for (const [name, value] of Object.entries(row) as [keyof PostMetrics, number | null][]) if (value !== null) metrics[name] = value;
  return metrics;
}

/**
 * Counts one more consecutive read that found the post missing; the second one marks it deleted.
 * Returns the count after this read and whether the post is now deleted.
 */
export async function recordPostMissing(db: Db, publicationId: string): Promise<{ missingChecks: number; deleted: boolean }> {
  const [row] = await db
    .update(publications)
    .set({
      missingChecks: sql`${publications.missingChecks} + 1`,
      deletedAt: sql`case when ${publications.missingChecks} + 1 >= 2 then coalesce(${publications.deletedAt}, now()) else ${publications.deletedAt} end`,
    })
    .where(eq(publications.id, publicationId))
    .returning({ missingChecks: publications.missingChecks, deletedAt: publications.deletedAt });
  return { missingChecks: row?.missingChecks ?? 0, deleted: Boolean(row?.deletedAt) };
}

/** A read found the post again: the missing streak starts over. */
export async function recordPostSeen(db: Db, publicationId: string) {
  await db.update(publications).set({ missingChecks: 0 }).where(and(eq(publications.id, publicationId), sql`${publications.missingChecks} > 0`));
}
