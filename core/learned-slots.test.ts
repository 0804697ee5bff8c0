import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareHourScores, estimateLearnedSlots, hourDistanceMinutes, hourOfWeekReader, hourScores, hourSlot, LEARNED_SLOTS_K, pickTopHours,
  sameSlots, shrink, type HourScore, type LearnedPost,
} from './learned-slots.js';

const ZONES = ['America/Bogota', 'America/New_York', 'Europe/Madrid', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'UTC'];

/** An independent reading of weekday (Monday = 0) and hour: Intl's numeric parts, not the reader's short names. */
const oracleFormats = new Map<string, Intl.DateTimeFormat>();
function oracle(ms: number, tz: string) {
  let format = oracleFormats.get(tz);
  if (!format) oracleFormats.set(tz, (format = new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', hourCycle: 'h23' })));
  const parts = format.formatToParts(ms);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const localMidnight = Date.UTC(get('year'), get('month') - 1, get('day'));
  return { weekday: (new Date(localMidnight).getUTCDay() + 6) % 7, hour: get('hour') % 24 };
}

const postArb = fc.record({
  publishedAt: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 11, 31) }).map((ms) => new Date(ms)),
  views24h: fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: null }),
  clicks: fc.integer({ min: 0, max: 500 }),
});
const priorArb = fc.record({ views: fc.integer({ min: 0, max: 20_000 }), clicks: fc.integer({ min: 0, max: 200 }) });

describe('estimateLearnedSlots properties', () => {
  it('puts every post in its local cell and shrinks each cell exactly by (n·mean + k·prior)/(n + k)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.array(postArb, { maxLength: 60 }), priorArb, fc.integer({ min: 1, max: 10 }), (tz, posts, prior, k) => {
        const est = estimateLearnedSlots({ posts, timezone: tz, prior, k });
        expect(est.cells).toHaveLength(168);
        expect(est.hours).toHaveLength(24);
        const byCell = new Map<number, LearnedPost[]>();
        for (const p of posts) {
          const { weekday, hour } = oracle(p.publishedAt.getTime(), tz);
          const list = byCell.get(weekday * 24 + hour) ?? [];
          list.push(p);
          byCell.set(weekday * 24 + hour, list);
        }
        const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
        const wrong = est.cells.filter((cell, i) => {
          const mine = byCell.get(i) ?? [];
          const views = mine.filter((p) => p.views24h !== null).map((p) => p.views24h!);
          const clicks = mine.map((p) => p.clicks);
          return cell.weekday !== Math.floor(i / 24) || cell.hour !== i % 24
            || cell.views.posts !== views.length || cell.clicks.posts !== clicks.length
            || !close(cell.views.estimate, (views.reduce((a, b) => a + b, 0) + k * prior.views) / (views.length + k))
            || !close(cell.clicks.estimate, (clicks.reduce((a, b) => a + b, 0) + k * prior.clicks) / (clicks.length + k));
        });
        expect(wrong).toEqual([]);
        // Hours pool the weekdays; the totals add up.
        for (const h of est.hours) expect(h.views.posts).toBe(est.cells.filter((c) => c.hour === h.hour).reduce((a, c) => a + c.views.posts, 0));
        expect(est.posts).toEqual({ views: posts.filter((p) => p.views24h !== null).length, clicks: posts.length });
      }),
      { numRuns: 150 },
    );
  });

  it('keeps every estimate between the cell mean and the prior, closer to the mean as posts grow', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 8 }), (values, prior, k) => {
        const sum = values.reduce((a, b) => a + b, 0);
        const mean = sum / values.length;
        const est = shrink(sum, values.length, prior, k);
        expect(est).toBeGreaterThanOrEqual(Math.min(mean, prior) - 1e-9);
        expect(est).toBeLessThanOrEqual(Math.max(mean, prior) + 1e-9);
        // One more post at the same mean moves the estimate toward the mean.
        const more = shrink(sum + mean, values.length + 1, prior, k);
        expect(Math.abs(more - mean)).toBeLessThanOrEqual(Math.abs(est - mean) + 1e-9);
      }),
    );
  });

  it('reads weekday and hour like an independent Intl reading, across DST changes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 11, 31) }), (tz, ms) => {
        expect(hourOfWeekReader(tz)(new Date(ms))).toEqual(oracle(ms, tz));
      }),
      { numRuns: 500 },
    );
  });
});

const scoresArb = fc.uniqueArray(
  fc.record({ hour: fc.integer({ min: 0, max: 23 }), estimate: fc.integer({ min: 0, max: 30 }), posts: fc.integer({ min: 0, max: 5 }) }),
  { selector: (s) => s.hour, maxLength: 24 },
);

describe('pickTopHours properties', () => {
  it('picks observed hours, pairwise spaced around the clock, at most count, and leaves out only what it must', () => {
    fc.assert(
      fc.property(scoresArb, fc.integer({ min: 0, max: 8 }), fc.constantFrom(0, 30, 60, 90, 120, 180, 240, 600, 720, 800), (scores, count, spacing) => {
        const picked = pickTopHours(scores, { count, minSpacingMinutes: spacing });
        expect(picked).toEqual([...picked].sort((a, b) => a - b));
        expect(picked.length).toBeLessThanOrEqual(count);
        const byHour = new Map(scores.map((s) => [s.hour, s]));
        for (const h of picked) expect(byHour.get(h)?.posts).toBeGreaterThan(0);
        for (const [i, a] of picked.entries()) for (const b of picked.slice(i + 1)) expect(hourDistanceMinutes(a, b)).toBeGreaterThanOrEqual(spacing);
        // Each observed hour left out: too close to a better pick, or worse than every pick with the count reached.
        const pickedScores = picked.map((h) => byHour.get(h)!);
        for (const s of scores.filter((s) => s.posts > 0 && !picked.includes(s.hour))) {
          const blocked = pickedScores.some((p) => compareHourScores(p, s) < 0 && hourDistanceMinutes(p.hour, s.hour) < spacing);
          const outranked = picked.length === count && pickedScores.every((p) => compareHourScores(p, s) < 0);
          expect(blocked || outranked, `hour ${s.hour} left out of ${picked.join(',')}`).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('without spacing takes exactly the best observed hours', () => {
    fc.assert(
      fc.property(scoresArb, fc.integer({ min: 0, max: 24 }), (scores, count) => {
        const expected = scores.filter((s) => s.posts > 0).sort(compareHourScores).slice(0, count).map((s) => s.hour).sort((a, b) => a - b);
        expect(pickTopHours(scores, { count, minSpacingMinutes: 0 })).toEqual(expected);
      }),
    );
  });
});

describe('examples', () => {
  it('shrinks a thin cell toward the studio average and lets a well-observed one speak', () => {
    // Bogotá is UTC−5 all year: 2026-03-02 is a Monday.
    const at = (day: number, hour: number) => new Date(Date.UTC(2026, 2, 2 + day, hour + 5));
    const posts: LearnedPost[] = [
      ...Array.from({ length: 8 }, (_, i) => ({ publishedAt: at(7 * (i % 4), 20), views24h: 1000, clicks: 10 })),
      { publishedAt: at(2, 3), views24h: 2000, clicks: 50 },
    ];
    const est = estimateLearnedSlots({ posts, timezone: 'America/Bogota', prior: { views: 200, clicks: 2 } });
    const monday20 = est.cells[0 * 24 + 20]!;
    expect(monday20.views).toEqual({ posts: 8, mean: 1000, estimate: (8 * 1000 + LEARNED_SLOTS_K * 200) / (8 + LEARNED_SLOTS_K) });
    const wednesday3 = est.cells[2 * 24 + 3]!;
    expect(wednesday3.views).toEqual({ posts: 1, mean: 2000, estimate: (2000 + 4 * 200) / 5 });
    expect(est.cells[1 * 24 + 20]!.views).toEqual({ posts: 0, mean: null, estimate: 200 });
    // One lucky post at 03:00 does not beat eight good ones at 20:00.
    expect(pickTopHours(hourScores(est, 'views'), { count: 1, minSpacingMinutes: 0 })).toEqual([20]);
    expect(pickTopHours(hourScores(est, 'views'), { count: 3, minSpacingMinutes: 120 })).toEqual([3, 20]);
  });

  it('spaces across midnight and formats slots', () => {
    const scores: HourScore[] = [{ hour: 23, estimate: 10, posts: 1 }, { hour: 0, estimate: 9, posts: 1 }, { hour: 2, estimate: 8, posts: 1 }];
    expect(pickTopHours(scores, { count: 3, minSpacingMinutes: 120 })).toEqual([2, 23]);
    expect(hourDistanceMinutes(23, 0)).toBe(60);
    expect(hourDistanceMinutes(0, 12)).toBe(720);
    expect(hourSlot(7)).toBe('07:00');
    expect(sameSlots(['19:00', '07:00'], ['07:00', '19:00'])).toBe(true);
    expect(sameSlots(['19:00'], ['19:00', '20:00'])).toBe(false);
  });

  it('refuses bad input', () => {
    expect(() => estimateLearnedSlots({ posts: [], timezone: 'Mars/Base', prior: { views: 1, clicks: 1 } })).toThrow(RangeError);
    expect(() => estimateLearnedSlots({ posts: [{ publishedAt: new Date(NaN), views24h: 1, clicks: 0 }], timezone: 'UTC', prior: { views: 1, clicks: 1 } })).toThrow(RangeError);
    expect(() => estimateLearnedSlots({ posts: [{ publishedAt: new Date(), views24h: -1, clicks: 0 }], timezone: 'UTC', prior: { views: 1, clicks: 1 } })).toThrow(RangeError);
    expect(() => pickTopHours([], { count: -1, minSpacingMinutes: 0 })).toThrow(RangeError);
    expect(() => shrink(0, 0, 1, 0)).toThrow(RangeError);
    expect(() => estimateLearnedSlots({ posts: [], timezone: 'UTC', prior: { views: 1, clicks: 1 }, k: 0 })).toThrow(RangeError);
  });
});
