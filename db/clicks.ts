/**
 * Clicks on tracking links: the batch insert behind the click recorder (services/clicks/), which also keeps the
 * hourly/daily rollups, the per-link daily visitors (what makes `is_unique` exact) and the per-publication click
 * totals up to date in the same transaction; the rollup repair (`rebuildClickRollups`); the ref → publication
 * look-up; and the daily salts of visitor hashes.
 *
 * Rows travel as one JSON parameter per statement (`json_to_recordset`): a batch of any size is one statement with
 * one parameter (far from PostgreSQL's 65,535), and it reads the same on postgres.js and PGlite (postgres.js cannot
 * type a boolean array parameter for `unnest`).
 */
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { clickDimensions, markerOfTrackingRef, type ClickDimension } from '../core/tracking.js';
import { inTransaction, type Db } from './client.js';
import { clickRollups, clickRollupsStudio, clickSalts, clickVisitors, platformAccounts, publications } from './schema.js';

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

/**
 * Clicks folded between two turns of the event loop: a flush's synchronous work (16 rollup keys per click) is cut
 * into slices of about a millisecond, so redirects waiting behind it are answered in between.
 */
export const yieldEvery = 100;

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
 */
export function clickLinkKey(accountId: string, publicationId: string | null, isBot: boolean): string {
  return `${accountId}/${publicationId ?? ''}${isBot ? '/bot' : ''}`;
}

/** A `city` rollup value: "City, CC" (the same name exists in several countries); '' when unknown. */
export function cityValue(city: string | null, country: string | null): string {
  if (!city) return '';
  return country ? `${city}, ${country}` : city;
}

/** The rollup value of each dimension for one click ('' = unknown / direct / account link). */
function dimensionValue(click: StoredClick, dimension: ClickDimension): string {
  switch (dimension) {
    case 'all': return '';
    case 'publication': return click.publicationId ?? '';
    case 'country': return click.country ?? '';
    case 'city': return cityValue(click.city, click.country);
    case 'device': return click.device ?? '';
    case 'os': return click.os ?? '';
    case 'browser': return click.browser ?? '';
    case 'referrer': return click.referrerHost ?? '';
  }
}

/** The same values in SQL over `clicks` (alias `c`), for the repair: must say exactly what dimensionValue says. */
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

interface Totals { total: number; unique: number; bots: number; botUnique: number }

function count(totals: Totals, isBot: boolean, isUnique: boolean) {
  if (isBot) {
    totals.bots += 1;
    if (isUnique) totals.botUnique += 1;
  } else {
    totals.total += 1;
    if (isUnique) totals.unique += 1;
  }
}

/**
 * Stores a batch of clicks with multi-row statements and folds them into the rollups, all in one transaction:
 * 1. the accounts and publications the clicks name are locked against deletion (`for key share`); a click whose
 *    account is gone meanwhile is left out, a publication that is gone becomes an account click (a batch must
 *    never fail for good, or the recorder would keep retrying it);
 * 2. (day, link, visitor) go into `click_visitors`; the rows that were new there are the visitors' first clicks
 *    on that link that day — within the batch only the first occurrence can be;
 * 3. the clicks themselves, with `is_unique`;
 * 4. the hourly and daily rollups of every dimension, summed here first so each key is upserted once, and the
 *    studio-wide rollups (the same summed over accounts, every dimension but `publication`);
 * 5. the per-publication totals.
 * Rows are sorted by key before each upsert, so concurrent flushes of several web processes lock in one order.
 */
export async function insertClickBatch(db: Db, clicks: readonly StoredClick[]): Promise<void> {
  if (clicks.length === 0) return;
  await inTransaction(db, async (tx) => {
    const accountIds = [...new Set(clicks.map((c) => c.accountId))].sort();
    const liveAccounts = new Set((await tx.select({ id: platformAccounts.id }).from(platformAccounts)
      .where(inArray(platformAccounts.id, accountIds)).orderBy(platformAccounts.id).for('key share')).map((r) => r.id));
    const publicationIds = [...new Set(clicks.flatMap((c) => (c.publicationId ? [c.publicationId] : [])))].sort();
    const livePublications = publicationIds.length === 0 ? new Set<string>() : new Set((await tx.select({ id: publications.id }).from(publications)
      .where(inArray(publications.id, publicationIds)).orderBy(publications.id).for('key share')).map((r) => r.id));

    const rows: StoredClick[] = [];
    for (const click of clicks) {
      if (!liveAccounts.has(click.accountId)) continue;
      rows.push(click.publicationId && !livePublications.has(click.publicationId) ? { ...click, publicationId: null } : click);
    }
    if (rows.length === 0) return;

    // Bucket and day strings, made once per distinct value (a batch spans an hour or two).
    const text = new Map<number, string>();
    const isoAt = (ms: number) => {
      let iso = text.get(ms);
      if (iso === undefined) text.set(ms, (iso = new Date(ms).toISOString()));
      return iso;
    };
    const dayText = new Map<number, string>();
    const dayOf = (dayMs: number) => {
      let day = dayText.get(dayMs);
      if (day === undefined) dayText.set(dayMs, (day = isoAt(dayMs).slice(0, 10)));
      return day;
    };

    // 2. First clicks of their visitor on their link that day.
    const visitorKeys: string[] = [];
    const visitorRows = new Map<string, { day: string; link_key: string; visitor_hash: string }>();
    for (const c of rows) {
      const row = { day: dayOf(Math.floor(c.ts.getTime() / DAY_MS) * DAY_MS), link_key: clickLinkKey(c.accountId, c.publicationId, c.isBot), visitor_hash: clean(c.visitorHash)! };
      const key = `${row.day}/${row.link_key}/${row.visitor_hash}`;
      visitorKeys.push(key);
      if (!visitorRows.has(key)) visitorRows.set(key, row);
    }
    const sortedVisitors = [...visitorRows.keys()].sort().map((key) => visitorRows.get(key)!);
    const fresh = new Set(
      (await tx.insert(clickVisitors)
        .select(sql`select day, link_key, visitor_hash from json_to_recordset(${JSON.stringify(sortedVisitors)}::json)
          as v(day date, link_key text, visitor_hash text)`)
        .onConflictDoNothing()
        .returning({ day: clickVisitors.day, linkKey: clickVisitors.linkKey, visitorHash: clickVisitors.visitorHash }))
        .map((v) => `${v.day}/${v.linkKey}/${v.visitorHash}`),
    );
    // Deleting as we go: only the first click of a new key is unique.
    const isUnique = visitorKeys.map((key) => fresh.delete(key));

    // 3. The clicks (short keys, time as epoch milliseconds: the JSON is most of what a flush sends).
    const clickRows = rows.map((c, i) => ({
      t: c.ts.getTime(), a: c.accountId, p: c.publicationId, h: clean(c.visitorHash), u: isUnique[i], co: clean(c.country), ci: clean(c.city),
      r: clean(c.referrerHost), d: clean(c.device), o: clean(c.os), b: clean(c.browser), bot: c.isBot,
    }));
    await tx.execute(sql`insert into clicks (ts, account_id, publication_id, visitor_hash, is_unique, country, city, referrer_host, device, os, browser, is_bot)
      select to_timestamp(t / 1000.0), a, p, h, u, co, ci, r, d, o, b, bot
      from json_to_recordset(${JSON.stringify(clickRows)}::json) as r(t double precision, a uuid, p uuid, h text,
        u boolean, co text, ci text, r text, d text, o text, b text, bot boolean)`);

    // 4. Rollups: every (granularity, bucket, account, dimension, value) of the batch, summed.
    type RollupRow = { g: 'hour' | 'day'; d: ClickDimension; b: string; a: string; v: string } & Totals;
    const rollups = new Map<string, RollupRow>();
    const publicationTotals = new Map<string, Totals>();
    for (const [i, c] of rows.entries()) {
      // The web process answers redirects on this thread: give them a turn every few clicks (bench/redirect.ts p99).
      if (i > 0 && i % yieldEvery === 0) await yieldToEventLoop();
      const ms = c.ts.getTime();
      const buckets = [['hour', isoAt(Math.floor(ms / HOUR_MS) * HOUR_MS)], ['day', isoAt(Math.floor(ms / DAY_MS) * DAY_MS)]] as const;
      for (const d of clickDimensions) {
        const v = clean(dimensionValue(c, d))!;
        for (const [g, b] of buckets) {
          const key = `${g}\n${d}\n${b}\n${c.accountId}\n${v}`;
          let row = rollups.get(key);
          if (!row) rollups.set(key, (row = { g, d, b, a: c.accountId, v, total: 0, unique: 0, bots: 0, botUnique: 0 }));
          count(row, c.isBot, isUnique[i]!);
        }
      }
      if (c.publicationId) {
        let totals = publicationTotals.get(c.publicationId);
        if (!totals) publicationTotals.set(c.publicationId, (totals = { total: 0, unique: 0, bots: 0, botUnique: 0 }));
        count(totals, c.isBot, isUnique[i]!);
      }
    }
    const rollupRows = [...rollups.keys()].sort().map((key) => {
      const { g, d, b, a, v, total, unique, bots, botUnique } = rollups.get(key)!;
      return { g, d, b, a, v, t: total, u: unique, bt: bots, bu: botUnique };
    });
    // The same rows summed over accounts go to the studio-wide rollups, from the same parameter (no more work here);
    // publication rows stay per account (a publication has one account: summing them would gain nothing).
    await tx.execute(sql`with r as (
        select g::rollup_granularity as g, d::click_dimension as d, b, a, v, t, u, bt, bu
        from json_to_recordset(${JSON.stringify(rollupRows)}::json) as r(g text, d text, b timestamptz, a uuid, v text, t int, u int, bt int, bu int)
      ), per_account as (
        insert into click_rollups (granularity, dimension, bucket_start, account_id, value, total, "unique", bots, bot_unique)
        select g, d, b, a, v, t, u, bt, bu from r
        on conflict (granularity, dimension, bucket_start, account_id, value) do update set
          total = click_rollups.total + excluded.total, "unique" = click_rollups."unique" + excluded."unique",
          bots = click_rollups.bots + excluded.bots, bot_unique = click_rollups.bot_unique + excluded.bot_unique
      )
      insert into click_rollups_studio (granularity, dimension, bucket_start, value, total, "unique", bots, bot_unique)
      select g, d, b, v, sum(t), sum(u), sum(bt), sum(bu) from r where d <> 'publication' group by g, d, b, v order by g, d, b, v
      on conflict (granularity, dimension, bucket_start, value) do update set
        total = click_rollups_studio.total + excluded.total, "unique" = click_rollups_studio."unique" + excluded."unique",
        bots = click_rollups_studio.bots + excluded.bots, bot_unique = click_rollups_studio.bot_unique + excluded.bot_unique`);

    // 5. Per-publication totals (people's clicks and uniques, bots apart).
    if (publicationTotals.size > 0) {
      const statRows = [...publicationTotals.keys()].sort().map((id) => {
        const t = publicationTotals.get(id)!;
        return { p: id, c: t.total, u: t.unique, b: t.bots };
      });
      await tx.execute(sql`insert into publication_stats (publication_id, clicks, unique_clicks, bot_clicks)
        select p, c, u, b from json_to_recordset(${JSON.stringify(statRows)}::json) as r(p uuid, c int, u int, b int)
        on conflict (publication_id) do update set clicks = publication_stats.clicks + excluded.clicks,
          unique_clicks = publication_stats.unique_clicks + excluded.unique_clicks, bot_clicks = publication_stats.bot_clicks + excluded.bot_clicks`);
    }
  });
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
