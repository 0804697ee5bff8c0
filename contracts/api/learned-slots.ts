/**
 * Learned posting slots (core/learned-slots.ts): a model's results by local hour of the week, shrunk toward the
 * studio's average, the top hours under her spacing, and applying them as her posting slots (never automatic).
 */
import { Type, type Static } from '@sinclair/typebox';
import { learnedMetrics } from '../../core/learned-slots.js';
import { IsoTime, Nullable, StringEnum } from './common.js';

export const LearnedMetricSchema = StringEnum(learnedMetrics, { description: '`views`: views at 24 h; `clicks`: tracking-link clicks (bots excluded)' });

export const LearnedSlotsQuery = Type.Object(
  {
    platform: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'a platform name; absent = all her platforms together' })),
    metric: Type.Optional(LearnedMetricSchema),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 24, description: 'how many top hours; default her maxPostsPerDay' })),
  },
  { additionalProperties: false },
);
export type LearnedSlotsQuery = Static<typeof LearnedSlotsQuery>;

const Figure = Type.Object({
  posts: Type.Integer({ description: 'posts behind the figure' }),
  mean: Nullable(Type.Number({ description: 'their plain mean; null without posts' })),
  estimate: Type.Number({ description: "(n·mean + k·prior) / (n + k): shrunk toward the studio's average" }),
});

export const LearnedCell = Type.Object({
  weekday: Type.Integer({ minimum: 0, maximum: 6, description: 'Monday = 0 … Sunday = 6, in the model\'s time zone' }),
  hour: Type.Integer({ minimum: 0, maximum: 23 }),
  views: Figure,
  clicks: Figure,
});
export type LearnedCell = Static<typeof LearnedCell>;

export const LearnedHour = Type.Object({ hour: Type.Integer({ minimum: 0, maximum: 23 }), views: Figure, clicks: Figure });

export const TopHour = Type.Object({
  hour: Type.Integer(),
  slot: Type.String({ description: '"HH:00"' }),
  estimate: Type.Number(),
  posts: Type.Integer(),
});

export const LearnedSlots = Type.Object({
  modelId: Type.String(),
  platform: Nullable(Type.String({ description: 'null = all her platforms together' })),
  /** The platforms she has accounts on (what `platform` may be). */
  platforms: Type.Array(Type.String()),
  metric: LearnedMetricSchema,
  timezone: Type.String(),
  window: Type.Object({ from: IsoTime, to: IsoTime, days: Type.Integer() }),
  k: Type.Number({ description: "the studio average's weight, in posts" }),
  prior: Type.Object({ views: Type.Number(), clicks: Type.Number() }, { description: "the studio's means over the same window and platform(s)" }),
  studioPosts: Type.Object({ views: Type.Integer(), clicks: Type.Integer() }),
  posts: Type.Object({ views: Type.Integer(), clicks: Type.Integer() }, { description: "the model's posts behind the figures" }),
  cells: Type.Array(LearnedCell, { description: '168 cells, weekday-major (index = weekday × 24 + hour)' }),
  hours: Type.Array(LearnedHour, { description: 'the 24 hours of the day, weekdays pooled (posting slots repeat daily)' }),
  top: Type.Array(TopHour, { description: 'the best observed hours by `metric`, each at least minSpacingMinutes from the others, by hour' }),
  count: Type.Integer(),
  minSpacingMinutes: Type.Number(),
  currentSlots: Type.Array(Type.String()),
  method: Type.String({ description: 'how the figures are computed, in English' }),
});
export type LearnedSlots = Static<typeof LearnedSlots>;

export const ApplyLearnedSlotsBody = Type.Object(
  {
    platform: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    metric: Type.Optional(LearnedMetricSchema),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 })),
    slots: Type.Array(Type.String({ pattern: '^([01]\\d|2[0-3]):00$' }), {
      maxItems: 24, description: 'the top hours the admin confirmed; 409 learned_slots_changed when the results moved since',
    }),
  },
  { additionalProperties: false },
);
export type ApplyLearnedSlotsBody = Static<typeof ApplyLearnedSlotsBody>;

export const AppliedLearnedSlots = Type.Object({
  slots: Type.Array(Type.String()),
  previous: Type.Array(Type.String()),
  changed: Type.Boolean({ description: 'false when her slots were these already (no model_updated)' }),
});
export type AppliedLearnedSlots = Static<typeof AppliedLearnedSlots>;
