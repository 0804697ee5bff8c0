/** Query functions shared by activities, services and the API. Everything that touches tables lives here. */
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import {
  contents, models, platformAccounts, platforms, publicationMetrics, publications, systemEvents,
  type SystemEventType,
} from './schema.js';
import type { AccountStatus, MediaFacts, PublicationStatus } from '../core/types.js';

export async function findModel(db: Db, id: string) {
  const [row] = await db.select().from(models).where(eq(models.id, id));
  return row;
}

export async function insertContent(
  db: Db,
  values: { id: string; modelId: string; filePath: string; originalFilename: string | null; sentBy: string; context: string | null; workflowId: string },
) {
  const [row] = await db.insert(contents).values(values).returning();
  return row!;
}

export async function deleteContent(db: Db, id: string) {
  await db.delete(contents).where(eq(contents.id, id));
}

export async function findContent(db: Db, id: string) {
  const [row] = await db.select().from(contents).where(eq(contents.id, id));
  return row;
}

export async function updateContent(db: Db, id: string, values: Partial<typeof contents.$inferInsert>) {
  await db.update(contents).set(values).where(eq(contents.id, id));
}

export async function saveIngestResult(
  db: Db,
  id: string,
  r: { filePath: string; sha256: string; facts: MediaFacts; thumbnailPath: string },
) {
  await updateContent(db, id, {
    filePath: r.filePath,
    sha256: r.sha256,
    durationSeconds: r.facts.durationSeconds,
    width: r.facts.width,
    height: r.facts.height,
    sizeBytes: r.facts.sizeBytes,
    codec: r.facts.codec,
    thumbnailPath: r.thumbnailPath,
  });
}

/** Active accounts of a model on active platforms: where its content can go. */
export async function activeAccountsForModel(db: Db, modelId: string) {
  return db
    .select({ account: platformAccounts, platform: platforms })
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(and(eq(platformAccounts.modelId, modelId), eq(platformAccounts.status, 'active'), eq(platforms.active, true)));
}

export async function findAccountWithPlatform(db: Db, accountId: string) {
  const [row] = await db
    .select({ account: platformAccounts, platform: platforms })
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(eq(platformAccounts.id, accountId));
  return row;
}

export async function saveAccountSession(db: Db, accountId: string, encryptedState: string) {
  await db
    .update(platformAccounts)
    .set({ authData: encryptedState, sessionSaved: true, lastAuthenticatedAt: new Date() })
    .where(eq(platformAccounts.id, accountId));
}

/** Inserts publications idempotently: a (content, account) pair is scheduled once, whatever retries happen. */
export async function insertPublications(db: Db, rows: (typeof publications.$inferInsert)[]) {
  if (rows.length === 0) return;
  await db.insert(publications).values(rows).onConflictDoNothing({ target: [publications.contentId, publications.accountId] });
}

export async function publicationsOfContent(db: Db, contentId: string) {
  return db.select().from(publications).where(eq(publications.contentId, contentId)).orderBy(publications.createdAt);
}

export async function findPublication(db: Db, id: string) {
  const [row] = await db.select().from(publications).where(eq(publications.id, id));
  return row;
}

/** Everything an activity needs to act on one publication. */
export async function publicationContext(db: Db, id: string) {
  const [row] = await db
    .select({ publication: publications, content: contents, account: platformAccounts, platform: platforms, model: models })
    .from(publications)
    .innerJoin(contents, eq(contents.id, publications.contentId))
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, contents.modelId))
    .where(eq(publications.id, id));
  return row;
}

export async function updatePublication(db: Db, id: string, values: Partial<typeof publications.$inferInsert>) {
  await db.update(publications).set(values).where(eq(publications.id, id));
}

export async function incrementPublicationAttempts(db: Db, id: string): Promise<number> {
  const [row] = await db
    .update(publications)
    .set({ attempts: sql`${publications.attempts} + 1` })
    .where(eq(publications.id, id))
    .returning({ attempts: publications.attempts });
  return row?.attempts ?? 0;
}

export async function insertMetrics(db: Db, values: typeof publicationMetrics.$inferInsert) {
  await db.insert(publicationMetrics).values(values);
}

export async function metricsOfPublication(db: Db, publicationId: string) {
  return db.select().from(publicationMetrics).where(eq(publicationMetrics.publicationId, publicationId)).orderBy(publicationMetrics.ts);
}

export async function recordEvent(
  db: Db,
  e: {
    type: SystemEventType;
    description: string;
    actor?: string;
    modelId?: string | null;
    contentId?: string | null;
    publicationId?: string | null;
    accountId?: string | null;
    data?: Record<string, unknown>;
  },
) {
  await db.insert(systemEvents).values(e);
}

export interface PublicationListFilter {
  contentId?: string;
  status?: PublicationStatus;
  limit?: number;
}

/** Publications joined with the names an admin reads (model, platform, account). */
export async function listPublications(db: Db, filter: PublicationListFilter = {}) {
  const where: SQL[] = [];
  if (filter.contentId) where.push(eq(publications.contentId, filter.contentId));
  if (filter.status) where.push(eq(publications.status, filter.status));
  return db
    .select({
      id: publications.id,
      contentId: publications.contentId,
      status: publications.status,
      scheduledTime: publications.scheduledTime,
      publishedAt: publications.publishedAt,
      postUrl: publications.postUrl,
      externalId: publications.externalId,
      attempts: publications.attempts,
      lastError: publications.lastError,
      workflowId: publications.workflowId,
      captionUsed: publications.captionUsed,
      evidencePath: publications.evidencePath,
      modelName: models.name,
      platformName: platforms.name,
      accountUsername: platformAccounts.username,
    })
    .from(publications)
    .innerJoin(contents, eq(contents.id, publications.contentId))
    .innerJoin(models, eq(models.id, contents.modelId))
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(publications.createdAt))
    .limit(filter.limit ?? 200);
}

export async function pingDb(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}

/** Publication statuses that occupy a slot of their account (spacing and daily caps count them). */
const slotHoldingStatuses: PublicationStatus[] = ['scheduled', 'held', 'processing', 'published', 'unconfirmed'];

/** When the account's live publications happen (or happened), within [from, to]. */
export async function takenSlots(db: Db, accountId: string, from: Date, to: Date): Promise<Date[]> {
  const at = sql<Date>`coalesce(${publications.publishedAt}, ${publications.scheduledTime})`.mapWith(publications.scheduledTime);
  const rows = await db
    .select({ at })
    .from(publications)
    .where(and(
      eq(publications.accountId, accountId),
      inArray(publications.status, slotHoldingStatuses),
      sql`coalesce(${publications.publishedAt}, ${publications.scheduledTime}) between ${from.toISOString()}::timestamptz and ${to.toISOString()}::timestamptz`,
    ));
  return rows.map((r) => r.at);
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

export async function eventsOf(db: Db, filter: { contentId?: string; publicationId?: string; accountId?: string }) {
  const where: SQL[] = [];
  if (filter.contentId) where.push(eq(systemEvents.contentId, filter.contentId));
  if (filter.publicationId) where.push(eq(systemEvents.publicationId, filter.publicationId));
  if (filter.accountId) where.push(eq(systemEvents.accountId, filter.accountId));
  return db.select().from(systemEvents).where(where.length ? and(...where) : undefined).orderBy(systemEvents.ts, systemEvents.id);
}
