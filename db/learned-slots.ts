/**
 * What learned posting slots and the reach-drop check read (core/learned-slots.ts, core/reach-drop.ts): each
 * published post's views at 24 h and clicks, for one model (optionally one platform), the studio's averages over
 * the same window, one account's recent 24 h figures, and the events that say a drop was already announced.
 *
 * Views at 24 h, as core/learned-slots.ts defines it: the reading with views nearest to published_at + 24 h among
 * the readings 18–36 h after publishing (ties: the earlier reading, then the lower id). One correlated look-up per
 * publication on `publication_metrics (publication_id, ts)`.
 */
import { and, desc, eq, gte, inArray, isNotNull, lte, ne, sql, type SQL } from 'drizzle-orm';
import { VIEWS_AT_24H } from '../core/learned-slots.js';
import type { DistributionRules } from '../core/types.js';
import type { Db } from './client.js';
import { models, platformAccounts, platforms, publicationMetrics, publications, publicationStats, systemEvents } from './schema.js';

const hours = (n: number) => sql.raw(`interval '${Number(n)} hours'`);

/** A publication's views at 24 h (null without a reading in the window), as a scalar subquery of `publications`. */
export const viewsAt24hSql = sql<number | null>`(
  select ${publicationMetrics.views} from ${publicationMetrics}
  where ${publicationMetrics.publicationId} = ${publications.id} and ${publicationMetrics.views} is not null
    and ${publicationMetrics.ts} >= ${publications.publishedAt} + ${hours(VIEWS_AT_24H.fromHours)}
    and ${publicationMetrics.ts} <= ${publications.publishedAt} + ${hours(VIEWS_AT_24H.toHours)}
  order by abs(extract(epoch from ${publicationMetrics.ts} - (${publications.publishedAt} + ${hours(VIEWS_AT_24H.targetHours)}))),
    ${publicationMetrics.ts}, ${publicationMetrics.id}
  limit 1)`;

const clicksSql = sql<number>`coalesce(${publicationStats.clicks}, 0)`;

export interface PostWindow {
  from: Date;
  to: Date;
  /** Only this platform's accounts; absent = every platform. */
  platformId?: string;
}

function postFilter(window: PostWindow, modelId?: string): SQL {
  const where: SQL[] = [
    eq(publications.status, 'published'),
    isNotNull(publications.publishedAt),
    gte(publications.publishedAt, window.from),
    lte(publications.publishedAt, window.to),
  ];
  if (modelId) where.push(eq(platformAccounts.modelId, modelId));
  if (window.platformId) where.push(eq(platformAccounts.platformId, window.platformId));
  return and(...where)!;
}

/** One model's published posts in the window: publish time, views at 24 h (or null) and clicks so far (bots excluded). */
export async function learnedSlotPosts(db: Db, modelId: string, window: PostWindow) {
  const rows = await db
    .select({ publishedAt: publications.publishedAt, views24h: viewsAt24hSql, clicks: clicksSql })
    .from(publications)
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .leftJoin(publicationStats, eq(publicationStats.publicationId, publications.id))
    .where(postFilter(window, modelId));
  return rows.map((r) => ({ publishedAt: r.publishedAt!, views24h: r.views24h === null ? null : Number(r.views24h), clicks: Number(r.clicks) }));
}

/** The studio's averages over the same posts of every model: mean views at 24 h and mean clicks, with their counts. */
export async function studioAverages(db: Db, window: PostWindow) {
  const posts = db
    .select({ views: sql<number | null>`${viewsAt24hSql}`.as('views'), clicks: sql<number>`${clicksSql}`.as('clicks') })
    .from(publications)
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .leftJoin(publicationStats, eq(publicationStats.publicationId, publications.id))
    .where(postFilter(window))
    .as('posts');
  const [row] = await db
    .select({
      views: sql<number>`coalesce(avg(${posts.views})::float8, 0)`.mapWith(Number),
      viewsPosts: sql<number>`count(${posts.views})::int`.mapWith(Number),
      clicks: sql<number>`coalesce(avg(${posts.clicks})::float8, 0)`.mapWith(Number),
      clicksPosts: sql<number>`count(*)::int`.mapWith(Number),
    })
    .from(posts);
  return row ?? { views: 0, viewsPosts: 0, clicks: 0, clicksPosts: 0 };
}

export async function findPlatformByName(db: Db, name: string) {
  const [row] = await db.select({ id: platforms.id, name: platforms.name }).from(platforms).where(eq(platforms.name, name));
  return row;
}

/** The model's rules and the names of the platforms she has accounts on. */
export async function learnedSlotsModel(db: Db, modelId: string) {
  const [model] = await db.select({ id: models.id, name: models.name, status: models.status, distribution: models.distribution })
    .from(models).where(eq(models.id, modelId));
  if (!model) return undefined;
  const rows = await db.selectDistinct({ name: platforms.name }).from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(eq(platformAccounts.modelId, modelId)).orderBy(platforms.name);
  return { ...model, platforms: rows.map((r) => r.name) };
}

/** Models that are not paused, by name (the weekly suggestion's candidates). */
export async function modelsForSuggestion(db: Db): Promise<{ id: string; name: string; distribution: DistributionRules }[]> {
  return db.select({ id: models.id, name: models.name, distribution: models.distribution }).from(models)
    .where(ne(models.status, 'paused')).orderBy(models.name);
}

/** Whether a weekly suggestion of this run was recorded already (a retried activity sends it once). */
export async function suggestionRecorded(db: Db, run: string): Promise<boolean> {
  const rows = await db.select({ id: systemEvents.id }).from(systemEvents)
    .where(and(eq(systemEvents.type, 'learned_slots_suggested'), sql`${systemEvents.data}->>'run' = ${run}`)).limit(1);
  return rows.length > 0;
}

// ── Reach drop ─────────────────────────────────────────────────────────────────────────────────

/**
 * The account's newest `limit` published posts that have a views-at-24 h figure, newest first. Only its newest
 * `4 × limit` posts are looked at (a post without a figure is rare), so the cost stays flat however long it has posted.
 */
export async function accountViewsAt24h(db: Db, accountId: string, limit: number) {
  const recent = db.select({ id: publications.id }).from(publications)
    .where(and(eq(publications.accountId, accountId), eq(publications.status, 'published'), isNotNull(publications.publishedAt)))
    .orderBy(desc(publications.publishedAt), desc(publications.id))
    .limit(limit * 4);
  const figure = db
    .select({ id: publications.id, publishedAt: publications.publishedAt, views: sql<number | null>`${viewsAt24hSql}`.as('views') })
    .from(publications)
    .where(inArray(publications.id, recent))
    .as('figure');
  const rows = await db.select().from(figure).where(isNotNull(figure.views))
    .orderBy(desc(figure.publishedAt), desc(figure.id)).limit(limit);
  return rows.map((r) => ({ publicationId: r.id, publishedAt: r.publishedAt!, views: Number(r.views) }));
}

/** Serialises reach-drop checks of one account until the transaction ends (two readings landing at once). */
export async function lockAccountReachCheck(tx: Db, accountId: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`reach-drop:${accountId}`}))`);
}

/** Whether a reach drop was announced for this publication (the newest of the posts it was about). */
export async function reachDropRecorded(db: Db, accountId: string, publicationId: string): Promise<boolean> {
  const rows = await db.select({ id: systemEvents.id }).from(systemEvents)
    .where(and(eq(systemEvents.type, 'reach_drop'), eq(systemEvents.accountId, accountId), eq(systemEvents.publicationId, publicationId))).limit(1);
  return rows.length > 0;
}
