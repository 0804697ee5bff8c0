/**
 * The overview (the dashboard's home page): what needs the admin now, each part one SQL query, run together,
 * plus the health checks. "Today" is the admin's day in their time zone.
 */
import type { BlockedReason } from '../contracts/api/overview.js';
import { localDay, zonedTimeToUtc } from '../core/scheduling.js';
import type { Db } from '../db/client.js';
import {
  blockedAccounts, latestPublished, openAlerts, overviewCounts, pendingApprovals, upcomingPublications,
} from '../db/overview.js';
import { clicksBetween, topPostsOfWeek } from './analytics.js';
import { ServiceError } from './errors.js';
import { checkHealth } from './health.js';
import type { TemporalClient } from './deps.js';

/** How much of each list the overview shows. */
export const overviewLimits = { approvals: 10, alerts: 20, upcoming: 50, latestPublished: 10, blockedAccounts: 100, excerpt: 120, topPosts: 5 } as const;
const upcomingHours = 24;

/** A time zone name the runtime knows (IANA, e.g. `America/Bogota`, or `UTC`); else a 400 naming `field`. */
export function checkedTimeZone(timeZone: string | undefined, field = 'tz'): string {
  if (timeZone === undefined) return 'UTC';
  try {
    // Resolves aliases and case (`utc` → `UTC`); throws RangeError on an unknown name.
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw new ServiceError('invalid', 'invalid_time_zone', `${field}: unknown time zone ${JSON.stringify(timeZone)}`, { fields: { [field]: 'unknown time zone' } });
  }
}

/** The first instant of a local day: midnight, or the first hour that exists when the day starts in a DST gap. */
function dayStart(day: string, timeZone: string): Date {
  for (const hhmm of ['00:00', '01:00', '02:00']) {
    const start = zonedTimeToUtc(day, hhmm, timeZone);
    if (start) return start;
  }
  throw new Error(`no start of ${day} in ${timeZone}`);
}

/** The admin's day containing `now` as [from, to) in UTC. */
export function todayBounds(timeZone: string, now: Date): { from: Date; to: Date } {
  const day = localDay(now, timeZone);
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return { from: dayStart(day, timeZone), to: dayStart(next, timeZone) };
}

const excerpt = (text: string | null) =>
  text === null ? null : text.length > overviewLimits.excerpt ? `${text.slice(0, overviewLimits.excerpt).trimEnd()}…` : text;

export async function getOverview(deps: { db: Db; temporal: TemporalClient }, options: { timeZone?: string; now?: Date } = {}) {
  const { db, temporal } = deps;
  const timeZone = checkedTimeZone(options.timeZone);
  const now = options.now ?? new Date();
  const today = todayBounds(timeZone, now);
  const next24h = { from: now, to: new Date(now.getTime() + upcomingHours * 3_600_000) };
  // Independent reads: they run side by side on the pool (each is one statement).
  const [counts, approvals, alerts, upcoming, latest, blocked, clicksToday, topPosts, health] = await Promise.all([
    overviewCounts(db, today),
    pendingApprovals(db, overviewLimits.approvals, overviewLimits.excerpt),
    openAlerts(db, overviewLimits.alerts),
    upcomingPublications(db, next24h, overviewLimits.upcoming),
    latestPublished(db, overviewLimits.latestPublished),
    blockedAccounts(db, overviewLimits.blockedAccounts),
    clicksBetween(db, today),
    topPostsOfWeek(db, now, overviewLimits.topPosts),
    checkHealth(db, temporal),
  ]);
  const totalOf = (rows: { total: number }[]) => rows[0]?.total ?? 0;
  return {
    generatedAt: now,
    timeZone,
    today,
    counts,
    approvals: {
      total: totalOf(approvals),
      oldest: approvals.map(({ total: _total, context, ...row }) => ({ ...row, contextExcerpt: excerpt(context) })),
    },
    alerts: {
      total: totalOf(alerts),
      items: alerts.map(({ total: _total, data, ...row }) => ({
        ...row,
        kind: typeof data?.kind === 'string' ? data.kind : 'unknown',
        data: data ?? {},
      })),
    },
    upcoming: { total: totalOf(upcoming), items: upcoming.map(({ total: _total, ...row }) => row) },
    latestPublished: latest,
    blockedAccounts: {
      total: totalOf(blocked),
      items: blocked.map(({ total: _total, reason, ...row }) => ({ ...row, reason: reason as BlockedReason })),
    },
    clicksToday,
    topPostsOfWeek: topPosts,
    health,
  };
}

export type OverviewResult = Awaited<ReturnType<typeof getOverview>>;
