/** ffmpeg side of per-platform variants; what to make is decided by core/platforms.ts variantPlan. */
import { Context } from '@temporalio/activity';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type { ClipFacts, VariantPlan } from '../../core/platforms.js';
import { InvalidMediaError, probeVideo } from './probe.js';

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

/** The ffmpeg arguments for a plan: H.264 yuv420p + AAC, faststart, square pixels, even dimensions. */
export function variantArgs(input: string, output: string, plan: VariantPlan): string[] {
  const video =
    plan.width !== undefined && plan.height !== undefined
      ? // Fit inside the canvas keeping the clip's aspect, then centre it on black bars.
        `scale=${plan.width}:${plan.height}:force_original_aspect_ratio=decrease:force_divisible_by=2,` +
        `pad=${plan.width}:${plan.height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1`
      : // yuv420p needs even dimensions.
        'scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1';
  return [
    '-y', '-v', 'error', '-nostdin',
    '-i', input,
    ...(plan.trimToSeconds !== undefined ? ['-t', String(plan.trimToSeconds)] : []),
    '-map', '0:v:0', '-map', '0:a:0?',
    '-vf', video,
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k',
    '-movflags', '+faststart',
    '-map_metadata', '-1',
    '-f', 'mp4', output,
  ];
}

/**
 * Renders the plan to `output` through a temp file in the same folder and a rename, so the
 * final path only ever holds a complete file (two renders racing both end with a whole file).
 */
export async function renderVariant(input: string, output: string, plan: VariantPlan): Promise<void> {
  await mkdir(dirname(output), { recursive: true });
  const temp = `${output}.${randomUUID()}.part`;
  try {
    // A cancelled attempt kills its ffmpeg instead of leaving it to compete with the retry.
    await execFileAsync('ffmpeg', variantArgs(input, temp, plan), { timeout: renderTimeoutMs, maxBuffer: 8 * 1024 * 1024, signal: activitySignal() });
    await rename(temp, output);
  } catch (error) {
    await rm(temp, { force: true });
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('ffmpeg is not installed (apt-get install ffmpeg)');
    throw error;
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
