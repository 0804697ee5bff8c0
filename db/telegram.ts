/**
 * Telegram bot tables: uploads (file references of videos sent to the bot), approval cards and folded alerts.
 */
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { contents, models, telegramAlerts, telegramCards, telegramUploads } from './schema.js';

export type NewTelegramUpload = typeof telegramUploads.$inferInsert;

/** Undefined when that message was already received (a redelivered update). */
export async function insertTelegramUpload(db: Db, values: NewTelegramUpload) {
  const [row] = await db.insert(telegramUploads).values(values)
    .onConflictDoNothing({ target: [telegramUploads.chatId, telegramUploads.messageId] }).returning();
  return row;
}

export async function setTelegramUploadContent(db: Db, id: string, contentId: string) {
  await db.update(telegramUploads).set({ contentId }).where(eq(telegramUploads.id, id));
}

export async function deleteTelegramUpload(db: Db, id: string) {
  await db.delete(telegramUploads).where(eq(telegramUploads.id, id));
}

/** The Telegram file behind a content: by content id once it is known, by the planned file path before. */
export async function findTelegramUploadOf(db: Db, content: { id: string; filePath: string }) {
  const [row] = await db.select().from(telegramUploads)
    .where(or(eq(telegramUploads.contentId, content.id), eq(telegramUploads.filePath, content.filePath)))
    .limit(1);
  return row;
}

export async function markTelegramUploadDownloaded(db: Db, id: string) {
  await db.update(telegramUploads).set({ downloadedAt: new Date() }).where(eq(telegramUploads.id, id));
}

/** A content with its model and, when it came through the bot, its Telegram upload. */
export async function contentForNotice(db: Db, contentId: string) {
  const [row] = await db
    .select({ content: contents, model: models, upload: telegramUploads })
    .from(contents)
    .innerJoin(models, eq(models.id, contents.modelId))
    .leftJoin(telegramUploads, eq(telegramUploads.contentId, contents.id))
    .where(eq(contents.id, contentId));
  return row;
}

export async function insertCard(db: Db, values: typeof telegramCards.$inferInsert) {
  await db.insert(telegramCards).values(values).onConflictDoNothing({ target: telegramCards.contentId });
}

export async function findCard(db: Db, contentId: string) {
  const [row] = await db.select().from(telegramCards).where(eq(telegramCards.contentId, contentId));
  return row;
}

export async function setCardPrompt(db: Db, contentId: string, promptMessageId: number | null) {
  await db.update(telegramCards).set({ reasonPromptMessageId: promptMessageId }).where(eq(telegramCards.contentId, contentId));
}

export async function findCardByPrompt(db: Db, chatId: number, promptMessageId: number) {
  const [row] = await db.select().from(telegramCards)
    .where(and(eq(telegramCards.chatId, chatId), eq(telegramCards.reasonPromptMessageId, promptMessageId)));
  return row;
}

/** Marks the card decided; true only for the caller that did it (the card is edited once). */
export async function markCardDecided(db: Db, contentId: string): Promise<boolean> {
  const rows = await db.update(telegramCards).set({ decidedAt: new Date(), reasonPromptMessageId: null })
    .where(and(eq(telegramCards.contentId, contentId), isNull(telegramCards.decidedAt)))
    .returning({ contentId: telegramCards.contentId });
  return rows.length > 0;
}

export async function findAlert(db: Db, key: string) {
  const [row] = await db.select().from(telegramAlerts).where(eq(telegramAlerts.key, key));
  return row;
}

export async function saveAlert(db: Db, values: typeof telegramAlerts.$inferInsert) {
  const now = new Date();
  await db.insert(telegramAlerts).values({ ...values, count: 1, shownCount: 1, firstAt: now, lastAt: now, editedAt: now })
    .onConflictDoUpdate({
      target: telegramAlerts.key,
      set: { chatId: values.chatId, messageId: values.messageId, body: values.body, buttons: values.buttons ?? null, count: 1, shownCount: 1, firstAt: now, lastAt: now, editedAt: now },
    });
}

export async function foldAlert(db: Db, key: string) {
  const [row] = await db.update(telegramAlerts)
    .set({ count: sql`${telegramAlerts.count} + 1`, lastAt: new Date() })
    .where(eq(telegramAlerts.key, key)).returning();
  return row;
}

export async function markAlertShown(db: Db, key: string, shownCount: number) {
  await db.update(telegramAlerts).set({ shownCount, editedAt: new Date() }).where(eq(telegramAlerts.key, key));
}

/** Alerts whose message does not show their latest count yet, last edited before `editedBefore`. */
export async function alertsToRefresh(db: Db, editedBefore: Date) {
  return db.select().from(telegramAlerts)
    .where(and(sql`${telegramAlerts.count} > ${telegramAlerts.shownCount}`, lt(telegramAlerts.editedAt, editedBefore)));
}
