/**
 * The alert channels' own state (notify/), kept in two existing tables so that it needs no migration:
 *
 * - Cooldown windows, one `telegram_alerts` row per channel and alert key under the key `<scope>:<key>`, the scope
 *   being the channel's cursor name (`notify:webhook`, `notify:email`), with chat 0 / message 0 (no Telegram message behind it). `count` counts the alert's occurrences in the current
 *   window; `shown_count` always equals it, so the bot's fold refresher (`alertsToRefresh`) never picks these rows.
 * - Report cursors, one `telegram_outbox` row per report (`notify:report:daily`, `notify:report:weekly`):
 *   `last_event_id` holds the last period sent (its first local day as days since 1970-01-01), under the same
 *   lease as the event cursors. The event cursors themselves are plain outbox cursors (db/events.ts).
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { acquireOutbox } from './events.js';
import { telegramAlerts } from './schema.js';

const windowKey = (scope: string, key: string) => `${scope}:${key}`;

export interface AlertWindow {
  /** When the alert was last sent on this channel (the window opens there). */
  firstAt: Date;
  /** Occurrences in the window, the sent one included. */
  count: number;
}

export async function findAlertWindow(db: Db, scope: string, key: string): Promise<AlertWindow | undefined> {
  const [row] = await db.select({ firstAt: telegramAlerts.firstAt, count: telegramAlerts.count })
    .from(telegramAlerts).where(eq(telegramAlerts.key, windowKey(scope, key)));
  return row;
}

/** One more occurrence inside the window (not sent). */
export async function foldIntoWindow(db: Db, scope: string, key: string): Promise<void> {
  await db.update(telegramAlerts)
    .set({ count: sql`${telegramAlerts.count} + 1`, shownCount: sql`${telegramAlerts.count} + 1`, lastAt: new Date() })
    .where(eq(telegramAlerts.key, windowKey(scope, key)));
}

/** The alert was just sent: a new window opens at `at`, counting that one occurrence. */
export async function openAlertWindow(db: Db, scope: string, key: string, body: string, at = new Date()): Promise<void> {
  const values = { chatId: 0, messageId: 0, body: body.slice(0, 2000), buttons: null, count: 1, shownCount: 1, firstAt: at, lastAt: at, editedAt: at };
  await db.insert(telegramAlerts).values({ key: windowKey(scope, key), ...values })
    .onConflictDoUpdate({ target: telegramAlerts.key, set: values });
}

/**
 * Takes (or renews) the lease on a report cursor and returns the last period sent; undefined while another process
 * holds it. A cursor seen for the first time starts at `initial` (the period already due, so a new install does not
 * send the past).
 */
export async function acquireReportCursor(db: Db, name: string, owner: string, leaseMs: number, initial: number): Promise<number | undefined> {
  return acquireOutbox(db, name, owner, leaseMs, initial);
}
