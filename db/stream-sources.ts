/**
 * Stream sources (issue 17): a model's sites and usernames, with the Chaturbate tokens encrypted by the caller
 * (crypto/secrets.ts, bound to the row). The Events API cursor and the polling state are the workflow's
 * (db/stream-events.ts); this file serves the admin's CRUD.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { streamSources } from './schema.js';

export type StreamSourceRow = typeof streamSources.$inferSelect;

/** What the admin sees of a source: never the encrypted columns themselves, only whether they are set. */
const publicColumns = {
  id: streamSources.id,
  modelId: streamSources.modelId,
  site: streamSources.site,
  username: streamSources.username,
  hasEventsToken: streamSources.eventsTokenEncrypted,
  hasStatsToken: streamSources.statsTokenEncrypted,
  status: streamSources.status,
  lastEventAt: streamSources.lastEventAt,
  lastError: streamSources.lastError,
  createdAt: streamSources.createdAt,
};

export interface StreamSourceSummary {
  id: string;
  modelId: string;
  site: string;
  username: string;
  hasEventsToken: boolean;
  hasStatsToken: boolean;
  status: StreamSourceRow['status'];
  lastEventAt: Date | null;
  lastError: string | null;
  createdAt: Date;
}

const summary = (row: { hasEventsToken: string | null; hasStatsToken: string | null } & Omit<StreamSourceSummary, 'hasEventsToken' | 'hasStatsToken'>): StreamSourceSummary => ({
  ...row, hasEventsToken: row.hasEventsToken !== null, hasStatsToken: row.hasStatsToken !== null,
});

export async function listStreamSources(db: Db, modelId: string): Promise<StreamSourceSummary[]> {
  const rows = await db.select(publicColumns).from(streamSources).where(eq(streamSources.modelId, modelId))
    .orderBy(asc(streamSources.createdAt), asc(streamSources.id));
  return rows.map(summary);
}

export async function findStreamSource(db: Db, modelId: string, sourceId: string): Promise<StreamSourceSummary | undefined> {
  const [row] = await db.select(publicColumns).from(streamSources).where(and(eq(streamSources.modelId, modelId), eq(streamSources.id, sourceId)));
  return row ? summary(row) : undefined;
}

/** The sources of a model on a site (the CSV import links its lines to the one source there is). */
export async function streamSourcesOnSite(db: Db, modelId: string, site: string): Promise<{ id: string }[]> {
  return db.select({ id: streamSources.id }).from(streamSources).where(and(eq(streamSources.modelId, modelId), eq(streamSources.site, site)));
}

export interface NewStreamSource {
  id: string;
  modelId: string;
  site: string;
  username: string;
  eventsTokenEncrypted: string | null;
  statsTokenEncrypted: string | null;
}

/** Inserts the source; undefined when the model already has this site and username (the unique key). */
export async function insertStreamSource(db: Db, source: NewStreamSource): Promise<StreamSourceSummary | undefined> {
  const [row] = await db.insert(streamSources).values(source).onConflictDoNothing({ target: [streamSources.modelId, streamSources.site, streamSources.username] })
    .returning(publicColumns);
  return row ? summary(row) : undefined;
}

/** Deletes the row: its event ids go with it, its sessions and earnings lines stay (their source becomes null). */
export async function deleteStreamSource(db: Db, sourceId: string): Promise<boolean> {
  const deleted = await db.delete(streamSources).where(eq(streamSources.id, sourceId)).returning({ id: streamSources.id });
  return deleted.length > 0;
}
