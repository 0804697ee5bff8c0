/**
 * The calendar's reads: publications of a time range (by calendar time: `published_at` once published, else
 * `scheduled_time`), the accounts that can take new contents (for the free slots of their rules), and those
 * accounts' taken times. One statement each, whatever the number of rows.
 */
import { and, asc, eq, gte, inArray, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { slotHoldingStatuses } from './publications.js';
import { models, platformAccounts, platforms, publications } from './schema.js';

export interface CalendarFilter {
  modelId?: string;
  platform?: string;
  accountId?: string;
}

/** Where a publication sits on a calendar. */
const calendarTime = sql<Date>`coalesce(${publications.publishedAt}, ${publications.scheduledTime})`.mapWith(publications.scheduledTime);

function ownerConditions(filter: CalendarFilter): SQL[] {
  const where: SQL[] = [];
  if (filter.modelId) where.push(eq(platformAccounts.modelId, filter.modelId));
  if (filter.accountId) where.push(eq(platformAccounts.id, filter.accountId));
  if (filter.platform) where.push(eq(platforms.name, filter.platform));
  return where;
}

/**
 * Publications whose calendar time is in [from, to), earliest first, at most `limit`. The range is read through the
 * scheduled_time and published_at indexes (one branch each, OR'ed).
 */
export async function calendarPublications(db: Db, range: { from: Date; to: Date }, filter: CalendarFilter, limit: number, excerptLength: number) {
  return db
    .select({
      publicationId: publications.id,
      contentId: publications.contentId,
      status: publications.status,
      time: calendarTime,
      scheduledTime: publications.scheduledTime,
      publishedAt: publications.publishedAt,
      postUrl: publications.postUrl,
      // One character more than shown, so the caller knows whether it cut the text.
      caption: sql<string | null>`left(${publications.captionUsed}, ${excerptLength + 1})`,
      accountId: platformAccounts.id,
      username: platformAccounts.username,
      platform: platforms.name,
      modelId: models.id,
      modelName: models.name,
      modelTimezone: sql<string | null>`${models.distribution}->>'timezone'`,
    })
    .from(publications)
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .where(and(
      // The calendar time in [from, to), spelt so each branch reads its index and the planner counts the rows right.
      or(
        and(isNull(publications.publishedAt), gte(publications.scheduledTime, range.from), lt(publications.scheduledTime, range.to)),
        and(gte(publications.publishedAt, range.from), lt(publications.publishedAt, range.to)),
      ),
      ...ownerConditions(filter),
    ))
    .orderBy(asc(calendarTime), asc(publications.id))
    .limit(limit);
}

/** Active accounts on active platforms of models that are not paused: where new contents can go. */
export async function schedulableAccounts(db: Db, filter: CalendarFilter) {
  return db
    .select({ account: platformAccounts, platform: platforms, model: models })
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .where(and(eq(platformAccounts.status, 'active'), eq(platforms.active, true), ne(models.status, 'paused'), ...ownerConditions(filter)))
    .orderBy(asc(models.name), asc(platforms.name), asc(platformAccounts.username));
}

/** The times the accounts' live publications take (or took) within [from, to], by account, each list sorted. */
export async function takenTimesByAccount(db: Db, accountIds: string[], range: { from: Date; to: Date }): Promise<Map<string, number[]>> {
  const taken = new Map<string, number[]>();
  if (accountIds.length === 0) return taken;
  const rows = await db
    .select({ accountId: publications.accountId, at: calendarTime })
    .from(publications)
    .where(and(
      inArray(publications.accountId, accountIds),
      inArray(publications.status, slotHoldingStatuses),
      sql`${calendarTime} between ${range.from.toISOString()}::timestamptz and ${range.to.toISOString()}::timestamptz`,
    ))
    .orderBy(asc(calendarTime));
  for (const { accountId, at } of rows) {
    let list = taken.get(accountId);
    if (!list) taken.set(accountId, (list = []));
    list.push(at.getTime());
  }
  return taken;
}
