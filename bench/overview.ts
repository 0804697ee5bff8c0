/**
 * The overview (GET /api/overview, the dashboard's home page) with 100,000 publications: its response time through
 * the real Fastify app (inject, bearer token) on PostgreSQL, with its health checks against a real Temporal dev server.
 *
 * Baseline, measured in the same run on the same database: the same requests when it held 1% of the rows (1,000
 * publications and 1% of the events). The ratio says how the overview scales with the data. Also printed: each part
 * of the overview alone (one SQL query each) and the health checks alone, so a slow part shows itself.
 *
 * Seeding is bulk SQL (generate_series): 5 models × 4 accounts (some paused, expired, without a session), one content
 * per publication, a realistic status mix (80% published over the last 180 days, 8% scheduled over the next 14 days,
 * held, processing, failed, unconfirmed, canceled), two events per publication, 1 in 50 an alert (80% acknowledged),
 * and contents waiting for approval.
 *
 *   npm run bench:overview                       # 100,000 publications, 200 requests per size
 *   BENCH_PUBLICATIONS=200000 BENCH_REQUESTS=500 npm run bench:overview
 */
import { ms, time, warmup, withBenchWebApp } from './web-app.js';
import {
  blockedAccounts, latestPublished, openAlerts, overviewCounts, pendingApprovals, upcomingPublications,
} from '../db/overview.js';
import { checkHealth } from '../services/health.js';
import { todayBounds } from '../services/overview.js';

const total = Number(process.env.BENCH_PUBLICATIONS ?? 100_000);
const baselineSize = Math.max(1, Math.round(total / 100));
const requests = Number(process.env.BENCH_REQUESTS ?? 200);
const modelCount = 5;
const accountsPerModel = 4;

async function main() {
  await withBenchWebApp('overview', async ({ app, apiToken, sql }) => {
    const [platform] = await sql`
      insert into platforms (name, capabilities, technical_config)
      values ('bench', ${sql.json({})}, ${sql.json({ driver: 'demo', baseUrl: 'http://127.0.0.1:1' })}) returning id`;
    const accountIds: string[] = [];
    const accountModels: string[] = [];
    const accountStatuses = ['active', 'active', 'paused', 'session_expired'];
    for (let m = 0; m < modelCount; m++) {
      const [model] = await sql`
        insert into models (name, status, distribution)
        values (${`Modelo ${m + 1}`}, ${m === 4 ? 'paused' : 'active'}, ${sql.json({ timezone: 'America/Bogota', slots: [] })}) returning id`;
      for (let a = 0; a < accountsPerModel; a++) {
        const [account] = await sql`
          insert into platform_accounts (model_id, platform_id, username, status, session_saved, last_session_state)
          values (${model!.id}, ${platform!.id}, ${`bench_${m}_${a}`}, ${accountStatuses[a]!}, ${a !== 1 || m % 2 === 0}, ${a === 0 ? 'logged_in' : null})
          returning id`;
        accountIds.push(account!.id as string);
        accountModels.push(model!.id as string);
      }
    }

    /** Publications [from, to) with their contents and events, in bulk. */
    const seed = async (from: number, to: number) => {
      await sql`
        insert into contents (id, model_id, file_path, sent_by, status, received_at, context)
        select md5('c' || g)::uuid, (${accountModels}::uuid[])[1 + g % ${accountIds.length}], '/bench/' || g || '.mp4', 'bench', 'approved',
               now() - ((g * 37) % (180 * 24 * 60)) * interval '1 minute', 'clip ' || g
        from generate_series(${from}::int, ${to - 1}::int) g`;
      await sql`
        insert into publications (id, content_id, account_id, status, scheduled_time, published_at, post_url, idempotency_marker, attempts)
        select md5('p' || g)::uuid, md5('c' || g)::uuid, (${accountIds}::uuid[])[1 + g % ${accountIds.length}], s.status::publication_status,
               case
                 when s.status = 'published' then now() - ((g * 37) % (180 * 24 * 60)) * interval '1 minute' - interval '1 minute'
                 when s.status = 'scheduled' then now() + ((g * 13) % (14 * 24 * 60)) * interval '1 minute'
                 when s.status = 'held' then now() + ((g * 17) % (3 * 24 * 60)) * interval '1 minute' - interval '1 day'
                 else now() - ((g * 11) % (30 * 24 * 60)) * interval '1 minute'
               end,
               case when s.status = 'published' then now() - ((g * 37) % (180 * 24 * 60)) * interval '1 minute' end,
               case when s.status = 'published' then 'https://bench.example/p/' || g end,
               'bench-' || g, case when s.status in ('failed', 'unconfirmed') then 3 else 1 end
        from generate_series(${from}::int, ${to - 1}::int) g
        cross join lateral (select case
          when (g * 7919) % 1000 < 800 then 'published'
          when (g * 7919) % 1000 < 880 then 'scheduled'
          when (g * 7919) % 1000 < 890 then 'held'
          when (g * 7919) % 1000 < 892 then 'processing'
          when (g * 7919) % 1000 < 907 then 'failed'
          when (g * 7919) % 1000 < 910 then 'unconfirmed'
          else 'canceled' end as status) s`;
      // Two events per publication; 1 in 50 of the second is an alert.
      await sql`
        insert into system_events (ts, type, model_id, content_id, publication_id, account_id, description, actor, data)
        select now() - ((g * 37) % (180 * 24 * 60)) * interval '1 minute' + e * interval '1 second',
               (case when e = 0 then 'publication_scheduled' when g % 50 = 0 then 'alert' else 'publication_published' end)::event_type,
               (${accountModels}::uuid[])[1 + g % ${accountIds.length}], md5('c' || g)::uuid, md5('p' || g)::uuid,
               (${accountIds}::uuid[])[1 + g % ${accountIds.length}],
               case when e = 1 and g % 50 = 0 then 'Publication failed: SelectorMissing: bench' else 'bench event' end, 'system',
               case when e = 1 and g % 50 = 0 then jsonb_build_object('kind', 'publication_failed', 'errorType', 'SelectorMissing', 'message', 'bench')
                    else jsonb_build_object('scheduledTime', now()) end
        from generate_series(${from}::int, ${to - 1}::int) g cross join generate_series(0, 1) e
        order by 1`;
      await sql`
        insert into alert_acknowledgements (event_id, actor)
        select id, 'bench' from system_events
        where type = 'alert' and id % 5 <> 0 and publication_id in (select md5('p' || g)::uuid from generate_series(${from}::int, ${to - 1}::int) g)`;
      // Contents waiting for approval: 1 per 300 publications.
      await sql`
        with waiting as (
          insert into contents (model_id, file_path, sent_by, status, received_at, context)
          select (${accountModels}::uuid[])[1 + g % ${accountIds.length}], '/bench/new-' || g || '.mp4', 'bench', 'new',
                 now() - (g % 500) * interval '1 hour', repeat('contexto largo ', 20)
          from generate_series(${from}::int, ${to - 1}::int) g where g % 300 = 0
          returning id, model_id)
        insert into system_events (type, model_id, content_id, description)
        select 'approval_requested', model_id, id, 'approval requested' from waiting`;
      // The steady state autovacuum keeps a live table in: statistics and the visibility map (index-only scans).
      await sql`vacuum analyze`;
    };

    const overview = () => app.api!.inject({ method: 'GET', url: '/api/overview?tz=America/Bogota', headers: { authorization: `Bearer ${apiToken}` } });
    const check = async () => {
      const response = await overview();
      if (response.statusCode !== 200) throw new Error(`GET /api/overview: HTTP ${response.statusCode} ${response.body}`);
      return response.json() as { counts: Record<string, number>; alerts: { total: number }; approvals: { total: number }; upcoming: { total: number } };
    };
    const measure = async (label: string) => {
      const sample = await check();
      const counts = await sql`select count(*)::int as n from publications`;
      console.log(`${label}: ${counts[0]!.n} publications — scheduled ${sample.counts.scheduled}, held ${sample.counts.held}, failed ${sample.counts.failed}, ` +
        `published today ${sample.counts.publishedToday}, open alerts ${sample.alerts.total}, waiting ${sample.approvals.total}, next 24 h ${sample.upcoming.total}`);
      return time(requests, overview);
    };

    let started = performance.now();
    await seed(0, baselineSize);
    const baseline = await measure(`baseline (seeded in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    started = performance.now();
    for (let from = baselineSize; from < total; from += 25_000) await seed(from, Math.min(total, from + 25_000));
    const full = await measure(`full (seeded in ${((performance.now() - started) / 1000).toFixed(1)} s)`);

    const db = app.db.db;
    const now = new Date();
    const today = todayBounds('America/Bogota', now);
    const parts: [string, () => Promise<unknown>][] = [
      ['counts by status + published today', () => overviewCounts(db, today)],
      ['approvals waiting (10 oldest + total)', () => pendingApprovals(db, 10, 120)],
      ['open alerts (20 newest + total)', () => openAlerts(db, 20)],
      ['next 24 h (50 + total)', () => upcomingPublications(db, { from: now, to: new Date(now.getTime() + 86_400_000) }, 50)],
      ['latest published (10)', () => latestPublished(db, 10)],
      ['blocked accounts', () => blockedAccounts(db, 100)],
      ['health checks (db ping + Temporal ×4)', () => checkHealth(db, app.temporal)],
    ];
    console.log(`\nGET /api/overview through Fastify (inject), ${requests} requests each after ${warmup} warm-up; 2 cores`);
    const rows = [
      ['publications', 'p50', 'p95'],
      [String(baselineSize), ms(baseline.p50), ms(baseline.p95)],
      [String(total), ms(full.p50), ms(full.p95)],
      ['ratio', (full.p50 / baseline.p50).toFixed(2), (full.p95 / baseline.p95).toFixed(2)],
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const row of rows) console.log(row.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
    console.log(`\neach part alone at ${total} publications (${Math.min(requests, 100)} runs):`);
    for (const [label, fn] of parts) {
      const t = await time(Math.min(requests, 100), fn);
      console.log(`  ${label.padEnd(40)} p50 ${ms(t.p50).padStart(9)}  p95 ${ms(t.p95).padStart(9)}`);
    }
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
