/**
 * The daily publishing caps the platforms document, as the product counts them (README "Platform quotas"). Pure:
 * the YouTube driver reserves against the first, the accounts page shows what is left of each.
 *
 * - YouTube: units per Google project and day, reset at midnight Pacific time; an upload (videos.insert) costs 1,600
 *   (developers.google.com/youtube/v3/determine_quota_cost). Counted exactly, in `api_quota_usage`, shared by every
 *   account of the deployment.
 * - Instagram: "an Instagram professional account can only publish 50 posts within a 24 hour moving period"
 *   (media_publish reference). Counted from this account's posts of the last 24 h; the driver also reads the live
 *   figure (content_publishing_limit) before each post, which includes posts made elsewhere.
 * - TikTok: at most 5 drafts may wait in a creator's inbox per 24 h (spam_risk_too_many_pending_share). TikTok
 *   publishes no number for direct posts (its API answers spam_risk_too_many_posts at the cap), so none is shown.
 */
import { localDay, zonedTimeToUtc } from './scheduling.js';

export const YOUTUBE_QUOTA_ZONE = 'America/Los_Angeles';
export const YOUTUBE_UPLOAD_UNITS = 1600;
export const INSTAGRAM_POSTS_PER_24H = 50;
export const TIKTOK_INBOX_DRAFTS_PER_24H = 5;
const DAY_MS = 86_400_000;

/** What is left of an account's publishing quota now. */
export interface QuotaToday {
  remaining: number;
  limit: number;
  /** What is counted: uploads (YouTube), posts (Instagram), drafts (TikTok's inbox). */
  unit: 'uploads' | 'posts' | 'drafts';
  /** `app`: shared by every account of the platform (a Google project's quota); `account`: this account's own. */
  scope: 'app' | 'account';
  /** When room comes back: the daily reset, or (rolling windows) when the oldest counted post turns 24 h; null when nothing is used. */
  resetsAt: string | null;
}

/** The day of YouTube's quota that `now` falls in (Google resets it at midnight Pacific time). */
export const youtubeQuotaDay = (now: Date): string => localDay(now, YOUTUBE_QUOTA_ZONE);

/** Milliseconds from `now` to the next midnight in America/Los_Angeles (23 h and 25 h days included). */
export function msUntilPacificMidnight(now: Date): number {
  const [year, month, day] = youtubeQuotaDay(now).split('-').map(Number) as [number, number, number];
  const tomorrow = new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
  // Midnight always exists there: the clocks change at 02:00.
  const midnight = zonedTimeToUtc(tomorrow, '00:00', YOUTUBE_QUOTA_ZONE)!;
  return midnight.getTime() - now.getTime();
}

/** Uploads left today in a Google project of `dailyUnits`, with `usedUnits` counted (all of them once Google said the day is spent). */
export function youtubeQuotaToday(dailyUnits: number, usage: { units: number; exhausted: boolean }, now: Date): QuotaToday {
  const limit = Math.floor(dailyUnits / YOUTUBE_UPLOAD_UNITS);
  const remaining = usage.exhausted ? 0 : Math.max(0, Math.floor((dailyUnits - usage.units) / YOUTUBE_UPLOAD_UNITS));
  return { remaining, limit, unit: 'uploads', scope: 'app', resetsAt: new Date(now.getTime() + msUntilPacificMidnight(now)).toISOString() };
}

/** A cap over a 24 h moving window, from the times of what counted (posts or drafts) within the last 24 h. */
export function rollingQuota(limit: number, unit: QuotaToday['unit'], counted: Date[], now: Date): QuotaToday {
  const inWindow = counted.filter((t) => now.getTime() - t.getTime() < DAY_MS).sort((a, b) => a.getTime() - b.getTime());
  const oldest = inWindow[0];
  return {
    remaining: Math.max(0, limit - inWindow.length),
    limit,
    unit,
    scope: 'account',
    resetsAt: oldest ? new Date(oldest.getTime() + DAY_MS).toISOString() : null,
  };
}
