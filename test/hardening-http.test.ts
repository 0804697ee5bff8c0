// The API's edges against hostile clients, on the real app (buildApi: every plugin, hook and header of production)
// listening on loopback: evidence served only from inside the real evidence root (symlinked directories refused),
// multipart forms held to their limits with a 413 naming the limit and nothing stored, and slow clients cut off by
// the configured header and request deadlines.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { ApiDeps } from '../api/plugins/deps.js';
import { buildApi } from '../api/server.js';
import { loadConfig, type AppConfig } from '../config.js';
import { openDatabase, type DbHandle } from '../db/client.js';

const token = randomBytes(18).toString('base64url');
const auth = { authorization: `Bearer ${token}` };

let handle: DbHandle;
let dataDir: string;
/** Outside the data dir: what a symlink planted in the evidence tree would lead to. */
let outside: string;
let config: AppConfig;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'trafico-hardening-http-'));
  outside = mkdtempSync(join(tmpdir(), 'trafico-outside-'));
  config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: inject('databaseUrl'),
    API_TOKEN: token,
    ADMIN_PASSWORD: 'hardening-admin-pw',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    // Small deadlines so a slow client is cut off within the test.
    HTTP_HEADERS_TIMEOUT_SECONDS: '1',
    HTTP_REQUEST_TIMEOUT_SECONDS: '2',
    HTTP_IDLE_TIMEOUT_SECONDS: '30',
  });
  handle = await openDatabase({ databaseUrl: config.databaseUrl });
  // These routes never reach Temporal.
  app = await buildApi({ db: handle.db, temporal: {} as ApiDeps['temporal'], config, log: pino({ level: 'silent' }) });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await handle?.close();
  for (const dir of [dataDir, outside]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('evidence files', () => {
  const png = Buffer.from('89504e470d0a1a0a-not-really-a-png');
  const secret = Buffer.from('outside the evidence root');
  const get = (path: string) => fetch(`${url}${path}`, { headers: auth });

  it('serves a file inside the evidence root', async () => {
    const id = randomUUID();
    mkdirSync(join(config.evidenceDir, id, '1'), { recursive: true });
    writeFileSync(join(config.evidenceDir, id, '1', 'screenshot.png'), png);
    const res = await get(`/api/publications/${id}/evidence/1/screenshot.png`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(png);
    const list = (await (await get(`/api/publications/${id}/evidence`)).json()) as { attempts: { files: { name: string }[] }[] };
    expect(list.attempts[0]!.files.map((f) => f.name)).toEqual(['screenshot.png']);
  });

  it('refuses a symlinked publication directory that leads outside (404, not listed)', async () => {
    const target = join(outside, randomUUID());
    mkdirSync(join(target, '1'), { recursive: true });
    writeFileSync(join(target, '1', 'screenshot.png'), secret);
    writeFileSync(join(target, '1', 'info.json'), JSON.stringify({ error: { type: 'Secret', message: 'outside' } }));
    const id = randomUUID();
    mkdirSync(config.evidenceDir, { recursive: true });
    symlinkSync(target, join(config.evidenceDir, id), 'dir');
    const res = await get(`/api/publications/${id}/evidence/1/screenshot.png`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('outside the evidence root');
    expect(await (await get(`/api/publications/${id}/evidence`)).json()).toEqual({ attempts: [] });
  });

  it('refuses a symlinked attempt directory and a symlinked file that lead outside', async () => {
    const target = join(outside, `attempt-${randomUUID()}`);
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'page.html'), secret);
    const id = randomUUID();
    mkdirSync(join(config.evidenceDir, id, '1'), { recursive: true });
    symlinkSync(target, join(config.evidenceDir, id, '2'), 'dir');
    symlinkSync(join(target, 'page.html'), join(config.evidenceDir, id, '1', 'page.html'));
    expect((await get(`/api/publications/${id}/evidence/2/page.html`)).status).toBe(404);
    expect((await get(`/api/publications/${id}/evidence/1/page.html`)).status).toBe(404);
  });
});

describe('multipart limits', () => {
  const incoming = () => {
    try {
      return readdirSync(join(config.mediaDir, 'incoming'));
    } catch {
      return [];
    }
  };
  const post = (path: string, form: FormData) => fetch(`${url}${path}`, { method: 'POST', headers: auth, body: form });
  const video = () => new Blob([new Uint8Array(randomBytes(64 * 1024))], { type: 'video/mp4' });

  it('answers 413 too_many_fields past 10 text fields, and keeps no upload', async () => {
    const form = new FormData();
    form.set('video', video(), 'clip.mp4');
    form.set('modelId', randomUUID());
    for (let i = 0; i < 12; i++) form.set(`extra${i}`, 'x');
    const res = await post('/api/contents', form);
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: string; message: string };
    expect(body).toMatchObject({ error: 'too_many_fields' });
    expect(body.message).toContain('at most 10');
    expect(incoming()).toEqual([]);
  });

  it('answers 413 field_too_large naming an oversized text field, and keeps no upload', async () => {
    const form = new FormData();
    form.set('video', video(), 'clip.mp4');
    form.set('modelId', randomUUID());
    form.set('context', 'a'.repeat(70 * 1024));
    const res = await post('/api/contents', form);
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('field_too_large');
    expect(body.message).toContain('"context"');
    expect(body.message).toContain(String(64 * 1024));
    expect(incoming()).toEqual([]);
  });

  it('answers 413 too_many_files for a second file in a session import', async () => {
    const form = new FormData();
    form.set('file', new Blob(['{}'], { type: 'application/json' }), 'a.json');
    form.append('other', new Blob(['{}'], { type: 'application/json' }), 'b.json');
    const res = await post(`/api/accounts/${randomUUID()}/session`, form);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'too_many_files', message: 'too many files: at most 1' });
  });
});

describe('slow clients', () => {
  /** Opens a raw connection, writes `first`, then `drip` every 200 ms; resolves with what the server sent and when it closed. */
  function trickle(first: string, drip: string, deadlineMs: number) {
    return new Promise<{ answer: string; closedAfterMs: number }>((resolve, reject) => {
      const started = Date.now();
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      let answer = '';
      socket.on('connect', () => socket.write(first));
      const timer = setInterval(() => socket.writable && socket.write(drip), 200);
      const deadline = setTimeout(() => {
        clearInterval(timer);
        socket.destroy();
        reject(new Error(`the server kept the connection open for ${deadlineMs} ms`));
      }, deadlineMs);
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        clearTimeout(deadline);
        resolve({ answer, closedAfterMs: Date.now() - started });
      });
    });
  }

  it('cuts off headers trickled past HTTP_HEADERS_TIMEOUT_SECONDS with a 408', async () => {
    const { answer } = await trickle('GET /api/models HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: 1\r\n', 8000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts off a body trickled past HTTP_REQUEST_TIMEOUT_SECONDS', async () => {
    const head = `POST /api/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"name":"';
    const { answer } = await trickle(head, 'a', 10_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});
