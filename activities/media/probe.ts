/** ffprobe/ffmpeg helpers. Also used by the API to refuse non-video uploads before storing anything. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { isAllowedVideoFormat, pngInputArgs as corePngInputArgs, videoInputArgs as coreVideoInputArgs } from '../../core/media-inputs.js';
import type { MediaFacts } from '../../core/types.js';

const execFileAsync = promisify(execFile);

/** Why a file is not usable; activities/media/messages.ts turns it into the model's language. */
export type InvalidMediaCode = 'not_a_video' | 'corrupt' | 'no_video_stream' | 'no_duration';

export class InvalidMediaError extends Error {
  override name = 'InvalidMedia';
  /** `message` stays English (the API shows it); `code` is what a translation keys on. */
  constructor(message: string, readonly code: InvalidMediaCode = 'not_a_video') {
    super(message);
  }
}

interface FfprobeOutput {
  streams?: {
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    duration?: string;
    disposition?: { attached_pic?: number };
    tags?: { rotate?: string };
    side_data_list?: { rotation?: number }[];
  }[];
  format?: { duration?: string; format_name?: string; size?: string };
}

/** Stored-file inputs for ffmpeg/ffprobe (core/media-inputs.ts), relative paths resolved first. */
export const videoInputArgs = (path: string): string[] => coreVideoInputArgs(resolve(path));
export const pngInputArgs = (path: string): string[] => corePngInputArgs(resolve(path));

// Image formats ffprobe reports with a "video" stream; a still picture is not a video for us.
const stillImageFormats = new Set(['image2', 'png_pipe', 'jpeg_pipe', 'gif', 'webp_pipe', 'bmp_pipe', 'tiff_pipe']);

/** Reads the media facts of a file, or throws InvalidMediaError with a reason a person can read. */
export async function probeVideo(path: string): Promise<MediaFacts> {
  let output: FfprobeOutput;
  try {
    const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...videoInputArgs(path)];
    const { stdout } = await execFileAsync('ffprobe', args, {
      maxBuffer: 8 * 1024 * 1024,
      timeout: 60_000,
    });
    output = JSON.parse(stdout) as FfprobeOutput;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('ffprobe is not installed (apt-get install ffmpeg)');
    // A file that starts like a video container but cannot be read is a damaged video, not "some other file".
    const kind = await fileKind(path);
    if (kind === 'video') throw new InvalidMediaError('the video file is damaged or incomplete', 'corrupt');
    // The image demuxers are not allowed, so ffprobe cannot say "one still frame": the signature says "a photo".
    if (kind === 'image') throw new InvalidMediaError('the file has no video stream', 'no_video_stream');
    throw new InvalidMediaError('the file is not a readable video', 'not_a_video');
  }
  // Cover art in an audio file shows up as a one-frame "video" stream; it is not a video.
  const video = output.streams?.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const formatName = output.format?.format_name ?? '';
  // The whitelist already held the demuxers back; this says so again should an ffmpeg build ignore it.
  if (!isAllowedVideoFormat(formatName)) throw new InvalidMediaError(`the container "${formatName}" is not accepted (MP4, MOV, WebM, MKV, AVI, TS, MPG)`, 'not_a_video');
  if (!video || stillImageFormats.has(formatName)) throw new InvalidMediaError('the file has no video stream', 'no_video_stream');
  const durationSeconds = Number(output.format?.duration ?? video.duration ?? NaN);
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) throw new InvalidMediaError('the video has no duration', 'no_duration');
  const sizeBytes = Number(output.format?.size ?? (await stat(path)).size);
  // Phones record landscape frames with a "rotate 90" display matrix; players (and ffmpeg) show
  // them upright, so the facts are the displayed size.
  const rotation = Number(video.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? video.tags?.rotate ?? 0);
  const quarterTurn = Math.abs(Math.round(rotation)) % 180 === 90;
  return {
    durationSeconds,
    width: (quarterTurn ? video.height : video.width) ?? 0,
    height: (quarterTurn ? video.width : video.height) ?? 0,
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
  await execFileAsync('ffmpeg', ['-y', '-v', 'error', '-nostdin', '-ss', at, ...videoInputArgs(videoPath), '-frames:v', '1', '-vf', 'scale=360:-2', outPath], {
    timeout: 120_000,
  });
}

/** What the first bytes say: an accepted container (MP4/MOV/3GP, Matroska/WebM, AVI, MPEG-TS/PS; damaged when unreadable), a still image, or neither. */
async function fileKind(path: string): Promise<'video' | 'image' | 'other'> {
  let head: Buffer;
  try {
    const file = await open(path, 'r');
    try {
      head = Buffer.alloc(400);
      const { bytesRead } = await file.read(head, 0, head.length, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch {
    return 'other';
  }
  const ascii = (from: number, to: number) => head.subarray(from, to).toString('latin1');
  const video =
    (head.length >= 8 && ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(ascii(4, 8))) ||
    (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) || // EBML
    (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ') ||
    (head.length >= 4 && head.readUInt32BE(0) === 0x000001ba) || // MPEG-PS
    (head.length >= 377 && head[0] === 0x47 && head[188] === 0x47 && head[376] === 0x47); // MPEG-TS
  if (video) return 'video';
  const image =
    ascii(1, 4) === 'PNG' || (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) || ascii(0, 4) === 'GIF8' ||
    (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP');
  return image ? 'image' : 'other';
}

/** How many video frames ffmpeg decodes from `at` seconds on (at most one); 0 when it cannot. */
async function decodedFrames(path: string, at: number): Promise<number> {
  try {
    const { stdout } = await execFileAsync(
      'ffmpeg',
      ['-v', 'error', '-nostdin', '-nostats', '-progress', 'pipe:1', '-ss', at.toFixed(3), ...videoInputArgs(path), '-map', '0:v:0', '-frames:v', '1', '-f', 'null', '-'],
      { timeout: 120_000, maxBuffer: 8 * 1024 * 1024 },
    );
    const frames = [...stdout.matchAll(/^frame=(\d+)/gm)].map((m) => Number(m[1]));
    return frames.at(-1) ?? 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('ffmpeg is not installed (apt-get install ffmpeg)');
    return 0;
  }
}

/**
 * ffprobe trusts the header: a file cut short (an interrupted download, a partial copy) still
 * reports its full duration. Decoding a frame at the start and one in the last second catches it
 * without decoding the whole clip. Throws InvalidMediaError('corrupt').
 */
export async function assertDecodable(path: string, durationSeconds: number): Promise<void> {
  for (const at of [0, Math.max(0, durationSeconds - 1)]) {
    if ((await decodedFrames(path, at)) < 1) throw new InvalidMediaError('the video file is damaged or incomplete', 'corrupt');
  }
}
