/**
 * Models: look-ups, Telegram linking codes, and pausing/resuming a model together with its publications.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { contents, models, platformAccounts, publications, type Model } from './schema.js';

export async function findModel(db: Db, id: string) {
  const [row] = await db.select().from(models).where(eq(models.id, id));
  return row;
}

export async function listModels(db: Db) {
  return db.select().from(models).orderBy(models.name);
}

export async function findModelByTelegramUser(db: Db, telegramUserId: number) {
  const [row] = await db.select().from(models).where(eq(models.telegramUserId, telegramUserId));
  return row;
}

/** Stores a one-time link code on the model; false when the model does not exist. */
export async function setModelLinkCode(db: Db, modelId: string, code: string, expiresAt: Date): Promise<boolean> {
  const rows = await db.update(models).set({ telegramLinkCode: code, telegramLinkExpiresAt: expiresAt })
    .where(eq(models.id, modelId)).returning({ id: models.id });
  return rows.length > 0;
}

export type LinkResult = { status: 'linked'; model: Model; previousModelId: string | null } | { status: 'invalid' | 'expired' };

/**
 * Uses a link code: the Telegram user becomes the model's (and stops being any other model's). A code works once;
 * an expired one is cleared so it cannot be tried again.
 */
export async function linkTelegramUser(db: Db, code: string, telegramUserId: number, now = new Date()): Promise<LinkResult> {
  return db.transaction(async (tx) => {
    const [model] = await tx.select().from(models).where(eq(models.telegramLinkCode, code)).for('update');
    if (!model) return { status: 'invalid' as const };
    if (!model.telegramLinkExpiresAt || model.telegramLinkExpiresAt.getTime() <= now.getTime()) {
      await tx.update(models).set({ telegramLinkCode: null, telegramLinkExpiresAt: null }).where(eq(models.id, model.id));
      return { status: 'expired' as const };
    }
    const [previous] = await tx.update(models).set({ telegramUserId: null })
      .where(and(eq(models.telegramUserId, telegramUserId), sql`${models.id} <> ${model.id}`))
      .returning({ id: models.id });
    const [linked] = await tx.update(models)
      .set({ telegramUserId, telegramLinkCode: null, telegramLinkExpiresAt: null })
      .where(eq(models.id, model.id)).returning();
    return { status: 'linked' as const, model: linked!, previousModelId: previous?.id ?? null };
  });
}

/** Pauses a model and holds its scheduled publications, together. */
export async function pauseModelHolding(db: Db, modelId: string) {
  return db.transaction(async (tx) => {
    await tx.update(models).set({ status: 'paused' }).where(eq(models.id, modelId));
    const ofModel = tx.select({ id: contents.id }).from(contents).where(eq(contents.modelId, modelId));
    return tx.update(publications).set({ status: 'held' })
      .where(and(eq(publications.status, 'scheduled'), inArray(publications.contentId, ofModel)))
      .returning({ id: publications.id });
  });
}

/**
 * Makes a model active again and releases its held publications whose account is active (a publication held
 * by its own paused or expired account stays held until that account is resumed).
 */
export async function resumeModelReleasing(db: Db, modelId: string) {
  return db.transaction(async (tx) => {
    await tx.update(models).set({ status: 'active' }).where(eq(models.id, modelId));
    const ofModel = tx.select({ id: contents.id }).from(contents).where(eq(contents.modelId, modelId));
    const activeAccounts = tx.select({ id: platformAccounts.id }).from(platformAccounts)
      .where(and(eq(platformAccounts.modelId, modelId), eq(platformAccounts.status, 'active')));
    return tx.update(publications).set({ status: 'scheduled' })
      .where(and(eq(publications.status, 'held'), inArray(publications.contentId, ofModel), inArray(publications.accountId, activeAccounts)))
      .returning({ id: publications.id });
  });
}
