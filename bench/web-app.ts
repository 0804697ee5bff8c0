/**
 * What the API benchmarks share: the web role on a fresh PostgreSQL database with a Temporal dev server beside it,
 * torn down afterwards, and the p50/p95 of a request repeated after a warm-up.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { loadConfig } from '../config.js';
import { startApp, type RunningApp } from '../main.js';
import { findTemporalCli, startTemporalDevServer } from '../scripts/temporal.js';
import { freePort } from '../test/helpers/ports.js';

/** Unmeasured runs before each measurement. */
export const warmup = 20;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** p50 / p95 of `n` runs of `fn`, after up to 20 unmeasured ones (or `warmups`). */
export async function time(n: number, fn: () => Promise<unknown>, warmups = Math.min(warmup, n)) {
  for (let i = 0; i < warmups; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

export const ms = (v: number) => `${v.toFixed(1)} ms`;

export interface BenchWebApp {
  app: RunningApp;
  apiToken: string;
  /** One connection to the bench database, for seeding and baselines. */
  sql: postgres.Sql;
  temporal: Awaited<ReturnType<typeof startTemporalDevServer>>;
}

/** Runs `body` against the web role on a database of its own (`BENCH_PG_ADMIN_URL` creates it), then removes everything. */
export async function withBenchWebApp(name: string, body: (bench: BenchWebApp) => Promise<void>): Promise<void> {
  const adminUrl = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dir = mkdtempSync(join(tmpdir(), `trafico-bench-${name}-`));
  const dbName = `trafico_bench_${name}_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database "${dbName}"`);
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${dbName}`;
  const temporal = await startTemporalDevServer({ cliPath: await findTemporalCli({ build: true }), dataDir: dir, port: await freePort(), headless: true, dbFile: join(dir, 'temporal.db') });
  const apiToken = randomBytes(18).toString('base64url');
  const config = loadConfig({
    DATA_DIR: join(dir, 'data'), DATABASE_URL: databaseUrl.toString(), TEMPORAL_ADDRESS: temporal.address, PORT: '0',
    API_TOKEN: apiToken, ADMIN_PASSWORD: 'bench-password', SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn',
  });
  const app = await startApp(config, 'web');
  const sql = postgres(databaseUrl.toString(), { max: 1, onnotice: () => undefined });
  try {
    await body({ app, apiToken, sql, temporal });
  } finally {
    await sql.end();
    await app.close();
    await temporal.stop();
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}
