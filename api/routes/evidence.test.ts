// The evidence routes on a minimal Fastify app with the real auth plugin: listing, downloads with
// safe headers, 401 without credentials, and 404 for every way out of the evidence directory.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type AppConfig } from '../../config.js';
import { openDatabase, type DbHandle } from '../../db/client.js';
import authPlugin from '../plugins/auth.js';
import depsPlugin, { type ApiDeps } from '../plugins/deps.js';
import { evidenceRoutes } from './evidence.js';

const token = 'evidence-test-token-0123456789';
const password = 'evidence-admin-pw';
const id = randomUUID();
const html = '<html><body><script>alert(1)</script><p>Límite diario</p></body></html>';
const info = { url: 'https://site.example/upload?token=[redacted]', error: { type: 'DailyLimit', name: 'Error', message: 'daily limit' }, at: '2025-03-01T09:00:00.000Z', files: ['page.html', 'info.json'] };
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

let dataDir: string;
let config: AppConfig;
let app: FastifyInstance;
/** Dashboard sessions live in the database: an embedded one for the login these checks do. */
let handle: DbHandle;
const auth = { authorization: `Bearer ${token}` };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trafico-evidence-api-'));
  config = loadConfig({
    DATA_DIR: dataDir,
    API_TOKEN: token,
    ADMIN_PASSWORD: password,
    SESSION_SECRET: 'evidence-session-secret-0123456789abcdef',
    AUTH_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  });
  const first = join(config.evidenceDir, id, '1');
  const second = join(config.evidenceDir, id, '2');
  await mkdir(first, { recursive: true });
  await mkdir(second, { recursive: true });
  await writeFile(join(first, 'page.html'), html);
  await writeFile(join(first, 'info.json'), JSON.stringify(info));
  await writeFile(join(first, '.trace-raw-abc.zip'), 'raw trace with secrets');
  await writeFile(join(first, 'notes.txt'), 'not an evidence file');
  await writeFile(join(second, 'screenshot.png'), png);
  await writeFile(join(second, 'trace.zip'), Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'binary'));
  await writeFile(join(second, 'info.json'), '{ broken json');
  await mkdir(join(config.evidenceDir, id, 'tmp'), { recursive: true });
  // Things outside the evidence tree that a traversal would love to reach.
  await writeFile(join(dataDir, 'secrets.json'), '{"apiToken":"top-secret"}');
  await writeFile(join(config.evidenceDir, id, 'info.json'), '{"outside":"attempt dirs"}');
  // A symlink planted where an evidence file would be is not followed.
  const third = join(config.evidenceDir, id, '3');
  await mkdir(third, { recursive: true });
  await symlink(join(dataDir, 'secrets.json'), join(third, 'info.json'));

  handle = await openDatabase({ pgliteDir: join(dataDir, 'pglite') });
  app = Fastify();
  // The evidence routes read nothing but the config; auth looks sessions up in the database.
  await app.register(depsPlugin, { config, db: handle.db } as ApiDeps);
  await app.register(authPlugin);
  await app.register(evidenceRoutes);
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await handle?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('GET /api/publications/:id/evidence', () => {
  it('lists every attempt with its evidence files and info', async () => {
    const res = await app.inject({ url: `/api/publications/${id}/evidence`, headers: auth });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { attempts: { attempt: number; files: { name: string; size: number; url: string }[]; info: unknown }[] };
    expect(body.attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    const [one, two, three] = body.attempts;
    expect(one!.files).toEqual([
      { name: 'page.html', size: Buffer.byteLength(html), url: `/api/publications/${id}/evidence/1/page.html` },
      { name: 'info.json', size: Buffer.byteLength(JSON.stringify(info)), url: `/api/publications/${id}/evidence/1/info.json` },
    ]);
    expect(one!.info).toEqual(info);
    expect(two!.files.map((f) => f.name)).toEqual(['trace.zip', 'screenshot.png', 'info.json']);
    expect(two!.info).toBeNull();
    expect(three).toEqual({ attempt: 3, files: [], info: null });
  });

  it('is empty for a publication without evidence', async () => {
    const res = await app.inject({ url: `/api/publications/${randomUUID()}/evidence`, headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ attempts: [] });
  });

  it('accepts the dashboard session', async () => {
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { password } });
    expect(login.statusCode).toBe(303);
    const cookie = login.cookies.find((c) => c.name === 'trafico_session')!;
    const res = await app.inject({ url: `/api/publications/${id}/evidence`, cookies: { trafico_session: cookie.value } });
    expect(res.statusCode).toBe(200);
    const file = await app.inject({ url: `/api/publications/${id}/evidence/2/screenshot.png`, cookies: { trafico_session: cookie.value } });
    expect(file.statusCode).toBe(200);
  });
});

describe('GET /api/publications/:id/evidence/:attempt/:file', () => {
  it('sends the page HTML as a sandboxed plain-text download', async () => {
    const res = await app.inject({ url: `/api/publications/${id}/evidence/1/page.html`, headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(html);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain('sandbox');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="publication-${id}-attempt-1-page.html"`);
    expect(res.headers['cache-control']).toBe('private, no-store');
  });

  it('sends the screenshot, the trace and the info with their types', async () => {
    const shot = await app.inject({ url: `/api/publications/${id}/evidence/2/screenshot.png`, headers: auth });
    expect(shot.statusCode).toBe(200);
    expect(shot.headers['content-type']).toBe('image/png');
    expect(shot.rawPayload.equals(png)).toBe(true);
    expect(shot.headers['content-length']).toBe(String(png.length));

    const trace = await app.inject({ url: `/api/publications/${id}/evidence/2/trace.zip`, headers: auth });
    expect(trace.statusCode).toBe(200);
    expect(trace.headers['content-type']).toBe('application/zip');
    expect(trace.headers['content-disposition']).toMatch(/^attachment; filename="publication-.*-attempt-2-trace\.zip"$/);

    const json = await app.inject({ url: `/api/publications/${id}/evidence/1/info.json`, headers: auth });
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json.json()).toEqual(info);
  });

  it('answers 401 without credentials or with a wrong token', async () => {
    for (const url of [`/api/publications/${id}/evidence`, `/api/publications/${id}/evidence/1/page.html`]) {
      expect((await app.inject({ url })).statusCode, url).toBe(401);
      expect((await app.inject({ url, headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode, url).toBe(401);
    }
  });

  it('answers 404 for anything missing, unknown or outside the attempt directory', async () => {
    const base = `/api/publications/${id}/evidence`;
    const urls = [
      `${base}/1/screenshot.png`, // allowed name, not captured
      `${base}/9/info.json`, // no such attempt
      `${base}/1/notes.txt`, // present but not an evidence file
      `${base}/1/.trace-raw-abc.zip`, // the unscrubbed trace
      `${base}/1/..%2F..%2F..%2Fsecrets.json`,
      `${base}/1/..%2Finfo.json`,
      `${base}/..%2F1/info.json`,
      `${base}/%2e%2e/info.json`,
      `${base}/1.5/info.json`,
      `${base}/-1/info.json`,
      `${base}/tmp/info.json`,
      `${base}/3/info.json`, // a symlink
      `/api/publications/..%2F..%2F/evidence/1/info.json`,
      `/api/publications/not-a-uuid/evidence/1/info.json`,
      `/api/publications/..%2F..%2Fsecrets.json/evidence`,
      `/api/publications/not-a-uuid/evidence`,
      `${base}/1/../../../secrets.json`,
      `${base}/1/info.json%00.png`,
    ];
    for (const url of urls) {
      const res = await app.inject({ url, headers: auth });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('top-secret');
    }
  });
});
