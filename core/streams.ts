/**
 * Live streams and earnings (issue 17): the sites a model streams on, the kinds of earnings lines, the attribution
 * methods, and the live-aware posting settings. Pure: workflows, db and the UI import it.
 */

/**
 * Sites a stream source may name. Only Chaturbate has an official broadcaster API (Events + Stats); the others are
 * fed by CSV import from the dashboard.
 */
export const streamSites = ['chaturbate', 'stripchat', 'bongacams', 'camsoda', 'myfreecams', 'other'] as const;
export type StreamSite = (typeof streamSites)[number];
/** Sites followed through an API (a durable workflow per source); every other site is CSV-only. */
export const apiStreamSites: readonly StreamSite[] = ['chaturbate'];

/** Kinds of earnings lines. Events API: `tip`, `mediaPurchase` → media_purchase, `fanclubJoin` → fanclub_join. */
export const earningKinds = ['tip', 'media_purchase', 'fanclub_join', 'private_show', 'other'] as const;
export type EarningKind = (typeof earningKinds)[number];

/** How a session's earnings are shared among the posts whose clicks reached it (core/attribution.ts). */
export const attributionMethods = ['last_click', 'linear'] as const;
export type AttributionMethod = (typeof attributionMethods)[number];

/** Where a stream row or earnings line came from. */
export type StreamOrigin = 'events_api' | 'csv';

/**
 * Live-aware posting, per model (`models.live_posting`): when one of her sessions starts (Events API
 * `broadcastStart`), a repost of `contentId` (her teaser clip) with `caption` goes to `accountIds` through the
 * normal publication workflow, at most once per session. `caption` may hold `{link}` (the post's tracking link).
 */
export interface LivePostingSettings {
  enabled: boolean;
  contentId: string;
  accountIds: string[];
  caption: string;
}
