/**
 * Drizzle schema for every table of the PRD data model (§4), with English names
 * (see README "PRD → schema"). Timestamps are timestamptz, UTC in storage.
 */
import {
  bigint, bigserial, boolean, date, doublePrecision, index, integer, jsonb, numeric, pgEnum, pgTable, primaryKey, text,
  timestamp, unique, uuid, type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import {
  moderationRuleKinds, type AccountPublishSettings, type BrowserProfile, type CaptionDrafts, type DistributionRules, type PlatformCapabilities,
  type PlatformTechnicalConfig, type WatermarkSettings,
} from '../core/types.js';
import { eventKinds } from '../contracts/events.js';
import { clickDimensions } from '../core/tracking.js';
import { attributionMethods, earningKinds, type LivePostingSettings } from '../core/streams.js';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true }).notNull().defaultNow().$onUpdate(() => new Date());
const ts = (name: string) => timestamp(name, { withTimezone: true });

export const modelStatus = pgEnum('model_status', ['active', 'paused', 'testing']);
export const accountStatus = pgEnum('account_status', ['active', 'paused', 'session_expired', 'disabled']);
export const contentStatus = pgEnum('content_status', ['new', 'approved', 'rejected', 'reusable', 'duplicate']);
export const publicationStatus = pgEnum('publication_status', [
  'scheduled', 'held', 'processing', 'published', 'failed', 'canceled', 'unconfirmed', 'published_as_draft',
]);
/** Steps of the exactly-once publish state machine (DESIGN "The content lifecycle"). */
export const publishStep = pgEnum('publish_step', ['prepared', 'uploading', 'submitting', 'unconfirmed', 'published']);
export const showType = pgEnum('show_type', ['public', 'private', 'offline']);
export const rollupGranularity = pgEnum('rollup_granularity', ['hour', 'day']);
/** What a click rollup row is grouped by besides its bucket and account (core/tracking.ts clickDimensions). */
export const clickDimension = pgEnum('click_dimension', clickDimensions);
/** The kinds of system_events, listed once in contracts/events.ts with each kind's payload. */
export const eventType = pgEnum('event_type', eventKinds);
export const moderationRuleKind = pgEnum('moderation_rule_kind', moderationRuleKinds);

export const models = pgTable('models', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  status: modelStatus('status').notNull().default('active'),
  distribution: jsonb('distribution').$type<DistributionRules>().notNull(),
  telegramUserId: bigint('telegram_user_id', { mode: 'number' }).unique(),
  /** HMAC of the model's one-time Telegram link code (crypto/link-codes.ts); the code itself is shown once, never stored. */
  telegramLinkCodeHash: text('telegram_link_code_hash').unique(),
  telegramLinkExpiresAt: ts('telegram_link_expires_at'),
  /** Her content is adult/sensitive by default: drivers apply each platform's label (a content may say otherwise). */
  sensitive: boolean('sensitive').notNull().default(false),
  /** Optional branding burned into her platform variants (core WatermarkSettings); null = none. */
  watermark: jsonb('watermark').$type<WatermarkSettings>(),
  /** Live-aware posting (core/streams.ts): when a session of hers starts, an "en vivo ahora" post; null = off. */
  livePosting: jsonb('live_posting').$type<LivePostingSettings>(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const platforms = pgTable('platforms', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  capabilities: jsonb('capabilities').$type<PlatformCapabilities>().notNull(),
  technicalConfig: jsonb('technical_config').$type<PlatformTechnicalConfig>().notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const platformAccounts = pgTable(
  'platform_accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    modelId: uuid('model_id').notNull().references(() => models.id, { onDelete: 'restrict' }),
    platformId: uuid('platform_id').notNull().references(() => platforms.id, { onDelete: 'restrict' }),
    username: text('username').notNull(),
    profileUrl: text('profile_url'),
    streamUrl: text('stream_url'),
    /** The current code of its tracking link `/t/<code>`; earlier codes live on in `tracking_code_history`. */
    trackingCode: text('tracking_code').notNull().unique().default(sql`substr(md5(gen_random_uuid()::text), 1, 10)`),
    status: accountStatus('status').notNull().default('active'),
    sessionSaved: boolean('session_saved').notNull().default(false),
    lastAuthenticatedAt: ts('last_authenticated_at'),
    /** Browser drivers: the Playwright storageState; API drivers: the tokens (ApiCredentials). AES-256-GCM encrypted, never in clear. */
    authData: text('auth_data'),
    /** Stable locale/timezone/viewport of this account's browser (core BrowserProfile). */
    browserProfile: jsonb('browser_profile').$type<BrowserProfile>(),
    /** Optional proxy URL (`http://user:pass@host:port`), AES-256-GCM encrypted like auth_data. */
    proxyEncrypted: text('proxy_encrypted'),
    lastSessionCheckAt: ts('last_session_check_at'),
    /** Result of the last checkSession: logged_in | logged_out | challenge | unknown. */
    lastSessionState: text('last_session_state'),
    /** Official-API platforms: how this account publishes there (core AccountPublishSettings). */
    publishSettings: jsonb('publish_settings').$type<AccountPublishSettings>(),
    scraperEnabled: boolean('scraper_enabled').notNull().default(true),
    trackerEnabled: boolean('tracker_enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [unique('platform_accounts_platform_username').on(t.platformId, t.username), index('platform_accounts_model_idx').on(t.modelId)],
);

export const contents = pgTable(
  'contents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    modelId: uuid('model_id').notNull().references(() => models.id, { onDelete: 'restrict' }),
    filePath: text('file_path').notNull(),
    originalFilename: text('original_filename'),
    sha256: text('sha256'),
    durationSeconds: doublePrecision('duration_seconds'),
    width: integer('width'),
    height: integer('height'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    codec: text('codec'),
    thumbnailPath: text('thumbnail_path'),
    sentBy: text('sent_by').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    context: text('context'),
    generatedCaption: text('generated_caption'),
    generatedTags: text('generated_tags').array(),
    /** Adult/sensitive: null = as the model says (models.sensitive). */
    sensitive: boolean('sensitive'),
    /** Per platform name, the caption the admin approves (or edits) before scheduling. */
    captionDrafts: jsonb('caption_drafts').$type<CaptionDrafts>(),
    status: contentStatus('status').notNull().default('new'),
    approvedAt: ts('approved_at'),
    approvedBy: text('approved_by'),
    rejectionReason: text('rejection_reason'),
    rejectedAt: ts('rejected_at'),
    rejectedBy: text('rejected_by'),
    /** Same sha256 from the same model: the content this one repeats. */
    duplicateOfId: uuid('duplicate_of_id').references((): AnyPgColumn => contents.id, { onDelete: 'set null' }),
    originContentId: uuid('origin_content_id').references((): AnyPgColumn => contents.id, { onDelete: 'set null' }),
    /** A repost (or an "en vivo ahora" post) goes to these accounts only; null = the accounts her rules give. */
    targetAccountIds: uuid('target_account_ids').array(),
    workflowId: text('workflow_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('contents_model_received_idx').on(t.modelId, t.receivedAt),
    index('contents_model_sha256_idx').on(t.modelId, t.sha256),
    index('contents_status_idx').on(t.status),
  ],
);

export const publications = pgTable(
  'publications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    contentId: uuid('content_id').notNull().references(() => contents.id, { onDelete: 'restrict' }),
    accountId: uuid('account_id').notNull().references(() => platformAccounts.id, { onDelete: 'restrict' }),
    scheduledTime: ts('scheduled_time'),
    publishedAt: ts('published_at'),
    captionUsed: text('caption_used'),
    tagsUsed: text('tags_used').array(),
    postUrl: text('post_url'),
    externalId: text('external_id'),
    status: publicationStatus('status').notNull().default('scheduled'),
    publishStep: publishStep('publish_step'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    evidencePath: text('evidence_path'),
    /** Consecutive metric reads that found the post missing; two in a row declare it deleted. */
    missingChecks: integer('missing_checks').notNull().default(0),
    deletedAt: ts('deleted_at'),
    /** A per-platform variant (trimmed / fitted to 9:16); null means the original file. */
    mediaPath: text('media_path'),
    idempotencyMarker: text('idempotency_marker').notNull().unique(),
    /** The per-publication tracking link `/t/<code>/<ref>` its caption carries (null before tracking links existed). */
    trackingLink: text('tracking_link'),
    /**
     * An API driver's resume state for this publication (an upload session, a container or publish id), encrypted like
     * account credentials: what lets a retry continue instead of posting again (drivers/api-types.ts saveProgress).
     */
    driverProgress: text('driver_progress'),
    workflowId: text('workflow_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('publications_content_account').on(t.contentId, t.accountId),
    index('publications_account_scheduled_idx').on(t.accountId, t.scheduledTime),
    index('publications_status_scheduled_idx').on(t.status, t.scheduledTime),
    // The overview's "published today" and "latest published" (bench/overview.ts: 100k rows).
    index('publications_published_at_idx').on(t.publishedAt),
    // The calendar reads a range of scheduled times across every status (bench/calendar.ts).
    index('publications_scheduled_time_idx').on(t.scheduledTime),
  ],
);

export const publicationMetrics = pgTable(
  'publication_metrics',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    publicationId: uuid('publication_id').notNull().references(() => publications.id, { onDelete: 'cascade' }),
    ts: ts('ts').notNull().defaultNow(),
    views: integer('views'),
    likes: integer('likes'),
    comments: integer('comments'),
    shares: integer('shares'),
    /** Accounts that saw it (Instagram insights); null where the platform has no such counter. */
    reach: integer('reach'),
    /** Times it was saved (Instagram insights). */
    saves: integer('saves'),
    platformFollowers: integer('platform_followers'),
    trackingClicks: integer('tracking_clicks'),
    source: text('source').notNull(),
  },
  (t) => [
    index('publication_metrics_publication_ts_idx').on(t.publicationId, t.ts),
    index('publication_metrics_ts_brin').using('brin', t.ts),
  ],
);

/** Codes an account used before `POST /api/accounts/:id/tracking-link` issued a new one: they keep redirecting and counting. */
export const trackingCodeHistory = pgTable('tracking_code_history', {
  code: text('code').primaryKey(),
  accountId: uuid('account_id').notNull().references(() => platformAccounts.id, { onDelete: 'cascade' }),
  retiredAt: ts('retired_at').notNull().defaultNow(),
});

/**
 * One row per click on a tracking link (PRD clics_atribucion). The visitor's address is never stored.
 *
 * No foreign keys, on purpose: this is the product's highest-volume table, written only by the click flush, and the
 * per-row checks were ~30 % of what PostgreSQL spends storing a click (bench/redirect.ts). The flush itself keeps the
 * references right: it locks the accounts and publications it names (`for key share`) in the statement that inserts,
 * and leaves out clicks of accounts that are gone (db/clicks.ts insertClickBatch). Deleting an account deletes its
 * clicks (db/accounts.ts deleteAccountRow); publications are never deleted (their contents and accounts restrict it).
 */
export const clicks = pgTable(
  'clicks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ts: ts('ts').notNull().defaultNow(),
    accountId: uuid('account_id').notNull(),
    publicationId: uuid('publication_id'),
    /** Keyed hash of address + user agent with that day's salt (`click_salts`): comparable within a day only. */
    visitorHash: text('visitor_hash').notNull(),
    /** The visitor's first click on this link (account + publication) that UTC day. */
    isUnique: boolean('is_unique').notNull().default(false),
    country: text('country'),
    city: text('city'),
    referrerHost: text('referrer_host'),
    device: text('device'),
    os: text('os'),
    browser: text('browser'),
    isBot: boolean('is_bot').notNull().default(false),
  },
  (t) => [index('clicks_account_ts_idx').on(t.accountId, t.ts), index('clicks_ts_brin').using('brin', t.ts)],
);

/**
 * Hourly and daily aggregates of `clicks`, one narrow row per (bucket, account, dimension, value): every chart
 * reads these, never the raw clicks. `value` is '' when unknown (no referrer, address not in the geo database).
 * Humans and bots are counted apart; `unique*` sums `clicks.is_unique`, so every figure adds up exactly.
 */
export const clickRollups = pgTable(
  'click_rollups',
  {
    granularity: rollupGranularity('granularity').notNull(),
    dimension: clickDimension('dimension').notNull(),
    bucketStart: ts('bucket_start').notNull(),
    accountId: uuid('account_id').notNull().references(() => platformAccounts.id, { onDelete: 'cascade' }),
    value: text('value').notNull().default(''),
    total: integer('total').notNull().default(0),
    unique: integer('unique').notNull().default(0),
    bots: integer('bots').notNull().default(0),
    botUnique: integer('bot_unique').notNull().default(0),
  },
  // The migration makes both covering (INCLUDE the other columns) for index-only scans; drizzle cannot say INCLUDE.
  (t) => [
    primaryKey({ columns: [t.granularity, t.dimension, t.bucketStart, t.accountId, t.value] }),
    // Reads narrowed to a few accounts (a model's, one account's): one range per account instead of the whole period.
    index('click_rollups_account_idx').on(t.granularity, t.dimension, t.accountId, t.bucketStart),
  ],
);

/**
 * The same rollups summed over every account: what a studio-wide chart reads (the city breakdown of 30 days is ~7 k
 * rows here against ~3 M per account; bench/analytics.ts). Kept equal to the sum of `click_rollups` over accounts by
 * every writer: the click flush, the rollup repair and the deletion of an account (db/clicks.ts). Every dimension but
 * `publication` (a publication has one account: its rows summed over accounts are the same rows).
 */
export const clickRollupsStudio = pgTable(
  'click_rollups_studio',
  {
    granularity: rollupGranularity('granularity').notNull(),
    dimension: clickDimension('dimension').notNull(),
    bucketStart: ts('bucket_start').notNull(),
    value: text('value').notNull().default(''),
    total: integer('total').notNull().default(0),
    unique: integer('unique').notNull().default(0),
    bots: integer('bots').notNull().default(0),
    botUnique: integer('bot_unique').notNull().default(0),
  },
  // Covering in the migration, like click_rollups.
  (t) => [primaryKey({ columns: [t.granularity, t.dimension, t.bucketStart, t.value] })],
);

/** Who clicked which link on which UTC day (visitor hash only): makes `clicks.is_unique` exact across processes. Kept two days. */
export const clickVisitors = pgTable(
  'click_visitors',
  {
    day: date('day', { mode: 'string' }).notNull(),
    /** `<accountId>/<publicationId or empty>`: the link clicked. */
    linkKey: text('link_key').notNull(),
    visitorHash: text('visitor_hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.linkKey, t.visitorHash] })],
);

/** The random salt of each UTC day's visitor hashes; deleted once the day is over, so hashes cannot be recomputed. */
export const clickSalts = pgTable('click_salts', {
  day: date('day', { mode: 'string' }).primaryKey(),
  salt: text('salt').notNull(),
});

/**
 * Per-publication running totals, maintained incrementally: latest metrics (from `publication_metrics`) and
 * tracking clicks (from the click flush). What top-post tables and the publications analytics read.
 */
export const publicationStats = pgTable(
  'publication_stats',
  {
    publicationId: uuid('publication_id').primaryKey().references(() => publications.id, { onDelete: 'cascade' }),
    views: integer('views'),
    likes: integer('likes'),
    comments: integer('comments'),
    shares: integer('shares'),
    metricsAt: ts('metrics_at'),
    clicks: integer('clicks').notNull().default(0),
    uniqueClicks: integer('unique_clicks').notNull().default(0),
    botClicks: integer('bot_clicks').notNull().default(0),
  },
);

/** A site a model streams on (core/streams.ts): where her sessions and earnings come from. */
export const streamSourceStatus = pgEnum('stream_source_status', ['active', 'revoked', 'paused']);
export const earningKind = pgEnum('earning_kind', earningKinds);
export const attributionMethod = pgEnum('attribution_method', attributionMethods);

/**
 * Where a model's live sessions and earnings come from (PRD v2): a site and her username there. Chaturbate sources
 * carry the Events API and Stats API tokens (encrypted, bound to their row) and are followed by one durable
 * workflow each; other sites are fed by CSV import. `events_next_url` is the last `nextUrl` the Events API gave,
 * stored after the events it followed were (it carries the token in its path, so it is encrypted too).
 */
export const streamSources = pgTable(
  'stream_sources',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    modelId: uuid('model_id').notNull().references(() => models.id, { onDelete: 'cascade' }),
    site: text('site').notNull(),
    username: text('username').notNull(),
    eventsTokenEncrypted: text('events_token_encrypted'),
    statsTokenEncrypted: text('stats_token_encrypted'),
    eventsNextUrlEncrypted: text('events_next_url_encrypted'),
    status: streamSourceStatus('status').notNull().default('active'),
    lastEventAt: ts('last_event_at'),
    lastPolledAt: ts('last_polled_at'),
    /** Scrubbed (core/redact.ts): never a token. */
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [unique('stream_sources_model_site_username').on(t.modelId, t.site, t.username)],
);

/**
 * One live session of a model on a site (PRD transmisiones): opened by `broadcastStart` (or a CSV row), closed by
 * `broadcastStop`. `tokens` / `amount_usd` sum its earnings lines; viewers and followers come from the Events
 * API (`userEnter`, `follow`/`unfollow`) and the Stats API (polled while it is open).
 */
export const streams = pgTable(
  'streams',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    modelId: uuid('model_id').notNull().references(() => models.id, { onDelete: 'cascade' }),
    sourceId: uuid('source_id').references(() => streamSources.id, { onDelete: 'set null' }),
    site: text('site').notNull(),
    startedAt: ts('started_at').notNull(),
    endedAt: ts('ended_at'),
    showType: showType('show_type').notNull().default('public'),
    peakViewers: integer('peak_viewers'),
    /** Distinct users who entered (Events API `userEnter`), when the source tells. */
    visitors: integer('visitors'),
    followersStart: integer('followers_start'),
    followersEnd: integer('followers_end'),
    /** Follows minus unfollows seen during the session. */
    followsNet: integer('follows_net').notNull().default(0),
    tokens: integer('tokens').notNull().default(0),
    amountUsd: numeric('amount_usd', { precision: 14, scale: 4 }).notNull().default('0'),
    /** `events_api` | `csv`. */
    origin: text('origin').notNull(),
    /** CSV: the row's own key (site session id, or a hash of its fields), so a re-import stores nothing twice. */
    externalId: text('external_id'),
    /** The "en vivo ahora" content started for this session (live-aware posting): at most one. */
    livePostContentId: uuid('live_post_content_id').references((): AnyPgColumn => contents.id, { onDelete: 'set null' }),
    /** When its attribution rows were last computed (null = never, or stale after new lines). */
    attributedAt: ts('attributed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('streams_model_started_idx').on(t.modelId, t.startedAt),
    index('streams_started_brin').using('brin', t.startedAt),
    unique('streams_model_site_external').on(t.modelId, t.site, t.externalId),
  ],
);

/** Stats API readings of an open session (every 5 minutes): viewers, followers, token balance. */
export const streamSamples = pgTable(
  'stream_samples',
  {
    streamId: uuid('stream_id').notNull().references(() => streams.id, { onDelete: 'cascade' }),
    ts: ts('ts').notNull(),
    viewers: integer('viewers'),
    followers: integer('followers'),
    tokenBalance: integer('token_balance'),
  },
  (t) => [primaryKey({ columns: [t.streamId, t.ts] })],
);

/**
 * Earnings lines (PRD ingresos): a tip, a media purchase, a fan-club join… with its tokens and its amount in USD
 * (decimal, never a float: tokens × the site's token value at the time, or the CSV's amount). `external_id` is the
 * Events API event id or the CSV row's key: unique per model and site, so nothing is counted twice.
 */
export const earnings = pgTable(
  'earnings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    modelId: uuid('model_id').notNull().references(() => models.id, { onDelete: 'cascade' }),
    streamId: uuid('stream_id').references(() => streams.id, { onDelete: 'set null' }),
    sourceId: uuid('source_id').references(() => streamSources.id, { onDelete: 'set null' }),
    site: text('site').notNull(),
    ts: ts('ts').notNull(),
    kind: earningKind('kind').notNull(),
    tokens: integer('tokens'),
    amountUsd: numeric('amount_usd', { precision: 14, scale: 4 }).notNull(),
    isAnonymous: boolean('is_anonymous').notNull().default(false),
    /** `events_api` | `csv`. */
    origin: text('origin').notNull(),
    externalId: text('external_id').notNull(),
  },
  (t) => [
    index('earnings_model_ts_idx').on(t.modelId, t.ts),
    index('earnings_stream_idx').on(t.streamId),
    unique('earnings_model_site_external').on(t.modelId, t.site, t.externalId),
  ],
);

/**
 * Events API event ids a source has applied: the `nextUrl` and these are written in the transaction that applies a
 * batch, so a replayed batch (crash before the cursor moved) changes nothing. Chat and private messages are
 * never stored, their ids neither. Kept `STREAM_EVENT_IDS_DAYS`.
 */
export const streamEventIds = pgTable(
  'stream_event_ids',
  {
    sourceId: uuid('source_id').notNull().references(() => streamSources.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    seenAt: ts('seen_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sourceId, t.eventId] }), index('stream_event_ids_seen_brin').using('brin', t.seenAt)],
);

/**
 * A session's earnings shared among what sent visitors to it, per method (core/attribution.ts): `last_click`
 * credits each earnings line to the last attributed click before it; `linear` shares the session's total by
 * human clicks. A row's publication is null for clicks on the account's own link. Recomputed whole per session.
 */
export const revenueAttribution = pgTable(
  'revenue_attribution',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    streamId: uuid('stream_id').notNull().references(() => streams.id, { onDelete: 'cascade' }),
    /** The session's start, copied so period queries read one index. */
    streamStartedAt: ts('stream_started_at').notNull(),
    modelId: uuid('model_id').notNull().references(() => models.id, { onDelete: 'cascade' }),
    method: attributionMethod('method').notNull(),
    accountId: uuid('account_id').notNull().references(() => platformAccounts.id, { onDelete: 'cascade' }),
    publicationId: uuid('publication_id').references(() => publications.id, { onDelete: 'cascade' }),
    /** Human clicks of this link attributed to the session (the funnel's "stream visits"). */
    clicks: integer('clicks').notNull(),
    tokens: numeric('tokens', { precision: 14, scale: 4 }).notNull(),
    amountUsd: numeric('amount_usd', { precision: 14, scale: 4 }).notNull(),
  },
  (t) => [
    index('revenue_attribution_stream_idx').on(t.streamId),
    index('revenue_attribution_method_started_idx').on(t.method, t.streamStartedAt),
    // A model's revenue page: its rows of one method in a period, without reading the studio's.
    index('revenue_attribution_method_model_started_idx').on(t.method, t.modelId, t.streamStartedAt),
  ],
);

export const systemEvents = pgTable(
  'system_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ts: ts('ts').notNull().defaultNow(),
    type: eventType('type').notNull(),
    modelId: uuid('model_id').references(() => models.id, { onDelete: 'set null' }),
    contentId: uuid('content_id').references(() => contents.id, { onDelete: 'set null' }),
    publicationId: uuid('publication_id').references(() => publications.id, { onDelete: 'set null' }),
    accountId: uuid('account_id').references(() => platformAccounts.id, { onDelete: 'set null' }),
    description: text('description').notNull(),
    actor: text('actor').notNull().default('system'),
    data: jsonb('data').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('system_events_ts_idx').on(t.ts),
    index('system_events_publication_idx').on(t.publicationId),
    index('system_events_content_idx').on(t.contentId),
    // The audit page filters by these and pages newest first by id (keyset).
    index('system_events_model_id_idx').on(t.modelId, t.id),
    index('system_events_account_id_idx').on(t.accountId, t.id),
    index('system_events_type_id_idx').on(t.type, t.id),
  ],
);

/** Who acknowledged an `alert` event, and when (an open alert is one without a row here). */
export const alertAcknowledgements = pgTable('alert_acknowledgements', {
  eventId: bigint('event_id', { mode: 'number' }).primaryKey().references(() => systemEvents.id, { onDelete: 'cascade' }),
  actor: text('actor').notNull(),
  acknowledgedAt: ts('acknowledged_at').notNull().defaultNow(),
});

/**
 * Dashboard sessions, server-side: the cookie carries a random token, the row its SHA-256 only. Logout, a
 * password change or a revoke from the sessions list ends a session at once (`revoked_at`).
 */
export const adminSessions = pgTable(
  'admin_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: createdAt(),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
    /** What the admin sees in the sessions list to tell them apart (shortened; never used for auth). */
    userAgent: text('user_agent'),
    ipAddress: text('ip_address'),
  },
  (t) => [index('admin_sessions_expires_idx').on(t.expiresAt)],
);

/** Named API tokens: shown once at creation, stored as SHA-256; the actor on events is the name. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: createdAt(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('api_tokens_name_idx').on(t.name)],
);

/**
 * The dashboard password once the admin changed it (one row, id 1): a scrypt hash `scrypt$N$r$p$salt$hash`.
 * Without a row the password is ADMIN_PASSWORD from the environment.
 */
export const adminCredentials = pgTable('admin_credentials', {
  id: integer('id').primaryKey(),
  passwordHash: text('password_hash').notNull(),
  updatedAt: updatedAt(),
});

/**
 * A video a model sent to the Telegram bot. The content row carries `file_path` (where ingest will put the
 * download) from the start; ingest finds this row by that path and downloads the file (getFile) before its
 * checks, so the bot never downloads inside an update handler.
 */
export const telegramUploads = pgTable(
  'telegram_uploads',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    filePath: text('file_path').notNull().unique(),
    contentId: uuid('content_id').references(() => contents.id, { onDelete: 'cascade' }).unique(),
    modelId: uuid('model_id').notNull().references(() => models.id, { onDelete: 'cascade' }),
    telegramUserId: bigint('telegram_user_id', { mode: 'number' }).notNull(),
    chatId: bigint('chat_id', { mode: 'number' }).notNull(),
    messageId: integer('message_id').notNull(),
    mediaGroupId: text('media_group_id'),
    /** video | document | video_note | animation */
    kind: text('kind').notNull(),
    fileId: text('file_id').notNull(),
    fileUniqueId: text('file_unique_id').notNull(),
    fileSize: bigint('file_size', { mode: 'number' }),
    mimeType: text('mime_type'),
    fileName: text('file_name'),
    downloadedAt: ts('downloaded_at'),
    createdAt: createdAt(),
  },
  // A redelivered update (e.g. after a restart) is the same message: it never becomes a second content.
  (t) => [index('telegram_uploads_model_idx').on(t.modelId, t.createdAt), unique('telegram_uploads_message').on(t.chatId, t.messageId)],
);

/** The approval card the admin chat got for a content, so a decision (from the card or elsewhere) can edit it. */
export const telegramCards = pgTable('telegram_cards', {
  contentId: uuid('content_id').primaryKey().references(() => contents.id, { onDelete: 'cascade' }),
  chatId: bigint('chat_id', { mode: 'number' }).notNull(),
  messageId: integer('message_id').notNull(),
  /** photo (caption edits) | text (text edits) */
  kind: text('kind').notNull(),
  /** The card as first sent; edits append the decision to it. */
  body: text('body').notNull(),
  /** The "write the reason" prompt after Rechazar; a reply to it rejects the content. */
  reasonPromptMessageId: integer('reason_prompt_message_id'),
  decidedAt: ts('decided_at'),
  createdAt: createdAt(),
});

/** Alerts sent to the admin chat, by fold key: repeats within the cooldown edit the count instead of sending again. */
export const telegramAlerts = pgTable('telegram_alerts', {
  key: text('key').primaryKey(),
  chatId: bigint('chat_id', { mode: 'number' }).notNull(),
  messageId: integer('message_id').notNull(),
  body: text('body').notNull(),
  /** Inline keyboard of the message (kept on edits). */
  buttons: jsonb('buttons').$type<{ text: string; data: string }[][]>(),
  count: integer('count').notNull().default(1),
  shownCount: integer('shown_count').notNull().default(1),
  firstAt: ts('first_at').notNull().defaultNow(),
  lastAt: ts('last_at').notNull().defaultNow(),
  editedAt: ts('edited_at').notNull().defaultNow(),
});

/**
 * The notifier's cursor over system_events (one row per bot), with a lease so that two bot processes never
 * send the same notification.
 */
export const telegramOutbox = pgTable('telegram_outbox', {
  name: text('name').primaryKey(),
  lastEventId: bigint('last_event_id', { mode: 'number' }).notNull(),
  leaseOwner: text('lease_owner'),
  leaseUntil: ts('lease_until'),
  updatedAt: updatedAt(),
});

export type Model = typeof models.$inferSelect;
export type Platform = typeof platforms.$inferSelect;
export type PlatformAccount = typeof platformAccounts.$inferSelect;
export type Content = typeof contents.$inferSelect;
export type Publication = typeof publications.$inferSelect;
export type ModerationRuleRow = typeof moderationRules.$inferSelect;
/** Same as contracts/events.ts `EventKind`. */
export type SystemEventType = (typeof eventType.enumValues)[number];
export type SystemEvent = typeof systemEvents.$inferSelect;
export type TelegramUpload = typeof telegramUploads.$inferSelect;
export type AdminSession = typeof adminSessions.$inferSelect;
export type ApiToken = typeof apiTokens.$inferSelect;


/**
 * Rate-limit counters of the official APIs (rate-limiter-flexible's RateLimiterDrizzle layout), shared by every
 * worker process: keys are `<platform>:app` and `<platform>:account:<id>`.
 */
export const apiRateLimits = pgTable('api_rate_limits', {
  key: text('key').primaryKey(),
  points: integer('points').notNull().default(0),
  expire: ts('expire'),
});

/**
 * Daily quotas our app (not an account) has at a platform, counted here so every worker shares them
 * (db/api-quota.ts): YouTube's units per Google project, spent 1,600 per upload, reset at midnight Pacific time.
 */
export const apiQuotaUsage = pgTable('api_quota_usage', {
  platform: text('platform').notNull(),
  /** The quota's day in the zone where the platform resets it. */
  day: date('day').notNull(),
  units: integer('units').notNull().default(0),
  /** The platform said the quota is spent before our count reached the limit (uploads made elsewhere with the same project). */
  exhausted: boolean('exhausted').notNull().default(false),
  updatedAt: updatedAt(),
}, (t) => [primaryKey({ columns: [t.platform, t.day] })]);

/**
 * Auto-moderation (core/moderation.ts), checked on every caption draft and edit before approval. A rule applies
 * to one platform or all (null) and to one model or all (null).
 */
export const moderationRules = pgTable(
  'moderation_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    platformId: uuid('platform_id').references(() => platforms.id, { onDelete: 'cascade' }),
    modelId: uuid('model_id').references(() => models.id, { onDelete: 'cascade' }),
    kind: moderationRuleKind('kind').notNull(),
    /** The banned word or phrase, the regular expression's source, the required tag/text, or the max count. */
    value: text('value').notNull(),
    /** Why the rule exists, shown with a violation. */
    note: text('note'),
    active: boolean('active').notNull().default(true),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('moderation_rules_model_idx').on(t.modelId), index('moderation_rules_platform_idx').on(t.platformId)],
);

/** The admin's own preferences (one row, id 1): the dashboard's time zone (null = the browser's). */
export const adminPreferences = pgTable('admin_preferences', {
  id: integer('id').primaryKey(),
  timezone: text('timezone'),
  updatedAt: updatedAt(),
});
