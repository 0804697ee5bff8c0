/**
 * Clicks on tracking links: the batch insert behind the click recorder (services/clicks/), which also keeps the
 * hourly/daily rollups, the per-link daily visitors (what makes `is_unique` exact) and the per-publication click
 * totals up to date in the same statement; the rollup repair (`rebuildClickRollups`); the ref → publication
 * look-up; and the daily salts of visitor hashes.
 *
 * Rows travel as one JSON parameter per statement (`json_to_recordset`): a batch of any size is one statement with
 * one parameter (far from PostgreSQL's 65,535), and it reads the same on postgres.js and PGlite (postgres.js cannot
 * type a boolean array parameter for `unnest`).
 */
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { markerOfTrackingRef } from '../core/tracking.js';
import { inTransaction, type Db } from './client.js';
import { clickRollups, clickRollupsStudio, clickSalts, publications } from './schema.js';

/** One click as the recorder stores it: enriched, hashed, the address gone. */
export interface StoredClick {
  ts: Date;
  accountId: string;
  publicationId: string | null;
  /** Keyed hash of address + user agent with that UTC day's salt. */
  visitorHash: string;
  country: string | null;
  city: string | null;
  referrerHost: string | null;
  device: string | null;
  os: string | null;
  browser: string | null;
  isBot: boolean;
}

/** Lets the redirects waiting on this thread go first (a flush's synchronous work is cut into short slices). */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** `YYYY-MM-DD` of the UTC day of `ms`. */
export function utcDay(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The link a click counts against for `is_unique` (`click_visitors.link_key`): `<account>/<publication or empty>`,
 * with `/bot` for bots, so a preview or prefetch from a visitor's own browser never takes that visitor's unique.
 * insertClickBatch builds the same key in SQL.
 */
export function clickLinkKey(accountId: string, publicationId: string | null, isBot: boolean): string {
  return `${accountId}/${publicationId ?? ''}${isBot ? '/bot' : ''}`;
}

/**
 * The rollup value of every dimension of a click, in SQL over a row named `c` with the columns of `clicks`
 * ('' = unknown / direct / the account's own link; a city is "City, CC": the same name exists in several
 * countries). The one definition: the flush and the repair both fold clicks through it.
 */
const dimensionValuesSql = sql.raw(`(values
  ('all'::click_dimension, ''),
  ('publication', coalesce(c.publication_id::text, '')),
  ('country', coalesce(c.country, '')),
  ('city', case when coalesce(c.city, '') = '' then '' when coalesce(c.country, '') = '' then c.city else c.city || ', ' || c.country end),
  ('device', coalesce(c.device, '')),
  ('os', coalesce(c.os, '')),
  ('browser', coalesce(c.browser, '')),
  ('referrer', coalesce(c.referrer_host, ''))
) as d(dimension, value)`);

/** Text as PostgreSQL takes it: JSON may carry U+0000, a text column may not. */
const clean = (text: string | null) => (text === null || !text.includes('\u0000') ? text : text.replaceAll('\u0000', ''));

/**
 * A batch as one JSON array (short keys, time as epoch milliseconds, `i` its place in the batch): serialised click by
 * click, giving waiting redirects a turn between slices, so a large batch never holds the event loop for long.
 */
async function batchJson(clicks: readonly StoredClick[]): Promise<string> {
  const rows: string[] = new Array(clicks.length);
  for (const [i, c] of clicks.entries()) {
    if (i > 0 && i % serializeEvery === 0) await yieldToEventLoop();
    rows[i] = JSON.stringify({
      i, t: c.ts.getTime(), a: c.accountId, p: c.publicationId, h: clean(c.visitorHash), co: clean(c.country), ci: clean(c.city),
      r: clean(c.referrerHost), d: clean(c.device), o: clean(c.os), b: clean(c.browser), bot: c.isBot,
    });
  }
  return `[${rows.join(',')}]`;
}

/** Clicks serialised between two turns of the event loop (a fraction of a millisecond of work). */
const serializeEvery = 100;

/**
 * Stores a batch of clicks and folds them into the rollups in one statement (so one transaction and one round trip;
 * the batch travels as one JSON parameter). In it:
 * 1. the accounts and publications the clicks name are locked against deletion (`for key share`); a click whose
 *    account is gone meanwhile is left out, a publication that is gone makes it an account click (a batch must
 *    never fail for good, or the recorder would keep retrying it);
 * 2. (UTC day, link, visitor) go into `click_visitors` (the link as clickLinkKey says); a click is unique when its
 *    key was new there and it is the key's first click in the batch;
 * 3. the clicks themselves, with `is_unique`;
 * 4. the hourly and daily rollups of every dimension (dimensionValuesSql), grouped first so each key is upserted
 *    once, and the studio-wide rollups: the same summed over accounts, every dimension but `publication`;
 * 5. the per-publication totals.
 * Each upsert takes its rows in key order, so concurrent flushes of several web processes lock in one order. The
 * folding is PostgreSQL's work, not this process's: the web process answers redirects on its one thread
 * (bench/redirect.ts), and the database runs beside it.
 */
export async function insertClickBatch(db: Db, clicks: readonly StoredClick[]): Promise<void> {
  if (clicks.length === 0) return;
  const json = await batchJson(clicks);
  await db.execute(sql`with input as (
      select * from json_to_recordset(${json}::json) as r(i int, t double precision, a uuid, p uuid, h text,
        co text, ci text, r text, d text, o text, b text, bot boolean)
    ), live_accounts as (
      select id from platform_accounts where id in (select a from input) order by id for key share
    ), live_publications as (
      select id from publications where id in (select p from input where p is not null) order by id for key share
    ), keyed as (
      select input.i, to_timestamp(input.t / 1000.0) as ts, input.a as account_id, lp.id as publication_id, input.h as visitor_hash,
        input.co as country, input.ci as city, input.r as referrer_host, input.d as device, input.o as os, input.b as browser,
        input.bot as is_bot, (to_timestamp(input.t / 1000.0) at time zone 'UTC')::date as day,
        input.a::text || '/' || coalesce(lp.id::text, '') || case when input.bot then '/bot' else '' end as link_key
      from input join live_accounts la on la.id = input.a left join live_publications lp on lp.id = input.p
    ), fresh as (
      insert into click_visitors (day, link_key, visitor_hash)
      select distinct day, link_key, visitor_hash from keyed order by day, link_key, visitor_hash
      on conflict do nothing
      returning day, link_key, visitor_hash
    ), marked as (
      select k.*, (f.day is not null and row_number() over (partition by k.day, k.link_key, k.visitor_hash order by k.i) = 1) as is_unique
      from keyed k left join fresh f on f.day = k.day and f.link_key = k.link_key and f.visitor_hash = k.visitor_hash
    ), stored as (
      insert into clicks (ts, account_id, publication_id, visitor_hash, is_unique, country, city, referrer_host, device, os, browser, is_bot)
      select ts, account_id, publication_id, visitor_hash, is_unique, country, city, referrer_host, device, os, browser, is_bot from marked order by i
    ), r as (
      select g.granularity, d.dimension, g.bucket_start, c.account_id, d.value,
        (count(*) filter (where not c.is_bot))::int as t, (count(*) filter (where not c.is_bot and c.is_unique))::int as u,
        (count(*) filter (where c.is_bot))::int as bt, (count(*) filter (where c.is_bot and c.is_unique))::int as bu
      from marked c
      cross join lateral (values ('hour'::rollup_granularity, date_trunc('hour', c.ts, 'UTC')), ('day', date_trunc('day', c.ts, 'UTC'))) as g(granularity, bucket_start)
      cross join lateral ${dimensionValuesSql}
      group by g.granularity, d.dimension, g.bucket_start, c.account_id, d.value
    ), per_account as (
      insert into click_rollups (granularity, dimension, bucket_start, account_id, value, total, "unique", bots, bot_unique)
      select granularity, dimension, bucket_start, account_id, value, t, u, bt, bu from r
      order by granularity, dimension, bucket_start, account_id, value
      on conflict (granularity, dimension, bucket_start, account_id, value) do update set
        total = click_rollups.total + excluded.total, "unique" = click_rollups."unique" + excluded."unique",
        bots = click_rollups.bots + excluded.bots, bot_unique = click_rollups.bot_unique + excluded.bot_unique
    ), studio as (
      insert into click_rollups_studio (granularity, dimension, bucket_start, value, total, "unique", bots, bot_unique)
      select granularity, dimension, bucket_start, value, sum(t), sum(u), sum(bt), sum(bu) from r where dimension <> 'publication'
      group by granularity, dimension, bucket_start, value order by granularity, dimension, bucket_start, value
      on conflict (granularity, dimension, bucket_start, value) do update set
        total = click_rollups_studio.total + excluded.total, "unique" = click_rollups_studio."unique" + excluded."unique",
        bots = click_rollups_studio.bots + excluded.bots, bot_unique = click_rollups_studio.bot_unique + excluded.bot_unique
    )
    insert into publication_stats (publication_id, clicks, unique_clicks, bot_clicks)
    select publication_id, count(*) filter (where not is_bot), count(*) filter (where not is_bot and is_unique), count(*) filter (where is_bot)
    from marked where publication_id is not null group by publication_id order by publication_id
    on conflict (publication_id) do update set clicks = publication_stats.clicks + excluded.clicks,
      unique_clicks = publication_stats.unique_clicks + excluded.unique_clicks, bot_clicks = publication_stats.bot_clicks + excluded.bot_clicks`);
}

/**
 * The publications that tracking refs name, each only when it belongs to the account whose code was clicked (a ref
 * pasted onto another account's code counts for that account alone). Keyed `<accountId>/<ref>`.
 */
export async function publicationIdsForRefs(db: Db, refs: readonly { accountId: string; ref: string }[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (refs.length === 0) return found;
  const markers = [...new Set(refs.map((r) => markerOfTrackingRef(r.ref)))];
  const rows = await db.select({ id: publications.id, accountId: publications.accountId, marker: publications.idempotencyMarker })
    .from(publications).where(inArray(publications.idempotencyMarker, markers));
  for (const row of rows) found.set(`${row.accountId}/${row.marker.slice('ref:'.length)}`, row.id);
  return found;
}

/**
 * Recomputes the rollups of `[from, to)` (whole UTC hours) from the raw clicks: the hour rows of the range from a
 * GROUP BY over `clicks`, then the day rows of every day the range touches as the sum of that day's hour rows (so a
 * day stays the sum of its hours even where raw clicks already expired), then the studio-wide rows of those hours
 * and days (`studio: false` leaves them to one rebuildStudioRollups call, for a bulk load). A repair tool; the
 * benchmarks seed with it.
 */
export async function rebuildClickRollups(db: Db, range: { from: Date; to: Date }, opts: { studio?: boolean } = {}): Promise<void> {
  const { from, to } = range;
  if (from.getTime() % HOUR_MS !== 0 || to.getTime() % HOUR_MS !== 0 || !(from < to)) {
    throw new Error(`rebuildClickRollups needs whole UTC hours with from < to (got ${from.toISOString()} – ${to.toISOString()})`);
  }
  const dayFrom = new Date(Math.floor(from.getTime() / DAY_MS) * DAY_MS);
  const dayTo = new Date(Math.ceil(to.getTime() / DAY_MS) * DAY_MS);
  await inTransaction(db, async (tx) => {
    await tx.delete(clickRollups).where(and(eq(clickRollups.granularity, 'hour'), gte(clickRollups.bucketStart, from), lt(clickRollups.bucketStart, to)));
    await tx.execute(sql`insert into click_rollups (granularity, dimension, bucket_start, account_id, value, total, "unique", bots, bot_unique)
      select 'hour', d.dimension, date_trunc('hour', c.ts, 'UTC'), c.account_id, d.value,
        count(*) filter (where not c.is_bot), count(*) filter (where not c.is_bot and c.is_unique),
        count(*) filter (where c.is_bot), count(*) filter (where c.is_bot and c.is_unique)
      from clicks c cross join lateral ${dimensionValuesSql}
      where c.ts >= ${from.toISOString()}::timestamptz and c.ts < ${to.toISOString()}::timestamptz
      group by d.dimension, date_trunc('hour', c.ts, 'UTC'), c.account_id, d.value`);
    await tx.delete(clickRollups).where(and(eq(clickRollups.granularity, 'day'), gte(clickRollups.bucketStart, dayFrom), lt(clickRollups.bucketStart, dayTo)));
    await tx.execute(sql`insert into click_rollups (granularity, dimension, bucket_start, account_id, value, total, "unique", bots, bot_unique)
      select 'day', dimension, date_trunc('day', bucket_start, 'UTC'), account_id, value, sum(total), sum("unique"), sum(bots), sum(bot_unique)
      from click_rollups
      where granularity = 'hour' and bucket_start >= ${dayFrom.toISOString()}::timestamptz and bucket_start < ${dayTo.toISOString()}::timestamptz
      group by dimension, date_trunc('day', bucket_start, 'UTC'), account_id, value`);
    if (opts.studio !== false) await rebuildStudioRollups(tx, range);
  });
}

/**
 * Recomputes the studio-wide rollups of `[from, to)` (whole UTC hours; the days it touches) as the per-account rows
 * summed. Part of rebuildClickRollups; on its own for a bulk load that rebuilt per-account rows without it.
 */
export async function rebuildStudioRollups(db: Db, range: { from: Date; to: Date }): Promise<void> {
  const dayFrom = new Date(Math.floor(range.from.getTime() / DAY_MS) * DAY_MS);
  const dayTo = new Date(Math.ceil(range.to.getTime() / DAY_MS) * DAY_MS);
  for (const [granularity, start, end] of [['hour', range.from, range.to], ['day', dayFrom, dayTo]] as const) {
    await db.delete(clickRollupsStudio).where(and(eq(clickRollupsStudio.granularity, granularity), gte(clickRollupsStudio.bucketStart, start), lt(clickRollupsStudio.bucketStart, end)));
    await db.execute(sql`insert into click_rollups_studio (granularity, dimension, bucket_start, value, total, "unique", bots, bot_unique)
      select granularity, dimension, bucket_start, value, sum(total), sum("unique"), sum(bots), sum(bot_unique)
      from click_rollups
      where granularity = ${granularity} and dimension <> 'publication'
        and bucket_start >= ${start.toISOString()}::timestamptz and bucket_start < ${end.toISOString()}::timestamptz
      group by granularity, dimension, bucket_start, value`);
  }
}

/**
 * Takes an account's clicks out of the studio-wide rollups (rows left at zero go): called in the transaction that
 * deletes the account, whose own rollups and clicks the foreign keys then delete, so the studio rows stay their sum.
 * The caller holds the account's row lock, so no click flush of that account runs meanwhile (they take `key share`).
 */
export async function subtractAccountFromStudioRollups(tx: Db, accountId: string): Promise<void> {
  const sameKey = sql`s.granularity = a.granularity and s.dimension = a.dimension and s.bucket_start = a.bucket_start and s.value = a.value`;
  await tx.execute(sql`update click_rollups_studio s set total = s.total - a.total, "unique" = s."unique" - a."unique",
      bots = s.bots - a.bots, bot_unique = s.bot_unique - a.bot_unique
    from click_rollups a where a.account_id = ${accountId} and ${sameKey}`);
  await tx.execute(sql`delete from click_rollups_studio s using click_rollups a
    where a.account_id = ${accountId} and ${sameKey} and s.total = 0 and s."unique" = 0 and s.bots = 0 and s.bot_unique = 0`);
}

/**
 * The salt of a UTC day's visitor hashes, shared by every web process: the first to ask stores `candidate`
 * (insert-or-nothing), everyone reads the stored one. The process that creates a day's salt deletes the salts
 * older than the day before (kept for clicks buffered over midnight), so earlier hashes can never be recomputed.
 */
export async function clickSaltFor(db: Db, day: string, candidate: string): Promise<string> {
  const created = await db.insert(clickSalts).values({ day, salt: candidate }).onConflictDoNothing().returning({ salt: clickSalts.salt });
  if (created[0]) {
    const yesterday = utcDay(Date.parse(`${day}T00:00:00Z`) - DAY_MS);
    await db.delete(clickSalts).where(lt(clickSalts.day, yesterday));
    return created[0].salt;
  }
  const [stored] = await db.select({ salt: clickSalts.salt }).from(clickSalts).where(eq(clickSalts.day, day));
  if (!stored) throw new Error(`click salt of ${day} vanished`);
  return stored.salt;
}
