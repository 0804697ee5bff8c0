/**
 * The revenue pages' requests with a year of live sessions and earnings for 50 models: p50/p95 of every request of the
 * revenue page (GET /api/revenue for each grouping — the chart's days too — and method, GET /api/revenue/funnel) over 30 days — with and
 * without a model filter — and over the whole year, through the real HTTP API (the web role of bench/web-app.ts on
 * PostgreSQL).
 *
 * Baseline, measured in the same run on the same database: the period's earnings per model from a GROUP BY over the
 * raw earnings lines of its sessions (what the page would read without `streams` totals and attribution rows); the
 * ratio says what they buy. The API's session total is compared with that raw sum (check column).
 *
 * Seeding is bulk SQL (generate_series): 5 platforms, `BENCH_MODELS` models × 6 accounts, one publication per account
 * per day (with views), `BENCH_SESSIONS_PER_DAY` sessions per model per day of 2–4 h over `BENCH_DAYS` days, each with
 * `BENCH_LINES` earnings lines (1–500 tokens, skewed, at 0.05 USD) and `BENCH_CLICKS` clicks of the model's links
 * around it (80 % on the account's post of the day, 8 % bots) plus half as many that reach no session; 1 % of lines
 * outside any session. Rollups are built from the raw clicks (db/clicks.ts), then every session is attributed with the
 * product's own `attributeStream` (its throughput is printed too).
 *
 *   npm run bench:revenue                                                 # 50 models × 365 days
 *   BENCH_MODELS=5 BENCH_DAYS=30 BENCH_REQUESTS=5 npm run bench:revenue   # a quick check
 */
import { pathToFileURL } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { attributeStream } from '../db/attribution.js';
import { rebuildClickRollups, rebuildStudioRollups } from '../db/clicks.js';
import type { Db } from '../db/client.js';
import * as schema from '../db/schema.js';
import { ms, time, warmup, withBenchWebApp } from './web-app.js';

const modelCount = Number(process.env.BENCH_MODELS ?? 50);
const days = Number(process.env.BENCH_DAYS ?? 365);
const sessionsPerDay = Number(process.env.BENCH_SESSIONS_PER_DAY ?? 1);
const linesPerSession = Number(process.env.BENCH_LINES ?? 60);
const clicksPerSession = Number(process.env.BENCH_CLICKS ?? 25);
const requests = Number(process.env.BENCH_REQUESTS ?? 30);
const baselineRuns = Number(process.env.BENCH_BASELINE_RUNS ?? 5);
const attributionConcurrency = Number(process.env.BENCH_ATTRIBUTION_CONCURRENCY ?? 4);
const accountsPerModel = 6;
const accountCount = modelCount * accountsPerModel;
const windowMinutes = 30;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function timing<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  console.log(`  ${label.padEnd(64)} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

async function main() {
  await withBenchWebApp('revenue', async ({ app, apiToken, sql }) => {
    const now = new Date();
    const today = new Date(Math.floor(now.getTime() / DAY) * DAY);
    const sessionCount = modelCount * days * sessionsPerDay;
    console.log(`seeding ${days} days × ${modelCount} models: ${sessionCount.toLocaleString('en')} sessions, ` +
      `${(sessionCount * linesPerSession).toLocaleString('en')} earnings lines, ${(Math.round(sessionCount * clicksPerSession * 1.5)).toLocaleString('en')} clicks, ` +
      `${(accountCount * days).toLocaleString('en')} publications`);
    await sql`set synchronous_commit = off`;
    await sql`set work_mem = '256MB'`;
    await sql`select setseed(0.42)`;

    await sql`
      insert into platforms (name, capabilities, technical_config)
      select name, ${sql.json({})}, jsonb_build_object('driver', name, 'baseUrl', 'http://127.0.0.1:1')
      from unnest(${['x', 'bluesky', 'reddit', 'telegram', 'demo']}::text[]) name on conflict do nothing`;
    const platformIds = (await sql<{ id: string }[]>`select id from platforms where name in ('x', 'bluesky', 'reddit', 'telegram', 'demo') order by name`).map((p) => p.id);
    const modelIds = (await sql<{ id: string }[]>`
      insert into models (name, distribution)
      select 'Modelo ' || g, ${sql.json({ timezone: 'America/Bogota', slots: [] })} from generate_series(1, ${modelCount}) g returning id`).map((m) => m.id);
    // Account a belongs to model a / 6 and platform a % 5; `ordinality` keeps the array order = a.
    const accounts = await sql<{ id: string; model_id: string }[]>`
      insert into platform_accounts (model_id, platform_id, username)
      select (${modelIds}::uuid[])[1 + g / ${accountsPerModel}], (${platformIds}::uuid[])[1 + g % ${platformIds.length}], 'rev_' || g
      from generate_series(0, ${accountCount - 1}) g order by g returning id, model_id`;
    const accountIds = accounts.map((a) => a.id);
    const accountModels = accounts.map((a) => a.model_id);
    const base = today.toISOString();

    // Day d runs 0 (the oldest) … days − 1 (yesterday); post g is account g % A's post of day g / A, out at 14:00.
    await timing('publications (+ contents, publication_stats)', async () => {
      await sql.unsafe(`
        insert into contents (id, model_id, file_path, sent_by, status)
        select md5('c' || g)::uuid, ($1::uuid[])[1 + g % ${accountCount}], '/bench/' || g || '.mp4', 'bench', 'approved'
        from generate_series(0, ${accountCount * days - 1}) g`, [accountModels]);
      await sql.unsafe(`
        insert into publications (id, content_id, account_id, status, scheduled_time, published_at, idempotency_marker, attempts)
        select md5('p' || g)::uuid, md5('c' || g)::uuid, ($1::uuid[])[1 + g % ${accountCount}], 'published', t, t, 'ref:' || substr(md5('p' || g), 1, 12), 1
        from generate_series(0, ${accountCount * days - 1}) g
        cross join lateral (select $2::timestamptz - (${days} - g / ${accountCount}) * interval '1 day' + interval '14 hours' as t) p`, [accountIds, base]);
      await sql.unsafe(`
        insert into publication_stats (publication_id, views, likes, metrics_at)
        select md5('p' || g)::uuid, (100 + power(random(), 3) * 50000)::int, (random() * 500)::int, now()
        from generate_series(0, ${accountCount * days - 1}) g`);
    });

    // Session g: model g % M, day g / (M × S), slot (g / M) % S; starts at 17:00 + 3 h per slot + 0–2 h, lasts 2–4 h.
    await timing('streams', () => sql.unsafe(`
      insert into streams (id, model_id, site, started_at, ended_at, origin, external_id)
      select md5('s' || g)::uuid, ($1::uuid[])[1 + g % ${modelCount}], 'chaturbate', st, st + (2 + g % 3) * interval '1 hour', 'events_api', 's' || g
      from generate_series(0, ${sessionCount - 1}) g
      cross join lateral (select $2::timestamptz - (${days} - g / ${modelCount * sessionsPerDay}) * interval '1 day'
        + (17 + 3 * ((g / ${modelCount}) % ${sessionsPerDay}) + g % 3) * interval '1 hour' as st) s`, [modelIds, base]));
    await timing('earnings lines', () => sql.unsafe(`
      insert into earnings (model_id, stream_id, site, ts, kind, tokens, amount_usd, origin, external_id)
      select s.model_id, s.id, 'chaturbate', s.started_at + random() * (s.ended_at - s.started_at), 'tip', tk, tk * 0.05, 'events_api', s.external_id || '-' || i
      from streams s cross join generate_series(1, ${linesPerSession}) i
      cross join lateral (select 1 + floor(power(random(), 3) * 500)::int + 0 * i as tk) t`));
    await timing('earnings lines outside sessions (1 %)', () => sql.unsafe(`
      insert into earnings (model_id, stream_id, site, ts, kind, tokens, amount_usd, origin, external_id)
      select s.model_id, null, 'stripchat', s.started_at - interval '6 hours', 'tip', null, round((random() * 20)::numeric, 4), 'csv', 'o' || s.external_id
      from streams s where random() < ${Math.min(1, linesPerSession * 0.01)}`));
    await timing('session totals', () => sql`
      update streams s set tokens = t.tokens, amount_usd = t.amount
      from (select stream_id, sum(tokens)::int as tokens, sum(amount_usd) as amount from earnings where stream_id is not null group by 1) t
      where t.stream_id = s.id`);

    // Clicks: around each session (30 min before its start to its end), on one of the model's accounts: its post of
    // that day (80 %) or its own link; 8 % bots. Then half as many in the morning, reaching nothing.
    const clickInsert = (count: number, reaching: boolean) => `
      insert into clicks (ts, account_id, publication_id, visitor_hash, is_unique, device, is_bot)
      select ts, ($1::uuid[])[1 + acct], case when r_post < 0.8 then md5('p' || (day * ${accountCount} + acct))::uuid end,
             md5('v' || floor(random() * 5000000)::int), random() < 0.7, case when r_bot < 0.08 then 'bot' else 'mobile' end, r_bot < 0.08
      from (
        select ${reaching ? `s.started_at - interval '${windowMinutes} minutes' + random() * (s.ended_at - s.started_at + interval '${windowMinutes} minutes')`
          : `s.started_at - interval '1 hour' - random() * interval '10 hours'`} as ts,
          ((g % ${modelCount}) * ${accountsPerModel} + floor(random() * ${accountsPerModel})::int) as acct,
          g / ${modelCount * sessionsPerDay} as day, random() as r_post, random() as r_bot
        from streams s
        cross join lateral (select substr(s.external_id, 2)::int as g) k
        cross join generate_series(1, ${count}) i
        offset 0
      ) c`;
    await timing('clicks around sessions', () => sql.unsafe(clickInsert(clicksPerSession, true), [accountIds]));
    await timing('clicks reaching no session', () => sql.unsafe(clickInsert(Math.max(1, Math.round(clicksPerSession / 2)), false), [accountIds]));

    const [span] = await sql<[{ min: Date }]>`select min(ts) from clicks`;
    const firstDay = new Date(Math.floor(span.min.getTime() / DAY) * DAY);
    const lastDay = new Date(Math.ceil((now.getTime() + 1) / DAY) * DAY);
    // Its own connection: drizzle changes the date handling of the client it wraps, and `sql` takes Dates below.
    const rollupSql = postgres(app.config.databaseUrl!, { max: 1, onnotice: () => undefined });
    const benchDb = drizzle(rollupSql, { schema }) as unknown as Db;
    await timing('rollups (db/clicks.ts rebuildClickRollups + studio)', async () => {
      await rebuildClickRollups(benchDb, { from: firstDay, to: lastDay }, { studio: false });
      await rebuildStudioRollups(benchDb, { from: firstDay, to: lastDay });
    });
    await rollupSql.end();
    await timing('vacuum analyze', () => sql`vacuum analyze`);

    // Attribution with the product's own code, a few sessions at a time on the app's pool.
    const ids = (await sql<{ id: string }[]>`select id from streams order by started_at`).map((r) => r.id);
    const attributionStarted = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: attributionConcurrency }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        await attributeStream(app.db.db, id, { windowMinutes, now });
      }
    }));
    const attributionSeconds = (performance.now() - attributionStarted) / 1000;
    console.log(`  ${'attribution (db/attribution.ts attributeStream, ' + attributionConcurrency + ' at a time)'.padEnd(64)} ${attributionSeconds.toFixed(1)} s ` +
      `(${(ids.length / attributionSeconds).toFixed(0)} sessions/s)`);
    await timing('vacuum analyze', () => sql`vacuum analyze`);

    const sizes = await sql<{ name: string; rows: number; size: string }[]>`
      select relname as name, reltuples::bigint as rows, pg_size_pretty(pg_total_relation_size(oid)) as size from pg_class
      where relname in ('streams', 'earnings', 'revenue_attribution', 'clicks', 'click_rollups', 'publications') order by relname`;
    console.log(sizes.map((s) => `${s.name} ${Number(s.rows).toLocaleString('en')} rows, ${s.size}`).join('; '));

    const to = new Date(Math.ceil(now.getTime() / HOUR) * HOUR);
    const month = { from: new Date(to.getTime() - 30 * DAY), to };
    const year = { from: new Date(to.getTime() - Math.min(days + 1, 400) * DAY), to };
    const [busiest] = await sql<[{ model_id: string }]>`
      select model_id from streams where started_at >= ${month.from} and started_at < ${month.to} group by 1 order by sum(amount_usd) desc limit 1`;
    const modelId = busiest.model_id;
    console.log(`30 days: ${month.from.toISOString()} → ${month.to.toISOString()}; model filter: the model that earned most in them`);

    const get = async (url: string) => {
      const response = await fetch(`${app.url}${url}`, { headers: { authorization: `Bearer ${apiToken}` } });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`GET ${url}: HTTP ${response.status} ${body.slice(0, 300)}`);
      return body;
    };
    /** The baseline: the period's earnings per model from the raw lines of its sessions. */
    const rawByModel = (range: { from: Date; to: Date }, model: boolean) => sql.unsafe<{ model_id: string; amount: string }[]>(`
      select s.model_id, sum(e.amount_usd)::text as amount, sum(e.tokens) as tokens, count(distinct s.id) as sessions
      from streams s join earnings e on e.stream_id = s.id
      where s.started_at >= $1 and s.started_at < $2 ${model ? 'and s.model_id = $3' : ''}
      group by 1`, model ? [range.from, range.to, modelId] : [range.from, range.to]);
    const rawTotal = async (range: { from: Date; to: Date }, model: boolean) =>
      (await rawByModel(range, model)).reduce((sum, r) => sum + Math.round(Number(r.amount) * 10_000), 0);
    const units = (decimal: string) => Math.round(Number(decimal) * 10_000);

    interface Row { label: string; api: { p50: number; p95: number }; raw?: { p50: number; p95: number }; check: string }
    const results: Row[] = [];
    const iso = (d: Date) => encodeURIComponent(d.toISOString());
    const measure = async (label: string, url: string, range: { from: Date; to: Date }, model: boolean) => {
      const reply = JSON.parse(await get(url)) as {
        rows: unknown[]; totals: { amountUsd: string | { last_click: string } }; unattributedUsd?: { last_click: string };
      };
      const expected = await rawTotal(range, model);
      // /api/revenue: the sessions' total; the funnel: what platforms were credited (last click) plus what none was.
      const total = typeof reply.totals.amountUsd === 'string' ? units(reply.totals.amountUsd)
        : units(reply.totals.amountUsd.last_click) + units(reply.unattributedUsd?.last_click ?? '0');
      const check = `${reply.rows.length} rows, sessions' total ${total === expected ? '= raw' : `≠ raw (${total / 10_000} vs ${expected / 10_000})`}`;
      const api = await time(requests, () => get(url));
      const raw = baselineRuns > 0 ? await time(baselineRuns, () => rawByModel(range, model), 1) : undefined;
      results.push({ label, api, raw, check });
      console.log(`  ${label.padEnd(44)} p50 ${ms(api.p50)} p95 ${ms(api.p95)}${raw ? `  raw p50 ${ms(raw.p50)}` : ''}  ${check}`);
    };
    for (const model of [false, true]) {
      const filter = model ? `&modelId=${modelId}` : '';
      for (const groupBy of ['model', 'platform', 'account', 'publication', 'day']) {
        for (const method of ['last_click', 'linear']) {
          await measure(`revenue ${groupBy} ${method}${model ? ' +model' : ''}`,
            `/api/revenue?from=${iso(month.from)}&to=${iso(month.to)}&groupBy=${groupBy}&method=${method}&limit=20${filter}`, month, model);
        }
      }
      await measure(`funnel${model ? ' +model' : ''}`, `/api/revenue/funnel?from=${iso(month.from)}&to=${iso(month.to)}${filter}`, month, model);
    }
    await measure('revenue model last_click (whole span)', `/api/revenue?from=${iso(year.from)}&to=${iso(year.to)}&groupBy=model&method=last_click`, year, false);
    await measure('revenue publication linear (whole span)', `/api/revenue?from=${iso(year.from)}&to=${iso(year.to)}&groupBy=publication&method=linear&limit=20`, year, false);
    await measure('funnel (whole span)', `/api/revenue/funnel?from=${iso(year.from)}&to=${iso(year.to)}`, year, false);

    console.log(`\nthrough HTTP (fetch on loopback), ${requests} requests each after ${Math.min(warmup, requests)} warm-up; ` +
      `raw GROUP BY over the sessions' earnings lines (SQL, no HTTP): ${baselineRuns} runs after 1 warm-up; 30 days unless said`);
    const table = [
      ['request', 'p50', 'p95', 'raw p50', 'raw p95', 'raw/api p50', 'check'],
      ...results.map((r) => [r.label, ms(r.api.p50), ms(r.api.p95), r.raw ? ms(r.raw.p50) : '—', r.raw ? ms(r.raw.p95) : '—',
        r.raw ? `${(r.raw.p50 / r.api.p50).toFixed(2)}×` : '—', r.check]),
    ];
    const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
    for (const row of table) console.log(row.map((cell, c) => (c === 0 || c === 6 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
