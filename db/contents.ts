/**
 * Contents: the row of each uploaded video, ingest results, the per-model dedupe lock and duplicate look-up.
 */
import { and, asc, desc, eq, ilike, inArray, ne, or, sql } from 'drizzle-orm';
import type { MediaFacts } from '../core/types.js';
import { type Db, inTransaction } from './client.js';
import { contents, models, platformAccounts, platforms, publications, type Content } from './schema.js';

/** contents.rejected_by of a content that ingest refused for its media (not a person's decision). */
export const INGEST_ACTOR = 'system:ingest';

export async function insertContent(
  db: Db,
  values: { id: string; modelId: string; filePath: string; originalFilename: string | null; sentBy: string; context: string | null; workflowId: string },
) {
  const [row] = await db.insert(contents).values(values).returning();
  return row!;
}

export async function deleteContent(db: Db, id: string) {
  await db.delete(contents).where(eq(contents.id, id));
}

export async function findContent(db: Db, id: string) {
  const [row] = await db.select().from(contents).where(eq(contents.id, id));
  return row;
}

export async function updateContent(db: Db, id: string, values: Partial<typeof contents.$inferInsert>) {
  await db.update(contents).set(values).where(eq(contents.id, id));
}

export async function saveIngestResult(
  db: Db,
  id: string,
  r: { filePath: string; sha256: string; facts: MediaFacts; thumbnailPath: string },
) {
  await updateContent(db, id, {
    filePath: r.filePath,
    sha256: r.sha256,
    durationSeconds: r.facts.durationSeconds,
    width: r.facts.width,
    height: r.facts.height,
    sizeBytes: r.facts.sizeBytes,
    codec: r.facts.codec,
    thumbnailPath: r.thumbnailPath,
  });
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

export async function recentContentsOfModel(db: Db, modelId: string, limit: number) {
  const rows = await db.select().from(contents).where(eq(contents.modelId, modelId)).orderBy(desc(contents.receivedAt)).limit(limit);
  if (rows.length === 0) return [];
  const pubs = await db
    .select({ publication: publications, platformName: platforms.name })
    .from(publications)
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(inArray(publications.contentId, rows.map((r) => r.id)))
    .orderBy(publications.createdAt);
  return rows.map((content) => ({ content, publications: pubs.filter((p) => p.publication.contentId === content.id) }));
}

export interface ContentListFilter {
  status?: Content['status'];
  modelId?: string;
  /** Part of the model's name, the context, the file name or a caption draft (case ignored). */
  q?: string;
}
/** `receivedAt`: the exact stored time (microseconds, as text), which a JavaScript Date would round. */
export interface ContentListKey {
  receivedAt: string;
  id: string;
}

/** Contents with their model's name, keyset-paged on (received_at, id): ascending for the queue, else newest first. */
export async function listContents(db: Db, query: ContentListFilter & { ascending: boolean; after?: ContentListKey; limit: number }) {
  const conditions = [];
  if (query.status) conditions.push(eq(contents.status, query.status));
  if (query.modelId) conditions.push(eq(contents.modelId, query.modelId));
  const q = query.q?.trim();
  if (q) {
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(
      ilike(models.name, like), ilike(contents.context, like), ilike(contents.originalFilename, like),
      sql`${contents.captionDrafts}::text ilike ${like}`,
    ));
  }
  if (query.after) {
    const { receivedAt, id } = query.after;
    conditions.push(query.ascending
      ? sql`(${contents.receivedAt}, ${contents.id}) > (${receivedAt}::timestamptz, ${id}::uuid)`
      : sql`(${contents.receivedAt}, ${contents.id}) < (${receivedAt}::timestamptz, ${id}::uuid)`);
  }
  const order = query.ascending ? [asc(contents.receivedAt), asc(contents.id)] : [desc(contents.receivedAt), desc(contents.id)];
  return db
    .select({
      content: contents, modelName: models.name,
      cursorTime: sql<string>`to_char(${contents.receivedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(contents)
    .innerJoin(models, eq(models.id, contents.modelId))
    .where(and(...conditions))
    .orderBy(...order)
    .limit(query.limit);
}
