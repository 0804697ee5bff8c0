/**
 * The browser layer without Temporal's server: real PostgreSQL, the real demo platform, real Chromium,
 * and the browser activities run inside the SDK's activity context (MockActivityEnvironment), so each
 * test can drive one attempt at a time and look at what it left behind.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { inject } from 'vitest';
import { createBrowserActivities } from '../../activities/index.js';
import { BrowserRuntime } from '../../activities/publishing/browser.js';
import { loadConfig, type AppConfig } from '../../config.js';
import { idempotencyMarker } from '../../core/captions.js';
import { openDatabase, type DbHandle } from '../../db/client.js';
import { contents, platformAccounts, publications } from '../../db/schema.js';
import { startDemoPlatform } from '../../demo/server.js';
import { seedDemo } from '../../scripts/seed.js';
import { makeTestVideo } from './media.js';

export interface BrowserLayer {
  db: DbHandle;
  config: AppConfig;
  demo: Awaited<ReturnType<typeof startDemoPlatform>>;
  runtime: BrowserRuntime;
  activities: ReturnType<typeof createBrowserActivities>;
  seeded: Awaited<ReturnType<typeof seedDemo>>;
  dataDir: string;
  videoPath: string;
  /** Moves the demo platform's clock (its counters grow with it; nothing else reads it). */
  advanceClock(ms: number): void;
  /** A second runtime over the same database: another worker process, as far as locking goes. */
  newRuntime(): BrowserRuntime;
  /** Runs a browser activity as Temporal attempt `attempt` would. */
  run<A extends unknown[], R>(fn: (...args: A) => Promise<R>, args: A, attempt?: number): Promise<R>;
  close(): Promise<void>;
}

export async function startBrowserLayer(opts: { waitTimeoutMs?: number; evidenceTrace?: 'retries' | 'always' | 'off' } = {}): Promise<BrowserLayer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trafico-browser-'));
  // The site's clock only moves when a test says so, so every counter it shows is exact.
  let siteNow = Date.now();
  const demo = await startDemoPlatform({ port: 0, dataDir: join(dataDir, 'demo'), now: () => siteNow });
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: inject('databaseUrl'),
    // Short waits: a held upload must give up within a test's patience.
    BROWSER_WAIT_TIMEOUT_MS: String(opts.waitTimeoutMs ?? 5000),
    BROWSER_LOCK_TIMEOUT_SECONDS: '60',
    BROWSER_SLOTS: '2',
    LOG_LEVEL: 'silent',
    ...(opts.evidenceTrace ? { EVIDENCE_TRACE: opts.evidenceTrace } : {}),
  });
  const db = await openDatabase({ databaseUrl: config.databaseUrl });
  const seeded = await seedDemo(db.db, config, demo.url);
  const log = pino({ level: 'silent' });
  const newRuntime = () =>
    new BrowserRuntime({
      chromiumPath: config.chromiumPath, slots: config.browserSlots, keyring: config.keyring, db: db.db, log,
      waitTimeoutMs: config.browser.waitTimeoutMs, lockTimeoutMs: config.browser.lockTimeoutMs, accountLocks: db.accountLocks,
    });
  const runtime = newRuntime();
  const activities = createBrowserActivities({ db: db.db, config, log, browser: runtime });
  const videoPath = await makeTestVideo(join(dataDir, 'clip.mp4'), { seconds: 1 });
  return {
    db, config, demo, runtime, activities, seeded, dataDir, videoPath, newRuntime,
    advanceClock: (ms) => void (siteNow += ms),
    run: (fn, args, attempt = 1) => new MockActivityEnvironment({ attempt }).run(fn, ...args),
    async close() {
      await runtime.close();
      await demo.close();
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A content + publication row ready to publish on the seeded demo account; returns ids and marker. */
export async function newPublication(layer: BrowserLayer, accountId = layer.seeded.accountId) {
  const contentId = randomUUID();
  const publicationId = randomUUID();
  const marker = idempotencyMarker(publicationId);
  await layer.db.db.insert(contents).values({
    id: contentId, modelId: layer.seeded.modelId, filePath: layer.videoPath, sentBy: 'test', status: 'approved',
  });
  await layer.db.db.insert(publications).values({
    id: publicationId, contentId, accountId, status: 'processing', idempotencyMarker: marker,
    captionUsed: `Prueba del navegador ${contentId.slice(0, 8)} #demo ${marker}`, tagsUsed: ['demo'],
  });
  return { contentId, publicationId, marker };
}

export async function setAccountSession(layer: BrowserLayer, authData: string | null, accountId = layer.seeded.accountId) {
  await layer.db.db.update(platformAccounts).set({ authData }).where(eq(platformAccounts.id, accountId));
}

export async function armFault(layer: BrowserLayer, fault: string, options: Record<string, unknown> = {}) {
  const response = await fetch(new URL('/__admin/faults', layer.demo.url), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fault, ...options }),
  });
  if (response.status !== 201) throw new Error(`cannot arm ${fault}: HTTP ${response.status} ${await response.text()}`);
}

export async function faultLog(layer: BrowserLayer): Promise<{ pending: unknown[]; fired: { fault: string }[] }> {
  return (await fetch(new URL('/__admin/faults', layer.demo.url))).json() as Promise<{ pending: unknown[]; fired: { fault: string }[] }>;
}

export async function clearFaults(layer: BrowserLayer) {
  await fetch(new URL('/__admin/faults', layer.demo.url), { method: 'DELETE' });
}

/** Posts on the demo platform whose caption carries the marker, with the counters the site shows now. */
export async function postsWithMarker(layer: BrowserLayer, marker: string) {
  const { posts } = (await (await fetch(new URL('/__admin/posts', layer.demo.url))).json()) as {
    posts: { id: string; caption: string; url: string; views: number; likes: number; comments: number }[];
  };
  return posts.filter((p) => p.caption.includes(marker));
}
