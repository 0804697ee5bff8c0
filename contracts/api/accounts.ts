/**
 * Platform accounts: the list (grouped by model, keyset-paged, with session health), create / edit / delete,
 * pause / resume, session linking (a session file or a password login), on-demand session checks and the
 * account's browser profile.
 */
import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Nullable, Page, PageQuery, StringEnum, Uuid } from './common.js';
import { accountStatuses, sessionCheckStates, sessionHealthStates } from './statuses.js';

export const AccountStatus = StringEnum(accountStatuses);

/** One subreddit a Reddit account posts to. */
export const RedditTarget = Type.Object(
  {
    subreddit: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_]{1,20}$', description: 'without r/' }),
    kind: StringEnum(['video', 'link'] as const),
    titleTemplate: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    flairId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    flairText: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** Official-API platforms: how the account publishes there (core AccountPublishSettings). */
export const PublishSettings = Type.Object(
  {
    linkInReply: Type.Optional(Type.Boolean({ description: 'X: the tracking link goes in a reply, keeping the post itself free of URLs' })),
    subreddits: Type.Optional(Type.Array(RedditTarget, { maxItems: 10, description: 'Reddit: one submission per subreddit' })),
    youtubePrivacy: Type.Optional(StringEnum(['public', 'unlisted', 'private'] as const, {
      description: 'YouTube: privacy of uploads; always private while the Google project is not audited (YOUTUBE_PROJECT_AUDITED)',
    })),
    tiktokMode: Type.Optional(StringEnum(['direct', 'inbox'] as const, {
      description: 'TikTok: direct posts, or drafts sent to the creator\'s inbox to finish in the app (publication ends published_as_draft)',
    })),
    tiktokPrivacy: Type.Optional(StringEnum(['PUBLIC_TO_EVERYONE', 'FOLLOWER_OF_CREATOR', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'] as const, {
      description: 'TikTok: who sees a direct post, within what the creator allows; SELF_ONLY while the app is not audited (TIKTOK_APP_AUDITED)',
    })),
    tiktokBrandOrganic: Type.Optional(Type.Boolean({ description: 'TikTok: the post promotes the creator\'s own business' })),
  },
  { additionalProperties: false },
);
export type AccountStatus = Static<typeof AccountStatus>;
export const SessionCheckState = StringEnum(sessionCheckStates);
export type SessionCheckState = Static<typeof SessionCheckState>;

const Viewport = Type.Object(
  { width: Type.Integer({ minimum: 320, maximum: 3840 }), height: Type.Integer({ minimum: 320, maximum: 3840 }) },
  { additionalProperties: false },
);

/** How the account's browser presents itself on every run (defaults: the model's language and time zone, 1280×900). */
const profileFields = {
  locale: Type.Optional(Type.String({ minLength: 2, maxLength: 35, description: 'BCP 47, e.g. es-CO' })),
  timezoneId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA, e.g. America/Bogota' })),
  viewport: Type.Optional(Viewport),
  userAgent: Type.Optional(Type.String({ minLength: 10, maxLength: 500 })),
};

/** The browser profile as answered: the proxy is scheme + host only (its credentials never leave the database). */
export const BrowserProfileView = Type.Object({
  ...profileFields,
  proxy: Nullable(Type.String()),
  /** The stored proxy cannot be decrypted (its key is no longer configured, or the value was altered): `proxy` is null; set it again. */
  proxyError: Type.Optional(Type.Literal('undecryptable')),
});
export type BrowserProfileView = Static<typeof BrowserProfileView>;

/** PUT /api/accounts/:id/browser-profile: replaces the profile. */
export const BrowserProfileBody = Type.Object(
  {
    ...profileFields,
    proxy: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: 'a URL (may carry credentials: stored encrypted); null removes it, left out keeps it' }))),
  },
  { additionalProperties: false },
);
export type BrowserProfileBody = Static<typeof BrowserProfileBody>;

/**
 * The session at a glance: `ok` (the last check found it logged in), `unchecked` (saved, never checked),
 * `unknown` (the last check could not tell), `challenge` (the platform asks for a verification), `expired`
 * (logged out, or the account is session_expired), `no_session` (nothing saved).
 */
export const SessionHealthState = StringEnum(sessionHealthStates);
export type SessionHealthState = Static<typeof SessionHealthState>;

export const SessionHealth = Type.Object({ state: SessionHealthState, checkedAt: Nullable(IsoTime) });
export type SessionHealth = Static<typeof SessionHealth>;

/** What is left today of a platform's publishing cap for this account (core/platform-quotas.ts says how each is counted). */
export const QuotaToday = Type.Object({
  remaining: Type.Integer(),
  limit: Type.Integer(),
  unit: StringEnum(['uploads', 'posts', 'drafts'] as const),
  scope: StringEnum(['app', 'account'] as const, { description: 'app: shared by every account of the platform (a Google project); account: its own' }),
  /** When room comes back (the daily reset, or the oldest counted post turning 24 h); null when nothing is used. */
  resetsAt: Nullable(IsoTime),
});
export type QuotaToday = Static<typeof QuotaToday>;

/** Limits of our app at the platform the admin must know: `youtube_unaudited` (uploads go private), `tiktok_unaudited` (SELF_ONLY posts). */
export const appWarnings = ['youtube_unaudited', 'tiktok_unaudited'] as const;

/** One account of GET /api/accounts; never the session itself. */
export const Account = Type.Object({
  id: Type.String(),
  modelId: Type.String(),
  modelName: Type.String(),
  platformId: Type.String(),
  platformName: Type.String(),
  username: Type.String(),
  status: AccountStatus,
  profileUrl: Nullable(Type.String()),
  streamUrl: Nullable(Type.String()),
  /** The account's tracking link `PUBLIC_URL/t/<code>`: a 302 to its stream (else its profile) that counts the click. Posts carry `…/<code>/<ref>`. */
  trackingUrl: Type.String(),
  /** Publications of this account in any status (an account with any is deactivated, never deleted). */
  publicationCount: Type.Integer(),
  /** A session is stored (encrypted). */
  sessionSaved: Type.Boolean(),
  lastSessionState: Nullable(Type.String()),
  lastSessionCheckAt: Nullable(IsoTime),
  lastAuthenticatedAt: Nullable(IsoTime),
  sessionHealth: SessionHealth,
  browserProfile: BrowserProfileView,
  /** The platform's driver, and whether it publishes with a browser session or through the platform's official API. */
  driver: Type.String(),
  publishesVia: StringEnum(['browser', 'api'] as const),
  /** How the account links: `session` (file or password login), `oauth` (GET /api/accounts/:id/connect), `credentials` (POST …/credentials). */
  connectWays: Type.Array(StringEnum(['session', 'oauth', 'credentials'] as const)),
  publishSettings: PublishSettings,
  /** Her model's content is sensitive/adult (platform labels apply; X needs its account setting). */
  modelSensitive: Type.Boolean(),
  /** X only: what one publication is estimated to cost with X's per-post billing (a post carrying a URL costs more); null elsewhere. */
  estimatedCostUsd: Nullable(Type.Number()),
  /** YouTube, Instagram, TikTok inbox mode: what is left today of the platform's cap; null where none is documented. */
  quotaToday: Nullable(QuotaToday),
  appWarnings: Type.Array(StringEnum(appWarnings)),
});
export type Account = Static<typeof Account>;

/** GET /api/accounts: ordered by model name, platform, username; keyset-paged. */
export const AccountListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'part of the username, model or platform name (case-insensitive)' })),
  modelId: Type.Optional(Uuid),
  platformId: Type.Optional(Uuid),
  status: Type.Optional(AccountStatus),
  health: Type.Optional(SessionHealthState),
  ...PageQuery,
});
export type AccountListQuery = Static<typeof AccountListQuery>;

/**
 * A page of accounts, and `summary`: every account matching the filters but `health` (all pages) counted by
 * session health, for the page's at-a-glance line.
 */
export const AccountList = Type.Composite([
  Page(Account),
  Type.Object({
    summary: Type.Object({
      total: Type.Integer(),
      byHealth: Type.Record(Type.String(), Type.Integer(), { description: 'session health state → accounts' }),
    }),
  }),
]);
export type AccountList = Static<typeof AccountList>;

const url = (what: string) => Type.String({ minLength: 1, maxLength: 2000, description: `${what} (http or https URL)` });

/** POST /api/accounts. `username` is trimmed and loses a leading @. */
export const AccountCreateBody = Type.Object(
  {
    modelId: Uuid,
    platformId: Uuid,
    username: Type.String({ minLength: 1, maxLength: 200 }),
    profileUrl: Type.Optional(Nullable(url('the public profile'))),
    streamUrl: Type.Optional(Nullable(url('where she streams'))),
  },
  { additionalProperties: false },
);
export type AccountCreateBody = Static<typeof AccountCreateBody>;

/**
 * PATCH /api/accounts/:id: fields left out stay; null clears a URL. `status: 'disabled'` deactivates (its
 * scheduled publications are held); `'active'` reactivates and releases them (like resume).
 */
export const AccountPatchBody = Type.Object(
  {
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    profileUrl: Type.Optional(Nullable(url('the public profile'))),
    streamUrl: Type.Optional(Nullable(url('where she streams'))),
    status: Type.Optional(StringEnum(['active', 'disabled'] as const)),
    publishSettings: Type.Optional(PublishSettings),
  },
  { additionalProperties: false },
);
export type AccountPatchBody = Static<typeof AccountPatchBody>;

/** POST /api/accounts/:id/tracking-link: the new link; the earlier codes keep redirecting and counting. */
export const TrackingLinkIssued = Type.Object({
  trackingUrl: Type.String(),
  /** Every earlier code of this account, newest first: still redirecting. */
  previousCodes: Type.Array(Type.String()),
});
export type TrackingLinkIssued = Static<typeof TrackingLinkIssued>;

/** PATCH answer: the account, and the publications the change held or released. */
export const AccountUpdate = Type.Composite([
  Account,
  Type.Object({ held: Type.Array(Type.String()), released: Type.Array(Type.String()) }),
]);
export type AccountUpdate = Static<typeof AccountUpdate>;

/** DELETE /api/accounts/:id: deleted without publications, else deactivated (they keep their history). */
export const AccountDeleteResult = Type.Object({
  outcome: StringEnum(['deleted', 'deactivated'] as const),
  publicationCount: Type.Integer(),
});
export type AccountDeleteResult = Static<typeof AccountDeleteResult>;

export const PauseBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
export type PauseBody = Static<typeof PauseBody>;

/** POST /api/accounts/:id/pause (`held`: publications now waiting) and /resume (`released`). */
export const AccountStatusChange = Type.Object({
  accountId: Type.String(),
  held: Type.Optional(Type.Array(Type.String())),
  released: Type.Optional(Type.Array(Type.String())),
});
export type AccountStatusChange = Static<typeof AccountStatusChange>;

/** POST /api/accounts/:id/check and /login. */
export const SessionCheckResult = Type.Object({
  accountId: Type.String(),
  state: SessionCheckState,
  /** The account's status after the check. */
  status: Type.Optional(Type.String()),
  /** Set when the check was still running (`pending`): follow it in Temporal. */
  workflowId: Type.Optional(Type.String()),
});
export type SessionCheckResult = Static<typeof SessionCheckResult>;

/**
 * POST /api/accounts/:id/session. Documentation of the multipart form; the same file may also come as
 * the raw body (application/json or text/plain). The route reads it itself (at most 2 MB).
 */
export const SessionFileUpload = Type.Object({
  file: Type.String({ format: 'binary', description: 'a Playwright storageState JSON, a browser-extension cookie export (JSON) or a Netscape cookies.txt' }),
});

export const SessionImportResult = Type.Object({
  accountId: Type.String(),
  imported: Type.Object({ format: Type.String(), cookieCount: Type.Integer(), warnings: Type.Array(Type.String()) }),
  check: Nullable(SessionCheckResult),
  /** The file was stored but the check could not run (Temporal or the browser worker down). */
  checkError: Type.Optional(Type.String()),
});
export type SessionImportResult = Static<typeof SessionImportResult>;

/** POST /api/accounts/:id/login: only the resulting session is stored, never the password. */
export const LoginBody = Type.Object(
  { username: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), password: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

/**
 * POST /api/accounts/:id/credentials: what each official-API platform takes (the worker's driver checks it at once
 * against the API and names the wrong field): Bluesky `{ identifier, appPassword }` (only the session's refresh
 * token is stored, never the password), Telegram channel `{ chatId }` (the bot must be an admin there with
 * "Post messages"), X / Reddit `{ accessToken, refreshToken?, expiresAt? }`.
 */
export const CredentialsBody = Type.Object(
  {
    identifier: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'Bluesky: handle, e-mail or DID' })),
    appPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Bluesky: an app password (Settings → App passwords), never the main password' })),
    chatId: Type.Optional(Type.Union([Type.Integer(), Type.String({ minLength: 2, maxLength: 64 })], { description: 'Telegram: the channel id (-100…) or @username' })),
    accessToken: Type.Optional(Type.String({ minLength: 8, maxLength: 4096, description: 'X / Reddit / Instagram: an OAuth 2.0 user access token' })),
    refreshToken: Type.Optional(Type.String({ minLength: 8, maxLength: 4096, description: 'X / Reddit / YouTube / TikTok: a refresh token, so the account keeps working after the access token expires' })),
    expiresAt: Type.Optional(IsoTime),
    igUserId: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'Instagram: the professional account id (IG_ID); checked with GET /<IG_ID>' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type CredentialsBody = Static<typeof CredentialsBody>;

/** GET /oauth/callback/:platform: what the provider sends back (RFC 6749 §4.1.2). */
export const OAuthCallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  state: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  error: Type.Optional(Type.String({ maxLength: 200 })),
  error_description: Type.Optional(Type.String({ maxLength: 1000 })),
});
export type OAuthCallbackQuery = Static<typeof OAuthCallbackQuery>;
