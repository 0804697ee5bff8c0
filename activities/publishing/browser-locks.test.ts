// The per-account locks of browser jobs against real PostgreSQL, no Chromium: the lock path alone
// (BrowserRuntime.withAccountExclusive) with job bodies that query the database as real jobs do.
// Before locks had connections of their own, each held lock pinned a pool connection inside a
// transaction, so BROWSER_SLOTS ≥ the pool size (10) deadlocked: every job's own queries waited for
// a connection another job held.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { openDatabase, type DbHandle } from '../../db/client.js';
import { AccountLockTimeout, ConnectionWaitTimeout } from '../../db/locks.js';
import { waitFor } from '../../test/helpers/wait.js';
import { BrowserRuntime } from './browser.js';
import { toFailure } from './index.js';

const log = pino({ level: 'silent' });
const handles: DbHandle[] = [];

async function open(lockConnections?: number): Promise<DbHandle> {
  // The default pool (10), as a deployment that only raised BROWSER_SLOTS would have.
  const handle = await openDatabase({ databaseUrl: inject('databaseUrl'), lockConnections });
  handles.push(handle);
  return handle;
}

function runtime(handle: DbHandle, slots: number, lockTimeoutMs: number): BrowserRuntime {
  const config = loadConfig({ DATABASE_URL: inject('databaseUrl'), BROWSER_SLOTS: String(slots), LOG_LEVEL: 'silent' });
  return new BrowserRuntime({
    chromiumPath: config.chromiumPath, slots: config.browserSlots, keyring: config.keyring, db: handle.db, log,
    waitTimeoutMs: 5000, lockTimeoutMs, accountLocks: handle.accountLocks,
  });
}

/** What a browser job does with the database while it holds its account: reads, a sleep standing for the browser, a write. */
async function jobQueries(handle: DbHandle): Promise<number> {
  await handle.db.execute(sql`select count(*) from platform_accounts`);
  await handle.db.execute(sql`select pg_sleep(0.2)`);
  const rows = (await handle.db.execute(sql`select 1 as one`)) as unknown as { one: number }[];
  return rows.length;
}

function withinMs<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} still running after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Whether some session holds the account's advisory lock (two-key locks show the second key as objid). */
const lockHeld = async (handle: DbHandle, account: string) =>
  ((await handle.db.execute(sql`select 1 from pg_locks where locktype = 'advisory' and granted and objsubid = 2
    and objid = ((hashtext(${account})::bigint + 4294967296) % 4294967296)::text::oid`)) as unknown as unknown[]).length > 0;

let handle: DbHandle;
beforeAll(async () => {
  handle = await open();
});
afterAll(async () => {
  for (const h of handles) await h.close();
});

describe('account locks', () => {
  it('runs 14 jobs at BROWSER_SLOTS=12 with the default pool, each querying while it holds its account', async () => {
    const browser = runtime(handle, 12, 30_000);
    const accounts = Array.from({ length: 14 }, () => randomUUID());
    const started = Date.now();
    const results = await withinMs(20_000, 'the 14 jobs', Promise.all(accounts.map((id) => browser.withAccountExclusive(id, () => jobQueries(handle)))));
    expect(results).toEqual(accounts.map(() => 1));
    // Ten lock connections by default: the 14 jobs go through in two waves, not one per job.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('keeps one job per account across workers: the second waits, then gives up with a retryable AccountLockTimeout', async () => {
    const first = runtime(handle, 2, 30_000);
    const second = runtime(handle, 2, 400);
    const account = randomUUID();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holding = first.withAccountExclusive(account, () => held);
    await waitFor(() => lockHeld(handle, account), { what: 'the first worker holding the account', timeoutMs: 5000 });
    const started = Date.now();
    const error = await second.withAccountExclusive(account, async () => 'ran').catch((e: Error) => e);
    expect(error).toBeInstanceOf(AccountLockTimeout);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(toFailure(error).type).toBe('Retryable');
    release();
    await holding;
    // Released: the other worker gets the account now.
    await expect(second.withAccountExclusive(account, async () => 'ran')).resolves.toBe('ran');
  });

  it('fails a wait for a lock connection at the deadline with a retryable ConnectionWaitTimeout, and recovers', async () => {
    const scarce = await open(1);
    const browser = runtime(scarce, 4, 500);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holder = randomUUID();
    const holding = browser.withAccountExclusive(holder, () => held);
    // The only lock connection is in use once its holder's lock shows in pg_locks.
    await waitFor(() => lockHeld(scarce, holder), { what: 'the only lock connection in use', timeoutMs: 5000 });
    const started = Date.now();
    const error = await withinMs(5000, 'the waiting job', browser.withAccountExclusive(randomUUID(), async () => 'ran').catch((e: Error) => e));
    expect(error).toBeInstanceOf(ConnectionWaitTimeout);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(toFailure(error)).toMatchObject({ type: 'Retryable', nonRetryable: false });
    release();
    await holding;
    // The connection the timed-out wait was promised went back: the next job runs.
    await expect(withinMs(5000, 'the job after', browser.withAccountExclusive(randomUUID(), async () => 'ran'))).resolves.toBe('ran');
  });
});
