/**
 * The signed Instagram video route through the real API (buildApi: production's plugins, hooks and headers, listening
 * on loopback) against the run's PostgreSQL, with URLs made by the Instagram driver itself (`signedInstagramVideoUrl`)
 * under the key the worker derives (crypto/media-url.ts `mediaUrlKeyFrom`). It proves: a valid URL gives the exact
 * bytes (whole, a range, HEAD) to a client with no session or token and sets no cookie; every wrong URL — expired,
 * tampered, another publication's, signed with another deployment's key, a publication not on Instagram, an unknown
 * publication, a file missing or outside MEDIA_DIR — is the same bare 404; a bad signature never reaches the
 * database; and the signature never reaches the logs.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signedInstagramVideoUrl } from '../activities/publishing/drivers/instagram.js';
import type { ApiDeps } from '../api/plugins/deps.js';
import { buildApi } from '../api/server.js';
import { loadConfig, type AppConfig } from '../config.js';
import { capabilitiesFor } from '../core/platforms.js';
import { mediaUrlKeyFrom } from '../crypto/media-url.js';
import { openDatabase, type Db, type DbHandle } from '../db/client.js';
import { platforms } from '../db/schema.js';
import { instagramVideoFiles } from '../services/instagram-media.js';
import { createAccount, createContent, createModel, createPublication } from './helpers/overview-seed.js';

const run = randomBytes(3).toString('hex');

let handle: DbHandle;
let dataDir: string;
let config: AppConfig;
let app: FastifyInstance;
let base: string;
let key: Buffer;
const logLines: string[] = [];

/** Files of this run under MEDIA_DIR. */
const variant = randomBytes(300 * 1024);
const original = randomBytes(50 * 1024);
let variantPath: string;
let originalPath: string;

/** Publications, by what they prove. */
let igPost: { id: string };
let igOther: { id: string };
let igOriginalOnly: { id: string };
let igMissingFile: { id: string };
let igOutside: { id: string };
let demoPost: { id: string };

const db = (): Db => handle.db;
/** The path (and query) of a URL the driver signs, to request from the listening test app. */
const signedPath = (publicationId: string, now = Date.now(), signingKey = key) =>
  new URL(signedInstagramVideoUrl(config.http.publicUrl, signingKey, publicationId, now)).pathname;

async function get(path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') {
  const response = await fetch(`${base}${path}`, { method, headers, redirect: 'manual' });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

function expectBare404(answer: Awaited<ReturnType<typeof get>>, where: string) {
  expect(answer.status, where).toBe(404);
  expect(answer.body.length, where).toBe(0);
  expect(answer.headers.get('cache-control'), where).toBe('private, no-store');
  expect(answer.headers.get('x-robots-tag'), where).toBe('noindex');
  expect(answer.headers.get('content-type'), where).toBeNull();
  expect(answer.headers.get('set-cookie'), where).toBeNull();
}

beforeAll(async () => {
  handle = await openDatabase({ databaseUrl: inject('databaseUrl') });
  dataDir = mkdtempSync(join(tmpdir(), 'trafico-igmedia-'));
  config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: inject('databaseUrl'),
    API_TOKEN: randomBytes(18).toString('base64url'),
    ADMIN_PASSWORD: 'igmedia-admin-pw',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    PUBLIC_URL: 'https://trafico.example',
  });
  key = mediaUrlKeyFrom(config.keyring.current.key);

  // Info level, collected: the app's request lines must be there for every route but this one.
  const sink = new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } });
  app = await buildApi({ db: db(), temporal: {} as ApiDeps['temporal'], config, log: pino({ level: 'info' }, sink) });
  base = await app.listen({ host: '127.0.0.1', port: 0 });

  const [instagram] = await db().insert(platforms).values({
    name: `instagram-media-${run}`, capabilities: capabilitiesFor('instagram'), technicalConfig: { driver: 'instagram', baseUrl: 'https://graph.instagram.com' },
  }).returning();
  const [demo] = await db().insert(platforms).values({
    name: `demo-media-${run}`, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: 'http://127.0.0.1:9' },
  }).returning();
  const model = await createModel(db(), `igmedia-${run}`);
  const igAccount = await createAccount(db(), { modelId: model.id, platformId: instagram!.id, username: `ig_${run}` });
  const demoAccount = await createAccount(db(), { modelId: model.id, platformId: demo!.id, username: `demo_${run}` });

  const contentDir = join(config.mediaDir, `igmedia-${run}`);
  mkdirSync(contentDir, { recursive: true });
  variantPath = join(contentDir, 'variant-instagram.mp4');
  originalPath = join(contentDir, 'original.mp4');
  writeFileSync(variantPath, variant);
  writeFileSync(originalPath, original);
  const outsidePath = join(dataDir, 'outside-media.mp4');
  writeFileSync(outsidePath, variant);

  igPost = await createPublication(db(), igAccount, { status: 'processing', mediaPath: variantPath });
  igOther = await createPublication(db(), igAccount, { status: 'processing', mediaPath: variantPath });
  // No variant made (the clip fitted, no watermark): the driver publishes the content's original.
  const content = await createContent(db(), model.id, { filePath: originalPath });
  igOriginalOnly = await createPublication(db(), igAccount, { status: 'processing', mediaPath: null, contentId: content.id });
  igMissingFile = await createPublication(db(), igAccount, { status: 'processing', mediaPath: join(contentDir, 'gone.mp4') });
  igOutside = await createPublication(db(), igAccount, { status: 'processing', mediaPath: outsidePath });
  demoPost = await createPublication(db(), demoAccount, { status: 'processing', mediaPath: variantPath });
});

afterAll(async () => {
  await app?.close();
  await handle?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /media/instagram/<publicationId>/<expiresAt>/<signature>.mp4', () => {
  it('serves the publication\'s variant, byte for byte, to a client with no session or token, setting no cookie', async () => {
    const path = signedPath(igPost.id);
    expect(path).toMatch(new RegExp(`^/media/instagram/${igPost.id}/\\d+/[A-Za-z0-9_-]{43}\\.mp4$`));
    const answer = await get(path);
    expect(answer.status).toBe(200);
    expect(answer.body.equals(variant)).toBe(true);
    expect(answer.headers.get('content-type')).toBe('video/mp4');
    expect(answer.headers.get('content-length')).toBe(String(variant.length));
    expect(answer.headers.get('accept-ranges')).toBe('bytes');
    expect(answer.headers.get('cache-control')).toBe('private, no-store');
    expect(answer.headers.get('x-robots-tag')).toBe('noindex');
    expect(answer.headers.get('set-cookie')).toBeNull();

    // The same client is refused by the rest of the API: the route is public on purpose, not by accident.
    expect((await get('/api/publications')).status).toBe(401);
  });

  it('answers a range request with 206 and exactly those bytes, and an unsatisfiable one with 416', async () => {
    const path = signedPath(igPost.id);
    const middle = await get(path, { range: 'bytes=1000-4999' });
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe(`bytes 1000-4999/${variant.length}`);
    expect(middle.headers.get('content-type')).toBe('video/mp4');
    expect(middle.headers.get('cache-control')).toBe('private, no-store');
    expect(middle.body.equals(variant.subarray(1000, 5000))).toBe(true);

    const tail = await get(path, { range: 'bytes=-100' });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(variant.subarray(variant.length - 100))).toBe(true);

    const beyond = await get(path, { range: `bytes=${variant.length + 10}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${variant.length}`);
  });

  it('answers HEAD with the headers and no body', async () => {
    const answer = await get(signedPath(igPost.id), {}, 'HEAD');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-length')).toBe(String(variant.length));
    expect(answer.headers.get('content-type')).toBe('video/mp4');
    expect(answer.headers.get('set-cookie')).toBeNull();
    expect(answer.body.length).toBe(0);
  });

  it('serves the content\'s original when the publication has no variant (what the driver publishes then)', async () => {
    const answer = await get(signedPath(igOriginalOnly.id));
    expect(answer.status).toBe(200);
    expect(answer.body.equals(original)).toBe(true);
  });

  it('gives the same bare 404 for an expired, tampered, borrowed or foreign-key signature', async () => {
    // Signed three hours ago: the driver's URLs live two.
    expectBare404(await get(signedPath(igPost.id, Date.now() - 3 * 3_600_000)), 'expired');

    const valid = signedPath(igPost.id);
    const signature = valid.slice(valid.lastIndexOf('/') + 1, -'.mp4'.length);
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    expectBare404(await get(valid.replace(signature, flipped)), 'tampered signature');
    // Pushing the expiry later with the old signature.
    const expiresAt = valid.split('/')[4]!;
    expectBare404(await get(valid.replace(`/${expiresAt}/`, `/${Number(expiresAt) + 3600}/`)), 'moved expiry');

    // Another publication's valid signature on this publication's path (and its own URL does work).
    const other = signedPath(igOther.id);
    expect((await get(other)).status).toBe(200);
    expectBare404(await get(other.replace(igOther.id, igPost.id)), 'another publication\'s signature');

    // Signed with a key derived from another deployment's AUTH_ENCRYPTION_KEY.
    expectBare404(await get(signedPath(igPost.id, Date.now(), mediaUrlKeyFrom(randomBytes(32)))), 'another key');
    // Signed with the encryption key itself instead of the derived key.
    expectBare404(await get(signedPath(igPost.id, Date.now(), config.keyring.current.key)), 'underived key');

    // Malformed parts never get past validation, and nothing else under the prefix leads anywhere.
    expectBare404(await get(`/media/instagram/not-a-uuid/${expiresAt}/${signature}.mp4`), 'malformed id');
    expectBare404(await get(`/media/instagram/${igPost.id}/0${expiresAt}/${signature}.mp4`), 'leading zero');
    expectBare404(await get(`/media/instagram/${igPost.id}/${expiresAt}/${signature}.mov`), 'other extension');
    expectBare404(await get(`/media/instagram/${igPost.id}`), 'prefix only');
  });

  it('gives the same bare 404 for a validly signed publication that is not on Instagram, unknown, or whose file is gone or outside MEDIA_DIR', async () => {
    expectBare404(await get(signedPath(demoPost.id)), 'demo platform');
    expectBare404(await get(signedPath(randomUUID())), 'unknown publication');
    expectBare404(await get(signedPath(igMissingFile.id)), 'missing file');
    expectBare404(await get(signedPath(igOutside.id)), 'outside MEDIA_DIR');
    expectBare404(await get(signedPath(demoPost.id), {}, 'HEAD'), 'HEAD, demo platform');
  });

  it('checks the signature before reading the database', async () => {
    let reads = 0;
    const countingDb = new Proxy(db(), { get: (target, prop, receiver) => { reads += 1; return Reflect.get(target, prop, receiver); } });
    const files = instagramVideoFiles(countingDb, config.keyring.current.key);
    const expiresAt = Math.floor(Date.now() / 1000) + 600;
    expect(await files.find({ publicationId: igPost.id, expiresAt, signature: 'A'.repeat(43) })).toBeNull();
    expect(await files.find({ publicationId: igPost.id, expiresAt: expiresAt - 1200, signature: 'A'.repeat(43) })).toBeNull();
    expect(reads).toBe(0);
    const signature = signedPath(igPost.id).split('/')[5]!.slice(0, -'.mp4'.length);
    const signedAt = Number(signedPath(igPost.id).split('/')[4]);
    expect(await files.find({ publicationId: igPost.id, expiresAt: signedAt, signature })).toBe(variantPath);
    expect(reads).toBeGreaterThan(0);
  });

  it('derives one key per encryption key, distinct from it', () => {
    const other = randomBytes(32);
    expect(key).toHaveLength(32);
    expect(mediaUrlKeyFrom(config.keyring.current.key).equals(key)).toBe(true);
    expect(key.equals(config.keyring.current.key)).toBe(false);
    expect(mediaUrlKeyFrom(other).equals(key)).toBe(false);
  });

  it('is in the OpenAPI document as a public route with its path parameters and binary replies', async () => {
    const response = await fetch(`${base}/api/openapi.json`, { headers: { authorization: `Bearer ${config.apiToken}` } });
    expect(response.status).toBe(200);
    const doc = await response.json() as { paths: Record<string, Record<string, { tags: string[]; summary: string; security: unknown[]; parameters: { name: string; in: string; required: boolean }[]; responses: Record<string, unknown> }>> };
    const ops = doc.paths['/media/instagram/{publicationId}/{expiresAt}/{signature}.mp4'];
    expect(Object.keys(ops ?? {}).sort()).toEqual(['get', 'head']);
    for (const op of Object.values(ops!)) {
      expect(op.tags).toEqual(['publications']);
      expect(op.summary).toBeTruthy();
      expect(op.security).toEqual([]);
      expect(op.parameters.filter((p) => p.in === 'path' && p.required).map((p) => p.name).sort()).toEqual(['expiresAt', 'publicationId', 'signature']);
      expect(Object.keys(op.responses).sort()).toEqual(['200', '206', '416']);
    }
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/media/instagram/*'))).toBe(false);
  });

  it('writes no signature into the logs, while other requests are logged as usual', async () => {
    const paths = [signedPath(igPost.id), signedPath(demoPost.id), signedPath(igPost.id, Date.now() - 3 * 3_600_000)];
    for (const path of paths) await get(path);
    expect((await get('/healthz')).status).toBeGreaterThan(0);
    const logged = logLines.join('');
    // The capture works and the app logs requests at this level...
    expect(logged).toContain('/healthz');
    // ...but none of this route's: no signature, and not even the path.
    for (const path of paths) expect(logged).not.toContain(path.split('/')[5]!.slice(0, -'.mp4'.length));
    expect(logged).not.toContain('/media/instagram/');
  });
});
