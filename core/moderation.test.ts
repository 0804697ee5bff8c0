import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultReserve } from './captions.js';
import { blockingViolations, captionUsage, checkCaption, ruleProblem, rulesFor, type CaptionViolation, type ModerationRule } from './moderation.js';
import { capabilitiesFor } from './platforms.js';
import type { ModerationRuleKind } from './types.js';

const x = capabilitiesFor('x');
const tiktok = capabilitiesFor('tiktok');
const reddit = capabilitiesFor('reddit');
const instagram = capabilitiesFor('instagram');
const demo = capabilitiesFor('demo');

let nextId = 0;
function rule(kind: ModerationRuleKind, value: string, scope: { platform?: string | null; modelId?: string | null } = {}): ModerationRule {
  nextId += 1;
  return { id: `rule-${nextId}`, kind, value, platform: scope.platform ?? null, modelId: scope.modelId ?? null };
}

const codes = (violations: CaptionViolation[]) => violations.map((v) => v.code);
const draft = (caption: string, tags: string[] = []) => ({ caption, tags });

describe('captionUsage', () => {
  it('counts the body, the blank line and the hashtag line, against what the link and marker leave', () => {
    const usage = captionUsage(draft('  Hola  ', ['uno', '#dos']), x);
    // "Hola" + "\n\n" + "#uno #dos"
    expect(usage.characters).toBe(4 + 2 + 9);
    expect(usage.maxCharacters).toBe(x.maxCaptionLength - defaultReserve(x));
    expect(usage.maxCharacters).toBe(280 - 78);
    // Without links only the marker is reserved.
    expect(captionUsage(draft('Hola'), tiktok).maxCharacters).toBe(2200 - defaultReserve(tiktok));
    expect(usage).toMatchObject({ hashtags: 2, maxHashtags: 3, links: 0, linksAllowed: true, mentions: 0 });
  });

  it('counts a hashtag written inline and given as a tag once', () => {
    const usage = captionUsage(draft('Show #Live hoy', ['live', 'latina']), x);
    expect(usage.hashtags).toBe(2);
    // The tag line holds only the tag not already in the body.
    expect(usage.characters).toBe('Show #Live hoy'.length + 2 + '#latina'.length);
  });

  it('counts links with and without a scheme, and @mentions but not e-mail addresses', () => {
    const usage = captionUsage(draft('Entra en https://example.com/x o sofia.fans y www.foo.net. Escribe a ana@correo o a @bea y @carla_2'), tiktok);
    expect(usage.links).toBe(3);
    expect(usage.mentions).toBe(2);
  });
});

describe('checkCaption: the platform limits', () => {
  it('too_long exactly past what the link and the marker leave (X: 280 − 78)', () => {
    expect(checkCaption(draft('a'.repeat(202)), x)).toEqual([]);
    const [violation, ...rest] = checkCaption(draft('a'.repeat(203)), x);
    expect(rest).toEqual([]);
    expect(violation).toMatchObject({ code: 'too_long', overridable: false, params: { characters: 203, max: 202 } });
    expect(violation!.ruleId).toBeUndefined();
    // The hashtag line counts too.
    expect(codes(checkCaption(draft('a'.repeat(196), ['uno']), x))).toEqual([]);
    expect(codes(checkCaption(draft('a'.repeat(197), ['uno']), x))).toEqual(['too_long']);
  });

  it('too_many_hashtags over the platform maximum, inline and tags together (X: 3, Reddit: none)', () => {
    expect(codes(checkCaption(draft('Hoy #uno #dos', ['tres']), x))).toEqual([]);
    const [violation] = checkCaption(draft('Hoy #uno #dos', ['tres', 'cuatro']), x);
    expect(violation).toMatchObject({ code: 'too_many_hashtags', overridable: false, params: { hashtags: 4, max: 3 } });
    expect(codes(checkCaption(draft('Hoy en directo', ['live']), reddit))).toEqual(['too_many_hashtags']);
    expect(codes(checkCaption(draft('Hoy en directo'), reddit))).toEqual([]);
    expect(codes(checkCaption(draft('uno', Array.from({ length: 30 }, (_, i) => `t${i}`)), instagram))).toEqual([]);
  });

  it('link_not_allowed where the platform takes no links (TikTok, Instagram), fine where it does', () => {
    const caption = 'Mírame en www.example.com y en sofia.fans';
    const [violation] = checkCaption(draft(caption), tiktok);
    expect(violation).toMatchObject({ code: 'link_not_allowed', overridable: false, params: { links: 2 } });
    expect(codes(checkCaption(draft(caption), instagram))).toEqual(['link_not_allowed']);
    expect(codes(checkCaption(draft(caption), x))).toEqual([]);
    expect(codes(checkCaption(draft('Hola. Nos vemos'), tiktok))).toEqual([]);
  });

  it('reports every limit broken at once, limits before rules', () => {
    const violations = checkCaption(draft(`${'a'.repeat(300)} https://x.example.com #a #b`, ['c']), tiktok, [rule('banned_word', 'aaa')]);
    expect(codes(violations)).toEqual(['link_not_allowed']);
    const many = checkCaption(draft(`${'palabra '.repeat(300)} www.example.com #a #b`, ['c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k']), tiktok, [rule('banned_word', 'palabra')]);
    expect(codes(many)).toEqual(['too_long', 'too_many_hashtags', 'link_not_allowed', 'banned_word']);
  });
});

describe('checkCaption: banned words', () => {
  it('matches a whole word, case-insensitively, naming the word and the rule', () => {
    const banned = rule('banned_word', 'gratis');
    const [violation] = checkCaption(draft('Show GRATIS esta noche'), demo, [banned]);
    expect(violation).toEqual({ code: 'banned_word', overridable: true, ruleId: banned.id, params: { word: 'gratis' }, message: '"gratis" is banned' });
    expect(codes(checkCaption(draft('¡Gratis!'), demo, [banned]))).toEqual(['banned_word']);
    expect(codes(checkCaption(draft('gratis'), demo, [banned]))).toEqual(['banned_word']);
  });

  it('never matches inside another word (letters, digits, underscores and accented letters around it)', () => {
    const banned = [rule('banned_word', 'sex')];
    for (const caption of ['sexy', 'Essex', 'sex_appeal', 'sex2', 'sexó', 'ásex']) {
      expect(codes(checkCaption(draft(caption), demo, banned)), caption).toEqual([]);
    }
    for (const caption of ['sex.', '(sex)', 'sex-shop', '¿sex?', 'a\nsex']) {
      expect(codes(checkCaption(draft(caption), demo, banned)), caption).toEqual(['banned_word']);
    }
  });

  it('keeps accents as written, with case folding of accented letters; composed and decomposed forms are the same', () => {
    const banned = [rule('banned_word', 'señorita')];
    expect(codes(checkCaption(draft('Hola SEÑORITA'), demo, banned))).toEqual(['banned_word']);
    expect(codes(checkCaption(draft('Hola senorita'), demo, banned))).toEqual([]);
    const cafe = [rule('banned_word', 'café')];
    expect(codes(checkCaption(draft('un cafe'), demo, cafe))).toEqual([]);
    expect(codes(checkCaption(draft('un CAFÉ'), demo, cafe))).toEqual(['banned_word']);
    // "e" + combining acute, as some keyboards and pastes send it.
    const decomposed = 'un cafe\u0301 caliente';
    expect(codes(checkCaption(draft(decomposed), demo, cafe))).toEqual(['banned_word']);
    // …and then "cafe" is not a whole word in it.
    expect(codes(checkCaption(draft(decomposed), demo, [rule('banned_word', 'cafe')]))).toEqual([]);
  });

  it('matches phrases word for word, across any white space', () => {
    const banned = [rule('banned_word', 'only fans')];
    expect(codes(checkCaption(draft('Mi Only Fans nuevo'), demo, banned))).toEqual(['banned_word']);
    expect(codes(checkCaption(draft('Mi only\n  fans nuevo'), demo, banned))).toEqual(['banned_word']);
    expect(codes(checkCaption(draft('Mi onlyfans nuevo'), demo, banned))).toEqual([]);
    expect(codes(checkCaption(draft('only fansclub'), demo, banned))).toEqual([]);
  });

  it('treats regular-expression characters in a word literally', () => {
    expect(codes(checkCaption(draft('solo 18+ aquí'), demo, [rule('banned_word', '18+')]))).toEqual(['banned_word']);
    expect(codes(checkCaption(draft('solo 118 aquí'), demo, [rule('banned_word', '1.8')]))).toEqual([]);
    expect(codes(checkCaption(draft('(a+)+ literal'), demo, [rule('banned_word', '(a+)+')]))).toEqual(['banned_word']);
  });

  it('finds a banned word in the tags and in inline hashtags', () => {
    const banned = [rule('banned_word', 'onlyfans')];
    expect(codes(checkCaption(draft('Nuevo vídeo', ['OnlyFans']), demo, banned))).toEqual(['banned_word']);
    expect(codes(checkCaption(draft('Nuevo vídeo #onlyfans'), demo, banned))).toEqual(['banned_word']);
  });
});

describe('checkCaption: patterns', () => {
  it('runs the expression case-insensitively and reports what it matched', () => {
    const phone = rule('pattern', '\\+?\\d[\\d ]{8,}\\d');
    const [violation] = checkCaption(draft('Llámame al +34 600 123 456 ya'), demo, [phone]);
    expect(violation).toMatchObject({ code: 'pattern', overridable: true, ruleId: phone.id, params: { pattern: phone.value, match: '+34 600 123 456' } });
    expect(codes(checkCaption(draft('Telegram: T.ME/sofia'), demo, [rule('pattern', 't\\.me/\\w+')]))).toEqual(['pattern']);
    expect(codes(checkCaption(draft('Hola a todos'), demo, [phone]))).toEqual([]);
  });

  it('cuts a long match to 60 characters', () => {
    const [violation] = checkCaption(draft(`x${'a'.repeat(100)}x`), demo, [rule('pattern', 'xa+x')]);
    expect(String(violation!.params.match)).toHaveLength(60);
  });

  it('never runs a rule that could not be saved (written around the API): no error, no violation, no hang', () => {
    for (const value of ['(unclosed', '(a+)+$', '((a+))+$', '(a|a)+$']) {
      const started = Date.now();
      expect(checkCaption(draft(`${'a'.repeat(40)}!`), demo, [rule('pattern', value)]), value).toEqual([]);
      expect(Date.now() - started).toBeLessThan(500);
    }
  });
});

describe('checkCaption: required tags and text', () => {
  it("'#ad' is satisfied by the tag or by the hashtag inline, in any case, and by nothing else", () => {
    const ad = rule('required_tag', '#ad');
    expect(codes(checkCaption(draft('Colaboración', ['ad']), demo, [ad]))).toEqual([]);
    expect(codes(checkCaption(draft('Colaboración', ['#AD']), demo, [ad]))).toEqual([]);
    expect(codes(checkCaption(draft('Colaboración #Ad con marca'), demo, [ad]))).toEqual([]);
    for (const missing of [draft('Colaboración'), draft('Colaboración #adult'), draft('Colaboración ad'), draft('Colaboración', ['ads'])]) {
      const [violation] = checkCaption(missing, demo, [ad]);
      expect(violation, missing.caption).toMatchObject({ code: 'missing_tag', overridable: true, ruleId: ad.id, params: { tag: '#ad' } });
    }
  });

  it("'18+' is satisfied by the text anywhere in the caption", () => {
    const adult = [rule('required_tag', '18+')];
    expect(codes(checkCaption(draft('Solo para 18+ ✨'), demo, adult))).toEqual([]);
    expect(codes(checkCaption(draft('(18+) show'), demo, adult))).toEqual([]);
    expect(codes(checkCaption(draft('Solo para adultos'), demo, adult))).toEqual(['missing_tag']);
    expect(codes(checkCaption(draft('Solo para 18 años'), demo, adult))).toEqual(['missing_tag']);
  });
});

describe('checkCaption: max mentions', () => {
  it('counts @mentions of the body against the maximum', () => {
    const two = rule('max_mentions', '2');
    expect(codes(checkCaption(draft('Con @ana y @bea'), demo, [two]))).toEqual([]);
    const [violation] = checkCaption(draft('Con @ana, @bea y @carla.x'), demo, [two]);
    expect(violation).toMatchObject({ code: 'too_many_mentions', overridable: true, ruleId: two.id, params: { mentions: 3, max: 2 } });
    expect(codes(checkCaption(draft('Escribe a ana@correo'), demo, [rule('max_mentions', '0')]))).toEqual([]);
    expect(codes(checkCaption(draft('Hola @ana'), demo, [rule('max_mentions', '0')]))).toEqual(['too_many_mentions']);
  });

  it('ignores a maximum that is no number (never blocks on its own error)', () => {
    expect(checkCaption(draft('@a @b @c'), demo, [rule('max_mentions', 'tres')])).toEqual([]);
  });
});

describe('rulesFor', () => {
  const model = 'model-a';
  const everywhere = rule('banned_word', 'a');
  const onX = rule('banned_word', 'b', { platform: 'x' });
  const forModel = rule('banned_word', 'c', { modelId: model });
  const forModelOnX = rule('banned_word', 'd', { platform: 'x', modelId: model });
  const otherModel = rule('banned_word', 'e', { modelId: 'model-b' });
  const onTiktok = rule('banned_word', 'f', { platform: 'tiktok' });
  const all = [everywhere, onX, forModel, forModelOnX, otherModel, onTiktok];

  it('keeps the studio-wide rules, the platform\'s and the model\'s, in their order', () => {
    expect(rulesFor(all, 'x', model)).toEqual([everywhere, onX, forModel, forModelOnX]);
    expect(rulesFor(all, 'tiktok', model)).toEqual([everywhere, forModel, onTiktok]);
    expect(rulesFor(all, 'x', 'model-b')).toEqual([everywhere, onX, otherModel]);
    expect(rulesFor(all, 'bluesky', 'model-c')).toEqual([everywhere]);
    expect(rulesFor([], 'x', model)).toEqual([]);
  });

  it('feeds checkCaption only the rules of that platform', () => {
    const rules = [rule('banned_word', 'gratis', { platform: 'tiktok' })];
    expect(codes(checkCaption(draft('gratis'), tiktok, rulesFor(rules, 'tiktok', model)))).toEqual(['banned_word']);
    expect(codes(checkCaption(draft('gratis'), x, rulesFor(rules, 'x', model)))).toEqual([]);
  });
});

describe('blockingViolations', () => {
  it('an override lifts the rules, never the limits', () => {
    const violations = checkCaption(draft(`${'a'.repeat(203)} gratis`), x, [rule('banned_word', 'gratis')]);
    expect(codes(blockingViolations(violations, false))).toEqual(['too_long', 'banned_word']);
    expect(codes(blockingViolations(violations, true))).toEqual(['too_long']);
  });
});

describe('ruleProblem', () => {
  const ok = (kind: ModerationRuleKind, value: string) => expect(ruleProblem({ kind, value }), `${kind} ${value}`).toBeNull();
  const refused = (kind: ModerationRuleKind, value: string, problem: RegExp) =>
    expect(ruleProblem({ kind, value }), `${kind} ${value}`).toMatch(problem);

  it('refuses empty and overlong values of every kind', () => {
    for (const kind of ['banned_word', 'pattern', 'required_tag', 'max_mentions'] as const) {
      refused(kind, '', /empty/);
      refused(kind, '   ', /empty/);
      refused(kind, 'a'.repeat(201), /200/);
    }
    ok('banned_word', 'a'.repeat(200));
  });

  it('takes words, phrases and required text or hashtags', () => {
    ok('banned_word', 'gratis');
    ok('banned_word', 'only fans');
    ok('required_tag', '#ad');
    ok('required_tag', '#publicidad_pagada');
    ok('required_tag', '18+');
    ok('required_tag', 'contenido para adultos');
    refused('required_tag', '#mi anuncio', /hashtag/);
    refused('required_tag', '#', /hashtag/);
    refused('required_tag', '#ad!', /hashtag/);
  });

  it('takes a maximum of mentions only as a whole number from 0 to 999', () => {
    ok('max_mentions', '0');
    ok('max_mentions', '999');
    for (const value of ['-1', '1000', '2.5', 'tres', '1e2', '0x10']) refused('max_mentions', value, /whole number/);
  });

  it('takes ordinary regular expressions', () => {
    for (const value of ['t\\.me/\\w+', '\\+?\\d[\\d ]{8,}\\d', '(?:whats?app|telegram)', 'only\\s*fans', '(a\\+)+', '([+|])+x', '\\b(\\d[\\s-]?){9,}\\b', '(?<name>foo)+?bar']) {
      ok('pattern', value);
    }
  });

  it('refuses an invalid expression, naming the problem', () => {
    refused('pattern', '(unclosed', /not a valid regular expression/);
    refused('pattern', '[z-a]', /not a valid regular expression/);
    // Checked with the same flags the checker runs it with (`u` is stricter).
    refused('pattern', '\\-', /not a valid regular expression/);
  });

  it('refuses nested quantifiers, however deep, and back-references', () => {
    for (const value of ['(a+)+', '(a*)*', '(a+)*b', '(a{2,})+', '(?:\\w+\\s?)+$', '((a+))+', '((ab)+)+', '(x(a*)y){2,}', '(\\d+){3}']) {
      refused('pattern', value, /nested quantifiers/);
    }
    refused('pattern', '(a)\\1', /back-references/);
    refused('pattern', '(?<x>a)\\k<x>', /back-references/);
  });

  it('refuses a repeated group of alternatives, which can match the same text two ways', () => {
    refused('pattern', '(a|a)+$', /alternatives/);
    refused('pattern', '(?:\\s|-)*', /alternatives/);
  });

  it('refuses a pattern that matches an empty caption (it would flag every caption)', () => {
    for (const value of ['a*', '^', 'x?', '(?:)']) refused('pattern', value, /empty text/);
  });

  it('never hangs on the shapes it refuses, and whatever it accepts compiles', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (value) => {
        const problem = ruleProblem({ kind: 'pattern', value });
        if (problem === null) expect(() => new RegExp(value.trim(), 'iu')).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('checkCaption on arbitrary input', () => {
  const kinds = ['banned_word', 'pattern', 'required_tag', 'max_mentions'] as const;

  it('never throws, and its usage counters are consistent', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 500 }),
        fc.array(fc.string({ maxLength: 30 }), { maxLength: 20 }),
        fc.array(fc.record({ kind: fc.constantFrom(...kinds), value: fc.string({ maxLength: 20 }) }), { maxLength: 6 }),
        fc.constantFrom(x, tiktok, reddit, instagram, demo),
        (caption, tags, rules, caps) => {
          const withIds = rules.map((r, i) => ({ ...r, id: String(i), platform: null, modelId: null }));
          const violations = checkCaption({ caption, tags }, caps, withIds);
          const usage = captionUsage({ caption, tags }, caps);
          expect(usage.characters).toBeGreaterThanOrEqual(0);
          expect(violations.some((v) => v.code === 'too_long')).toBe(usage.characters > usage.maxCharacters);
          for (const v of violations) {
            expect(v.overridable).toBe(v.ruleId !== undefined);
            expect(v.message).toBeTruthy();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a banned word that is in the caption as a word is always found', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-zñáéíóú]{2,12}$/),
        fc.string({ maxLength: 40 }).map((s) => s.replace(/[\p{L}\p{M}\p{N}_]/gu, ' ')),
        fc.string({ maxLength: 40 }).map((s) => s.replace(/[\p{L}\p{M}\p{N}_]/gu, ' ')),
        fc.boolean(),
        (word, before, after, upper) => {
          const caption = `${before} ${upper ? word.toUpperCase() : word} ${after}`;
          expect(codes(checkCaption({ caption, tags: [] }, demo, [rule('banned_word', word)]))).toContain('banned_word');
        },
      ),
      { numRuns: 300 },
    );
  });
});
