/** ffprobe/ffmpeg helpers. Also used by the API to refuse non-video uploads before storing anything. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { MediaFacts } from '../../core/types.js';

const execFileAsync = promisify(execFile);

export class InvalidMediaError extends Error {
  override name = 'InvalidMedia';
}

interface FfprobeOutput {
  streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number; duration?: string }[];
  format?: { duration?: string; format_name?: string; size?: string };
}

// Image formats ffprobe reports with a "video" stream; a still picture is not a video for us.
const stillImageFormats = new Set(['image2', 'png_pipe', 'jpeg_pipe', 'gif', 'webp_pipe', 'bmp_pipe', 'tiff_pipe']);

/** Reads the media facts of a file, or throws InvalidMediaError with a reason a person can read. */
export async function probeVideo(path: string): Promise<MediaFacts> {
  let output: FfprobeOutput;
  try {
    const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], {
      maxBuffer: 8 * 1024 * 1024,
      timeout: 60_000,
    });
    output = JSON.parse(stdout) as FfprobeOutput;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('ffprobe is not installed (apt-get install ffmpeg)');
    throw new InvalidMediaError('the file is not a readable video');
  }
  const video = output.streams?.find((s) => s.codec_type === 'video');
  const formatName = output.format?.format_name ?? '';
  if (!video || stillImageFormats.has(formatName)) throw new InvalidMediaError('the file has no video stream');
  const durationSeconds = Number(output.format?.duration ?? video.duration ?? NaN);
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) throw new InvalidMediaError('the video has no duration');
  const sizeBytes = Number(output.format?.size ?? (await stat(path)).size);
  return {
    durationSeconds,
    width: video.width ?? 0,
    height: video.height ?? 0,
    sizeBytes,
    codec: video.codec_name ?? 'unknown',
    formatName,
  };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A JPEG frame from early in the video, 360 px wide. */
export async function makeThumbnail(videoPath: string, outPath: string, durationSeconds: number): Promise<void> {
  const at = Math.min(1, durationSeconds / 2).toFixed(2);
  await execFileAsync('ffmpeg', ['-y', '-v', 'error', '-ss', at, '-i', videoPath, '-frames:v', '1', '-vf', 'scale=360:-2', outPath], {
    timeout: 120_000,
  });
}
