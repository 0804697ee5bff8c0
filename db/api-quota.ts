/**
 * Daily quotas our app has at a platform (`api_quota_usage`): one row per platform and quota day, shared by every
 * worker. A reservation is one conditional upsert, so two workers can never both take the last units.
 */
import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { apiQuotaUsage, publications } from './schema.js';
import type { PublicationStatus } from '../core/types.js';

/** Takes `units` from the day's budget of `limit`; false when they do not fit or the platform already said the day is spent. */
export async function reserveQuotaUnits(db: Db, platform: string, day: string, units: number, limit: number): Promise<boolean> {
  if (units > limit) return false;
  const rows = await db
    .insert(apiQuotaUsage)
    .values({ platform, day, units })
    .onConflictDoUpdate({
      target: [apiQuotaUsage.platform, apiQuotaUsage.day],
      set: { units: sql`${apiQuotaUsage.units} + excluded.units`, updatedAt: new Date() },
      setWhere: sql`not ${apiQuotaUsage.exhausted} and ${apiQuotaUsage.units} + excluded.units <= ${limit}`,
    })
    .returning({ units: apiQuotaUsage.units });
  return rows.length > 0;
}

/** Gives back units of a reservation the platform refused before doing the work (never below zero). */
export async function releaseQuotaUnits(db: Db, platform: string, day: string, units: number): Promise<void> {
  await db
    .update(apiQuotaUsage)
    .set({ units: sql`greatest(0, ${apiQuotaUsage.units} - ${units})`, updatedAt: new Date() })
    .where(and(eq(apiQuotaUsage.platform, platform), eq(apiQuotaUsage.day, day)));
}

/** The platform said the day's quota is spent (work done with the same app elsewhere counts too): later reservations that day fail. */
export async function markQuotaExhausted(db: Db, platform: string, day: string): Promise<void> {
  await db
    .insert(apiQuotaUsage)
    .values({ platform, day, units: 0, exhausted: true })
    .onConflictDoUpdate({ target: [apiQuotaUsage.platform, apiQuotaUsage.day], set: { exhausted: true, updatedAt: new Date() } });
}

/** Units used on a day, and whether the platform said they were all spent. */
export async function quotaUsage(db: Db, platform: string, day: string): Promise<{ units: number; exhausted: boolean }> {
  const [row] = await db
    .select({ units: apiQuotaUsage.units, exhausted: apiQuotaUsage.exhausted })
    .from(apiQuotaUsage)
    .where(and(eq(apiQuotaUsage.platform, platform), eq(apiQuotaUsage.day, day)));
  return row ?? { units: 0, exhausted: false };
}

/** When each account's publications in `status` were posted, since `since` (rolling-window caps such as Instagram's 50 a day). */
export async function postTimesByAccount(db: Db, accountIds: string[], status: PublicationStatus, since: Date): Promise<Map<string, Date[]>> {
  const times = new Map<string, Date[]>();
  if (accountIds.length === 0) return times;
  const rows = await db
    .select({ accountId: publications.accountId, publishedAt: publications.publishedAt })
    .from(publications)
    .where(and(inArray(publications.accountId, accountIds), eq(publications.status, status), gte(publications.publishedAt, since)));
  for (const row of rows) {
    if (!row.publishedAt) continue;
    const list = times.get(row.accountId) ?? [];
    list.push(row.publishedAt);
    times.set(row.accountId, list);
  }
  return times;
}
