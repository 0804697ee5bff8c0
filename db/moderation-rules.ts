/** Auto-moderation rules (moderation_rules): what core/moderation.ts checks captions against. */
import { and, eq, isNull, or } from 'drizzle-orm';
import type { ModerationRule } from '../core/moderation.js';
import type { Db } from './client.js';
import { moderationRules, platforms } from './schema.js';

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
