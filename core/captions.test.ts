import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  captionPrompt, draftCaption, finalizeCaption, idempotencyMarker, inlineHashtags, normalizeHashtags, sanitizeLlmDraft,
  truncateText, type DraftInput,
} from './captions.js';
import { capabilitiesFor } from './platforms.js';
import { defaultDistributionRules, type DistributionRules, type PlatformCapabilities } from './types.js';

const caps = capabilitiesFor('demo');

describe('normalizeHashtags', () => {
  it('strips #, punctuation and case-insensitive duplicates, keeping accents', () => {
    expect(normalizeHashtags(['#Webcam', 'webcam', '  en vivo ', '#Latína!', '', '##'])).toEqual(['Webcam', 'envivo', 'Latína']);
  });
});

/** A template caption composed as scheduling does: the platform's draft, then the link and marker added within the limits. */
function scheduledCaption(
  input: { modelName: string; context: string | null; hashtags: string[]; language: 'es' | 'en'; trackingUrl?: string; marker?: string },
  platformCaps: PlatformCapabilities,
) {
  const rules: DistributionRules = { ...defaultDistributionRules, language: input.language, hashtags: input.hashtags };
  // The room the link (where allowed) and the marker will take, so the draft's body is sized exactly.
  const link = platformCaps.linksAllowed && input.trackingUrl ? input.trackingUrl : '';
  const reserve = (link ? link.length + 1 : 0) + (input.marker ? input.marker.length + 1 : 0);
  const draft = draftCaption({ modelName: input.modelName, context: input.context, language: input.language, rules, platformName: '' }, platformCaps, reserve);
  return finalizeCaption(draft, platformCaps, { trackingUrl: input.trackingUrl, marker: input.marker });
}

describe('template captions as scheduled', () => {
  const base = { modelName: 'Sofía', context: 'Nuevo show hoy', hashtags: ['a', 'b', 'c'], language: 'es' as const };

  it('fills the Spanish template with context, model and tags', () => {
    const { caption, tags } = scheduledCaption(base, caps);
    expect(caption).toBe('Nuevo show hoy\n\n✨ Sofía en vivo ahora\n\n#a #b #c');
    expect(tags).toEqual(['a', 'b', 'c']);
  });

  it('uses English for English models and drops an empty context line', () => {
    expect(scheduledCaption({ ...base, language: 'en', context: null }, caps).caption).toBe('✨ Sofía live now\n\n#a #b #c');
  });

  it('keeps at most the platform hashtag limit', () => {
    const many = Array.from({ length: 40 }, (_, i) => `tag${i}`);
    expect(scheduledCaption({ ...base, hashtags: many }, { ...caps, maxHashtags: 10 }).tags).toHaveLength(10);
  });

  it('adds the tracking link only where links are allowed, and always the marker last', () => {
    const marker = idempotencyMarker('0f8fad5b-d9cb-469f-a165-70867728950e');
    const withLink = scheduledCaption({ ...base, trackingUrl: 'https://t.example/x', marker }, caps).caption;
    expect(withLink).toContain('https://t.example/x');
    expect(withLink.endsWith(marker)).toBe(true);
    const noLinks = scheduledCaption({ ...base, trackingUrl: 'https://t.example/x', marker }, { ...caps, linksAllowed: false }).caption;
    expect(noLinks).not.toContain('https://t.example/x');
    expect(noLinks.endsWith(marker)).toBe(true);
  });

  it('trims the body, never the tags or the marker, to fit the length limit', () => {
    const marker = 'ref:abc';
    const { caption } = scheduledCaption({ ...base, context: 'x'.repeat(500), marker }, { ...caps, maxCaptionLength: 80 });
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

const marker = idempotencyMarker('0f8fad5b-d9cb-469f-a165-70867728950e');
const link = 'https://trafico.example.com/t/abc123XYZ';
const pool = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const hashtagCount = (text: string) => inlineHashtags(text).length;

function rules(over: Partial<DistributionRules> = {}): DistributionRules {
  return { ...defaultDistributionRules, hashtags: pool('tag', 40), ...over };
}
function input(over: Partial<DraftInput> = {}): DraftInput {
  return { modelName: 'Sofía', context: 'Nuevo show hoy a las 9', language: 'es', rules: rules(), platformName: 'TikTok', ...over };
}

// driver → [platform name, max hashtags, links allowed, max caption length]
const platforms = [
  ['tiktok', 'TikTok', 10, false, 2200],
  ['instagram', 'Instagram', 30, false, 2200],
  ['youtube', 'YouTube', 15, true, 5000],
  ['demo', 'demo', 10, true, 2200],
] as const;

describe.each(platforms)('per platform defaults: %s', (driver, name, maxTags, links, maxLength) => {
  const caps = capabilitiesFor(driver);

  it(`uses the platform defaults (${maxTags} tags, links ${links ? 'allowed' : 'dropped'}, ${maxLength} chars)`, () => {
    expect([caps.maxHashtags, caps.linksAllowed, caps.maxCaptionLength]).toEqual([maxTags, links, maxLength]);
  });

  it('drafts within the hashtag limit, with room for the link and the marker', () => {
    const draft = draftCaption(input({ platformName: name }), caps);
    expect(draft.tags).toEqual(pool('tag', maxTags));
    expect(draft.source).toBe('template');
    expect(draft.caption).toBe('Nuevo show hoy a las 9\n\n✨ Sofía en vivo ahora');
    const final = finalizeCaption(draft, caps, { trackingUrl: link, marker });
    expect(final.caption.length).toBeLessThanOrEqual(maxLength);
    expect(hashtagCount(final.caption)).toBe(maxTags);
    expect(final.caption.includes(link)).toBe(links);
    expect(final.caption.endsWith(`\n${marker}`)).toBe(true);
    expect(final.caption.startsWith(draft.caption)).toBe(true);
  });

  it('never goes over the length, and the marker survives, with a huge context and pool', () => {
    const huge = input({ platformName: name, context: 'palabra '.repeat(2000), rules: rules({ hashtags: pool('unhashtagmuylargo', 60) }) });
    const draft = draftCaption(huge, caps);
    const final = finalizeCaption(draft, caps, { trackingUrl: link, marker });
    expect(final.caption.length).toBeLessThanOrEqual(maxLength);
    expect(final.caption).toContain('…');
    // The context gave way, the template's call to action stayed.
    expect(final.caption).toContain('✨ Sofía en vivo ahora');
    expect(final.tags).toHaveLength(maxTags);
    expect(final.caption.endsWith(marker)).toBe(true);
  });
});

describe('draftCaption', () => {
  const caps = capabilitiesFor('tiktok');

  it('writes Spanish or English by the model language', () => {
    expect(draftCaption(input({ language: 'es', context: null }), caps).caption).toBe('✨ Sofía en vivo ahora');
    expect(draftCaption(input({ language: 'en', context: null }), caps).caption).toBe('✨ Sofía live now');
    expect(draftCaption(input({ language: 'en' }), caps).caption).toBe('Nuevo show hoy a las 9\n\n✨ Sofía live now');
  });

  it('prefers the per-platform template, then the model template, and fills {model} {context} {platform}', () => {
    const r = rules({ captionTemplate: '{model}: {context}', captionTemplates: { Instagram: '📸 {context} — {model} en {platform}' } });
    expect(draftCaption(input({ rules: r, platformName: 'Instagram' }), caps).caption).toBe('📸 Nuevo show hoy a las 9 — Sofía en Instagram');
    expect(draftCaption(input({ rules: r, platformName: 'TikTok' }), caps).caption).toBe('Sofía: Nuevo show hoy a las 9');
  });

  it('does not expand placeholders written in the context', () => {
    expect(draftCaption(input({ context: 'hola {model}', rules: rules({ captionTemplate: '{context} ({model})' }) }), caps).caption).toBe('hola {model} (Sofía)');
  });

  it('puts the per-platform pool before the general one, normalised and deduplicated', () => {
    const r = rules({ hashtags: ['#Latina', 'envivo', 'general'], hashtagPools: { TikTok: ['#fyp', 'LATINA', 'para ti'] } });
    expect(draftCaption(input({ rules: r }), caps).tags).toEqual(['fyp', 'LATINA', 'parati', 'envivo', 'general']);
    expect(draftCaption(input({ rules: r, platformName: 'YouTube' }), caps).tags).toEqual(['Latina', 'envivo', 'general']);
  });

  it('drops links from the context (the tracking link is the only one we post)', () => {
    const draft = draftCaption(input({ context: 'Mírame en https://example.com/sofia y en onlyfans.com/sofia hoy', rules: rules({ hashtags: [] }) }), caps);
    expect(draft.caption).toBe('Mírame en y en hoy\n\n✨ Sofía en vivo ahora');
    // A missing space after a full stop is not a domain.
    expect(draftCaption(input({ context: 'Hoy no.Es tarde, ya.me voy' }), caps).caption).toMatch(/^Hoy no\.Es tarde, ya\.me voy/);
  });

  it('counts hashtags written in the context toward the limit', () => {
    const draft = draftCaption(input({ context: 'Hoy #show y #fiesta' }), caps);
    expect(draft.tags).toHaveLength(8);
    expect(hashtagCount(finalizeCaption(draft, caps, { marker }).caption)).toBe(10);
  });

  it('leaves room for a link of up to 60 characters and the marker, whatever the input (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 600 }),
        fc.option(fc.string({ maxLength: 80 }), { nil: undefined }),
        fc.array(fc.string({ maxLength: 25 }), { maxLength: 50 }),
        fc.integer({ min: 120, max: 800 }),
        fc.integer({ min: 0, max: 30 }),
        fc.boolean(),
        (context, template, hashtags, maxCaptionLength, maxHashtags, linksAllowed) => {
          const caps = { ...capabilitiesFor('youtube'), maxCaptionLength, maxHashtags, linksAllowed };
          const draft = draftCaption(input({ context, rules: rules({ hashtags, captionTemplate: template }) }), caps);
          const final = finalizeCaption(draft, caps, { trackingUrl: `https://t.example/${'x'.repeat(42)}`, marker });
          expect(final.caption.length).toBeLessThanOrEqual(maxCaptionLength);
          expect(final.tags).toEqual(draft.tags);
          expect(final.caption.startsWith(draft.caption)).toBe(true);
          expect(final.caption.endsWith(marker)).toBe(true);
        },
      ),
    );
  });

  it('honours an explicit reserve', () => {
    const small: PlatformCapabilities = { ...caps, maxCaptionLength: 100, maxHashtags: 2 };
    const draft = draftCaption(input({ context: 'x'.repeat(300) }), small, 40);
    expect(draft.caption.length + 2 + '#tag0 #tag1'.length + 40).toBeLessThanOrEqual(100);
  });
});

describe('finalizeCaption', () => {
  const yt = capabilitiesFor('youtube');
  const draft = { caption: 'Hola', tags: ['a', 'b'] };

  it('lays out body, tags, link, marker', () => {
    expect(finalizeCaption(draft, yt, { trackingUrl: link, marker }).caption).toBe(`Hola\n\n#a #b\n${link}\n${marker}`);
    expect(finalizeCaption(draft, capabilitiesFor('tiktok'), { trackingUrl: link, marker }).caption).toBe(`Hola\n\n#a #b\n${marker}`);
    expect(finalizeCaption(draft, yt, {}).caption).toBe('Hola\n\n#a #b');
  });

  it('trims edited bodies and tags that break the limits, removing links where they are not allowed', () => {
    const edited = { caption: `${'y'.repeat(3000)} visita https://x.example/y`, tags: pool('t', 50) };
    const tiktok = finalizeCaption(edited, capabilitiesFor('tiktok'), { trackingUrl: link, marker });
    expect(tiktok.tags).toHaveLength(10);
    expect(tiktok.caption.length).toBeLessThanOrEqual(2200);
    expect(tiktok.caption).not.toContain('https://');
    const ig = finalizeCaption({ caption: `Hola https://x.example/y ${pool('#in', 35).join(' ')}`, tags: ['extra'] }, capabilitiesFor('instagram'), { marker });
    expect(hashtagCount(ig.caption)).toBe(30);
    expect(ig.tags).toEqual([]);
    expect(ig.caption).not.toContain('https://');
  });

  it('drops tags that duplicate hashtags already in the body', () => {
    expect(finalizeCaption({ caption: 'Hola #Latina', tags: ['latina', 'envivo'] }, yt, { marker }).caption).toBe(`Hola #Latina\n\n#envivo\n${marker}`);
  });

  it('gives way body first, then tags from the end; link and marker stay', () => {
    const caps = { ...yt, maxCaptionLength: link.length + 1 + marker.length + 8 };
    const out = finalizeCaption({ caption: 'Un texto largo', tags: ['abc', 'defghij'] }, caps, { trackingUrl: link, marker });
    expect(out.caption).toBe(`#abc\n${link}\n${marker}`);
    expect(out.tags).toEqual(['abc']);
  });

  it('throws a clear error when even the link and the marker do not fit', () => {
    expect(() => finalizeCaption(draft, { ...yt, maxCaptionLength: 30 }, { trackingUrl: link, marker })).toThrow(/tracking link and marker alone take 56 characters and the platform allows 30/);
  });

  it('puts the link first with linkPlacement start, and leaves it out with none; the marker stays last', () => {
    expect(finalizeCaption(draft, yt, { trackingUrl: link, marker, linkPlacement: 'end' }).caption).toBe(`Hola\n\n#a #b\n${link}\n${marker}`);
    expect(finalizeCaption(draft, yt, { trackingUrl: link, marker, linkPlacement: 'start' }).caption).toBe(`${link}\nHola\n\n#a #b\n${marker}`);
    expect(finalizeCaption(draft, yt, { trackingUrl: link, marker, linkPlacement: 'none' }).caption).toBe(`Hola\n\n#a #b\n${marker}`);
    // Where links are not allowed, start is the same as none.
    expect(finalizeCaption(draft, capabilitiesFor('tiktok'), { trackingUrl: link, marker, linkPlacement: 'start' }).caption).toBe(`Hola\n\n#a #b\n${marker}`);
    expect(finalizeCaption({ caption: '', tags: [] }, yt, { trackingUrl: link, marker, linkPlacement: 'start' }).caption).toBe(`${link}\n${marker}`);
    expect(finalizeCaption({ caption: 'Hola', tags: [] }, yt, { trackingUrl: link, linkPlacement: 'start' }).caption).toBe(`${link}\nHola`);
  });

  it('with the link first, the body still gives way before the link and the marker', () => {
    const caps = { ...yt, maxCaptionLength: link.length + 1 + marker.length + 8 };
    const out = finalizeCaption({ caption: 'Un texto largo', tags: ['abc', 'defghij'] }, caps, { trackingUrl: link, marker, linkPlacement: 'start' });
    expect(out.caption).toBe(`${link}\n#abc\n${marker}`);
    expect(out.caption.length).toBeLessThanOrEqual(caps.maxCaptionLength);
  });

  it('with no link, the body gets the room the link would have taken', () => {
    const caps = { ...yt, maxCaptionLength: 120 };
    const body = (placement: 'end' | 'none') =>
      finalizeCaption({ caption: 'x'.repeat(300), tags: [] }, caps, { trackingUrl: link, marker, linkPlacement: placement }).caption.split('\n')[0]!;
    expect(body('none').length).toBe(body('end').length + link.length + 1);
    expect(finalizeCaption({ caption: 'x'.repeat(300), tags: [] }, caps, { trackingUrl: link, marker, linkPlacement: 'none' }).caption.endsWith(`…\n\n${marker}`)).toBe(true);
  });

  it('never exceeds the limit and always ends with the marker (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 400 }),
        fc.array(fc.string({ maxLength: 30 }), { maxLength: 40 }),
        fc.integer({ min: 60, max: 600 }),
        fc.integer({ min: 0, max: 40 }),
        fc.boolean(),
        fc.constantFrom('end' as const, 'start' as const, 'none' as const),
        (caption, tags, maxCaptionLength, maxHashtags, linksAllowed, linkPlacement) => {
          const caps = { ...yt, maxCaptionLength, maxHashtags, linksAllowed };
          const out = finalizeCaption({ caption, tags }, caps, { trackingUrl: link, marker, linkPlacement });
          expect(out.caption.length).toBeLessThanOrEqual(maxCaptionLength);
          expect(out.caption.endsWith(marker)).toBe(true);
          expect(out.caption.includes(link)).toBe(linksAllowed && linkPlacement !== 'none');
          if (linksAllowed && linkPlacement === 'start') expect(out.caption.startsWith(`${link}\n`)).toBe(true);
          expect(hashtagCount(out.caption.replace(link, ''))).toBeLessThanOrEqual(maxHashtags);
        },
      ),
    );
  });
});

describe('truncateText', () => {
  it('ends in …, prefers a word boundary and never splits an emoji', () => {
    expect(truncateText('hola mundo bonito', 12)).toBe('hola mundo…');
    expect(truncateText('abc😀def', 5)).toBe('abc…');
    expect(truncateText('short', 10)).toBe('short');
    expect(truncateText('abc', 1)).toBe('');
  });
});

describe('sanitizeLlmDraft', () => {
  const tiktok = capabilitiesFor('tiktok');

  it('keeps a good answer, moving hashtags out of the body and removing URLs', () => {
    const d = sanitizeLlmDraft({ caption: 'Ven a verme hoy #envivo www.example.com te espero <3', hashtags: ['#Latina', 'latina', 'show'] }, tiktok);
    expect(d).toEqual({ caption: 'Ven a verme hoy te espero <3', tags: ['Latina', 'show', 'envivo'], source: 'llm' });
  });

  it('accepts hashtags as a string and cuts them to the platform limit', () => {
    const d = sanitizeLlmDraft({ caption: 'Hola amores', hashtags: pool('#h', 20).join(' ') }, tiktok);
    expect(d?.tags).toHaveLength(10);
  });

  it('fits a too long answer to the platform', () => {
    const d = sanitizeLlmDraft({ caption: 'amor '.repeat(1000), hashtags: [] }, tiktok)!;
    expect(d.caption.length).toBeLessThanOrEqual(2200 - 17);
    expect(d.caption.endsWith('…')).toBe(true);
  });

  it.each([
    ['null', null],
    ['a string', 'Hola'],
    ['an array', [{ caption: 'Hola' }]],
    ['no caption', { hashtags: ['a'] }],
    ['a numeric caption', { caption: 42 }],
    ['an empty caption', { caption: '   ' }],
    ['only hashtags and links', { caption: '#a #b https://x.example/y' }],
    ['JSON as the caption', { caption: '{"caption": "Hola"}' }],
    ['markup', { caption: '<p>Hola amores</p>' }],
    ['hashtags of the wrong type', { caption: 'Hola amores', hashtags: 5 }],
    ['broken text', { caption: 'Hola \uFFFD amores' }],
  ])('rejects %s', (_label, raw) => {
    expect(sanitizeLlmDraft(raw, tiktok)).toBeNull();
  });
});

describe('captionPrompt', () => {
  it('states voice, language, limits, no links and JSON only; the context goes in the user message', () => {
    const caps = capabilitiesFor('instagram');
    const [system, user] = captionPrompt(input({ platformName: 'Instagram', rules: rules({ voice: 'dulce y divertida', hashtags: ['latina'] }) }), caps);
    expect(system!.role).toBe('system');
    expect(system!.content).toContain('Voice: dulce y divertida.');
    expect(system!.content).toContain('Spanish');
    expect(system!.content).toContain('on Instagram');
    expect(system!.content).toMatch(/at most \d+ characters; suggest at most 10 hashtags/);
    expect(system!.content).toContain('Never put links');
    expect(system!.content).toContain('#latina');
    expect(system!.content).toMatch(/JSON object/);
    expect(user).toEqual({ role: 'user', content: expect.stringContaining('Nuevo show hoy a las 9') as string });
    expect(captionPrompt(input({ language: 'en' }), caps)[0]!.content).toContain('English');
  });

  it('asks for no hashtags when the pool already fills the platform', () => {
    expect(captionPrompt(input(), capabilitiesFor('tiktok'))[0]!.content).toContain('suggest at most 0 hashtags');
  });
});
