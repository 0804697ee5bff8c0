// Fault injection (POST /__admin/faults): one test per fault at the HTTP level, real Chromium
// for the two faults that are about what a browser can click, and shutdown with held sockets.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDemoPlatform, type DemoPlatform } from './server.js';
import {
  DEMO_PASSWORD,
  DEMO_USERNAME,
  fakeMp4,
  fakeMp4Bytes,
  form,
  hiddenValue,
  json,
  login,
  request,
  uploadBody,
  waitFor,
  within,
  type Jar,
  type RequestOptions,
} from './test-client.js';

const SEED = 11;
const T0 = Date.UTC(2025, 2, 1, 9, 0, 0);

interface FaultState {
  pending: Array<{ id: number; fault: string; remaining: number; options: Record<string, unknown> }>;
  inFlight: Array<{ fault: string; method: string; url: string }>;
  fired: Array<{ fault: string; method: string; url: string }>;
  available: string[];
}

interface AdminPost {
  id: string;
  caption: string;
}

/** Everything a test needs against one running platform with a logged-in demo user. */
class Site {
  readonly jar: Jar = new Map();
  private constructor(
    readonly platform: DemoPlatform,
    readonly dataDir: string,
  ) {}

  static async start(prefix: string): Promise<Site> {
    const dataDir = await mkdtemp(join(tmpdir(), prefix));
    const platform = await startDemoPlatform({ port: 0, dataDir, seed: SEED, now: () => T0 });
    const site = new Site(platform, dataDir);
    const user = await site.req('/__admin/users', json({ username: DEMO_USERNAME, password: DEMO_PASSWORD }));
    expect(user.status).toBe(200);
    expect((await login(platform.url, site.jar)).status).toBe(303);
    return site;
  }

  req(path: string, init: RequestOptions = {}): Promise<Response> {
    return request(this.platform.url, path, init);
  }

  /** As the logged-in user. */
  asUser(path: string, init: RequestOptions = {}): Promise<Response> {
    return this.req(path, { ...init, jar: this.jar });
  }

  async arm(body: Record<string, unknown>): Promise<void> {
    const res = await this.req('/__admin/faults', json(body));
    expect(res.status, await res.clone().text()).toBe(201);
  }

  async faults(): Promise<FaultState> {
    return (await (await this.req('/__admin/faults')).json()) as FaultState;
  }

  async posts(): Promise<AdminPost[]> {
    return ((await (await this.req('/__admin/posts')).json()) as { posts: AdminPost[] }).posts;
  }

  async csrf(): Promise<string> {
    return hiddenValue(await (await this.asUser('/upload')).text(), 'csrf');
  }

  /** A valid upload POST with the session's CSRF token (taken before any fault is armed). */
  upload(csrf: string, caption: string, init: RequestOptions = {}): Promise<Response> {
    return this.asUser('/upload', { ...init, method: 'POST', body: uploadBody(csrf, caption, fakeMp4()) });
  }

  async close(): Promise<void> {
    await within('platform close', this.platform.close());
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

let site: Site;
let csrf: string;
/** A post published before the fault tests, for the post-page faults. */
let basePostId: string;

beforeAll(async () => {
  site = await Site.start('demo-faults-');
  csrf = await site.csrf();
  const res = await site.upload(csrf, 'base post #demo');
  expect(res.status).toBe(303);
  basePostId = res.headers.get('location')!.slice('/p/'.length);
});

afterAll(async () => {
  await site?.close();
});

afterEach(async () => {
  // Every test consumes exactly what it armed; anything left over would leak into the next one.
  const left = await site.faults();
  await site.req('/__admin/faults', { method: 'DELETE' });
  expect(left.pending).toEqual([]);
  expect(left.inFlight).toEqual([]);
});

describe('the /__admin/faults endpoint', () => {
  it('rejects unknown faults with the list of valid names', async () => {
    const res = await site.req('/__admin/faults', json({ fault: 'meteor_strike' }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; valid: string[] };
    expect(body.error).toContain('unknown fault "meteor_strike"');
    for (const name of ['http_500', 'slow_upload', 'stalled_upload', 'logged_out', 'captcha', 'overlay', 'no_confirmation', 'metrics_layout_changed']) {
      expect(body.error).toContain(name);
    }
    expect(body.valid).toHaveLength(14);

    const missing = await site.req('/__admin/faults', json({ count: 1 }));
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toMatch(/^missing "fault"; valid faults: http_500, /);
  });

  it('names the bad field and refuses options a fault does not take', async () => {
    const badCount = await site.req('/__admin/faults', json({ fault: 'http_500', count: 0 }));
    expect(badCount.status).toBe(400);
    expect(((await badCount.json()) as { error: string }).error).toMatch(/count:/);
    const badDelay = await site.req('/__admin/faults', json({ fault: 'slow_upload', delayMs: 'soon' }));
    expect(((await badDelay.json()) as { error: string }).error).toMatch(/delayMs:/);
    const stray = await site.req('/__admin/faults', json({ fault: 'captcha', delayMs: 10 }));
    expect(stray.status).toBe(400);
    expect(((await stray.json()) as { error: string }).error).toContain('delayMs: not an option of captcha (it takes: count)');
    expect((await site.faults()).pending).toEqual([]);
  });

  it('arms, lists (count defaults to 1) and clears', async () => {
    await site.arm({ fault: 'captcha' });
    await site.arm({ fault: 'slow_upload', count: 3, delayMs: 50 });
    const state = await site.faults();
    expect(state.pending.map(({ fault, remaining, options }) => ({ fault, remaining, options }))).toEqual([
      { fault: 'captcha', remaining: 1, options: {} },
      { fault: 'slow_upload', remaining: 3, options: { delayMs: 50 } },
    ]);
    const cleared = await site.req('/__admin/faults', { method: 'DELETE' });
    expect(await cleared.json()).toEqual({ cleared: 2 });
    expect((await site.faults()).pending).toEqual([]);
    expect((await site.asUser('/upload')).status).toBe(200);
  });
});

describe('faults at the HTTP level', () => {
  it('http_500: the next N page requests answer 500 with an error page, nothing is posted', async () => {
    const before = (await site.posts()).length;
    await site.arm({ fault: 'http_500', count: 3 });
    const form500 = await site.asUser('/upload');
    expect(form500.status).toBe(500);
    const html = await form500.text();
    expect(html).toContain('id="error-page" data-status="500"');
    expect(html).toContain('Algo salió mal');
    expect(html).not.toContain('id="publish"');

    const submit500 = await site.upload(csrf, 'http_500 submit');
    expect(submit500.status).toBe(500);
    expect(await submit500.text()).toContain('data-status="500"');
    expect((await site.req(`/p/${basePostId}`)).status).toBe(500);

    expect((await site.asUser('/upload')).status).toBe(200);
    expect(await site.posts()).toHaveLength(before);
    expect((await site.faults()).fired.map((f) => `${f.method} ${f.url}`)).toEqual([
      'GET /upload',
      'POST /upload',
      `GET /p/${basePostId}`,
    ]);
  });

  it('rate_limited: 429 with Retry-After (default 60 s, or as armed)', async () => {
    const before = (await site.posts()).length;
    await site.arm({ fault: 'rate_limited' });
    await site.arm({ fault: 'rate_limited', retryAfterS: 120 });
    const first = await site.asUser('/posts');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('60');
    expect(await first.text()).toContain('id="error-page" data-status="429"');
    const second = await site.upload(csrf, 'rate limited submit');
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('120');
    expect(await second.text()).toContain('Demasiadas solicitudes');
    expect((await site.asUser('/posts')).status).toBe(200);
    expect(await site.posts()).toHaveLength(before);
  });

  it('logged_out: the next authenticated page redirects to /login; the session stays valid', async () => {
    await site.arm({ fault: 'logged_out' });
    // A visitor without a session is not "logged out" by it: the fault waits for a real session.
    expect((await site.req('/upload')).headers.get('location')).toBe('/login?next=%2Fupload');
    expect((await site.faults()).pending).toHaveLength(1);
    // Public pages do not consume it either.
    expect((await site.asUser(`/p/${basePostId}`)).status).toBe(200);

    const res = await site.asUser('/upload');
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location).toBe('/login?next=%2Fupload&reason=session_expired');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('demo_session='))).toBe(false);
    // The login page shows the form (not a bounce back to /upload) and says why.
    const loginPage = await site.asUser(location);
    expect(loginPage.status).toBe(200);
    const html = await loginPage.text();
    expect(html).toContain('id="session-expired"');
    expect(html).toContain('id="login-submit"');
    expect(html).not.toContain('id="account-menu"');

    const after = await site.asUser('/upload');
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('id="account-menu"');
  });

  it('logged_out_mid_upload: the form renders, the POST redirects to /login, no post', async () => {
    const before = (await site.posts()).length;
    await site.arm({ fault: 'logged_out_mid_upload' });
    const page = await site.asUser('/upload');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('id="publish"');
    const res = await site.upload(csrf, 'mid upload');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login?next=%2Fupload&reason=session_expired');
    expect(await site.posts()).toHaveLength(before);
    expect((await site.asUser('/upload')).status).toBe(200);
  });

  it('captcha: the upload page is a captcha interstitial; a human can pass it', async () => {
    await site.arm({ fault: 'captcha' });
    const res = await site.asUser('/upload');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1>Verifica que eres una persona</h1>');
    expect(html).toContain('id="captcha" class="captcha"');
    expect(html).toContain('id="account-menu"');
    expect(html).not.toContain('id="upload-form"');
    expect(html).not.toContain('id="publish"');

    const unticked = await site.asUser('/challenge', form({ csrf: hiddenValue(html, 'csrf'), next: '/upload' }));
    expect(unticked.status).toBe(400);
    expect(await unticked.text()).toContain('id="captcha"');
    const passed = await site.asUser('/challenge', form({ csrf: hiddenValue(html, 'csrf'), next: '/upload', human: '1' }));
    expect(passed.status).toBe(303);
    expect(passed.headers.get('location')).toBe('/upload');
    expect(await (await site.asUser('/upload')).text()).toContain('id="publish"');
  });

  it('captcha_after_submit: the upload POST answers with the captcha interstitial, no post', async () => {
    const before = (await site.posts()).length;
    await site.arm({ fault: 'captcha_after_submit' });
    expect(await (await site.asUser('/upload')).text()).toContain('id="publish"');
    const res = await site.upload(csrf, 'captcha after submit');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Verifica que eres una persona');
    expect(html).toContain('id="captcha"');
    expect(await site.posts()).toHaveLength(before);
  });

  it('overlay: the upload page carries a modal dialog with its own close button', async () => {
    await site.arm({ fault: 'overlay' });
    const html = await (await site.asUser('/upload')).text();
    expect(html).toContain('id="promo-overlay" role="dialog" aria-modal="true"');
    expect(html).toContain('id="promo-close" aria-label="Cerrar"');
    expect(html).toContain('id="publish"'); // the form is still there, under the overlay
    expect(await (await site.asUser('/upload')).text()).not.toContain('promo-overlay');
  });

  it('variant_page: the upload page has another layout without the classic ids', async () => {
    await site.arm({ fault: 'variant_page' });
    const html = await (await site.asUser('/upload')).text();
    expect(html).toContain('data-layout="studio"');
    expect(html).toContain('data-testid="studio-upload-form"');
    for (const id of ['upload-form', 'video', 'caption', 'publish']) expect(html).not.toContain(`id="${id}"`);
    expect(html).toContain('id="account-menu"');
    expect(await (await site.asUser('/upload')).text()).toContain('id="publish"');
  });

  it('slow_upload: the POST is held for delayMs, then succeeds', async () => {
    const before = (await site.posts()).length;
    await site.arm({ fault: 'slow_upload', delayMs: 1500 });
    const started = performance.now();
    const pending = site.upload(csrf, 'slow upload');
    await waitFor('the slow upload to be in flight', async () =>
      (await site.faults()).inFlight.some((f) => f.fault === 'slow_upload'),
    );
    expect(await site.posts()).toHaveLength(before); // still "processing"
    const res = await pending;
    expect(performance.now() - started).toBeGreaterThanOrEqual(1490);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/p\/[a-z0-9]{10}$/);
    const posts = await site.posts();
    expect(posts).toHaveLength(before + 1);
    expect(posts.filter((p) => p.caption === 'slow upload')).toHaveLength(1);
  });

  it('stalled_upload: the POST never answers, the client gives up, no post', async () => {
    const before = (await site.posts()).length;
    await site.arm({ fault: 'stalled_upload' });
    const abort = new AbortController();
    const pending = site.upload(csrf, 'stalled upload', { signal: abort.signal });
    const outcome = pending.then(
      () => 'answered',
      (error: Error) => error.name,
    );
    await waitFor('the stalled upload to be held', async () =>
      (await site.faults()).inFlight.some((f) => f.fault === 'stalled_upload'),
    );
    expect(await site.posts()).toHaveLength(before);
    abort.abort();
    expect(await outcome).toBe('AbortError');
    await waitFor('the server to notice the client left', async () => (await site.faults()).inFlight.length === 0);
    expect(await site.posts()).toHaveLength(before);
  });

  it('no_confirmation: the post is created but the response never arrives', async () => {
    const before = (await site.posts()).length;
    await site.arm({ fault: 'no_confirmation' });
    const abort = new AbortController();
    const outcome = site.upload(csrf, 'lost response #held', { signal: abort.signal }).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    const posts = await waitFor('the post to exist', async () => {
      const list = await site.posts();
      return list.length === before + 1 ? list : undefined;
    });
    expect(posts.filter((p) => p.caption === 'lost response #held')).toHaveLength(1);
    await waitFor('the response to be held', async () =>
      (await site.faults()).inFlight.some((f) => f.fault === 'no_confirmation'),
    );
    abort.abort();
    expect(await outcome).toBe('AbortError');
    await waitFor('the held connection to go away', async () => (await site.faults()).inFlight.length === 0);
  });

  it('no_confirmation with mode "reset": the post is created and the connection is cut', async () => {
    const before = (await site.posts()).length;
    await site.arm({ fault: 'no_confirmation', mode: 'reset' });
    const error = await site.upload(csrf, 'lost response #reset').then(
      () => null,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(TypeError); // fetch failed: the socket closed without a response
    const posts = await site.posts();
    expect(posts).toHaveLength(before + 1);
    expect(posts.filter((p) => p.caption === 'lost response #reset')).toHaveLength(1);
  });

  it('daily_limit: the upload POST answers with the daily-limit page, no post', async () => {
    const before = (await site.posts()).length;
    await site.arm({ fault: 'daily_limit' });
    const res = await site.upload(csrf, 'over the limit');
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('id="daily-limit" data-error="daily_limit"');
    expect(html).toContain('Límite diario alcanzado');
    expect(html).toContain('id="account-menu"');
    expect(await site.posts()).toHaveLength(before);
  });

  it('post_deleted: one 404 "no longer available", identical to a missing post; the post still exists', async () => {
    await site.arm({ fault: 'post_deleted', postId: 'someotherpost' });
    expect((await site.req(`/p/${basePostId}`)).status).toBe(200); // armed for another post
    await site.req('/__admin/faults', { method: 'DELETE' });

    await site.arm({ fault: 'post_deleted' });
    const gone = await site.req(`/p/${basePostId}`);
    expect(gone.status).toBe(404);
    const html = await gone.text();
    expect(html).toContain('id="post-unavailable"');
    expect(html).toContain('Este vídeo ya no está disponible.');
    const missing = await site.req('/p/neverexisted');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe(html);

    const back = await site.req(`/p/${basePostId}`);
    expect(back.status).toBe(200);
    expect(await back.text()).toContain(`data-post-id="${basePostId}"`);
    expect((await site.posts()).some((p) => p.id === basePostId)).toBe(true);
  });

  it('metrics_layout_changed: the next post page shows counters without span.metric[data-metric]', async () => {
    await site.arm({ fault: 'metrics_layout_changed', postId: basePostId });
    const res = await site.req(`/p/${basePostId}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain('data-metric');
    expect(html).not.toContain('class="metric"');
    expect(html.match(/class="stat-pill /g)).toHaveLength(3);
    const views = (await site.posts()).find((p) => p.id === basePostId) as AdminPost & { views: number };
    expect(html).toContain(`aria-label="${views.views} reproducciones"`);
    expect(html).toContain(`data-post-id="${basePostId}"`);
    expect(await (await site.req(`/p/${basePostId}`)).text()).toContain('<span class="metric" data-metric="views"');
  });
});

describe('faults in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies([{ name: 'demo_session', value: site.jar.get('demo_session')!, url: site.platform.url }]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  const video = { name: 'clip.mp4', mimeType: 'video/mp4', buffer: fakeMp4Bytes() };

  it('overlay intercepts clicks until its close button is used', async () => {
    const before = (await site.posts()).length;
    await site.arm({ fault: 'overlay' });
    const page = await context.newPage();
    try {
      await page.goto(`${site.platform.url}/upload`);
      await expect(page.locator('#promo-overlay').isVisible()).resolves.toBe(true);
      await page.locator('#video').setInputFiles(video);
      await page.locator('#caption').fill('through the overlay');

      // What is under the button's centre is the overlay, so Playwright refuses to click.
      const hit = await page.locator('#publish').evaluate((button) => {
        const box = button.getBoundingClientRect();
        const top = button.ownerDocument.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
        return top?.closest('#promo-overlay') ? 'overlay' : (top?.id ?? 'nothing');
      });
      expect(hit).toBe('overlay');
      const refused = await page
        .locator('#publish')
        .click({ timeout: 1_000 })
        .then(
          () => 'clicked',
          (error: Error) => error.message,
        );
      expect(refused).toContain('intercepts pointer events');
      expect(new URL(page.url()).pathname).toBe('/upload');
      expect(await site.posts()).toHaveLength(before);

      await page.locator('#promo-close').click();
      await expect(page.locator('#promo-overlay').count()).resolves.toBe(0);
      await Promise.all([page.waitForURL(/\/p\/[a-z0-9]{10}$/), page.locator('#publish').click()]);
      await expect(page.locator('.caption').innerText()).resolves.toBe('through the overlay');
      expect(await site.posts()).toHaveLength(before + 1);
    } finally {
      await page.close();
    }
  });

  it('variant_page has none of the classic selectors and still publishes through its own', async () => {
    const before = (await site.posts()).length;
    await site.arm({ fault: 'variant_page' });
    const page = await context.newPage();
    try {
      await page.goto(`${site.platform.url}/upload`);
      for (const selector of ['#upload-form', '#video', '#caption', '#publish']) {
        expect(await page.locator(selector).count(), selector).toBe(0);
      }
      expect(await page.locator('#account-menu').count()).toBe(1);
      await page.locator('[data-testid="studio-file"]').setInputFiles(video);
      await expect(page.locator('[data-testid="studio-file-name"]').innerText()).resolves.toBe('clip.mp4');
      await page.getByLabel('Descripción').fill('through the studio layout');
      await Promise.all([
        page.waitForURL(/\/p\/[a-z0-9]{10}$/),
        page.getByRole('button', { name: 'Publicar ahora' }).click(),
      ]);
      await expect(page.locator('.caption').innerText()).resolves.toBe('through the studio layout');
      const posts = await site.posts();
      expect(posts).toHaveLength(before + 1);
      expect(posts.filter((p) => p.caption === 'through the studio layout')).toHaveLength(1);

      // The experiment was for one page view: the classic layout is back.
      await page.goto(`${site.platform.url}/upload`);
      expect(await page.locator('#publish').count()).toBe(1);
    } finally {
      await page.close();
    }
  });
});

describe('shutdown with held connections', () => {
  it('close() cuts stalled, unanswered and slow uploads instead of waiting for them', async () => {
    const own = await Site.start('demo-faults-close-');
    let closed = false;
    try {
      const token = await own.csrf();
      const inFlight = async (n: number) => (await own.faults()).inFlight.length === n;
      const outcomes: Array<Promise<string>> = [];
      const start = (caption: string): void => {
        outcomes.push(own.upload(token, caption).then(() => 'answered', (error: Error) => error.name));
      };

      await own.arm({ fault: 'stalled_upload' });
      start('stalled');
      await waitFor('the stalled upload', () => inFlight(1));
      await own.arm({ fault: 'no_confirmation' });
      start('unanswered');
      await waitFor('the unanswered upload', () => inFlight(2));
      await own.arm({ fault: 'slow_upload', delayMs: 600_000 });
      start('slow');
      await waitFor('the slow upload', () => inFlight(3));

      await within('close() with three held connections', own.platform.close(), 5_000);
      closed = true;
      expect(await within('the clients to see the cut', Promise.all(outcomes), 5_000)).toEqual(['TypeError', 'TypeError', 'TypeError']);

      // Only the upload whose response was lost had been published; the slow one never will be.
      const reopened = await startDemoPlatform({ port: 0, dataDir: own.dataDir, seed: SEED, now: () => T0 });
      try {
        const res = await request(reopened.url, '/__admin/posts');
        const { posts } = (await res.json()) as { posts: AdminPost[] };
        expect(posts.map((p) => p.caption)).toEqual(['unanswered']);
      } finally {
        await within('reopened close', reopened.close());
      }
    } finally {
      if (closed) await rm(own.dataDir, { recursive: true, force: true });
      else await own.close();
    }
  });
});
