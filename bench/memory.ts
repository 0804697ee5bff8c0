/**
 * Idle and busy memory of every role, each its own Node process as it runs for real:
 *   1. the embedded all-in-one (`npm start`: scripts/dev.ts, PGlite, the demo platform; target ≤ 350 MB idle RSS);
 *   2. web, worker and bot as separate processes (main.ts ROLE) against PostgreSQL.
 * Idle = the median of 5 samples after BENCH_IDLE_SECONDS of quiet; busy = the peak while BENCH_PUBLISHES
 * videos go through the pipeline onto the demo platform (uploaded through the API) and BENCH_REDIRECTS tracking
 * redirects are served. RSS is the Node process's alone; Chromium is a separate process tree, reported apart (PSS).
 * Temporal's dev server is started here on free ports (a separate process, never counted).
 * Every process runs the compiled JavaScript, as `npm start` and the image do (built first if stale: scripts/build-dist.ts),
 * with the image's malloc settings (MALLOC_ARENA_MAX=2, MALLOC_MMAP_THRESHOLD_=32768); BENCH_RUNTIME=tsx runs the
 * TypeScript sources under tsx instead, for comparison.
 *
 *   npm run bench:memory
 *   BENCH_IDLE_SECONDS=30 BENCH_PUBLISHES=5 npm run bench:memory
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { platformAccounts } from '../db/schema.js';
import { startDemoPlatform } from '../demo/server.js';
import { ensureDist } from '../scripts/build-dist.js';
import { seedDemo } from '../scripts/seed.js';
import { findTemporalCli, repoRoot, startTemporalDevServer } from '../scripts/temporal.js';
import { freePort } from '../test/helpers/ports.js';
import { descendants, pss, rss } from './proc.js';

const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 20);
const publishes = Number(process.env.BENCH_PUBLISHES ?? 3);
const redirects = Number(process.env.BENCH_REDIRECTS ?? 2000);
const adminUrl = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const targetIdleMb = 350;
const underTsx = process.env.BENCH_RUNTIME === 'tsx';
const execFileAsync = promisify(execFile);
const MB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;

const chromiumPss = (pid: number) => descendants(pid).reduce((sum, child) => sum + pss(child), 0);

interface Role {
  name: string;
  process: ChildProcess;
  /** Resolves when the process logged `readyMessage` (or its /healthz answered 200). */
  ready: Promise<void>;
  peakRss: number;
  peakChromium: number;
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before ${url} answered`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} not healthy in time`);
}

function startRole(name: string, args: string[], env: Record<string, string>, logDir: string, ready: { health?: string; message?: string }): Role {
  const child = spawn(process.execPath, underTsx ? ['--import', 'tsx', ...args] : args, {
    cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(logDir, `${name}.log`));
  child.stderr!.pipe(log);
  let seen: () => void;
  const messageSeen = new Promise<void>((resolve) => (seen = resolve));
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    buffered = (buffered + chunk.toString()).slice(-20_000);
    if (ready.message && buffered.includes(ready.message)) seen();
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${name} exited with ${code}; see ${join(logDir, `${name}.log`)}`))));
  exited.catch(() => undefined);
  const readyPromise = Promise.race([ready.health ? waitForHealth(ready.health, child) : messageSeen, exited]);
  return { name, process: child, ready: readyPromise, peakRss: 0, peakChromium: 0 };
}

async function stopRole(role: Role) {
  if (role.process.exitCode !== null) return;
  const done = new Promise((r) => role.process.once('exit', r));
  role.process.kill('SIGTERM');
  const timer = setTimeout(() => role.process.kill('SIGKILL'), 15_000);
  await done;
  clearTimeout(timer);
}

/** Median RSS of 5 samples a second apart. */
async function idleRss(role: Role): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rss(role.process.pid!));
    await new Promise((r) => setTimeout(r, 1000));
  }
  return samples.sort((a, b) => a - b)[2]!;
}

/** Tracks each role's peak RSS (and Chromium's PSS) every 200 ms until stopped. */
function sample(roles: Role[]) {
  for (const role of roles) role.peakRss = role.peakChromium = 0;
  const tick = () => {
    for (const role of roles) {
      role.peakRss = Math.max(role.peakRss, rss(role.process.pid!));
      role.peakChromium = Math.max(role.peakChromium, chromiumPss(role.process.pid!));
    }
  };
  tick();
  const timer = setInterval(tick, 200);
  return () => (clearInterval(timer), tick());
}

async function postCount(demoUrl: string): Promise<number> {
  const body = (await (await fetch(new URL('/__admin/posts', demoUrl))).json()) as { posts: unknown[] };
  return body.posts.length;
}

/** Uploads `count` videos through the API and waits until the demo platform shows them all. */
async function publishThroughApi(webUrl: string, apiToken: string, modelId: string, demoUrl: string, videoPaths: string[], count: number) {
  const before = await postCount(demoUrl);
  for (let i = 0; i < count; i++) {
    const video = new Blob([readFileSync(videoPaths[i]!)], { type: 'video/mp4' });
    const form = new FormData();
    form.set('modelId', modelId);
    form.set('context', `Memoria ${i} ${randomBytes(4).toString('hex')}`);
    form.set('video', video, `clip-${i}.mp4`);
    const response = await fetch(new URL('/api/contents', webUrl), { method: 'POST', headers: { authorization: `Bearer ${apiToken}` }, body: form });
    if (!response.ok) throw new Error(`upload ${i}: ${response.status} ${await response.text()}`);
  }
  const deadline = Date.now() + 300_000;
  while ((await postCount(demoUrl)) < before + count) {
    if (Date.now() > deadline) throw new Error(`only ${(await postCount(demoUrl)) - before} of ${count} publications reached the demo platform`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function hitRedirects(webUrl: string, code: string, count: number) {
  const url = new URL(`/t/${code}`, webUrl);
  let next = 0;
  const workers = Array.from({ length: 20 }, async () => {
    while (next++ < count) await fetch(url, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) bench' } }).then((r) => r.arrayBuffer());
  });
  await Promise.all(workers);
}

async function main() {
  // `file` is a source file (scripts/dev.ts, main.ts); compiled, it runs as dist/<file>.js.
  if (!underTsx) ensureDist({ log: (line) => console.log(line) });
  const entry = (file: string) => (underTsx ? file : join('dist', file.replace(/\.ts$/, '.js')));
  const dir = mkdtempSync(join(tmpdir(), 'trafico-bench-mem-'));
  // Distinct pictures: the pipeline rejects a video it has seen (perceptual duplicates), so no two uploads may match.
  const sources = ['testsrc2', 'smptebars', 'mandelbrot', 'rgbtestsrc', 'life=seed=7:ratio=0.3', 'cellauto=rule=110', 'testsrc', 'yuvtestsrc'];
  const videos: string[] = [];
  for (let i = 0; i < 2 * publishes; i++) {
    const path = join(dir, `clip-${i}.mp4`);
    const source = `${sources[i % sources.length]!}${sources[i % sources.length]!.includes('=') ? ':' : '='}size=360x640:rate=25`;
    await execFileAsync('ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', source, '-f', 'lavfi', '-i', `sine=frequency=${300 + 40 * i}`, '-t', String(3 + i), '-vf', `hue=h=${i * 37}`, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path]);
    videos.push(path);
  }
  const temporal = await startTemporalDevServer({
    cliPath: await findTemporalCli({ build: true }), dataDir: dir, port: await freePort(), uiPort: await freePort(), logFile: join(dir, 'temporal.log'),
  });
  const secrets = {
    API_TOKEN: randomBytes(18).toString('base64url'), ADMIN_PASSWORD: 'bench-password', SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
  const common = { ...secrets, TEMPORAL_ADDRESS: temporal.address, LOG_LEVEL: 'info', MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '32768', TELEGRAM_BOT_TOKEN: '' };
  const rows: string[][] = [['process', 'idle RSS', 'busy RSS (peak)', 'Chromium PSS (peak)', 'note']];
  const roles: Role[] = [];
  try {
    // 1. The embedded all-in-one, as `npm start` runs it (its own PGlite and demo platform).
    {
      const port = await freePort();
      const demoPort = await freePort();
      const all = startRole('all', [entry('scripts/dev.ts')], { ...common, DATA_DIR: join(dir, 'all'), PORT: String(port), DEMO_PORT: String(demoPort), PUBLIC_URL: `http://127.0.0.1:${port}`, METRICS_PORT: '0' }, dir, { health: `http://127.0.0.1:${port}/healthz` });
      roles.push(all);
      await all.ready;
      await new Promise((r) => setTimeout(r, idleSeconds * 1000));
      const idle = await idleRss(all);
      const demoUrl = `http://127.0.0.1:${demoPort}`;
      const modelId = /Demo model id\s+(\S+)/.exec(readFileSync(join(dir, 'all.log'), 'utf8'))?.[1];
      if (!modelId) throw new Error('the all-in-one did not print the demo model id');
      const stop = sample([all]);
      await publishThroughApi(`http://127.0.0.1:${port}`, secrets.API_TOKEN, modelId, demoUrl, videos.slice(0, publishes), publishes);
      stop();
      rows.push(['all (embedded, PGlite)', mb(idle), mb(all.peakRss), mb(all.peakChromium), `target idle ≤ ${targetIdleMb} MB: ${idle <= targetIdleMb * MB ? 'met' : 'MISSED'}`]);
      await stopRole(all);
    }

    // 2. web, worker and bot apart, against PostgreSQL.
    const dbName = `trafico_bench_mem_${Date.now()}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`create database "${dbName}"`);
    const databaseUrl = new URL(adminUrl);
    databaseUrl.pathname = `/${dbName}`;
    const demo = await startDemoPlatform({ port: 0, dataDir: join(dir, 'demo') });
    try {
      const env = { ...common, DATABASE_URL: databaseUrl.toString(), DATA_DIR: join(dir, 'split') };
      const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
      const db = await openDatabase({ databaseUrl: config.databaseUrl });
      const seeded = await seedDemo(db.db, config, demo.url);
      const [account] = await db.db.select({ code: platformAccounts.trackingCode }).from(platformAccounts).limit(1);
      await db.close();
      const port = await freePort();
      const web = startRole('web', [entry('main.ts'), 'web'], { ...env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` }, dir, { health: `http://127.0.0.1:${port}/healthz` });
      const worker = startRole('worker', [entry('main.ts'), 'worker'], { ...env, METRICS_PORT: String(await freePort()) }, dir, { message: 'workers running' });
      const bot = startRole('bot', [entry('main.ts'), 'bot'], { ...env, METRICS_PORT: String(await freePort()) }, dir, { message: 'TELEGRAM_BOT_TOKEN is not set' });
      roles.push(web, worker, bot);
      await Promise.all([web.ready, worker.ready, bot.ready]);
      await new Promise((r) => setTimeout(r, idleSeconds * 1000));
      const idle = await Promise.all([web, worker, bot].map(idleRss));
      const stop = sample([web, worker, bot]);
      const webUrl = `http://127.0.0.1:${port}`;
      await Promise.all([
        publishThroughApi(webUrl, secrets.API_TOKEN, seeded.modelId, demo.url, videos.slice(publishes), publishes),
        hitRedirects(webUrl, account!.code, redirects),
      ]);
      stop();
      rows.push(['web (PostgreSQL)', mb(idle[0]!), mb(web.peakRss), '-', `${publishes} uploads + ${redirects} redirects`]);
      rows.push(['worker (PostgreSQL)', mb(idle[1]!), mb(worker.peakRss), mb(worker.peakChromium), `${publishes} publishes`]);
      rows.push(['bot (no Telegram token)', mb(idle[2]!), mb(bot.peakRss), '-', 'idles without TELEGRAM_BOT_TOKEN']);
      for (const role of [web, worker, bot]) await stopRole(role);
    } finally {
      await demo.close();
      await admin.unsafe(`drop database if exists "${dbName}" with (force)`).catch(() => undefined);
      await admin.end();
    }
  } finally {
    for (const role of roles) await stopRole(role).catch(() => undefined);
    await temporal.stop();
  }
  console.log(`\nIdle after ${idleSeconds} s quiet (median of 5 samples); busy = peak while ${publishes} videos were published on the demo platform.`);
  console.log(`${underTsx ? 'TypeScript sources under tsx' : 'Compiled dist/ under node'}, MALLOC_ARENA_MAX=${common.MALLOC_ARENA_MAX} MALLOC_MMAP_THRESHOLD_=${common.MALLOC_MMAP_THRESHOLD_}.`);
  console.log(`Node RSS only; Chromium (started on the first browser job, closed after BROWSER_IDLE_CLOSE_SECONDS) apart as PSS.\n`);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows) console.log(row.map((cell, c) => (c === 0 || c === 4 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
