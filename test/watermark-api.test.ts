/**
 * The watermark API on the whole stack: settings validated field by field, the PNG logo upload (only real PNGs),
 * the still preview (a PNG that differs with and without the watermark, fitted per platform), removal, the
 * `model_updated` events, and a content of a watermarked model published with a branded variant.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models, publications, systemEvents } from '../db/schema.js';
import { makeTestVideo } from './helpers/media.js';
import { publicationOf, uploadClip } from './helpers/lifecycle.js';
import { startTestStack, uploadVideo, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const execFileAsync = promisify(execFile);
let stack: TestStack;
const run = randomBytes(3).toString('hex');
let logo: Buffer;

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  const path = join(stack.dataDir, 'logo.png');
  await execFileAsync('ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=120x60', '-frames:v', '1', path]);
  logo = readFileSync(path);
});
afterAll(async () => {
  // The seeded demo model is shared by every file of the run: leave her without a watermark.
  if (stack) await call('DELETE', `/api/models/${stack.seeded.modelId}/watermark`).catch(() => undefined);
  await stack?.close();
});

const db = () => stack.app.db.db;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const json = body !== undefined && !(body instanceof Uint8Array) && !(body instanceof FormData);
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.apiToken}`, ...(json ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : json ? JSON.stringify(body) : (body as Uint8Array | FormData),
  });
  const type = response.headers.get('content-type') ?? '';
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, type, bytes, body: type.includes('json') ? JSON.parse(bytes.toString('utf8')) : undefined };
}

async function newModel() {
  const created = await call('POST', '/api/models', { name: `Marca ${run} ${randomBytes(3).toString('hex')}` });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

const isPng = (bytes: Buffer) => bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
const pngSize = (bytes: Buffer) => ({ width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) });
const watermarkEvents = (modelId: string) =>
  db().select().from(systemEvents).where(and(eq(systemEvents.modelId, modelId), eq(systemEvents.type, 'model_updated')));

describe('watermark settings', () => {
  it('starts with none, refuses wrong fields by name, saves a text one with its event', async () => {
    const id = await newModel();
    expect((await call('GET', `/api/models/${id}/watermark`)).body).toEqual({
      kind: 'none', text: null, position: 'bottom-right', size: 0.15, opacity: 0.8, hasLogo: false, logoSha256: null,
    });
    expect((await call('GET', `/api/models/${crypto.randomUUID()}/watermark`)).status).toBe(404);
    expect((await fetch(`${stack.url}/api/models/${id}/watermark`)).status).toBe(401);

    const good = { kind: 'text', text: '  @marca_demo ', position: 'top-left', size: 0.08, opacity: 0.7 };
    const tooBig = await call('PUT', `/api/models/${id}/watermark`, { ...good, size: 0.8 });
    expect(tooBig.status).toBe(400);
    expect(Object.keys(tooBig.body.fields)).toEqual(['size']);
    const noText = await call('PUT', `/api/models/${id}/watermark`, { ...good, text: '   ' });
    expect(noText).toMatchObject({ status: 400, body: { error: 'invalid_watermark', fields: { text: expect.any(String) } } });
    const noLogo = await call('PUT', `/api/models/${id}/watermark`, { ...good, kind: 'logo' });
    expect(noLogo).toMatchObject({ status: 400, body: { fields: { logo: expect.stringContaining('upload') } } });
    const badPosition = await call('PUT', `/api/models/${id}/watermark`, { ...good, position: 'middle' });
    expect(badPosition).toMatchObject({ status: 400, body: { fields: { position: expect.any(String) } } });
    expect(await watermarkEvents(id)).toHaveLength(0);

    const saved = await call('PUT', `/api/models/${id}/watermark`, good);
    expect(saved).toMatchObject({ status: 200, body: { kind: 'text', text: '@marca_demo', position: 'top-left', size: 0.08, opacity: 0.7, hasLogo: false } });
    expect((await call('PUT', `/api/models/${id}/watermark`, good)).status).toBe(200);
    const events = await watermarkEvents(id);
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ changed: ['watermark'] });
    expect(events[0]!.actor).toBeTruthy();
  });
});

describe('watermark logo', () => {
  it('stores only real PNGs, under media/branding, never answering the path', async () => {
    const id = await newModel();
    const put = (body: Uint8Array | FormData, type?: string) => call('PUT', `/api/models/${id}/watermark/logo`, body, type ? { 'content-type': type } : {});

    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...randomBytes(200)]);
    expect(await put(jpeg, 'image/png')).toMatchObject({ status: 415, body: { error: 'not_png' } });
    expect(await put(jpeg, 'image/jpeg')).toMatchObject({ status: 415, body: { error: 'not_png' } });
    const fakePng = Buffer.concat([logo.subarray(0, 8), randomBytes(400)]);
    expect(await put(fakePng, 'image/png')).toMatchObject({ status: 415, body: { error: 'not_png' } });
    const textForm = new FormData();
    textForm.set('file', new Blob(['hola, no soy un png']), 'logo.png');
    expect((await put(textForm)).status).toBe(415);
    expect((await put(Buffer.alloc(3 * 1024 * 1024, 1), 'image/png')).status).toBe(413);
    expect((await call('GET', `/api/models/${id}/watermark`)).body.hasLogo).toBe(false);

    const stored = await put(logo, 'image/png');
    expect(stored).toMatchObject({ status: 200, body: { kind: 'logo', hasLogo: true, position: 'bottom-right', logoSha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(JSON.stringify(stored.body)).not.toContain('branding');
    const branding = join(stack.app.config.mediaDir, 'branding');
    const first = readdirSync(branding).filter((name) => name.startsWith(id));
    expect(first).toEqual([`${id}-${(stored.body.logoSha256 as string).slice(0, 16)}.png`]);

    // Another logo by multipart replaces the file.
    const other = join(stack.dataDir, 'logo2.png');
    await execFileAsync('ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', 'color=c=blue:s=64x64', '-frames:v', '1', other]);
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(readFileSync(other))], { type: 'image/png' }), 'logo2.png');
    const replaced = await put(form);
    expect(replaced.status).toBe(200);
    expect(replaced.body.logoSha256).not.toBe(stored.body.logoSha256);
    expect(readdirSync(branding).filter((name) => name.startsWith(id))).toEqual([`${id}-${(replaced.body.logoSha256 as string).slice(0, 16)}.png`]);

    // Switching to text keeps the logo for later; removing the watermark removes it.
    const text = await call('PUT', `/api/models/${id}/watermark`, { kind: 'text', text: '@otra', position: 'center', size: 0.1, opacity: 1 });
    expect(text.body).toMatchObject({ kind: 'text', hasLogo: true });
    expect((await call('PUT', `/api/models/${id}/watermark`, { kind: 'logo', position: 'center', size: 0.1, opacity: 1 })).status).toBe(200);
    const removed = await call('DELETE', `/api/models/${id}/watermark`);
    expect(removed.body).toMatchObject({ kind: 'none', hasLogo: false });
    expect(readdirSync(branding).filter((name) => name.startsWith(id))).toEqual([]);
    expect((await db().select().from(models).where(eq(models.id, id)))[0]!.watermark).toBeNull();
  });
});

describe('watermark preview', () => {
  it('renders a PNG frame that differs with the watermark, from drafts too, fitted per platform', async () => {
    const id = await newModel();
    const preview = (query = '') => call('GET', `/api/models/${id}/watermark/preview${query}`);

    // No video yet: the test pattern, 9:16.
    const plain = await preview();
    expect(plain.status).toBe(200);
    expect(plain.type).toBe('image/png');
    expect(isPng(plain.bytes)).toBe(true);
    expect(pngSize(plain.bytes)).toEqual({ width: 720, height: 1280 });

    expect((await call('PUT', `/api/models/${id}/watermark/logo`, logo, { 'content-type': 'image/png' })).status).toBe(200);
    const branded = await preview();
    expect(isPng(branded.bytes)).toBe(true);
    expect(branded.bytes.equals(plain.bytes)).toBe(false);
    const without = await preview('?kind=none');
    expect(without.bytes.equals(plain.bytes)).toBe(true);
    const draft = await preview(`?kind=text&text=${encodeURIComponent('@borrador: 100%')}&position=center&size=0.1&opacity=0.9`);
    expect(isPng(draft.bytes)).toBe(true);
    expect(draft.bytes.equals(branded.bytes) || draft.bytes.equals(plain.bytes)).toBe(false);

    expect(await preview('?kind=text&size=0.9&text=x')).toMatchObject({ status: 400, body: { fields: { size: expect.any(String) } } });
    expect(await preview('?platform=nowhere')).toMatchObject({ status: 400, body: { fields: { platform: expect.any(String) } } });

    // Her latest video, landscape: as is, and fitted to the demo platform's 9:16.
    const wide = readFileSync(await makeTestVideo(join(stack.dataDir, 'wide.mp4'), { seconds: 2, width: 640, height: 360 }));
    const sent = await uploadVideo(stack, { modelId: id, file: { data: wide, name: 'wide.mp4' } });
    expect(sent.status).toBe(202);
    await waitFor(async () => (await call('GET', `/api/contents/${sent.body.id as string}`)).body?.media?.width === 640, { what: 'the video ingested', timeoutMs: 60_000 });
    const own = await preview();
    expect(pngSize(own.bytes)).toEqual({ width: 640, height: 360 });
    const fitted = await preview('?platform=demo');
    expect(pngSize(fitted.bytes)).toEqual({ width: 720, height: 1280 });
  });
});

describe('a watermarked model publishing', () => {
  it('posts a branded variant, never the original', async () => {
    const modelId = stack.seeded.modelId;
    const set = await call('PUT', `/api/models/${modelId}/watermark`, { kind: 'text', text: '@modelo_demo', position: 'bottom-left', size: 0.06, opacity: 0.8 });
    expect(set.status).toBe(200);
    const sent = await uploadClip(stack, `marca ${run}`);
    expect(sent.status).toBe(202);
    const publication = await publicationOf(stack, sent.body.id as string, ['published']);
    const [row] = await db().select().from(publications).where(eq(publications.id, publication.id));
    expect(row!.mediaPath).toMatch(/variant-demo-wm-[0-9a-f]{12}\.mp4$/);
    expect(existsSync(row!.mediaPath!)).toBe(true);
    expect((await call('DELETE', `/api/models/${modelId}/watermark`)).status).toBe(200);
  });
});
