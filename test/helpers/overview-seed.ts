/**
 * Rows for the overview and audit tests, written straight to the database (no workflows run for them): a model
 * with accounts in every "cannot publish" state, a paused model, a disabled platform, publications in every
 * status, contents waiting for approval, and alerts. Names carry a per-run prefix: the test database is shared by
 * every test file of a run, so the tests look for their own rows and measure counts as differences.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import { idempotencyMarker } from '../../core/captions.js';
import { defaultDistributionRules } from '../../core/types.js';
import type { Db } from '../../db/client.js';
import { recordEvent } from '../../db/events.js';
import { contents, models, platformAccounts, platforms, publications, systemEvents, type Publication } from '../../db/schema.js';

export async function createModel(db: Db, name: string, status: 'active' | 'paused' = 'active') {
  const [model] = await db.insert(models).values({ name, status, distribution: defaultDistributionRules }).returning();
  return model!;
}

export async function createAccount(
  db: Db,
  values: { modelId: string; platformId: string; username: string; status?: 'active' | 'paused' | 'session_expired' | 'disabled'; sessionSaved?: boolean; lastSessionState?: string | null },
) {
  const [account] = await db.insert(platformAccounts).values({
    modelId: values.modelId, platformId: values.platformId, username: values.username, status: values.status ?? 'active',
    sessionSaved: values.sessionSaved ?? true, lastSessionState: values.lastSessionState ?? null,
  }).returning();
  return account!;
}

/** A platform like `like` (same capabilities and config), under another name, enabled or not. */
export async function createPlatform(db: Db, likeId: string, name: string, active: boolean) {
  const [like] = await db.select().from(platforms).where(eq(platforms.id, likeId));
  const [platform] = await db.insert(platforms).values({ name, capabilities: like!.capabilities, technicalConfig: like!.technicalConfig, active }).returning();
  return platform!;
}

export async function createContent(db: Db, modelId: string, values: Partial<typeof contents.$inferInsert> = {}) {
  const [content] = await db.insert(contents).values({ modelId, filePath: `/nonexistent/${randomUUID()}.mp4`, sentBy: 'test', status: 'approved', ...values }).returning();
  return content!;
}

/** One publication (with its own content) on the account. */
export async function createPublication(
  db: Db,
  account: { id: string; modelId: string },
  values: Partial<typeof publications.$inferInsert> & { status: Publication['status'] },
) {
  const content = await createContent(db, account.modelId);
  const id = randomUUID();
  const [publication] = await db.insert(publications).values({
    id, contentId: content.id, accountId: account.id, idempotencyMarker: idempotencyMarker(id), ...values,
  }).returning();
  return publication!;
}

/** An `alert` event of kind publication_failed about the publication (its model, account and content linked); its id. */
export async function createAlert(db: Db, p: { id: string; contentId: string; accountId: string }, modelId: string, message: string) {
  await recordEvent(db, 'alert', { kind: 'publication_failed', errorType: 'SelectorMissing', message }, {
    modelId, accountId: p.accountId, publicationId: p.id, contentId: p.contentId,
  });
  const [row] = await db.select({ id: systemEvents.id }).from(systemEvents)
    .where(and(eq(systemEvents.type, 'alert'), eq(systemEvents.publicationId, p.id))).orderBy(desc(systemEvents.id)).limit(1);
  return row!.id;
}
