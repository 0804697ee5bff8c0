import type { PlatformCapabilities } from './types.js';

/** Defaults per driver key, used when a platform row leaves a capability out. */
export const defaultCapabilities: Record<string, PlatformCapabilities> = {
  demo: { maxDurationSeconds: 180, maxSizeBytes: 512 * 1024 * 1024, aspect: '9:16', maxCaptionLength: 2200, maxHashtags: 10, linksAllowed: true, minLeadMinutes: 0, maxLeadDays: 30 },
  tiktok: { maxDurationSeconds: 600, maxSizeBytes: 4 * 1024 ** 3, aspect: '9:16', maxCaptionLength: 2200, maxHashtags: 10, linksAllowed: false, minLeadMinutes: 0, maxLeadDays: 30 },
  // Instagram Reels through the Graph API: 300 MB at most (the API documents up to 15 min; Reels here stay short).
  instagram: { maxDurationSeconds: 900, maxSizeBytes: 300_000_000, aspect: '9:16', maxCaptionLength: 2200, maxHashtags: 30, linksAllowed: false, minLeadMinutes: 0, maxLeadDays: 30 },
  youtube: { maxDurationSeconds: 180, maxSizeBytes: 2 * 1024 ** 3, aspect: '9:16', maxCaptionLength: 5000, maxHashtags: 15, linksAllowed: true, minLeadMinutes: 0, maxLeadDays: 30 },
  // X: 140 s and 512 MB per video for ordinary accounts; 280 characters (a URL counts 23).
  x: { maxDurationSeconds: 140, maxSizeBytes: 512 * 1024 ** 2, aspect: '9:16', maxCaptionLength: 280, maxHashtags: 3, linksAllowed: true, minLeadMinutes: 0, maxLeadDays: 30 },
  // Bluesky: videos up to 3 minutes and 100 MB; posts of 300 graphemes.
  bluesky: { maxDurationSeconds: 180, maxSizeBytes: 100_000_000, aspect: '9:16', maxCaptionLength: 300, maxHashtags: 5, linksAllowed: true, minLeadMinutes: 0, maxLeadDays: 30 },
  // Reddit: videos up to 15 minutes and 1 GB; the caption becomes a title of at most 300 characters; no hashtags there.
  reddit: { maxDurationSeconds: 900, maxSizeBytes: 1024 ** 3, aspect: '9:16', maxCaptionLength: 300, maxHashtags: 0, linksAllowed: true, minLeadMinutes: 0, maxLeadDays: 30 },
  // Telegram channels: captions of 1,024 characters; the cloud Bot API uploads at most 50 MB (a local Bot API server 2,000 MB).
  telegram: { maxDurationSeconds: 3600, maxSizeBytes: 50 * 1024 ** 2, aspect: '9:16', maxCaptionLength: 1024, maxHashtags: 10, linksAllowed: true, minLeadMinutes: 0, maxLeadDays: 30 },
};

export function capabilitiesFor(driver: string, overrides: Partial<PlatformCapabilities> = {}): PlatformCapabilities {
  const base = defaultCapabilities[driver] ?? defaultCapabilities.demo!;
  return { ...base, ...overrides };
}

/**
 * Length decision. A clip longer than a platform's `maxDurationSeconds` is still sent there,
 * with its tail cut at the maximum, when it lasts at most this many times the maximum
 * (a 100 s clip goes to a 90 s platform as its first 90 s). Anything longer would lose too
 * much of what the model recorded, so that platform is skipped; when every platform the
 * model may publish to skips it, ingest rejects the content and tells the model why.
 */
export const TRIM_TAIL_MAX_RATIO = 1.5;

/** A clip whose aspect ratio is within this relative difference of the platform's counts as that aspect. */
export const ASPECT_TOLERANCE = 0.02;

/** Canvas sizes of a fitted variant: the large one when the source fills it without upscaling. */
export const VARIANT_LONG_SIDES = { small: 1280, large: 1920 } as const;

/** The media facts the planners look at (a subset of MediaFacts, so content rows fit too). */
export interface ClipFacts {
  durationSeconds: number;
  sizeBytes: number;
  width: number;
  height: number;
}

/** How a platform's copy differs from the original; every field absent never happens (that is `null`). */
export interface VariantPlan {
  /** Keep only the first N seconds (the 1.5× rule). */
  trimToSeconds?: number;
  /** Scale to fit, then pad to this aspect ("W:H"), on a `width`×`height` canvas (both even). */
  fitAspect?: string;
  width?: number;
  height?: number;
}

/**
 * What a platform does with a clip: `ok` take the original; `variant` take a trimmed and/or
 * fitted copy (see variantPlan); `too_long` beyond TRIM_TAIL_MAX_RATIO × its maximum;
 * `too_big` over its size limit (estimated on the part that is kept) — both mean skip it.
 */
export type PlatformFit = 'ok' | 'variant' | 'too_long' | 'too_big';

/** "9:16" → 0.5625 (width / height), or null for anything that is not two positive numbers. */
export function parseAspect(aspect: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*[:/x]\s*(\d+(?:\.\d+)?)\s*$/.exec(aspect);
  if (!match) return null;
  const w = Number(match[1]);
  const h = Number(match[2]);
  return w > 0 && h > 0 ? w / h : null;
}

function needsTrim(facts: ClipFacts, caps: PlatformCapabilities): boolean {
  return facts.durationSeconds > caps.maxDurationSeconds;
}

function tooLong(facts: ClipFacts, caps: PlatformCapabilities): boolean {
  return facts.durationSeconds > caps.maxDurationSeconds * TRIM_TAIL_MAX_RATIO;
}

/** The platform's aspect, when the clip's own differs from it by more than ASPECT_TOLERANCE. */
function aspectToFit(facts: ClipFacts, caps: PlatformCapabilities): number | null {
  const wanted = parseAspect(caps.aspect);
  if (wanted === null || facts.width <= 0 || facts.height <= 0) return null;
  const actual = facts.width / facts.height;
  return Math.abs(actual - wanted) / wanted > ASPECT_TOLERANCE ? wanted : null;
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/** The canvas of a fitted variant: long side 1920 when the clip fills it without upscaling, else 1280. */
export function variantCanvas(facts: Pick<ClipFacts, 'width' | 'height'>, aspect: number): { width: number; height: number } {
  const canvas = (longSide: number) =>
    aspect <= 1 ? { width: even(longSide * aspect), height: longSide } : { width: longSide, height: even(longSide / aspect) };
  const large = canvas(VARIANT_LONG_SIDES.large);
  const fillsLarge = Math.min(large.width / facts.width, large.height / facts.height) <= 1;
  return fillsLarge ? large : canvas(VARIANT_LONG_SIDES.small);
}

/** See PlatformFit. Pure; the same verdict at ingest (reject?), scheduling (skip?) and prepareMedia. */
export function platformFit(facts: ClipFacts, caps: PlatformCapabilities): PlatformFit {
  if (tooLong(facts, caps)) return 'too_long';
  const keptSeconds = Math.min(facts.durationSeconds, caps.maxDurationSeconds);
  // Trimming keeps roughly that share of the bytes; a re-encode only ever gets smaller for our sources.
  const keptBytes = facts.durationSeconds > 0 ? facts.sizeBytes * (keptSeconds / facts.durationSeconds) : facts.sizeBytes;
  if (keptBytes > caps.maxSizeBytes) return 'too_big';
  return needsTrim(facts, caps) || aspectToFit(facts, caps) !== null ? 'variant' : 'ok';
}

/**
 * The copy a platform needs, or null when the original is fine. Trims only under the
 * TRIM_TAIL_MAX_RATIO rule and fits to the platform's aspect only when the clip differs by more
 * than ASPECT_TOLERANCE. Call platformFit first: a `too_long`/`too_big` clip is skipped, not fixed.
 */
export function variantPlan(facts: ClipFacts, caps: PlatformCapabilities): VariantPlan | null {
  const plan: VariantPlan = {};
  if (needsTrim(facts, caps) && !tooLong(facts, caps)) plan.trimToSeconds = caps.maxDurationSeconds;
  const aspect = aspectToFit(facts, caps);
  if (aspect !== null) {
    plan.fitAspect = caps.aspect.trim();
    Object.assign(plan, variantCanvas(facts, aspect));
  }
  return Object.keys(plan).length > 0 ? plan : null;
}

/** For the admin: why a platform skips this clip (too long or too big even after trimming), or null when it takes it. */
export function platformSkipReason(facts: ClipFacts, caps: PlatformCapabilities): string | null {
  const fit = platformFit(facts, caps);
  if (fit === 'too_long') {
    return `duration ${facts.durationSeconds.toFixed(1)} s exceeds ${caps.maxDurationSeconds} s by more than the ${TRIM_TAIL_MAX_RATIO}× trimming allowance`;
  }
  if (fit === 'too_big') return `size ${facts.sizeBytes} B exceeds ${caps.maxSizeBytes} B`;
  return null;
}
