import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { median, reachDropAt, reachDropFires, REACH_DROP_HISTORY, type ReachDropRules } from './reach-drop.js';

const rules: ReachDropRules = { posts: 3, share: 0.25 };

/** The rule written out plainly, as an oracle. */
function oracleDrop(views: readonly number[], r: Required<ReachDropRules>): boolean {
  if (views.length < r.posts + r.minHistory) return false;
  const before = views.slice(0, views.length - r.posts).slice(-r.history);
  const sorted = [...before].sort((a, b) => a - b);
  const m = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return views.slice(-r.posts).every((v) => v < r.share * m);
}

const rulesArb = fc.record({
  posts: fc.integer({ min: 1, max: 5 }),
  share: fc.constantFrom(0.1, 0.25, 0.5),
  minHistory: fc.integer({ min: 1, max: 6 }),
  history: fc.integer({ min: 6, max: 20 }),
});
/** Histories mixing normal posts with runs of very low ones, so drops happen. */
const viewsArb = fc.array(fc.oneof({ arbitrary: fc.integer({ min: 800, max: 1200 }), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 150 }), weight: 2 }), { maxLength: 40 });

describe('reach drop properties', () => {
  it('agrees with the plainly written rule at every prefix', () => {
    fc.assert(
      fc.property(rulesArb, viewsArb, (r, views) => {
        for (let i = 0; i <= views.length; i++) expect(reachDropAt(views.slice(0, i), r) !== null).toBe(oracleDrop(views.slice(0, i), r));
      }),
      { numRuns: 300 },
    );
  });

  it('fires once per drop: exactly at the prefixes where a drop begins, never while it continues', () => {
    let fired = 0;
    fc.assert(
      fc.property(rulesArb, viewsArb, (r, views) => {
        const states = Array.from({ length: views.length + 1 }, (_, i) => reachDropAt(views.slice(0, i), r) !== null);
        for (let i = 1; i <= views.length; i++) {
          const fires = reachDropFires(views.slice(0, i), r);
          expect(fires !== null).toBe(states[i]! && !states[i - 1]!);
          if (fires) {
            fired++;
            expect(fires.recentViews).toEqual(views.slice(i - r.posts, i).reverse());
            expect(fires.recentViews.every((v) => v < r.share * fires.medianViews)).toBe(true);
          }
        }
        // Firings never outnumber the maximal runs of drop states.
        const runs = states.filter((s, i) => s && !(states[i - 1] ?? false)).length;
        expect(Array.from({ length: views.length }, (_, i) => reachDropFires(views.slice(0, i + 1), r)).filter(Boolean).length).toBe(runs);
      }),
      { numRuns: 300 },
    );
    expect(fired).toBeGreaterThan(20);
  });

  it('never fires on a normal history: every figure within a factor 1/share of every other', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0.1, 0.25, 0.5), fc.integer({ min: 1, max: 10_000 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 60 }), (posts, share, base, noise) => {
        // Values in [base, base / share): none is below share × any median of them.
        const views = noise.map((x) => Math.floor(base + x * (base / share - base - 1)));
        for (let i = 1; i <= views.length; i++) expect(reachDropFires(views.slice(0, i), { posts, share })).toBeNull();
      }),
    );
  });
});

describe('examples', () => {
  const normal = [1000, 1100, 900, 1050, 950, 1000];

  it('fires when the last three fall under a quarter of the trailing median, once', () => {
    expect(reachDropFires([...normal, 100, 120], rules)).toBeNull();
    const drop = reachDropFires([...normal, 100, 120, 90], rules);
    expect(drop).toEqual({ recentViews: [90, 120, 100], medianViews: 1000, historyPosts: 6 });
    // The drop continues: quiet.
    expect(reachDropAt([...normal, 100, 120, 90, 80], rules)).not.toBeNull();
    expect(reachDropFires([...normal, 100, 120, 90, 80], rules)).toBeNull();
    // Recovered, then down again: fires again.
    const recovered = [...normal, 100, 120, 90, 1000];
    expect(reachDropAt(recovered, rules)).toBeNull();
    expect(reachDropFires([...recovered, 50, 40], rules)).toBeNull();
    expect(reachDropFires([...recovered, 50, 40, 30], rules)).not.toBeNull();
  });

  it('needs a history, and one post at the line is enough to say no', () => {
    expect(reachDropFires([1000, 1000, 1000, 1000, 10, 10, 10], rules)).toBeNull(); // 4 before: too few
    expect(reachDropFires([...normal, 100, 250, 100], rules)).toBeNull(); // 250 = 0.25 × 1000, not below
    expect(reachDropFires([0, 0, 0, 0, 0, 0, 0, 0, 0], rules)).toBeNull(); // a median of 0 never drops
  });

  it('reads a trailing window of history', () => {
    const old = Array.from({ length: 30 }, () => 100_000);
    const recent = Array.from({ length: REACH_DROP_HISTORY }, () => 1000);
    // Against the last 20 (1000 each), 200 is under a quarter; the 100,000s are out of the window.
    expect(reachDropFires([...old, ...recent, 200, 200, 200], rules)?.medianViews).toBe(1000);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it('refuses bad rules and figures', () => {
    expect(() => reachDropAt([], { posts: 0, share: 0.25 })).toThrow(RangeError);
    expect(() => reachDropAt([], { posts: 3, share: 1 })).toThrow(RangeError);
    expect(() => reachDropAt([-1], rules)).toThrow(RangeError);
  });
});
