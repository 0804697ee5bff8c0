/**
 * Per-account locks across worker processes: a session-level PostgreSQL advisory lock held on a
 * connection of its own, outside the main pool. A job runs for minutes; holding a pool connection
 * (the old transaction-scoped lock) for that long starved the pool the job's own queries need —
 * at BROWSER_SLOTS ≥ the pool size every job waited on a connection held by another: a deadlock.
 *
 * The lock lives as long as its connection: a killed worker's connection drops and releases it.
 * Every wait is bounded: for a free lock connection (postgres.js has no acquire timeout, so the
 * wait is raced against the deadline) and for the lock itself (`lock_timeout`), from one deadline.
 */
import type postgres from 'postgres';

/** PostgreSQL's lock_timeout error: the account stayed busy in another worker past the deadline. */
export class AccountLockTimeout extends Error {
  constructor(accountId: string, timeoutMs: number) {
    super(`account ${accountId} stayed busy in another worker for ${Math.round(timeoutMs / 1000)} s`);
    this.name = 'AccountLockTimeout';
  }
}

/** No database connection came free before the deadline: retrying later helps, waiting forever does not. */
export class ConnectionWaitTimeout extends Error {
  readonly retryable = true;
  constructor(what: string, timeoutMs: number) {
    super(`no database connection for ${what} within ${Math.round(timeoutMs)} ms`);
    this.name = 'ConnectionWaitTimeout';
  }
}

export interface AccountLocks {
  /** Runs `fn` holding the account's lock; waits at most `timeoutMs` for a connection and the lock together. */
  hold<T>(accountId: string, timeoutMs: number, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface AccountLockOptions {
  /** Locks held at once (one connection each); more wait for one, within their deadline. */
  connections: number;
  connectTimeoutSeconds?: number;
}

/** Opens nothing until the first lock: the web and bot roles never connect. */
export function openAccountLocks(databaseUrl: string, opts: AccountLockOptions): AccountLocks {
  let client: Promise<postgres.Sql> | undefined;
  const sql = () =>
    (client ??= import('postgres').then(({ default: connect }) =>
      connect(databaseUrl, {
        max: Math.max(1, opts.connections),
        connect_timeout: opts.connectTimeoutSeconds ?? 10,
        // Unused lock connections go away; a reserved one is never ended while it holds a lock.
        idle_timeout: 60,
        onnotice: () => undefined,
      }),
    ));

  return {
    async hold(accountId, timeoutMs, fn) {
      const deadline = Date.now() + timeoutMs;
      const reserving = sql().then((client) => client.reserve());
      const conn = await raceDeadline(reserving, timeoutMs);
      if (!conn) {
        // The connection still comes eventually: give it straight back.
        void reserving.then((late) => late.release(), () => undefined);
        throw new ConnectionWaitTimeout(`the lock of account ${accountId}`, timeoutMs);
      }
      let locked = false;
      try {
        // The same key as the former transaction-scoped lock, so old and new workers exclude each other.
        // A free lock (the usual case: one account's jobs already queue in process) is one round trip.
        const [tried] = await conn<{ locked: boolean }[]>`select pg_try_advisory_lock(hashtext('browser-account'), hashtext(${accountId})) as locked`;
        locked = tried?.locked === true;
        if (!locked) {
          const remaining = Math.max(1, Math.round(deadline - Date.now()));
          await conn`select set_config('lock_timeout', ${String(remaining)}, false)`;
          try {
            await conn`select pg_advisory_lock(hashtext('browser-account'), hashtext(${accountId}))`;
            locked = true;
          } catch (error) {
            if ((error as { code?: string }).code === '55P03') throw new AccountLockTimeout(accountId, timeoutMs);
            throw error;
          }
        }
        return await fn();
      } finally {
        // A failed unlock means a broken connection, and a closed connection holds no lock.
        if (locked) await conn`select pg_advisory_unlock(hashtext('browser-account'), hashtext(${accountId}))`.catch(() => undefined);
        conn.release();
      }
    },
    async close() {
      await (await client)?.end({ timeout: 5 });
    },
  };
}

/** The promise's value, or undefined once `ms` pass first (the promise keeps running). */
async function raceDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
