/**
 * The overview (the dashboard's home page) and the acknowledgement of alerts: what needs the admin now, in one
 * answer. Every part is read from SQL in one query each (counts, approvals, alerts, next 24 h, latest published,
 * blocked accounts) plus the health checks.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ClickTotals, PublicationResult } from './analytics.js';
import { IsoTime, Nullable, StringEnum } from './common.js';
import { Health } from './health.js';
import { publicationStatuses } from './statuses.js';

/** Why an account cannot publish now, one code per account (the first that applies, in this order). */
export const blockedReasons = [
  'platform_disabled', 'model_paused', 'account_disabled', 'account_paused', 'session_expired', 'no_session',
  'session_logged_out', 'session_challenge', 'session_unknown',
] as const;
export type BlockedReason = (typeof blockedReasons)[number];

/** GET /api/overview query. */
export const OverviewQuery = Type.Object({
  tz: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone of the admin for "today" (default UTC), e.g. America/Bogota' })),
});
export type OverviewQuery = Static<typeof OverviewQuery>;

/** What an event row links to, with names for the links (null when the event has no such link). */
export const eventLinkFields = {
  modelId: Nullable(Type.String()),
  modelName: Nullable(Type.String()),
  accountId: Nullable(Type.String()),
  username: Nullable(Type.String()),
  platform: Nullable(Type.String()),
  contentId: Nullable(Type.String()),
  publicationId: Nullable(Type.String()),
};
export const EventLinksView = Type.Object(eventLinkFields);
export type EventLinksView = Static<typeof EventLinksView>;

/** An `alert` event nobody acknowledged yet. */
export const OpenAlert = Type.Object({
  id: Type.Integer({ description: 'the alert event’s id (POST /api/alerts/:id/ack)' }),
  ts: IsoTime,
  kind: Type.String({ description: '`data.kind`: what the alert is about (contracts/events.ts alertKinds)' }),
  description: Type.String({ description: 'as stored (English)' }),
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'the alert payload, to render the description in another language' }),
  ...eventLinkFields,
});
export type OpenAlert = Static<typeof OpenAlert>;

/** A publication as the overview lists it (next 24 h, latest published). */
export const OverviewPublication = Type.Object({
  id: Type.String(),
  contentId: Type.String(),
  status: StringEnum(publicationStatuses),
  modelId: Type.String(),
  modelName: Type.String(),
  platform: Type.String(),
  accountId: Type.String(),
  username: Type.String(),
  scheduledTime: Nullable(IsoTime),
  publishedAt: Nullable(IsoTime),
  postUrl: Nullable(Type.String()),
});
export type OverviewPublication = Static<typeof OverviewPublication>;

export const PendingContent = Type.Object({
  id: Type.String(),
  modelId: Type.String(),
  modelName: Type.String(),
  receivedAt: IsoTime,
  /** The first characters of the model's context (null when she sent none). */
  contextExcerpt: Nullable(Type.String()),
});
export type PendingContent = Static<typeof PendingContent>;

export const BlockedAccount = Type.Object({
  id: Type.String(),
  username: Type.String(),
  platform: Type.String(),
  modelId: Type.String(),
  modelName: Type.String(),
  reason: StringEnum(blockedReasons),
});
export type BlockedAccount = Static<typeof BlockedAccount>;

export const Overview = Type.Object({
  generatedAt: IsoTime,
  /** The zone "today" was computed in, and that day's bounds [from, to). */
  timeZone: Type.String(),
  today: Type.Object({ from: IsoTime, to: IsoTime }),
  counts: Type.Object({
    scheduled: Type.Integer(),
    held: Type.Integer(),
    processing: Type.Integer(),
    failed: Type.Integer(),
    unconfirmed: Type.Integer(),
    publishedToday: Type.Integer(),
  }),
  /** Contents waiting for a person's decision: how many, and the 10 oldest. */
  approvals: Type.Object({ total: Type.Integer(), oldest: Type.Array(PendingContent) }),
  /** `alert` events without an acknowledgement: how many, and the 20 newest. */
  alerts: Type.Object({ total: Type.Integer(), items: Type.Array(OpenAlert) }),
  /** Scheduled or held publications due within the next 24 hours, soonest first (at most 50 of `total`). */
  upcoming: Type.Object({ total: Type.Integer(), items: Type.Array(OverviewPublication) }),
  /** The 10 latest published, newest first, with their post links. */
  latestPublished: Type.Array(OverviewPublication),
  /** Accounts that cannot publish now, with why (at most 100 of `total`). */
  blockedAccounts: Type.Object({ total: Type.Integer(), items: Type.Array(BlockedAccount) }),
  /** People's tracking-link clicks in the admin's day (hours starting in `today`, from the hourly rollups); bots apart. */
  clicksToday: ClickTotals,
  /** Up to 5 publications that went out in the last 7 days, most clicked first (then most viewed). */
  topPostsOfWeek: Type.Array(PublicationResult),
  health: Health,
});
export type Overview = Static<typeof Overview>;

/** POST /api/alerts/:id/ack path: the alert event's numeric id. */
export const AlertIdParams = Type.Object({ id: Type.Integer({ minimum: 1, description: 'the `alert` event’s id' }) });
export type AlertIdParams = Static<typeof AlertIdParams>;

export const AlertAcknowledged = Type.Object({ eventId: Type.Integer(), actor: Type.String(), acknowledgedAt: IsoTime });
export type AlertAcknowledged = Static<typeof AlertAcknowledged>;

/** 409: somebody acknowledged it before (who and when). */
export const AlreadyAcknowledged = Type.Object({
  error: Type.Literal('already_acknowledged'),
  message: Type.String(),
  acknowledgedBy: Type.String(),
  acknowledgedAt: IsoTime,
});
export type AlreadyAcknowledged = Static<typeof AlreadyAcknowledged>;
