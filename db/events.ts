/**
 * system_events: the audit/event log every transition writes, and the outbox cursor that turns new events into
 * notifications (one cursor per consumer, under a lease).
 */
import { and, desc, eq, gt, gte, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { EventDescriptions, EventKind, EventLinks, EventPayloads } from '../contracts/events.js';
import { events as englishEvents } from '../messages/en/events.js';
import type { Db } from './client.js';
import { alertAcknowledgements, models, platformAccounts, platforms, systemEvents, telegramOutbox, type SystemEvent } from './schema.js';

/** The event's description as stored: the English catalogue rendering its payload (messages/en/events.ts). */
export function describeEvent<K extends EventKind>(kind: K, payload: EventPayloads[K]): string {
  const descriptions: EventDescriptions = englishEvents;
  return descriptions[kind](payload);
}

/**
 * Records one event of `kind` with its typed payload (stored in `data`) and links; the description is rendered
 * from the payload. Returns that description (for an error message that says the same).
 */
export async function recordEvent<K extends EventKind>(db: Db, kind: K, payload: EventPayloads[K], links: EventLinks = {}): Promise<string> {
  const description = describeEvent(kind, payload);
  await db.insert(systemEvents).values({ ...links, type: kind, description, data: payload as Record<string, unknown> });
  return description;
}

/** A system_events row whose `data` is the payload of its `type` (narrow with `event.type === '…'`). */
export type TypedEvent = { [K in EventKind]: Omit<SystemEvent, 'type' | 'data'> & { type: K; data: EventPayloads[K] } }[EventKind];

export async function eventsOf(db: Db, filter: { contentId?: string; publicationId?: string; accountId?: string }) {
  const where: SQL[] = [];
  if (filter.contentId) where.push(eq(systemEvents.contentId, filter.contentId));
  if (filter.publicationId) where.push(eq(systemEvents.publicationId, filter.publicationId));
  if (filter.accountId) where.push(eq(systemEvents.accountId, filter.accountId));
  return db.select().from(systemEvents).where(where.length ? and(...where) : undefined).orderBy(systemEvents.ts, systemEvents.id);
}

/** The events after `afterId`, in id order, typed by kind (every row is written by `recordEvent`). */
export async function eventsAfter(db: Db, afterId: number, limit: number): Promise<TypedEvent[]> {
  const rows = await db.select().from(systemEvents).where(gt(systemEvents.id, afterId)).orderBy(systemEvents.id).limit(limit);
  return rows as TypedEvent[];
}

/**
 * Takes (or renews) the notifier's lease and returns its cursor; undefined while another process holds it.
 * A bot seen for the first time starts after the newest event, so it never replays history.
 */
export async function acquireOutbox(db: Db, name: string, owner: string, leaseMs: number, initial?: number): Promise<number | undefined> {
  await db.insert(telegramOutbox)
    .values({ name, lastEventId: initial ?? sql`(select coalesce(max(${systemEvents.id}), 0) from ${systemEvents})` })
    .onConflictDoNothing({ target: telegramOutbox.name });
  const [row] = await db.update(telegramOutbox)
    .set({ leaseOwner: owner, leaseUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
    .where(and(
      eq(telegramOutbox.name, name),
      or(eq(telegramOutbox.leaseOwner, owner), isNull(telegramOutbox.leaseUntil), lt(telegramOutbox.leaseUntil, sql`now()`)),
    ))
    .returning({ lastEventId: telegramOutbox.lastEventId });
  return row?.lastEventId;
}

export async function advanceOutbox(db: Db, name: string, owner: string, lastEventId: number): Promise<boolean> {
  const rows = await db.update(telegramOutbox).set({ lastEventId })
    .where(and(eq(telegramOutbox.name, name), eq(telegramOutbox.leaseOwner, owner)))
    .returning({ name: telegramOutbox.name });
  return rows.length > 0;
}

export async function releaseOutbox(db: Db, name: string, owner: string) {
  await db.update(telegramOutbox).set({ leaseOwner: null, leaseUntil: null })
    .where(and(eq(telegramOutbox.name, name), eq(telegramOutbox.leaseOwner, owner)));
}

// ── The audit log and alert acknowledgements ─────────────────────────────────────────────────

/** What the audit page filters by; `beforeId` is the keyset cursor (rows with a smaller id). */
export interface EventListFilter {
  kind?: EventKind;
  modelId?: string;
  accountId?: string;
  publicationId?: string;
  contentId?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  beforeId?: number;
}

/**
 * Events newest first by id (keyset: the (model_id, id), (account_id, id) and (type, id) indexes serve the
 * filters), at most `limit`, with the names of what each links to.
 */
export async function listEvents(db: Db, filter: EventListFilter, limit: number) {
  const where: SQL[] = [];
  if (filter.kind) where.push(eq(systemEvents.type, filter.kind));
  if (filter.modelId) where.push(eq(systemEvents.modelId, filter.modelId));
  if (filter.accountId) where.push(eq(systemEvents.accountId, filter.accountId));
  if (filter.publicationId) where.push(eq(systemEvents.publicationId, filter.publicationId));
  if (filter.contentId) where.push(eq(systemEvents.contentId, filter.contentId));
  if (filter.actor) where.push(eq(systemEvents.actor, filter.actor));
  if (filter.from) where.push(gte(systemEvents.ts, filter.from));
  if (filter.to) where.push(lt(systemEvents.ts, filter.to));
  if (filter.beforeId !== undefined) where.push(lt(systemEvents.id, filter.beforeId));
  return db
    .select({
      id: systemEvents.id, ts: systemEvents.ts, type: systemEvents.type, actor: systemEvents.actor,
      description: systemEvents.description, data: systemEvents.data,
      modelId: systemEvents.modelId, modelName: models.name, accountId: systemEvents.accountId, username: platformAccounts.username,
      platform: platforms.name, contentId: systemEvents.contentId, publicationId: systemEvents.publicationId,
    })
    .from(systemEvents)
    .leftJoin(models, eq(models.id, systemEvents.modelId))
    .leftJoin(platformAccounts, eq(platformAccounts.id, systemEvents.accountId))
    .leftJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(systemEvents.id))
    .limit(limit);
}

export async function findEvent(db: Db, id: number): Promise<TypedEvent | undefined> {
  const [row] = await db.select().from(systemEvents).where(eq(systemEvents.id, id));
  return row as TypedEvent | undefined;
}

/** Records who acknowledged an alert event; undefined when it already was (the first acknowledgement stays). */
export async function insertAlertAcknowledgement(db: Db, eventId: number, actor: string) {
  const [row] = await db.insert(alertAcknowledgements).values({ eventId, actor }).onConflictDoNothing().returning();
  return row;
}

export async function findAlertAcknowledgement(db: Db, eventId: number) {
  const [row] = await db.select().from(alertAcknowledgements).where(eq(alertAcknowledgements.eventId, eventId));
  return row;
}
