/**
 * The audit log (every system_events row, filtered, newest first, keyset-paged) and the acknowledgement of alerts
 * (recorded with who did it, and itself an event).
 */
import type { EventKind } from '../contracts/events.js';
import { inTransaction, type Db } from '../db/client.js';
import {
  findAlertAcknowledgement, findEvent, insertAlertAcknowledgement, listEvents, recordEvent, type EventListFilter,
} from '../db/events.js';
import { ServiceError } from './errors.js';

export interface AuditQuery {
  kind?: EventKind;
  modelId?: string;
  accountId?: string;
  publicationId?: string;
  contentId?: string;
  actor?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

const defaultLimit = 50;
const cursorPrefix = 'ev:';

/** The opaque cursor of the page after the row with this id. */
export function eventCursor(id: number): string {
  return Buffer.from(`${cursorPrefix}${id}`).toString('base64url');
}

function cursorId(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith(cursorPrefix) ? Number(text.slice(cursorPrefix.length)) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new ServiceError('invalid', 'invalid_cursor', 'cursor: not a cursor this list gave', { fields: { cursor: 'not a cursor this list gave' } });
  }
  return id;
}

function time(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new ServiceError('invalid', 'invalid_request', `${field}: not a time`, { fields: { [field]: 'not a time' } });
  return date;
}

/** Events newest first: `limit` of them and the cursor of the next (older) page, null on the last page. */
export async function listAuditEvents(db: Db, query: AuditQuery) {
  const limit = query.limit ?? defaultLimit;
  const from = time(query.from, 'from');
  const to = time(query.to, 'to');
  if (from && to && from >= to) throw new ServiceError('invalid', 'invalid_request', 'to: must be after from', { fields: { to: 'must be after from' } });
  const filter: EventListFilter = {
    kind: query.kind, modelId: query.modelId, accountId: query.accountId, publicationId: query.publicationId,
    contentId: query.contentId, actor: query.actor, from, to,
    beforeId: query.cursor === undefined ? undefined : cursorId(query.cursor),
  };
  // One row more than asked says whether an older page exists.
  const rows = await listEvents(db, filter, limit + 1);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? eventCursor(last.id) : null };
}

export type AuditEventRow = Awaited<ReturnType<typeof listAuditEvents>>['items'][number];

export type AcknowledgeResult =
  | { ok: true; eventId: number; actor: string; acknowledgedAt: Date }
  | { ok: false; acknowledgedBy: string; acknowledgedAt: Date };

/**
 * Acknowledges an `alert` event: stores who and when, and records `alert_acknowledged` with the same links as
 * the alert, in one transaction. 404 when there is no such alert; an alert acknowledged before answers who and when.
 */
export async function acknowledgeAlert(db: Db, eventId: number, actor: string): Promise<AcknowledgeResult> {
  return inTransaction(db, async (tx) => {
    const event = await findEvent(tx, eventId);
    if (!event || event.type !== 'alert') throw new ServiceError('not_found', 'not_found', `no alert event ${eventId}`);
    const inserted = await insertAlertAcknowledgement(tx, eventId, actor);
    if (!inserted) {
      const existing = await findAlertAcknowledgement(tx, eventId);
      if (!existing) throw new Error(`acknowledgement of event ${eventId} neither inserted nor found`);
      return { ok: false, acknowledgedBy: existing.actor, acknowledgedAt: existing.acknowledgedAt };
    }
    await recordEvent(tx, 'alert_acknowledged', { alertEventId: eventId, kind: event.data.kind }, {
      actor, modelId: event.modelId, accountId: event.accountId, publicationId: event.publicationId, contentId: event.contentId,
    });
    return { ok: true, eventId, actor: inserted.actor, acknowledgedAt: inserted.acknowledgedAt };
  });
}
