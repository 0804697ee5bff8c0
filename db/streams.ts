/**
 * Live sessions (`streams`) and earnings lines (`earnings`) as the admin reads them — keyset pages newest first,
 * the cursor carrying the exact stored microsecond — and what the CSV import writes: sessions and lines inserted
 * once by their (model, site, external_id) key, lines linked to the session they fall in, session totals summed
 * from their lines.
 */
import { and, desc, eq, gte, inArray, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { EarningKind } from '../core/streams.js';
import type { Db } from './client.js';
import { earnings, streams } from './schema.js';

/** A stored instant as whole microseconds since the epoch (text: beyond a double's exact range in general). */
const micros = (column: typeof streams.startedAt | typeof earnings.ts) => sql<string>`((extract(epoch from ${column}) * 1000000)::bigint)::text`;
/** The instant of a microsecond count, exactly (no float division). */
const fromMicros = (us: bigint) => sql`('epoch'::timestamptz + ${us.toString()}::bigint * interval '1 microsecond')`;

export interface StreamRangeFilter {
  modelId?: string;
  from?: Date;
  to?: Date;
}

/** The keyset of the sessions list: start (µs), then id; newest first. */
export interface StreamKey {
  startedUs: bigint;
  id: string;
}

/** The keyset of the earnings list: time (µs), then id; newest first. */
export interface EarningKey {
  tsUs: bigint;
  id: number;
}

/** One page of sessions (one more row than `limit`, so the caller knows whether a next page exists). */
export async function listStreamPage(db: Db, filter: StreamRangeFilter, limit: number, after?: StreamKey) {
  const where: SQL[] = [];
  if (filter.modelId) where.push(eq(streams.modelId, filter.modelId));
  if (filter.from) where.push(gte(streams.startedAt, filter.from));
  if (filter.to) where.push(lt(streams.startedAt, filter.to));
  if (after) where.push(sql`(${streams.startedAt}, ${streams.id}) < (${fromMicros(after.startedUs)}, ${after.id}::uuid)`);
  return db
    .select({
      id: streams.id, modelId: streams.modelId, site: streams.site, startedAt: streams.startedAt, endedAt: streams.endedAt,
      showType: streams.showType, peakViewers: streams.peakViewers, followersStart: streams.followersStart, followersEnd: streams.followersEnd,
      tokens: streams.tokens, amountUsd: streams.amountUsd, origin: streams.origin, keyUs: micros(streams.startedAt),
    })
    .from(streams)
    .where(and(...where))
    .orderBy(desc(streams.startedAt), desc(streams.id))
    .limit(limit + 1);
}

/** One page of earnings lines (one more row than `limit`). */
export async function listEarningPage(db: Db, filter: StreamRangeFilter, limit: number, after?: EarningKey) {
  const where: SQL[] = [];
  if (filter.modelId) where.push(eq(earnings.modelId, filter.modelId));
  if (filter.from) where.push(gte(earnings.ts, filter.from));
  if (filter.to) where.push(lt(earnings.ts, filter.to));
  if (after) where.push(sql`(${earnings.ts}, ${earnings.id}) < (${fromMicros(after.tsUs)}, ${after.id})`);
  return db
    .select({
      id: earnings.id, modelId: earnings.modelId, ts: earnings.ts, kind: earnings.kind, tokens: earnings.tokens, amountUsd: earnings.amountUsd,
      site: earnings.site, origin: earnings.origin, sourceId: earnings.sourceId, streamId: earnings.streamId, isAnonymous: earnings.isAnonymous,
      keyUs: micros(earnings.ts),
    })
    .from(earnings)
    .where(and(...where))
    .orderBy(desc(earnings.ts), desc(earnings.id))
    .limit(limit + 1);
}

// ── CSV import ──────────────────────────────────────────────────────────────────────────────

/** Serialises imports of one model and site (held to the end of the transaction), so two at once never race. */
export async function lockStreamImport(tx: Db, modelId: string, site: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`stream-import:${modelId}:${site}`}))`);
}

export interface StoredSession {
  id: string;
  externalId: string | null;
  startedAt: Date;
  endedAt: Date | null;
}

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** The model's sessions on the site stored under these keys. */
export async function sessionsByExternalId(db: Db, modelId: string, site: string, externalIds: readonly string[]): Promise<StoredSession[]> {
  const out: StoredSession[] = [];
  for (const part of chunks(externalIds, 1000)) {
    out.push(...await db.select({ id: streams.id, externalId: streams.externalId, startedAt: streams.startedAt, endedAt: streams.endedAt }).from(streams)
      .where(and(eq(streams.modelId, modelId), eq(streams.site, site), inArray(streams.externalId, part))));
  }
  return out;
}

/** The model's sessions on the site whose window meets [from, to] (an open session runs on). */
export async function sessionsMeeting(db: Db, modelId: string, site: string, from: Date, to: Date): Promise<StoredSession[]> {
  return db.select({ id: streams.id, externalId: streams.externalId, startedAt: streams.startedAt, endedAt: streams.endedAt }).from(streams)
    .where(and(
      eq(streams.modelId, modelId), eq(streams.site, site), lte(streams.startedAt, to),
      or(isNull(streams.endedAt), gte(streams.endedAt, from)),
    ));
}

/** Which of these keys the model's earnings lines on the site already hold. */
export async function storedEarningIds(db: Db, modelId: string, site: string, externalIds: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const part of chunks(externalIds, 1000)) {
    const rows = await db.select({ externalId: earnings.externalId }).from(earnings)
      .where(and(eq(earnings.modelId, modelId), eq(earnings.site, site), inArray(earnings.externalId, part)));
    for (const row of rows) found.add(row.externalId);
  }
  return found;
}

export interface NewCsvSession {
  modelId: string;
  sourceId: string | null;
  site: string;
  externalId: string;
  startedAt: Date;
  endedAt: Date;
  showType: 'public' | 'private' | 'offline';
  peakViewers: number | null;
  followersStart: number | null;
  followersEnd: number | null;
}

/** Inserts the sessions that are not stored yet (by key); answers the new ones' ids by key. */
export async function insertCsvSessions(tx: Db, rows: readonly NewCsvSession[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const part of chunks(rows, 500)) {
    const inserted = await tx.insert(streams).values(part.map((r) => ({ ...r, origin: 'csv' })))
      .onConflictDoNothing({ target: [streams.modelId, streams.site, streams.externalId] })
      .returning({ id: streams.id, externalId: streams.externalId });
    for (const row of inserted) ids.set(row.externalId!, row.id);
  }
  return ids;
}

export interface NewCsvEarning {
  modelId: string;
  sourceId: string | null;
  streamId: string | null;
  site: string;
  ts: Date;
  kind: EarningKind;
  tokens: number | null;
  amountUsd: string;
  externalId: string;
}

/** Inserts the lines not stored yet (by key); answers the inserted ones' sessions (null for unlinked lines). */
export async function insertCsvEarnings(tx: Db, rows: readonly NewCsvEarning[]): Promise<(string | null)[]> {
  const out: (string | null)[] = [];
  for (const part of chunks(rows, 1000)) {
    const inserted = await tx.insert(earnings).values(part.map((r) => ({ ...r, origin: 'csv' })))
      .onConflictDoNothing({ target: [earnings.modelId, earnings.site, earnings.externalId] })
      .returning({ streamId: earnings.streamId });
    out.push(...inserted.map((r) => r.streamId));
  }
  return out;
}

// Qualified by hand: drizzle may print a column unqualified, which the subquery would read as its own table's.
/** Sets each session's tokens and amount to the sums of its lines, and marks its attribution stale. */
export async function refreshStreamTotals(tx: Db, streamIds: readonly string[]): Promise<void> {
  for (const part of chunks(streamIds, 1000)) {
    await tx.update(streams).set({
      tokens: sql`coalesce((select sum(e.tokens)::int from ${earnings} e where e.stream_id = "streams"."id"), 0)`,
      amountUsd: sql`coalesce((select sum(e.amount_usd) from ${earnings} e where e.stream_id = "streams"."id"), 0)`,
      attributedAt: null,
      updatedAt: new Date(),
    }).where(inArray(streams.id, [...part]));
  }
}
