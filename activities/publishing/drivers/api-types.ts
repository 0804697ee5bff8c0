/**
 * Official-API drivers (DESIGN "Platform drivers"): the same four methods as browser drivers, without a
 * browser. `ctx` gives the account's decrypted credentials (refreshed and saved back before use), the
 * platform's configured roots, a fetch that waits for the per-account and per-app rate limits, and the
 * publish step recorder. Each driver documents how a retry finds an earlier post.
 */
import type { Logger } from 'pino';
import type { PlatformApis } from '../../../config.js';
import type { TelegramConfig } from '../../../config.js';
import type { AccountPublishSettings, Language } from '../../../core/types.js';
import { scrubSecrets } from '../../../core/redact.js';
import type { MetricsRead, PostRef, SessionState } from './types.js';

/** What an account's encrypted `auth_data` holds for an API driver; each driver narrows it. */
export interface ApiCredentials {
  accessToken?: string;
  refreshToken?: string;
  /** ISO time the access token stops working; unset = unknown (used until the API says 401). */
  expiresAt?: string;
}

/** Steps of the exactly-once state machine an API driver records; `prepared` says "the API refused: nothing was posted". */
export type ApiPublishStep = 'prepared' | 'uploading' | 'submitting' | 'unconfirmed';

/** What every API driver may read: the platform roots and our app's clients, and the Telegram bot. */
export interface ApiApps {
  apis: PlatformApis;
  telegram: TelegramConfig;
  /** The app's public URL (OAuth redirect URIs are `${publicUrl}/oauth/callback/<platform>`). */
  publicUrl: string;
}

/** Context for connecting an account (credentials check, OAuth code exchange, refresh): no stored credentials yet. */
export interface ApiSetupContext {
  account: { id: string; username: string; settings: AccountPublishSettings };
  apps: ApiApps;
  log: Logger;
  timeoutMs: number;
  /**
   * fetch with the deadline and the rate limits of this account and app (waits for a slot; a long wait throws
   * Retryable). `timeoutMs` overrides the deadline for one call (a big upload).
   */
  fetch(input: string | URL, init?: RequestInit, opts?: { timeoutMs?: number }): Promise<Response>;
}

export interface ApiDriverContext<C extends ApiCredentials = ApiCredentials> extends ApiSetupContext {
  /** Valid credentials: when they expire within a minute, refreshed through `driver.refresh` and saved before they are returned. */
  credentials(): Promise<C>;
  /** After an API said 401 to a token we thought valid: refresh once (saved first); throws SessionExpired when that fails too. */
  refreshCredentials(): Promise<C>;
  /** Saves credentials the driver learned mid-run (e.g. a rotated session), encrypted, before they are used. */
  saveCredentials(credentials: C): Promise<void>;
  /** Records the publish state machine step (DESIGN "Exactly-once publishing"). */
  step(step: ApiPublishStep): Promise<void>;
  /**
   * The publication's resume state: what an earlier attempt of this same publication saved with `saveProgress`
   * (an upload session, a container id, a publish id), or null. Stored encrypted with the account's credentials key.
   */
  progress<P extends DriverProgress = DriverProgress>(): Promise<P | null>;
  /** Saves the resume state durably before the call it protects returns (e.g. the container id before media_publish). */
  saveProgress(progress: DriverProgress): Promise<void>;
  /** Our app's daily quota at this platform, counted across every worker (db/api-quota.ts). */
  quota: AppQuota;
}

/** A daily budget of units per app and platform; `day` is the quota's day in the zone where the platform resets it. */
export interface AppQuota {
  /** Takes `units` from the day's budget of `limit`; false when they do not fit or the platform already said the day is spent. */
  reserve(day: string, units: number, limit: number): Promise<boolean>;
  /** Gives back units of a reservation the platform refused before doing the work. */
  release(day: string, units: number): Promise<void>;
  /** The platform said the day's quota is spent: every later reservation that day fails at once. */
  markExhausted(day: string): Promise<void>;
}

/** A driver's own resume state for one publication: small JSON (at most 8 KB serialized). */
export type DriverProgress = Record<string, string | number | boolean | null>;

export interface ApiPost {
  publicationId: string;
  videoPath: string;
  /** The caption as scheduled: tracking link and marker included (core/captions.ts finalizeCaption). */
  caption: string;
  tags: string[];
  marker: string;
  /** The account's tracking URL (or the publication's), for drivers that place it apart from the text. */
  trackingUrl: string | null;
  /** Adult/sensitive content: the driver applies the platform's flag. */
  sensitive: boolean;
  /** The model's caption language (her distribution rules); drivers that need one and lack it guess from the caption. */
  language?: Language;
  media: { durationSeconds: number; width: number; height: number; sizeBytes: number };
}

export interface RateLimit {
  points: number;
  durationSeconds: number;
}

export interface RateLimits {
  perAccount: RateLimit;
  perApp: RateLimit;
  /**
   * APIs whose limits differ per endpoint (TikTok): the per-account budget of the endpoint a URL names, counted apart
   * from the others; a URL it answers nothing for takes from `perAccount`.
   */
  perEndpoint?: (url: URL) => { endpoint: string; perAccount: RateLimit } | undefined;
}

/** OAuth 2.0 authorization code + PKCE (S256). The service builds the authorize URL; the driver exchanges the code. */
export interface OAuthExchange {
  code: string;
  codeVerifier: string;
  redirectUri: string;
}

/** The admin's answer is wrong (a field to fix): shown as a 400 naming `field`. */
export class CredentialsRejected extends Error {
  constructor(readonly field: string, message: string) {
    super(scrubSecrets(message));
    this.name = 'CredentialsRejected';
  }
}

export interface ApiPlatformDriver<C extends ApiCredentials = ApiCredentials> {
  kind: 'api';
  /** Documented limits of the API (or stricter), enforced by ctx.fetch and counted in PostgreSQL across workers. */
  rateLimits: RateLimits;
  /**
   * Checks a POST /api/accounts/:id/credentials body at once against the API and returns what to store
   * (never a password) and the account's handle there. Throws CredentialsRejected naming the field.
   */
  acceptCredentials(ctx: ApiSetupContext, body: Record<string, unknown>): Promise<{ credentials: C; username?: string }>;
  /** OAuth drivers: trades the authorization code for tokens (the service checked the signed state). */
  exchangeCode?(ctx: ApiSetupContext, exchange: OAuthExchange): Promise<{ credentials: C; username?: string }>;
  /** Trades a refresh token for new credentials; throws SessionExpired on invalid_grant. */
  refresh?(ctx: ApiSetupContext, credentials: C): Promise<C>;
  /** `logged_in` = the token works; `logged_out` = revoked/expired beyond refresh; `unknown` = could not tell. */
  checkSession(ctx: ApiDriverContext<C>): Promise<SessionState>;
  publish(ctx: ApiDriverContext<C>, post: ApiPost): Promise<PostRef>;
  /** Finds the post an earlier attempt made; absent = the API cannot tell (then an unknown outcome ends `unconfirmed`). */
  findByMarker?(ctx: ApiDriverContext<C>, post: ApiPost): Promise<PostRef | null>;
  /** Counters the API gives; a counter the platform does not have is left out, never 0. Throws PostUnavailable when the post is gone. */
  readMetrics(ctx: ApiDriverContext<C>, post: PostRef): Promise<MetricsRead>;
}
