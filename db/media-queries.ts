/** Queries of the media activities (ingest dedupe/rejection, per-platform variants). */
import { and, asc, eq, ne, or, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { contents, type Content } from './schema.js';

/** contents.rejected_by of a content that ingest refused for its media (not a person's decision). */
export const INGEST_ACTOR = 'system:ingest';

/** Runs `fn` in one transaction: everything it writes lands together or not at all. */
export async function inTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => fn(tx as unknown as Db));
}

/**
 * Runs `fn` in a transaction holding a per-model advisory lock (released at commit/rollback), so
 * two ingests of the same model's uploads check-then-save one after the other. The two-key form
 * keeps this lock apart from any single-key `pg_advisory_xact_lock(...)` used elsewhere.
 */
export async function withModelMediaLock<T>(db: Db, modelId: string, fn: (tx: Db) => Promise<T>): Promise<T> {
  return inTransaction(db, async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('content-dedupe'), hashtext(${modelId}))`);
    return fn(tx);
  });
}

/**
 * The original a new upload repeats: the earliest content of the model with that sha256 that is
 * not itself a duplicate and was not refused at ingest for its media (that one never counted).
 */
export async function findOriginalBySha256(db: Db, modelId: string, sha256: string, excludeContentId: string): Promise<Content | undefined> {
  const [row] = await db
    .select()
    .from(contents)
    .where(
      and(
        eq(contents.modelId, modelId),
        eq(contents.sha256, sha256),
        ne(contents.id, excludeContentId),
        ne(contents.status, 'duplicate'),
        or(ne(contents.status, 'rejected'), sql`${contents.rejectedBy} is distinct from ${INGEST_ACTOR}`),
      ),
    )
    .orderBy(asc(contents.receivedAt), asc(contents.createdAt), asc(contents.id))
    .limit(1);
  return row;
}
