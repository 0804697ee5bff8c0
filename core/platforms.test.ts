import { describe, expect, it } from 'vitest';
import { capabilitiesFor, mediaMismatch } from './platforms.js';

describe('platform capabilities', () => {
  it('merges row overrides over driver defaults', () => {
    expect(capabilitiesFor('instagram').maxHashtags).toBe(30);
    expect(capabilitiesFor('tiktok', { maxHashtags: 5 }).maxHashtags).toBe(5);
    expect(capabilitiesFor('unknown-driver').maxCaptionLength).toBe(capabilitiesFor('demo').maxCaptionLength);
  });

  it('explains why a video does not fit', () => {
    const caps = capabilitiesFor('instagram');
    expect(mediaMismatch({ durationSeconds: 30, sizeBytes: 1000 }, caps)).toBeNull();
    expect(mediaMismatch({ durationSeconds: 120, sizeBytes: 1000 }, caps)).toMatch(/duration 120.0 s exceeds 90 s/);
    expect(mediaMismatch({ durationSeconds: 10, sizeBytes: 2 * 1024 ** 3 }, caps)).toMatch(/size .* exceeds/);
  });
});
