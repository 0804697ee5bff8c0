/**
 * The admin's preferences: one row (`admin_preferences`, id 1) for the one admin the dashboard has. A missing row
 * reads as "nothing chosen" (every field null).
 */
import { eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { adminPreferences } from './schema.js';

const ADMIN_ROW = 1;

export interface AdminPreferencesRow {
  /** IANA zone the dashboard shows times in; null = the browser's. */
  timezone: string | null;
  updatedAt: Date | null;
}

export async function readAdminPreferences(db: Db): Promise<AdminPreferencesRow> {
  const [row] = await db.select({ timezone: adminPreferences.timezone, updatedAt: adminPreferences.updatedAt })
    .from(adminPreferences).where(eq(adminPreferences.id, ADMIN_ROW));
  return row ?? { timezone: null, updatedAt: null };
}

/** Writes the fields given (an upsert of the one row) and answers the row as stored. */
export async function writeAdminPreferences(db: Db, values: { timezone: string | null }): Promise<AdminPreferencesRow> {
  const [row] = await db.insert(adminPreferences).values({ id: ADMIN_ROW, ...values })
    .onConflictDoUpdate({ target: adminPreferences.id, set: { ...values, updatedAt: new Date() } })
    .returning({ timezone: adminPreferences.timezone, updatedAt: adminPreferences.updatedAt });
  return row!;
}
