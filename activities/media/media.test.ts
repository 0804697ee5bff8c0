/**
 * ingestContent and prepareMedia against the real test PostgreSQL (globalSetup's `databaseUrl`)
 * and real ffmpeg/ffprobe. The factory is called directly with its deps: no Temporal needed.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { and, eq, sql } from 'drizzle-orm';
import { pino } from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { AppConfig } from '../../config.js';
import { capabilitiesFor } from '../../core/platforms.js';
import { defaultDistributionRules, type DistributionRules, type PlatformCapabilities } from '../../core/types.js';
import { openDatabase, type DbHandle } from '../../db/client.js';
import { findContent } from '../../db/contents.js';
import { findPublication } from '../../db/publications.js';
import { contents, models, platformAccounts, platforms, publications, systemEvents, type SystemEventType } from '../../db/schema.js';
import { makeTestVideo, mediaTestDirs } from '../../test/helpers/media.js';
import { waitFor } from '../../test/helpers/wait.js';
import type { ActivityDeps } from '../deps.js';
import { createMediaActivities } from './index.js';
import { platformSlug } from './variants.js';

const execFileAsync = promisify(execFile);
const run = randomBytes(4).toString('hex');

/** Platform names are unique in the shared test database: each run gets its own. Small limits keep the clips short. */
const specs = {
  short: { name: `Shorts ${run}`, caps: { maxDurationSeconds: 2, aspect: '9:16' } },
  medium: { name: `Reels ${run}`, caps: { maxDurationSeconds: 4, aspect: '9:16' } },
  long: { name: `Long ${run}`, caps: { maxDurationSeconds: 6, aspect: '9:16' } },
} satisfies Record<string, { name: string; caps: Partial<PlatformCapabilities> }>;
type PlatformKey = keyof typeof specs;
const platformIds = {} as Record<PlatformKey, string>;

let handle: DbHandle;
let dataDir: string;
let config: AppConfig;
let fixtures: string;
/** Clips made once: [name] → path. */
const clip: Record<string, string> = {};

function deps(): ActivityDeps {
  return { db: handle.db, config, log: pino({ level: 'silent' }), browser: undefined as never };
}
const media = () => createMediaActivities(deps());

async function seedModel(opts: { rules?: Partial<DistributionRules>; on?: PlatformKey[] } = {}) {
  const [model] = await handle.db.insert(models).values({
    name: `Valentina ${randomBytes(4).toString('hex')}`,
    distribution: { ...defaultDistributionRules, ...opts.rules },
  }).returning();
  const accounts: Partial<Record<PlatformKey, string>> = {};
  for (const key of opts.on ?? []) {
    const [account] = await handle.db.insert(platformAccounts).values({
      modelId: model!.id, platformId: platformIds[key], username: `u_${randomBytes(5).toString('hex')}`,
    }).returning();
    accounts[key] = account!.id;
  }
  return { model: model!, accounts };
}

/** A content whose upload is a fresh copy of `source` in the incoming folder (ingest moves it). */
async function seedContent(modelId: string, source: string) {
  const upload = join(dataDir, 'incoming', `${randomBytes(6).toString('hex')}-${source.split('/').pop()}`);
  copyFileSync(source, upload);
  const [content] = await handle.db.insert(contents).values({ modelId, filePath: upload, sentBy: 'test' }).returning();
  return content!.id;
}

async function seedPublication(contentId: string, accountId: string) {
  const marker = `m-${randomBytes(8).toString('hex')}`;
  const [row] = await handle.db.insert(publications).values({ contentId, accountId, idempotencyMarker: marker }).returning();
  return row!.id;
}

const eventsOf = (where: { contentId?: string; publicationId?: string }, type: SystemEventType) =>
  handle.db
    .select()
    .from(systemEvents)
    .where(
      and(
        eq(systemEvents.type, type),
        where.contentId ? eq(systemEvents.contentId, where.contentId) : eq(systemEvents.publicationId, where.publicationId!),
      ),
    );

async function ffprobe(path: string) {
  const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path]);
  const out = JSON.parse(stdout) as {
    streams: { codec_type: string; codec_name: string; width?: number; height?: number; pix_fmt?: string }[];
    format: { duration: string };
  };
  const video = out.streams.find((s) => s.codec_type === 'video')!;
  const audio = out.streams.find((s) => s.codec_type === 'audio');
  return { width: video.width, height: video.height, codec: video.codec_name, pixFmt: video.pix_fmt, audio: audio?.codec_name, duration: Number(out.format.duration) };
}

beforeAll(async () => {
  ({ dataDir, fixtures, config } = mediaTestDirs('trafico-media-'));
  handle = await openDatabase({ databaseUrl: inject('databaseUrl') });
  const rows = await handle.db.insert(platforms).values(
    Object.values(specs).map((s) => ({
      name: s.name, capabilities: capabilitiesFor('demo', s.caps), technicalConfig: { driver: 'demo', baseUrl: 'http://demo.invalid' },
    })),
  ).returning();
  for (const [key, s] of Object.entries(specs) as [PlatformKey, (typeof specs)[PlatformKey]][]) platformIds[key] = rows.find((r) => r.name === s.name)!.id;

  clip.portrait3 = await makeTestVideo(join(fixtures, 'portrait3.mp4'), { seconds: 3 });
  clip.portrait5 = await makeTestVideo(join(fixtures, 'portrait5.mp4'), { seconds: 5 });
  clip.portrait10 = await makeTestVideo(join(fixtures, 'portrait10.mp4'), { seconds: 10 });
  clip.wide3 = await makeTestVideo(join(fixtures, 'wide3.mp4'), { seconds: 3, width: 640, height: 360 });
  // A landscape-coded phone clip shown upright (display matrix rotate 90): a 9:16 video.
  clip.rotated = join(fixtures, 'rotated.mp4');
  await execFileAsync('ffmpeg', ['-y', '-v', 'error', '-i', clip.wide3, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', clip.rotated]);
  clip.text = join(fixtures, 'notes.mp4');
  writeFileSync(clip.text, 'hola, esto no es un video\n'.repeat(50));
  // moov atom at the end and the file cut in half: ffprobe cannot open it.
  clip.truncated = join(fixtures, 'truncated.mp4');
  const whole = readFileSync(clip.portrait3);
  writeFileSync(clip.truncated, whole.subarray(0, Math.floor(whole.length / 2)));
  // moov first (faststart), media data cut: ffprobe believes the header, the frames are gone.
  const faststart = join(fixtures, 'faststart.mp4');
  await execFileAsync('ffmpeg', ['-y', '-v', 'error', '-i', clip.portrait3, '-c', 'copy', '-movflags', '+faststart', faststart]);
  clip.cutData = join(fixtures, 'cut-data.mp4');
  const fs = readFileSync(faststart);
  writeFileSync(clip.cutData, fs.subarray(0, Math.floor(fs.length * 0.4)));
  clip.audio = join(fixtures, 'voice.m4a');
  await execFileAsync('ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '2', '-c:a', 'aac', clip.audio]);
  clip.image = join(fixtures, 'photo.png');
  await execFileAsync('ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=360x640', '-frames:v', '1', clip.image]);
});

afterAll(async () => {
  await handle?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('ingestContent: unusable media', () => {
  it.each([
    ['text', 'es', /^El archivo que enviaste no es un video\./],
    ['text', 'en', /^The file you sent is not a video\./],
    ['truncated', 'es', /^El video está dañado o incompleto/],
    ['truncated', 'en', /^The video is damaged or incomplete/],
    ['cutData', 'es', /^El video está dañado o incompleto/],
    ['audio', 'es', /^El archivo no tiene imagen de video/],
    ['image', 'en', /^The file has no video picture/],
  ] as const)('rejects %s in %s with a reason the model reads', async (kind, language, reason) => {
    const { model } = await seedModel({ rules: { language }, on: ['long'] });
    const contentId = await seedContent(model.id, clip[kind]!);
    const result = await media().ingestContent(contentId);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(reason) as string });

    const stored = await findContent(handle.db, contentId);
    expect(stored).toMatchObject({ status: 'rejected', rejectionReason: (result as { reason: string }).reason, rejectedBy: 'system:ingest' });
    expect(stored!.filePath).toBe(join(config.mediaDir, contentId, `original${kind === 'audio' ? '.m4a' : kind === 'image' ? '.png' : '.mp4'}`));
    expect(existsSync(stored!.filePath)).toBe(true);
    const events = await eventsOf({ contentId }, 'content_rejected');
    expect(events).toHaveLength(1);
    expect(events[0]!.description).toBe((result as { reason: string }).reason);

    // A retry of the activity answers the same and writes nothing more.
    expect(await media().ingestContent(contentId)).toEqual(result);
    expect(await eventsOf({ contentId }, 'content_rejected')).toHaveLength(1);
  });

  it('rejects a clip too long for every platform the model may publish to', async () => {
    // 10 s: over 1.5 × 2 s and 1.5 × 4 s.
    const { model } = await seedModel({ rules: { language: 'es' }, on: ['short', 'medium'] });
    const contentId = await seedContent(model.id, clip.portrait10!);
    const result = await media().ingestContent(contentId);
    expect(result).toEqual({
      ok: false,
      reason: 'El video dura 10 s y es demasiado largo para tus plataformas: aceptan hasta 4 s (recortamos el final de los videos de hasta 6 s). Envía una versión más corta.',
    });
    const stored = await findContent(handle.db, contentId);
    expect(stored).toMatchObject({ status: 'rejected', durationSeconds: expect.closeTo(10, 1) as number, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as string });
    expect(await eventsOf({ contentId }, 'content_rejected')).toHaveLength(1);

    const en = await seedModel({ rules: { language: 'en' }, on: ['medium'] });
    const enResult = await media().ingestContent(await seedContent(en.model.id, clip.portrait10!));
    expect(enResult).toMatchObject({ ok: false, reason: expect.stringMatching(/^The video is 10 s long, too long for your platforms: they take up to 4 s/) as string });
  });

  it('judges length only against the allowed platforms, and not at all without accounts', async () => {
    // An account on `long` (6 s → trims up to 9 s) would take 5 s, but the rules only allow `short`.
    const restricted = await seedModel({ rules: { allowedPlatforms: [specs.short.name] }, on: ['short', 'long'] });
    expect(await media().ingestContent(await seedContent(restricted.model.id, clip.portrait5!))).toMatchObject({ ok: false });

    const open = await seedModel({ on: ['short', 'long'] });
    expect(await media().ingestContent(await seedContent(open.model.id, clip.portrait5!))).toEqual({ ok: true });

    const none = await seedModel();
    const contentId = await seedContent(none.model.id, clip.portrait10!);
    expect(await media().ingestContent(contentId)).toEqual({ ok: true });
    expect(await findContent(handle.db, contentId)).toMatchObject({ status: 'new', durationSeconds: expect.closeTo(10, 1) as number });
  });
});

describe('ingestContent: accepted media', () => {
  it('stores, probes and thumbnails a usable clip, reading rotation as phones mean it', async () => {
    const { model } = await seedModel({ on: ['long'] });
    const contentId = await seedContent(model.id, clip.rotated!);
    expect(await media().ingestContent(contentId)).toEqual({ ok: true });
    const stored = await findContent(handle.db, contentId);
    expect(stored).toMatchObject({ status: 'new', width: 360, height: 640, codec: 'h264', duplicateOfId: null });
    expect(existsSync(stored!.thumbnailPath!)).toBe(true);
    const [ingested] = await eventsOf({ contentId }, 'content_ingested');
    expect(ingested!.data).toMatchObject({ platforms: { [specs.long.name]: 'ok' } });
  });
});

describe('ingestContent: duplicates', () => {
  it('marks a repeat of the same model as a duplicate of the earliest original, idempotently', async () => {
    const { model } = await seedModel({ rules: { language: 'es', timezone: 'America/Bogota' }, on: ['long'] });
    const first = await seedContent(model.id, clip.portrait3!);
    expect(await media().ingestContent(first)).toEqual({ ok: true });

    const second = await seedContent(model.id, clip.portrait3!);
    const result = await media().ingestContent(second);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/^Ya enviaste este mismo video el .+; no se publica dos veces\.$/) as string, duplicateOfId: first });
    expect(await findContent(handle.db, second)).toMatchObject({
      status: 'duplicate', duplicateOfId: first, rejectionReason: (result as { reason: string }).reason, sha256: (await findContent(handle.db, first))!.sha256,
    });
    const events = await eventsOf({ contentId: second }, 'content_duplicate');
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ duplicateOfId: first });
    expect(await eventsOf({ contentId: second }, 'content_ingested')).toHaveLength(0);

    // Retry: same answer, nothing new written.
    expect(await media().ingestContent(second)).toEqual(result);
    expect(await eventsOf({ contentId: second }, 'content_duplicate')).toHaveLength(1);

    // A third copy points at the original, never at a duplicate.
    const third = await seedContent(model.id, clip.portrait3!);
    expect(await media().ingestContent(third)).toMatchObject({ ok: false, duplicateOfId: first });

    // The original's own retry stays an original and records nothing twice.
    expect(await media().ingestContent(first)).toEqual({ ok: true });
    expect((await findContent(handle.db, first))!.status).toBe('new');
    expect(await eventsOf({ contentId: first }, 'content_ingested')).toHaveLength(1);
  });

  it('tells English models in English, and only compares within one model', async () => {
    const en = await seedModel({ rules: { language: 'en' } });
    const other = await seedModel();
    expect(await media().ingestContent(await seedContent(en.model.id, clip.wide3!))).toEqual({ ok: true });
    expect(await media().ingestContent(await seedContent(other.model.id, clip.wide3!))).toEqual({ ok: true });
    expect(await media().ingestContent(await seedContent(en.model.id, clip.wide3!))).toMatchObject({
      ok: false, reason: expect.stringMatching(/^You already sent this same video on .+; it is not published twice\.$/) as string,
    });
  });

  it('does not count a clip that ingest refused as an original', async () => {
    const { model } = await seedModel({ on: ['short'] });
    const refused = await seedContent(model.id, clip.portrait5!);
    expect(await media().ingestContent(refused)).toMatchObject({ ok: false, reason: expect.stringContaining('demasiado largo') as string });
    // The model gets a platform that takes it and sends the same file again: not a "duplicate" of the refused one.
    await handle.db.insert(platformAccounts).values({ modelId: model.id, platformId: platformIds.long, username: `u_${randomBytes(5).toString('hex')}` });
    const again = await seedContent(model.id, clip.portrait5!);
    expect(await media().ingestContent(again)).toEqual({ ok: true });
    expect(await findContent(handle.db, again)).toMatchObject({ status: 'new', duplicateOfId: null });
  });

  it('lets exactly one of two identical uploads ingested at the same moment be the original', async () => {
    // Forces the worst interleaving: the test holds a SHARE lock on `contents` once both uploads
    // are stored, so each ingest blocks on its first write inside the dedupe transaction — after
    // its duplicate check, were that check not serialized per model. Both wait, then go together.
    const locker = postgres(inject('databaseUrl'), { max: 1, onnotice: () => undefined });
    try {
      for (let round = 0; round < 2; round++) {
        const { model } = await seedModel({ on: ['long'] });
        const a = await seedContent(model.id, clip.portrait3!);
        const b = await seedContent(model.id, clip.portrait3!);
        const ingests = Promise.all([media().ingestContent(a), media().ingestContent(b)]);
        await waitFor(
          async () => (await Promise.all([a, b].map((id) => findContent(handle.db, id)))).every((c) => c!.filePath.startsWith(config.mediaDir)),
          { what: 'both uploads stored', intervalMs: 5, timeoutMs: 30_000 },
        );
        await locker.begin(async (tx) => {
          await tx`lock table contents in share mode`;
          await waitFor(
            async () => {
              const [row] = await handle.db.execute<{ waiting: number }>(
                sql`select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
              ) as unknown as { waiting: number }[];
              return row!.waiting >= 2;
            },
            { what: 'both ingests waiting on a lock', intervalMs: 20, timeoutMs: 30_000 },
          );
        });
        const results = await ingests;
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        const originalId = results[0]!.ok ? a : b;
        const duplicateId = originalId === a ? b : a;
        expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, duplicateOfId: originalId });
        expect(await findContent(handle.db, duplicateId)).toMatchObject({ status: 'duplicate', duplicateOfId: originalId });
        expect(await findContent(handle.db, originalId)).toMatchObject({ status: 'new', duplicateOfId: null });
      }
    } finally {
      await locker.end();
    }
  });
});

describe('prepareMedia', () => {
  async function ingested(source: string, on: PlatformKey) {
    const { model, accounts } = await seedModel({ on: [on] });
    const contentId = await seedContent(model.id, source);
    expect(await media().ingestContent(contentId)).toEqual({ ok: true });
    const publicationId = await seedPublication(contentId, accounts[on]!);
    return { model, contentId, publicationId, accountId: accounts[on]! };
  }

  it('uses the original when the platform takes it as is', async () => {
    const { contentId, publicationId } = await ingested(clip.portrait3!, 'long');
    const { mediaPath } = await media().prepareMedia(publicationId);
    expect(mediaPath).toBe((await findContent(handle.db, contentId))!.filePath);
    expect((await findPublication(handle.db, publicationId))!.mediaPath).toBeNull();
    expect(await eventsOf({ publicationId }, 'media_variant_created')).toHaveLength(0);
    expect(existsSync(join(config.mediaDir, contentId, `variant-${platformSlug(specs.long.name)}.mp4`))).toBe(false);
  });

  it('fits a 16:9 clip to 9:16, and reuses the file on a second call', async () => {
    const { contentId, publicationId, model } = await ingested(clip.wide3!, 'long');
    const { mediaPath } = await media().prepareMedia(publicationId);
    expect(mediaPath).toBe(join(config.mediaDir, contentId, `variant-${platformSlug(specs.long.name)}.mp4`));
    expect(await ffprobe(mediaPath)).toMatchObject({ width: 720, height: 1280, codec: 'h264', pixFmt: 'yuv420p', audio: 'aac', duration: expect.closeTo(3, 1) as number });
    expect((await findPublication(handle.db, publicationId))!.mediaPath).toBe(mediaPath);
    const events = await eventsOf({ publicationId }, 'media_variant_created');
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ fitAspect: '9:16', width: 720, height: 1280, reused: false });

    const before = statSync(mediaPath).mtimeMs;
    expect(await media().prepareMedia(publicationId)).toEqual({ mediaPath });
    expect(statSync(mediaPath).mtimeMs).toBe(before);
    expect(await eventsOf({ publicationId }, 'media_variant_created')).toHaveLength(1);

    // Another account of the model on the same platform shares the rendered file.
    const [account] = await handle.db.insert(platformAccounts).values({ modelId: model.id, platformId: platformIds.long, username: `u_${randomBytes(5).toString('hex')}` }).returning();
    const second = await seedPublication(contentId, account!.id);
    expect(await media().prepareMedia(second)).toEqual({ mediaPath });
    expect(statSync(mediaPath).mtimeMs).toBe(before);
    const [reuse] = await eventsOf({ publicationId: second }, 'media_variant_created');
    expect(reuse!.data).toMatchObject({ reused: true });
  });

  it('trims the tail of a clip at most 1.5 × the platform maximum', async () => {
    // 5 s on a 4 s platform (≤ 6 s): the first 4 s, same 9:16 frame.
    const { contentId, publicationId } = await ingested(clip.portrait5!, 'medium');
    const { mediaPath } = await media().prepareMedia(publicationId);
    expect(mediaPath).toBe(join(config.mediaDir, contentId, `variant-${platformSlug(specs.medium.name)}.mp4`));
    const probed = await ffprobe(mediaPath);
    expect(probed).toMatchObject({ width: 360, height: 640, codec: 'h264' });
    expect(probed.duration).toBeGreaterThan(3.9);
    expect(probed.duration).toBeLessThanOrEqual(4.05);
    const [event] = await eventsOf({ publicationId }, 'media_variant_created');
    expect(event!.data).toMatchObject({ trimToSeconds: 4, reused: false });
  });

  it('renders again when the file on disk does not match the plan', async () => {
    const { contentId, publicationId } = await ingested(clip.wide3!, 'long');
    const path = join(config.mediaDir, contentId, `variant-${platformSlug(specs.long.name)}.mp4`);
    copyFileSync(clip.wide3!, path); // a stale file with the wrong frame
    expect(await media().prepareMedia(publicationId)).toEqual({ mediaPath: path });
    expect(await ffprobe(path)).toMatchObject({ width: 720, height: 1280 });
  });

  it('fails without retries for a platform that cannot take the clip', async () => {
    const { model, accounts } = await seedModel({ on: ['short', 'long'] });
    const contentId = await seedContent(model.id, clip.portrait5!);
    expect(await media().ingestContent(contentId)).toEqual({ ok: true });
    const publicationId = await seedPublication(contentId, accounts.short!);
    await expect(media().prepareMedia(publicationId)).rejects.toMatchObject({ type: 'InvalidMedia', nonRetryable: true });
  });
});
