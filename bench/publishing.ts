/**
 * Browser publishing layer: publications per minute and peak memory per browser slot against the demo
 * platform, for 1, 2 and 4 slots, against two baselines measured in the same run: the idle process (this
 * Node process with its database pool and the demo platform, before Chromium starts) for memory, and for
 * throughput a plain Playwright script doing the same uploads (same video, same accounts' sessions, same
 * number of posts, as many parallel pages as slots, its own Chromium launched inside the timing as the
 * product's is): the physical floor of the browser path. Target: product ≥ 0.9 of the script's pubs/min.
 *
 * Each publish is the real activity (session from the database, Chromium, the demo upload, the
 * exactly-once steps); jobs spread over four accounts so the per-account lock does not serialise them.
 * Memory is PSS (shared pages split fairly) of this process plus every Chromium process it started, sampled in a
 * second product run of each setting (reading it costs CPU, which must not count against the timed runs).
 *
 *   npm run bench:publishing                        # 12 publications per run (2 script + 2 product runs per slot setting)
 *   BENCH_PUBLICATIONS=24 npm run bench:publishing
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import postgres from 'postgres';
import type { BrowserContext } from 'playwright-core';
import { createBrowserActivities } from '../activities/index.js';
import { BrowserRuntime, chromiumLaunchSettings, type StorageState } from '../activities/publishing/browser.js';
import { demoLocators, demoPaths } from '../activities/publishing/drivers/demo-locators.js';
import { loadConfig } from '../config.js';
import { idempotencyMarker } from '../core/captions.js';
import { openDatabase } from '../db/client.js';
import { encryptJson, secretBindings } from '../crypto/secrets.js';
import { contents, platformAccounts, publications } from '../db/schema.js';
import { startDemoPlatform } from '../demo/server.js';
import { demoPassword, demoUsername, loginToDemo, seedDemo } from '../scripts/seed.js';
import { treePeakSampler } from './proc.js';

const perSetting = Number(process.env.BENCH_PUBLICATIONS ?? 12);
const slotSettings = (process.env.BENCH_SLOTS ?? '1,2,4').split(',').map(Number);
const accountCount = 4;
const adminUrl = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const execFileAsync = promisify(execFile);

/**
 * Samples the tree's memory (this process and every Chromium process it started) every 100 ms until stopped, on a
 * worker thread: a sample takes tens of milliseconds, which on the event loop held up the very jobs it measured.
 */
const memorySampler = () => treePeakSampler(process.pid, 100);

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

/**
 * The floor: what a person would script with Playwright for the same uploads — log-in state in, upload page,
 * file, caption, publish, wait for the post page — `parallel` pages at once, in one Chromium.
 */
async function plainScript(opts: { chromiumPath: string; demoUrl: string; videoPath: string; sessions: StorageState[]; count: number; parallel: number }) {
  const { chromium } = await import('playwright-core');
  const { chromiumSandbox, args } = chromiumLaunchSettings(process.getuid?.());
  const browser = await chromium.launch({ executablePath: opts.chromiumPath, headless: true, chromiumSandbox, args });
  const form = demoLocators.uploadLayouts[0]!;
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < opts.count; i = next++) {
      const context: BrowserContext = await browser.newContext({ storageState: opts.sessions[i % opts.sessions.length], viewport: { width: 1280, height: 900 }, locale: 'es-ES' });
      try {
        const page = await context.newPage();
        await page.goto(new URL(demoPaths.upload, opts.demoUrl).toString(), { waitUntil: 'domcontentloaded' });
        await page.locator(form.file).setInputFiles(opts.videoPath);
        await page.locator(form.caption).fill(`script ${i} ${randomUUID()}`);
        await page.locator(form.submit).click();
        await page.locator(demoLocators.post).first().waitFor();
      } finally {
        await context.close();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.parallel }, lane));
  } finally {
    await browser.close();
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'trafico-bench-pub-'));
  const dbName = `trafico_bench_pub_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database "${dbName}"`);
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${dbName}`;
  const demo = await startDemoPlatform({ port: 0, dataDir: join(dir, 'demo') });
  const config = loadConfig({
    DATA_DIR: join(dir, 'data'), DATABASE_URL: databaseUrl.toString(), LOG_LEVEL: 'silent',
    API_TOKEN: randomBytes(18).toString('base64url'), ADMIN_PASSWORD: 'bench-password', SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  const db = await openDatabase({ databaseUrl: config.databaseUrl });
  const log = pino({ level: 'silent' });
  try {
    const seeded = await seedDemo(db.db, config, demo.url);
    const accountIds = [seeded.accountId];
    // The script's sessions: the same accounts, logged in the same way.
    const sessions: StorageState[] = [await loginToDemo(demo.url, demoUsername, demoPassword)];
    for (let i = 1; i < accountCount; i++) {
      const username = `bench_${i}`;
      await fetch(new URL('/__admin/users', demo.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'bench-password' }) });
      // The id first: the session's ciphertext is bound to its row.
      const id = randomUUID();
      const session = await loginToDemo(demo.url, username, 'bench-password');
      sessions.push(session);
      const authData = encryptJson(config.keyring, secretBindings.accountAuthData(id), session);
      const [account] = await db.db.insert(platformAccounts)
        .values({ id, modelId: seeded.modelId, platformId: seeded.platformId, username, authData, sessionSaved: true }).returning();
      accountIds.push(account!.id);
    }
    const videoPath = join(dir, 'clip.mp4');
    await execFileAsync('ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=360x640:rate=25', '-t', '3', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', videoPath]);

    const newPublications = async (count: number) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const contentId = randomUUID();
        const publicationId = randomUUID();
        await db.db.insert(contents).values({ id: contentId, modelId: seeded.modelId, filePath: videoPath, sentBy: 'bench', status: 'approved' });
        await db.db.insert(publications).values({
          id: publicationId, contentId, accountId: accountIds[i % accountCount]!, status: 'processing',
          idempotencyMarker: idempotencyMarker(publicationId), captionUsed: `bench ${i} ${idempotencyMarker(publicationId)}`,
        });
        ids.push(publicationId);
      }
      return ids;
    };

    // Loaded before any timing: otherwise the first setting's script paid the module load and the product, which
    // loads it at its first launch, found it cached.
    await import('playwright-core');
    global.gc?.();
    // Measured as the peaks are (the sampler's worker thread included), over a second with nothing running.
    const idleSampler = memorySampler();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = await idleSampler.stop();
    console.log(`idle baseline (Node + database pool + demo platform, no Chromium): ${mb(idle)} MB PSS`);
    console.log(`${perSetting} publications per run, two runs each of script and product per setting (ABBA), over ${accountCount} accounts; 2 cores\n`);
    /** The real activity for BENCH_PUBLICATIONS new publications, submitted at once (the runtime's slots decide how many run together). */
    const runProduct = async (slots: number) => {
      const runtime = new BrowserRuntime({
        chromiumPath: config.chromiumPath, slots, keyring: config.keyring, db: db.db, log,
        waitTimeoutMs: config.browser.waitTimeoutMs, lockTimeoutMs: config.browser.lockTimeoutMs, accountLocks: db.accountLocks,
      });
      const activities = createBrowserActivities({ db: db.db, config, log, browser: runtime });
      const ids = await newPublications(perSetting);
      const started = performance.now();
      try {
        await Promise.all(ids.map((id) => new MockActivityEnvironment().run(activities.publishPublication, id)));
        return (performance.now() - started) / 1000;
      } finally {
        await runtime.close();
      }
    };

    const rows: string[][] = [['slots', 'pubs', 'seconds', 'pubs/min', 'script pubs/min', 'product/script', 'peak MB', 'peak/idle', 'MB per slot above idle']];
    for (const slots of slotSettings) {
      // Throughput: script, product, product, script (ABBA), nothing else running in this process: whatever drifts
      // during a setting (the demo platform's growing post list, the machine's other load) weighs on both sides alike
      // instead of on whichever runs second. Reading PSS costs ~5 ms of kernel time per Chromium process (~90 ms a
      // sample at 4 slots): sampled during the product's timed run it took a core from the product alone, so memory
      // has a run of its own below.
      const runScript = async () => {
        const started = performance.now();
        await plainScript({ chromiumPath: config.chromiumPath, demoUrl: demo.url, videoPath, sessions, count: perSetting, parallel: slots });
        return (performance.now() - started) / 1000;
      };
      let scriptSeconds = await runScript();
      let seconds = await runProduct(slots);
      seconds += await runProduct(slots);
      scriptSeconds += await runScript();
      const scriptPerMinute = (2 * perSetting) / (scriptSeconds / 60);
      const perMinute = (2 * perSetting) / (seconds / 60);
      // Memory: the same product run again, sampled.
      const sampler = memorySampler();
      await runProduct(slots);
      const peak = await sampler.stop();
      rows.push([
        String(slots), String(2 * perSetting), seconds.toFixed(1), perMinute.toFixed(1), scriptPerMinute.toFixed(1), (perMinute / scriptPerMinute).toFixed(2),
        mb(peak), (peak / idle).toFixed(2), mb((peak - idle) / slots),
      ]);
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const row of rows) console.log(row.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
    const posts = (await (await fetch(new URL('/__admin/posts', demo.url))).json()) as { posts: unknown[] };
    console.log(`\nposts on the demo platform: ${posts.posts.length} (expected ${5 * perSetting * slotSettings.length}: script and product twice each, product sampled for memory); target product/script ≥ 0.9`);
  } finally {
    await db.close();
    await demo.close();
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
