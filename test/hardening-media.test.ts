// ffprobe/ffmpeg never follow what a "video" names. A text playlist (HLS) or an ffconcat list saved as .mp4 is read by
// ffprobe's hls/concat demuxers as a real video made of the files and URLs it lists; ingest must refuse it as
// InvalidMedia (the content rejected, "not a video") without reading anything it points at, while a real MP4 passes.
import { randomBytes } from 'node:crypto';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { ActivityDeps } from '../activities/deps.js';
import { createMediaActivities } from '../activities/media/index.js';
import { InvalidMediaError, makeThumbnail, probeVideo } from '../activities/media/probe.js';
import type { AppConfig } from '../config.js';
import { defaultDistributionRules } from '../core/types.js';
import { openDatabase, type DbHandle } from '../db/client.js';
import { contents, models } from '../db/schema.js';
import { makeTestVideo, mediaTestDirs } from './helpers/media.js';

const execFileAsync = promisify(execFile);

let handle: DbHandle;
let dataDir: string;
let fixtures: string;
let config: AppConfig;
let server: Server;
let origin: string;
/** Every request the local "segment server" got. */
const hits: string[] = [];
let modelId: string;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ({ dataDir, fixtures, config } = mediaTestDirs('trafico-hardening-media-'));
  handle = await openDatabase({ databaseUrl: inject('databaseUrl') });
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const [model] = await handle.db.insert(models).values({ name: `Playlist ${randomBytes(4).toString('hex')}`, distribution: defaultDistributionRules }).returning();
  modelId = model!.id;
  cleanup.push(() => handle.db.delete(contents).where(eq(contents.modelId, modelId)), () => handle.db.delete(models).where(eq(models.id, modelId)));
});

afterAll(async () => {
  for (const step of cleanup) await step();
  await handle?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const media = () => createMediaActivities({ db: handle.db, config, log: pino({ level: 'silent' }), browser: undefined as never } satisfies ActivityDeps);

async function ingest(source: string) {
  const upload = join(dataDir, 'incoming', `${randomBytes(6).toString('hex')}.mp4`);
  copyFileSync(source, upload);
  const [content] = await handle.db.insert(contents).values({ modelId, filePath: upload, sentBy: 'test' }).returning();
  const result = await media().ingestContent(content!.id);
  const [row] = await handle.db.select().from(contents).where(eq(contents.id, content!.id));
  return { result, row: row! };
}

/** A real MPEG-TS segment next to the playlists: what an HLS or concat list would pull in. */
async function localSegment() {
  const segment = join(fixtures, 'segment.ts');
  await execFileAsync('ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=360x640:rate=25', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'mpegts', segment]);
  return segment;
}

describe('ffprobe/ffmpeg read only the accepted containers of the local file', () => {
  it('refuses an HLS playlist named .mp4 (local and http segments) as InvalidMedia, fetching nothing', async () => {
    const segment = await localSegment();
    const playlist = join(fixtures, 'playlist.mp4');
    writeFileSync(playlist, [
      '#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXTINF:2.0,', segment, '#EXTINF:2.0,', `${origin}/segment-1.ts`, '#EXT-X-ENDLIST', '',
    ].join('\n'));
    const probed = await probeVideo(playlist).then(() => null, (error: unknown) => error);
    expect(probed).toBeInstanceOf(InvalidMediaError);
    expect((probed as InvalidMediaError).code).toBe('not_a_video');

    const { result, row } = await ingest(playlist);
    expect(result.ok).toBe(false);
    expect(row.status).toBe('rejected');
    expect(row.rejectionReason).toMatch(/no es un video/);
    // This Debian ffmpeg already keeps HLS segments to file/crypto/data; the whitelist keeps it so on any build.
    expect(hits).toEqual([]);
  });

  it('refuses an ffconcat list named .mp4 that points at a local video', async () => {
    const segment = await localSegment();
    const list = join(fixtures, 'list.mp4');
    // A relative name next to the list: what the concat demuxer's `safe` mode allows.
    writeFileSync(list, `ffconcat version 1.0\nfile ${segment.split('/').pop()}\n`);
    await expect(probeVideo(list)).rejects.toMatchObject({ name: 'InvalidMedia', code: 'not_a_video' });
    await expect(makeThumbnail(list, join(fixtures, 'list.jpg'), 2)).rejects.toThrow();
    const { result, row } = await ingest(list);
    expect(result.ok).toBe(false);
    expect(row.status).toBe('rejected');
  });

  it('still takes a real MP4 (probe, decode, thumbnail)', async () => {
    const clip = await makeTestVideo(join(fixtures, 'real.mp4'), { seconds: 2 });
    const facts = await probeVideo(clip);
    expect(facts).toMatchObject({ formatName: 'mov,mp4,m4a,3gp,3g2,mj2', codec: 'h264', width: 360, height: 640 });
    const { result, row } = await ingest(clip);
    expect(result.ok).toBe(true);
    expect(row.status).not.toBe('rejected');
  });
});
