import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * A real H.264/AAC clip from ffmpeg's test sources (9:16 by default); nothing binary is committed.
 * Each call gets a unique comment tag, so two clips never share a sha256 (the pipeline would call one a duplicate).
 */
export async function makeTestVideo(path: string, opts: { seconds?: number; width?: number; height?: number } = {}) {
  const { seconds = 3, width = 360, height = 640 } = opts;
  await execFileAsync('ffmpeg', [
    '-y', '-v', 'error',
    '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=25`,
    '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-metadata', `comment=${randomUUID()}`,
    '-t', String(seconds), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path,
  ]);
  return path;
}
