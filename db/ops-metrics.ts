/**
 * The database figures Prometheus reads at scrape time (observability/metrics.ts sources), each one statement under
 * a statement timeout so a slow database never piles scrapes up (PGlite ignores the timeout; the scrape's own
 * deadline still holds).
 */
import { eq, sql } from 'drizzle-orm';
import { inTransaction, type Db } from './client.js';
import { publications, systemEvents, telegramOutbox } from './schema.js';

const statementTimeoutMs = 2000;
/** Pending outbox events are counted up to this many (a count, never a scan of the whole backlog). */
export const outboxPendingCap = 10_000;

async function bounded<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return inTransaction(db, async (tx) => {
    await tx.execute(sql.raw(`set local statement_timeout = ${statementTimeoutMs}`));
    return fn(tx);
  });
}

/** Publications per status (only the statuses that have any; one row per status, so the answer stays small). */
export async function publicationStatusCountsBounded(db: Db): Promise<Record<string, number>> {
  const rows = await bounded(db, (tx) =>
    tx.select({ status: publications.status, n: sql<number>`count(*)::int` }).from(publications).groupBy(publications.status));
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

/**
 * The notifier's backlog behind cursor `name`: the age in seconds of the oldest event after the cursor (0 when
 * there is none) and how many wait, counted up to `outboxPendingCap`. A cursor not created yet counts as up to date.
 */
export async function outboxLag(db: Db, name: string): Promise<{ lagSeconds: number; pending: number }> {
  const [row] = await bounded(db, (tx) => tx
    .select({
      lag: sql<number | string | null>`(select extract(epoch from now() - e.ts) from ${systemEvents} e
        where e.id > ${telegramOutbox.lastEventId} order by e.id limit 1)`,
      pending: sql<number | string>`(select count(*) from (select 1 from ${systemEvents} e
        where e.id > ${telegramOutbox.lastEventId} limit ${outboxPendingCap}) as waiting)`,
    })
    .from(telegramOutbox)
    .where(eq(telegramOutbox.name, name)));
  return { lagSeconds: Math.max(0, Number(row?.lag ?? 0)), pending: Number(row?.pending ?? 0) };
}
