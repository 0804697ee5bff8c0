/**
 * Click retention (README "Traffic"): raw clicks expire after CLICK_RETENTION_DAYS, the per-day visitor sets and
 * salts once their day can no longer take a click. Rollups and `publication_stats` stay: they are the history.
 *
 * Deletes run in bounded batches (one short statement each), so a backlog of millions of rows never holds a long
 * lock or a huge transaction, and the caller can heartbeat between them.
 */
import { inArray, lt, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { clicks, clickSalts, clickVisitors } from './schema.js';

/** Deletes up to `batchSize` raw clicks older than `cutoff`; the number deleted (less than `batchSize` = done). */
export async function deleteClicksBefore(db: Db, cutoff: Date, batchSize: number): Promise<number> {
  const deleted = await db
    .delete(clicks)
    .where(inArray(clicks.id, db.select({ id: clicks.id }).from(clicks).where(lt(clicks.ts, cutoff)).limit(batchSize)))
    .returning({ id: clicks.id });
  return deleted.length;
}

/** Deletes up to `batchSize` visitor rows of days before `day` (YYYY-MM-DD, UTC); the number deleted. */
export async function deleteVisitorsBefore(db: Db, day: string, batchSize: number): Promise<number> {
  const deleted = await db
    .delete(clickVisitors)
    .where(sql`(${clickVisitors.day}, ${clickVisitors.linkKey}, ${clickVisitors.visitorHash}) in (
      select v.day, v.link_key, v.visitor_hash from ${clickVisitors} v where v.day < ${day}::date limit ${batchSize})`)
    .returning({ day: clickVisitors.day });
  return deleted.length;
}

/** Deletes the salts of days before `day` (one row per day: never a large delete). */
export async function deleteSaltsBefore(db: Db, day: string): Promise<number> {
  return (await db.delete(clickSalts).where(lt(clickSalts.day, day)).returning({ day: clickSalts.day })).length;
}
