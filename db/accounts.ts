/**
 * Platform accounts: look-ups with platform and model, status changes that move publications, the per-account
 * advisory lock of browser jobs, saved sessions and session checks.
 */
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { AccountStatus, PublicationStatus, BrowserProfile } from '../core/types.js';
import { type Db, inTransaction } from './client.js';
import { models, platformAccounts, platforms, publications } from './schema.js';

/** An account with its platform and model: what a browser job builds its context from, and what notices name. */
export async function accountContext(db: Db, accountId: string) {
  const [row] = await db
    .select({ account: platformAccounts, platform: platforms, model: models })
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .where(eq(platformAccounts.id, accountId));
  return row;
}

export type AccountContext = NonNullable<Awaited<ReturnType<typeof accountContext>>>;

/** Every account with the names an admin reads, for the accounts page. */
export async function listAccounts(db: Db) {
  return db
    .select({ account: platformAccounts, platformName: platforms.name, modelName: models.name })
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .orderBy(models.name, platforms.name, platformAccounts.username);
}

export async function findAccountWithPlatform(db: Db, accountId: string) {
  const [row] = await db
    .select({ account: platformAccounts, platform: platforms })
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(eq(platformAccounts.id, accountId));
  return row;
}

/** Row-locks accounts in id order (inside a transaction): concurrent schedulers queue up instead of sharing a slot, and never deadlock. */
export async function lockAccounts(tx: Db, accountIds: string[]) {
  if (accountIds.length === 0) return;
  await tx.select({ id: platformAccounts.id }).from(platformAccounts)
    .where(inArray(platformAccounts.id, [...accountIds].sort()))
    .orderBy(platformAccounts.id)
    .for('update');
}

/**
 * Sets an account's status and moves its publications from one status to another, together: pausing holds the
 * scheduled ones, resuming releases the held ones. Returns the publications moved.
 */
export async function setAccountStatusMoving(
  db: Db, accountId: string, status: AccountStatus, move: { from: PublicationStatus; to: PublicationStatus },
) {
  return db.transaction(async (tx) => {
    await tx.update(platformAccounts).set({ status }).where(eq(platformAccounts.id, accountId));
    return tx.update(publications).set({ status: move.to })
      .where(and(eq(publications.accountId, accountId), eq(publications.status, move.from)))
      .returning({ id: publications.id, workflowId: publications.workflowId });
  });
}

/** PostgreSQL's lock_timeout error: the account stayed busy in another worker past the deadline. */
export class AccountLockTimeout extends Error {
  constructor(accountId: string, timeoutMs: number) {
    super(`account ${accountId} stayed busy in another worker for ${Math.round(timeoutMs / 1000)} s`);
    this.name = 'AccountLockTimeout';
  }
}

/**
 * Runs `fn` holding a transaction-scoped advisory lock on the account, so no two worker processes
 * drive the same account at once (publishing, metrics reads and session checks alike). The lock
 * lives as long as the transaction: a killed worker's connection drops and releases it. `fn` writes
 * through the pool, not the transaction, so its rows are visible at once.
 */
export async function withAccountLock<T>(db: Db, accountId: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  return inTransaction(db, async (tx) => {
    await tx.execute(sql.raw(`set local lock_timeout = ${Math.max(1, Math.round(timeoutMs))}`));
    try {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('browser-account'), hashtext(${accountId}))`);
    } catch (error) {
      if ((error as { code?: string }).code === '55P03') throw new AccountLockTimeout(accountId, timeoutMs);
      throw error;
    }
    return fn();
  });
}

/**
 * Saves the storageState a job ends with, unless the stored session changed while the job ran (a
 * session imported mid-job must win over the older one the job started from). Returns whether it saved.
 */
export async function saveSessionIfUnchanged(db: Db, accountId: string, expected: string | null, next: string): Promise<boolean> {
  const unchanged = expected === null ? sql`${platformAccounts.authData} is null` : eq(platformAccounts.authData, expected);
  const rows = await db
    .update(platformAccounts)
    .set({ authData: next, sessionSaved: true })
    .where(and(eq(platformAccounts.id, accountId), unchanged))
    .returning({ id: platformAccounts.id });
  return rows.length > 0;
}

export async function updateAccountBrowser(db: Db, accountId: string, values: { browserProfile: BrowserProfile; proxyEncrypted: string | null }) {
  await db.update(platformAccounts).set(values).where(eq(platformAccounts.id, accountId));
}

/** Stores an imported or freshly logged-in session (encrypted by the caller). */
export async function storeAccountSession(db: Db, accountId: string, encryptedState: string) {
  await db
    .update(platformAccounts)
    .set({ authData: encryptedState, sessionSaved: true, lastSessionState: null, lastSessionCheckAt: null })
    .where(eq(platformAccounts.id, accountId));
}

export async function recordSessionState(db: Db, accountId: string, state: string) {
  const now = new Date();
  await db
    .update(platformAccounts)
    .set({ lastSessionState: state, lastSessionCheckAt: now, ...(state === 'logged_in' ? { lastAuthenticatedAt: now } : {}) })
    .where(eq(platformAccounts.id, accountId));
}

/** Accounts the periodic session check visits: a saved session and not disabled. */
export async function accountsToCheck(db: Db) {
  return db
    .select({ id: platformAccounts.id })
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(and(isNotNull(platformAccounts.authData), inArray(platformAccounts.status, ['active', 'paused', 'session_expired']), eq(platforms.active, true)))
    .orderBy(platformAccounts.id);
}
