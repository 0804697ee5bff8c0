import type { PlatformCapabilities } from './types.js';

/** Defaults per driver key, used when a platform row leaves a capability out. */
export const defaultCapabilities: Record<string, PlatformCapabilities> = {
  demo: { maxDurationSeconds: 180, maxSizeBytes: 512 * 1024 * 1024, aspect: '9:16', maxCaptionLength: 2200, maxHashtags: 10, linksAllowed: true, minLeadMinutes: 0, maxLeadDays: 30 },
  tiktok: { maxDurationSeconds: 600, maxSizeBytes: 4 * 1024 ** 3, aspect: '9:16', maxCaptionLength: 2200, maxHashtags: 10, linksAllowed: false, minLeadMinutes: 0, maxLeadDays: 30 },
  instagram: { maxDurationSeconds: 90, maxSizeBytes: 1024 ** 3, aspect: '9:16', maxCaptionLength: 2200, maxHashtags: 30, linksAllowed: false, minLeadMinutes: 0, maxLeadDays: 30 },
  youtube: { maxDurationSeconds: 180, maxSizeBytes: 2 * 1024 ** 3, aspect: '9:16', maxCaptionLength: 5000, maxHashtags: 15, linksAllowed: true, minLeadMinutes: 0, maxLeadDays: 30 },
};

export function capabilitiesFor(driver: string, overrides: Partial<PlatformCapabilities> = {}): PlatformCapabilities {
  const base = defaultCapabilities[driver] ?? defaultCapabilities.demo!;
  return { ...base, ...overrides };
}

/** Why a video does not fit a platform, or null when it does. */
export function mediaMismatch(
  facts: { durationSeconds: number; sizeBytes: number },
  caps: PlatformCapabilities,
): string | null {
  if (facts.durationSeconds > caps.maxDurationSeconds) {
    return `duration ${facts.durationSeconds.toFixed(1)} s exceeds ${caps.maxDurationSeconds} s`;
  }
  if (facts.sizeBytes > caps.maxSizeBytes) return `size ${facts.sizeBytes} B exceeds ${caps.maxSizeBytes} B`;
  return null;
}
