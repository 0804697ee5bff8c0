/**
 * Traffic analytics (contracts/api/analytics.ts): clicks on tracking links grouped one way, with the totals of the
 * range and of the same-length period just before; and per-publication results. Read from the rollups only
 * (db/analytics.ts), so the cost depends on the range and the number of accounts, never on the number of clicks.
 *
 * Ranges are taken to whole hours (from down, to up): the hourly rollups cannot be split.
 */
import type { BotFilter, ClickGrouping } from '../contracts/api/analytics.js';
import {
  clicksByBucket, clicksByOwner, clicksByPublication, clicksByValue, clickTotals, publicationResults, rollupPieces,
  type ClickCounts, type ClickScope, type PublicationSort, type RollupPiece,
} from '../db/analytics.js';
import type { Db } from '../db/client.js';
import { ServiceError } from './errors.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The longest range any analytics query reads. */
export const analyticsMaxRangeDays = 400;
/** The longest range grouped by hour (at most 744 buckets). */
export const hourlyMaxRangeDays = 31;
const defaultRangeDays = 7;
const defaultClickRows = 100;
const defaultPublicationRows = 50;

export interface AnalyticsRangeInput {
  from?: string;
  to?: string;
}

function parsedTime(value: string, field: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalid(field, 'not a date-time');
  return date;
}

function invalid(field: string, problem: string, code = 'invalid_request'): ServiceError {
  return new ServiceError('invalid', code, `${field}: ${problem}`, { fields: { [field]: problem } });
}

const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
const ceilHour = (ms: number) => Math.ceil(ms / HOUR_MS) * HOUR_MS;

/**
 * [from, to) checked and taken to whole hours: `to` defaults to now, `from` to `to` minus 7 days; `to` after `from`
 * and at most 400 days later (else 400 naming `to`). `requestedMs` is the span asked for, before the rounding.
 */
export function analyticsRange(input: AnalyticsRangeInput, now = new Date()): { from: Date; to: Date; requestedMs: number } {
  const to = input.to === undefined ? now : parsedTime(input.to, 'to');
  const from = input.from === undefined ? null : parsedTime(input.from, 'from');
  if (from) {
    if (to.getTime() <= from.getTime()) throw invalid('to', 'must be after from');
    if (to.getTime() - from.getTime() > analyticsMaxRangeDays * DAY_MS) throw invalid('to', `at most ${analyticsMaxRangeDays} days after from`, 'range_too_long');
  }
  const end = ceilHour(to.getTime());
  // The default is exactly 7 days of whole hours, ending with the hour that holds `to`.
  const start = from ? floorHour(from.getTime()) : end - defaultRangeDays * DAY_MS;
  return { from: new Date(start), to: new Date(end), requestedMs: from ? to.getTime() - from.getTime() : end - start };
}

export interface ClicksQueryInput extends AnalyticsRangeInput, ClickScope {
  groupBy: ClickGrouping;
  bots?: BotFilter;
  limit?: number;
}

export interface ClickRowResult extends ClickCounts {
  /** An instant (hour/day), a value, a name or an id; null = unknown / direct. */
  key: string | Date | null;
  label: string | null;
}

const zero = (): ClickCounts => ({ total: 0, unique: 0, bots: 0 });
const withoutAt = (username: string) => username.replace(/^@/, '');
const dayOf = (date: Date | null) => date?.toISOString().slice(0, 10) ?? null;

/** "model · platform · 2024-05-01": how a publication reads in a table of clicks. */
export function publicationLabel(p: { modelName: string | null; platformName: string | null; publishedAt: Date | null }): string | null {
  const parts = [p.modelName, p.platformName, dayOf(p.publishedAt)].filter((part): part is string => !!part);
  return parts.length ? parts.join(' · ') : null;
}

/** "@username · platform": how an account reads. */
export const accountLabel = (username: string, platform: string) => `@${withoutAt(username)} · ${platform}`;

/**
 * Every bucket of [from, to) (UTC hours or UTC days; a partial first/last day keyed by its day's start), zeros
 * included, filled from the rollup rows (hour rows fold into their day).
 */
function bucketRows(range: { from: Date; to: Date }, unit: 'hour' | 'day', rows: { bucketStart: Date; total: number; unique: number; bots: number }[]): ClickRowResult[] {
  const size = unit === 'hour' ? HOUR_MS : DAY_MS;
  const start = Math.floor(range.from.getTime() / size) * size;
  const buckets = new Map<number, ClickRowResult>();
  for (let at = start; at < range.to.getTime(); at += size) buckets.set(at, { key: new Date(at), label: null, ...zero() });
  for (const row of rows) {
    const bucket = buckets.get(Math.floor(row.bucketStart.getTime() / size) * size);
    if (!bucket) continue;
    bucket.total += row.total;
    bucket.unique += row.unique;
    bucket.bots += row.bots;
  }
  return [...buckets.values()];
}

/**
 * `groupBy=hour` takes at most `hourlyMaxRangeDays` (else 400 naming `groupBy`), judged on the span asked for:
 * rounding to whole hours must not turn 31 days into a refusal.
 */
export function checkHourlySpan(groupBy: string, requestedMs: number): void {
  if (groupBy === 'hour' && requestedMs > hourlyMaxRangeDays * DAY_MS) {
    throw invalid('groupBy', `hour needs a range of at most ${hourlyMaxRangeDays} days (use day)`, 'range_too_long');
  }
}

/** GET /api/analytics/clicks: the rows of one grouping, the range's totals and the previous period's. */
export async function clickAnalytics(db: Db, query: ClicksQueryInput, now = new Date()) {
  const { requestedMs, ...range } = analyticsRange(query, now);
  const span = range.to.getTime() - range.from.getTime();
  checkHourlySpan(query.groupBy, requestedMs);
  const bots = query.bots ?? 'exclude';
  const scope: ClickScope = { modelId: query.modelId, accountId: query.accountId, platform: query.platform };
  const limit = query.limit ?? defaultClickRows;
  const previous = { from: new Date(range.from.getTime() - span), to: range.from };
  const pieces = rollupPieces(range.from, range.to);
  const [rows, totals] = await Promise.all([
    groupedRows(db, query.groupBy, range, pieces, scope, bots, limit),
    clickTotals(db, { current: pieces, previous: rollupPieces(previous.from, previous.to), previousEnd: range.from }, scope, bots),
  ]);
  return { ...range, groupBy: query.groupBy, bots, rows, totals: totals.current, previous: { ...previous, totals: totals.previous } };
}

async function groupedRows(
  db: Db, groupBy: ClickGrouping, range: { from: Date; to: Date }, pieces: RollupPiece[], scope: ClickScope, bots: BotFilter, limit: number,
): Promise<ClickRowResult[]> {
  switch (groupBy) {
    case 'hour':
      return bucketRows(range, 'hour', await clicksByBucket(db, [{ granularity: 'hour', ...range }], scope, bots));
    case 'day':
      return bucketRows(range, 'day', await clicksByBucket(db, pieces, scope, bots));
    case 'publication':
      return (await clicksByPublication(db, pieces, scope, bots, limit)).map((row) => ({
        key: row.value || null, label: row.value ? publicationLabel(row) : null, total: row.total, unique: row.unique, bots: row.bots,
      }));
    case 'platform':
    case 'model':
    case 'account':
      return (await clicksByOwner(db, groupBy, pieces, scope, bots, limit)).map((row) => ({
        key: row.key,
        label: groupBy === 'platform' ? row.key : groupBy === 'model' ? row.modelName : accountLabel(row.username ?? '', row.platformName ?? ''),
        total: row.total, unique: row.unique, bots: row.bots,
      }));
    default:
      return (await clicksByValue(db, groupBy, pieces, scope, bots, limit)).map((row) => ({
        key: row.value || null, label: null, total: row.total, unique: row.unique, bots: row.bots,
      }));
  }
}

export type ClickAnalyticsResult = Awaited<ReturnType<typeof clickAnalytics>>;

export interface PublicationsQueryInput extends AnalyticsRangeInput, ClickScope {
  sort?: PublicationSort;
  limit?: number;
}

/** GET /api/analytics/publications: publications that went out in the range, with views, likes, clicks and CTR. */
export async function publicationAnalytics(db: Db, query: PublicationsQueryInput, now = new Date()) {
  const { from, to } = analyticsRange(query, now);
  const range = { from, to };
  const scope: ClickScope = { modelId: query.modelId, accountId: query.accountId, platform: query.platform };
  const items = await publicationResults(db, range, scope, query.sort ?? 'clicks', query.limit ?? defaultPublicationRows);
  return { ...range, items };
}

export type PublicationAnalyticsResult = Awaited<ReturnType<typeof publicationAnalytics>>;

/** Up to `limit` publications that went out in the last 7 days, by clicks then views (the overview's top posts). */
export async function topPostsOfWeek(db: Db, now: Date, limit = 5) {
  return publicationResults(db, { from: new Date(now.getTime() - 7 * DAY_MS), to: now }, {}, 'clicks', limit);
}

/** People's clicks in [from, to) from the hourly rollups (hours starting in it; `from` taken down to its hour). */
export async function clicksBetween(db: Db, range: { from: Date; to: Date }): Promise<ClickCounts> {
  const from = new Date(floorHour(range.from.getTime()));
  if (range.to.getTime() <= from.getTime()) return zero();
  return (await clickTotals(db, { current: [{ granularity: 'hour', from, to: range.to }] }, {}, 'exclude')).current;
}
