/**
 * The tracking redirect (GET /t/<code>/<ref>, the product's hot path) on loopback against the physical limit of this
 * machine: nginx answering `return 302` from its own config, driven by the same load tool (vegeta) in the same run.
 *
 * Our side is the real web role (bench/web-app.ts: its own PostgreSQL database, the production click recorder) with
 * `BENCH_ACCOUNTS` (100) accounts whose tracking codes and 5 published posts each the benchmark inserts: traffic spread
 * over many links is what the recorder's flush has to fold into the rollups. Both servers get the same targets: every
 * link × 6 user agents (one a link-preview crawler) and 4 referrers, from 127.0.0.1 without X-Forwarded-For;
 * redirects are never followed.
 *
 * Printed: the most requests per second each answers (`-rate=0 -max-workers=N` for a fixed duration, twice per N and
 * server, interleaved, the best kept: more workers than cores suit nginx and Node differently) and their ratio (target
 * ≥ 40 % of nginx), p50/p99 at a fixed 2,000 req/s (target p99 ≤ 5 ms for ours), and the clicks stored against the
 * 302s vegeta got, per run and in all (target: equal; the recorder's own count of clicks dropped with its buffer full
 * is printed too).
 *
 * Tools: nginx from Debian (`apt-get install -y nginx` when missing; run as the current user, no daemon, its own
 * prefix on a free port) and vegeta (`go install github.com/tsenart/vegeta/v12@v12.13.0` into the cache dir the
 * Temporal CLI uses, when not on PATH).
 *
 *   npm run bench:redirect                                   # 10 s per throughput run, N = 50 and 400, 15 s at 2,000 req/s
 *   BENCH_SECONDS=20 BENCH_WORKERS=25,100,400 BENCH_RATE=3000 npm run bench:redirect
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { withBenchWebApp } from './web-app.js';
import { idempotencyMarker } from '../core/captions.js';
import { trackingRefOf } from '../core/tracking.js';
import { temporalCacheDir } from '../scripts/temporal.js';
import { freePort } from '../test/helpers/ports.js';

const execFileAsync = promisify(execFile);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
/** vegeta workers of the throughput runs: each server's best over all of them is its limit. */
const workerCounts = (process.env.BENCH_WORKERS ?? '50,400').split(',').map(Number);
const fixedRate = Number(process.env.BENCH_RATE ?? 2_000);
const fixedSeconds = Number(process.env.BENCH_RATE_SECONDS ?? 15);
const accountCount = Number(process.env.BENCH_ACCOUNTS ?? 100);
const vegetaModule = 'github.com/tsenart/vegeta/v12@v12.13.0';
const streamUrl = 'https://chaturbate.example/modelo_bench';

const userAgents = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'TelegramBot (like TwitterBot)',
];
const referrers = ['https://t.co/', 'https://www.reddit.com/r/webcam/', 'https://bsky.app/', undefined];

function onPath(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin']) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** nginx from Debian: installed when missing (apt-get update first if the package is unknown). */
async function ensureNginx(): Promise<string> {
  const found = onPath('nginx');
  if (found) return found;
  console.error('nginx not found: apt-get install -y nginx');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileAsync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx'], { env, maxBuffer: 64 * 1024 * 1024 });
  await install().catch(async () => {
    await execFileAsync('apt-get', ['update'], { env, maxBuffer: 64 * 1024 * 1024 });
    await install();
  });
  const installed = onPath('nginx');
  if (!installed) throw new Error('apt-get install nginx left no nginx binary');
  return installed;
}

/** vegeta: PATH, then the cache dir, else built once with `go install`. */
async function ensureVegeta(): Promise<string> {
  const found = onPath('vegeta');
  if (found) return found;
  const cached = join(temporalCacheDir(), 'vegeta');
  if (existsSync(cached)) return cached;
  const go = onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new Error(`vegeta not found and no Go to build it: GOBIN=${temporalCacheDir()} go install ${vegetaModule}`);
  mkdirSync(temporalCacheDir(), { recursive: true });
  console.error(`building vegeta: go install ${vegetaModule}`);
  await execFileAsync(go, ['install', vegetaModule], { env: { ...process.env, GOBIN: temporalCacheDir() }, maxBuffer: 64 * 1024 * 1024 });
  return cached;
}

/** nginx in the foreground with its own prefix: every worker the machine has, `return 302`, no access log. */
async function startNginx(binary: string, dir: string, port: number): Promise<{ url: string; stop(): Promise<void> }> {
  const prefix = join(dir, 'nginx');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  // Run by root, nginx would hand its workers to `nobody`; the current user keeps it to the one running the bench.
  const user = process.getuid?.() === 0 ? `user ${userInfo().username};` : '';
  writeFileSync(conf, `${user}
daemon off;
worker_processes auto;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${join(prefix, 'body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  server {
    listen 127.0.0.1:${port};
    location / { return 302 ${streamUrl}; }
  }
}
`);
  const child = spawn(binary, ['-p', prefix, '-c', conf, '-e', join(prefix, 'logs', 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}: ${stderr}`);
    const response = await fetch(`${url}/t/ping`, { redirect: 'manual' }).catch(() => undefined);
    if (response?.status === 302) break;
    if (Date.now() > deadline) throw new Error(`nginx did not answer on ${url}: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGQUIT');
  });
}

/** The vegeta targets (http format): every user agent × referrer over the given paths, round-robin. */
function targetsFile(dir: string, name: string, baseUrl: string, paths: string[]): string {
  const blocks: string[] = [];
  for (const path of paths) {
    for (const [i, ua] of userAgents.entries()) {
      const referrer = referrers[(i + blocks.length) % referrers.length];
      blocks.push([`GET ${baseUrl}${path}`, `User-Agent: ${ua}`, ...(referrer ? [`Referer: ${referrer}`] : [])].join('\n'));
    }
  }
  const file = join(dir, `${name}.targets`);
  writeFileSync(file, `${blocks.join('\n\n')}\n`);
  return file;
}

interface VegetaReport {
  requests: number;
  throughput: number;
  rate: number;
  latencies: { '50th': number; '95th': number; '99th': number; max: number };
  status_codes: Record<string, number>;
  errors: string[] | null;
}

/** One vegeta attack: `-rate=0 -max-workers=N` (as fast as it answers) or a fixed rate; redirects never followed. */
async function attack(vegeta: string, targets: string, dir: string, rate: { workers: number } | number, duration: number): Promise<VegetaReport> {
  const results = join(dir, 'results.bin');
  const rateArgs = typeof rate === 'number' ? [`-rate=${rate}/s`] : ['-rate=0', `-max-workers=${rate.workers}`];
  await execFileAsync(vegeta, [
    'attack', '-format=http', `-targets=${targets}`, ...rateArgs, `-duration=${duration}s`, '-redirects=-1', '-timeout=10s',
    `-output=${results}`,
  ], { maxBuffer: 64 * 1024 * 1024 });
  const { stdout } = await execFileAsync(vegeta, ['report', '-type=json', results], { maxBuffer: 64 * 1024 * 1024 });
  rmSync(results, { force: true });
  return JSON.parse(stdout) as VegetaReport;
}

/** CPU seconds (user + system) of every live process whose command is `name` (from /proc; Linux only, else 0). */
function cpuSecondsOf(name: string): number {
  let ticks = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return 0;
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== name) continue;
      const fields = stat.slice(close + 2).split(' '); // fields[0] is field 3 (state): utime is field 14, stime 15
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** CPU this process and PostgreSQL spent over `fn` (what a redirect and its click cost, the flush included). */
async function cpuDuring<T>(fn: () => Promise<T>): Promise<{ value: T; ownSeconds: number; postgresSeconds: number }> {
  const own = process.cpuUsage();
  const postgresBefore = cpuSecondsOf('postgres');
  const value = await fn();
  const used = process.cpuUsage(own);
  return { value, ownSeconds: (used.user + used.system) / 1e6, postgresSeconds: cpuSecondsOf('postgres') - postgresBefore };
}

const redirects = (report: VegetaReport) => report.status_codes['302'] ?? 0;
const perSecond = (report: VegetaReport) => report.throughput;
const msOf = (ns: number) => `${(ns / 1e6).toFixed(2)} ms`;

function describe(label: string, report: VegetaReport): string {
  const others = Object.entries(report.status_codes).filter(([code]) => code !== '302');
  const errors = [...new Set(report.errors ?? [])].slice(0, 3);
  return `  ${label.padEnd(26)} ${report.requests} requests, ${redirects(report)} × 302` +
    `${others.length ? `, others ${others.map(([code, n]) => `${code}×${n}`).join(' ')}` : ''}` +
    `, p50 ${msOf(report.latencies['50th'])}, p99 ${msOf(report.latencies['99th'])}${errors.length ? `, errors: ${errors.join('; ')}` : ''}`;
}

async function main() {
  const [nginxBinary, vegeta] = await Promise.all([ensureNginx(), ensureVegeta()]);
  const { stdout: nginxVersion, stderr: nginxVersionErr } = await execFileAsync(nginxBinary, ['-v']);
  // A `go install` build does not stamp its version: the pinned one is what it is.
  const { stdout: vegetaVersionOut } = await execFileAsync(vegeta, ['-version']);
  const vegetaVersion = /Version: (\S+)/.exec(vegetaVersionOut)?.[1] ?? vegetaModule.split('@')[1]!;
  const dir = mkdtempSync(join(tmpdir(), 'trafico-bench-redirect-'));
  const nginx = await startNginx(nginxBinary, dir, await freePort());
  try {
    await withBenchWebApp('redirect', async ({ app, sql }) => {
      // BENCH_ACCOUNTS accounts of 10 models, 5 published posts each: every link (account and posts) gets traffic, so
      // a flush folds clicks of many accounts and posts into the rollups, as a studio's traffic would.
      const [platform] = await sql`select id from platforms where name = 'x'`;
      const models = await sql<{ id: string }[]>`
        insert into models (name, distribution)
        select 'Modelo bench ' || g, ${sql.json({ timezone: 'America/Bogota', slots: [] })} from generate_series(1, 10) g returning id`;
      const accounts = await sql<{ id: string; tracking_code: string }[]>`
        insert into platform_accounts (model_id, platform_id, username, stream_url, profile_url, tracking_code)
        select (${models.map((m) => m.id)}::uuid[])[1 + g % 10], ${platform!.id}, 'modelo_bench_' || g, ${streamUrl},
               'https://x.example/modelo_bench_' || g, 'bench' || lpad(g::text, 4, '0')
        from generate_series(0, ${accountCount - 1}) g returning id, tracking_code`;
      const accountIds = accounts.map((a) => a.id);
      await sql`
        insert into contents (id, model_id, file_path, sent_by, status)
        select md5('c' || a.id || i)::uuid, a.model_id, '/bench/' || a.id || '-' || i || '.mp4', 'bench', 'approved'
        from platform_accounts a cross join generate_series(1, 5) i where a.id = any(${accountIds}::uuid[])`;
      // The marker is what idempotencyMarker(id) says: `ref:` and the first 12 hex digits of the id.
      const posts = await sql<{ id: string; account_id: string }[]>`
        insert into publications (id, content_id, account_id, status, published_at, post_url, idempotency_marker)
        select md5('p' || a.id || i)::uuid, md5('c' || a.id || i)::uuid, a.id, 'published', now(), 'https://x.example/p/' || a.id || '/' || i,
               'ref:' || substr(md5('p' || a.id || i), 1, 12)
        from platform_accounts a cross join generate_series(1, 5) i where a.id = any(${accountIds}::uuid[]) returning id, account_id`;
      const codeOf = new Map(accounts.map((a) => [a.id, a.tracking_code]));
      for (const post of posts) {
        if (`ref:${trackingRefOf(post.id)}` !== idempotencyMarker(post.id)) throw new Error('seeded marker does not match idempotencyMarker');
      }
      const paths = [...accounts.map((a) => `/t/${a.tracking_code}`), ...posts.map((p) => `/t/${codeOf.get(p.account_id)}/${trackingRefOf(p.id)}`)];
      paths.sort(() => 0.5 - Math.random());
      const check = await fetch(`${app.url}${paths.find((p) => p.split('/').length === 4)}`, { redirect: 'manual', headers: { 'user-agent': userAgents[0]! } });
      if (check.status !== 302 || check.headers.get('location') !== streamUrl) {
        throw new Error(`GET /t/<code>/<ref>: HTTP ${check.status} → ${check.headers.get('location')} (the redirect route is not in place yet?)`);
      }
      const nginxTargets = targetsFile(dir, 'nginx', nginx.url, paths);
      const oursTargets = targetsFile(dir, 'ours', app.url!, paths);

      let answered = 1; // the check above
      const stored = async () => (await sql<[{ n: number }]>`select count(*)::int as n from clicks where account_id = any(${accountIds}::uuid[])`)[0].n;
      /** Waits until every answered click is stored, or until the count stops moving for 5 s (30 s at most). */
      const settle = async () => {
        const started = Date.now();
        let last = -1;
        let lastChange = Date.now();
        for (;;) {
          const n = await stored();
          if (n >= answered) return { n, ms: Date.now() - started };
          if (n !== last) [last, lastChange] = [n, Date.now()];
          if (Date.now() - lastChange > 5_000 || Date.now() - started > 30_000) return { n, ms: Date.now() - started };
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };

      console.log(`${nginxVersionErr.trim() || nginxVersion.trim()} (worker_processes auto), vegeta ${vegetaVersion}, ` +
        `${userAgents.length} user agents × ${paths.length} links (${accountCount} accounts × (account link + 5 posts)), loopback, redirects not followed`);
      console.log(`\nthroughput: -rate=0 -max-workers=N, ${seconds} s each, twice each per N (interleaved)`);
      const nginxRuns: VegetaReport[] = [];
      const oursRuns: { workers: number; report: VegetaReport; stored: number; answered: number }[] = [];
      for (const workers of workerCounts) {
        for (let round = 1; round <= 2; round++) {
          const n = await attack(vegeta, nginxTargets, dir, { workers }, seconds);
          nginxRuns.push(n);
          console.log(describe(`nginx, N=${workers}, run ${round}`, n));
          const before = await stored();
          const { value: [o, flushed], ownSeconds, postgresSeconds } = await cpuDuring(async () => {
            const report = await attack(vegeta, oursTargets, dir, { workers }, seconds);
            answered += redirects(report);
            return [report, await settle()] as const;
          });
          oursRuns.push({ workers, report: o, stored: flushed.n - before, answered: redirects(o) });
          console.log(`${describe(`ours, N=${workers}, run ${round}`, o)}; clicks stored ${flushed.n - before}/${redirects(o)}` +
            ` (${flushed.ms} ms after the run; recorder dropped ${app.api!.clicks.stats().dropped} so far)`);
          console.log(`    CPU per redirect, its click stored: web process ${((ownSeconds * 1e6) / redirects(o)).toFixed(1)} µs, ` +
            `PostgreSQL ${((postgresSeconds * 1e6) / redirects(o)).toFixed(1)} µs`);
        }
      }
      const bestNginx = Math.max(...nginxRuns.map(perSecond));
      const best = oursRuns.reduce((a, b) => (perSecond(b.report) > perSecond(a.report) ? b : a));
      const bestOurs = perSecond(best.report);

      console.log(`\nlatency at a fixed ${fixedRate} req/s, ${fixedSeconds} s each`);
      // The floor this machine leaves a Node event loop: this process's own delay while it serves nothing and nginx
      // takes the same load (scheduling hiccups of the shared cores, the load tool, this process's timers).
      const idleDelay = monitorEventLoopDelay({ resolution: 1 });
      idleDelay.enable();
      const nginxFixed = await attack(vegeta, nginxTargets, dir, fixedRate, fixedSeconds);
      idleDelay.disable();
      console.log(describe('nginx', nginxFixed));
      console.log(`  meanwhile this process, serving nothing: event-loop delay p99 ${msOf(idleDelay.percentile(99))}, max ${msOf(idleDelay.max)}`);
      // The web role runs in this process: how long its event loop was held up meanwhile tells our own stalls from the
      // machine's (nginx's p99 above is the floor the load tool and the shared cores leave).
      const loopDelay = monitorEventLoopDelay({ resolution: 1 });
      loopDelay.enable();
      const { value: [oursFixed, flushed], ownSeconds, postgresSeconds } = await cpuDuring(async () => {
        const report = await attack(vegeta, oursTargets, dir, fixedRate, fixedSeconds);
        loopDelay.disable();
        answered += redirects(report);
        return [report, await settle()] as const;
      });
      console.log(`${describe('ours', oursFixed)}; clicks stored ${flushed.n}/${answered}`);
      console.log(`  ours: CPU per redirect, its click stored: web process ${((ownSeconds * 1e6) / redirects(oursFixed)).toFixed(1)} µs, ` +
        `PostgreSQL ${((postgresSeconds * 1e6) / redirects(oursFixed)).toFixed(1)} µs`);
      console.log(`  ours: event-loop delay p50 ${msOf(loopDelay.percentile(50))}, p99 ${msOf(loopDelay.percentile(99))}, max ${msOf(loopDelay.max)} (1 ms resolution)`);

      const [bots] = await sql<[{ bots: number; people: number }]>`
        select count(*) filter (where is_bot)::int as bots, count(*) filter (where not is_bot)::int as people from clicks where account_id = any(${accountIds}::uuid[])`;
      const rows = [
        ['', 'nginx return 302', 'GET /t/<code>/<ref>', 'ours / nginx', 'target'],
        [`max req/s (best of ${nginxRuns.length})`, bestNginx.toFixed(0), bestOurs.toFixed(0), `${((100 * bestOurs) / bestNginx).toFixed(1)} %`, '≥ 40 %'],
        [`  its clicks stored (N=${best.workers})`, '—', `${best.stored} / ${best.answered}`, best.stored === best.answered ? 'equal' : `${best.answered - best.stored} missing`, 'equal'],
        [`p50 at ${fixedRate} req/s`, msOf(nginxFixed.latencies['50th']), msOf(oursFixed.latencies['50th']), (oursFixed.latencies['50th'] / nginxFixed.latencies['50th']).toFixed(2), ''],
        [`p99 at ${fixedRate} req/s`, msOf(nginxFixed.latencies['99th']), msOf(oursFixed.latencies['99th']), (oursFixed.latencies['99th'] / nginxFixed.latencies['99th']).toFixed(2), '≤ 5 ms (ours)'],
        ['clicks stored / 302s, whole run', '—', `${flushed.n} / ${answered}`, flushed.n === answered ? 'equal' : `${answered - flushed.n} missing`, 'equal'],
      ];
      console.log('');
      const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
      for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
      const stats = app.api!.clicks.stats();
      console.log(`(recorder: ${stats.stored} stored, ${stats.dropped} dropped with the buffer full (CLICK_BUFFER_MAX ${app.config.traffic.clickBufferMax}); ` +
        `stored: ${bots!.people} people, ${bots!.bots} bots — the crawler user agent is 1 in ${userAgents.length}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
    });
  } finally {
    await nginx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
