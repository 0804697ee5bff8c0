/**
 * Platforms: the admin's list (with account counts), look-ups, edits, and the publications a platform's
 * enabling or disabling moves. Callers that change several rows run these inside one transaction.
 */
import { and, asc, eq, gt, inArray, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { models, platformAccounts, platforms, publications, type Platform } from './schema.js';

/** A page of platforms in name order (then id), after the keyset `after`, each with its account count. */
export async function listPlatformsPage(db: Db, opts: { limit: number; after?: { name: string; id: string } }) {
  const where: SQL | undefined = opts.after
    ? or(gt(platforms.name, opts.after.name), and(eq(platforms.name, opts.after.name), gt(platforms.id, opts.after.id)))
    : undefined;
  const accountCount = db
    .select({ platformId: platformAccounts.platformId, n: sql<number>`count(*)::int`.as('n') })
    .from(platformAccounts)
    .groupBy(platformAccounts.platformId)
    .as('account_counts');
  return db
    .select({ platform: platforms, accountCount: sql<number>`coalesce(${accountCount.n}, 0)::int` })
    .from(platforms)
    .leftJoin(accountCount, eq(accountCount.platformId, platforms.id))
    .where(where)
    .orderBy(asc(platforms.name), asc(platforms.id))
    .limit(opts.limit);
}

export async function findPlatform(db: Db, id: string): Promise<Platform | undefined> {
  const [row] = await db.select().from(platforms).where(eq(platforms.id, id));
  return row;
}

/** The platform row locked for the rest of the transaction, so two edits of one platform queue up. */
export async function lockPlatform(tx: Db, id: string): Promise<Platform | undefined> {
  const [row] = await tx.select().from(platforms).where(eq(platforms.id, id)).for('update');
  return row;
}

export async function countPlatformAccounts(db: Db, platformId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(platformAccounts).where(eq(platformAccounts.platformId, platformId));
  return row?.n ?? 0;
}

export async function updatePlatform(db: Db, id: string, values: Partial<Pick<Platform, 'active' | 'capabilities' | 'technicalConfig'>>) {
  const [row] = await db.update(platforms).set(values).where(eq(platforms.id, id)).returning();
  return row;
}

/** What an event about a moved publication links to. */
export interface MovedPublication {
  id: string;
  contentId: string;
  accountId: string;
  modelId: string;
  username: string;
}

const ofPlatform = (db: Db, platformId: string) =>
  db.select({ id: platformAccounts.id }).from(platformAccounts).where(eq(platformAccounts.platformId, platformId));

async function withLinks(db: Db, moved: { id: string; contentId: string; accountId: string }[]): Promise<MovedPublication[]> {
  if (moved.length === 0) return [];
  const accounts = await db
    .select({ id: platformAccounts.id, modelId: platformAccounts.modelId, username: platformAccounts.username })
    .from(platformAccounts)
    .where(inArray(platformAccounts.id, [...new Set(moved.map((p) => p.accountId))]));
  const byId = new Map(accounts.map((a) => [a.id, a]));
  return moved.map((p) => ({ ...p, modelId: byId.get(p.accountId)!.modelId, username: byId.get(p.accountId)!.username }));
}

/** Holds every scheduled publication of the platform's accounts (a disabled platform publishes nothing). */
export async function holdPlatformPublications(tx: Db, platformId: string): Promise<MovedPublication[]> {
  const moved = await tx.update(publications).set({ status: 'held' })
    .where(and(eq(publications.status, 'scheduled'), inArray(publications.accountId, ofPlatform(tx, platformId))))
    .returning({ id: publications.id, contentId: publications.contentId, accountId: publications.accountId });
  return withLinks(tx, moved);
}

/**
 * Releases the platform's held publications that nothing else holds: their account is active and their
 * model not paused (those stay held until the account is resumed or the model resumed).
 */
export async function releasePlatformPublications(tx: Db, platformId: string): Promise<MovedPublication[]> {
  const free = tx.select({ id: platformAccounts.id }).from(platformAccounts)
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .where(and(eq(platformAccounts.platformId, platformId), eq(platformAccounts.status, 'active'), ne(models.status, 'paused')));
  const moved = await tx.update(publications).set({ status: 'scheduled' })
    .where(and(eq(publications.status, 'held'), inArray(publications.accountId, free)))
    .returning({ id: publications.id, contentId: publications.contentId, accountId: publications.accountId });
  return withLinks(tx, moved);
}


/**
 * Registers a platform the code knows (at every start): created with its default capabilities and driver when
 * missing; otherwise only its base URL follows the configuration, so an admin's edits (capabilities, enabled) stay.
 */
export async function registerPlatform(db: Db, values: Pick<Platform, 'name' | 'capabilities' | 'technicalConfig'>) {
  await db
    .insert(platforms)
    .values(values)
    .onConflictDoUpdate({
      target: platforms.name,
      set: { technicalConfig: sql`jsonb_set(${platforms.technicalConfig}, '{baseUrl}', to_jsonb(${values.technicalConfig.baseUrl}::text))` },
    });
}
