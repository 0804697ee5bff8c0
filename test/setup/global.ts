/**
 * Once per `npm test`: a real Temporal dev server from the pinned CLI (random ports, throwaway
 * SQLite) and a fresh PostgreSQL database, both torn down at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { findTemporalCli, repoRoot, startTemporalDevServer } from '../../scripts/temporal.js';
import { findTimeSkippingServer } from '../../scripts/time-skipping-server.js';
import { freePort } from '../helpers/ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalUiUrl: string;
    databaseUrl: string;
  }
}

const adminUrl = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export default async function setup(project: TestProject) {
  // The dashboard tests read the built SvelteKit app; build it fresh so they never see a stale one
  // (TEST_SKIP_UI_BUILD=1: the caller just built it, e.g. while several test runs share one checkout).
  if (process.env.TEST_SKIP_UI_BUILD !== '1') {
    execFileSync('npm', ['run', '--silent', 'build:ui'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const dir = mkdtempSync(join(tmpdir(), 'trafico-test-'));
  const cliPath = await findTemporalCli({ build: true, log: (line) => console.log(line) });
  // The workflow timer tests' server (test/time-skipping.test.ts): built once from the Go module proxy, then cached.
  await findTimeSkippingServer({ build: true, log: (line) => console.log(line) });
  const temporal = await startTemporalDevServer({
    cliPath,
    dataDir: dir,
    port: await freePort(),
    uiPort: await freePort(),
    logFile: join(dir, 'temporal.log'),
  });

  const dbName = `trafico_test_${Date.now()}_${process.pid}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`create database "${dbName}"`);
  } catch (error) {
    await temporal.stop();
    throw new Error(`cannot create the test database through ${adminUrl} (is PostgreSQL running?): ${(error as Error).message}`);
  }
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${dbName}`;

  project.provide('temporalAddress', temporal.address);
  project.provide('temporalUiUrl', temporal.uiUrl);
  project.provide('databaseUrl', databaseUrl.toString());

  return async () => {
    await temporal.stop();
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  };
}
