/** Shared domain types. Pure: no I/O, no node built-ins (workflows import this folder). */

export type ContentStatus = 'new' | 'approved' | 'rejected' | 'reusable' | 'duplicate';
/** `held`: waiting because its account is paused or its session expired; a retry or resume releases it. */
export type PublicationStatus = 'scheduled' | 'held' | 'processing' | 'published' | 'failed' | 'canceled' | 'unconfirmed'
  /** The platform holds the post as a draft the creator finishes in its app (TikTok's inbox upload). */
  | 'published_as_draft';

/** The statuses of a publication whose post exists at the platform (as a post, or as a draft in the creator's app). */
export type PostedStatus = Extract<PublicationStatus, 'published' | 'published_as_draft'>;
export const isPosted = (status: PublicationStatus): status is PostedStatus => status === 'published' || status === 'published_as_draft';
export type AccountStatus = 'active' | 'paused' | 'session_expired' | 'disabled';
export type Language = 'es' | 'en';
/**
 * Where the posted caption carries the account's tracking link: after the hashtags (`end`), as the first line
 * (`start`), or nowhere (`none`: the link lives in the profile bio). The idempotency marker stays last either way.
 */
export type LinkPlacement = 'end' | 'start' | 'none';
export const linkPlacements = ['end', 'start', 'none'] as const satisfies readonly LinkPlacement[];

/** A model's distribution rules (models.distribution jsonb). */
export interface DistributionRules {
  timezone: string;
  /** Local posting slots, "HH:MM". Empty = post as soon as possible. */
  slots: string[];
  maxPostsPerDay: number;
  minSpacingMinutes: number;
  /** Platform names (platforms.name); empty = every active platform the model has an account on. */
  allowedPlatforms: string[];
  approvalRequired: boolean;
  language: Language;
  /** Caption template; see core/captions.ts for the placeholders. */
  captionTemplate?: string;
  /** Per platform name: a template that replaces `captionTemplate` there. */
  captionTemplates?: Record<string, string>;
  /** The model's voice, a short description given to the LLM (and unused by templates). */
  voice?: string;
  /** Hashtag pool used everywhere. */
  hashtags: string[];
  /** Per platform name: extra hashtags placed before the general pool. */
  hashtagPools?: Record<string, string[]>;
  /** Hours without a decision before an approval reminder event (approvalRequired only). */
  approvalReminderHours: number;
  /** Where the tracking link goes in the caption (default `end`). */
  linkPlacement: LinkPlacement;
}

export const defaultDistributionRules: DistributionRules = {
  timezone: 'America/Bogota',
  slots: [],
  maxPostsPerDay: 4,
  minSpacingMinutes: 120,
  allowedPlatforms: [],
  approvalRequired: false,
  language: 'es',
  hashtags: [],
  approvalReminderHours: 12,
  linkPlacement: 'end',
};

/** One subreddit a Reddit account posts to (AccountPublishSettings.reddit). */
export interface RedditTarget {
  /** Without the `r/` prefix. */
  subreddit: string;
  /** `video`: the clip uploaded to Reddit; `link`: a link post to the tracking URL. */
  kind: 'video' | 'link';
  /** Title template (core/captions.ts placeholders); unset = the caption's first line. */
  titleTemplate?: string;
  flairId?: string;
  flairText?: string;
}

/**
 * Per-account publishing settings of official-API platforms (platform_accounts.publish_settings jsonb).
 * Browser accounts leave it empty.
 */
export interface AccountPublishSettings {
  /** X: the tracking link goes in a reply to the post instead of the post (X charges much more for a post carrying a URL). */
  linkInReply?: boolean;
  /** Reddit: the subreddits each publication is submitted to (activities/publishing/drivers/reddit.ts). */
  subreddits?: RedditTarget[];
  /** YouTube: privacy of uploads (forced private while YOUTUBE_PROJECT_AUDITED=false). */
  youtubePrivacy?: 'public' | 'unlisted' | 'private';
  /** TikTok: `direct` posts (video.publish) or `inbox` drafts the creator finishes in the app (video.upload). */
  tiktokMode?: 'direct' | 'inbox';
  /** TikTok: who sees a direct post, within what creator_info allows (SELF_ONLY while TIKTOK_APP_AUDITED=false). */
  tiktokPrivacy?: 'PUBLIC_TO_EVERYONE' | 'FOLLOWER_OF_CREATOR' | 'MUTUAL_FOLLOW_FRIENDS' | 'SELF_ONLY';
  /** TikTok: the post promotes the creator's own business (brand_organic_toggle). */
  tiktokBrandOrganic?: boolean;
}

/** What a platform accepts (platforms.capabilities jsonb). */
export interface PlatformCapabilities {
  maxDurationSeconds: number;
  maxSizeBytes: number;
  /** Preferred aspect ratio, "W:H". */
  aspect: string;
  maxCaptionLength: number;
  maxHashtags: number;
  linksAllowed: boolean;
  /** The platform refuses posts scheduled closer than this to now (minutes). */
  minLeadMinutes: number;
  /** The platform's scheduling horizon: nothing later than this many days ahead. */
  maxLeadDays: number;
}

/**
 * How an account's browser presents itself, kept stable across runs so the platform sees the same
 * "device" every time (a changing locale/timezone/viewport is a classic bot signal).
 */
export interface BrowserProfile {
  /** BCP 47, e.g. `es-CO`. Default: `en-US` for a model whose language is English, else `es-ES`. */
  locale?: string;
  /** IANA zone. Default: the model's distribution time zone. */
  timezoneId?: string;
  viewport?: { width: number; height: number };
  userAgent?: string;
}

/** How we drive a platform (platforms.technical_config jsonb). */
export interface PlatformTechnicalConfig {
  driver: string;
  baseUrl: string;
  options?: Record<string, unknown>;
}

export interface MediaFacts {
  durationSeconds: number;
  width: number;
  height: number;
  sizeBytes: number;
  codec: string;
  formatName: string;
}

export interface PostMetrics {
  views: number;
  likes: number;
  comments: number;
  shares: number;
  /** Only where the platform has them (Instagram's insights). */
  reach?: number;
  saves?: number;
}

/** A caption drafted for one platform before approval; the marker and link are added at scheduling. */
export interface CaptionDraft {
  caption: string;
  tags: string[];
  source: 'template' | 'llm' | 'edited';
}
/** contents.caption_drafts: keyed by platform name. */
export type CaptionDrafts = Record<string, CaptionDraft>;

/** Where a model's watermark sits on the frame. */
export type WatermarkPosition = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right' | 'center';
export const watermarkPositions = ['top-left', 'top-right', 'bottom-left', 'bottom-right', 'center'] as const satisfies readonly WatermarkPosition[];

/**
 * A model's branding (models.watermark jsonb), burned into each platform variant by the media worker; the
 * original stays untouched. Either a PNG logo (stored under MEDIA_DIR/branding, never served raw) or a text
 * handle.
 */
export interface WatermarkSettings {
  kind: 'logo' | 'text';
  /** kind `text`: what is written, e.g. "@modelo". */
  text?: string;
  /** kind `logo`: path of the stored PNG (server side only). */
  logoPath?: string;
  /** kind `logo`: SHA-256 of the PNG, so the variant cache changes when the logo does. */
  logoSha256?: string;
  position: WatermarkPosition;
  /** Logo width, or text height, as a share of the video's width (0.03..0.5). */
  size: number;
  /** 0.05..1 */
  opacity: number;
}

/** Kinds of auto-moderation rule (moderation_rules.kind). */
export type ModerationRuleKind = 'banned_word' | 'pattern' | 'required_tag' | 'max_mentions';
export const moderationRuleKinds = ['banned_word', 'pattern', 'required_tag', 'max_mentions'] as const satisfies readonly ModerationRuleKind[];
