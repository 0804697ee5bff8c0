/**
 * GET /api/events: the audit log (every `system_events` row), filtered and paged newest first by id (keyset).
 * Not to be confused with `contracts/events.ts`, which defines the kinds and their payloads.
 */
import { Type, type Static } from '@sinclair/typebox';
import { eventKinds, type EventKind } from '../events.js';
import { IsoTime, Nullable, Page, PageQuery, Uuid } from './common.js';
import { eventLinkFields } from './overview.js';

/**
 * The JSON Schema is the same enum StringEnum gives; typed as one union (TUnsafe) rather than a tuple of ~60
 * literals, which is deeper than the Fastify type provider's inference can follow (TS2589).
 */
export const EventKindSchema = Type.Unsafe<EventKind>({ type: 'string', enum: [...eventKinds] });

export const EventListQuery = Type.Object({
  kind: Type.Optional(EventKindSchema),
  modelId: Type.Optional(Uuid),
  accountId: Type.Optional(Uuid),
  publicationId: Type.Optional(Uuid),
  contentId: Type.Optional(Uuid),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'exactly who acted: `system`, `admin`, `api`, a token name…' })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'events at or after (ISO 8601)' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'events before (ISO 8601)' })),
  ...PageQuery,
});
export type EventListQuery = Static<typeof EventListQuery>;

/** One event with what it links to (names included, so a page can link each row to what it is about). */
export const EventItem = Type.Object({
  id: Type.Integer(),
  ts: IsoTime,
  kind: EventKindSchema,
  actor: Type.String(),
  /** As stored (English); `kind` + `data` render it in another language (messages/<lang>/events.ts). */
  description: Type.String(),
  data: Nullable(Type.Record(Type.String(), Type.Unknown())),
  ...eventLinkFields,
});
export type EventItem = Static<typeof EventItem>;

export const EventList = Page(EventItem);
export type EventList = Static<typeof EventList>;
