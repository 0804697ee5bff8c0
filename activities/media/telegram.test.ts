/** The worker's Telegram download against the fake Bot API (a real HTTP server). */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../../test/fakes/telegram-server.js';
import { downloadTelegramFile, TelegramTransientError } from './telegram.js';

let tg: FakeTelegram;
let dir: string;
beforeAll(async () => {
  tg = await startFakeTelegram();
  dir = mkdtempSync(join(tmpdir(), 'tg-download-'));
});
afterAll(async () => {
  await tg.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  tg.mode = 'cloud';
});

const options = (fileId: string, extra: Partial<Parameters<typeof downloadTelegramFile>[0]> = {}) => ({
  apiRoot: tg.apiRoot, token: tg.token, fileId, dest: join(dir, `${fileId.slice(-8)}.mp4`), maxBytes: 10 * 1024 * 1024, localApi: false, ...extra,
});

describe('downloadTelegramFile', () => {
  it('getFile, then /file/bot<token>/<path>, into the destination', async () => {
    const data = Buffer.from('video bytes '.repeat(1000));
    const file = tg.addFile(data);
    const opts = options(file.file_id);
    expect(await downloadTelegramFile(opts)).toEqual({ ok: true, bytes: data.length });
    expect(readFileSync(opts.dest)).toEqual(data);
    expect(existsSync(`${opts.dest}.part`)).toBe(false);
    expect(tg.downloads).toContain(file.file_id);
  });

  it('a file over the Cloud Bot API limit is too big (getFile refuses it)', async () => {
    const file = tg.addFile(Buffer.from('x'), { size: 25 * 1024 * 1024 });
    expect(await downloadTelegramFile(options(file.file_id, { maxBytes: 500 * 1024 * 1024 }))).toMatchObject({ ok: false, code: 'too_big' });
  });

  it('more bytes than our own limit is too big, and nothing is left behind', async () => {
    const file = tg.addFile(Buffer.alloc(4096, 1));
    const opts = options(file.file_id, { maxBytes: 1000 });
    expect(await downloadTelegramFile(opts)).toMatchObject({ ok: false, code: 'too_big' });
    expect(existsSync(opts.dest)).toBe(false);
    expect(existsSync(`${opts.dest}.part`)).toBe(false);
  });

  it('an unknown file id is unavailable', async () => {
    expect(await downloadTelegramFile(options('BAACnope'))).toMatchObject({ ok: false, code: 'unavailable' });
  });

  it('Telegram trouble (5xx, 429, network) is transient, and its message never holds the token', async () => {
    const file = tg.addFile(Buffer.from('abc'));
    tg.failNext('getFile', { error_code: 502, description: 'Bad Gateway' });
    const bad = await downloadTelegramFile(options(file.file_id)).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(TelegramTransientError);
    tg.failNext('getFile', { error_code: 429, description: 'Too Many Requests: retry after 5', parameters: { retry_after: 5 } });
    expect(await downloadTelegramFile(options(file.file_id)).catch((e: unknown) => e)).toBeInstanceOf(TelegramTransientError);
    const down = await downloadTelegramFile(options(file.file_id, { apiRoot: 'http://127.0.0.1:9' })).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(TelegramTransientError);
    expect(String((down as Error).message)).not.toContain(tg.token);
    expect(String((down as Error).message)).not.toContain(tg.token.split(':')[1]);
  });

  it('a local Bot API server answers an absolute path: read from disk when allowed, over HTTP otherwise', async () => {
    const path = join(dir, 'on-the-server.mp4');
    writeFileSync(path, Buffer.alloc(30 * 1024 * 1024, 7));
    const file = tg.addFile({ path });
    tg.mode = 'local';
    const downloadsBefore = tg.downloads.length;
    const fromDisk = options(file.file_id, { localApi: true, maxBytes: 100 * 1024 * 1024 });
    expect(await downloadTelegramFile(fromDisk)).toEqual({ ok: true, bytes: 30 * 1024 * 1024 });
    expect(tg.downloads.length).toBe(downloadsBefore);
    const overHttp = options(file.file_id, { localApi: false, maxBytes: 100 * 1024 * 1024, dest: join(dir, 'http.mp4') });
    expect(await downloadTelegramFile(overHttp)).toEqual({ ok: true, bytes: 30 * 1024 * 1024 });
    expect(tg.downloads.length).toBe(downloadsBefore + 1);
  });
});
