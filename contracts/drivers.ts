/**
 * The platform drivers the workers know (activities/publishing/drivers/index.ts is typed by this list, so the
 * two cannot drift): a platform's `technicalConfig.driver` must name one of them. A driver is either a
 * `browser` driver (Playwright with the account's saved session, on the `browser` task queue) or an `api`
 * driver (the platform's official API with the account's tokens, on the `api` task queue).
 */
export const platformDrivers = ['demo', 'x', 'bluesky', 'reddit', 'telegram', 'youtube', 'instagram', 'tiktok'] as const;
export type PlatformDriverKey = (typeof platformDrivers)[number];
export type DriverKind = 'browser' | 'api';

export const driverKinds: Record<PlatformDriverKey, DriverKind> = {
  demo: 'browser', x: 'api', bluesky: 'api', reddit: 'api', telegram: 'api', youtube: 'api', instagram: 'api', tiktok: 'api',
};

/**
 * Drivers whose accounts connect through OAuth 2.0 authorization code (GET /api/accounts/:id/connect), with PKCE
 * where the provider takes it (Instagram documents none; the extra parameters are ignored there).
 */
export const oauthDrivers = ['x', 'reddit', 'youtube', 'instagram', 'tiktok'] as const;
export type OAuthDriverKey = (typeof oauthDrivers)[number];

export function isPlatformDriver(value: string): value is PlatformDriverKey {
  return (platformDrivers as readonly string[]).includes(value);
}

/** Unknown keys count as browser drivers: that is what every platform was before API drivers existed. */
export function driverKindOf(driver: string): DriverKind {
  return isPlatformDriver(driver) ? driverKinds[driver] : 'browser';
}

export function isOAuthDriver(driver: string): driver is OAuthDriverKey {
  return (oauthDrivers as readonly string[]).includes(driver);
}

/** What our app asks each OAuth platform for: posting with media, reading the account's posts and their counters, and a refresh token. */
export const oauthScopes: Record<OAuthDriverKey, string[]> = {
  x: ['tweet.read', 'tweet.write', 'users.read', 'media.write', 'offline.access'],
  reddit: ['identity', 'submit', 'read', 'history'],
  // Uploads, and reading the channel's uploads playlist and its videos' statistics.
  youtube: ['https://www.googleapis.com/auth/youtube.upload', 'https://www.googleapis.com/auth/youtube.readonly'],
  // Instagram API with Instagram Login: the profile and media, and content publishing.
  instagram: ['instagram_business_basic', 'instagram_business_content_publish'],
  // Direct posts (video.publish) and inbox drafts (video.upload), the profile, and the creator's videos for metrics.
  tiktok: ['user.info.basic', 'user.info.profile', 'video.list', 'video.publish', 'video.upload'],
};

/** The environment variables of each OAuth platform's app (its own names where the provider's product has one). */
export const oauthClientEnv: Record<OAuthDriverKey, { id: string; secret: string }> = {
  x: { id: 'X_CLIENT_ID', secret: 'X_CLIENT_SECRET' },
  reddit: { id: 'REDDIT_CLIENT_ID', secret: 'REDDIT_CLIENT_SECRET' },
  youtube: { id: 'GOOGLE_CLIENT_ID', secret: 'GOOGLE_CLIENT_SECRET' },
  instagram: { id: 'INSTAGRAM_APP_ID', secret: 'INSTAGRAM_APP_SECRET' },
  tiktok: { id: 'TIKTOK_CLIENT_KEY', secret: 'TIKTOK_CLIENT_SECRET' },
};
