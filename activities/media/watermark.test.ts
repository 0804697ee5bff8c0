/**
 * Watermarks burned into platform variants by prepareMedia, against the real test PostgreSQL and real ffmpeg:
 * the variant's decoded frame differs from the clip where the logo sits and equals it elsewhere, the original is
 * never written, the variant cache keys on the watermark, and ffmpeg failing is a typed, retryable error that
 * carries the tail of its stderr.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { and, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppConfig } from '../../config.js';
import { capabilitiesFor } from '../../core/platforms.js';
import { defaultDistributionRules, type WatermarkSettings } from '../../core/types.js';
import { logoWidth, watermarkMargin, type FrameSize } from '../../core/watermark.js';
import { openDatabase, type DbHandle } from '../../db/client.js';
import { findContent } from '../../db/contents.js';
import { contents, models, platformAccounts, platforms, publications, systemEvents } from '../../db/schema.js';
import { makeTestVideo, mediaTestDirs } from '../../test/helpers/media.js';
import type { ActivityDeps } from '../deps.js';
import { createMediaActivities } from './index.js';
import { renderVariant } from './variants.js';

const execFileAsync = promisify(execFile);
const run = randomBytes(4).toString('hex');

let handle: DbHandle;
let dataDir: string;
let config: AppConfig;
let fixtures: string;
/** 6 s, 9:16: a 3 s portrait clip goes as it is (no variant) unless she has a watermark; a 16:9 one is fitted. */
let platformId: string;
const clip: Record<string, string> = {};
/** A solid red 100×100 PNG. */
let redLogo: string;

const media = () => createMediaActivities({ db: handle.db, config, log: pino({ level: 'silent' }), browser: undefined as never } satisfies ActivityDeps);
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function seedPublication(source: string, watermark: WatermarkSettings | null) {
  const [model] = await handle.db.insert(models).values({ name: `Marca ${randomBytes(4).toString('hex')}`, distribution: defaultDistributionRules, watermark }).returning();
  const [account] = await handle.db.insert(platformAccounts).values({ modelId: model!.id, platformId, username: `u_${randomBytes(5).toString('hex')}` }).returning();
  const upload = join(dataDir, 'incoming', `${randomBytes(6).toString('hex')}.mp4`);
  copyFileSync(source, upload);
  const [content] = await handle.db.insert(contents).values({ modelId: model!.id, filePath: upload, sentBy: 'test' }).returning();
  expect(await media().ingestContent(content!.id)).toEqual({ ok: true });
  const publicationId = await addPublication(content!.id, account!.id);
  return { modelId: model!.id, contentId: content!.id, publicationId };
}

async function addPublication(contentId: string, accountId: string) {
  const [row] = await handle.db.insert(publications).values({ contentId, accountId, idempotencyMarker: `m-${randomBytes(8).toString('hex')}` }).returning();
  return row!.id;
}

/** One publication per content and account: each further one goes to another account of hers on the platform. */
async function publicationOnNewAccount(modelId: string, contentId: string) {
  const [account] = await handle.db.insert(platformAccounts).values({ modelId, platformId, username: `u_${randomBytes(5).toString('hex')}` }).returning();
  return addPublication(contentId, account!.id);
}

/** One decoded frame (the 26th: mid-GOP, not the key frame) as raw RGB. */
async function frameRgb(path: string, size: FrameSize): Promise<Buffer> {
  const { stdout } = await execFileAsync(
    'ffmpeg', ['-v', 'error', '-i', path, '-vf', 'select=eq(n\\,25)', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  expect(stdout.length).toBe(size.width * size.height * 3);
  return stdout;
}

interface Box { x: number; y: number; w: number; h: number }

/**
 * Per-pixel difference (largest of R, G, B) between two frames, summed inside `box` and outside it; pixels within
 * `band` of the box are left out of "outside" (chroma subsampling and the encoder's 16-px blocks smear an edge).
 */
function compare(a: Buffer, b: Buffer, size: FrameSize, box: Box, band = 16) {
  let inSum = 0, inN = 0, outSum = 0, outN = 0, outBig = 0;
  for (let y = 0; y < size.height; y++) {
    for (let x = 0; x < size.width; x++) {
      const i = (y * size.width + x) * 3;
      const d = Math.max(Math.abs(a[i]! - b[i]!), Math.abs(a[i + 1]! - b[i + 1]!), Math.abs(a[i + 2]! - b[i + 2]!));
      const inside = x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h;
      const near = x >= box.x - band && x < box.x + box.w + band && y >= box.y - band && y < box.y + box.h + band;
      if (inside) {
        inSum += d;
        inN++;
      } else if (!near) {
        outSum += d;
        outN++;
        if (d > 48) outBig++;
      }
    }
  }
  return { inside: inSum / inN, outside: outSum / outN, outsideBigShare: outBig / outN };
}

const pixel = (frame: Buffer, size: FrameSize, x: number, y: number) => {
  const i = (y * size.width + x) * 3;
  return [frame[i]!, frame[i + 1]!, frame[i + 2]!];
};

/** Where a square logo sits at the bottom right of `frame`. */
function bottomRightBox(frame: FrameSize, size: number): Box {
  const side = logoWidth(frame, size);
  const margin = watermarkMargin(frame);
  return { x: frame.width - side - margin, y: frame.height - side - margin, w: side, h: side };
}

beforeAll(async () => {
  ({ dataDir, fixtures, config } = mediaTestDirs('trafico-watermark-'));
  handle = await openDatabase({ databaseUrl: inject('databaseUrl') });
  const [platform] = await handle.db.insert(platforms).values({
    name: `Marca Shorts ${run}`, capabilities: capabilitiesFor('demo', { maxDurationSeconds: 6, aspect: '9:16' }),
    technicalConfig: { driver: 'demo', baseUrl: 'http://demo.invalid' },
  }).returning();
  platformId = platform!.id;
  clip.portrait = await makeTestVideo(join(fixtures, 'portrait.mp4'), { seconds: 3 });
  clip.wide = await makeTestVideo(join(fixtures, 'wide.mp4'), { seconds: 2, width: 640, height: 360 });
  redLogo = join(fixtures, 'red.png');
  await execFileAsync('ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=100x100', '-frames:v', '1', redLogo]);
});

afterAll(async () => {
  await handle?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const logoSettings = (over: Partial<WatermarkSettings> = {}): WatermarkSettings => ({
  kind: 'logo', logoPath: redLogo, logoSha256: sha256(redLogo), position: 'bottom-right', size: 0.2, opacity: 1, ...over,
});

describe('prepareMedia with a watermark', () => {
  it('burns the logo where it sits and leaves the rest of the frame as a plain render does, never touching the original', async () => {
    const { contentId, publicationId } = await seedPublication(clip.portrait!, logoSettings());
    const original = (await findContent(handle.db, contentId))!.filePath;
    const originalSha = sha256(original);
    const originalMtime = statSync(original).mtimeMs;

    // The platform would take this clip as it is; the watermark still makes a variant.
    const { mediaPath } = await media().prepareMedia(publicationId);
    expect(mediaPath).not.toBe(original);
    expect(mediaPath).toMatch(new RegExp(`/${contentId}/variant-marca-shorts-${run}-wm-[0-9a-f]{12}\\.mp4$`));
    expect(sha256(original)).toBe(originalSha);
    expect(statSync(original).mtimeMs).toBe(originalMtime);
    const [event] = await handle.db.select().from(systemEvents).where(and(eq(systemEvents.publicationId, publicationId), eq(systemEvents.type, 'media_variant_created')));
    expect(event!.data).toMatchObject({ watermark: expect.stringMatching(/^[0-9a-f]{12}$/) as string, reused: false });
    expect(event!.description).toContain('with the watermark');

    // "Equal elsewhere", honestly: the same clip through the same code path without a watermark is the
    // reference, and how far it is from the decoded original is the encoder's own noise.
    const plain = join(fixtures, `plain-${run}.mp4`);
    await renderVariant(original, plain, {});
    const frame = { width: 360, height: 640 };
    const [source, reference, branded] = await Promise.all([frameRgb(original, frame), frameRgb(plain, frame), frameRgb(mediaPath, frame)]);
    const box = bottomRightBox(frame, 0.2);
    const withLogo = compare(reference, branded, frame, box);
    const noise = compare(source, reference, frame, box);
    expect(withLogo.inside).toBeGreaterThan(100);
    expect(noise.inside).toBeLessThan(10);
    expect(withLogo.outside).toBeLessThanOrEqual(noise.outside * 2 + 1);
    expect(withLogo.outsideBigShare).toBeLessThan(0.01);
    // Against the original too: different inside the box, the same picture outside.
    const againstOriginal = compare(source, branded, frame, box);
    expect(againstOriginal.inside).toBeGreaterThan(100);
    expect(againstOriginal.outside).toBeLessThan(4);
    const [r, g, b] = pixel(branded, frame, box.x + box.w / 2, box.y + box.h / 2);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(60);
    expect(b).toBeLessThan(60);
  });

  it('keys the variant cache on the watermark: reused while it stays, made again when it changes', async () => {
    const { modelId, contentId, publicationId } = await seedPublication(clip.portrait!, logoSettings({ opacity: 0.5 }));
    const first = (await media().prepareMedia(publicationId)).mediaPath;
    const made = statSync(first).mtimeMs;
    const again = await publicationOnNewAccount(modelId, contentId);
    expect((await media().prepareMedia(again)).mediaPath).toBe(first);
    expect(statSync(first).mtimeMs).toBe(made);

    // Half opacity: red blended over the picture, not solid red.
    const frame = { width: 360, height: 640 };
    const box = bottomRightBox(frame, 0.2);
    const half = pixel(await frameRgb(first, frame), frame, box.x + box.w / 2, box.y + box.h / 2);
    expect(half[0]).toBeGreaterThan(120);
    expect(Math.max(half[1]!, half[2]!)).toBeGreaterThan(40);

    for (const settings of [logoSettings({ opacity: 0.9 }), logoSettings({ position: 'top-left', opacity: 0.5 }), { kind: 'text', text: "@marca: it's [100%]", position: 'center', size: 0.08, opacity: 0.9 } satisfies WatermarkSettings]) {
      await handle.db.update(models).set({ watermark: settings }).where(eq(models.id, modelId));
      const next = await publicationOnNewAccount(modelId, contentId);
      const { mediaPath } = await media().prepareMedia(next);
      expect(mediaPath).not.toBe(first);
      expect(existsSync(mediaPath)).toBe(true);
      expect(existsSync(first)).toBe(true);
    }

    // The text is drawn in the middle of the frame and nowhere near the corners.
    const textVariant = (await media().prepareMedia(await publicationOnNewAccount(modelId, contentId))).mediaPath;
    const plain = join(fixtures, `plain-text-${run}.mp4`);
    await renderVariant((await findContent(handle.db, contentId))!.filePath, plain, {});
    const diff = compare(await frameRgb(plain, frame), await frameRgb(textVariant, frame), frame, { x: 20, y: 280, w: 320, h: 80 });
    expect(diff.inside).toBeGreaterThan(20);
    expect(diff.outside).toBeLessThan(4);

    // No watermark any more: the platform takes the original again.
    await handle.db.update(models).set({ watermark: null }).where(eq(models.id, modelId));
    const none = await publicationOnNewAccount(modelId, contentId);
    expect((await media().prepareMedia(none)).mediaPath).toBe((await findContent(handle.db, contentId))!.filePath);
  });

  it('sizes the logo against the fitted frame of the platform', async () => {
    const { publicationId } = await seedPublication(clip.wide!, logoSettings({ size: 0.1 }));
    const { mediaPath } = await media().prepareMedia(publicationId);
    const frame = { width: 720, height: 1280 };
    const branded = await frameRgb(mediaPath, frame);
    const box = bottomRightBox(frame, 0.1);
    expect(box).toMatchObject({ w: 72, x: 720 - 72 - 22 });
    const [r, g, b] = pixel(branded, frame, box.x + box.w / 2, box.y + box.h / 2);
    expect([r! > 200, g! < 60, b! < 60]).toEqual([true, true, true]);
    // Just outside the logo: the black bar the fit put there.
    expect(pixel(branded, frame, box.x - 8, box.y + box.h / 2).every((v) => v < 40)).toBe(true);
  });
});

describe('ffmpeg failing', () => {
  it('is a retryable MediaRenderFailed carrying the tail of its stderr (a corrupt logo)', async () => {
    const corrupt = join(fixtures, 'corrupt.png');
    writeFileSync(corrupt, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(300)]));
    const { publicationId, contentId } = await seedPublication(clip.portrait!, logoSettings({ logoPath: corrupt, logoSha256: sha256(corrupt) }));
    const failure = await media().prepareMedia(publicationId).then(() => undefined, (error: unknown) => error as { type: string; nonRetryable: boolean; message: string; details: { stderrTail: string; exitCode: number }[] });
    expect(failure).toMatchObject({ type: 'MediaRenderFailed', nonRetryable: false });
    expect(failure!.message).toMatch(/^ffmpeg exited with code \d+ while rendering .+:\n/);
    const tail = failure!.details[0]!.stderrTail;
    expect(tail.length).toBeGreaterThan(0);
    expect(tail.length).toBeLessThanOrEqual(2048);
    expect(failure!.message.endsWith(tail)).toBe(true);
    expect(tail).toContain('Invalid data found when processing input');
    // Nothing half-made is left where a retry would take it for a finished variant.
    const leftovers = readdirSync(join(config.mediaDir, contentId)).filter((name) => name.startsWith('variant-'));
    expect(leftovers).toEqual([]);
  });

  it('says so when an input cannot be read, and when the logo is gone (retryable: the retry reads her settings again)', async () => {
    const out = join(fixtures, `never-${run}.mp4`);
    await expect(renderVariant(join(fixtures, 'no-such-clip.mp4'), out, {})).rejects.toMatchObject({
      type: 'MediaRenderFailed', nonRetryable: false, message: expect.stringContaining('no-such-clip.mp4: No such file or directory') as string,
    });
    await expect(renderVariant(clip.portrait!, out, {}, { settings: logoSettings({ logoPath: join(fixtures, 'gone.png') }), frame: { width: 360, height: 640 } })).rejects.toMatchObject({
      type: 'WatermarkLogoMissing', nonRetryable: false,
    });
    expect(existsSync(out)).toBe(false);
  });
});
