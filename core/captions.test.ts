import { describe, expect, it } from 'vitest';
import { buildCaption, idempotencyMarker, normalizeHashtags } from './captions.js';
import { capabilitiesFor } from './platforms.js';

const caps = capabilitiesFor('demo');

describe('normalizeHashtags', () => {
  it('strips #, punctuation and case-insensitive duplicates, keeping accents', () => {
    expect(normalizeHashtags(['#Webcam', 'webcam', '  en vivo ', '#Latína!', '', '##'])).toEqual(['Webcam', 'envivo', 'Latína']);
  });
});

describe('buildCaption', () => {
  const base = { modelName: 'Sofía', context: 'Nuevo show hoy', hashtags: ['a', 'b', 'c'], language: 'es' as const };

  it('fills the Spanish template with context, model and tags', () => {
    const { caption, tags } = buildCaption(base, caps);
    expect(caption).toBe('Nuevo show hoy\n\n✨ Sofía en vivo ahora\n\n#a #b #c');
    expect(tags).toEqual(['a', 'b', 'c']);
  });

  it('uses English for English models and drops an empty context line', () => {
    expect(buildCaption({ ...base, language: 'en', context: null }, caps).caption).toBe('✨ Sofía live now\n\n#a #b #c');
  });

  it('keeps at most the platform hashtag limit', () => {
    const many = Array.from({ length: 40 }, (_, i) => `tag${i}`);
    expect(buildCaption({ ...base, hashtags: many }, { ...caps, maxHashtags: 10 }).tags).toHaveLength(10);
  });

  it('adds the tracking link only where links are allowed, and always the marker last', () => {
    const marker = idempotencyMarker('0f8fad5b-d9cb-469f-a165-70867728950e');
    const withLink = buildCaption({ ...base, trackingUrl: 'https://t.example/x', marker }, caps).caption;
    expect(withLink).toContain('https://t.example/x');
    expect(withLink.endsWith(marker)).toBe(true);
    const noLinks = buildCaption({ ...base, trackingUrl: 'https://t.example/x', marker }, { ...caps, linksAllowed: false }).caption;
    expect(noLinks).not.toContain('https://t.example/x');
    expect(noLinks.endsWith(marker)).toBe(true);
  });

  it('trims the body, never the tags or the marker, to fit the length limit', () => {
    const marker = 'ref:abc';
    const { caption } = buildCaption({ ...base, context: 'x'.repeat(500), marker }, { ...caps, maxCaptionLength: 80 });
    expect(caption.length).toBeLessThanOrEqual(80);
    expect(caption).toContain('…');
    expect(caption).toContain('#a #b #c');
    expect(caption.endsWith(marker)).toBe(true);
  });
});

describe('idempotencyMarker', () => {
  it('is short, stable and distinct per publication', () => {
    const a = idempotencyMarker('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(a).toBe('ref:0f8fad5bd9cb');
    expect(idempotencyMarker('1f8fad5b-d9cb-469f-a165-70867728950e')).not.toBe(a);
  });
});
