/**
 * Revenue (README "Streams and earnings"): live-session earnings attributed to the tracking links whose clicks
 * reached the session (core/attribution.ts), by model, platform, account or publication, and the funnel
 * views → clicks → stream visits → earnings per platform.
 *
 * A period holds the sessions that **started** in it (their earnings whole, even past its end); earnings lines outside
 * any session are counted apart by their own time. Amounts are decimal strings in USD with 4 decimals (never floats);
 * token shares too (linear shares may be fractions of a token). Every figure states its method.
 */
import { Type, type Static } from '@sinclair/typebox';
import { attributionMethods } from '../../core/streams.js';
import { IsoTime, Nullable, StringEnum, Uuid } from './common.js';

export { attributionMethods };
/** Groupings by who brought the money: rows largest first, at most `limit`. */
export const revenueOwnerGroupings = ['model', 'platform', 'account', 'publication'] as const;
export type RevenueOwnerGrouping = (typeof revenueOwnerGroupings)[number];
/**
 * The owners, and the chart's series: `hour` / `day`, every UTC hour or calendar day of session start in the range,
 * oldest first, zeros included (`hour` for ranges of at most 31 days, as the clicks API).
 */
export const revenueGroupings = [...revenueOwnerGroupings, 'hour', 'day'] as const;
export type RevenueGrouping = (typeof revenueGroupings)[number];
/** The time groupings (the chart's series). */
export type RevenueBucket = Extract<RevenueGrouping, 'hour' | 'day'>;

const Decimal = (description: string) => Type.String({ pattern: '^-?\\d+\\.\\d{4}$', description });

const range = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'start (inclusive): sessions started at or after; default: `to` minus 7 days' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'end (exclusive); default: now. At most 400 days after `from`' })),
  modelId: Type.Optional(Uuid),
};

/** GET /api/revenue query. */
export const RevenueQuery = Type.Object({
  ...range,
  groupBy: StringEnum(revenueGroupings, { description: '`hour` / `day`: one row per UTC hour / day of session start, zeros included (`hour`: at most 31 days)' }),
  method: Type.Optional(StringEnum(attributionMethods, { description: 'default `last_click`' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'rows, largest amount first (not for `hour` / `day`); default 100' })),
  format: Type.Optional(StringEnum(['json', 'csv'] as const, { description: '`csv` answers text/csv with the same rows, the unattributed last' })),
}, { additionalProperties: false });
export type RevenueQuery = Static<typeof RevenueQuery>;

const Amounts = Type.Object({ amountUsd: Decimal('USD'), tokens: Decimal('tokens') });

export const RevenueRow = Type.Object({
  key: Nullable(Type.String({
    description: 'model / account / publication id, or platform name; null = the account’s own link (publication grouping); ' +
      '`hour` / `day`: the ISO instant the UTC hour / day starts',
  })),
  label: Nullable(Type.String({ description: 'a readable name (`day`: `YYYY-MM-DD`; `hour`: `YYYY-MM-DDTHH:00Z`)' })),
  /** The account of a publication row (publication grouping), to tell an account link from a post. */
  accountId: Nullable(Type.String()),
  amountUsd: Decimal('earnings attributed to this group by `method`'),
  tokens: Decimal('tokens attributed (linear shares may be fractions)'),
  clicks: Type.Integer({ description: 'people’s clicks of this group that reached a session (the same by both methods)' }),
  sessions: Type.Integer({ description: 'sessions this group’s clicks reached (`hour` / `day`: that bucket’s sessions some link was credited in)' }),
  /** `hour` / `day` only: every session that started in that bucket and its earnings (attributed or not). */
  total: Type.Optional(Type.Object({ sessions: Type.Integer(), amountUsd: Decimal('USD'), tokens: Decimal('tokens') })),
  /** `hour` / `day` only: of that total, what no link was credited with by `method` (pending sessions included). */
  unattributed: Type.Optional(Amounts),
});
export type RevenueRow = Static<typeof RevenueRow>;

export const RevenueTotals = Type.Object({
  /** Sessions that started in the period and their earnings. */
  sessions: Type.Integer(),
  amountUsd: Decimal('earnings of those sessions'),
  tokens: Decimal('tokens of those sessions'),
  /** Of them, attributed to a link by `method`. */
  attributed: Type.Object({ amountUsd: Decimal('USD'), tokens: Decimal('tokens'), clicks: Type.Integer({ description: 'reaching clicks' }) }),
  /** Of them, what no link was credited with by `method` (no click reached the session, or — last click — a line came before the first one). */
  unattributed: Amounts,
  /** Sessions whose attribution is not computed yet (still open, or lines came after it): their earnings count as unattributed until then. */
  pendingSessions: Type.Integer(),
  /** Earnings lines outside any session, by their own time in the period (never attributable). */
  outsideSessions: Type.Object({ amountUsd: Decimal('USD'), tokens: Decimal('tokens'), lines: Type.Integer() }),
});
export type RevenueTotals = Static<typeof RevenueTotals>;

export const RevenueReply = Type.Object({
  from: IsoTime,
  to: IsoTime,
  groupBy: StringEnum(revenueGroupings),
  method: StringEnum(attributionMethods),
  /** Largest amount first (then clicks); `hour` / `day`: every UTC hour / day of the range, oldest first, zeros included. */
  rows: Type.Array(RevenueRow),
  totals: RevenueTotals,
});
export type RevenueReply = Static<typeof RevenueReply>;

/** GET /api/revenue/funnel query. */
export const FunnelQuery = Type.Object({
  ...range,
  format: Type.Optional(StringEnum(['json', 'csv'] as const)),
}, { additionalProperties: false });
export type FunnelQuery = Static<typeof FunnelQuery>;

const ByMethod = Type.Object({ last_click: Decimal('by last click'), linear: Decimal('linear') });

export const FunnelRow = Type.Object({
  platform: Type.String(),
  /** Publications that went out in the period, and their latest views (as last read from the platform). */
  publications: Type.Integer(),
  views: Type.Integer(),
  /** People’s tracking-link clicks in the period (bots apart), from the rollups. */
  clicks: Type.Integer(),
  uniqueClicks: Type.Integer(),
  /** Clicks that reached a session started in the period. */
  streamVisits: Type.Integer(),
  /** Earnings attributed to this platform’s links, by each method. */
  amountUsd: ByMethod,
});
export type FunnelRow = Static<typeof FunnelRow>;

export const FunnelReply = Type.Object({
  from: IsoTime,
  to: IsoTime,
  /** Largest last-click amount first, then clicks. */
  rows: Type.Array(FunnelRow),
  totals: Type.Omit(FunnelRow, ['platform']),
  /** Earnings of the period's sessions no platform was credited with, by each method. */
  unattributedUsd: ByMethod,
});
export type FunnelReply = Static<typeof FunnelReply>;
