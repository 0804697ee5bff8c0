/**
 * ffmpeg side of per-platform variants; what to make is decided by core/platforms.ts variantPlan, the video
 * filter graph (fit + the model's watermark) by core/watermark.ts.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { ClipFacts, VariantPlan } from '../../core/platforms.js';
import type { WatermarkSettings } from '../../core/types.js';
import {
  normalizeWatermarkText, stderrTail, variantFilterGraph, variantGraphOutput, watermarkFontCandidates, type FrameSize,
} from '../../core/watermark.js';
import { InvalidMediaError, pngInputArgs, probeVideo, videoInputArgs } from './probe.js';

const execFileAsync = promisify(execFile);

/** Under the media activities' 30-minute start-to-close timeout (workflows/), so a stuck ffmpeg dies before the attempt does. */
const renderTimeoutMs = 25 * 60_000;

/** The running activity's cancellation signal (timeout, heartbeat loss, workflow cancel); none outside an activity. */
function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** "Only Fans VIP" → "only-fans-vip"; "Plataforma Única" → "plataforma-unica". */
export function platformSlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'platform';
}

/**
 * What a variant burns in: the model's watermark, sized against `frame` (core/watermark.ts variantFrame).
 * `textFile` / `fontFile`: kind `text` (renderVariant writes the file and picks the font).
 */
export interface VariantOverlay {
  settings: WatermarkSettings;
  frame: FrameSize;
  textFile?: string;
  fontFile?: string;
}

/**
 * The ffmpeg arguments for a plan: H.264 yuv420p + AAC, faststart, square pixels, even dimensions; the
 * video goes through core/watermark.ts variantFilterGraph (fit, then the watermark when there is one;
 * a logo is input 1). An argument array for execFile: no shell ever parses it.
 */
export function variantArgs(input: string, output: string, plan: VariantPlan, overlay?: VariantOverlay): string[] {
  const logo = overlay?.settings.kind === 'logo' ? overlay.settings.logoPath : undefined;
  if (overlay?.settings.kind === 'logo' && !logo) throw new Error('a logo watermark without a stored logo');
  const graph = variantFilterGraph({
    plan,
    frame: overlay?.frame ?? { width: plan.width ?? 0, height: plan.height ?? 0 },
    watermark: overlay?.settings,
    logoInput: 1,
    textFile: overlay?.textFile,
    fontFile: overlay?.fontFile,
  });
  return [
    '-y', '-v', 'error', '-nostdin',
    ...videoInputArgs(input),
    // A still PNG: one frame, which overlay repeats over the whole clip (eof_action=repeat).
    ...(logo ? pngInputArgs(logo) : []),
    ...(plan.trimToSeconds !== undefined ? ['-t', String(plan.trimToSeconds)] : []),
    '-filter_complex', graph,
    '-map', `[${variantGraphOutput}]`, '-map', '0:a:0?',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k',
    '-movflags', '+faststart',
    '-map_metadata', '-1',
    '-f', 'mp4', output,
  ];
}

let fontFile: string | null | undefined;
/** The first watermark font installed (fonts-dejavu-core or fonts-liberation); null = let fontconfig choose. */
export function watermarkFont(): string | undefined {
  fontFile ??= watermarkFontCandidates.find((path) => existsSync(path)) ?? null;
  return fontFile ?? undefined;
}

/** The ApplicationFailure type of a failed ffmpeg render (retryable). */
export const mediaRenderFailedType = 'MediaRenderFailed';

/**
 * ffmpeg failed (exit code, signal, timeout): `MediaRenderFailed`, retryable (a full disk, a killed
 * process, a logo replaced mid-render pass on a retry), its message ending with the tail of ffmpeg's stderr.
 * A cancelled activity's abort and a missing ffmpeg binary are passed on as they are.
 */
export function mediaRenderFailure(error: unknown, what: string): unknown {
  const e = error as { code?: string | number; signal?: string | null; killed?: boolean; stderr?: string | Buffer; name?: string };
  if (e?.name === 'AbortError') return error;
  if (e?.code === 'ENOENT') return new Error('ffmpeg is not installed (apt-get install ffmpeg)');
  const tail = stderrTail(String(e?.stderr ?? ''));
  const how = e?.killed ? `was stopped (${e.signal ?? 'timeout'})` : typeof e?.code === 'number' ? `exited with code ${e.code}` : `failed (${String((error as Error)?.message ?? error)})`;
  return ApplicationFailure.create({
    type: mediaRenderFailedType,
    message: `ffmpeg ${how} while ${what}${tail ? `:\n${tail}` : ''}`,
    nonRetryable: false,
    details: [{ exitCode: typeof e?.code === 'number' ? e.code : null, signal: e?.signal ?? null, stderrTail: tail }],
  });
}

/**
 * Renders the plan to `output` through a temp file in the same folder and a rename, so the
 * final path only ever holds a complete file (two renders racing both end with a whole file).
 * With a watermark, a text one is written to a temp file drawtext reads (so it is never escaped into
 * the filter graph) and removed afterwards; a logo must be on disk (else a retryable `WatermarkLogoMissing`:
 * the retry reads the model's settings again). ffmpeg failing → `MediaRenderFailed` (mediaRenderFailure).
 */
export async function renderVariant(
  input: string,
  output: string,
  plan: VariantPlan,
  watermark?: { settings: WatermarkSettings; frame: FrameSize },
): Promise<void> {
  await mkdir(dirname(output), { recursive: true });
  const temp = `${output}.${randomUUID()}.part`;
  let textDir: string | undefined;
  try {
    let overlay: VariantOverlay | undefined;
    if (watermark) {
      overlay = { ...watermark };
      if (watermark.settings.kind === 'logo' && !(watermark.settings.logoPath && existsSync(watermark.settings.logoPath))) {
        throw ApplicationFailure.retryable(`watermark logo ${watermark.settings.logoPath ?? '(none)'} is missing`, 'WatermarkLogoMissing');
      }
      if (watermark.settings.kind === 'text') {
        textDir = await mkdtemp(join(tmpdir(), 'trafico-watermark-'));
        overlay.textFile = join(textDir, 'text.txt');
        await writeFile(overlay.textFile, normalizeWatermarkText(watermark.settings.text ?? ''), 'utf8');
        overlay.fontFile = watermarkFont();
      }
    }
    try {
      // A cancelled attempt kills its ffmpeg instead of leaving it to compete with the retry.
      await execFileAsync('ffmpeg', variantArgs(input, temp, plan, overlay), { timeout: renderTimeoutMs, maxBuffer: 8 * 1024 * 1024, signal: activitySignal() });
    } catch (error) {
      throw mediaRenderFailure(error, `rendering ${output}`);
    }
    await rename(temp, output);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    if (textDir) await rm(textDir, { recursive: true, force: true });
  }
}

/**
 * An existing variant is reused when it is a readable H.264 file with the planned size and
 * length; anything else (older capabilities, a foreign file) is rendered again.
 */
export async function variantIsUsable(path: string, plan: VariantPlan, source: ClipFacts): Promise<boolean> {
  if (!existsSync(path)) return false;
  try {
    const made = await probeVideo(path);
    if (made.codec !== 'h264') return false;
    if (plan.width !== undefined && (made.width !== plan.width || made.height !== plan.height)) return false;
    const expected = plan.trimToSeconds ?? source.durationSeconds;
    return made.durationSeconds <= expected + 0.1 && made.durationSeconds >= expected - 0.5;
  } catch (error) {
    if (error instanceof InvalidMediaError) return false;
    throw error;
  }
}
