/**
 * GET /api/calendar: the publications of a time range (by their calendar time) plus the free slots the models'
 * rules leave in it, for the dashboard's calendar. Times are ISO instants (UTC); `timezone` is the zone the admin
 * reads them in (her preference, else the browser's zone the caller passed as `tz`, else UTC).
 */
import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Nullable, StringEnum, Uuid } from './common.js';
import { publicationStatuses } from './statuses.js';

/** The longest range one request may ask for (a month view shows six weeks). */
export const calendarMaxRangeDays = 62;
/** At most this many publications per answer (the earliest); `truncated` says when more matched. */
export const calendarItemLimit = 10_000;

export const CalendarQuery = Type.Object({
  from: Type.String({ format: 'date-time', description: 'start of the range (ISO 8601, inclusive)' }),
  to: Type.String({ format: 'date-time', description: `end of the range (ISO 8601, exclusive); after \`from\`, at most ${calendarMaxRangeDays} days later` }),
  modelId: Type.Optional(Uuid),
  platform: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'platform name, e.g. `demo`' })),
  accountId: Type.Optional(Uuid),
  tz: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the browser’s IANA zone, used when the admin saved no preference (default UTC)' })),
});
export type CalendarQuery = Static<typeof CalendarQuery>;

/** Who a calendar entry belongs to: model (with her zone), platform, account. */
const ownerFields = {
  modelId: Type.String(),
  modelName: Type.String(),
  /** The model's own zone (her rules), for "her local time" next to the admin's. */
  modelTimezone: Type.String(),
  platform: Type.String(),
  accountId: Type.String(),
  username: Type.String(),
};

export const CalendarItem = Type.Object({
  publicationId: Type.String(),
  contentId: Type.String(),
  status: StringEnum(publicationStatuses),
  /** Where the calendar places it: `publishedAt` once published, else `scheduledTime`. */
  time: IsoTime,
  scheduledTime: Nullable(IsoTime),
  publishedAt: Nullable(IsoTime),
  /** Whether POST /api/publications/:id/reschedule accepts it in this status (the calendar lets it be dragged). */
  reschedulable: Type.Boolean(),
  ...ownerFields,
  /** The first line of the caption as scheduled, shortened. */
  captionExcerpt: Nullable(Type.String()),
  postUrl: Nullable(Type.String()),
});
export type CalendarItem = Static<typeof CalendarItem>;

/**
 * A slot of an account's fixed posting slots where a new content could go: in the range, in the future, within the
 * platform's horizon, and accepted by the scheduler's own check against the account's taken times. Each slot is
 * free on its own: the daily cap may not leave room for every free slot of one day at once.
 */
export const CalendarFreeSlot = Type.Object({ time: IsoTime, ...ownerFields });
export type CalendarFreeSlot = Static<typeof CalendarFreeSlot>;

export const CalendarResponse = Type.Object({
  from: IsoTime,
  to: IsoTime,
  timezone: Type.String({ description: 'the zone the admin reads times in' }),
  timezoneSource: StringEnum(['preference', 'browser', 'default'] as const, {
    description: '`preference`: saved in the settings; `browser`: the `tz` given; `default`: UTC',
  }),
  /** Publications whose calendar time falls in [from, to), earliest first. */
  items: Type.Array(CalendarItem),
  /** More publications matched than `limit`: only the earliest `limit` are in `items`. */
  truncated: Type.Boolean(),
  limit: Type.Integer(),
  freeSlots: Type.Array(CalendarFreeSlot),
});
export type CalendarResponse = Static<typeof CalendarResponse>;
