/**
 * The calendar: publications of a time range by calendar time (published → when it went out, else when it is
 * scheduled) and the free slots the models' rules leave in it, in the admin's time zone.
 *
 * Free slots: for every account that can take new contents (active, on an active platform its model's rules allow,
 * model not paused) whose rules have fixed `slots`, each slot time in the range that lies in the future, within the
 * platform's horizon, and that `slotViolation` (core/scheduling.ts, the scheduler's own check) accepts against the
 * account's taken times — where a new content could go. Accounts posting "as soon as possible" have no slots to show.
 *
 * Cost: three statements (publications in range, accounts, taken times), then per account one pass over the local
 * days of the range; each candidate is checked against only the taken times near it (the same verdict: the rules
 * look at the candidate's local day and at its spacing, never further).
 */
import { calendarItemLimit, calendarMaxRangeDays } from '../contracts/api/calendar.js';
import { horizonEnd, modelRules, platformAllowed } from '../core/rules.js';
import { slotViolation, validateSchedulingRules, zonedTimeToUtc, localDay } from '../core/scheduling.js';
import { defaultDistributionRules, type PublicationStatus } from '../core/types.js';
import { calendarPublications, schedulableAccounts, takenTimesByAccount, type CalendarFilter } from '../db/calendar.js';
import type { Db } from '../db/client.js';
import { platformCapabilities } from '../db/publishing-context.js';
import { ServiceError } from './errors.js';
import { effectiveAdminTimeZone } from './preferences.js';
import { controlStatuses } from './publications.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Caption excerpt length (characters of its first line). */
const EXCERPT = 120;
/**
 * How far from a candidate a taken time can matter besides the spacing: its local day (at most 26 hours long, and
 * the candidate lies inside it) — so taken times within max(spacing, 26 h) decide the verdict.
 */
const LOCAL_DAY_REACH_MS = 26 * HOUR_MS;

export interface CalendarQueryInput extends CalendarFilter {
  from: string;
  to: string;
  /** The browser's zone, used when the admin saved no preference. */
  tz?: string;
}

function parsedTime(value: string, field: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new ServiceError('invalid', 'invalid_request', `${field}: not a date-time`, { fields: { [field]: 'not a date-time' } });
  return date;
}

/** [from, to) checked: both times, `to` after `from`, at most calendarMaxRangeDays apart (400 naming the field). */
export function calendarRange(fromText: string, toText: string): { from: Date; to: Date } {
  const from = parsedTime(fromText, 'from');
  const to = parsedTime(toText, 'to');
  if (to.getTime() <= from.getTime()) throw new ServiceError('invalid', 'invalid_request', 'to: must be after from', { fields: { to: 'must be after from' } });
  if (to.getTime() - from.getTime() > calendarMaxRangeDays * DAY_MS) {
    const message = `at most ${calendarMaxRangeDays} days after from`;
    throw new ServiceError('invalid', 'range_too_long', `to: ${message}`, { fields: { to: message } });
  }
  return { from, to };
}

/** The caption's first line, shortened (the idempotency marker is its last line, never shown). */
function excerptOf(caption: string | null): string | null {
  if (!caption) return null;
  const newline = caption.indexOf('\n');
  const line = (newline < 0 ? caption : caption.slice(0, newline)).trim();
  if (!line) return null;
  // `caption` holds one character more than shown: a first line that long was cut.
  return line.length > EXCERPT || (newline < 0 && caption.length > EXCERPT) ? `${line.slice(0, EXCERPT).trimEnd()}…` : line;
}

const reschedulable = new Set<PublicationStatus>(controlStatuses.reschedule);

export async function getCalendar(db: Db, query: CalendarQueryInput, now = new Date()) {
  const range = calendarRange(query.from, query.to);
  const filter: CalendarFilter = { modelId: query.modelId, platform: query.platform, accountId: query.accountId };
  // Side by side on the pool: the zone, the publications, and the accounts followed by their taken times.
  const [zone, rows, free] = await Promise.all([
    effectiveAdminTimeZone(db, query.tz),
    // One row more than the limit says whether more matched.
    calendarPublications(db, range, filter, calendarItemLimit + 1, EXCERPT),
    schedulableAccounts(db, filter).then((accounts) => freeSlots(db, accounts, range, now)),
  ]);
  const truncated = rows.length > calendarItemLimit;
  const items = rows.slice(0, calendarItemLimit).map((row) => ({
    publicationId: row.publicationId,
    contentId: row.contentId,
    status: row.status,
    time: row.time,
    scheduledTime: row.scheduledTime,
    publishedAt: row.publishedAt,
    reschedulable: reschedulable.has(row.status),
    modelId: row.modelId,
    modelName: row.modelName,
    modelTimezone: row.modelTimezone ?? defaultDistributionRules.timezone,
    platform: row.platform,
    accountId: row.accountId,
    username: row.username,
    captionExcerpt: excerptOf(row.caption),
    postUrl: row.postUrl,
  }));
  return { ...range, timezone: zone.timezone, timezoneSource: zone.source, items, truncated, limit: calendarItemLimit, freeSlots: free };
}

type SchedulableAccount = Awaited<ReturnType<typeof schedulableAccounts>>[number];

/** Where new contents could go in the range, account by account (see the file comment), earliest first. */
async function freeSlots(db: Db, rows: SchedulableAccount[], range: { from: Date; to: Date }, now: Date) {
  const nowMs = now.getTime();
  const plans = [];
  for (const { account, platform, model } of rows) {
    const rules = modelRules(model);
    if (rules.slots.length === 0 || !platformAllowed(rules, platform.name) || validateSchedulingRules(rules).length > 0) continue;
    const lead = platformCapabilities(platform);
    // Only the future within the platform's horizon can take a new content.
    const lo = Math.max(range.from.getTime(), nowMs + 1);
    const hi = Math.min(range.to.getTime() - 1, horizonEnd(now, lead).getTime());
    if (lo > hi) continue;
    plans.push({ account, platform, model, rules, lead, lo, hi });
  }
  if (plans.length === 0) return [];
  const reach = Math.max(LOCAL_DAY_REACH_MS, ...plans.map((p) => p.rules.minSpacingMinutes * 60_000));
  const takenByAccount = await takenTimesByAccount(db, plans.map((p) => p.account.id), {
    from: new Date(Math.min(...plans.map((p) => p.lo)) - reach),
    to: new Date(Math.max(...plans.map((p) => p.hi)) + reach),
  });

  const slots = [];
  for (const { account, platform, model, rules, lead, lo, hi } of plans) {
    const taken = takenByAccount.get(account.id) ?? [];
    const spacing = rules.minSpacingMinutes * 60_000;
    const near = Math.max(LOCAL_DAY_REACH_MS, spacing);
    const owner = {
      modelId: model.id, modelName: model.name, modelTimezone: rules.timezone,
      platform: platform.name, accountId: account.id, username: account.username,
    };
    const last = localDay(new Date(hi), rules.timezone);
    for (let day = localDay(new Date(lo), rules.timezone); day <= last; day = nextDay(day)) {
      for (const hhmm of rules.slots) {
        const candidate = zonedTimeToUtc(day, hhmm, rules.timezone);
        if (!candidate) continue; // a slot inside a daylight-saving gap does not exist that day
        const at = candidate.getTime();
        if (at < lo || at > hi) continue;
        const [first, end] = bounds(taken, at - near, at + near);
        // A taken time within the spacing refuses it whatever else holds (slotViolation's own conflict rule): the
        // common case in a busy month, decided without building the scheduler's plan.
        if (conflicts(taken, first, end, at, spacing)) continue;
        const nearby = taken.slice(first, end).map((t) => new Date(t));
        if (slotViolation({ rules, lead, now, taken: nearby }, candidate) === null) slots.push({ ...owner, time: candidate });
      }
    }
  }
  return slots.sort((a, b) => a.time.getTime() - b.time.getTime());
}

/** The first index whose time is >= `at` (binary search: a busy account has thousands of taken times). */
function lowerBound(sorted: number[], at: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < at) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** [first, end) of the sorted times within [from, to]. */
function bounds(sorted: number[], from: number, to: number): [number, number] {
  return [lowerBound(sorted, from), lowerBound(sorted, to + 1)];
}

/** Whether a time in sorted[first, end) is too close to `at`: within the spacing, or the same instant (spacing 0). */
function conflicts(sorted: number[], first: number, end: number, at: number, spacing: number): boolean {
  for (let i = first; i < end; i++) {
    const t = sorted[i]!;
    if (spacing > 0 ? Math.abs(at - t) < spacing : at === t) return true;
  }
  return false;
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

export type CalendarResult = Awaited<ReturnType<typeof getCalendar>>;
