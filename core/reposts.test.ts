import { describe, expect, it } from 'vitest';
import { finalizeCaption } from './captions.js';
import { capabilitiesFor } from './platforms.js';
import { cooldownUntil, placeLink } from './reposts.js';

describe('placeLink', () => {
  const url = 'https://t.example/t/abc123/0123456789ab';

  it('puts the link where {link} is, every time, and says so', () => {
    expect(placeLink('Live {link} now {link}', url)).toEqual({ caption: `Live ${url} now ${url}`, linkInBody: true });
  });

  it('leaves a caption without the placeholder alone', () => {
    expect(placeLink('Live now', url)).toEqual({ caption: 'Live now', linkInBody: false });
  });

  it('with the layout told not to add it, the link appears once in the posted caption', () => {
    const placed = placeLink('En vivo {link}', url);
    const out = finalizeCaption({ caption: placed.caption, tags: ['webcam'] }, capabilitiesFor('demo'), { trackingUrl: url, marker: '#m1', linkPlacement: 'none' });
    expect(out.caption.split(url)).toHaveLength(2);
    expect(out.caption.startsWith(`En vivo ${url}`)).toBe(true);
  });
});

describe('cooldownUntil', () => {
  it('ends `days` after the last post', () => {
    expect(cooldownUntil(new Date('2026-01-01T10:00:00Z'), 30).toISOString()).toBe('2026-01-31T10:00:00.000Z');
  });
});
