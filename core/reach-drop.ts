/**
 * Reach drop (shadowban suspicion): an account's recent publications reaching far fewer people than usual. Pure.
 *
 * The figures are each publication's views at 24 h (learned-slots.ts `VIEWS_AT_24H`), one account's, oldest
 * first; publications without that figure are left out before this runs.
 *
 * The rule at the end of a sequence: take its last `posts` figures (the recent ones) and the median of up to
 * `history` (20) figures before them (the trailing median). The account is in a drop when there are at least
 * `minHistory` (5) figures before the recent ones and every recent figure is below `share` × that median (strictly,
 * so a median of 0 never drops).
 *
 * It fires once per drop: `reachDropFires` is true when the sequence is in a drop and the same sequence without its
 * newest figure is not — a drop that continues with the next publication stays quiet, a publication back above
 * the line ends it (the recent ones are no longer all low), and a later drop fires again. A caller keeps it from
 * firing twice for the same newest publication (a second reading of it) by remembering which one it fired for.
 */

export interface ReachDropRules {
  /** How many recent publications must all be low (REACH_DROP_POSTS, default 3). */
  posts: number;
  /** The share of the trailing median they must each stay under (REACH_DROP_SHARE, default 0.25). */
  share: number;
  /** Figures needed before the recent ones (default 5). */
  minHistory?: number;
  /** At most this many figures before the recent ones make the median (default 20). */
  history?: number;
}

export const REACH_DROP_MIN_HISTORY = 5;
export const REACH_DROP_HISTORY = 20;

export interface ReachDrop {
  /** The recent figures, newest first. */
  recentViews: number[];
  /** The trailing median they fell under `share` of. */
  medianViews: number;
  /** How many figures made the median. */
  historyPosts: number;
}

/** The median of a list (the mean of the two middle values for an even count); NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function checked(rules: ReachDropRules) {
  const { posts, share } = rules;
  const minHistory = rules.minHistory ?? REACH_DROP_MIN_HISTORY;
  const history = rules.history ?? REACH_DROP_HISTORY;
  if (!Number.isInteger(posts) || posts < 1) throw new RangeError(`posts must be a whole number of at least 1 (got ${posts})`);
  if (!(share > 0 && share < 1)) throw new RangeError(`share must be between 0 and 1 (got ${share})`);
  if (!Number.isInteger(minHistory) || minHistory < 1) throw new RangeError(`minHistory must be a whole number of at least 1 (got ${minHistory})`);
  if (!Number.isInteger(history) || history < minHistory) throw new RangeError(`history must be a whole number of at least minHistory (got ${history})`);
  return { posts, share, minHistory, history };
}

/** The drop the sequence ends in (oldest first), or null. */
export function reachDropAt(views: readonly number[], rules: ReachDropRules): ReachDrop | null {
  const { posts, share, minHistory, history } = checked(rules);
  for (const v of views) if (!Number.isFinite(v) || v < 0) throw new RangeError(`views must be finite numbers of at least 0 (got ${v})`);
  if (views.length < posts + minHistory) return null;
  const recent = views.slice(views.length - posts);
  const before = views.slice(Math.max(0, views.length - posts - history), views.length - posts);
  const medianViews = median(before);
  if (!recent.every((v) => v < share * medianViews)) return null;
  return { recentViews: [...recent].reverse(), medianViews, historyPosts: before.length };
}

/** The drop to announce now: the sequence ends in a drop that its newest figure started. */
export function reachDropFires(views: readonly number[], rules: ReachDropRules): ReachDrop | null {
  const now = reachDropAt(views, rules);
  if (!now) return null;
  return reachDropAt(views.slice(0, -1), rules) ? null : now;
}
