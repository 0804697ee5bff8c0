/**
 * Traffic analytics reads (contracts/api/analytics.ts): every figure comes from `click_rollups` and
 * `publication_stats`, never from raw `clicks`, so a chart costs the same whatever the traffic was.
 *
 * A range [from, to) of whole hours is read as pieces (`rollupPieces`): the whole UTC days inside it from the `day`
 * rows, the partial days at its edges from the `hour` rows — exact, and at most 24 × 2 hour buckets per account
 * beside the days. Each piece is one range of a covering index: the key of the studio-wide rollups when nothing
 * narrows the accounts, else the per-account rollups' account-first index (granularity, dimension, account_id, …).
 *
 * One statement per function, whatever the number of rows; names are joined after the aggregation (and after the
 * limit), so the joins touch only the rows answered.
 */
import { and, asc, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { BotFilter } from '../contracts/api/analytics.js';
import type { ClickDimension } from '../core/tracking.js';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from './client.js';
import { clickRollups, clickRollupsStudio, models, platformAccounts, platforms, publications, publicationStats } from './schema.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Which accounts count: every filter given narrows the set; none = every account. */
export interface ClickScope {
  modelId?: string;
  accountId?: string;
  platform?: string;
}

export interface RollupPiece {
  granularity: 'hour' | 'day';
  from: Date;
  to: Date;
}

/**
 * [from, to) as rollup pieces: the whole UTC days inside it as one `day` piece, the hours before the first and after
 * the last whole day as `hour` pieces (a range without a whole day is one `hour` piece). `from` and `to` must be whole
 * hours (the hour rows cannot be split).
 */
export function rollupPieces(from: Date, to: Date): RollupPiece[] {
  const start = from.getTime();
  const end = to.getTime();
  if (end <= start) return [];
  const firstDay = Math.ceil(start / DAY_MS) * DAY_MS;
  const lastDay = Math.floor(end / DAY_MS) * DAY_MS;
  if (firstDay >= lastDay) return [{ granularity: 'hour', from, to }];
  const pieces: RollupPiece[] = [];
  if (start < firstDay) pieces.push({ granularity: 'hour', from, to: new Date(firstDay) });
  pieces.push({ granularity: 'day', from: new Date(firstDay), to: new Date(lastDay) });
  if (lastDay < end) pieces.push({ granularity: 'hour', from: new Date(lastDay), to });
  return pieces;
}

/** The accounts in scope, as a condition on `click_rollups.account_id` (undefined when nothing narrows them). */
function scopeCondition(db: Db, scope: ClickScope): SQL | undefined {
  if (!scope.modelId && !scope.accountId && !scope.platform) return undefined;
  const where: SQL[] = [];
  if (scope.accountId) where.push(eq(platformAccounts.id, scope.accountId));
  if (scope.modelId) where.push(eq(platformAccounts.modelId, scope.modelId));
  if (scope.platform) where.push(eq(platforms.name, scope.platform));
  return inArray(
    clickRollups.accountId,
    db.select({ id: platformAccounts.id }).from(platformAccounts).innerJoin(platforms, eq(platforms.id, platformAccounts.platformId)).where(and(...where)),
  );
}

/**
 * Rollup rows of one dimension in the pieces, within the scope, as a derived table named like the rollups (so the
 * callers' column references read it). One SELECT per piece joined by UNION ALL, not one OR: each piece is then one
 * range of a covering index, read by an index-only scan; an OR of ranges made PostgreSQL bitmap-scan the table itself
 * (bench/analytics.ts: 30-day country breakdown 759 → 55 ms on 10 M clicks).
 *
 * Without a scope, and unless the caller groups by account (`perAccount`), the rows come from the studio-wide
 * rollups (no account column): a studio's 30-day city breakdown is thousands of rows there instead of millions.
 * Publication rows are only per account (one account per publication: a studio-wide copy would be as large).
 */
export function rollupSource(db: Db, dimension: ClickDimension, pieces: RollupPiece[], scope: ClickScope, opts: { perAccount?: boolean } = {}): SQL {
  const scoped = scopeCondition(db, scope);
  const studio = scoped === undefined && !opts.perAccount && dimension !== 'publication';
  const parts = pieces.map((p) => studio
    ? sql`select granularity, dimension, bucket_start, value, total, "unique", bots, bot_unique from ${clickRollupsStudio} where ${and(
      eq(clickRollupsStudio.granularity, p.granularity), eq(clickRollupsStudio.dimension, dimension),
      gte(clickRollupsStudio.bucketStart, p.from), lt(clickRollupsStudio.bucketStart, p.to),
    )}`
    : sql`select * from ${clickRollups} where ${and(
      eq(clickRollups.granularity, p.granularity), eq(clickRollups.dimension, dimension),
      gte(clickRollups.bucketStart, p.from), lt(clickRollups.bucketStart, p.to), scoped,
    )}`);
  if (parts.length === 0) parts.push(sql`select * from ${clickRollups} where false`);
  return sql`(${sql.join(parts, sql` union all `)}) as ${clickRollups}`;
}

/**
 * A rollup column as a selected field of a query on `rollupSource`: drizzle refuses a bare column whose table is not
 * in the FROM list, and the derived table carries the rollups' name, so the same reference reads it.
 */
const field = <T extends AnyPgColumn>(column: T) => sql<T['_']['data']>`${column}`.mapWith(column);

/**
 * What `total` and `unique` add up under a bot filter (`bots` is always the bot clicks): people (the rollups'
 * total/unique), everyone, or bots only (bots/bot_unique).
 */
function measureTerms(bots: BotFilter): { total: SQL; unique: SQL } {
  const r = clickRollups;
  if (bots === 'only') return { total: sql`${r.bots}`, unique: sql`${r.botUnique}` };
  if (bots === 'include') return { total: sql`${r.total} + ${r.bots}`, unique: sql`${r.unique} + ${r.botUnique}` };
  return { total: sql`${r.total}`, unique: sql`${r.unique}` };
}

const summed = (term: SQL) => sql<number>`coalesce(sum(${term}), 0)::bigint`.mapWith(Number);

function measures(bots: BotFilter) {
  const terms = measureTerms(bots);
  return { total: summed(terms.total), unique: summed(terms.unique), bots: summed(sql`${clickRollups.bots}`) };
}

/** The same measures under aliases, for a CTE the outer query sums or sorts. */
function aliasedMeasures(bots: BotFilter) {
  const m = measures(bots);
  return { total: m.total.as('total'), uniq: m.unique.as('uniq'), bots: m.bots.as('bots') };
}

export interface ClickCounts {
  total: number;
  unique: number;
  bots: number;
}

/**
 * Totals of two adjacent periods in one statement (the `all` rows): `current` and `previous` are each read by its
 * own pieces, split by `previousEnd` (= the current period's start).
 */
export async function clickTotals(
  db: Db, periods: { current: RollupPiece[]; previous?: RollupPiece[]; previousEnd?: Date }, scope: ClickScope, bots: BotFilter,
): Promise<{ current: ClickCounts; previous: ClickCounts }> {
  const terms = measureTerms(bots);
  const isCurrent = periods.previousEnd ? sql`${clickRollups.bucketStart} >= ${periods.previousEnd.toISOString()}::timestamptz` : sql`true`;
  const split = (term: SQL, current: boolean) =>
    sql<number>`coalesce(sum(${term}) filter (where ${current ? isCurrent : sql`not (${isCurrent})`}), 0)::bigint`.mapWith(Number);
  const [row] = await db
    .select({
      total: split(terms.total, true), unique: split(terms.unique, true), bots: split(sql`${clickRollups.bots}`, true),
      previousTotal: split(terms.total, false), previousUnique: split(terms.unique, false), previousBots: split(sql`${clickRollups.bots}`, false),
    })
    .from(rollupSource(db, 'all', [...periods.current, ...(periods.previous ?? [])], scope));
  return {
    current: { total: row?.total ?? 0, unique: row?.unique ?? 0, bots: row?.bots ?? 0 },
    previous: { total: row?.previousTotal ?? 0, unique: row?.previousUnique ?? 0, bots: row?.previousBots ?? 0 },
  };
}

/** Clicks per rollup bucket (hour or day rows, as the pieces say), oldest first: the caller folds them into its buckets. */
export async function clicksByBucket(db: Db, pieces: RollupPiece[], scope: ClickScope, bots: BotFilter) {
  return db
    .select({ granularity: field(clickRollups.granularity), bucketStart: field(clickRollups.bucketStart), ...measures(bots) })
    .from(rollupSource(db, 'all', pieces, scope))
    .groupBy(clickRollups.granularity, clickRollups.bucketStart)
    .orderBy(asc(clickRollups.bucketStart));
}

export type ValueDimension = Exclude<ClickDimension, 'all' | 'publication'>;

/** Clicks by a dimension's value ('' = unknown / direct), largest `total` first (then bots, then value), at most `limit`. */
export async function clicksByValue(db: Db, dimension: ValueDimension, pieces: RollupPiece[], scope: ClickScope, bots: BotFilter, limit: number) {
  const m = measures(bots);
  return db
    .select({ value: field(clickRollups.value), ...m })
    .from(rollupSource(db, dimension, pieces, scope))
    .groupBy(clickRollups.value)
    .orderBy(desc(m.total), desc(m.bots), asc(clickRollups.value))
    .limit(limit);
}

/**
 * Clicks by publication (the `publication` rows; value '' = clicks on the account's own link), largest first, at most
 * `limit`, with the names that label each: its model, platform and when it went out.
 */
export async function clicksByPublication(db: Db, pieces: RollupPiece[], scope: ClickScope, bots: BotFilter, limit: number) {
  const m = aliasedMeasures(bots);
  const top = db.$with('top').as(
    db.select({ value: field(clickRollups.value).as('value'), ...m })
      .from(rollupSource(db, 'publication', pieces, scope))
      .groupBy(clickRollups.value)
      .orderBy(desc(m.total), desc(m.bots), asc(clickRollups.value))
      .limit(limit),
  );
  return db.with(top)
    .select({
      value: top.value, total: top.total, unique: top.uniq, bots: top.bots,
      modelName: models.name, platformName: platforms.name,
      publishedAt: sql<Date | null>`coalesce(${publications.publishedAt}, ${publications.scheduledTime}, ${publications.createdAt})`.mapWith(publications.publishedAt),
    })
    .from(top)
    // The cast is on the CTE's side, so the publication is found by its primary key.
    .leftJoin(publications, sql`${publications.id} = nullif(${top.value}, '')::uuid`)
    .leftJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .leftJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .leftJoin(models, eq(models.id, platformAccounts.modelId))
    .orderBy(desc(top.total), desc(top.bots), asc(top.value));
}

export type Owner = 'platform' | 'model' | 'account';

/** Clicks by platform, model or account (the `all` rows summed per account, then per owner), largest first, at most `limit`. */
export async function clicksByOwner(db: Db, owner: Owner, pieces: RollupPiece[], scope: ClickScope, bots: BotFilter, limit: number) {
  const byAccount = db.$with('by_account').as(
    db.select({ accountId: field(clickRollups.accountId).as('account_id'), ...aliasedMeasures(bots) })
      .from(rollupSource(db, 'all', pieces, scope, { perAccount: true }))
      .groupBy(clickRollups.accountId),
  );
  const total = sql<number>`sum(${byAccount.total})::bigint`.mapWith(Number);
  const botCount = sql<number>`sum(${byAccount.bots})::bigint`.mapWith(Number);
  const key = owner === 'platform' ? platforms.name : owner === 'model' ? models.id : platformAccounts.id;
  const groupBy = owner === 'platform' ? [platforms.name] : owner === 'model' ? [models.id, models.name] : [platformAccounts.id, platformAccounts.username, platforms.name];
  return db.with(byAccount)
    .select({
      key: sql<string>`${key}::text`,
      modelName: sql<string | null>`${owner === 'model' ? models.name : sql`null`}`,
      platformName: sql<string | null>`${owner === 'model' ? sql`null` : platforms.name}`,
      username: sql<string | null>`${owner === 'account' ? platformAccounts.username : sql`null`}`,
      total,
      unique: sql<number>`sum(${byAccount.uniq})::bigint`.mapWith(Number),
      bots: botCount,
    })
    .from(byAccount)
    .innerJoin(platformAccounts, eq(platformAccounts.id, byAccount.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .groupBy(...groupBy)
    .orderBy(desc(total), desc(botCount), asc(key))
    .limit(limit);
}

export type PublicationSort = 'clicks' | 'views' | 'likes' | 'ctr' | 'publishedAt';

const ctr = sql<number | null>`(${publicationStats.clicks}::float8 / nullif(${publicationStats.views}, 0))`;

/**
 * Publications that went out in [from, to) with their running totals (latest metrics, tracking clicks), largest
 * first by `sort` (unknown values last; ties: views, then the newest), at most `limit`.
 */
export async function publicationResults(db: Db, range: { from: Date; to: Date }, scope: ClickScope, sort: PublicationSort, limit: number) {
  const where: SQL[] = [gte(publications.publishedAt, range.from), lt(publications.publishedAt, range.to)];
  if (scope.accountId) where.push(eq(platformAccounts.id, scope.accountId));
  if (scope.modelId) where.push(eq(platformAccounts.modelId, scope.modelId));
  if (scope.platform) where.push(eq(platforms.name, scope.platform));
  const clicks = sql`coalesce(${publicationStats.clicks}, 0)`;
  const order: SQL[] = {
    clicks: [sql`${clicks} desc`, sql`${publicationStats.views} desc nulls last`],
    views: [sql`${publicationStats.views} desc nulls last`, sql`${clicks} desc`],
    likes: [sql`${publicationStats.likes} desc nulls last`, sql`${publicationStats.views} desc nulls last`],
    ctr: [sql`${ctr} desc nulls last`, sql`${clicks} desc`],
    publishedAt: [],
  }[sort];
  return db
    .select({
      id: publications.id, contentId: publications.contentId, modelId: models.id, modelName: models.name, platform: platforms.name,
      accountId: platformAccounts.id, username: platformAccounts.username, publishedAt: publications.publishedAt, postUrl: publications.postUrl,
      views: publicationStats.views, likes: publicationStats.likes, comments: publicationStats.comments, shares: publicationStats.shares,
      clicks: sql<number>`coalesce(${publicationStats.clicks}, 0)`.mapWith(Number),
      uniqueClicks: sql<number>`coalesce(${publicationStats.uniqueClicks}, 0)`.mapWith(Number),
      botClicks: sql<number>`coalesce(${publicationStats.botClicks}, 0)`.mapWith(Number),
      ctr: sql<number | null>`${ctr}`.mapWith(Number),
    })
    .from(publications)
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .leftJoin(publicationStats, eq(publicationStats.publicationId, publications.id))
    .where(and(...where))
    .orderBy(...order, desc(publications.publishedAt), asc(publications.id))
    .limit(limit);
}
