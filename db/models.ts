/**
 * Models: look-ups, the admin's paged list, create and edit, Telegram linking codes, and pausing/resuming a model
 * together with its publications.
 */
import { and, asc, eq, gt, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { ModelStatus } from '../core/rules.js';
import type { DistributionRules } from '../core/types.js';
import type { Db } from './client.js';
import { contents, models, platformAccounts, platforms, publications, type Model } from './schema.js';

export async function findModel(db: Db, id: string) {
  const [row] = await db.select().from(models).where(eq(models.id, id));
  return row;
}

export async function listModels(db: Db) {
  return db.select().from(models).orderBy(models.name);
}

/** `%`, `_` and `\\` as themselves in a LIKE pattern (backslash is PostgreSQL's default escape). */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The keyset of the models list: name, then id. */
export interface ModelListKey {
  name: string;
  id: string;
}

export interface ModelListFilter {
  /** Part of the name, case-insensitive (wildcards are literal). */
  q?: string;
  status?: ModelStatus;
}

/** How many accounts a model has, and when any of them last published: the list's columns, in SQL. */
// Written with aliases and a qualified "models"."id": drizzle prints columns unqualified inside a select list, which
// a correlated subquery would read as its own table's id.
const summaryColumns = {
  model: models,
  accountCount: sql<number>`(select count(*)::int from ${platformAccounts} pa where pa.model_id = "models"."id")`,
  lastPublishedAt: sql<Date | null>`(select max(p.published_at) from ${publications} p
    join ${platformAccounts} a on a.id = p.account_id where a.model_id = "models"."id")`.mapWith((v: string | Date | null) => (v === null ? null : new Date(v))),
};

export type ModelSummaryRow = { model: Model; accountCount: number; lastPublishedAt: Date | null };

/** One page of models by name (then id), after `after`; asks for one more row than `limit` so the caller knows whether a next page exists. */
export async function listModelPage(db: Db, filter: ModelListFilter, limit: number, after?: ModelListKey): Promise<ModelSummaryRow[]> {
  const where: SQL[] = [];
  const q = filter.q?.trim();
  if (q) where.push(ilike(models.name, `%${likeLiteral(q)}%`));
  if (filter.status) where.push(eq(models.status, filter.status));
  if (after) where.push(or(gt(models.name, after.name), and(eq(models.name, after.name), gt(models.id, after.id)))!);
  return db.select(summaryColumns).from(models).where(and(...where)).orderBy(asc(models.name), asc(models.id)).limit(limit + 1);
}

/** One model with its list columns. */
export async function findModelSummary(db: Db, id: string): Promise<ModelSummaryRow | undefined> {
  const [row] = await db.select(summaryColumns).from(models).where(eq(models.id, id));
  return row;
}

/**
 * Another model whose name equals `name` ignoring case and accents' encoding (the column is unique as written; the
 * editor keeps names unique ignoring case too). Compared in JavaScript: PostgreSQL's lower() follows the database's
 * locale and leaves "Ú" alone under C; SQL only narrows to names of the same length.
 */
export async function findModelByNameInsensitive(db: Db, name: string, exceptId?: string) {
  const fold = (text: string) => text.normalize('NFC').toLocaleLowerCase('und');
  const wanted = fold(name);
  const candidates = await db.select({ id: models.id, name: models.name }).from(models)
    .where(and(sql`char_length(${models.name}) = ${[...name.normalize('NFC')].length}`, exceptId ? sql`${models.id} <> ${exceptId}` : undefined));
  return candidates.find((m) => fold(m.name) === wanted);
}

export async function insertModel(db: Db, values: { name: string; status: ModelStatus; distribution: DistributionRules }): Promise<Model> {
  const [row] = await db.insert(models).values(values).returning();
  return row!;
}

/** Writes name / status / distribution (what is given); undefined when the model does not exist. */
export async function updateModel(db: Db, id: string, patch: { name?: string; status?: ModelStatus; distribution?: DistributionRules }): Promise<Model | undefined> {
  const [row] = await db.update(models).set(patch).where(eq(models.id, id)).returning();
  return row;
}

/** A model's accounts with their platform's name, by platform then username. */
export async function accountsOfModel(db: Db, modelId: string) {
  return db.select({ id: platformAccounts.id, username: platformAccounts.username, status: platformAccounts.status, platform: platforms.name })
    .from(platformAccounts).innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(eq(platformAccounts.modelId, modelId)).orderBy(asc(platforms.name), asc(platformAccounts.username));
}

/** Every platform (the rules name them: allowed platforms, per-platform pools and templates), by name. */
export async function allPlatforms(db: Db) {
  return db.select().from(platforms).orderBy(asc(platforms.name));
}

export async function findModelByTelegramUser(db: Db, telegramUserId: number) {
  const [row] = await db.select().from(models).where(eq(models.telegramUserId, telegramUserId));
  return row;
}

/** Stores the hash of a one-time link code on the model; false when the model does not exist. */
export async function setModelLinkCode(db: Db, modelId: string, codeHash: string, expiresAt: Date): Promise<boolean> {
  const rows = await db.update(models).set({ telegramLinkCodeHash: codeHash, telegramLinkExpiresAt: expiresAt })
    .where(eq(models.id, modelId)).returning({ id: models.id });
  return rows.length > 0;
}

export type LinkResult = { status: 'linked'; model: Model; previousModelId: string | null } | { status: 'invalid' | 'expired' };

/**
 * Uses a link code: the Telegram user becomes the model's (and stops being any other model's). A code works once;
 * an expired one is cleared so it cannot be tried again.
 */
export async function linkTelegramUser(db: Db, codeHash: string, telegramUserId: number, now = new Date()): Promise<LinkResult> {
  return db.transaction(async (tx) => {
    const [model] = await tx.select().from(models).where(eq(models.telegramLinkCodeHash, codeHash)).for('update');
    if (!model) return { status: 'invalid' as const };
    if (!model.telegramLinkExpiresAt || model.telegramLinkExpiresAt.getTime() <= now.getTime()) {
      await tx.update(models).set({ telegramLinkCodeHash: null, telegramLinkExpiresAt: null }).where(eq(models.id, model.id));
      return { status: 'expired' as const };
    }
    const [previous] = await tx.update(models).set({ telegramUserId: null })
      .where(and(eq(models.telegramUserId, telegramUserId), sql`${models.id} <> ${model.id}`))
      .returning({ id: models.id });
    const [linked] = await tx.update(models)
      .set({ telegramUserId, telegramLinkCodeHash: null, telegramLinkExpiresAt: null })
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
 * Makes a model active (or `testing`) again and releases its held publications whose account is active (a publication held
 * by its own paused or expired account stays held until that account is resumed).
 */
export async function resumeModelReleasing(db: Db, modelId: string, status: Exclude<ModelStatus, 'paused'> = 'active') {
  return db.transaction(async (tx) => {
    await tx.update(models).set({ status }).where(eq(models.id, modelId));
    const ofModel = tx.select({ id: contents.id }).from(contents).where(eq(contents.modelId, modelId));
    const activeAccounts = tx.select({ id: platformAccounts.id }).from(platformAccounts)
      .where(and(eq(platformAccounts.modelId, modelId), eq(platformAccounts.status, 'active')));
    return tx.update(publications).set({ status: 'scheduled' })
      .where(and(eq(publications.status, 'held'), inArray(publications.contentId, ofModel), inArray(publications.accountId, activeAccounts)))
      .returning({ id: publications.id });
  });
}
