/** Queries of the browser layer: per-account locks, saved sessions, session checks, post liveness. */
import { and, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { models, platformAccounts, platforms, publicationMetrics, publications } from './schema.js';
import { inTransaction } from './media-queries.js';
import type { BrowserProfile, PostMetrics } from '../core/types.js';

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

/** The newest stored counters of a publication, the base that metric reads merge into. */
export async function latestMetrics(db: Db, publicationId: string): Promise<Partial<PostMetrics> | null> {
  const [row] = await db
    .select({ views: publicationMetrics.views, likes: publicationMetrics.likes, comments: publicationMetrics.comments, shares: publicationMetrics.shares })
    .from(publicationMetrics)
    .where(eq(publicationMetrics.publicationId, publicationId))
    .orderBy(desc(publicationMetrics.ts), desc(publicationMetrics.id))
    .limit(1);
  if (!row) return null;
  const metrics: Partial<PostMetrics> = {};
  for (const [name, value] of Object.entries(row) as [keyof PostMetrics, number | null][]) if (value !== null) metrics[name] = value;
  return metrics;
}

/**
 * Counts one more consecutive read that found the post missing; the second one marks it deleted.
 * Returns the count after this read and whether the post is now deleted.
 */
export async function recordPostMissing(db: Db, publicationId: string): Promise<{ missingChecks: number; deleted: boolean }> {
  const [row] = await db
    .update(publications)
    .set({
      missingChecks: sql`${publications.missingChecks} + 1`,
      deletedAt: sql`case when ${publications.missingChecks} + 1 >= 2 then coalesce(${publications.deletedAt}, now()) else ${publications.deletedAt} end`,
    })
    .where(eq(publications.id, publicationId))
    .returning({ missingChecks: publications.missingChecks, deletedAt: publications.deletedAt });
  return { missingChecks: row?.missingChecks ?? 0, deleted: Boolean(row?.deletedAt) };
}

/** A read found the post again: the missing streak starts over. */
export async function recordPostSeen(db: Db, publicationId: string) {
  await db.update(publications).set({ missingChecks: 0 }).where(and(eq(publications.id, publicationId), sql`${publications.missingChecks} > 0`));
}
