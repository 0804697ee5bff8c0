/**
 * The analytics page's queries with 10 M clicks over 35 days, 5 M metric rows and 100 k publications of 500 accounts
 * of 50 models: p50/p95 of every chart's request over 30 days through the real HTTP API (the web role of
 * bench/web-app.ts on PostgreSQL), target p95 ≤ 150 ms each.
 *
 * Baseline, measured in the same run on the same database: the same figure computed with a GROUP BY over the raw
 * clicks (what the rollups exist to avoid); the ratio says what the rollups buy. The totals of both are compared, so
 * the table also shows that the API's figures equal the raw ones.
 *
 * Seeding is bulk SQL (generate_series, two connections in parallel, `synchronous_commit off`, the real tables with
 * their indexes and foreign keys dropped during the load and recreated after): 5 platforms, 50 models × 10 accounts;
 * 100 k publications published over 90 days, each with 50 metric reads that grow after it; clicks: 80 % on a post of
 * the last 36 days (popularity skewed, most clicks within a day or two of publishing), 20 % on an account link;
 * 30 countries × 8 cities (skewed), devices, OS and browsers as a phone-heavy audience has them, 14 referrer hosts and
 * direct visits, 8 % bots, 70 % unique. Then the rollups are built from the raw clicks (db/clicks.ts
 * rebuildClickRollups, the recorder's repair) and `publication_stats` (latest metrics and the clicks of each
 * publication).
 *
 * Every request whose p95 misses the target gets its statements (captured from the same service calls through a
 * logging database handle) run under EXPLAIN (ANALYZE, BUFFERS): the execution time of each is printed, the plans
 * go to a file in the temp dir.
 *
 *   npm run bench:analytics                              # 10 M clicks, 30 requests per chart, 5 raw GROUP BYs
 *   BENCH_CLICKS=1000000 BENCH_REQUESTS=50 BENCH_BASELINE_RUNS=3 npm run bench:analytics
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { rebuildClickRollups, rebuildStudioRollups } from '../db/clicks.js';
import { sessionSettings, type Db } from '../db/client.js';
import * as schema from '../db/schema.js';
import { clickAnalytics, publicationAnalytics } from '../services/analytics.js';
import { ms, time, warmup, withBenchWebApp } from './web-app.js';

const clickCount = Number(process.env.BENCH_CLICKS ?? 10_000_000);
const metricsPerPublication = 50;
const publicationCount = Number(process.env.BENCH_PUBLICATIONS ?? 100_000);
const requests = Number(process.env.BENCH_REQUESTS ?? 30);
const baselineRuns = Number(process.env.BENCH_BASELINE_RUNS ?? 5);
const modelCount = 50;
const accountsPerModel = 10;
const accountCount = modelCount * accountsPerModel;
const clickDays = 35;
const publicationDays = 90;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const countries = ['US', 'CO', 'MX', 'BR', 'ES', 'DE', 'GB', 'AR', 'FR', 'CA', 'IT', 'CL', 'PE', 'NL', 'PL', 'VE', 'EC', 'AU', 'JP', 'IN',
  'SE', 'CH', 'BE', 'AT', 'PT', 'RO', 'TR', 'PH', 'ZA', 'RU'];
const citiesPerCountry = 8;
// Names only: the rollup's city value is "City, CC".
const cities = countries.flatMap((cc) => Array.from({ length: citiesPerCountry }, (_, k) => `Ciudad ${cc.toLowerCase()}${k + 1}`));
// Direct visits (null) weigh as much as the busiest referrer.
const referrers = ['t.co', null, 'reddit.com', 'bsky.app', null, 't.me', 'instagram.com', 'google.com', 'linktr.ee', 'tiktok.com',
  'facebook.com', 'out.reddit.com', 'duckduckgo.com', 'bing.com', 'web.telegram.org', 'android-app'];

/** Drops a table's keys, foreign keys and indexes for a bulk load; the returned function recreates them as they were. */
async function withoutIndexes(sql: postgres.Sql, table: string): Promise<() => Promise<void>> {
  const constraints = await sql<{ name: string; def: string; type: string }[]>`
    select conname as name, pg_get_constraintdef(oid) as def, contype as type from pg_constraint
    where conrelid = ${table}::regclass and contype in ('p', 'u', 'f') order by contype desc`;
  const indexes = await sql<{ name: string; def: string }[]>`
    select indexname as name, indexdef as def from pg_indexes
    where schemaname = 'public' and tablename = ${table} and indexname not in ${sql(constraints.length ? constraints.map((c) => c.name) : [''])}`;
  for (const c of constraints.filter((c) => c.type === 'f')) await sql.unsafe(`alter table "${table}" drop constraint "${c.name}"`);
  for (const c of constraints.filter((c) => c.type !== 'f')) await sql.unsafe(`alter table "${table}" drop constraint "${c.name}"`);
  for (const i of indexes) await sql.unsafe(`drop index "${i.name}"`);
  return async () => {
    for (const c of constraints.filter((c) => c.type !== 'f')) await sql.unsafe(`alter table "${table}" add constraint "${c.name}" ${c.def}`);
    for (const i of indexes) await sql.unsafe(i.def);
    for (const c of constraints.filter((c) => c.type === 'f')) await sql.unsafe(`alter table "${table}" add constraint "${c.name}" ${c.def}`);
  };
}

/**
 * Seeds a migrated database (see the top comment) with clicks up to `now`, builds the rollups and publication_stats.
 * Exported so the same data can be loaded into a database kept for experiments (EXPLAIN, indexes).
 */
export async function seedAnalytics(databaseUrl: string, now: Date): Promise<{ accounts: { id: string; model_id: string }[] }> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
  const seeders = [0, 1].map(() => postgres(databaseUrl, { max: 1, onnotice: () => undefined }));
  const setup = async (session: postgres.Sql) => {
    await session`set synchronous_commit = off`;
    await session`set work_mem = '256MB'`;
    await session`set maintenance_work_mem = '1GB'`;
  };
  await Promise.all([sql, ...seeders].map(setup));
  try {
    const timing = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await fn();
      console.log(`  ${label.padEnd(60)} ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return result;
    };
    console.log(`seeding ${clickCount.toLocaleString('en')} clicks, ${(publicationCount * metricsPerPublication).toLocaleString('en')} metric rows, ` +
      `${publicationCount.toLocaleString('en')} publications, ${accountCount} accounts of ${modelCount} models`);

    // Platforms: the four the app registers at start, and the demo one.
    await sql`
      insert into platforms (name, capabilities, technical_config)
      select name, ${sql.json({})}, jsonb_build_object('driver', name, 'baseUrl', 'http://127.0.0.1:1')
      from unnest(${['x', 'bluesky', 'reddit', 'telegram', 'demo']}::text[]) name on conflict do nothing`;
    const platformIds = (await sql<{ id: string }[]>`select id from platforms where name in ('x', 'bluesky', 'reddit', 'telegram', 'demo') order by name`).map((p) => p.id);
    const modelIds = (await sql<{ id: string }[]>`
      insert into models (name, distribution)
      select 'Modelo ' || g, ${sql.json({ timezone: 'America/Bogota', slots: [] })} from generate_series(1, ${modelCount}) g returning id`).map((m) => m.id);
    // Account a belongs to model a / 10 and platform a % 5.
    const accounts = await sql<{ id: string; model_id: string }[]>`
      insert into platform_accounts (model_id, platform_id, username, stream_url)
      select (${modelIds}::uuid[])[1 + g / ${accountsPerModel}], (${platformIds}::uuid[])[1 + g % ${platformIds.length}], 'bench_' || g,
             'https://chaturbate.example/bench_' || g
      from generate_series(0, ${accountCount - 1}) g order by g returning id, model_id`;
    const accountIds = accounts.map((a) => a.id);
    const accountModels = accounts.map((a) => a.model_id);
    const publicationStep = (publicationDays * 86_400) / publicationCount; // seconds between publications, newest first
    const recent = Math.ceil(((clickDays + 1) * 86_400) / publicationStep); // publications of the last 36 days

    const halves = (count: number) => [[0, Math.floor(count / 2) - 1], [Math.floor(count / 2), count - 1]] as const;
    await timing('publications (+ contents)', async () => {
      await sql.unsafe(`
        insert into contents (id, model_id, file_path, sent_by, status, received_at)
        select md5('c' || g)::uuid, ($1::uuid[])[1 + g % ${accountCount}], '/bench/' || g || '.mp4', 'bench', 'approved',
               $2::timestamptz - (g * ${publicationStep} + 3600) * interval '1 second'
        from generate_series(0, ${publicationCount - 1}) g`, [accountModels, now.toISOString()]);
      await sql.unsafe(`
        insert into publications (id, content_id, account_id, status, scheduled_time, published_at, post_url, idempotency_marker, attempts)
        select md5('p' || g)::uuid, md5('c' || g)::uuid, ($1::uuid[])[1 + g % ${accountCount}], 'published',
               $2::timestamptz - g * ${publicationStep} * interval '1 second', $2::timestamptz - g * ${publicationStep} * interval '1 second',
               'https://bench.example/p/' || g, 'ref:' || substr(md5('p' || g), 1, 12), 1
        from generate_series(0, ${publicationCount - 1}) g`, [accountIds, now.toISOString()]);
    });

    const restoreMetrics = await withoutIndexes(sql, 'publication_metrics');
    await timing(`publication_metrics (${metricsPerPublication} per publication)`, () => Promise.all(halves(publicationCount).map(([from, to], i) => seeders[i]!.unsafe(`
      insert into publication_metrics (publication_id, ts, views, likes, comments, shares, platform_followers, source)
      select md5('p' || g)::uuid, p.at + (now - p.at) * power((i + 1) / ${metricsPerPublication}.0, 2), v.views, v.views * (3 + g % 5) / 100,
             v.views * (g % 7) / 1000, v.views * (g % 3) / 1000, 1000 + g % 50000, 'scraper'
      from generate_series(${from}, ${to}) g
      cross join lateral (select $1::timestamptz - g * ${publicationStep} * interval '1 second' as at, $1::timestamptz as now) p
      cross join generate_series(0, ${metricsPerPublication - 1}) i
      cross join lateral (select (100 + power(((g * 7919) % 1000) / 1000.0, 3) * 80000 * (1 - exp(-4.0 * (i + 1) / ${metricsPerPublication})))::int as views) v`,
    [now.toISOString()]))));
    await timing('publication_metrics: keys and indexes', restoreMetrics);

    const restoreClicks = await withoutIndexes(sql, 'clicks');
    // One row of random numbers per click (OFFSET 0 keeps each random() evaluated once), then the click from them.
    const clickInsert = (from: number, to: number) => `
      insert into clicks (ts, account_id, publication_id, visitor_hash, is_unique, country, city, referrer_host, device, os, browser, is_bot)
      select c.ts, c.account_id, c.publication_id, md5('v' || floor(r_visitor * 3000000)::int), r_unique < 0.7,
             case when r_city >= 0.02 then ($3::text[])[1 + ci] end,
             case when r_city >= 0.12 then ($4::text[])[1 + ci * ${citiesPerCountry} + floor(${citiesPerCountry} * power((r_city - 0.12) / 0.88, 2))::int] end,
             ($5::text[])[1 + floor(${referrers.length} * power(r_referrer, 1.6))::int],
             c.device, c.os,
             case
               when c.os = 'iOS' then case when r_browser < 0.85 then 'Safari' else 'Chrome' end
               when c.os = 'Android' then case when r_browser < 0.7 then 'Chrome' when r_browser < 0.88 then 'Samsung Internet for Android' else 'Firefox' end
               when c.os in ('Windows', 'Linux') then case when r_browser < 0.65 then 'Chrome' when r_browser < 0.82 then 'Microsoft Edge' else 'Firefox' end
               when c.os = 'macOS' then case when r_browser < 0.55 then 'Safari' else 'Chrome' end
               when c.os is not null then 'Chrome'
             end,
             c.bot
      from (
        select r.*, floor(${countries.length} * power(r_country, 2.2))::int as ci, p.p,
               case when p.p is null then $2::timestamptz - r_back * interval '${clickDays} days'
                    when p.at + -ln(1 - r_delay) * interval '18 hours' < $2::timestamptz then p.at + -ln(1 - r_delay) * interval '18 hours'
                    else p.at + r_back * ($2::timestamptz - p.at) end as ts,
               case when p.p is null then ($1::uuid[])[1 + (floor(${accountCount} * power(r_pop, 2))::int * 7) % ${accountCount}]
                    else ($1::uuid[])[1 + p.p % ${accountCount}] end as account_id,
               md5('p' || p.p)::uuid as publication_id,
               r_bot < 0.08 as bot,
               case when r_bot < 0.08 then null when r_device < 0.62 then 'mobile' when r_device < 0.92 then 'desktop'
                    when r_device < 0.985 then 'tablet' else 'tv' end as device,
               case when r_bot < 0.08 then null
                    when r_device < 0.62 then case when r_os < 0.55 then 'Android' else 'iOS' end
                    when r_device < 0.92 then case when r_os < 0.7 then 'Windows' when r_os < 0.92 then 'macOS' else 'Linux' end
                    when r_device < 0.985 then case when r_os < 0.6 then 'iOS' else 'Android' end
                    else 'Tizen' end as os
        from (
          select g, random() as r_kind, random() as r_pop, random() as r_delay, random() as r_back, random() as r_visitor,
                 random() as r_unique, random() as r_bot, random() as r_country, random() as r_city, random() as r_referrer,
                 random() as r_device, random() as r_os, random() as r_browser
          from generate_series(${from}, ${to}) g offset 0
        ) r
        cross join lateral (
          select case when r.r_kind < 0.8 then (floor(${recent} * power(r.r_pop, 2))::bigint * 7919 % ${recent})::int end as p
        ) p0
        cross join lateral (select p0.p, $2::timestamptz - p0.p * ${publicationStep} * interval '1 second' as at) p
      ) c`;
    await timing('clicks', () => Promise.all(halves(clickCount).map(([from, to], i) => seeders[i]!.begin(async (tx) => {
      await tx`select setseed(${i === 0 ? 0.17 : 0.71})`;
      await tx.unsafe(clickInsert(from, to), [accountIds, now.toISOString(), countries, cities, referrers]);
    }))));
    await timing('clicks: keys and indexes', restoreClicks);
    await timing('vacuum analyze clicks, publication_metrics', async () => {
      await Promise.all([seeders[0]!`vacuum analyze clicks`, seeders[1]!`vacuum analyze publication_metrics`]);
    });

    // Rollups from the raw clicks with db/clicks.ts's repair, two ranges of whole days at once (one per core).
    const [span] = await sql<[{ min: Date }]>`select min(ts) from clicks`;
    const firstDay = Math.floor(span.min.getTime() / DAY) * DAY;
    const lastDay = Math.ceil((now.getTime() + 1) / DAY) * DAY;
    const middle = firstDay + Math.round((lastDay - firstDay) / DAY / 2) * DAY;
    const restoreRollups = await withoutIndexes(sql, 'click_rollups');
    await timing('rollups (db/clicks.ts rebuildClickRollups, hours then days)', () => Promise.all([[firstDay, middle], [middle, lastDay]].map(([a, b], i) =>
      rebuildClickRollups(drizzle(seeders[i]!, { schema }) as unknown as Db, { from: new Date(a!), to: new Date(b!) }, { studio: false }))));
    // Studio-wide rows once for the whole span (one pass; inside each range's rebuild it would scan the index-less table four times).
    await timing('studio-wide rollups (db/clicks.ts rebuildStudioRollups)', () =>
      rebuildStudioRollups(drizzle(sql, { schema }) as unknown as Db, { from: new Date(firstDay), to: new Date(lastDay) }));
    await timing('click_rollups: keys and indexes', restoreRollups);
    await timing('publication_stats (latest metrics + clicks per publication)', async () => {
      await sql`delete from publication_stats`;
      await sql`
        insert into publication_stats (publication_id, views, likes, comments, shares, metrics_at, clicks, unique_clicks, bot_clicks)
        select m.publication_id, m.views, m.likes, m.comments, m.shares, m.ts,
               coalesce(c.clicks, 0), coalesce(c.unique_clicks, 0), coalesce(c.bot_clicks, 0)
        from (select distinct on (publication_id) publication_id, views, likes, comments, shares, ts
              from publication_metrics order by publication_id, ts desc) m
        left join (select publication_id, count(*) filter (where not is_bot)::int as clicks,
                          count(*) filter (where not is_bot and is_unique)::int as unique_clicks, count(*) filter (where is_bot)::int as bot_clicks
                   from clicks where publication_id is not null group by 1) c on c.publication_id = m.publication_id`;
    });
    await timing('vacuum analyze', () => sql`vacuum analyze`);
    return { accounts };
  } finally {
    await Promise.all([sql, ...seeders].map((s) => s.end()));
  }
}

async function main() {
  await withBenchWebApp('analytics', async ({ app, apiToken, sql }) => {
    const now = new Date();
    const { accounts } = await seedAnalytics(app.config.databaseUrl!, now);
    const sizes = await sql<{ name: string; rows: number; size: string }[]>`
      select relname as name, reltuples::bigint as rows, pg_size_pretty(pg_total_relation_size(oid)) as size from pg_class
      where relname in ('clicks', 'click_rollups', 'click_rollups_studio', 'publication_metrics', 'publication_stats', 'publications') order by relname`;
    console.log(sizes.map((s) => `${s.name} ${Number(s.rows).toLocaleString('en')} rows, ${s.size}`).join('; '));
    const rollupCounts = await sql<{ granularity: string; dimension: string; n: number }[]>`
      select granularity, dimension, count(*)::int as n from click_rollups group by 1, 2 order by 1, 2`;
    console.log(`rollup rows: ${rollupCounts.map((r) => `${r.granularity}/${r.dimension} ${r.n.toLocaleString('en')}`).join(', ')}`);

    // The range the page asks for: the last 30 days to the next whole hour; the model filter is the busiest model.
    const to = new Date(Math.ceil(now.getTime() / HOUR) * HOUR);
    const from = new Date(to.getTime() - 30 * DAY);
    const weekFrom = new Date(to.getTime() - 7 * DAY);
    const [busiest] = await sql<[{ model_id: string; n: number }]>`
      select a.model_id, count(*)::int as n from clicks c join platform_accounts a on a.id = c.account_id
      where c.ts >= ${from} and c.ts < ${to} group by 1 order by 2 desc limit 1`;
    const modelId = busiest.model_id;
    const modelAccounts = accounts.filter((a) => a.model_id === modelId).map((a) => a.id);
    console.log(`range ${from.toISOString()} → ${to.toISOString()} (hour: the last 7 days); model filter: the busiest model ` +
      `(${busiest.n.toLocaleString('en')} clicks in the range)`);

    const get = async (url: string) => {
      const response = await fetch(`${app.url}${url}`, { headers: { authorization: `Bearer ${apiToken}` } });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`GET ${url}: HTTP ${response.status} ${body.slice(0, 300)}`);
      return body;
    };

    type Raw = { total: number; unique: number; bots: number };
    /** The same figure from the raw clicks: one GROUP BY (what the rollups avoid). */
    const rawClicks = (groupBy: string, range: { from: Date; to: Date }, model: boolean) => {
      const key: Record<string, string> = {
        day: `date_trunc('day', c.ts, 'UTC')`, hour: `date_trunc('hour', c.ts)`, country: 'c.country', city: `c.city || coalesce(', ' || c.country, '')`, device: 'c.device',
        os: 'c.os', browser: 'c.browser', referrer: 'c.referrer_host', platform: 'p.name', model: 'a.model_id', account: 'c.account_id',
        publication: 'c.publication_id',
      };
      const joins = groupBy === 'platform' ? 'join platform_accounts a on a.id = c.account_id join platforms p on p.id = a.platform_id'
        : groupBy === 'model' ? 'join platform_accounts a on a.id = c.account_id' : '';
      const ordered = groupBy === 'day' || groupBy === 'hour' ? 'order by 1' : 'order by 2 desc limit 100';
      return sql.unsafe<(Raw & { key: unknown })[]>(`
        select ${key[groupBy]} as key, count(*) filter (where not c.is_bot)::int as total,
               count(*) filter (where not c.is_bot and c.is_unique)::int as "unique", count(*) filter (where c.is_bot)::int as bots
        from clicks c ${joins}
        where c.ts >= $1 and c.ts < $2 ${model ? 'and c.account_id = any($3::uuid[])' : ''}
        group by 1 ${ordered}`, model ? [range.from, range.to, modelAccounts] : [range.from, range.to]);
    };
    const rawTotals = async (range: { from: Date; to: Date }, model: boolean) => (await sql<[Raw]>`
      select count(*) filter (where not is_bot)::int as total, count(*) filter (where not is_bot and is_unique)::int as "unique",
             count(*) filter (where is_bot)::int as bots
      from clicks where ts >= ${range.from} and ts < ${range.to} ${model ? sql`and account_id = any(${modelAccounts}::uuid[])` : sql``}`)[0];
    const rawPublications = (model: boolean) => sql.unsafe(`
      select p.id, s.views, s.likes, k.clicks
      from publications p
      join platform_accounts a on a.id = p.account_id
      left join lateral (select views, likes from publication_metrics m where m.publication_id = p.id order by ts desc limit 1) s on true
      left join (select publication_id, count(*) filter (where not is_bot) as clicks from clicks where publication_id is not null group by 1) k
        on k.publication_id = p.id
      where p.published_at >= $1 and p.published_at < $2 ${model ? 'and a.model_id = $3' : ''}
      order by k.clicks desc nulls last limit 50`, model ? [from, to, modelId] : [from, to]);

    interface Row { label: string; api: { p50: number; p95: number }; raw?: { p50: number; p95: number }; check: string; replay?: (db: Db) => Promise<unknown> }
    const results: Row[] = [];
    const groupings = ['day', 'hour', 'country', 'city', 'device', 'os', 'browser', 'referrer', 'platform', 'model', 'account', 'publication'];
    const iso = (d: Date) => encodeURIComponent(d.toISOString());
    for (const model of [false, true]) {
      for (const groupBy of groupings) {
        const range = groupBy === 'hour' ? { from: weekFrom, to } : { from, to };
        const url = `/api/analytics/clicks?from=${iso(range.from)}&to=${iso(range.to)}&groupBy=${groupBy}${model ? `&modelId=${modelId}` : ''}`;
        const label = `clicks groupBy=${groupBy}${groupBy === 'hour' ? ' (7 d)' : ''}${model ? ' +model' : ''}`;
        const reply = JSON.parse(await get(url)) as { rows: unknown[]; totals: Raw };
        const expected = await rawTotals(range, model);
        const same = reply.totals.total === expected.total && reply.totals.unique === expected.unique && reply.totals.bots === expected.bots;
        const check = `${reply.rows.length} rows, totals ${same ? '= raw' : `≠ raw (${reply.totals.total}/${reply.totals.unique}/${reply.totals.bots} vs ${expected.total}/${expected.unique}/${expected.bots})`}`;
        const api = await time(requests, () => get(url));
        const raw = baselineRuns > 0 ? await time(baselineRuns, () => rawClicks(groupBy, range, model), 1) : undefined;
        const replay = (db: Db) => clickAnalytics(db, { from: range.from.toISOString(), to: range.to.toISOString(), groupBy: groupBy as never, ...(model ? { modelId } : {}) });
        results.push({ label, api, raw, check, replay });
        console.log(`  ${label.padEnd(34)} p50 ${ms(api.p50)} p95 ${ms(api.p95)}${raw ? `  raw p50 ${ms(raw.p50)}` : ''}  ${check}`);
      }
    }
    for (const model of [false, true]) {
      const url = `/api/analytics/publications?from=${iso(from)}&to=${iso(to)}&sort=clicks${model ? `&modelId=${modelId}` : ''}`;
      const reply = JSON.parse(await get(url)) as { items: unknown[] };
      const api = await time(requests, () => get(url));
      const raw = baselineRuns > 0 ? await time(baselineRuns, () => rawPublications(model), 1) : undefined;
      const replay = (db: Db) => publicationAnalytics(db, { from: from.toISOString(), to: to.toISOString(), sort: 'clicks', ...(model ? { modelId } : {}) });
      results.push({ label: `publications sort=clicks${model ? ' +model' : ''}`, api, raw, check: `${reply.items.length} rows`, replay });
    }
    {
      const url = '/api/overview?tz=America/Bogota';
      await get(url);
      const api = await time(requests, () => get(url));
      // What the overview's traffic parts would cost from the raw clicks: clicks today and the week's top posts.
      const dayStart = new Date(Math.floor(now.getTime() / DAY) * DAY);
      const raw = baselineRuns > 0 ? await time(baselineRuns, () => Promise.all([
        rawTotals({ from: dayStart, to }, false),
        sql`select publication_id, count(*) from clicks where ts >= ${weekFrom} and not is_bot and publication_id is not null group by 1 order by 2 desc limit 10`,
      ]), 1) : undefined;
      results.push({ label: 'overview', api, raw, check: '' });
    }

    console.log(`\nthrough HTTP (fetch on loopback), ${requests} requests each after ${Math.min(warmup, requests)} warm-up; ` +
      `raw GROUP BY: ${baselineRuns} runs after 1 warm-up; target p95 ≤ 150 ms`);
    const table = [
      ['request (30 days)', 'p50', 'p95', 'target', 'raw p50', 'raw p95', 'raw/api p50', 'check'],
      ...results.map((r) => [r.label, ms(r.api.p50), ms(r.api.p95), r.api.p95 <= 150 ? 'ok' : 'MISS', r.raw ? ms(r.raw.p50) : '—',
        r.raw ? ms(r.raw.p95) : '—', r.raw ? `${(r.raw.p50 / r.api.p50).toFixed(1)}×` : '—', r.check]),
    ];
    const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
    for (const row of table) console.log(row.map((cell, c) => (c === 0 || c === 7 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));

    // Why a request misses: its statements, captured from the same service call, under EXPLAIN ANALYZE.
    const missed = results.filter((r) => r.api.p95 > 150 && r.replay);
    if (missed.length > 0) {
      // The app's connection settings (db/client.ts), so the plans are the ones its requests ran.
      const explainSql = postgres(app.config.databaseUrl!, { max: 1, onnotice: () => undefined, connection: sessionSettings });
      const plans: string[] = [];
      console.log(`\nEXPLAIN (ANALYZE, BUFFERS) of the ${missed.length} requests over the target (execution time per statement):`);
      for (const row of missed) {
        const statements: { query: string; params: unknown[] }[] = [];
        const logging = drizzle(explainSql, { schema, logger: { logQuery: (query, params) => statements.push({ query, params }) } }) as unknown as Db;
        await row.replay!(logging);
        const times: string[] = [];
        for (const { query, params } of statements) {
          const plan = await explainSql.unsafe(`explain (analyze, buffers) ${query}`, params as never[]);
          const lines = plan.map((line) => String(line['QUERY PLAN']));
          times.push(lines.find((line) => line.startsWith('Execution Time'))?.replace('Execution Time: ', '') ?? '?');
          plans.push(`-- ${row.label}\n${query}\n-- ${JSON.stringify(params)}\n${lines.join('\n')}\n`);
        }
        console.log(`  ${row.label.padEnd(34)} ${times.join(' + ')}`);
      }
      await explainSql.end();
      const file = join(tmpdir(), 'trafico-bench-analytics-explain.txt');
      writeFileSync(file, plans.join('\n'));
      console.log(`plans: ${file}`);
    }
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
