/**
 * Revenue (contracts/api/revenue.ts): what the live sessions earned and which links sent the people who paid, by
 * model, platform, account or publication (or per UTC hour or day, attributed against total), under a stated attribution
 * method; the funnel per platform; the weekly report's earnings and best platform. Reads db/revenue.ts (attribution
 * rows, session totals, rollups).
 *
 * Ranges follow the analytics API (services/analytics.ts `analyticsRange`: whole hours, at most 400 days, 400 naming
 * the field), so the funnel's clicks read whole rollup buckets.
 */
import { fromUnits, subtractDecimals, toUnits } from '../core/attribution.js';
import type { AttributionMethod } from '../core/streams.js';
import type { RevenueBucket, RevenueGrouping, RevenueOwnerGrouping } from '../contracts/api/revenue.js';
import type { Db } from '../db/client.js';
import { rollupPieces } from '../db/analytics.js';
import { funnelParts, revenueByBucket, revenueByGroup, revenueTotals, type RevenueScope } from '../db/revenue.js';
import { accountLabel, analyticsRange, checkHourlySpan, publicationLabel, type AnalyticsRangeInput } from './analytics.js';

const defaultRows = 100;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A numeric sum as PostgreSQL prints it → always 4 decimals ("0" → "0.0000"). */
const dec = (value: string) => fromUnits(toUnits(value));
const addDec = (a: string, b: string) => fromUnits(toUnits(a) + toUnits(b));

export interface RevenueQueryInput extends AnalyticsRangeInput {
  groupBy: RevenueGrouping;
  method?: AttributionMethod;
  modelId?: string;
  limit?: number;
}

export interface RevenueRowResult {
  key: string | null;
  label: string | null;
  accountId: string | null;
  amountUsd: string;
  tokens: string;
  clicks: number;
  sessions: number;
  /** `hour` / `day` only: the bucket's sessions and their earnings, and the part `method` credited no link with. */
  total?: { sessions: number; amountUsd: string; tokens: string };
  unattributed?: { amountUsd: string; tokens: string };
}

/** GET /api/revenue: one grouping's rows under one method, with the period's totals (attributed, unattributed, apart). */
export async function revenueReport(db: Db, query: RevenueQueryInput, now = new Date()) {
  const { from, to, requestedMs } = analyticsRange(query, now);
  const groupBy = query.groupBy;
  checkHourlySpan(groupBy, requestedMs);
  const method = query.method ?? 'last_click';
  const scope: RevenueScope = { from, to, modelId: query.modelId };
  const [rows, totals] = await Promise.all([
    groupBy === 'hour' || groupBy === 'day' ? bucketRows(db, method, scope, groupBy) : ownerRows(db, groupBy, method, scope, query.limit ?? defaultRows),
    revenueTotals(db, scope),
  ]);
  const attributed = totals.attributed[method];
  return {
    from, to, groupBy, method, rows,
    totals: {
      sessions: totals.sessions,
      amountUsd: dec(totals.amountUsd),
      tokens: dec(totals.tokens),
      attributed: { amountUsd: dec(attributed.amountUsd), tokens: dec(attributed.tokens), clicks: attributed.clicks },
      unattributed: { amountUsd: subtractDecimals(dec(totals.amountUsd), dec(attributed.amountUsd)), tokens: subtractDecimals(dec(totals.tokens), dec(attributed.tokens)) },
      pendingSessions: totals.pendingSessions,
      outsideSessions: { amountUsd: dec(totals.outsideSessions.amountUsd), tokens: dec(totals.outsideSessions.tokens), lines: totals.outsideSessions.lines },
    },
  };
}

export type RevenueReportResult = Awaited<ReturnType<typeof revenueReport>>;

async function ownerRows(db: Db, groupBy: RevenueOwnerGrouping, method: AttributionMethod, scope: RevenueScope, limit: number): Promise<RevenueRowResult[]> {
  return (await revenueByGroup(db, groupBy, method, scope, limit)).map((r) => ({
    key: r.key,
    label: labelOf(groupBy, r),
    accountId: groupBy === 'publication' ? r.accountId : null,
    amountUsd: dec(r.amountUsd), tokens: dec(r.tokens), clicks: r.clicks, sessions: r.sessions,
  }));
}

/**
 * Every UTC hour or day of [from, to) by session start (a partial first/last day keyed by its day's start, as the
 * clicks API's buckets), zeros included, oldest first: what `method` attributed, the bucket's total and the rest.
 * Labels: `YYYY-MM-DD` for a day, `YYYY-MM-DDTHH:00Z` for an hour.
 */
async function bucketRows(db: Db, method: AttributionMethod, scope: RevenueScope, unit: RevenueBucket): Promise<RevenueRowResult[]> {
  const { sessions, attributed } = await revenueByBucket(db, method, scope, unit);
  const sessionsOf = new Map(sessions.map((s) => [s.bucket, s]));
  const attributedOf = new Map(attributed.map((a) => [a.bucket, a]));
  const size = unit === 'hour' ? HOUR_MS : DAY_MS;
  // The database's bucket text is this prefix of the bucket start's ISO form.
  const prefix = unit === 'hour' ? 13 : 10;
  const rows: RevenueRowResult[] = [];
  for (let at = Math.floor(scope.from.getTime() / size) * size; at < scope.to.getTime(); at += size) {
    const key = new Date(at).toISOString();
    const bucket = key.slice(0, prefix);
    const s = sessionsOf.get(bucket);
    const a = attributedOf.get(bucket);
    const total = { sessions: s?.sessions ?? 0, amountUsd: dec(s?.amountUsd ?? '0'), tokens: dec(s?.tokens ?? '0') };
    const amountUsd = dec(a?.amountUsd ?? '0');
    const tokens = dec(a?.tokens ?? '0');
    rows.push({
      key, label: unit === 'hour' ? `${key.slice(0, 16)}Z` : bucket, accountId: null, amountUsd, tokens, clicks: a?.clicks ?? 0, sessions: a?.sessions ?? 0,
      total, unattributed: { amountUsd: subtractDecimals(total.amountUsd, amountUsd), tokens: subtractDecimals(total.tokens, tokens) },
    });
  }
  return rows;
}

function labelOf(groupBy: RevenueOwnerGrouping, r: Awaited<ReturnType<typeof revenueByGroup>>[number]): string | null {
  switch (groupBy) {
    case 'model': return r.modelName;
    case 'platform': return r.platformName;
    case 'account': return accountLabel(r.username ?? '', r.platformName ?? '');
    case 'publication':
      // The account's own link reads as the account.
      return r.key ? publicationLabel({ modelName: r.modelName, platformName: r.platformName, publishedAt: r.publishedAt }) : accountLabel(r.username ?? '', r.platformName ?? '');
  }
}

export interface FunnelRowResult {
  platform: string;
  publications: number;
  views: number;
  clicks: number;
  uniqueClicks: number;
  streamVisits: number;
  amountUsd: Record<AttributionMethod, string>;
}

const emptyFunnel = (platform: string): FunnelRowResult => ({
  platform, publications: 0, views: 0, clicks: 0, uniqueClicks: 0, streamVisits: 0, amountUsd: { last_click: '0.0000', linear: '0.0000' },
});

/** GET /api/revenue/funnel: per platform, views → clicks → stream visits → earnings (both methods), and the totals. */
export async function revenueFunnel(db: Db, query: AnalyticsRangeInput & { modelId?: string }, now = new Date()) {
  const { from, to } = analyticsRange(query, now);
  const scope: RevenueScope = { from, to, modelId: query.modelId };
  const [parts, totals] = await Promise.all([funnelParts(db, scope, rollupPieces(from, to)), revenueTotals(db, scope)]);
  const rows = new Map<string, FunnelRowResult>();
  const row = (platform: string) => {
    let r = rows.get(platform);
    if (!r) rows.set(platform, (r = emptyFunnel(platform)));
    return r;
  };
  for (const v of parts.views) Object.assign(row(v.platform), { publications: v.publications, views: v.views });
  for (const c of parts.clicks) Object.assign(row(c.platform), { clicks: c.total, uniqueClicks: c.unique });
  for (const a of parts.attributed) Object.assign(row(a.platform), { streamVisits: a.streamVisits, amountUsd: { last_click: dec(a.lastClickUsd), linear: dec(a.linearUsd) } });
  const list = [...rows.values()].sort((a, b) => {
    const byAmount = toUnits(b.amountUsd.last_click) - toUnits(a.amountUsd.last_click);
    return byAmount !== 0n ? (byAmount > 0n ? 1 : -1) : b.clicks - a.clicks || a.platform.localeCompare(b.platform);
  });
  const sum = list.reduce((t, r) => ({
    publications: t.publications + r.publications, views: t.views + r.views, clicks: t.clicks + r.clicks, uniqueClicks: t.uniqueClicks + r.uniqueClicks,
    streamVisits: t.streamVisits + r.streamVisits,
    amountUsd: { last_click: addDec(t.amountUsd.last_click, r.amountUsd.last_click), linear: addDec(t.amountUsd.linear, r.amountUsd.linear) },
  }), (({ platform: _, ...rest }) => rest)(emptyFunnel('')));
  const sessionsUsd = dec(totals.amountUsd);
  return {
    from, to, rows: list, totals: sum,
    unattributedUsd: {
      last_click: subtractDecimals(sessionsUsd, dec(totals.attributed.last_click.amountUsd)),
      linear: subtractDecimals(sessionsUsd, dec(totals.attributed.linear.amountUsd)),
    },
  };
}

export type RevenueFunnelResult = Awaited<ReturnType<typeof revenueFunnel>>;

/** The method the reports name their best platform by. */
export const reportMethod: AttributionMethod = 'last_click';

export interface EarningsSummary {
  /** Earnings of the sessions that started in the period, plus lines outside sessions in it. */
  amountUsd: string;
  tokens: string;
  sessions: number;
  /** The platform whose links were credited the most (by `method`); null when nothing was attributed. */
  bestPlatform: { name: string; amountUsd: string; method: AttributionMethod } | null;
}

/** The report's earnings line: the period's earnings and the best platform by attributed revenue (last click). */
export async function earningsSummary(db: Db, range: { from: Date; to: Date }): Promise<EarningsSummary> {
  const scope: RevenueScope = range;
  const [totals, best] = await Promise.all([revenueTotals(db, scope), revenueByGroup(db, 'platform', reportMethod, scope, 1)]);
  const top = best[0];
  return {
    amountUsd: addDec(dec(totals.amountUsd), dec(totals.outsideSessions.amountUsd)),
    tokens: addDec(dec(totals.tokens), dec(totals.outsideSessions.tokens)),
    sessions: totals.sessions,
    bestPlatform: top && toUnits(top.amountUsd) > 0n ? { name: top.key ?? '', amountUsd: dec(top.amountUsd), method: reportMethod } : null,
  };
}
