import { describe, expect, it } from 'vitest';
import {
  ASPECT_TOLERANCE, capabilitiesFor, parseAspect, platformFit, platformSkipReason, TRIM_TAIL_MAX_RATIO, variantCanvas, variantPlan,
} from './platforms.js';

describe('platform capabilities', () => {
  it('merges row overrides over driver defaults', () => {
    expect(capabilitiesFor('instagram').maxHashtags).toBe(30);
    expect(capabilitiesFor('tiktok', { maxHashtags: 5 }).maxHashtags).toBe(5);
    expect(capabilitiesFor('unknown-driver').maxCaptionLength).toBe(capabilitiesFor('demo').maxCaptionLength);
  });
});

describe('platformFit and variantPlan', () => {
  const caps = { ...capabilitiesFor('instagram'), maxDurationSeconds: 90 }; // a 90 s, 300 MB, 9:16 platform
  const portrait = { width: 1080, height: 1920, sizeBytes: 50e6 };

  it('keeps a clip that already fits', () => {
    const facts = { ...portrait, durationSeconds: 30 };
    expect(platformFit(facts, caps)).toBe('ok');
    expect(variantPlan(facts, caps)).toBeNull();
    expect(platformSkipReason(facts, caps)).toBeNull();
  });

  it('ignores aspect differences within the tolerance', () => {
    // 720x1282 is 0.16 % off 9:16, 720x1300 1.5 %; 720x1320 is 3 % off.
    expect(variantPlan({ durationSeconds: 10, width: 720, height: 1282, sizeBytes: 1e6 }, caps)).toBeNull();
    expect(variantPlan({ durationSeconds: 10, width: 720, height: 1300, sizeBytes: 1e6 }, caps)).toBeNull();
    expect(variantPlan({ durationSeconds: 10, width: 720, height: 1320, sizeBytes: 1e6 }, caps)).toMatchObject({ fitAspect: '9:16' });
    expect(ASPECT_TOLERANCE).toBe(0.02);
  });

  it('fits other aspects to 9:16 on an even canvas, 1080x1920 only when the clip fills it', () => {
    expect(variantPlan({ durationSeconds: 10, width: 1920, height: 1080, sizeBytes: 1e6 }, caps)).toEqual({ fitAspect: '9:16', width: 1080, height: 1920 });
    expect(variantPlan({ durationSeconds: 10, width: 640, height: 360, sizeBytes: 1e6 }, caps)).toEqual({ fitAspect: '9:16', width: 720, height: 1280 });
    expect(variantPlan({ durationSeconds: 10, width: 1080, height: 1080, sizeBytes: 1e6 }, caps)).toEqual({ fitAspect: '9:16', width: 1080, height: 1920 });
    expect(variantPlan({ durationSeconds: 10, width: 720, height: 720, sizeBytes: 1e6 }, caps)).toEqual({ fitAspect: '9:16', width: 720, height: 1280 });
    expect(variantPlan({ durationSeconds: 10, width: 2160, height: 2160, sizeBytes: 1e6 }, caps)).toEqual({ fitAspect: '9:16', width: 1080, height: 1920 });
    expect(platformFit({ durationSeconds: 10, width: 1920, height: 1080, sizeBytes: 1e6 }, caps)).toBe('variant');
  });

  it('fits to whatever aspect the platform asks for, and never when it names none', () => {
    const square = { ...caps, aspect: '1:1' };
    expect(variantPlan({ ...portrait, durationSeconds: 10 }, square)).toEqual({ fitAspect: '1:1', width: 1920, height: 1920 });
    expect(variantPlan({ ...portrait, durationSeconds: 10 }, { ...caps, aspect: 'any' })).toBeNull();
    expect(variantPlan({ width: 0, height: 0, sizeBytes: 1, durationSeconds: 10 }, caps)).toBeNull();
    expect(variantCanvas({ width: 1280, height: 720 }, 16 / 9)).toEqual({ width: 1280, height: 720 });
    expect(variantCanvas({ width: 3840, height: 2160 }, 16 / 9)).toEqual({ width: 1920, height: 1080 });
  });

  it('trims the tail only up to 1.5 × the maximum, otherwise skips the platform', () => {
    expect(TRIM_TAIL_MAX_RATIO).toBe(1.5);
    expect(variantPlan({ ...portrait, durationSeconds: 90 }, caps)).toBeNull();
    expect(platformFit({ ...portrait, durationSeconds: 90.5 }, caps)).toBe('variant');
    expect(variantPlan({ ...portrait, durationSeconds: 90.5 }, caps)).toEqual({ trimToSeconds: 90 });
    expect(variantPlan({ ...portrait, durationSeconds: 135 }, caps)).toEqual({ trimToSeconds: 90 });
    expect(platformFit({ ...portrait, durationSeconds: 135.1 }, caps)).toBe('too_long');
    expect(platformSkipReason({ ...portrait, durationSeconds: 200 }, caps)).toMatch(/duration 200.0 s exceeds 90 s by more than the 1.5× trimming allowance/);
    // Too long to trim: no trim in the plan (platformFit says skip).
    expect(variantPlan({ ...portrait, durationSeconds: 200 }, caps)).toBeNull();
    expect(variantPlan({ width: 1920, height: 1080, sizeBytes: 1, durationSeconds: 120 }, caps)).toEqual({
      trimToSeconds: 90, fitAspect: '9:16', width: 1080, height: 1920,
    });
  });

  it('judges size on the part that is kept', () => {
    const mb = 1e6;
    expect(platformFit({ ...portrait, durationSeconds: 60, sizeBytes: 330 * mb }, caps)).toBe('too_big');
    expect(platformSkipReason({ ...portrait, durationSeconds: 60, sizeBytes: 330 * mb }, caps)).toMatch(/size .* exceeds/);
    // 120 s of 360 MB trimmed to 90 s keeps about 270 MB.
    expect(platformFit({ ...portrait, durationSeconds: 120, sizeBytes: 360 * mb }, caps)).toBe('variant');
  });

  it('reads aspect strings', () => {
    expect(parseAspect('9:16')).toBeCloseTo(0.5625);
    expect(parseAspect(' 16 / 9 ')).toBeCloseTo(16 / 9);
    expect(parseAspect('4x5')).toBeCloseTo(0.8);
    expect(parseAspect('vertical')).toBeNull();
    expect(parseAspect('0:16')).toBeNull();
  });
});
