/**
 * Driver for the local demo platform (demo/): the reference implementation of PlatformDriver. It
 * reads what the site shows (error pages, login redirects, captchas, limits, promos, a second
 * upload layout) and turns each into a typed outcome; it never assumes the site behaves.
 */
import type { Response } from 'playwright-core';
import { parseCount } from '../../../core/numbers.js';
import { PublishError, sessionExpired } from '../errors.js';
import { demoLocators as L, demoMetricNames, demoPaths } from './demo-locators.js';
import type { DriverContext, MetricsRead, PlatformDriver, PostRef, SessionState } from './types.js';

const onLoginPage = (url: string) => new URL(url).pathname === demoPaths.login;
const present = async (ctx: DriverContext, selector: string) => (await ctx.page.locator(selector).count()) > 0;

function retryAfterMs(response: Response | null | undefined): number | undefined {
  const header = response?.headers()['retry-after'];
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Every marker of a page that cannot be used, whatever we were doing on it. */
const problemMarkers = [L.captcha, L.dailyLimit, L.errorPage];

/**
 * Whether the page shows all of `wanted` and none of `unwanted`, in one round trip to the browser (one
 * selector on the document). The usual page passes in one look where checking each marker on its own
 * cost a round trip (and a traced action) apiece; a page that does not pass is then read one check at a
 * time, so every unusual page still gets its own typed outcome.
 */
async function pageIs(ctx: DriverContext, wanted: string[], unwanted: string[]): Promise<boolean> {
  const selector = `html${wanted.map((s) => `:has(${s})`).join('')}${unwanted.length ? `:not(:has(${unwanted.join(', ')}))` : ''}`;
  return (await ctx.page.locator(selector).count()) === 1;
}

/** What the HTTP answer and the URL alone say (no round trip to the page). */
function assertAnswer(ctx: DriverContext, where: string, response?: Response | null) {
  const status = response?.status() ?? 0;
  if (status === 429) {
    const wait = retryAfterMs(response);
    throw new PublishError('Retryable', `the platform rate-limited ${where} (HTTP 429${wait !== undefined ? `, retry after ${Math.round(wait / 1000)} s` : ''})`, undefined, wait);
  }
  if (status >= 500) throw new PublishError('Retryable', `the platform failed on ${where} (HTTP ${status})`);
  if (onLoginPage(ctx.page.url())) throw sessionExpired(`the platform asked to log in again on ${where}`);
}

/**
 * Turns what the page now shows into a typed error, or returns when it is an ordinary page. `where`
 * says what we were doing, for the message an admin reads.
 */
async function assertUsable(ctx: DriverContext, where: string, response?: Response | null) {
  assertAnswer(ctx, where, response);
  if (await pageIs(ctx, [], problemMarkers)) return;
  if (await present(ctx, L.captcha)) throw new PublishError('Challenge', `the platform shows a captcha on ${where}; a person must solve it`);
  if (await present(ctx, L.dailyLimit)) throw new PublishError('DailyLimit', `the platform's daily upload limit was reached (${where})`);
  const errorPage = ctx.page.locator(L.errorPage);
  if ((await errorPage.count()) > 0) {
    const shown = Number(await errorPage.first().getAttribute('data-status'));
    if (shown === 429) throw new PublishError('Retryable', `the platform rate-limited ${where}`, undefined, retryAfterMs(response));
    throw new PublishError('Retryable', `the platform showed an error page on ${where}${shown ? ` (${shown})` : ''}`);
  }
}

const goto = (ctx: DriverContext, path: string) =>
  ctx.page.goto(new URL(path, ctx.baseUrl).toString(), { timeout: ctx.timeoutMs, waitUntil: 'domcontentloaded' });

async function open(ctx: DriverContext, path: string, where: string) {
  const response = await goto(ctx, path);
  await assertUsable(ctx, where, response);
  return response;
}

async function requireLoggedIn(ctx: DriverContext, where: string) {
  if (!(await present(ctx, L.loggedInMarker))) {
    throw new PublishError('SelectorMissing', `no logged-in marker (${L.loggedInMarker}) on ${where}: the page layout is not one this driver knows`);
  }
}

/** Cancels a navigation that never answers (Chrome's stop button), bounded since the page may be wedged. */
async function stopLoading(ctx: DriverContext) {
  const stop = ctx.context.newCDPSession(ctx.page).then(async (cdp) => {
    await cdp.send('Page.stopLoading');
    await cdp.detach();
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([stop, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]).catch(() => undefined);
  clearTimeout(timer);
}

/** Closes promo modals that would swallow the publish click. */
async function dismissOverlays(ctx: DriverContext) {
  for (let round = 0; round < 3 && (await ctx.page.locator(L.overlay).count()) > 0; round++) {
    const close = ctx.page.locator(L.overlayClose).first();
    if ((await close.count()) === 0) throw new PublishError('SelectorMissing', 'a dialog covers the page and has no close button this driver knows');
    ctx.log.info('closing a promo overlay on the upload page');
    await close.click({ timeout: ctx.timeoutMs });
    await ctx.page.locator(L.overlay).first().waitFor({ state: 'detached', timeout: ctx.timeoutMs }).catch(() => undefined);
  }
}

async function uploadLayout(ctx: DriverContext) {
  for (const layout of L.uploadLayouts) if (await present(ctx, layout.root)) return layout;
  throw new PublishError('SelectorMissing', `the upload page matches none of the known layouts (${L.uploadLayouts.map((l) => l.name).join(', ')})`);
}

function postRef(url: string): PostRef {
  const match = demoPaths.postPattern.exec(new URL(url).pathname);
  if (!match) throw new PublishError('Retryable', `unexpected post URL ${url}`);
  return { url, externalId: match[1]! };
}

/** Every page the upload POST can end on; until one shows, the outcome is unknown. */
const afterSubmitMarkers = [L.post, L.login.form, L.captcha, L.dailyLimit, L.errorPage].join(', ');

export const demoDriver: PlatformDriver = {
  async checkSession(ctx): Promise<SessionState> {
    try {
      await open(ctx, demoPaths.upload, 'the session check');
    } catch (error) {
      if (error instanceof PublishError && error.type === 'SessionExpired') return 'logged_out';
      if (error instanceof PublishError && error.type === 'Challenge') return 'challenge';
      ctx.log.warn({ err: (error as Error).message }, 'session check could not tell');
      return 'unknown';
    }
    return (await present(ctx, L.loggedInMarker)) ? 'logged_in' : 'unknown';
  },

  async login(ctx, { username, password }) {
    await open(ctx, demoPaths.login, 'the login page').catch((error: unknown) => {
      // The login page itself is where an expired session lands: that is expected here.
      if (!(error instanceof PublishError && error.type === 'SessionExpired')) throw error;
    });
    await ctx.page.locator(L.login.username).fill(username, { timeout: ctx.timeoutMs });
    await ctx.page.locator(L.login.password).fill(password, { timeout: ctx.timeoutMs });
    await Promise.all([
      ctx.page.waitForLoadState('domcontentloaded', { timeout: ctx.timeoutMs }),
      ctx.page.locator(L.login.submit).click({ timeout: ctx.timeoutMs }),
    ]);
    await ctx.page.locator(`${L.loggedInMarker}, ${L.login.error}, ${L.captcha}`).first().waitFor({ timeout: ctx.timeoutMs });
    if (await present(ctx, L.captcha)) return 'challenge';
    return (await present(ctx, L.loggedInMarker)) ? 'logged_in' : 'logged_out';
  },

  async publish(ctx, post) {
    const opened = await goto(ctx, demoPaths.upload);
    assertAnswer(ctx, 'the upload page', opened);
    // The usual upload page (logged in, the classic layout, no promo, nothing wrong) in one look.
    const classic = L.uploadLayouts[0]!;
    let layout = classic;
    if (!(await pageIs(ctx, [L.loggedInMarker, classic.root], [L.overlay, ...problemMarkers]))) {
      await assertUsable(ctx, 'the upload page', opened);
      await requireLoggedIn(ctx, 'the upload page');
      await dismissOverlays(ctx);
      layout = await uploadLayout(ctx);
    }
    await ctx.step('uploading');
    await ctx.page.locator(layout.file).setInputFiles(post.videoPath, { timeout: ctx.timeoutMs });
    await ctx.page.locator(layout.caption).fill(post.caption, { timeout: ctx.timeoutMs });
    await dismissOverlays(ctx);
    await ctx.step('submitting');
    const submitted = ctx.page
      .waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest(), { timeout: ctx.timeoutMs })
      .catch(() => null);
    let postId: string | null;
    try {
      // Inside the try: a click that starts a navigation waits for it, and a held upload never commits.
      await ctx.page.locator(layout.submit).click({ timeout: ctx.timeoutMs });
      // Waits for whichever page came back and reads it in the same round trip: only a post carries data-post-id.
      postId = await ctx.page.locator(afterSubmitMarkers).first().getAttribute('data-post-id', { timeout: ctx.timeoutMs });
    } catch (error) {
      // The click went through but no page came back: the post may or may not exist.
      await ctx.step('unconfirmed');
      // Stop the hung navigation (as a person pressing Esc would), so the evidence shows the page as it stood.
      await stopLoading(ctx);
      throw new PublishError('Retryable', `no answer within ${Math.round(ctx.timeoutMs / 1000)} s after submitting: ${(error as Error).message.split('\n')[0]}`);
    }
    const response = await submitted;
    // Not a post first in the page: the post may still be there further down; if not, say what the page shows instead.
    if (postId === null && !(await present(ctx, L.post))) await assertUsable(ctx, 'the upload', response);
    return postRef(ctx.page.url());
  },

  async findByMarker(ctx, marker) {
    const response = await goto(ctx, demoPaths.myPosts);
    assertAnswer(ctx, 'the own-posts list', response);
    if (!(await pageIs(ctx, [L.loggedInMarker], problemMarkers))) {
      await assertUsable(ctx, 'the own-posts list', response);
      await requireLoggedIn(ctx, 'the own-posts list');
    }
    const links = ctx.page.locator(L.postLinks);
    const hrefs = await links.evaluateAll((els) => els.slice(0, 20).map((el) => [el.getAttribute('href') ?? '', el.textContent ?? ''] as const));
    const found = hrefs.find(([, excerpt]) => excerpt.includes(marker));
    if (found) return postRef(new URL(found[0], ctx.baseUrl).toString());
    // The list shows excerpts; open each recent post to compare the full caption.
    for (const [href] of hrefs) {
      const response = await ctx.page.goto(new URL(href, ctx.baseUrl).toString(), { timeout: ctx.timeoutMs, waitUntil: 'domcontentloaded' });
      if (!response || response.status() === 404) continue;
      await assertUsable(ctx, 'a post page', response);
      const caption = await ctx.page.locator(L.postCaption).first().textContent({ timeout: ctx.timeoutMs }).catch(() => null);
      if (caption?.includes(marker)) return postRef(ctx.page.url());
    }
    return null;
  },

  async readMetrics(ctx, post) {
    const response = await ctx.page.goto(post.url, { timeout: ctx.timeoutMs, waitUntil: 'domcontentloaded' });
    if (response?.status() === 404 || (await present(ctx, L.postUnavailable))) {
      throw new PublishError('PostUnavailable', `the platform says post ${post.externalId} is not available`);
    }
    await assertUsable(ctx, 'the post page', response);
    const read: MetricsRead = {};
    for (const name of demoMetricNames) {
      const el = ctx.page.locator(L.metric(name)).first();
      // The exact number sits in title; the visible text is abbreviated ("1,2 mil").
      read[name] = (await el.count()) === 0 ? null : parseCount((await el.getAttribute('title')) ?? (await el.textContent()));
    }
    return read;
  },
};
