/**
 * Auto-moderation rules (moderation_rules): what core/moderation.ts checks captions against, and the editor's
 * list and changes (services/moderation.ts records each change as a `moderation_rule_changed` event).
 */
import { and, asc, count, eq, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { ModerationRule } from '../core/moderation.js';
import type { Db } from './client.js';
import { models, moderationRules, platforms, type ModerationRuleRow } from './schema.js';

/** The active rules that can apply to a model's captions (hers and the studio-wide ones), in core's shape. */
export async function activeModerationRules(db: Db, modelId: string): Promise<ModerationRule[]> {
  const rows = await db
    .select({ rule: moderationRules, platform: platforms.name })
    .from(moderationRules)
    .leftJoin(platforms, eq(platforms.id, moderationRules.platformId))
    .where(and(eq(moderationRules.active, true), or(isNull(moderationRules.modelId), eq(moderationRules.modelId, modelId))))
    .orderBy(moderationRules.createdAt, moderationRules.id);
  return rows.map(({ rule, platform }) => ({
    id: rule.id, kind: rule.kind, value: rule.value, note: rule.note, platform: platform ?? null, modelId: rule.modelId,
  }));
}

/** A rule with the names the admin reads (platform and model). */
export interface ModerationRuleView {
  rule: ModerationRuleRow;
  platform: string | null;
  modelName: string | null;
}

/** What the editor lists: `modelId` / `platformId` keep the rules that can apply to that model / platform (hers and the "all" ones). */
export interface ModerationRuleFilter {
  modelId?: string;
  platformId?: string;
}

function viewQuery(db: Db) {
  return db
    .select({ rule: moderationRules, platform: platforms.name, modelName: models.name })
    .from(moderationRules)
    .leftJoin(platforms, eq(platforms.id, moderationRules.platformId))
    .leftJoin(models, eq(models.id, moderationRules.modelId));
}

/**
 * Every rule matching the filter: studio-wide first, then per platform (by name), then per model (by name, her
 * rules for every platform before those for one platform); oldest first within each.
 */
export async function listModerationRules(db: Db, filter: ModerationRuleFilter = {}): Promise<ModerationRuleView[]> {
  const where: SQL[] = [];
  if (filter.modelId) where.push(or(isNull(moderationRules.modelId), eq(moderationRules.modelId, filter.modelId))!);
  if (filter.platformId) where.push(or(isNull(moderationRules.platformId), eq(moderationRules.platformId, filter.platformId))!);
  return viewQuery(db)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(
      sql`${moderationRules.modelId} is not null`, asc(models.name), asc(moderationRules.modelId),
      sql`${moderationRules.platformId} is not null`, asc(platforms.name),
      asc(moderationRules.createdAt), asc(moderationRules.id),
    );
}

export async function findModerationRule(db: Db, id: string): Promise<ModerationRuleView | undefined> {
  const [row] = await viewQuery(db).where(eq(moderationRules.id, id));
  return row;
}

/** The rule row locked for the rest of the transaction, so two edits of one rule queue up. */
export async function lockModerationRule(tx: Db, id: string): Promise<ModerationRuleRow | undefined> {
  const [row] = await tx.select().from(moderationRules).where(eq(moderationRules.id, id)).for('update');
  return row;
}

/** Serialises rule creation for the rest of the transaction, so the studio's limit holds under concurrent creates. */
export async function lockModerationRuleCreation(tx: Db): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('moderation_rules.create'))`);
}

export async function countModerationRules(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(moderationRules);
  return row?.n ?? 0;
}

export async function insertModerationRule(tx: Db, values: typeof moderationRules.$inferInsert): Promise<ModerationRuleRow> {
  const [row] = await tx.insert(moderationRules).values(values).returning();
  return row!;
}

export async function updateModerationRule(
  tx: Db, id: string, values: Partial<Pick<ModerationRuleRow, 'kind' | 'value' | 'note' | 'platformId' | 'modelId' | 'active'>>,
): Promise<void> {
  await tx.update(moderationRules).set(values).where(eq(moderationRules.id, id));
}

export async function deleteModerationRule(tx: Db, id: string): Promise<void> {
  await tx.delete(moderationRules).where(eq(moderationRules.id, id));
}
