import { describe, expect, it } from 'vitest';
import type { WatermarkSettings } from './types.js';
import {
  filterValue, fitFilter, logoWidth, stderrTail, textFontSize, variantFilterGraph, variantFrame, watermarkCacheInput, watermarkMargin, watermarkProblems,
} from './watermark.js';

const valid = { kind: 'text', text: '@valentina', position: 'bottom-right', size: 0.1, opacity: 0.8 } as const;

describe('watermarkProblems', () => {
  it('accepts a text or a logo watermark within the limits', () => {
    expect(watermarkProblems(valid)).toEqual([]);
    expect(watermarkProblems({ ...valid, kind: 'logo', text: undefined }, { hasLogo: true })).toEqual([]);
    expect(watermarkProblems({ ...valid, size: 0.03, opacity: 0.05 })).toEqual([]);
    expect(watermarkProblems({ ...valid, size: 0.5, opacity: 1 })).toEqual([]);
  });

  it('names each wrong field', () => {
    const fields = (input: Parameters<typeof watermarkProblems>[0], hasLogo = false) =>
      watermarkProblems(input, { hasLogo }).map((p) => [p.field, p.code]);
    expect(fields({ ...valid, kind: 'sticker' })).toEqual([['kind', 'unknown_kind']]);
    expect(fields({ ...valid, text: '   ' })).toEqual([['text', 'text_required']]);
    expect(fields({ ...valid, text: undefined })).toEqual([['text', 'text_required']]);
    expect(fields({ ...valid, text: 'x'.repeat(61) })).toEqual([['text', 'text_too_long']]);
    expect(fields({ ...valid, text: 'línea\nsegunda' })).toEqual([['text', 'text_control']]);
    expect(fields({ ...valid, kind: 'logo' })).toEqual([['logo', 'logo_required']]);
    expect(fields({ ...valid, position: 'middle' })).toEqual([['position', 'unknown_position']]);
    expect(fields({ ...valid, size: 0.6 })).toEqual([['size', 'size_range']]);
    expect(fields({ ...valid, size: 0.01 })).toEqual([['size', 'size_range']]);
    expect(fields({ ...valid, size: '0.1' })).toEqual([['size', 'size_range']]);
    expect(fields({ ...valid, size: Number.NaN })).toEqual([['size', 'size_range']]);
    expect(fields({ ...valid, opacity: 0 })).toEqual([['opacity', 'opacity_range']]);
    expect(fields({})).toEqual([['kind', 'unknown_kind'], ['position', 'unknown_position'], ['size', 'size_range'], ['opacity', 'opacity_range']]);
    expect(watermarkProblems({ ...valid, size: 2 })[0]).toMatchObject({ message: expect.stringContaining('0.5') as string, params: { min: 0.03, max: 0.5 } });
  });

  it('counts characters, not UTF-16 units', () => {
    expect(watermarkProblems({ ...valid, text: '😀'.repeat(60) })).toEqual([]);
  });
});

describe('watermarkCacheInput', () => {
  const text: WatermarkSettings = { kind: 'text', text: '@vale', position: 'top-left', size: 0.1, opacity: 0.5 };
  const logo: WatermarkSettings = { kind: 'logo', logoPath: '/m/branding/a.png', logoSha256: 'abc', position: 'top-left', size: 0.1, opacity: 0.5 };

  it('is the same for equal looks and changes with anything visible', () => {
    expect(watermarkCacheInput(text)).toBe(watermarkCacheInput({ ...text, text: '  @vale ' }));
    // What a logo watermark looks like does not depend on a leftover text, nor on where the file lives.
    expect(watermarkCacheInput(logo)).toBe(watermarkCacheInput({ ...logo, text: 'old', logoPath: '/elsewhere.png' }));
    const variants: WatermarkSettings[] = [
      { ...text, text: '@vale2' }, { ...text, position: 'center' }, { ...text, size: 0.11 }, { ...text, opacity: 0.6 },
      logo, { ...logo, logoSha256: 'abd' },
    ];
    const keys = new Set([text, ...variants].map(watermarkCacheInput));
    expect(keys.size).toBe(variants.length + 1);
  });

  it('ignores float noise below what ffmpeg is given', () => {
    expect(watermarkCacheInput({ ...text, size: 0.1 + 1e-9, opacity: 0.5 + 1e-9 })).toBe(watermarkCacheInput(text));
  });
});

describe('variantFilterGraph', () => {
  const frame = variantFrame({ width: 361, height: 641 }, null);

  it('sizes against the variant frame', () => {
    expect(frame).toEqual({ width: 360, height: 640 });
    expect(variantFrame({ width: 640, height: 360 }, { fitAspect: '9:16', width: 720, height: 1280 })).toEqual({ width: 720, height: 1280 });
    expect(watermarkMargin({ width: 720, height: 1280 })).toBe(22);
    expect(logoWidth({ width: 720, height: 1280 }, 0.2)).toBe(144);
  });

  it('only fits when there is no watermark', () => {
    expect(variantFilterGraph({ plan: null, frame })).toBe(`[0:v]${fitFilter(null)}[v]`);
    const plan = { fitAspect: '9:16', width: 720, height: 1280 };
    expect(variantFilterGraph({ plan, frame: { width: 720, height: 1280 }, watermark: null })).toBe(
      '[0:v]scale=720:1280:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=720:1280:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1[v]',
    );
  });

  it('overlays a logo scaled to its share of the width, with its opacity, at its corner', () => {
    const graph = variantFilterGraph({ plan: null, frame, watermark: { kind: 'logo', logoPath: '/l.png', position: 'bottom-right', size: 0.2, opacity: 0.7 } });
    expect(graph).toBe(
      '[0:v]scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1[base];' +
        '[1:v]scale=w=72:h=320:force_original_aspect_ratio=decrease,format=rgba,colorchannelmixer=aa=0.7[wm];' +
        '[base][wm]overlay=x=main_w-overlay_w-11:y=main_h-overlay_h-11:eof_action=repeat:format=auto[v]',
    );
    const centre = variantFilterGraph({ plan: null, frame, watermark: { kind: 'logo', position: 'center', size: 0.2, opacity: 1 }, logoInput: 2 });
    expect(centre).toContain('[2:v]scale=');
    expect(centre).toContain('overlay=x=(main_w-overlay_w)/2:y=(main_h-overlay_h)/2');
  });

  it('draws a text from its file, never from the graph, with the font and alpha', () => {
    const graph = variantFilterGraph({
      plan: null, frame, watermark: { kind: 'text', text: "it's: [x]", position: 'top-left', size: 0.1, opacity: 0.5 },
      textFile: '/tmp/wm/text.txt', fontFile: '/fonts/Sans.ttf',
    });
    expect(graph).toBe(
      '[0:v]scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1,drawtext=fontfile=/fonts/Sans.ttf:textfile=/tmp/wm/text.txt:expansion=none:' +
        'fontsize=36:fontcolor=white:borderw=3:bordercolor=black@0.7:alpha=0.5:x=11:y=11[v]',
    );
    expect(graph).not.toContain("it's");
    const noFont = variantFilterGraph({ plan: null, frame, watermark: { kind: 'text', text: 'a', position: 'bottom-left', size: 0.1, opacity: 1 }, textFile: '/t' });
    expect(noFont).toContain('drawtext=font=Sans\\\\:style=Bold:textfile=/t:');
    expect(noFont).toContain('x=11:y=h-text_h-11');
    expect(() => variantFilterGraph({ plan: null, frame, watermark: { kind: 'text', text: 'a', position: 'center', size: 0.1, opacity: 1 } })).toThrow(/text file/);
  });

  it('shrinks a text that would run off the frame', () => {
    const frame720 = { width: 720, height: 1280 };
    expect(textFontSize(frame720, 0.05, '@valentina')).toBe(36);
    // 40 glyphs at 15 % of 720 px would be ~2,800 px wide: shrunk to fit between the 22-px margins.
    const shrunk = textFontSize(frame720, 0.15, 'x'.repeat(40));
    expect(shrunk).toBeLessThan(108);
    expect(shrunk * 40 * 0.66).toBeLessThanOrEqual(720 - 44);
    expect(textFontSize(frame720, 0.5, 'x'.repeat(60))).toBeGreaterThanOrEqual(8);
  });

  it('escapes values for both levels of ffmpeg parsing', () => {
    expect(filterValue('/tmp/plain/text.txt')).toBe('/tmp/plain/text.txt');
    // ffmpeg's own documented example (filtergraph escaping, without the shell level).
    expect(filterValue("this is a 'string': may contain one, or more, special characters")).toBe(
      "this is a \\\\\\'string\\\\\\'\\\\: may contain one\\, or more\\, special characters",
    );
    expect(filterValue('a[b];c\\d')).toBe('a\\[b\\]\\;c\\\\\\\\d');
  });
});

describe('stderrTail', () => {
  it('keeps the last lines within a character budget', () => {
    const stderr = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n') + '\n\n';
    const tail = stderrTail(stderr);
    expect(tail.split('\n')).toHaveLength(20);
    expect(tail.endsWith('line 49')).toBe(true);
    expect(stderrTail('x'.repeat(5000), 20, 2048)).toHaveLength(2048);
    expect(stderrTail('x'.repeat(5000)).startsWith('…')).toBe(true);
    expect(stderrTail('')).toBe('');
  });
});
