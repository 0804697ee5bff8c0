/**
 * A model's watermark (core/types.ts WatermarkSettings), pure: its validation, the canonical text its
 * variant cache keys on, and the ffmpeg filter graph that fits a clip to its platform (core/platforms.ts
 * VariantPlan) and burns the watermark in. The media worker renders variants with this graph and the
 * dashboard's still preview uses the very same one, so what the admin sees is what gets posted.
 */
import type { VariantPlan } from './platforms.js';
import { watermarkPositions, type WatermarkPosition, type WatermarkSettings } from './types.js';

export const watermarkKinds = ['logo', 'text'] as const satisfies readonly WatermarkSettings['kind'][];

export const watermarkLimits = {
  sizeMin: 0.03,
  sizeMax: 0.5,
  opacityMin: 0.05,
  opacityMax: 1,
  /** A handle or a short line, not a paragraph. */
  textMaxLength: 60,
  /** Of a stored logo. */
  logoMaxBytes: 2 * 1024 * 1024,
  logoMaxSide: 4096,
} as const;

/** What a new watermark starts with (the form's defaults, and a first logo upload's). */
export const watermarkDefaults = { position: 'bottom-right', size: 0.15, opacity: 0.8 } as const satisfies Pick<WatermarkSettings, 'position' | 'size' | 'opacity'>;

/** A good first size per kind: a logo is sized by its width, a text by its height (a handle is many glyphs wide). */
export const watermarkDefaultSizes = { logo: 0.15, text: 0.05 } as const satisfies Record<WatermarkSettings['kind'], number>;

// ── Validation ─────────────────────────────────────────────────────────────────────────────────

export type WatermarkField = 'kind' | 'text' | 'logo' | 'position' | 'size' | 'opacity';
export type WatermarkProblemCode =
  | 'unknown_kind' | 'text_required' | 'text_too_long' | 'text_control' | 'logo_required' | 'unknown_position' | 'size_range' | 'opacity_range';

/** One wrong field: `code` + `params` for a translation (dashboard catalogue `watermark.problem.<code>`), `message` in English for the API. */
export interface WatermarkProblem {
  field: WatermarkField;
  code: WatermarkProblemCode;
  message: string;
  params?: Record<string, string | number>;
}

/** What a client sends (nothing trusted yet). */
export interface WatermarkDraft {
  kind?: unknown;
  text?: unknown;
  position?: unknown;
  size?: unknown;
  opacity?: unknown;
}

const inRange = (value: unknown, min: number, max: number) => typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

/** The text as stored: trimmed, inner runs of spaces kept (a handle may want them). */
export const normalizeWatermarkText = (text: string) => text.normalize('NFC').trim();

/**
 * Every problem of a draft, field by field (empty = valid). `hasLogo`: the model has a stored logo, which
 * kind `logo` needs. Text: one line, printable, at most `textMaxLength` characters after trimming.
 */
export function watermarkProblems(input: WatermarkDraft, opts: { hasLogo?: boolean } = {}): WatermarkProblem[] {
  const problems: WatermarkProblem[] = [];
  const { sizeMin, sizeMax, opacityMin, opacityMax, textMaxLength } = watermarkLimits;
  if (!(watermarkKinds as readonly unknown[]).includes(input.kind)) {
    problems.push({ field: 'kind', code: 'unknown_kind', message: `must be one of ${watermarkKinds.join(', ')}` });
  }
  if (input.kind === 'text') {
    const text = typeof input.text === 'string' ? normalizeWatermarkText(input.text) : '';
    if (!text) problems.push({ field: 'text', code: 'text_required', message: 'a text watermark needs its text' });
    else if ([...text].length > textMaxLength) {
      problems.push({ field: 'text', code: 'text_too_long', message: `at most ${textMaxLength} characters`, params: { max: textMaxLength } });
    } else if (/\p{Cc}/u.test(text)) problems.push({ field: 'text', code: 'text_control', message: 'one line, without control characters' });
  }
  if (input.kind === 'logo' && !opts.hasLogo) problems.push({ field: 'logo', code: 'logo_required', message: 'upload a PNG logo first (PUT …/watermark/logo)' });
  if (!(watermarkPositions as readonly unknown[]).includes(input.position)) {
    problems.push({ field: 'position', code: 'unknown_position', message: `must be one of ${watermarkPositions.join(', ')}` });
  }
  if (!inRange(input.size, sizeMin, sizeMax)) {
    problems.push({ field: 'size', code: 'size_range', message: `must be a share of the video's width from ${sizeMin} to ${sizeMax}`, params: { min: sizeMin, max: sizeMax } });
  }
  if (!inRange(input.opacity, opacityMin, opacityMax)) {
    problems.push({ field: 'opacity', code: 'opacity_range', message: `must be from ${opacityMin} to ${opacityMax}`, params: { min: opacityMin, max: opacityMax } });
  }
  return problems;
}

// ── Cache key ──────────────────────────────────────────────────────────────────────────────────

/** Bump when the graph below changes how a watermark looks: every watermarked variant is then made again. */
export const watermarkRenderVersion = 1;

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * The canonical text of what a watermark looks like: the same for equal settings, different as soon as
 * anything visible changes (the logo by its SHA-256, never its path). The media worker hashes it into the
 * variant's file name, so a changed watermark makes new variants and an unchanged one reuses them.
 */
export function watermarkCacheInput(settings: WatermarkSettings): string {
  return JSON.stringify([
    watermarkRenderVersion,
    settings.kind,
    settings.kind === 'text' ? normalizeWatermarkText(settings.text ?? '') : (settings.logoSha256 ?? settings.logoPath ?? ''),
    settings.position,
    round(settings.size, 4),
    round(settings.opacity, 3),
  ]);
}

// ── Geometry ───────────────────────────────────────────────────────────────────────────────────

export interface FrameSize {
  width: number;
  height: number;
}

/** The frame a variant comes out with: the plan's canvas, or the clip's (displayed) size rounded down to even. */
export function variantFrame(clip: FrameSize, plan: VariantPlan | null): FrameSize {
  if (plan?.width !== undefined && plan.height !== undefined) return { width: plan.width, height: plan.height };
  return { width: Math.max(2, Math.floor(clip.width / 2) * 2), height: Math.max(2, Math.floor(clip.height / 2) * 2) };
}

/** Space between the watermark and the frame's edges (none in the centre). */
export const watermarkMargin = (frame: FrameSize) => Math.max(2, Math.round(frame.width * 0.03));

/** A logo's width in pixels: `size` × the frame's width. */
export const logoWidth = (frame: FrameSize, size: number) => Math.max(2, Math.round(frame.width * size));

/** A logo is never taller than half the frame, whatever its shape. */
export const logoMaxHeight = (frame: FrameSize) => Math.max(2, Math.floor(frame.height / 2));

/** A bold sans-serif glyph is about this wide for its height, on average (DejaVu Sans Bold, Liberation Sans Bold). */
const glyphWidthPerHeight = 0.66;

/**
 * Text height (drawtext `fontsize`) in pixels: `size` × the frame's width, shrunk when the line would not fit
 * between the margins (a long handle at a large size stays whole instead of running off the frame).
 */
export function textFontSize(frame: FrameSize, size: number, text = ''): number {
  const wanted = Math.round(frame.width * size);
  const glyphs = Math.max(1, [...text].length);
  const fits = Math.floor((frame.width - 2 * watermarkMargin(frame)) / (glyphs * glyphWidthPerHeight));
  return Math.max(8, Math.min(wanted, fits));
}

/**
 * Where an item of `itemW`×`itemH` (ffmpeg expression names) goes on a `frameW`×`frameH` frame, as
 * ffmpeg expressions with the margin in pixels.
 */
function place(position: WatermarkPosition, margin: number, names: { frameW: string; frameH: string; itemW: string; itemH: string }) {
  const { frameW, frameH, itemW, itemH } = names;
  const left = String(margin);
  const right = `${frameW}-${itemW}-${margin}`;
  const top = String(margin);
  const bottom = `${frameH}-${itemH}-${margin}`;
  switch (position) {
    case 'top-left': return { x: left, y: top };
    case 'top-right': return { x: right, y: top };
    case 'bottom-left': return { x: left, y: bottom };
    case 'bottom-right': return { x: right, y: bottom };
    case 'center': return { x: `(${frameW}-${itemW})/2`, y: `(${frameH}-${itemH})/2` };
  }
}

// ── Filter graph ───────────────────────────────────────────────────────────────────────────────

/**
 * A value inside a filter graph, escaped for both levels ffmpeg parses (the filter's `key=value` list,
 * then the graph): a path or text with `:`, `'`, `,`, `[`… stays one value.
 */
export function filterValue(value: string): string {
  const option = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return option.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/** The chain that fits the clip to the plan: inside the canvas keeping its aspect, centred on black bars; or just even dimensions (yuv420p needs them). */
export function fitFilter(plan: VariantPlan | null): string {
  return plan?.width !== undefined && plan.height !== undefined
    ? `scale=${plan.width}:${plan.height}:force_original_aspect_ratio=decrease:force_divisible_by=2,` +
        `pad=${plan.width}:${plan.height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1`
    : 'scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1';
}

export interface VariantGraphInput {
  plan: VariantPlan | null;
  /** variantFrame(clip, plan): what the watermark is sized against. */
  frame: FrameSize;
  watermark?: WatermarkSettings | null;
  /** Kind `logo`: the ffmpeg input index of the PNG (the clip is input 0). */
  logoInput?: number;
  /** Kind `text`: a file holding the text (drawtext reads it, so the text itself is never escaped into the graph). */
  textFile?: string;
  /** Kind `text`: a TrueType font file; without one fontconfig picks a sans-serif. */
  fontFile?: string;
}

/** The label of the graph's output (`-map [v]`). */
export const variantGraphOutput = 'v';

/**
 * The `-filter_complex` graph of a variant (or of its preview frame): input 0's video fitted to the plan,
 * then the watermark over it; its output is labelled `[v]`.
 *   logo: scaled to `size` × the frame's width (at most half its height), its alpha multiplied by `opacity`
 *         (`format=rgba,colorchannelmixer=aa=`), overlaid at the position with a margin;
 *   text: drawtext from `textFile` (no %{…} expansion), white with a dark outline, height `size` × the frame's width, `alpha` = opacity.
 */
export function variantFilterGraph(input: VariantGraphInput): string {
  const fit = `[0:v]${fitFilter(input.plan)}`;
  const out = `[${variantGraphOutput}]`;
  const w = input.watermark;
  if (!w) return `${fit}${out}`;
  const margin = watermarkMargin(input.frame);
  const opacity = round(w.opacity, 3);
  if (w.kind === 'logo') {
    const at = place(w.position, margin, { frameW: 'main_w', frameH: 'main_h', itemW: 'overlay_w', itemH: 'overlay_h' });
    const logo =
      `[${input.logoInput ?? 1}:v]scale=w=${logoWidth(input.frame, w.size)}:h=${logoMaxHeight(input.frame)}:force_original_aspect_ratio=decrease,` +
      `format=rgba,colorchannelmixer=aa=${opacity}[wm]`;
    return `${fit}[base];${logo};[base][wm]overlay=x=${at.x}:y=${at.y}:eof_action=repeat:format=auto${out}`;
  }
  if (!input.textFile) throw new Error('a text watermark needs its text file');
  const fontSize = textFontSize(input.frame, w.size, normalizeWatermarkText(w.text ?? ''));
  const at = place(w.position, margin, { frameW: 'w', frameH: 'h', itemW: 'text_w', itemH: 'text_h' });
  const font = input.fontFile ? `fontfile=${filterValue(input.fontFile)}` : `font=${filterValue('Sans:style=Bold')}`;
  const text = [
    font,
    `textfile=${filterValue(input.textFile)}`,
    'expansion=none',
    `fontsize=${fontSize}`,
    'fontcolor=white',
    `borderw=${Math.max(1, Math.round(fontSize / 14))}`,
    'bordercolor=black@0.7',
    `alpha=${opacity}`,
    `x=${at.x}`,
    `y=${at.y}`,
  ].join(':');
  return `${fit},drawtext=${text}${out}`;
}

/** Fonts tried in order for text watermarks (Debian's fonts-dejavu-core, then fonts-liberation); callers use the first that exists. */
export const watermarkFontCandidates = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
] as const;

// ── ffmpeg's own words ─────────────────────────────────────────────────────────────────────────

/** The end of ffmpeg's stderr for an error message: the last `maxLines` lines, at most `maxChars` characters. */
export function stderrTail(stderr: string, maxLines = 20, maxChars = 2048): string {
  const lines = stderr.replace(/\r\n?/g, '\n').split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
  let tail = lines.slice(-maxLines).join('\n');
  if (tail.length > maxChars) tail = `…${tail.slice(tail.length - maxChars + 1)}`;
  return tail;
}
