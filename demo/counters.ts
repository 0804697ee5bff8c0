// Deterministic engagement counters. Pure functions (no I/O, no clock) so tests and the
// e2e suite can compute exactly what a page shows for a given seed, post and instant.

export interface PostCounters {
  views: number;
  likes: number;
  comments: number;
}

/** 32-bit FNV-1a: cheap, stable string hash to seed the PRNG. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: tiny PRNG with good enough spread for synthetic metrics. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rng(seed: number, scope: string, key: string): () => number {
  return mulberry32(hashString(`${seed}:${scope}:${key}`));
}

export interface PostCounterParams {
  baseViews: number; // 50–500
  viewsPerMinute: number; // 20–200
  likeRatio: number; // 0.03–0.12
  commentRatio: number; // 0.002–0.01
}

export function postCounterParams(seed: number, postId: string): PostCounterParams {
  const next = rng(seed, 'post', postId);
  return {
    baseViews: 50 + Math.floor(next() * 451),
    viewsPerMinute: 20 + next() * 180,
    likeRatio: 0.03 + next() * 0.09,
    commentRatio: 0.002 + next() * 0.008,
  };
}

/** Counters of a post at `nowMs`; never below the base (a clock before createdAt counts as 0 min). */
export function postCounters(
  seed: number,
  post: { id: string; createdAt: number },
  nowMs: number,
): PostCounters {
  const p = postCounterParams(seed, post.id);
  const minutes = Math.max(0, (nowMs - post.createdAt) / 60_000);
  const views = Math.floor(p.baseViews + p.viewsPerMinute * minutes);
  return {
    views,
    likes: Math.floor(views * p.likeRatio),
    comments: Math.floor(views * p.commentRatio),
  };
}

/** Followers of a profile: 100–5000 at sign-up, growing 2–40 per day (slowly, like real accounts). */
export function profileFollowers(
  seed: number,
  user: { username: string; createdAt: number },
  nowMs: number,
): number {
  const next = rng(seed, 'user', user.username);
  const base = 100 + Math.floor(next() * 4901);
  const perDay = 2 + next() * 38;
  const days = Math.max(0, (nowMs - user.createdAt) / 86_400_000);
  return Math.floor(base + perDay * days);
}

/**
 * Abbreviates like real short-video sites: 999 → "999", 1250 → "1.2K", 3_400_000 → "3.4M".
 * One decimal, truncated (never rounded up past the real value), trailing ".0" dropped.
 */
export function formatCount(n: number): string {
  const value = Math.max(0, Math.floor(n));
  if (value < 1_000) return String(value);
  const units: Array<[number, string]> = [
    [1_000_000_000, 'B'],
    [1_000_000, 'M'],
    [1_000, 'K'],
  ];
  for (const [size, suffix] of units) {
    if (value >= size) {
      const tenths = Math.floor((value * 10) / size);
      const text = tenths % 10 === 0 ? String(tenths / 10) : (tenths / 10).toFixed(1);
      return `${text}${suffix}`;
    }
  }
  return String(value);
}
