import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../config.js';

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

/**
 * A media worker's surroundings for activity tests: a fresh data dir with `incoming/` and a `fixtures/` folder for
 * generated clips, and the app config over it (random secrets).
 */
export function mediaTestDirs(prefix: string) {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dataDir, 'incoming'));
  const fixtures = join(dataDir, 'fixtures');
  mkdirSync(fixtures);
  const config = loadConfig({
    DATA_DIR: dataDir,
    API_TOKEN: randomBytes(18).toString('base64url'),
    ADMIN_PASSWORD: 'admin-test-password',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  return { dataDir, fixtures, config };
}
