/**
 * Revenue reads (contracts/api/revenue.ts): attributed earnings from `revenue_attribution` (one row per session ×
 * method × link, written by db/attribution.ts), session totals from `streams`, lines outside sessions from
 * `earnings`, and the funnel's views from `publication_stats` and clicks from the click rollups (never raw clicks).
 *
 * A period holds the sessions that started in it: every attribution row carries its session's start
 * (`stream_started_at`), so a period is one range of `revenue_attribution_method_started_idx` per method.
 * Amounts are summed as numeric and answered as text: no float ever holds money.
 */
import { and, asc, eq, gte, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { RevenueBucket } from '../contracts/api/revenue.js';
import type { AttributionMethod } from '../core/streams.js';
import { clicksByOwner, type RollupPiece } from './analytics.js';
import type { Db } from './client.js';
import { earnings, models, platformAccounts, platforms, publications, publicationStats, revenueAttribution, streams } from './schema.js';

export interface RevenueScope {
  from: Date;
  to: Date;
  modelId?: string;
}

const ra = revenueAttribution;

function attributionWhere(scope: RevenueScope, methods: readonly AttributionMethod[]): SQL {
  return and(
    methods.length === 1 ? eq(ra.method, methods[0]!) : inArray(ra.method, [...methods]),
    gte(ra.streamStartedAt, scope.from), lt(ra.streamStartedAt, scope.to),
    scope.modelId ? eq(ra.modelId, scope.modelId) : undefined,
  )!;
}

/** numeric sums as text ('0' when there is nothing). */
const sumText = (column: SQL | typeof ra.amountUsd) => sql<string>`coalesce(sum(${column}), 0)::text`;
const sumInt = (column: SQL | typeof ra.clicks) => sql<number>`coalesce(sum(${column}), 0)::bigint`.mapWith(Number);

export interface RevenueGroupRow {
  key: string | null;
  accountId: string | null;
  amountUsd: string;
  tokens: string;
  clicks: number;
  sessions: number;
  /** Names that label the row (which ones depends on the grouping). */
  modelName: string | null;
  platformName: string | null;
  username: string | null;
  publishedAt: Date | null;
}

export type RevenueGrouping = 'model' | 'platform' | 'account' | 'publication';

/**
 * Attributed earnings by one grouping and method, largest amount first (then clicks, then key), at most `limit`.
 * Model, account and publication rows are summed first and named after the limit; platform rows join the accounts
 * first (a session counts once per platform, whatever number of its accounts it reached).
 */
export async function revenueByGroup(db: Db, grouping: RevenueGrouping, method: AttributionMethod, scope: RevenueScope, limit: number): Promise<RevenueGroupRow[]> {
  const where = attributionWhere(scope, [method]);
  const measures = {
    amountUsd: sumText(sql`${ra.amountUsd}`).as('top_amount_usd'),
    tokens: sumText(sql`${ra.tokens}`).as('top_tokens'),
    clicks: sumInt(sql`${ra.clicks}`).as('top_clicks'),
    sessions: sql<number>`count(distinct ${ra.streamId})::int`.mapWith(Number).as('top_sessions'),
  };
  const order = (m: { amountUsd: unknown; clicks: unknown }, key: unknown) => [sql`${m.amountUsd}::numeric desc`, sql`${m.clicks} desc`, sql`${key} asc nulls first`];

  if (grouping === 'platform') {
    const rows = await db
      .select({ key: platforms.name, ...measures })
      .from(ra)
      .innerJoin(platformAccounts, eq(platformAccounts.id, ra.accountId))
      .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
      .where(where)
      .groupBy(platforms.name)
      .orderBy(...order({ amountUsd: sql`sum(${ra.amountUsd})`, clicks: sql`sum(${ra.clicks})` }, platforms.name))
      .limit(limit);
    return rows.map((r) => ({ ...r, accountId: null, modelName: null, platformName: r.key, username: null, publishedAt: null }));
  }

  if (grouping === 'model') {
    const top = db.$with('top').as(
      db.select({ modelId: sql<string>`${ra.modelId}`.as('top_model_id'), ...measures }).from(ra).where(where).groupBy(ra.modelId)
        .orderBy(...order({ amountUsd: sql`sum(${ra.amountUsd})`, clicks: sql`sum(${ra.clicks})` }, ra.modelId)).limit(limit),
    );
    const rows = await db.with(top)
      .select({ key: sql<string>`${top.modelId}::text`, amountUsd: top.amountUsd, tokens: top.tokens, clicks: top.clicks, sessions: top.sessions, modelName: models.name })
      .from(top).innerJoin(models, eq(models.id, top.modelId))
      .orderBy(...order(top, top.modelId));
    return rows.map((r) => ({ ...r, accountId: null, platformName: null, username: null, publishedAt: null }));
  }

  const perPublication = grouping === 'publication';
  const top = db.$with('top').as(
    db.select({
      accountId: sql<string>`${ra.accountId}`.as('top_account_id'),
      publicationId: sql<string | null>`${perPublication ? ra.publicationId : sql`null::uuid`}`.as('top_publication_id'),
      ...measures,
    })
      .from(ra).where(where)
      .groupBy(...(perPublication ? [ra.accountId, ra.publicationId] : [ra.accountId]))
      .orderBy(...order({ amountUsd: sql`sum(${ra.amountUsd})`, clicks: sql`sum(${ra.clicks})` }, perPublication ? sql`${ra.publicationId}` : ra.accountId))
      .limit(limit),
  );
  const rows = await db.with(top)
    .select({
      accountId: top.accountId, publicationId: top.publicationId,
      amountUsd: top.amountUsd, tokens: top.tokens, clicks: top.clicks, sessions: top.sessions,
      modelName: models.name, platformName: platforms.name, username: platformAccounts.username,
      publishedAt: sql<Date | null>`coalesce(${publications.publishedAt}, ${publications.scheduledTime})`.mapWith(publications.publishedAt),
    })
    .from(top)
    .innerJoin(platformAccounts, eq(platformAccounts.id, top.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .leftJoin(publications, eq(publications.id, top.publicationId))
    .orderBy(...order(top, perPublication ? top.publicationId : top.accountId), asc(top.accountId));
  return rows.map((r) => ({
    key: perPublication ? r.publicationId : r.accountId,
    accountId: r.accountId,
    amountUsd: r.amountUsd, tokens: r.tokens, clicks: r.clicks, sessions: r.sessions,
    modelName: r.modelName, platformName: r.platformName, username: r.username, publishedAt: perPublication ? r.publishedAt : null,
  }));
}

export interface RevenueBucketRows {
  /** Per bucket of session start (`YYYY-MM-DD`, or `YYYY-MM-DDTHH` for hours, in UTC): the sessions and their earnings. */
  sessions: { bucket: string; sessions: number; amountUsd: string; tokens: string }[];
  /** Per bucket of session start: what `method` attributed, the reaching clicks and the sessions credited to a link. */
  attributed: { bucket: string; amountUsd: string; tokens: string; clicks: number; sessions: number }[];
}

const bucketFormat: Record<RevenueBucket, string> = { day: 'YYYY-MM-DD', hour: 'YYYY-MM-DD"T"HH24' };

/** The UTC bucket of an instant as text (see `bucketFormat`), whatever the connection's TimeZone. */
const utcBucket = (column: typeof streams.startedAt | typeof ra.streamStartedAt, unit: RevenueBucket) =>
  sql<string>`to_char(${column} at time zone 'UTC', ${sql.raw(`'${bucketFormat[unit]}'`)})`;

/**
 * The period's earnings per UTC hour or day of session start: the sessions' totals (`streams`, its start BRIN) and
 * what one method attributed (`revenue_attribution_method_started_idx`). Only buckets with sessions; the caller
 * fills the rest.
 */
export async function revenueByBucket(db: Db, method: AttributionMethod, scope: RevenueScope, unit: RevenueBucket): Promise<RevenueBucketRows> {
  const sessionBucket = utcBucket(streams.startedAt, unit);
  const attributedBucket = utcBucket(ra.streamStartedAt, unit);
  const [sessions, attributed] = await Promise.all([
    db.select({
      bucket: sessionBucket,
      sessions: sql<number>`count(*)::int`.mapWith(Number),
      amountUsd: sumText(sql`${streams.amountUsd}`),
      tokens: sumText(sql`${streams.tokens}`),
    })
      .from(streams)
      .where(and(gte(streams.startedAt, scope.from), lt(streams.startedAt, scope.to), scope.modelId ? eq(streams.modelId, scope.modelId) : undefined))
      .groupBy(sessionBucket),
    db.select({
      bucket: attributedBucket,
      amountUsd: sumText(sql`${ra.amountUsd}`),
      tokens: sumText(sql`${ra.tokens}`),
      clicks: sumInt(sql`${ra.clicks}`),
      sessions: sql<number>`count(distinct ${ra.streamId})::int`.mapWith(Number),
    })
      .from(ra)
      .where(attributionWhere(scope, [method]))
      .groupBy(attributedBucket),
  ]);
  return { sessions, attributed };
}

export interface RevenueTotalsRow {
  sessions: number;
  amountUsd: string;
  tokens: string;
  pendingSessions: number;
  attributed: Record<AttributionMethod, { amountUsd: string; tokens: string; clicks: number }>;
  outsideSessions: { amountUsd: string; tokens: string; lines: number };
}

/**
 * The period's sessions and their earnings (`streams.amount_usd` / `tokens`, the sums of their lines), what each
 * method attributed of them, how many wait for their attribution, and the lines outside any session.
 */
export async function revenueTotals(db: Db, scope: RevenueScope): Promise<RevenueTotalsRow> {
  const modelOf = (column: typeof streams.modelId | typeof earnings.modelId) => (scope.modelId ? eq(column, scope.modelId) : undefined);
  const [sessionRows, attributedRows, outsideRows] = await Promise.all([
    db.select({
      sessions: sql<number>`count(*)::int`.mapWith(Number),
      amountUsd: sumText(sql`${streams.amountUsd}`),
      tokens: sumText(sql`${streams.tokens}`),
      // Never attributed, still open, or attributed before it ended (lines may have come since).
      pending: sql<number>`count(*) filter (where ${streams.attributedAt} is null or ${streams.endedAt} is null or ${streams.attributedAt} < ${streams.endedAt})::int`.mapWith(Number),
    }).from(streams).where(and(gte(streams.startedAt, scope.from), lt(streams.startedAt, scope.to), modelOf(streams.modelId))),
    db.select({ method: ra.method, amountUsd: sumText(sql`${ra.amountUsd}`), tokens: sumText(sql`${ra.tokens}`), clicks: sumInt(sql`${ra.clicks}`) })
      .from(ra).where(attributionWhere(scope, ['last_click', 'linear'])).groupBy(ra.method),
    // `stream_id is null` reads the stream index (btree keeps nulls): lines outside sessions are few.
    db.select({ lines: sql<number>`count(*)::int`.mapWith(Number), amountUsd: sumText(sql`${earnings.amountUsd}`), tokens: sumText(sql`${earnings.tokens}`) })
      .from(earnings).where(and(isNull(earnings.streamId), gte(earnings.ts, scope.from), lt(earnings.ts, scope.to), modelOf(earnings.modelId))),
  ]);
  const s = sessionRows[0]!;
  const none = { amountUsd: '0', tokens: '0', clicks: 0 };
  const byMethod = new Map(attributedRows.map((r) => [r.method, { amountUsd: r.amountUsd, tokens: r.tokens, clicks: r.clicks }]));
  const o = outsideRows[0]!;
  return {
    sessions: s.sessions, amountUsd: s.amountUsd, tokens: s.tokens, pendingSessions: s.pending,
    attributed: { last_click: byMethod.get('last_click') ?? none, linear: byMethod.get('linear') ?? none },
    outsideSessions: { amountUsd: o.amountUsd, tokens: o.tokens, lines: o.lines },
  };
}

export interface FunnelParts {
  views: { platform: string; publications: number; views: number }[];
  clicks: { platform: string; total: number; unique: number }[];
  attributed: { platform: string; streamVisits: number; lastClickUsd: string; linearUsd: string }[];
}

/**
 * The funnel's three reads, per platform: publications that went out in the period with their latest views
 * (`publication_stats`), people's clicks in the period (the rollups, summed per account then per platform), and the
 * attribution of the period's sessions (visits = reaching clicks, the same by both methods; amounts by each).
 */
export async function funnelParts(db: Db, scope: RevenueScope, pieces: RollupPiece[]): Promise<FunnelParts> {
  const [views, clicks, attributed] = await Promise.all([
    db.select({
      platform: platforms.name,
      publications: sql<number>`count(*)::int`.mapWith(Number),
      views: sql<number>`coalesce(sum(${publicationStats.views}), 0)::bigint`.mapWith(Number),
    })
      .from(publications)
      .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
      .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
      .leftJoin(publicationStats, eq(publicationStats.publicationId, publications.id))
      .where(and(
        gte(publications.publishedAt, scope.from), lt(publications.publishedAt, scope.to),
        scope.modelId ? eq(platformAccounts.modelId, scope.modelId) : undefined,
      ))
      .groupBy(platforms.name),
    clicksByOwner(db, 'platform', pieces, { modelId: scope.modelId }, 'exclude', 1000),
    db.select({
      platform: platforms.name,
      streamVisits: sql<number>`coalesce(sum(${ra.clicks}) filter (where ${ra.method} = 'last_click'), 0)::bigint`.mapWith(Number),
      lastClickUsd: sql<string>`coalesce(sum(${ra.amountUsd}) filter (where ${ra.method} = 'last_click'), 0)::text`,
      linearUsd: sql<string>`coalesce(sum(${ra.amountUsd}) filter (where ${ra.method} = 'linear'), 0)::text`,
    })
      .from(ra)
      .innerJoin(platformAccounts, eq(platformAccounts.id, ra.accountId))
      .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
      .where(attributionWhere(scope, ['last_click', 'linear']))
      .groupBy(platforms.name),
  ]);
  return {
    views,
    clicks: clicks.map((c) => ({ platform: c.key, total: c.total, unique: c.unique })),
    attributed,
  };
}
