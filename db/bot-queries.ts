/**
 * Queries of the Telegram bot and its services: model linking, Telegram uploads, the notifier's outbox cursor,
 * approval cards, folded alerts, model pause/resume and the admin's reports.
 */
import { and, desc, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { PublicationStatus } from '../core/types.js';
import type { Db } from './client.js';
import {
  clicks, contents, models, platformAccounts, platforms, publicationMetrics, publications, systemEvents, telegramAlerts,
  telegramCards, telegramOutbox, telegramUploads, type Model,
} from './schema.js';

// ── Linking ─────────────────────────────────────────────────────────────────────────────────

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

export async function findModelByTelegramUser(db: Db, telegramUserId: number) {
  const [row] = await db.select().from(models).where(eq(models.telegramUserId, telegramUserId));
  return row;
}

export async function listModels(db: Db) {
  return db.select().from(models).orderBy(models.name);
}

// ── Telegram uploads ────────────────────────────────────────────────────────────────────────

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

// ── Notifier outbox ─────────────────────────────────────────────────────────────────────────

/**
 * Takes (or renews) the notifier's lease and returns its cursor; undefined while another process holds it.
 * A bot seen for the first time starts after the newest event, so it never replays history.
 */
export async function acquireOutbox(db: Db, name: string, owner: string, leaseMs: number): Promise<number | undefined> {
  await db.insert(telegramOutbox)
    .values({ name, lastEventId: sql`(select coalesce(max(${systemEvents.id}), 0) from ${systemEvents})` })
    .onConflictDoNothing({ target: telegramOutbox.name });
  const [row] = await db.update(telegramOutbox)
    .set({ leaseOwner: owner, leaseUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
    .where(and(
      eq(telegramOutbox.name, name),
      or(eq(telegramOutbox.leaseOwner, owner), isNull(telegramOutbox.leaseUntil), lt(telegramOutbox.leaseUntil, sql`now()`)),
    ))
    .returning({ lastEventId: telegramOutbox.lastEventId });
  return row?.lastEventId;
}

export async function advanceOutbox(db: Db, name: string, owner: string, lastEventId: number): Promise<boolean> {
  const rows = await db.update(telegramOutbox).set({ lastEventId })
    .where(and(eq(telegramOutbox.name, name), eq(telegramOutbox.leaseOwner, owner)))
    .returning({ name: telegramOutbox.name });
  return rows.length > 0;
}

export async function releaseOutbox(db: Db, name: string, owner: string) {
  await db.update(telegramOutbox).set({ leaseOwner: null, leaseUntil: null })
    .where(and(eq(telegramOutbox.name, name), eq(telegramOutbox.leaseOwner, owner)));
}

export async function eventsAfter(db: Db, afterId: number, limit: number) {
  return db.select().from(systemEvents).where(gt(systemEvents.id, afterId)).orderBy(systemEvents.id).limit(limit);
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


// ── Approval cards ──────────────────────────────────────────────────────────────────────────

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

// ── Folded alerts ───────────────────────────────────────────────────────────────────────────

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

// ── Models: pause / resume ──────────────────────────────────────────────────────────────────

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

// ── What a model asks: /estado ──────────────────────────────────────────────────────────────

export async function recentContentsOfModel(db: Db, modelId: string, limit: number) {
  const rows = await db.select().from(contents).where(eq(contents.modelId, modelId)).orderBy(desc(contents.receivedAt)).limit(limit);
  if (rows.length === 0) return [];
  const pubs = await db
    .select({ publication: publications, platformName: platforms.name })
    .from(publications)
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(inArray(publications.contentId, rows.map((r) => r.id)))
    .orderBy(publications.createdAt);
  return rows.map((content) => ({ content, publications: pubs.filter((p) => p.publication.contentId === content.id) }));
}

// ── What the admin asks: /status, /failed, /retry, /daily, /weekly ──────────────────────────

export async function publicationCountsByStatus(db: Db): Promise<Partial<Record<PublicationStatus, number>>> {
  const rows = await db.select({ status: publications.status, n: sql<number>`count(*)::int` }).from(publications).groupBy(publications.status);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Contents that wait for a person's decision. */
export async function pendingApprovalCount(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(contents).where(and(
    eq(contents.status, 'new'),
    sql`exists (select 1 from ${systemEvents} e where e.content_id = ${contents.id} and e.type = 'approval_requested')`,
  ));
  return row?.n ?? 0;
}

export async function accountsNotActive(db: Db) {
  return db.select({ username: platformAccounts.username, status: platformAccounts.status, platformName: platforms.name, modelName: models.name })
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .where(sql`${platformAccounts.status} <> 'active'`)
    .orderBy(models.name, platforms.name);
}

/** Publications waiting for a person (failed, unconfirmed), newest first, with the names an admin reads. */
export async function stoppedPublications(db: Db, limit: number) {
  return db.select({
    id: publications.id, status: publications.status, lastError: publications.lastError, attempts: publications.attempts,
    updatedAt: publications.updatedAt, modelName: models.name, platformName: platforms.name, accountUsername: platformAccounts.username,
  })
    .from(publications)
    .innerJoin(contents, eq(contents.id, publications.contentId))
    .innerJoin(models, eq(models.id, contents.modelId))
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(inArray(publications.status, ['failed', 'unconfirmed']))
    .orderBy(desc(publications.updatedAt))
    .limit(limit);
}

/** Publications whose id starts with `prefix` (lower-case hex, dashes allowed). */
export async function publicationsByIdPrefix(db: Db, prefix: string, limit = 5) {
  return db.select({ id: publications.id, status: publications.status }).from(publications)
    .where(sql`${publications.id}::text like ${`${prefix}%`}`).limit(limit);
}

export interface ReportRow {
  platformName: string;
  modelName: string;
  published: number;
  views: number;
  likes: number;
  clicks: number;
}

/**
 * Per platform and model over [from, to): posts published in the period with their latest views/likes, and
 * tracking clicks (bots excluded) that happened in the period.
 */
export async function periodReport(db: Db, from: Date, to: Date): Promise<ReportRow[]> {
  const fromIso = from.toISOString();
  const toIso = to.toISOString();
  const latest = db.selectDistinctOn([publicationMetrics.publicationId], {
    publicationId: publicationMetrics.publicationId, views: publicationMetrics.views, likes: publicationMetrics.likes,
  }).from(publicationMetrics).orderBy(publicationMetrics.publicationId, desc(publicationMetrics.ts)).as('latest');
  const posted = await db
    .select({
      platformName: platforms.name,
      modelName: models.name,
      published: sql<number>`count(*)::int`,
      views: sql<number>`coalesce(sum(${latest.views}), 0)::int`,
      likes: sql<number>`coalesce(sum(${latest.likes}), 0)::int`,
    })
    .from(publications)
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .leftJoin(latest, eq(latest.publicationId, publications.id))
    .where(sql`${publications.publishedAt} >= ${fromIso}::timestamptz and ${publications.publishedAt} < ${toIso}::timestamptz`)
    .groupBy(platforms.name, models.name);
  const clicked = await db
    .select({ platformName: platforms.name, modelName: models.name, clicks: sql<number>`count(*)::int` })
    .from(clicks)
    .innerJoin(platformAccounts, eq(platformAccounts.id, clicks.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .where(sql`${clicks.ts} >= ${fromIso}::timestamptz and ${clicks.ts} < ${toIso}::timestamptz and not ${clicks.isBot}`)
    .groupBy(platforms.name, models.name);
  const rows = new Map<string, ReportRow>();
  const row = (platformName: string, modelName: string) => {
    const key = `${platformName}\u0000${modelName}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { platformName, modelName, published: 0, views: 0, likes: 0, clicks: 0 }));
    return r;
  };
  for (const p of posted) Object.assign(row(p.platformName, p.modelName), { published: p.published, views: p.views, likes: p.likes });
  for (const c of clicked) row(c.platformName, c.modelName).clicks = c.clicks;
  return [...rows.values()].sort((a, b) => a.platformName.localeCompare(b.platformName) || a.modelName.localeCompare(b.modelName));
}
