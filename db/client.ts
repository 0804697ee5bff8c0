/**
 * Database factory: PostgreSQL when a URL is given, otherwise an embedded PGlite under the data dir.
 * Both run the same drizzle-kit migrations from db/migrations at open.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { openAccountLocks, type AccountLocks } from './locks.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** The driver-independent database handle every query function takes. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface DbHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** PostgreSQL only: the per-account locks of browser jobs, on connections of their own (locks.ts). */
  accountLocks?: AccountLocks;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl?: string;
  pgliteDir?: string;
  /** Main pool size (DATABASE_POOL_MAX); config.ts derives the default from BROWSER_SLOTS. */
  poolMax?: number;
  /** Account locks held at once, one connection each (BROWSER_SLOTS); opened only when used. */
  lockConnections?: number;
  /** PGlite: create a new database here rather than in a child process (pglite-init.ts itself). */
  initInThisProcess?: boolean;
}

/** Seconds to establish a connection before the query fails (postgres.js waits 30 by default). */
const connectTimeoutSeconds = 10;

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** PostgreSQL's start-up options for PGlite (also used by pglite-init.ts through openDatabase). */
const pgliteStartParams = (defaults: string[]) => [
  ...defaults,
  // shared_buffers 16 MB instead of 128: lives in the WASM heap, so it is resident memory of this process
  // (~120 MB less idle RSS); the OS page cache still holds the data files.
  '-c', 'shared_buffers=16MB',
];

/**
 * A new PGlite database is created (initdb + migrations) by pglite-init in a child process: the ~700 MB initdb
 * allocates on the way never enter the long-running process (pglite-init.ts says why). The .ts under tsx/vitest,
 * the compiled .js under dist/.
 */
async function initPgliteInChild(dir: string): Promise<void> {
  const script = fileURLToPath(new URL(`./pglite-init.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
  try {
    await promisify(execFile)(process.execPath, [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), script, dir], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`creating the PGlite database in ${dir} failed: ${stderr?.trim() || (error as Error).message}`);
  }
}

/**
 * Settings of every pooled connection. Our queries are short and index-driven (the dashboard's reads, the click
 * flush, the workers' steps), so neither of PostgreSQL's tools for long scans pays: JIT compiling costs more than it
 * saves, and parallel workers cost more to start than they save (bench/analytics.ts's data, 10 M clicks, 30 days:
 * clicks by account 55 → 9 ms, by publication 247 → 99 ms p50 without them; bench/README.md), while taking the second
 * core from the tracking redirects. The rare long jobs (rollup repair, retention) run in one process too.
 * Exported so benchmarks explain plans under the same settings.
 */
export const sessionSettings = { jit: 'off', max_parallel_workers_per_gather: '0' } as const;

export async function openDatabase(opts: OpenDatabaseOptions): Promise<DbHandle> {
  if (opts.databaseUrl) {
    const { default: postgres } = await import('postgres');
    const { drizzle } = await import('drizzle-orm/postgres-js');
    const { migrate } = await import('drizzle-orm/postgres-js/migrator');
    // No job holds a pool connection for long (locks have their own), so the pool only needs room for
    // the queries in flight at once; idle connections are closed rather than kept for ever.
    const client = postgres(opts.databaseUrl, {
      max: opts.poolMax ?? 10,
      connect_timeout: connectTimeoutSeconds,
      idle_timeout: 300,
      onnotice: () => undefined,
      connection: sessionSettings,
    });
    const db = drizzle(client, { schema });
    await migrate(db, { migrationsFolder });
    const accountLocks = openAccountLocks(opts.databaseUrl, { connections: opts.lockConnections ?? 10, connectTimeoutSeconds });
    return {
      db: db as unknown as Db,
      kind: 'postgres',
      accountLocks,
      close: async () => {
        await accountLocks.close();
        await client.end({ timeout: 5 });
      },
    };
  }
  if (!opts.pgliteDir) throw new Error('openDatabase needs databaseUrl or pgliteDir');
  mkdirSync(opts.pgliteDir, { recursive: true });
  if (!opts.initInThisProcess && !existsSync(join(opts.pgliteDir, 'PG_VERSION'))) await initPgliteInChild(opts.pgliteDir);
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const client = new PGlite(opts.pgliteDir, { startParams: pgliteStartParams(PGlite.defaultStartParams) });
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  return { db: db as unknown as Db, kind: 'pglite', close: () => client.close() };
}

/** Runs `fn` in one transaction: everything it writes lands together or not at all. */
export async function inTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => fn(tx as unknown as Db));
}

export async function pingDb(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
