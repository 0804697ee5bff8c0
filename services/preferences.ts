/**
 * The admin's preferences (today: the time zone the dashboard and the calendar show times in). A zone is an IANA
 * name the runtime knows, stored as the runtime spells it (`europe/madrid` → `Europe/Madrid`); null means "the
 * browser's zone", which the dashboard reads from the `tz` cookie the browser sets.
 */
import type { Db } from '../db/client.js';
import { readAdminPreferences, writeAdminPreferences } from '../db/preferences.js';
import { checkedTimeZone } from './overview.js';

export interface AdminPreferences {
  timezone: string | null;
}

export async function getAdminPreferences(db: Db): Promise<AdminPreferences> {
  const { timezone } = await readAdminPreferences(db);
  return { timezone };
}

/** `timezone`: an IANA zone (400 `invalid_time_zone` naming `timezone` otherwise), or null for the browser's zone. */
export async function updateAdminPreferences(db: Db, input: { timezone?: string | null }): Promise<AdminPreferences> {
  if (input.timezone === undefined) return getAdminPreferences(db);
  const timezone = input.timezone === null ? null : checkedTimeZone(input.timezone, 'timezone');
  const row = await writeAdminPreferences(db, { timezone });
  return { timezone: row.timezone };
}

/**
 * The zone the admin reads times in: her saved preference, else `fallback` (the browser's zone a caller passes,
 * checked: an unknown one is a 400 naming `fallbackField`), else UTC. `source` says which one won.
 */
export async function effectiveAdminTimeZone(db: Db, fallback: string | undefined, fallbackField = 'tz') {
  const { timezone } = await readAdminPreferences(db);
  // A fallback is checked even when the preference wins, so a wrong value is always reported.
  const checkedFallback = fallback === undefined ? undefined : checkedTimeZone(fallback, fallbackField);
  if (timezone) return { timezone, source: 'preference' as const };
  if (checkedFallback) return { timezone: checkedFallback, source: 'browser' as const };
  return { timezone: 'UTC', source: 'default' as const };
}
