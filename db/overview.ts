/**
 * The overview's reads: each part is one SQL statement (no per-row follow-ups), so the home page stays fast with
 * 100,000 publications. Limits first, names joined after (a CTE takes the page, then the joins name its rows).
 */
import { and, asc, desc, eq, gte, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { alertAcknowledgements, contents, models, platformAccounts, platforms, publications, systemEvents } from './schema.js';

const count = sql<number>`(count(*) over ())::int`.mapWith(Number);

const watchedStatuses = ['scheduled', 'held', 'processing', 'failed', 'unconfirmed'] as const;
export type OverviewCounts = Record<(typeof watchedStatuses)[number] | 'publishedToday', number>;

/**
 * Publications by status (the ones that need watching) and those published within [from, to): one statement, two
 * branches, so each reads its own index — (status, scheduled_time) for the statuses, published_at for the day.
 */
export async function overviewCounts(db: Db, today: { from: Date; to: Date }): Promise<OverviewCounts> {
  const rows = await db
    .select({ key: sql<string>`${publications.status}::text`, n: sql<number>`count(*)::int`.mapWith(Number) })
    .from(publications)
    .where(inArray(publications.status, [...watchedStatuses]))
    .groupBy(publications.status)
    .unionAll(
      db.select({ key: sql<string>`'publishedToday'`, n: sql<number>`count(*)::int`.mapWith(Number) })
        .from(publications)
        .where(and(eq(publications.status, 'published'), gte(publications.publishedAt, today.from), lt(publications.publishedAt, today.to))),
    );
  const counts: OverviewCounts = { scheduled: 0, held: 0, processing: 0, failed: 0, unconfirmed: 0, publishedToday: 0 };
  for (const row of rows) if (row.key in counts) counts[row.key as keyof OverviewCounts] = Number(row.n);
  return counts;
}

/** Contents waiting for a person (status new, approval requested): the `limit` oldest, each row carrying the total. */
export async function pendingApprovals(db: Db, limit: number, excerptLength: number) {
  return db
    .select({
      id: contents.id, modelId: contents.modelId, modelName: models.name, receivedAt: contents.receivedAt,
      // One character more than shown, so the caller knows whether it cut the text.
      context: sql<string | null>`left(${contents.context}, ${excerptLength + 1})`,
      total: count,
    })
    .from(contents)
    .innerJoin(models, eq(models.id, contents.modelId))
    .where(and(
      eq(contents.status, 'new'),
      sql`exists (select 1 from ${systemEvents} e where e.content_id = ${contents.id} and e.type = 'approval_requested')`,
    ))
    .orderBy(asc(contents.receivedAt), asc(contents.id))
    .limit(limit);
}

/** `alert` events without an acknowledgement: the `limit` newest, each row carrying the total open. */
export async function openAlerts(db: Db, limit: number) {
  const open = db.$with('open').as(
    db.select({
      id: systemEvents.id, ts: systemEvents.ts, data: systemEvents.data, description: systemEvents.description,
      modelId: systemEvents.modelId, accountId: systemEvents.accountId, contentId: systemEvents.contentId, publicationId: systemEvents.publicationId,
      total: sql<number>`(count(*) over ())::int`.mapWith(Number).as('total'),
    })
      .from(systemEvents)
      .where(and(
        eq(systemEvents.type, 'alert'),
        sql`not exists (select 1 from ${alertAcknowledgements} k where k.event_id = ${systemEvents.id})`,
      ))
      .orderBy(desc(systemEvents.id))
      .limit(limit),
  );
  return db.with(open)
    .select({
      id: open.id, ts: open.ts, data: open.data, description: open.description, total: open.total,
      modelId: open.modelId, modelName: models.name, accountId: open.accountId, username: platformAccounts.username,
      platform: platforms.name, contentId: open.contentId, publicationId: open.publicationId,
    })
    .from(open)
    .leftJoin(models, eq(models.id, open.modelId))
    .leftJoin(platformAccounts, eq(platformAccounts.id, open.accountId))
    .leftJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .orderBy(desc(open.id));
}

const publicationFields = {
  id: publications.id, contentId: publications.contentId, status: publications.status,
  scheduledTime: publications.scheduledTime, publishedAt: publications.publishedAt, postUrl: publications.postUrl, accountId: publications.accountId,
};

/** Scheduled or held publications due in [from, to), soonest first: at most `limit`, each row carrying the total. */
export async function upcomingPublications(db: Db, window: { from: Date; to: Date }, limit: number) {
  const due = db.$with('due').as(
    db.select({ ...publicationFields, total: sql<number>`(count(*) over ())::int`.mapWith(Number).as('total') })
      .from(publications)
      .where(and(
        inArray(publications.status, ['scheduled', 'held']),
        gte(publications.scheduledTime, window.from),
        lt(publications.scheduledTime, window.to),
      ))
      .orderBy(asc(publications.scheduledTime), asc(publications.id))
      .limit(limit),
  );
  return db.with(due)
    .select({
      id: due.id, contentId: due.contentId, status: due.status, scheduledTime: due.scheduledTime, publishedAt: due.publishedAt,
      postUrl: due.postUrl, accountId: due.accountId, total: due.total,
      username: platformAccounts.username, platform: platforms.name, modelId: models.id, modelName: models.name,
    })
    .from(due)
    .innerJoin(platformAccounts, eq(platformAccounts.id, due.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .orderBy(asc(due.scheduledTime), asc(due.id));
}

/** The `limit` latest published, newest first. */
export async function latestPublished(db: Db, limit: number) {
  return db
    .select({
      ...publicationFields,
      username: platformAccounts.username, platform: platforms.name, modelId: models.id, modelName: models.name,
    })
    .from(publications)
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .where(and(eq(publications.status, 'published'), isNotNull(publications.publishedAt)))
    .orderBy(desc(publications.publishedAt), desc(publications.id))
    .limit(limit);
}

/**
 * Accounts that cannot publish now, with the first reason that applies: the broadest switch first (the platform,
 * then the model), then the account's own status, then its session (none saved, or the last check did not find it
 * logged in). At most `limit` (by model, platform, username), each row carrying the total.
 */
export async function blockedAccounts(db: Db, limit: number) {
  const withReason = db.$with('with_reason').as(
    db.select({
      id: platformAccounts.id, username: platformAccounts.username, platform: sql<string>`${platforms.name}`.as('platform'),
      modelId: platformAccounts.modelId, modelName: sql<string>`${models.name}`.as('model_name'),
      reason: sql<string | null>`case
        when not ${platforms.active} then 'platform_disabled'
        when ${models.status} = 'paused' then 'model_paused'
        when ${platformAccounts.status} = 'disabled' then 'account_disabled'
        when ${platformAccounts.status} = 'paused' then 'account_paused'
        when ${platformAccounts.status} = 'session_expired' then 'session_expired'
        when not ${platformAccounts.sessionSaved} then 'no_session'
        when ${platformAccounts.lastSessionState} in ('logged_out', 'challenge', 'unknown') then 'session_' || ${platformAccounts.lastSessionState}
      end`.as('reason'),
    })
      .from(platformAccounts)
      .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
      .innerJoin(models, eq(models.id, platformAccounts.modelId)),
  );
  return db.with(withReason)
    .select({
      id: withReason.id, username: withReason.username, platform: withReason.platform, modelId: withReason.modelId,
      modelName: withReason.modelName, reason: withReason.reason, total: count,
    })
    .from(withReason)
    .where(isNotNull(withReason.reason))
    .orderBy(asc(withReason.modelName), asc(withReason.platform), asc(withReason.username))
    .limit(limit);
}
