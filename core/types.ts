/** Shared domain types. Pure: no I/O, no node built-ins (workflows import this folder). */

export type ModelStatus = 'active' | 'paused' | 'testing';
export type ContentStatus = 'new' | 'approved' | 'rejected' | 'reusable';
export type PublicationStatus = 'scheduled' | 'processing' | 'published' | 'failed' | 'canceled' | 'unconfirmed';
export type AccountStatus = 'active' | 'paused' | 'session_expired' | 'disabled';
export type Language = 'es' | 'en';

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
  hashtags: string[];
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
};

/** What a platform accepts (platforms.capabilities jsonb). */
export interface PlatformCapabilities {
  maxDurationSeconds: number;
  maxSizeBytes: number;
  /** Preferred aspect ratio, "W:H". */
  aspect: string;
  maxCaptionLength: number;
  maxHashtags: number;
  linksAllowed: boolean;
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
}
