/**
 * system_events: the audit/event log every transition writes, and the outbox cursor that turns new events into
 * notifications (one cursor per consumer, under a lease).
 */
import { and, eq, gt, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { EventDescriptions, EventKind, EventLinks, EventPayloads } from '../contracts/events.js';
import { events as englishEvents } from '../messages/en/events.js';
import type { Db } from './client.js';
import { systemEvents, telegramOutbox, type SystemEvent } from './schema.js';

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
export async function acquireOutbox(db: Db, name: string, owner: string, leaseMs: number): Promise<number | undefined> {
  await db.insert(telegramOutbox)
    .values({ name, lastEventId: sql`(select coalesce(max(${systemEvents.id}), 0) from ${systemEvents})` })
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
