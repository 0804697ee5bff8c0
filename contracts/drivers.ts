/**
 * The platform drivers the workers know (activities/publishing/drivers/index.ts is typed by this list, so the
 * two cannot drift): a platform's `technicalConfig.driver` must name one of them. A driver is either a
 * `browser` driver (Playwright with the account's saved session, on the `browser` task queue) or an `api`
 * driver (the platform's official API with the account's tokens, on the `api` task queue).
 */
export const platformDrivers = ['demo', 'x', 'bluesky', 'reddit', 'telegram'] as const;
export type PlatformDriverKey = (typeof platformDrivers)[number];
export type DriverKind = 'browser' | 'api';

export const driverKinds: Record<PlatformDriverKey, DriverKind> = {
  demo: 'browser', x: 'api', bluesky: 'api', reddit: 'api', telegram: 'api',
};

/** Drivers whose accounts connect through OAuth 2.0 authorization code + PKCE (GET /api/accounts/:id/connect). */
export const oauthDrivers = ['x', 'reddit'] as const;
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
};
