/**
 * Traffic analytics (README "Traffic"): clicks on tracking links grouped one way, and per-publication results.
 * Every figure is read from the click rollups and the per-publication running totals, never from raw clicks.
 *
 * Ranges: `from` inclusive, `to` exclusive, ISO 8601; both are taken to whole hours (from down, to up). Day
 * buckets are UTC days (the rollups' days); hour buckets chart in the admin's zone.
 */
import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Nullable, StringEnum, Uuid } from './common.js';

export const clickGroupings = ['hour', 'day', 'country', 'city', 'device', 'os', 'browser', 'referrer', 'platform', 'model', 'account', 'publication'] as const;
export type ClickGrouping = (typeof clickGroupings)[number];

/** Which clicks count: people only (default), everyone, or only bots (crawlers, link previews, prefetches, HEAD). */
export const botFilters = ['exclude', 'include', 'only'] as const;
export type BotFilter = (typeof botFilters)[number];

export const exportFormats = ['json', 'csv'] as const;

/** Narrowing every analytics query shares. */
const scope = {
  modelId: Type.Optional(Uuid),
  accountId: Type.Optional(Uuid),
  platform: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'platform name, e.g. `x`' })),
};

const range = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'start (inclusive); default: `to` minus 7 days' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'end (exclusive); default: now. At most 400 days after `from`' })),
};

/** GET /api/analytics/clicks query. */
export const ClicksQuery = Type.Object({
  ...range,
  groupBy: StringEnum(clickGroupings, { description: '`hour` needs a range of at most 31 days' }),
  ...scope,
  bots: Type.Optional(StringEnum(botFilters, { description: 'default `exclude`' })),
  format: Type.Optional(StringEnum(exportFormats, { description: '`csv` answers text/csv with the same rows' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'rows, largest first (not for hour/day); default 100' })),
}, { additionalProperties: false });
export type ClicksQuery = Static<typeof ClicksQuery>;

export const ClickTotals = Type.Object({
  total: Type.Integer({ description: 'clicks that match `bots`' }),
  unique: Type.Integer({ description: 'of those, first clicks of a visitor on that link that day' }),
  bots: Type.Integer({ description: 'bot clicks, always shown apart whatever `bots` says' }),
});
export type ClickTotals = Static<typeof ClickTotals>;

export const ClickRow = Type.Object({
  key: Nullable(Type.String({ description: 'the group: an ISO instant (hour/day), a country code, a name or an id; null = unknown / direct' })),
  label: Nullable(Type.String({ description: 'a readable name for ids (platform, model, account, publication); null otherwise' })),
  ...ClickTotals.properties,
});
export type ClickRow = Static<typeof ClickRow>;

export const ClicksReply = Type.Object({
  from: IsoTime,
  to: IsoTime,
  groupBy: StringEnum(clickGroupings),
  bots: StringEnum(botFilters),
  /** hour/day groupings: every bucket of the range, zeros included, oldest first; others: largest `total` first. */
  rows: Type.Array(ClickRow),
  totals: ClickTotals,
  /** The same-length period just before, for comparison. */
  previous: Type.Object({ from: IsoTime, to: IsoTime, totals: ClickTotals }),
});
export type ClicksReply = Static<typeof ClicksReply>;

export const publicationSorts = ['clicks', 'views', 'likes', 'ctr', 'publishedAt'] as const;

/** GET /api/analytics/publications query: publications published in the range. */
export const PublicationsAnalyticsQuery = Type.Object({
  ...range,
  ...scope,
  sort: Type.Optional(StringEnum(publicationSorts, { description: 'largest first (newest for publishedAt); default `clicks`' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  format: Type.Optional(StringEnum(exportFormats)),
}, { additionalProperties: false });
export type PublicationsAnalyticsQuery = Static<typeof PublicationsAnalyticsQuery>;

export const PublicationResult = Type.Object({
  id: Type.String(),
  contentId: Type.String(),
  modelId: Type.String(),
  modelName: Type.String(),
  platform: Type.String(),
  accountId: Type.String(),
  username: Type.String(),
  publishedAt: Nullable(IsoTime),
  postUrl: Nullable(Type.String()),
  /** Latest metrics read from the platform (null before the first read). */
  views: Nullable(Type.Integer()),
  likes: Nullable(Type.Integer()),
  comments: Nullable(Type.Integer()),
  shares: Nullable(Type.Integer()),
  /** Tracking clicks by people on this post's link since it was published (bots apart). */
  clicks: Type.Integer(),
  uniqueClicks: Type.Integer(),
  botClicks: Type.Integer(),
  /** clicks / views; null when views are unknown or zero. */
  ctr: Nullable(Type.Number()),
});
export type PublicationResult = Static<typeof PublicationResult>;

export const PublicationsAnalyticsReply = Type.Object({
  from: IsoTime,
  to: IsoTime,
  items: Type.Array(PublicationResult),
});
export type PublicationsAnalyticsReply = Static<typeof PublicationsAnalyticsReply>;
