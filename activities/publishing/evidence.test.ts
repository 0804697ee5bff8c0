// Evidence capture against the real demo platform in real Chromium: a browser logged in through
// the site's CSRF form fails, and no evidence file — nor any entry of the trace zip — may still
// hold the session cookie, a CSRF token, the typed password or an auth header. The scrubbing rules
// themselves are tested without a browser in redaction.test.ts.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoPlatform, type DemoPlatform } from '../../demo/server.js';
import { DEMO_PASSWORD, DEMO_USERNAME, fakeMp4Bytes, json, request } from '../../demo/test-client.js';
import { captureEvidence, discardTrace, startTrace, traceAttempt } from './evidence.js';
import { REDACTED } from './redaction.js';

let demo: DemoPlatform;
let browser: Browser;
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'trafico-evidence-'));
  demo = await startDemoPlatform({ port: 0, dataDir: join(workDir, 'demo') });
  expect((await request(demo.url, '/__admin/users', json({ username: DEMO_USERNAME, password: DEMO_PASSWORD }))).status).toBe(200);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** A traced context logged in through the site's own login form (CSRF cookie + hidden token). */
async function loggedInContext(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await startTrace(context);
  const page = await context.newPage();
  await page.goto(`${demo.url}/login`);
  await page.locator('input[name=username]').fill(DEMO_USERNAME);
  await page.locator('input[name=password]').fill(DEMO_PASSWORD);
  await Promise.all([page.waitForURL(/\/upload/), page.locator('#login-submit').click()]);
  return { context, page };
}

async function readAll(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const name of await readdir(dir)) out.set(name, await readFile(join(dir, name)));
  return out;
}

/** Every file, and every entry of trace.zip, as raw bytes. */
function allBytes(files: Map<string, Buffer>): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [...files];
  const zip = files.get('trace.zip');
  if (zip) for (const [name, data] of Object.entries(unzipSync(zip))) out.push([`trace.zip:${name}`, Buffer.from(data)]);
  return out;
}

function leaks(files: Map<string, Buffer>, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [file, bytes] of allBytes(files)) {
    for (const [what, value] of Object.entries(secrets)) {
      for (const spelling of new Set([value, encodeURIComponent(value)])) if (bytes.includes(spelling)) found.push(`${what} in ${file}`);
    }
  }
  return found;
}

describe('captureEvidence', () => {
  it('writes trace, screenshot, HTML and info with every cookie and token stripped', async () => {
    const { context, page } = await loggedInContext();
    const cookies = Object.fromEntries((await context.cookies()).map((c) => [c.name, c.value]));
    expect(cookies.demo_session, 'logged in').toBeTruthy();
    expect(cookies.demo_csrf, 'login CSRF cookie').toBeTruthy();

    // Headers only the network log knows about, so they are found by header scrubbing alone.
    const bearer = 'bearer-secret-7f3a9c1e5d';
    const headerCsrf = 'x-csrf-header-91b2c3d4e5';
    await context.setExtraHTTPHeaders({ authorization: `Bearer ${bearer}`, 'x-csrf-token': headerCsrf });

    // A real failed upload: the multipart body in the trace carries the session's CSRF token.
    await request(demo.url, '/__admin/faults', json({ fault: 'daily_limit' }));
    await page.goto(`${demo.url}/upload`);
    const uploadCsrf = await page.locator('#upload-form input[name=csrf]').getAttribute('value');
    expect(uploadCsrf).toBeTruthy();
    await page.locator('#video').setInputFiles({ name: 'clip.mp4', mimeType: 'video/mp4', buffer: fakeMp4Bytes() });
    await page.locator('#caption').fill('evidencia ref:abcdef123456');
    await Promise.all([page.waitForSelector('#daily-limit'), page.locator('#publish').click()]);

    // The page the failure happens on: secret query parameters and web storage tokens.
    const urlToken = 'urltoken-5e6f7a8b9c';
    await page.goto(`${demo.url}/upload?lang=es&token=${urlToken}`);
    const storageSecret = 'ls-secret-0a1b2c3d4e';
    const sessionSecret = 'ss-secret-9z8y7x6w5v';
    await page.evaluate(`localStorage.setItem('app', JSON.stringify({ accessToken: '${storageSecret}' })); sessionStorage.setItem('s', '${sessionSecret}')`);
    const pageCsrf = await page.locator('#upload-form input[name=csrf]').getAttribute('value');
    // A Playwright error whose call log prints the hidden input, token included.
    const error = await page
      .locator('#upload-form input[name=csrf]')
      .click({ timeout: 300 })
      .then(() => new Error('unexpectedly clickable'), (e: Error) => e);

    const dir = join(workDir, 'evidence', 'pub-1', '1');
    const manifest = await captureEvidence({ context, page, dir, error });
    await context.close();

    expect(manifest.dir).toBe(dir);
    expect(manifest.files.sort()).toEqual(['info.json', 'page.html', 'screenshot.png', 'trace.zip']);
    const files = await readAll(dir);
    expect([...files.keys()].sort(), 'no raw trace or temp file left behind').toEqual(['info.json', 'page.html', 'screenshot.png', 'trace.zip']);
    expect(files.get('screenshot.png')!.subarray(1, 4).toString()).toBe('PNG');

    const entries = unzipSync(files.get('trace.zip')!);
    expect(Object.keys(entries)).toEqual(expect.arrayContaining(['trace.trace', 'trace.network']));
    // Actions with their DOM snapshots, network and console; no screencast frames (evidence.ts traceOptions: they cost
    // every publication, and the failure's own screenshot is kept apart).
    expect(Object.keys(entries).some((n) => n.endsWith('.jpeg')), 'no screencast frames').toBe(false);
    for (const name of ['trace.trace', 'trace.network']) {
      for (const line of strFromU8(entries[name]!).split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
    }
    const events = strFromU8(entries['trace.trace']!).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { type: string; method?: string });
    expect(events.some((e) => e.type === 'screencast-frame'), 'no screencast events').toBe(false);
    expect(events.some((e) => e.type === 'frame-snapshot'), 'DOM snapshots').toBe(true);
    expect(events.some((e) => e.type === 'before' && e.method === 'click'), 'the failing click is in the action log').toBe(true);
    expect(events.some((e) => e.type === 'before' && e.method === 'goto'), 'so is the navigation before it').toBe(true);
    const network = strFromU8(entries['trace.network']!);
    expect(network).toContain('"name":"Cookie","value":"[redacted]"');
    expect(network).toContain(`"value":"${REDACTED}"`);

    const info = JSON.parse(files.get('info.json')!.toString()) as {
      url: string; error: { type: string; name: string; message: string }; at: string; files: string[]; problems?: unknown;
    };
    expect(info.url).toBe(`${demo.url}/upload?lang=es&token=${REDACTED}`);
    expect(info.error.message).toContain('locator.click');
    expect(info.error.message).toContain(REDACTED);
    expect(info.files.sort()).toEqual(manifest.files);
    expect(info.problems).toBeUndefined();
    expect(Date.parse(info.at)).not.toBeNaN();
    const html = files.get('page.html')!.toString();
    expect(html).toContain('id="upload-form"');
    expect(html).toMatch(/name="csrf" value="\[redacted\]"|value="\[redacted\]"[^>]*name="csrf"/);

    expect(
      leaks(files, {
        'session cookie': cookies.demo_session!,
        'login CSRF cookie': cookies.demo_csrf!,
        'upload CSRF token': uploadCsrf!,
        'page CSRF token': pageCsrf!,
        password: DEMO_PASSWORD,
        'bearer token': bearer,
        'x-csrf-token header': headerCsrf,
        'localStorage token': storageSecret,
        'sessionStorage value': sessionSecret,
        'URL token': urlToken,
      }),
    ).toEqual([]);
  });

  it('keeps an uploaded video out of the trace and leaves no raw trace behind', async () => {
    const { context, page } = await loggedInContext();
    // An incompressible "video" with a marker every 64 KiB: any copy of its bytes would show it.
    const marker = Buffer.from('VIDEO-BYTES-MARKER-3e9f1a');
    const video = randomBytes(4 * 1024 * 1024);
    Buffer.from([0x00, 0x00, 0x00, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]).copy(video, 0);
    for (let at = 64; at + marker.length < video.length; at += 64 * 1024) marker.copy(video, at);
    const videoPath = join(workDir, 'big-clip.mp4');
    await writeFile(videoPath, video);

    await request(demo.url, '/__admin/faults', json({ fault: 'daily_limit' }));
    await page.goto(`${demo.url}/upload`);
    await page.locator('#video').setInputFiles(videoPath);
    // A chunked uploader as real platforms run one: the file's bytes posted from script. Playwright's
    // trace stores such a request body whole, as a resource.
    await page.evaluate(`(async () => {
      const file = document.querySelector('#video').files[0];
      await fetch('/upload-chunk', { method: 'POST', body: await file.arrayBuffer() });
    })()`);
    await page.locator('#caption').fill('vídeo grande');
    await Promise.all([page.waitForSelector('#daily-limit'), page.locator('#publish').click()]);

    const tempDir = join(workDir, 'raw-traces');
    const dir = join(workDir, 'evidence', 'pub-4', '1');
    const manifest = await captureEvidence({ context, page, dir, error: new Error('daily limit reached'), tempDir });
    await context.close();

    expect(manifest.files).toContain('trace.zip');
    const zip = await readFile(join(dir, 'trace.zip'));
    expect(zip.includes(marker), 'video bytes in the zip file').toBe(false);
    for (const [name, data] of Object.entries(unzipSync(zip))) expect(Buffer.from(data).includes(marker), `video bytes in ${name}`).toBe(false);
    expect(zip.length).toBeLessThan(video.length / 2);
    const info = JSON.parse(await readFile(join(dir, 'info.json'), 'utf8')) as { traceDropped?: { name: string; bytes: number; reason: string }[] };
    expect(info.traceDropped).toEqual([{ name: expect.stringMatching(/^resources\//), bytes: video.length, reason: 'upload body' }]);
    expect(await readdir(tempDir), 'the raw trace directory is gone').toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['info.json', 'page.html', 'screenshot.png', 'trace.zip']);
  });

  it('never throws and still writes info.json when the page is gone and tracing never started', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.close();
    const dir = join(workDir, 'evidence', 'pub-2', '3');
    const error = Object.assign(new Error('SessionExpired: login page shown'), { type: 'SessionExpired' });
    const manifest = await captureEvidence({ context, page, dir, error });
    await context.close();
    expect(manifest.files).toEqual(['info.json']);
    const info = JSON.parse(await readFile(join(dir, 'info.json'), 'utf8')) as { error: { type: string }; problems: Record<string, string> };
    expect(info.error.type).toBe('SessionExpired');
    expect(Object.keys(info.problems)).toEqual(expect.arrayContaining(['trace', 'screenshot', 'html']));
  });

  it('gives up a step at its own deadline and keeps the others', async () => {
    const context = await browser.newContext();
    await startTrace(context);
    const page = await context.newPage();
    await page.setContent('<h1>stuck</h1>');
    const dir = join(workDir, 'evidence', 'pub-3', '1');
    const manifest = await captureEvidence({ context, page, dir, error: new Error('boom'), deadlines: { screenshot: 1 } });
    await context.close();
    expect(manifest.files.sort()).toEqual(['info.json', 'page.html', 'trace.zip']);
    const info = JSON.parse(await readFile(join(dir, 'info.json'), 'utf8')) as { problems: Record<string, string> };
    expect(info.problems.screenshot).toMatch(/timed out after 1 ms/);
  });

  it('discardTrace stops tracing without writing anything', async () => {
    const context = await browser.newContext();
    await startTrace(context);
    const page = await context.newPage();
    await page.setContent('<p>ok</p>');
    await discardTrace(context);
    await discardTrace(context); // a second stop (not tracing any more) is swallowed too
    await startTrace(context); // tracing really stopped: it can start again
    await discardTrace(context);
    await context.close();
  });

  it('traceAttempt: EVIDENCE_TRACE retries traces from the second attempt, always every one, off none', () => {
    expect([1, 2, 5].map((n) => traceAttempt('retries', n))).toEqual([false, true, true]);
    expect([1, 2].map((n) => traceAttempt('always', n))).toEqual([true, true]);
    expect([1, 2].map((n) => traceAttempt('off', n))).toEqual([false, false]);
  });
});
