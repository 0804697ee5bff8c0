/**
 * A model's watermark (models.watermark, core/types.ts WatermarkSettings) and what its still preview reads:
 * her latest usable video and a platform by name.
 */
import { and, desc, eq, isNotNull, notInArray } from 'drizzle-orm';
import type { WatermarkSettings } from '../core/types.js';
import type { Db } from './client.js';
import { contents, models, platforms, type Platform } from './schema.js';

export async function findModelWatermark(db: Db, modelId: string): Promise<{ id: string; name: string; watermark: WatermarkSettings | null } | undefined> {
  const [row] = await db.select({ id: models.id, name: models.name, watermark: models.watermark }).from(models).where(eq(models.id, modelId));
  return row;
}

/** Replaces her watermark (null = none); false when the model does not exist. */
export async function setModelWatermark(db: Db, modelId: string, watermark: WatermarkSettings | null): Promise<boolean> {
  const rows = await db.update(models).set({ watermark }).where(eq(models.id, modelId)).returning({ id: models.id });
  return rows.length > 0;
}

/** Her newest ingested videos (not refused, not duplicates), newest first: the preview takes the first whose file is still there. */
export async function latestModelVideos(db: Db, modelId: string, limit = 5) {
  return db
    .select({ id: contents.id, filePath: contents.filePath, width: contents.width, height: contents.height, durationSeconds: contents.durationSeconds })
    .from(contents)
    .where(and(
      eq(contents.modelId, modelId),
      notInArray(contents.status, ['rejected', 'duplicate']),
      isNotNull(contents.width), isNotNull(contents.height), isNotNull(contents.durationSeconds),
    ))
    .orderBy(desc(contents.receivedAt))
    .limit(limit);
}

export async function findPlatformByName(db: Db, name: string): Promise<Platform | undefined> {
  const [row] = await db.select().from(platforms).where(eq(platforms.name, name));
  return row;
}
