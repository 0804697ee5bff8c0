/**
 * Lifecycle throughput: how many content workflows of the full lifecycle (ingest → caption → approve → schedule →
 * publish with Chromium on the demo platform → one metrics read) one worker process completes per minute.
 *
 * Baseline, measured in the same run on the same stack: the pipeline without the browser (the same contents for
 * a model with no accounts: ingest, caption, approve, schedule). The ratio says what publishing costs.
 *
 *   npm run bench:lifecycle                 # 20 contents per phase
 *   BENCH_CONTENTS=50 BROWSER_SLOTS=4 npm run bench:lifecycle
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { loadConfig } from '../config.js';
import { defaultDistributionRules } from '../core/types.js';
import { startDemoPlatform } from '../demo/server.js';
import { models } from '../db/schema.js';
import { startApp } from '../main.js';
import { seedDemo } from '../scripts/seed.js';
import { findTemporalCli, startTemporalDevServer } from '../scripts/temporal.js';
import { submitContent } from '../services/contents.js';
import { freePort } from '../test/helpers/ports.js';
import type { ContentWorkflow } from '../contracts/workflows.js';

const contentsPerPhase = Number(process.env.BENCH_CONTENTS ?? 20);
const adminUrl = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const execFileAsync = promisify(execFile);

/** A 3 s clip with a unique tag, so no two are duplicates of each other. */
async function clip(path: string) {
  await execFileAsync('ffmpeg', [
    '-y', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=360x640:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-metadata', `comment=${randomUUID()}`,    '-t', '3', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path,
  ]);
  return path;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'trafico-bench-'));
  const dbName = `trafico_bench_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database "${dbName}"`);
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${dbName}`;
  const temporal = await startTemporalDevServer({ cliPath: await findTemporalCli({ build: true }), dataDir: dir, port: await freePort(), headless: true, dbFile: join(dir, 'temporal.db') });
  const demo = await startDemoPlatform({ port: 0, dataDir: join(dir, 'demo') });
  const config = loadConfig({
    DATA_DIR: join(dir, 'data'), DATABASE_URL: databaseUrl.toString(), TEMPORAL_ADDRESS: temporal.address, PORT: '0',
    API_TOKEN: randomBytes(18).toString('base64url'), ADMIN_PASSWORD: 'bench-password', SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn', METRICS_POLL_SCHEDULE: '0s',
    BROWSER_SLOTS: process.env.BROWSER_SLOTS ?? '2',
  });
  const app = await startApp(config, 'worker');
  try {
    const seeded = await seedDemo(app.db.db, config, demo.url);
    const [bare] = await app.db.db.insert(models).values({ name: 'Sin cuentas', distribution: { ...defaultDistributionRules, minSpacingMinutes: 0 } }).returning();
    const deps = { db: app.db.db, temporal: app.temporal, lifecycle: config.lifecycle };

    // Phase runner: submit N contents at once, wait for every workflow of the phase to finish.
    const run = async (modelId: string, label: string, waitPublications: boolean, count = contentsPerPhase) => {
      const files = await Promise.all(Array.from({ length: count }, (_, i) => clip(join(dir, `${label}-${i}.mp4`))));
      const started = performance.now();
      const ids = await Promise.all(files.map((filePath, i) => submitContent(deps, { modelId, filePath, originalFilename: `${label}-${i}.mp4`, context: label, sentBy: 'bench' })));
      for (const { workflowId } of ids) {
        const result = await app.temporal.workflow.getHandle<ContentWorkflow>(workflowId).result();
        if (waitPublications) {
          if (result.status !== 'scheduled') throw new Error(`${workflowId} ended ${result.status}: ${result.reason ?? ''}`);
          for (const p of result.publications) {
            const outcome = await app.temporal.workflow.getHandle(p.workflowId).result();
            if (outcome.status !== 'published') throw new Error(`${p.workflowId} ended ${outcome.status}`);
          }
        }
      }
      const minutes = (performance.now() - started) / 60_000;
      return { perMinute: count / minutes, seconds: minutes * 60 };
    };

    // Warm-up: Chromium's first launch and the first workflow tasks are not part of steady throughput.
    await run(seeded.modelId, 'warmup', true, 2).catch((error: Error) => { throw new Error(`warm-up failed: ${error.message}`); });
    const baseline = await run(bare!.id, 'baseline', false);
    const full = await run(seeded.modelId, 'full', true);
    console.log(`contents per phase: ${contentsPerPhase}, browser slots: ${config.browserSlots}, cores: ${(await import('node:os')).cpus().length}`);
    console.log(`baseline (pipeline without publishing): ${baseline.perMinute.toFixed(1)} contents/min (${baseline.seconds.toFixed(1)} s)`);
    console.log(`full lifecycle (publish + metrics read):  ${full.perMinute.toFixed(1)} contents/min (${full.seconds.toFixed(1)} s)`);
    console.log(`ratio full / baseline: ${(full.perMinute / baseline.perMinute).toFixed(2)}`);
  } finally {
    await app.close();
    await demo.close();
    await temporal.stop();
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
