/**
 * The calendar (GET /api/calendar, the dashboard's calendar page) for a month holding 5,000 publications, in a
 * database of 50,000: its response time through the real Fastify app (inject, bearer token) on PostgreSQL.
 *
 * Baselines, measured in the same run on the same database: GET /api/publications (the publications list, 200 rows
 * joined with their names: the cheapest list the dashboard loads) and a plain `select count(*)` of the month's
 * publications. The ratios say what the calendar costs beyond reading a page of rows. Also printed: each part of the
 * calendar alone (the publications of the range, the accounts, the free slots of their rules) and the answer's size.
 *
 * Seeding is bulk SQL (generate_series): 12 models × 4 accounts with fixed slots in four time zones; the month (the
 * next 31 days, so free slots exist: they only count in the future within the platform's 30-day horizon) holds
 * `BENCH_MONTH` publications spread over it (scheduled, some held and failed), the other rows are published over the
 * 18 months before.
 *
 *   npm run bench:calendar                             # 5,000 in the month, 50,000 in all, 200 requests
 *   BENCH_MONTH=10000 BENCH_TOTAL=200000 BENCH_REQUESTS=100 npm run bench:calendar
 */
import { ms, time, warmup, withBenchWebApp } from './web-app.js';
import { calendarPublications, schedulableAccounts } from '../db/calendar.js';
import { getCalendar } from '../services/calendar.js';

const monthCount = Number(process.env.BENCH_MONTH ?? 5_000);
const total = Math.max(monthCount, Number(process.env.BENCH_TOTAL ?? 50_000));
const requests = Number(process.env.BENCH_REQUESTS ?? 200);
const modelCount = 12;
const accountsPerModel = 4;
const zones = ['America/Bogota', 'Europe/Madrid', 'America/New_York', 'Asia/Tokyo'];
const slotSets = [['10:00', '14:00', '19:00', '22:00'], ['09:30', '13:00', '18:30', '21:00', '23:30'], ['12:00', '20:00']];
const DAY = 86_400_000;

async function main() {
  await withBenchWebApp('calendar', async ({ app, apiToken, sql }) => {
    const [platform] = await sql`
      insert into platforms (name, capabilities, technical_config)
      values ('bench', ${sql.json({})}, ${sql.json({ driver: 'demo', baseUrl: 'http://127.0.0.1:1' })}) returning id`;
    const accountIds: string[] = [];
    const accountModels: string[] = [];
    for (let m = 0; m < modelCount; m++) {
      const distribution = { timezone: zones[m % zones.length]!, slots: slotSets[m % slotSets.length]!, maxPostsPerDay: 6, minSpacingMinutes: 45 };
      const [model] = await sql`insert into models (name, distribution) values (${`Modelo ${m + 1}`}, ${sql.json(distribution)}) returning id`;
      for (let a = 0; a < accountsPerModel; a++) {
        const [account] = await sql`
          insert into platform_accounts (model_id, platform_id, username, session_saved)
          values (${model!.id}, ${platform!.id}, ${`bench_${m}_${a}`}, true) returning id`;
        accountIds.push(account!.id as string);
        accountModels.push(model!.id as string);
      }
    }

    // The month: the next 31 days from today's UTC midnight (what the month view asks for, give or take its edges).
    const monthStart = new Date(Math.floor(Date.now() / DAY) * DAY);
    const monthEnd = new Date(monthStart.getTime() + 31 * DAY);
    const monthMinutes = 31 * 24 * 60;
    const caption = "'Nuevo vídeo en directo esta noche ' || g || E' 🔥\\n#webcam #envivo\\nhttps://trafico.example/t/x\\nref:' || substr(md5('p' || g), 1, 12)";
    await sql.unsafe(`
      insert into contents (id, model_id, file_path, sent_by, status, context)
      select md5('c' || g)::uuid, ($1::uuid[])[1 + g % ${accountIds.length}], '/bench/' || g || '.mp4', 'bench', 'approved', 'clip ' || g
      from generate_series(0, ${total - 1}) g`, [accountModels]);
    // Month rows: spread over the month (a whole minute each), 90% scheduled, 5% held, 3% failed, 2% canceled.
    await sql.unsafe(`
      insert into publications (id, content_id, account_id, status, scheduled_time, caption_used, idempotency_marker)
      select md5('p' || g)::uuid, md5('c' || g)::uuid, ($1::uuid[])[1 + g % ${accountIds.length}],
             (case when g % 100 < 90 then 'scheduled' when g % 100 < 95 then 'held' when g % 100 < 98 then 'failed' else 'canceled' end)::publication_status,
             $2::timestamptz + ((g::bigint * ${monthMinutes}) / ${monthCount}) * interval '1 minute', ${caption}, 'bench-' || g
      from generate_series(0, ${monthCount - 1}) g`, [accountIds, monthStart.toISOString()]);
    // Every other row: published during the 18 months before the month.
    await sql.unsafe(`
      insert into publications (id, content_id, account_id, status, scheduled_time, published_at, post_url, caption_used, idempotency_marker)
      select md5('p' || g)::uuid, md5('c' || g)::uuid, ($1::uuid[])[1 + g % ${accountIds.length}], 'published',
             $2::timestamptz - (1 + (g * 7919) % (540 * 24 * 60)) * interval '1 minute',
             $2::timestamptz - (1 + (g * 7919) % (540 * 24 * 60)) * interval '1 minute' + interval '20 seconds',
             'https://bench.example/p/' || g, ${caption}, 'bench-' || g
      from generate_series(${monthCount}, ${total - 1}) g`, [accountIds, monthStart.toISOString()]);
    await sql`vacuum analyze`;

    const auth = { authorization: `Bearer ${apiToken}` };
    const range = `from=${encodeURIComponent(monthStart.toISOString())}&to=${encodeURIComponent(monthEnd.toISOString())}`;
    const inject = async (url: string) => {
      const response = await app.api!.inject({ method: 'GET', url, headers: auth });
      if (response.statusCode !== 200) throw new Error(`GET ${url}: HTTP ${response.statusCode} ${response.body}`);
      return response;
    };
    const sample = await inject(`/api/calendar?${range}&tz=America/Bogota`);
    const answer = sample.json() as { items: unknown[]; freeSlots: unknown[]; truncated: boolean };
    const [{ n: inMonth }] = await sql<[{ n: number }]>`
      select count(*)::int as n from publications
      where coalesce(published_at, scheduled_time) >= ${monthStart} and coalesce(published_at, scheduled_time) < ${monthEnd}`;
    const [{ n: all }] = await sql<[{ n: number }]>`select count(*)::int as n from publications`;
    console.log(`${all} publications, ${inMonth} in the month ${monthStart.toISOString().slice(0, 10)} → ${monthEnd.toISOString().slice(0, 10)}; ` +
      `${accountIds.length} accounts of ${modelCount} models with fixed slots`);
    console.log(`answer: ${answer.items.length} publications, ${answer.freeSlots.length} free slots, ${(sample.body.length / 1024).toFixed(0)} KiB` +
      `${answer.truncated ? ' (truncated)' : ''}`);

    const calendar = await time(requests, () => inject(`/api/calendar?${range}&tz=America/Bogota`));
    const week = await time(requests, () => inject(`/api/calendar?from=${encodeURIComponent(monthStart.toISOString())}&to=${encodeURIComponent(new Date(monthStart.getTime() + 7 * DAY).toISOString())}&tz=America/Bogota`));
    const list = await time(requests, () => inject('/api/publications'));
    const count = await time(requests, () => sql`
      select count(*) from publications
      where coalesce(published_at, scheduled_time) >= ${monthStart} and coalesce(published_at, scheduled_time) < ${monthEnd}`);

    console.log(`\nthrough Fastify (inject), ${requests} requests each after ${warmup} warm-up`);
    const rows = [
      ['request', 'p50', 'p95', 'p50 ratio'],
      ['GET /api/calendar (the month)', ms(calendar.p50), ms(calendar.p95), '—'],
      ['GET /api/calendar (its first week)', ms(week.p50), ms(week.p95), '—'],
      ['baseline: GET /api/publications (200 rows)', ms(list.p50), ms(list.p95), (calendar.p50 / list.p50).toFixed(2)],
      ['baseline: select count(*) of the month', ms(count.p50), ms(count.p95), (calendar.p50 / count.p50).toFixed(2)],
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));

    const db = app.db.db;
    const month = { from: monthStart, to: monthEnd };
    const parts: [string, () => Promise<unknown>][] = [
      ['publications of the month (one query)', () => calendarPublications(db, month, {}, 10_001, 120)],
      ['schedulable accounts (one query)', () => schedulableAccounts(db, {})],
      ['the whole service (+ taken times, free slots)', () => getCalendar(db, { from: monthStart.toISOString(), to: monthEnd.toISOString() })],
    ];
    console.log(`\neach part alone (${Math.min(requests, 100)} runs):`);
    for (const [label, fn] of parts) {
      const t = await time(Math.min(requests, 100), fn);
      console.log(`  ${label.padEnd(48)} p50 ${ms(t.p50).padStart(9)}  p95 ${ms(t.p95).padStart(9)}`);
    }
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
