/**
 * The disk and health routes on the whole API (buildApi) with the real test database and Temporal dev server:
 * /healthz gives anyone statuses only and an admin (token or session) the details; a database that accepts and never
 * answers costs the check's deadline and its text reaches only the admin; an upload below MIN_FREE_DISK_MB gets 507
 * in Spanish or English with no file, no row and no workflow; a content whose video retention deleted answers 410;
 * GET /api/storage counts each kind of file.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { drizzle } from 'drizzle-orm/postgres-js';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../api/server.js';
import { loadConfig } from '../config.js';
import { openDatabase, type Db, type DbHandle } from '../db/client.js';
import * as schema from '../db/schema.js';
import { contents } from '../db/schema.js';
import { scrubErrorText } from '../services/health.js';
import { connectTemporal } from '../services/temporal.js';
import { createModel } from './helpers/overview-seed.js';

const token = 'storage-health-token-0123456789';
const password = 'storage-health-pw';
const auth = { authorization: `Bearer ${token}` };
const dirs: string[] = [];
const apps: FastifyInstance[] = [];
let handle: DbHandle;
let temporal: Client;
let silent: Server;
const sockets: Socket[] = [];
let silentClient: ReturnType<typeof postgres> | undefined;

async function api(env: Record<string, string> = {}, db?: Db) {
  const dataDir = await mkdtemp(join(tmpdir(), 'trafico-storage-'));
  dirs.push(dataDir);
  const config = loadConfig({
    DATA_DIR: dataDir, DATABASE_URL: inject('databaseUrl'), API_TOKEN: token, ADMIN_PASSWORD: password,
    SESSION_SECRET: 'storage-health-session-secret-0123456789', AUTH_ENCRYPTION_KEY: Buffer.alloc(32, 4).toString('base64'), ...env,
  });
  const app = await buildApi({ db: db ?? handle.db, temporal, config, log: pino({ level: 'silent' }) });
  await app.ready();
  app.readiness.markReady();
  apps.push(app);
  return { app, config };
}

beforeAll(async () => {
  handle = await openDatabase({ databaseUrl: inject('databaseUrl') });
  temporal = await connectTemporal(inject('temporalAddress'), 'default');
  // A "database" that accepts connections and never says a word.
  silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const app of apps) await app.close();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await silentClient?.end({ timeout: 0 });
  await temporal?.connection.close();
  await handle?.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('GET /healthz', () => {
  it('tells anyone the statuses only, and an admin (token or session) the details', async () => {
    const { app } = await api();
    const anonymous = await app.inject({ url: '/healthz' });
    expect(Object.keys(anonymous.json()).sort()).toEqual(['components', 'status']);
    expect(anonymous.json().components).toMatchObject({ db: 'ok', temporal: 'ok', disk: 'ok' });
    expect(anonymous.body).not.toMatch(/pipeline|pollers|freeBytes/);
    // A wrong token is just the public answer, not a 401.
    expect(Object.keys((await app.inject({ url: '/healthz', headers: { authorization: 'Bearer not-a-token-0123456' } })).json()).sort()).toEqual(['components', 'status']);

    const admin = (await app.inject({ url: '/healthz', headers: auth })).json();
    expect(admin).toMatchObject({ db: { ok: true }, temporal: { ok: true }, disk: { ok: true, freeBytes: expect.any(Number) } });
    expect(Object.keys(admin.workers).sort()).toEqual(['api', 'browser', 'media', 'pipeline']);
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { password } });
    const cookie = login.cookies.find((c) => c.name === 'trafico_session')!;
    const bySession = (await app.inject({ url: '/healthz', cookies: { trafico_session: cookie.value } })).json();
    expect(bySession.db).toEqual({ ok: true });
  });

  it('bounds a database that never answers by the deadline, and tells only the admin why', async () => {
    const url = `postgres://nobody:s3cret-pass@127.0.0.1:${(silent.address() as { port: number }).port}/none`;
    silentClient = postgres(url, { max: 2, connect_timeout: 60, onnotice: () => undefined });
    const { app } = await api({ HEALTH_CHECK_TIMEOUT_MS: '1000' }, drizzle(silentClient, { schema }) as unknown as Db);
    const [anonymous, admin] = await Promise.all([app.inject({ url: '/healthz' }), app.inject({ url: '/healthz', headers: auth })]);
    expect(anonymous.statusCode).toBe(503);
    expect(anonymous.json()).toEqual({ status: 'degraded', components: { db: 'degraded', temporal: 'ok', workers: expect.any(String), disk: 'ok' } });
    expect(anonymous.body).not.toContain('no answer');
    expect(admin.statusCode).toBe(503);
    expect(admin.json().db).toEqual({ ok: false, error: 'database: no answer within 1000 ms' });
  });

  it('scrubs credentials from error texts', () => {
    const text = scrubErrorText(new Error('connect to postgres://app:hunter2@db:5432/x?sslpassword=abc&mode=1 failed; Bearer abc.def'));
    expect(text).toBe('connect to postgres://[redacted]@db:5432/x?sslpassword=[redacted]&mode=1 failed; Bearer [redacted]');
  });
});

/** A multipart upload as a client sends it. */
function upload(modelId: string) {
  const boundary = `----trafico${randomUUID()}`;
  const part = (headers: string, body: string | Buffer) => Buffer.concat([Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`), Buffer.from(body), Buffer.from('\r\n')]);
  const payload = Buffer.concat([
    part('Content-Disposition: form-data; name="modelId"', modelId),
    part('Content-Disposition: form-data; name="video"; filename="clip.mp4"\r\nContent-Type: video/mp4', Buffer.alloc(4096, 7)),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  return { payload, headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('uploads below MIN_FREE_DISK_MB', () => {
  it('get 507 with a clear message, and nothing is stored', async () => {
    const { app, config } = await api({ MIN_FREE_DISK_MB: '900000000' });
    const model = await createModel(handle.db, `Disco lleno ${randomUUID().slice(0, 6)}`);
    const spanish = await app.inject({ method: 'POST', url: '/api/contents', ...upload(model.id) });
    expect(spanish.statusCode).toBe(507);
    expect(spanish.json()).toMatchObject({ error: 'insufficient_storage', message: expect.stringMatching(/sin espacio en disco.*no se guardó/) });
    const { payload, headers } = upload(model.id);
    const english = await app.inject({ method: 'POST', url: '/api/contents', payload, headers: { ...headers, 'accept-language': 'en-GB,en;q=0.9' } });
    expect(english.statusCode).toBe(507);
    expect(english.json().message).toMatch(/out of disk space .* was not stored/);
    const incoming = join(config.mediaDir, 'incoming');
    expect(existsSync(incoming) ? await readdir(incoming) : []).toEqual([]);
    expect(await handle.db.select({ id: contents.id }).from(contents).where(eq(contents.modelId, model.id))).toEqual([]);
  });
});

describe('disk use and deleted media', () => {
  it('answers 410 for a video retention deleted, and counts each kind of file', async () => {
    const { app, config } = await api();
    const model = await createModel(handle.db, `Retenida ${randomUUID().slice(0, 6)}`);
    const id = randomUUID();
    const dir = join(config.mediaDir, id);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'thumbnail.jpg'), Buffer.alloc(10));
    await writeFile(join(dir, 'retention.json'), JSON.stringify({ deletedAt: '2025-05-01T04:00:00.000Z', reason: 'published', files: 1, bytes: 100 }));
    await handle.db.insert(contents).values({ id, modelId: model.id, filePath: join(dir, 'original.mp4'), thumbnailPath: join(dir, 'thumbnail.jpg'), sentBy: 'test', status: 'approved' });
    const gone = await app.inject({ url: `/api/contents/${id}/media`, headers: auth });
    expect(gone.statusCode).toBe(410);
    expect(gone.json()).toEqual({ error: 'media_deleted', message: `the video of content ${id} was deleted by the retention policy on 2025-05-01T04:00:00.000Z; its thumbnail and facts are kept` });
    expect((await app.inject({ url: `/api/contents/${id}/thumbnail`, headers: auth })).statusCode).toBe(200);
    expect((await app.inject({ url: `/api/contents/${id}`, headers: auth })).json().mediaDeletedAt).toBe('2025-05-01T04:00:00.000Z');

    const other = randomUUID();
    await mkdir(join(config.mediaDir, other), { recursive: true });
    await writeFile(join(config.mediaDir, other, 'original.mov'), Buffer.alloc(1000));
    await writeFile(join(config.mediaDir, other, 'variant-tiktok.mp4'), Buffer.alloc(300));
    await mkdir(join(config.mediaDir, 'incoming'), { recursive: true });
    await writeFile(join(config.mediaDir, 'incoming', 'x.mp4'), Buffer.alloc(70));
    await mkdir(join(config.evidenceDir, other, '1'), { recursive: true });
    await writeFile(join(config.evidenceDir, other, '1', 'info.json'), Buffer.alloc(5));
    expect((await app.inject({ url: '/api/storage' })).statusCode).toBe(401);
    const storage = await app.inject({ url: '/api/storage', headers: auth });
    expect(storage.statusCode).toBe(200);
    const body = storage.json();
    expect(body.kinds).toMatchObject({
      originals: { bytes: 1000, files: 1 }, variants: { bytes: 300, files: 1 }, thumbnails: { bytes: 10, files: 1 },
      incoming: { bytes: 70, files: 1 }, evidence: { bytes: 5, files: 1 },
    });
    expect(body.partial).toBe(false);
    expect(body.database).toMatchObject({ kind: 'postgres', bytes: expect.any(Number) });
    expect(body.disk).toMatchObject({ low: false, freeBytes: expect.any(Number) });
    // Cached for a minute: the same walk answers again.
    expect((await app.inject({ url: '/api/storage', headers: auth })).json().generatedAt).toBe(body.generatedAt);
  });
});
