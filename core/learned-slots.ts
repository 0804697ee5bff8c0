/**
 * Learned posting slots: what the studio's own results say about each local hour of the week, and the hours of
 * the day worth turning into a model's posting slots. Pure and deterministic; time zones go through
 * `Intl.DateTimeFormat` only (like scheduling.ts).
 *
 * The figures, per model × platform (or all her platforms together):
 * - A post counts when it was published (status `published`) between `windowDays` (90) days and 24 h ago.
 * - Its views at 24 h: the `publication_metrics` reading with views whose time is nearest to published_at + 24 h,
 *   among readings between 18 h and 36 h after publishing (a tie goes to the earlier reading). A post without
 *   such a reading has no views figure: it counts for clicks only. (db/learned-slots.ts reads it that way.)
 * - Its clicks: the tracking-link clicks it has received so far, bots excluded (`publication_stats.clicks`).
 * - Its cell: the weekday (Monday = 0 … Sunday = 6) and hour of its publish time in the model's time zone.
 * - Each cell's estimate is the cell's mean shrunk toward the studio's average (empirical Bayes with a prior
 *   worth `k` posts): `(n·mean + k·prior) / (n + k)`, where `n` is the number of posts behind the cell and `prior`
 *   the mean over every post of the studio on the same platform(s) in the same window. A cell with no post reads
 *   as the studio's average; one post moves it a fifth of the way (k = 4); twenty posts weigh five times the prior.
 * - Hours of the day pool the seven weekdays with the same formula (posting slots repeat every day).
 *
 * `pickTopHours` turns hour-of-day estimates into slots: only hours with at least one post, best estimate first
 * (ties: more posts, then the earlier hour), each accepted when it is at least the model's `minSpacingMinutes`
 * away from every hour already accepted, measured around the clock (23:00 and 00:00 are 60 minutes apart), until
 * `count` are taken. Invariants (tested): the picks are pairwise spaced, at most `count`, all observed, and every
 * hour left out is either unobserved, spaced too close to a better pick, or ranked below every pick.
 */

export type LearnedMetric = 'views' | 'clicks';
export const learnedMetrics = ['views', 'clicks'] as const satisfies readonly LearnedMetric[];

/** Weight of the studio's average, in posts. */
export const LEARNED_SLOTS_K = 4;
/** How far back results are read. */
export const LEARNED_SLOTS_WINDOW_DAYS = 90;
/** A post's views at 24 h: the reading nearest `targetHours` after publishing, within `fromHours`–`toHours`. */
export const VIEWS_AT_24H = { targetHours: 24, fromHours: 18, toHours: 36 } as const;
/** A post counts once it is this old (its 24 h figure can exist). */
export const LEARNED_SLOTS_MIN_AGE_HOURS = 24;

export interface LearnedPost {
  publishedAt: Date;
  /** Views at 24 h; null when no reading fell in the window. */
  views24h: number | null;
  /** Tracking-link clicks so far, bots excluded. */
  clicks: number;
}

/** The studio's average of each metric (the prior every cell is shrunk toward). */
export interface StudioPrior {
  views: number;
  clicks: number;
}

export interface CellFigure {
  /** Posts behind the figure. */
  posts: number;
  /** Their plain mean; null without posts. */
  mean: number | null;
  /** Shrunk toward the studio's average. */
  estimate: number;
}

export interface LearnedCell {
  /** Monday = 0 … Sunday = 6, in the model's time zone. */
  weekday: number;
  hour: number;
  views: CellFigure;
  clicks: CellFigure;
}

export interface LearnedHour {
  hour: number;
  views: CellFigure;
  clicks: CellFigure;
}

export interface LearnedEstimate {
  timezone: string;
  k: number;
  prior: StudioPrior;
  /** 168 cells, weekday-major (index = weekday × 24 + hour). */
  cells: LearnedCell[];
  /** 24 hours of the day, the weekdays pooled. */
  hours: LearnedHour[];
  /** Posts with a views figure, and posts counted for clicks. */
  posts: { views: number; clicks: number };
}

/** Empirical-Bayes shrinkage: `n` values summing to `sum`, pulled toward `prior` with the weight of `k` values. */
export function shrink(sum: number, n: number, prior: number, k: number): number {
  if (!(n >= 0) || !(k >= 0) || n + k === 0) throw new RangeError(`shrink needs n ≥ 0, k ≥ 0 and n + k > 0 (got n ${n}, k ${k})`);
  return (sum + k * prior) / (n + k);
}

class Acc {
  n = 0;
  sum = 0;
  add(value: number) {
    this.n++;
    this.sum += value;
  }
  figure(prior: number, k: number): CellFigure {
    return { posts: this.n, mean: this.n > 0 ? this.sum / this.n : null, estimate: shrink(this.sum, this.n, prior, k) };
  }
}

/** Every cell of the week and every hour of the day, for one model's posts in her time zone. */
export function estimateLearnedSlots(input: { posts: readonly LearnedPost[]; timezone: string; prior: StudioPrior; k?: number }): LearnedEstimate {
  const k = input.k ?? LEARNED_SLOTS_K;
  // k > 0: a cell without posts reads as the prior rather than having no figure.
  if (!Number.isFinite(k) || k <= 0) throw new RangeError(`k must be more than 0 (got ${k})`);
  for (const [name, value] of Object.entries(input.prior)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`prior ${name} must be a finite number of at least 0 (got ${value})`);
  }
  const week = hourOfWeekReader(input.timezone);
  const cells = Array.from({ length: 168 }, () => ({ views: new Acc(), clicks: new Acc() }));
  const hours = Array.from({ length: 24 }, () => ({ views: new Acc(), clicks: new Acc() }));
  let viewsPosts = 0;
  for (const post of input.posts) {
    const { weekday, hour } = week(post.publishedAt);
    const cell = cells[weekday * 24 + hour]!;
    const day = hours[hour]!;
    if (post.views24h !== null) {
      checkCount(post.views24h, 'views24h');
      cell.views.add(post.views24h);
      day.views.add(post.views24h);
      viewsPosts++;
    }
    checkCount(post.clicks, 'clicks');
    cell.clicks.add(post.clicks);
    day.clicks.add(post.clicks);
  }
  const { prior } = input;
  return {
    timezone: input.timezone,
    k,
    prior: { ...prior },
    cells: cells.map((c, i) => ({ weekday: Math.floor(i / 24), hour: i % 24, views: c.views.figure(prior.views, k), clicks: c.clicks.figure(prior.clicks, k) })),
    hours: hours.map((h, hour) => ({ hour, views: h.views.figure(prior.views, k), clicks: h.clicks.figure(prior.clicks, k) })),
    posts: { views: viewsPosts, clicks: input.posts.length },
  };
}

/** One hour of the day as the picker reads it. */
export interface HourScore {
  hour: number;
  estimate: number;
  posts: number;
}

/** The hours of the day by one metric, for `pickTopHours`. */
export function hourScores(estimate: Pick<LearnedEstimate, 'hours'>, metric: LearnedMetric): HourScore[] {
  return estimate.hours.map((h) => ({ hour: h.hour, estimate: h[metric].estimate, posts: h[metric].posts }));
}

/** Minutes between two hours of the day, around the clock. */
export function hourDistanceMinutes(a: number, b: number): number {
  const d = Math.abs(a - b) % 24;
  return Math.min(d, 24 - d) * 60;
}

/** Best order: estimate, then posts, then the earlier hour. */
export function compareHourScores(a: HourScore, b: HourScore): number {
  return b.estimate - a.estimate || b.posts - a.posts || a.hour - b.hour;
}

/** Up to `count` observed hours, best first, each at least `minSpacingMinutes` from the others; sorted by hour. */
export function pickTopHours(scores: readonly HourScore[], opts: { count: number; minSpacingMinutes: number }): number[] {
  const { count, minSpacingMinutes } = opts;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number of at least 0 (got ${count})`);
  if (!Number.isFinite(minSpacingMinutes) || minSpacingMinutes < 0) throw new RangeError(`minSpacingMinutes must be 0 or more (got ${minSpacingMinutes})`);
  const picked: number[] = [];
  const seen = new Set<number>();
  for (const s of [...scores].filter((s) => s.posts > 0).sort(compareHourScores)) {
    if (picked.length >= count) break;
    if (!Number.isInteger(s.hour) || s.hour < 0 || s.hour > 23) throw new RangeError(`hour must be 0–23 (got ${s.hour})`);
    if (seen.has(s.hour)) continue;
    seen.add(s.hour);
    if (picked.every((p) => hourDistanceMinutes(p, s.hour) >= minSpacingMinutes)) picked.push(s.hour);
  }
  return picked.sort((a, b) => a - b);
}

/** "HH:00", a posting slot. */
export function hourSlot(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`;
}

/** Whether two slot lists hold the same times (order aside). */
export function sameSlots(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function checkCount(value: number, what: string) {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${what} must be a finite number of at least 0 (got ${value})`);
}

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
const weekFormatters = new Map<string, Intl.DateTimeFormat>();

/** Weekday (Monday = 0) and hour of an instant in a time zone. Throws RangeError for an unknown zone. */
export function hourOfWeekReader(timeZone: string): (instant: Date) => { weekday: number; hour: number } {
  let format = weekFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', hour: '2-digit' });
    weekFormatters.set(timeZone, format);
  }
  const f = format;
  return (instant) => {
    const ms = instant instanceof Date ? instant.getTime() : NaN;
    if (Number.isNaN(ms)) throw new RangeError('publishedAt is not a valid date');
    let weekday = -1;
    let hour = -1;
    for (const part of f.formatToParts(ms)) {
      if (part.type === 'weekday') weekday = WEEKDAYS[part.value] ?? -1;
      else if (part.type === 'hour') hour = Number(part.value) % 24; // some ICU versions print midnight as 24
    }
    if (weekday < 0 || hour < 0) throw new RangeError(`cannot read the weekday and hour of ${new Date(ms).toISOString()} in ${timeZone}`);
    return { weekday, hour };
  };
}

/** The posts a figure reads: published from `windowDays` days ago until `LEARNED_SLOTS_MIN_AGE_HOURS` ago. */
export function learnedSlotsWindow(now: Date, windowDays = LEARNED_SLOTS_WINDOW_DAYS): { from: Date; to: Date } {
  const ms = now.getTime();
  if (Number.isNaN(ms)) throw new RangeError('now is not a valid date');
  return { from: new Date(ms - windowDays * 24 * 3_600_000), to: new Date(ms - LEARNED_SLOTS_MIN_AGE_HOURS * 3_600_000) };
}

export interface TopHour {
  hour: number;
  /** "HH:00". */
  slot: string;
  estimate: number;
  posts: number;
}

/** The estimate, and the top hours of one metric under the model's spacing: what the heat map and "aplicar" show. */
export function learnedSlotsPlan(input: {
  posts: readonly LearnedPost[];
  prior: StudioPrior;
  timezone: string;
  metric: LearnedMetric;
  count: number;
  minSpacingMinutes: number;
  k?: number;
}): LearnedEstimate & { metric: LearnedMetric; top: TopHour[] } {
  const estimate = estimateLearnedSlots(input);
  const hours = pickTopHours(hourScores(estimate, input.metric), { count: input.count, minSpacingMinutes: input.minSpacingMinutes });
  const top = hours.map((hour) => {
    const figure = estimate.hours[hour]![input.metric];
    return { hour, slot: hourSlot(hour), estimate: figure.estimate, posts: figure.posts };
  });
  return { ...estimate, metric: input.metric, top };
}
