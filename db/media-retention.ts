/**
 * Media retention's reads (README "Retention"): which contents' videos may go, in keyset pages by id, and which
 * uploads still waiting in media/incoming some row refers to. Nothing here deletes a row: contents, their facts and
 * publications stay; the files go (activities/retention/media.ts).
 */
import { and, asc, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { contents, systemEvents, telegramUploads } from './schema.js';

export interface RetainableContent {
  id: string;
  filePath: string;
}

/** A publication whose workflow can no longer need the video: posted, cancelled, or failed long enough ago. */
const finalPublication = (failedBefore: Date) => sql`(p.status in ('published', 'published_as_draft', 'canceled')
  or (p.status = 'failed' and p.updated_at < ${failedBefore.toISOString()}::timestamptz))`;

/**
 * Approved contents (not the teaser of an enabled live-posting setting) with at least one publication, every one of them final (`failedBefore`: a failed one counts only
 * once nobody can be waiting to retry it), the last of them ended before `cutoff`. Keyset by id after `afterId`.
 */
export async function publishedContentsBefore(
  db: Db, opts: { cutoff: Date; failedBefore: Date; afterId: string | null; limit: number },
): Promise<RetainableContent[]> {
  return db.select({ id: contents.id, filePath: contents.filePath }).from(contents).where(and(
    sql`${contents.status} = 'approved'`,
    // The clip an enabled live-posting setting reposts at every session stays (`reusable` ones are not `approved`).
    sql`not exists (select 1 from models m where m.live_posting->>'contentId' = ${contents.id}::text and (m.live_posting->>'enabled')::boolean)`,
    opts.afterId ? gt(contents.id, opts.afterId) : undefined,
    sql`exists (select 1 from publications p where p.content_id = ${contents.id})`,
    sql`not exists (select 1 from publications p where p.content_id = ${contents.id} and not ${finalPublication(opts.failedBefore)})`,
    sql`(select max(coalesce(p.published_at, p.updated_at)) from publications p where p.content_id = ${contents.id}) < ${opts.cutoff.toISOString()}::timestamptz`,
  )).orderBy(asc(contents.id)).limit(opts.limit);
}

/**
 * Rejected and duplicate contents decided before `cutoff` (rejected_at; a duplicate's last update), none of whose
 * publications (there should be none) still runs. Keyset by id after `afterId`.
 */
export async function rejectedContentsBefore(
  db: Db, opts: { cutoff: Date; failedBefore: Date; afterId: string | null; limit: number },
): Promise<RetainableContent[]> {
  return db.select({ id: contents.id, filePath: contents.filePath }).from(contents).where(and(
    inArray(contents.status, ['rejected', 'duplicate']),
    opts.afterId ? gt(contents.id, opts.afterId) : undefined,
    sql`coalesce(${contents.rejectedAt}, ${contents.updatedAt}) < ${opts.cutoff.toISOString()}::timestamptz`,
    sql`not exists (select 1 from publications p where p.content_id = ${contents.id} and not ${finalPublication(opts.failedBefore)})`,
  )).orderBy(asc(contents.id)).limit(opts.limit);
}

/**
 * Of these file names (in media/incoming), the ones a content or a Telegram upload still refers to. Compared by
 * name, not by full path: the names are random UUIDs, and a DATA_DIR moved since the row was written must not make
 * a file look orphaned.
 */
export async function referencedIncomingNames(db: Db, names: string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const baseName = (column: unknown) => sql<string>`regexp_replace(${column}, '^.*/', '')`;
  const [fromContents, fromTelegram] = await Promise.all([
    db.select({ name: baseName(contents.filePath) }).from(contents).where(inArray(baseName(contents.filePath), names)),
    db.select({ name: baseName(telegramUploads.filePath) }).from(telegramUploads).where(inArray(baseName(telegramUploads.filePath), names)),
  ]);
  return new Set([...fromContents, ...fromTelegram].map((r) => r.name));
}

/** Whether a `media_retention` event was already recorded for this run (a retried activity records it once). */
export async function retentionRunRecorded(db: Db, run: string): Promise<boolean> {
  const [row] = await db.select({ id: systemEvents.id }).from(systemEvents)
    .where(and(sql`${systemEvents.type} = 'media_retention'`, sql`${systemEvents.data}->>'run' = ${run}`)).limit(1);
  return row !== undefined;
}

/** The database's size in bytes (PostgreSQL's pg_database_size). */
export async function postgresDatabaseBytes(db: Db): Promise<number> {
  const [row] = await db.select({ bytes: sql<string>`pg_database_size(current_database())` }).from(sql`(select 1) as one`);
  return Number(row?.bytes ?? 0);
}
