/**
 * The typed map of `system_events` kinds: every kind an event row may have (the `event_type` enum of the
 * database is built from `eventKinds`), and the payload each kind stores in `data`. A payload carries the facts,
 * enough to render the event's description from it alone (`messages/{es,en}/events.ts`, one function per kind);
 * the words live in messages/, never at the call site. `db/events.ts` `recordEvent` checks calls against this
 * map and stores the English description next to the payload.
 *
 * A new kind: add it at the END of `eventKinds` (the enum's order is the database's; then `npm run
 * db:generate`), its payload below, its description in `messages/{es,en}/events.ts`, and a notice in
 * `bot/notices.ts` if the bot should say something.
 */
import type { CaptionDraft, MediaFacts, PostMetrics, BrowserProfile } from '../core/types.js';
import type { PlatformFit, VariantPlan } from '../core/platforms.js';
import type { SessionFileFormat } from '../core/session-import.js';
import type { SessionState } from './workflows.js';

/** Every kind, in the order of the database enum (`event_type`): append only. Each has a payload below. */
export const eventKinds = [
  'content_received', 'content_ingested', 'content_rejected', 'content_approved', 'content_duplicate',
  'caption_generated', 'publication_scheduled', 'publication_started', 'publication_published',
  'publication_failed', 'retry', 'metrics_read', 'metrics_parse_failed', 'manual_adjustment',
  'strategy_changed', 'session_linked', 'session_expired', 'account_paused', 'alert',
  'approval_requested', 'approval_reminder', 'publication_rescheduled', 'publication_canceled', 'publication_held',
  'publication_unconfirmed', 'media_variant_created', 'account_resumed',
  'session_checked', 'post_missing', 'post_deleted',
  'telegram_linked', 'model_paused', 'model_resumed',
  'model_created', 'model_updated', 'account_created', 'account_updated', 'account_deleted', 'platform_updated',
  'alert_acknowledged', 'api_token_created', 'api_token_revoked', 'admin_session_revoked', 'admin_password_changed',
  'moderation_rule_changed', 'media_retention',
  'stream_source_created', 'stream_source_deleted', 'stream_started', 'stream_ended', 'earnings_imported',
  'content_reposted', 'live_post_created', 'reach_drop', 'learned_slots_suggested',
] as const satisfies readonly (keyof EventPayloads)[];
export type EventKind = (typeof eventKinds)[number];

/** A kind whose payload has no facts beyond the event's links. */
export type NoPayload = Record<string, never>;

/** The account error that stopped a publish attempt (`core/publish-errors.ts` type name) and its message. */
export interface PublishFailure {
  errorType: string;
  message: string;
}

// ── Alerts ───────────────────────────────────────────────────────────────────────────────────

/** What an `alert` event is about; `data.kind` of the row. */
export const alertKinds = [
  'invalid_rules', 'account_paused', 'publication_failed', 'publication_unconfirmed', 'session_expired',
  'session_unknown', 'post_deleted', 'not_sent', 'no_slot', 'clicks_dropped', 'channel_down',
  'stream_source_revoked', 'reach_drop',
] as const;
export type AlertKind = (typeof alertKinds)[number];

/** The facts of each alert kind (the `kind` field is added by `AlertPayload`). */
export interface AlertFacts {
  /** The model's distribution rules cannot be used: nothing is scheduled until the admin fixes them. */
  invalid_rules: { modelName: string; problems: string[] };
  /** A publish attempt hit an account-level error: the account is paused (or its session expired). */
  account_paused: PublishFailure & { username: string; status: 'paused' | 'session_expired' };
  publication_failed: PublishFailure;
  /** The attempt may have posted: a person checks before any retry. */
  publication_unconfirmed: PublishFailure;
  /** A session check found the account logged out or challenged. */
  session_expired: { username: string; platform: string; state: SessionState };
  /** A session check could not tell; `unknown` never counts as valid. */
  session_unknown: { username: string; platform: string };
  /** Two reads in a row found the post gone; metrics polling stops. */
  post_deleted: { url: string; username: string; platform: string };
  /** At scheduling: the clip cannot go to this platform (`core/platforms.ts` platformSkipReason). */
  not_sent: { platform: string; reason: string };
  /** At scheduling: the rules leave no slot for this account within the platform's horizon. */
  no_slot: { username: string; platform: string; maxLeadDays: number };
  /** Tracking-link clicks lost because the click buffer was full while the database could not take them. */
  clicks_dropped: { count: number; bufferMax: number };
  /**
   * An alert channel (notify/: `webhook`, `email`) failed a message after every retry; `error` is scrubbed of its
   * secrets. The other channels (and Telegram) deliver it, never the channel itself.
   */
  channel_down: { channel: string; error: string; attempts: number };
  /** The site refused a stream source's token (Events API 401): polling stopped until the admin gives a new one. */
  stream_source_revoked: { site: string; username: string; modelName: string };
  /**
   * Shadowban suspicion: each of the account's last `posts` publications reached less than `share` of its trailing
   * median views at 24 h (`medianViews`); `recentViews` are theirs, newest first. `paused`: the account was paused.
   */
  reach_drop: { username: string; platform: string; posts: number; share: number; medianViews: number; recentViews: number[]; paused: boolean };
}
export type AlertPayload<A extends AlertKind = AlertKind> = { [K in A]: { kind: K } & AlertFacts[K] }[A];

// ── Payloads ─────────────────────────────────────────────────────────────────────────────────

/** `data` of each kind. Times are ISO strings; `held` / `released` list publication ids. */
export interface EventPayloads {
  /** Sent through the API or the bot; `fileName` is the original file name when there was one. */
  content_received: { fileName: string | null };
  content_ingested: MediaFacts & { sha256: string; platforms: Record<string, PlatformFit> };
  /**
   * By ingest (`code` says why; `reason` is what the model reads, in her language; the facts read so far) or by a
   * person (`at`; `reason` is theirs).
   */
  content_rejected: Partial<MediaFacts> & { reason: string; code?: string; at?: string };
  /** By the model's rules (`auto`), or by a person at `at`, maybe with edited captions for some platforms. */
  /** `overrides`: platforms approved despite their moderation violations (the rule codes overridden), by the actor. */
  content_approved: { auto: true } | { at: string; editedCaptions: string[]; overrides?: { platform: string; violations: string[] }[] };
  content_duplicate: { sha256: string; duplicateOfId: string };
  /** Per platform: where the draft came from, and why the LLM draft was not used. */
  caption_generated: { llm: boolean; platforms: Record<string, { source: CaptionDraft['source']; fallback?: string }> };
  /** Reserved in a slot, or released back to its slot after the account or model was resumed. */
  publication_scheduled: { scheduledTime: string } | { released: true };
  publication_started: { platform: string; username: string };
  /** `draft`: the platform holds it as a draft the creator finishes in its app (the publication reads published_as_draft). */
  publication_published: { url: string; externalId: string; draft?: true };
  publication_failed: PublishFailure;
  retry: { at: string };
  metrics_read: Partial<PostMetrics> & { source: string };
  /** `read`: what the page gave (null = a counter that was there but could not be parsed). */
  metrics_parse_failed: { url: string; unreadable: (keyof PostMetrics)[]; read: Partial<Record<keyof PostMetrics, number | null>> };
  manual_adjustment:
    | { change: 'browser_profile'; username: string; browserProfile: BrowserProfile & { proxy: string | null } }
    | { change: 'telegram_link_code'; expiresAt: string };
  /** A change of strategy (`change` says which). */
  strategy_changed: { change: string };
  /** A session file imported, or a login with credentials (`format: 'login'`). */
  session_linked:
    | { format: SessionFileFormat; username: string; cookieCount: number; fileName: string | null; warnings: string[] }
    | { format: 'login'; username: string; platform: string }
    /** An official-API account connected through OAuth or a credentials body (tokens stored encrypted). */
    | { format: 'oauth' | 'credentials'; username: string; platform: string };
  /** After a publish error (`errorType`), or a session check (`state`). */
  session_expired:
    | { username: string; held: string[]; errorType: string }
    | { username: string; held: string[]; platform: string; state: SessionState };
  /** After a publish error (`errorType`), or by hand (`reason`, absent = none given). */
  account_paused: { username: string; held: string[]; errorType: string } | { username: string; held: string[]; reason?: string };
  alert: AlertPayload;
  /** `violations`: why a model whose rules approve automatically still waits for a person (auto-moderation found these). */
  approval_requested: { violations?: { platform: string; codes: string[] }[] };
  approval_reminder: { count: number };
  publication_rescheduled: { scheduledTime: string; at: string };
  /** `reason` absent = none given. */
  publication_canceled: { reason?: string; at: string };
  /** At its time, the publication waits: its account is not active, or its model is paused. */
  publication_held:
    | { cause: 'account'; username: string; accountStatus: string }
    | { cause: 'model'; modelName: string }
    | { cause: 'platform'; platform: string }
    /** A publishing quota at the platform is spent (QuotaExhausted): published again at `until`, when it frees. */
    | { cause: 'quota'; platform: string; until: string; message: string };
  publication_unconfirmed: PublishFailure;
  /** `watermark`: the key of the model's watermark burned in (core/watermark.ts), when she has one. */
  media_variant_created: VariantPlan & { platform: string; path: string; reused: boolean; durationSeconds: number; sizeBytes: number; watermark?: string };
  /** Resumed by hand, or (`loggedInOn` = the platform) a session check found it logged in again. */
  account_resumed: { username: string; released: string[]; loggedInOn?: string };
  session_checked: { username: string; platform: string; state: SessionState };
  post_missing: { url: string; missingChecks: number };
  post_deleted: { url: string; missingChecks: number };
  telegram_linked: { telegramUserId: number; username?: string; previousModelId: string | null };
  /** `reason` absent = none given. */
  model_paused: { held: string[]; reason?: string };
  model_resumed: { released: string[] };
  /** Created in the dashboard or through the API (`preset`: the regional preset it started from). */
  model_created: { name: string; preset?: string };
  /** `changed`: the fields that changed (`name`, `status`, or `distribution.<field>`). */
  model_updated: { name: string; changed: string[] };
  account_created: { username: string; platform: string };
  /** `changed`: the fields that changed; `status` set when the account was deactivated or reactivated. */
  account_updated: { username: string; platform: string; changed: string[]; status?: string };
  /** Deleted (it had no publications); the row is gone, so the event keeps who it was. */
  account_deleted: { username: string; platform: string };
  /** `held` / `released`: publications held when the platform was disabled, released when enabled again. */
  platform_updated: { platform: string; changed: string[]; active: boolean; held?: string[]; released?: string[] };
  /** Links to the alert through `alertEventId` (the `alert` event's id) and its kind. */
  alert_acknowledged: { alertEventId: number; kind: string };
  api_token_created: { name: string };
  api_token_revoked: { name: string };
  /** `sessionId`: the admin_sessions row; `reason`: logout, revoked from the list, or a password change. */
  admin_session_revoked: { sessionId: string; reason: 'logout' | 'revoked' | 'password_changed' };
  /** `revokedSessions`: how many other sessions ended with it. */
  admin_password_changed: { revokedSessions: number };
  /** An auto-moderation rule created, edited or deleted (`platform` / `modelName` null = every one). */
  moderation_rule_changed: { action: 'created' | 'updated' | 'deleted'; kind: string; value: string; platform: string | null; modelName: string | null };
  /** One run of the `media-retention` Schedule that deleted something: what went, per kind (`run`: its workflow id). */
  media_retention: MediaRetentionTotals & { run: string };
  stream_source_created: { site: string; username: string };
  stream_source_deleted: { site: string; username: string };
  /** A live session opened (Events API broadcastStart). */
  stream_started: { site: string; username: string; streamId: string };
  /** A live session closed, with its totals (USD as a decimal string). */
  stream_ended: { site: string; username: string; streamId: string; tokens: number; amountUsd: string };
  /** A CSV import the admin confirmed: what it stored, and the rows it skipped as already stored. */
  earnings_imported: { site: string; fileName: string | null; streams: number; earnings: number; skipped: number };
  /** A repost of a reusable content (`originContentId`), or an "en vivo ahora" post (`live`). */
  content_reposted: { originContentId: string; accounts: number; live?: true };
  /** Live-aware posting fired for a session (`streamId`) on `accounts` accounts. */
  live_post_created: { streamId: string; accounts: number };
  /** The reach-drop check fired (the alert carries the figures). */
  reach_drop: { posts: number; medianViews: number };
  /** The weekly learned-slots suggestion for the admin chat (nothing applied: the admin applies it in the rules editor). */
  learned_slots_suggested: LearnedSlotsSuggestion;
}

/**
 * The weekly suggestion of the `learned-slots-suggestion` Schedule (core/learned-slots.ts): per model whose learned
 * top hours differ from her posting slots, both lists and the posts behind them; `run` is the workflow that made it
 * (a retried activity records it once); `more` counts models with a suggestion beyond those listed. Never applied
 * by itself: the admin applies it from the rules editor.
 */
export interface LearnedSlotsSuggestion {
  run: string;
  metric: 'views' | 'clicks';
  suggestions: { modelId: string; modelName: string; current: string[]; suggested: string[]; posts: number }[];
  more: number;
}

/** Files (and for media, contents) a retention run deleted, and their bytes. */
export interface DeletedFiles {
  files: number;
  bytes: number;
}

/** What one media-retention run deleted, per kind (contracts/workflows.ts MediaRetentionOutcome). */
export interface MediaRetentionTotals {
  published: DeletedFiles & { contents: number };
  rejected: DeletedFiles & { contents: number };
  evidence: DeletedFiles & { attempts: number };
  incoming: DeletedFiles;
}

/** The payload of one kind. */
export type EventPayload<K extends EventKind> = EventPayloads[K];

/** What an event links to (all optional); `actor` defaults to `system`. */
export interface EventLinks {
  actor?: string;
  modelId?: string | null;
  contentId?: string | null;
  publicationId?: string | null;
  accountId?: string | null;
}

/** The shape of a language's `events` section: one description per kind, from the payload alone. */
export type EventDescriptions = { readonly [K in EventKind]: (payload: EventPayloads[K]) => string };
