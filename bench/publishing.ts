/**
 * Browser publishing layer: publications per minute and peak memory per browser slot against the demo
 * platform, for 1, 2 and 4 slots. The baseline, measured in the same run, is the idle process (this
 * Node process with its database pool and the demo platform, before Chromium starts).
 *
 * Each publish is the real activity (session from the database, Chromium, the demo upload, the
 * exactly-once steps); jobs spread over four accounts so the per-account lock does not serialise them.
 * Memory is PSS (shared pages split fairly) of this process plus every Chromium process it started.
 *
 *   npm run bench:publishing                        # 12 publications per slot setting
 *   BENCH_PUBLICATIONS=24 npm run bench:publishing
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import postgres from 'postgres';
import { createBrowserActivities } from '../activities/index.js';
import { BrowserRuntime } from '../activities/publishing/browser.js';
import { loadConfig } from '../config.js';
import { idempotencyMarker } from '../core/captions.js';
import { openDatabase } from '../db/client.js';
import { encryptJson } from '../crypto/secrets.js';
import { contents, platformAccounts, publications } from '../db/schema.js';
import { startDemoPlatform } from '../demo/server.js';
import { loginToDemo, seedDemo } from '../scripts/seed.js';

const perSetting = Number(process.env.BENCH_PUBLICATIONS ?? 12);
const slotSettings = [1, 2, 4];
const accountCount = 4;
const adminUrl = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const execFileAsync = promisify(execFile);

/** Proportional set size (kB → bytes) of a process; 0 when it is gone. */
function pss(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** This process and all its descendants (Chromium's browser, renderer, GPU and utility processes). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

const treeMemory = () => processTree(process.pid).reduce((sum, pid) => sum + pss(pid), 0);

/** Samples the tree's memory every 100 ms until stopped; returns the peak. */
function memorySampler() {
  let peak = treeMemory();
  const timer = setInterval(() => (peak = Math.max(peak, treeMemory())), 100);
  return { stop: () => (clearInterval(timer), Math.max(peak, treeMemory())) };
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

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
    for (let i = 1; i < accountCount; i++) {
      const username = `bench_${i}`;
      await fetch(new URL('/__admin/users', demo.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'bench-password' }) });
      const authData = encryptJson(config.encryptionKey, await loginToDemo(demo.url, username, 'bench-password'));
      const [account] = await db.db.insert(platformAccounts)
        .values({ modelId: seeded.modelId, platformId: seeded.platformId, username, authData, sessionSaved: true }).returning();
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

    global.gc?.();
    const idle = treeMemory();
    console.log(`idle baseline (Node + database pool + demo platform, no Chromium): ${mb(idle)} MB PSS`);
    console.log(`${perSetting} publications per setting over ${accountCount} accounts; 2 cores\n`);
    const rows: string[][] = [['slots', 'pubs', 'seconds', 'pubs/min', 'peak MB', 'peak/idle', 'MB per slot above idle']];
    for (const slots of slotSettings) {
      const runtime = new BrowserRuntime({
        chromiumPath: config.chromiumPath, slots, encryptionKey: config.encryptionKey, db: db.db, log,
        waitTimeoutMs: config.browser.waitTimeoutMs, lockTimeoutMs: config.browser.lockTimeoutMs, crossProcessLock: true,
      });
      const activities = createBrowserActivities({ db: db.db, config, log, browser: runtime });
      const ids = await newPublications(perSetting);
      const sampler = memorySampler();
      const started = performance.now();
      // Every publication is submitted at once; the runtime's slots decide how many run together.
      await Promise.all(ids.map((id) => new MockActivityEnvironment().run(activities.publishPublication, id)));
      const seconds = (performance.now() - started) / 1000;
      const peak = sampler.stop();
      await runtime.close();
      rows.push([
        String(slots), String(ids.length), seconds.toFixed(1), (ids.length / (seconds / 60)).toFixed(1),
        mb(peak), (peak / idle).toFixed(2), mb((peak - idle) / slots),
      ]);
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const row of rows) console.log(row.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
    const posts = (await (await fetch(new URL('/__admin/posts', demo.url))).json()) as { posts: unknown[] };
    console.log(`\nposts on the demo platform: ${posts.posts.length} (expected ${perSetting * slotSettings.length})`);
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
