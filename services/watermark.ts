/**
 * A model's watermark: read it, set it (validated by core/watermark.ts), remove it, store her PNG logo under
 * <mediaDir>/branding, and render a still preview of one frame with it — through the same filter graph the
 * media worker burns into her variants (core/watermark.ts variantFilterGraph), so the preview is what gets
 * posted. Every change records `model_updated` with `changed: ['watermark']`.
 */
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { pngInputArgs, videoInputArgs } from '../core/media-inputs.js';
import { variantPlan, type VariantPlan } from '../core/platforms.js';
import type { WatermarkSettings } from '../core/types.js';
import {
  normalizeWatermarkText, stderrTail, variantFilterGraph, variantFrame, variantGraphOutput, watermarkDefaults, watermarkFontCandidates,
  watermarkLimits, watermarkProblems, type FrameSize, type WatermarkDraft, type WatermarkProblem,
} from '../core/watermark.js';
import type { WatermarkBody, WatermarkPreviewQuery, WatermarkView } from '../contracts/api/watermark.js';
import { inTransaction, type Db } from '../db/client.js';
import { recordEvent } from '../db/events.js';
import { platformCapabilities } from '../db/publishing-context.js';
import { findModelWatermark, findPlatformByName, latestModelVideos, setModelWatermark } from '../db/watermark.js';
import { ServiceError } from './errors.js';

const execFileAsync = promisify(execFile);

export interface WatermarkServiceDeps {
  db: Db;
  /** config.mediaDir: logos live in its `branding/` folder, next to the videos the workers read. */
  mediaDir: string;
}

export function watermarkView(settings: WatermarkSettings | null): WatermarkView {
  return {
    kind: settings?.kind ?? 'none',
    text: settings?.text ?? null,
    position: settings?.position ?? watermarkDefaults.position,
    size: settings?.size ?? watermarkDefaults.size,
    opacity: settings?.opacity ?? watermarkDefaults.opacity,
    hasLogo: Boolean(settings?.logoPath),
    logoSha256: settings?.logoSha256 ?? null,
  };
}

async function modelOrFail(db: Db, modelId: string) {
  const model = await findModelWatermark(db, modelId);
  if (!model) throw new ServiceError('not_found', 'not_found', `model ${modelId} not found`);
  return model;
}

function invalid(problems: readonly WatermarkProblem[], code = 'invalid_watermark'): ServiceError {
  const fields: Record<string, string> = {};
  for (const p of problems) fields[p.field] = fields[p.field] ? `${fields[p.field]} ${p.message}` : p.message;
  const list = Object.entries(fields).map(([field, message]) => `${field}: ${message}`).join('; ');
  return new ServiceError('invalid', code, `invalid watermark: ${list}`, { fields });
}

/** A draft checked against what is stored (kind `logo` needs her logo), as settings. */
function settingsFrom(draft: WatermarkDraft, stored: WatermarkSettings | null): WatermarkSettings {
  const problems = watermarkProblems(draft, { hasLogo: Boolean(stored?.logoPath) });
  if (problems.length > 0) throw invalid(problems);
  const kind = draft.kind as WatermarkSettings['kind'];
  return {
    kind,
    ...(kind === 'text' ? { text: normalizeWatermarkText(draft.text as string) } : stored?.text ? { text: stored.text } : {}),
    // The logo stays stored whatever the kind, so switching back to it needs no new upload.
    ...(stored?.logoPath ? { logoPath: stored.logoPath, logoSha256: stored.logoSha256 } : {}),
    position: draft.position as WatermarkSettings['position'],
    size: draft.size as number,
    opacity: draft.opacity as number,
  };
}

/** jsonb keeps its own key order: compare key by key. */
const canonical = (settings: WatermarkSettings | null) =>
  settings ? JSON.stringify(Object.entries(settings).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b))) : 'null';
const sameSettings = (a: WatermarkSettings | null, b: WatermarkSettings | null) => canonical(a) === canonical(b);

/** Writes the settings and `model_updated` together (nothing recorded when nothing changes). */
async function save(db: Db, model: { id: string; name: string; watermark: WatermarkSettings | null }, next: WatermarkSettings | null, actor: string) {
  if (sameSettings(model.watermark, next)) return;
  await inTransaction(db, async (tx) => {
    await setModelWatermark(tx, model.id, next);
    await recordEvent(tx, 'model_updated', { name: model.name, changed: ['watermark'] }, { modelId: model.id, actor });
  });
}

/** Removes a logo file no longer named by her settings (a variant already rendered keeps its pixels). */
async function dropLogo(path: string | undefined, keep: string | undefined) {
  if (path && path !== keep) await rm(path, { force: true });
}

export async function getWatermark(db: Db, modelId: string): Promise<WatermarkView> {
  return watermarkView((await modelOrFail(db, modelId)).watermark);
}

export async function setWatermark(deps: WatermarkServiceDeps, modelId: string, input: WatermarkBody, opts: { actor: string }): Promise<WatermarkView> {
  const model = await modelOrFail(deps.db, modelId);
  const next = settingsFrom(input, model.watermark);
  await save(deps.db, model, next, opts.actor);
  return watermarkView(next);
}

/** No watermark any more: her next variants are made without one, and the stored logo is removed. */
export async function removeWatermark(deps: WatermarkServiceDeps, modelId: string, opts: { actor: string }): Promise<WatermarkView> {
  const model = await modelOrFail(deps.db, modelId);
  await save(deps.db, model, null, opts.actor);
  await dropLogo(model.watermark?.logoPath, undefined);
  return watermarkView(null);
}

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** What ffprobe reads in a file that starts like a PNG: undefined when it is no PNG it can decode. */
async function probePng(path: string): Promise<{ width: number; height: number } | undefined> {
  try {
    const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...pngInputArgs(resolve(path))], { timeout: 30_000, maxBuffer: 1024 * 1024 });
    const out = JSON.parse(stdout) as { streams?: { codec_name?: string; width?: number; height?: number }[]; format?: { format_name?: string } };
    const stream = out.streams?.[0];
    if (out.format?.format_name !== 'png_pipe' || stream?.codec_name !== 'png' || !stream.width || !stream.height) return undefined;
    // Decoding the picture catches a file whose header is fine and whose data is not.
    await execFileAsync('ffmpeg', ['-v', 'error', '-nostdin', ...pngInputArgs(resolve(path)), '-frames:v', '1', '-f', 'null', '-'], { timeout: 30_000 });
    return { width: stream.width, height: stream.height };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('ffprobe/ffmpeg is not installed (apt-get install ffmpeg)');
    return undefined;
  }
}

/**
 * Stores her logo: a real PNG (signature, then ffprobe and one decode) of at most 2 MB and 4096 px a side, at
 * <mediaDir>/branding/<modelId>-<sha256 prefix>.png (written to a temp name, then renamed). Her watermark becomes
 * kind `logo` with that file, keeping its position, size and opacity (or the defaults). Anything else is refused
 * with code `not_png` (the API answers 415) and nothing changes.
 */
export async function storeWatermarkLogo(deps: WatermarkServiceDeps, modelId: string, bytes: Buffer, opts: { actor: string }): Promise<WatermarkView> {
  const model = await modelOrFail(deps.db, modelId);
  const { logoMaxBytes, logoMaxSide } = watermarkLimits;
  if (bytes.length > logoMaxBytes) throw new ServiceError('invalid', 'file_too_large', `a logo is at most ${logoMaxBytes / 1024 / 1024} MB`, { fields: { file: 'too large' } });
  if (bytes.length < pngSignature.length || !bytes.subarray(0, pngSignature.length).equals(pngSignature)) {
    throw new ServiceError('invalid', 'not_png', 'the logo must be a PNG file', { fields: { file: 'not a PNG' } });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const dir = join(deps.mediaDir, 'branding');
  await mkdir(dir, { recursive: true });
  const logoPath = join(dir, `${modelId}-${sha256.slice(0, 16)}.png`);
  const temp = `${logoPath}.${randomUUID()}.part`;
  await writeFile(temp, bytes);
  try {
    const picture = await probePng(temp);
    if (!picture) throw new ServiceError('invalid', 'not_png', 'the logo is not a readable PNG', { fields: { file: 'not a readable PNG' } });
    if (picture.width > logoMaxSide || picture.height > logoMaxSide) {
      throw new ServiceError('invalid', 'logo_too_large', `a logo is at most ${logoMaxSide} px a side (this one is ${picture.width}×${picture.height})`, { fields: { file: 'too many pixels' } });
    }
    await rename(temp, logoPath);
  } finally {
    await rm(temp, { force: true });
  }
  const stored = model.watermark;
  const next: WatermarkSettings = {
    kind: 'logo',
    ...(stored?.text ? { text: stored.text } : {}),
    logoPath,
    logoSha256: sha256,
    position: stored?.position ?? watermarkDefaults.position,
    size: stored?.size ?? watermarkDefaults.size,
    opacity: stored?.opacity ?? watermarkDefaults.opacity,
  };
  await save(deps.db, model, next, opts.actor);
  await dropLogo(stored?.logoPath, logoPath);
  return watermarkView(next);
}

// ── Still preview ──────────────────────────────────────────────────────────────────────────────

/** Previews run ffmpeg in the web process: two at a time, the rest wait their turn. */
const previewSlots = { free: 2, waiting: [] as (() => void)[] };
async function withPreviewSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (previewSlots.free > 0) previewSlots.free--;
  else await new Promise<void>((resolve) => previewSlots.waiting.push(resolve));
  try {
    return await fn();
  } finally {
    const next = previewSlots.waiting.shift();
    if (next) next();
    else previewSlots.free++;
  }
}

/** The generated picture when she has sent no video yet (9:16, like most short-video platforms). */
const testPattern = { width: 720, height: 1280 };

let fontFile: string | null | undefined;
const watermarkFont = () => (fontFile ??= watermarkFontCandidates.find((path) => existsSync(path)) ?? null) ?? undefined;

/** The watermark a preview shows: a draft when the query names a kind (`none` = without any), else the saved one. */
function previewSettings(query: WatermarkPreviewQuery, stored: WatermarkSettings | null): WatermarkSettings | null {
  if (query.kind === undefined) return stored;
  if (query.kind === 'none') return null;
  const base = watermarkView(stored);
  return settingsFrom({
    kind: query.kind,
    text: query.text ?? base.text ?? undefined,
    position: query.position ?? base.position,
    size: query.size ?? base.size,
    opacity: query.opacity ?? base.opacity,
  }, stored);
}

/**
 * One frame as a PNG: her latest video (a second in, or its middle when shorter; a generated test pattern
 * when she has none), fitted as her variant for `platform` would be, with the saved watermark or the draft in
 * the query. Rendered in a temp folder that is removed afterwards. A bad draft → 400 naming the fields.
 */
export async function renderWatermarkPreview(deps: WatermarkServiceDeps, modelId: string, query: WatermarkPreviewQuery): Promise<Buffer> {
  const model = await modelOrFail(deps.db, modelId);
  const settings = previewSettings(query, model.watermark);
  let plan: VariantPlan | null = null;
  const video = (await latestModelVideos(deps.db, modelId)).find((v) => existsSync(v.filePath));
  const clip: FrameSize & { durationSeconds: number } = video
    ? { width: video.width!, height: video.height!, durationSeconds: video.durationSeconds! }
    : { ...testPattern, durationSeconds: 1 };
  if (query.platform !== undefined) {
    const platform = await findPlatformByName(deps.db, query.platform);
    if (!platform) throw new ServiceError('invalid', 'unknown_platform', `no platform named "${query.platform}"`, { fields: { platform: 'unknown platform' } });
    plan = variantPlan({ ...clip, sizeBytes: 0 }, platformCapabilities(platform));
  }
  if (settings?.kind === 'logo' && !(settings.logoPath && existsSync(settings.logoPath))) {
    throw new ServiceError('invalid', 'logo_missing', 'her logo file is missing; upload it again', { fields: { logo: 'missing' } });
  }

  return withPreviewSlot(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trafico-watermark-preview-'));
    try {
      let textFile: string | undefined;
      if (settings?.kind === 'text') {
        textFile = join(dir, 'text.txt');
        await writeFile(textFile, normalizeWatermarkText(settings.text ?? ''), 'utf8');
      }
      const graph = variantFilterGraph({ plan, frame: variantFrame(clip, plan), watermark: settings, logoInput: 1, textFile, fontFile: watermarkFont() });
      const output = join(dir, 'preview.png');
      const source = video
        ? ['-ss', Math.min(1, clip.durationSeconds / 2).toFixed(2), ...videoInputArgs(resolve(video.filePath))]
        : ['-f', 'lavfi', '-i', `testsrc2=size=${testPattern.width}x${testPattern.height}:rate=1:duration=1`];
      const args = [
        '-y', '-v', 'error', '-nostdin',
        ...source,
        ...(settings?.kind === 'logo' ? pngInputArgs(resolve(settings.logoPath!)) : []),
        '-filter_complex', graph,
        '-map', `[${variantGraphOutput}]`, '-frames:v', '1', '-c:v', 'png', '-f', 'image2', output,
      ];
      try {
        await execFileAsync('ffmpeg', args, { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 });
      } catch (error) {
        const e = error as NodeJS.ErrnoException & { stderr?: string };
        if (e.code === 'ENOENT') throw new Error('ffmpeg is not installed (apt-get install ffmpeg)');
        throw new Error(`ffmpeg could not render the watermark preview of model ${modelId}:\n${stderrTail(String(e.stderr ?? e.message))}`);
      }
      return await readFile(output);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
