/**
 * Platform accounts: look-ups with platform and model, status changes that move publications, the per-account
 * advisory lock of browser jobs, saved sessions and session checks.
 */
import { and, desc, eq, ilike, inArray, isNotNull, ne, or, sql, type SQL } from 'drizzle-orm';
import type { SessionHealthState } from '../contracts/api/statuses.js';
import type { AccountStatus, PublicationStatus, BrowserProfile } from '../core/types.js';
import { subtractAccountFromStudioRollups } from './clicks.js';
import type { Db } from './client.js';
import { clicks, models, platformAccounts, platforms, publications, trackingCodeHistory, type PlatformAccount } from './schema.js';

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

/**
 * An account's session at a glance, in SQL so the list can filter and count by it (contracts/api/accounts.ts
 * SessionHealth says what each state means).
 */
export const sessionHealthSql = sql<SessionHealthState>`(case
  when ${platformAccounts.authData} is null then 'no_session'
  when ${platformAccounts.status} = 'session_expired' or ${platformAccounts.lastSessionState} = 'logged_out' then 'expired'
  when ${platformAccounts.lastSessionState} = 'challenge' then 'challenge'
  when ${platformAccounts.lastSessionState} is null then 'unchecked'
  when ${platformAccounts.lastSessionState} = 'logged_in' then 'ok'
  else 'unknown' end)`;

export interface AccountListFilter {
  /** Part of the username, the model's or the platform's name (case-insensitive; wildcards are literal). */
  q?: string;
  modelId?: string;
  platformId?: string;
  status?: AccountStatus;
  health?: SessionHealthState;
}

/** The keyset of the accounts list: model name, platform name, username, id. */
export interface AccountListKey {
  modelName: string;
  platformName: string;
  username: string;
  id: string;
}

/** `%`, `_` and `\` as themselves in a LIKE pattern (backslash is PostgreSQL's default escape). */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function accountFilter(filter: AccountListFilter): SQL[] {
  const where: SQL[] = [];
  const q = filter.q?.trim().replace(/^@/, '');
  if (q) {
    const pattern = `%${likeLiteral(q)}%`;
    where.push(or(ilike(platformAccounts.username, pattern), ilike(models.name, pattern), ilike(platforms.name, pattern))!);
  }
  if (filter.modelId) where.push(eq(platformAccounts.modelId, filter.modelId));
  if (filter.platformId) where.push(eq(platformAccounts.platformId, filter.platformId));
  if (filter.status) where.push(eq(platformAccounts.status, filter.status));
  if (filter.health) where.push(sql`${sessionHealthSql} = ${filter.health}`);
  return where;
}

const accountViewColumns = {
  account: platformAccounts,
  platformName: platforms.name,
  driver: sql<string>`${platforms.technicalConfig}->>'driver'`,
  modelName: models.name,
  modelSensitive: models.sensitive,
  publicationCount: sql<number>`(select count(*)::int from ${publications} where ${publications.accountId} = ${platformAccounts.id})`,
  sessionHealth: sessionHealthSql,
};

export type AccountViewRow = { account: PlatformAccount; platformName: string; driver: string; modelName: string; modelSensitive: boolean; publicationCount: number; sessionHealth: SessionHealthState };

/** A page of accounts for the admin, ordered by model name, platform, username (then id), after `after`. */
export async function listAccountsPage(db: Db, filter: AccountListFilter, page: { limit: number; after?: AccountListKey }): Promise<AccountViewRow[]> {
  const where = accountFilter(filter);
  if (page.after) {
    const a = page.after;
    where.push(sql`(${models.name}, ${platforms.name}, ${platformAccounts.username}, ${platformAccounts.id}) > (${a.modelName}, ${a.platformName}, ${a.username}, ${a.id}::uuid)`);
  }
  return db
    .select(accountViewColumns)
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(models.name, platforms.name, platformAccounts.username, platformAccounts.id)
    .limit(page.limit);
}

/** Every account matching the filter (all pages) counted by session health. */
export async function countAccountsByHealth(db: Db, filter: AccountListFilter): Promise<{ health: SessionHealthState; n: number }[]> {
  const where = accountFilter(filter);
  return db
    .select({ health: sessionHealthSql, n: sql<number>`count(*)::int` })
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .where(where.length ? and(...where) : undefined)
    .groupBy(sessionHealthSql);
}

/** One account as the list shows it. */
export async function findAccountView(db: Db, accountId: string): Promise<AccountViewRow | undefined> {
  const [row] = await db
    .select(accountViewColumns)
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .where(eq(platformAccounts.id, accountId));
  return row;
}

/** The account of the platform with this username, ignoring case (platforms treat `Ana` and `ana` as one), but not `exceptId`. */
export async function findAccountByUsername(db: Db, platformId: string, username: string, exceptId?: string) {
  const [row] = await db.select({ id: platformAccounts.id }).from(platformAccounts)
    .where(and(
      eq(platformAccounts.platformId, platformId),
      sql`lower(${platformAccounts.username}) = lower(${username})`,
      ...(exceptId ? [ne(platformAccounts.id, exceptId)] : []),
    ));
  return row;
}

export async function insertAccount(db: Db, values: typeof platformAccounts.$inferInsert): Promise<PlatformAccount> {
  const [row] = await db.insert(platformAccounts).values(values).returning();
  return row!;
}

/** The account with its platform and model, its row locked for the rest of the transaction. */
export async function lockAccountWithContext(tx: Db, accountId: string) {
  const [row] = await tx
    .select({ account: platformAccounts, platform: platforms, model: models })
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .where(eq(platformAccounts.id, accountId))
    .for('update', { of: platformAccounts });
  return row;
}

export async function updateAccountFields(
  db: Db, accountId: string, values: Partial<Pick<PlatformAccount, 'username' | 'profileUrl' | 'streamUrl' | 'trackingCode' | 'status' | 'publishSettings'>>,
) {
  await db.update(platformAccounts).set(values).where(eq(platformAccounts.id, accountId));
}

/** Whether a code is any account's tracking code, now or before. */
export async function trackingCodeTaken(db: Db, code: string): Promise<boolean> {
  const [current] = await db.select({ id: platformAccounts.id }).from(platformAccounts).where(eq(platformAccounts.trackingCode, code)).limit(1);
  if (current) return true;
  const [retired] = await db.select({ code: trackingCodeHistory.code }).from(trackingCodeHistory).where(eq(trackingCodeHistory.code, code)).limit(1);
  return retired !== undefined;
}

export async function retireTrackingCode(db: Db, accountId: string, code: string) {
  await db.insert(trackingCodeHistory).values({ code, accountId }).onConflictDoNothing();
}

/** The account's earlier tracking codes, newest first. */
export async function retiredTrackingCodes(db: Db, accountId: string): Promise<string[]> {
  const rows = await db.select({ code: trackingCodeHistory.code }).from(trackingCodeHistory)
    .where(eq(trackingCodeHistory.accountId, accountId)).orderBy(desc(trackingCodeHistory.retiredAt), desc(trackingCodeHistory.code));
  return rows.map((r) => r.code);
}

export async function countAccountPublications(db: Db, accountId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(publications).where(eq(publications.accountId, accountId));
  return row?.n ?? 0;
}

/**
 * Deletes the account: its part of the studio-wide rollups is taken out first, its own rollups go by cascade, and its
 * raw clicks are deleted here (`clicks` has no foreign keys; db/schema.ts says why).
 */
export async function deleteAccountRow(db: Db, accountId: string) {
  await subtractAccountFromStudioRollups(db, accountId);
  await db.delete(platformAccounts).where(eq(platformAccounts.id, accountId));
  await db.delete(clicks).where(eq(clicks.accountId, accountId));
}

/** Holds the account's scheduled publications (it was deactivated). */
export async function holdAccountPublications(tx: Db, accountId: string) {
  return tx.update(publications).set({ status: 'held' })
    .where(and(eq(publications.accountId, accountId), eq(publications.status, 'scheduled')))
    .returning({ id: publications.id, contentId: publications.contentId });
}

/**
 * Releases the account's held publications when nothing else holds them: its model is not paused and its
 * platform is active (else they stay held until that changes).
 */
export async function releaseAccountPublications(tx: Db, accountId: string) {
  const free = tx.select({ id: platformAccounts.id }).from(platformAccounts)
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(and(eq(platformAccounts.id, accountId), ne(models.status, 'paused'), eq(platforms.active, true)));
  return tx.update(publications).set({ status: 'scheduled' })
    .where(and(eq(publications.accountId, accountId), eq(publications.status, 'held'), inArray(publications.accountId, free)))
    .returning({ id: publications.id });
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

// The per-account lock of browser jobs lives in locks.ts, on connections of its own.
export { AccountLockTimeout } from './locks.js';

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
    .select({ id: platformAccounts.id, driver: sql<string>`${platforms.technicalConfig}->>'driver'` })
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(and(isNotNull(platformAccounts.authData), inArray(platformAccounts.status, ['active', 'paused', 'session_expired']), eq(platforms.active, true)))
    .orderBy(platformAccounts.id);
}

/**
 * Runs `fn` with the account's row locked and its encrypted `auth_data` as it is now; what `fn` returns as
 * `next` is stored before the lock is released. Two workers refreshing one account's tokens queue here, so a
 * rotated refresh token is never spent twice.
 */
export async function withLockedAuthData<T>(
  db: Db, accountId: string, fn: (authData: string | null) => Promise<{ next?: string; result: T }>,
): Promise<T> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ authData: platformAccounts.authData }).from(platformAccounts)
      .where(eq(platformAccounts.id, accountId)).for('update');
    if (!row) throw new Error(`account ${accountId} not found`);
    const { next, result } = await fn(row.authData);
    if (next !== undefined) await tx.update(platformAccounts).set({ authData: next, sessionSaved: true }).where(eq(platformAccounts.id, accountId));
    return result;
  });
}

export async function readAuthData(db: Db, accountId: string): Promise<string | null> {
  const [row] = await db.select({ authData: platformAccounts.authData }).from(platformAccounts).where(eq(platformAccounts.id, accountId));
  return row?.authData ?? null;
}
