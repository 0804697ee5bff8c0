/** Driver for the local demo platform (demo/): the reference implementation of PlatformDriver. */
import { parseCount } from '../../../core/numbers.js';
import type { PostMetrics } from '../../../core/types.js';
import { PublishError, sessionExpired } from '../errors.js';
import { demoLocators as L, demoPaths } from './demo-locators.js';
import type { DriverContext, PlatformDriver, PostRef } from './types.js';

function onLoginPage(url: string): boolean {
  return new URL(url).pathname.startsWith(demoPaths.loginPrefix);
}

async function open(ctx: DriverContext, path: string) {
  const response = await ctx.page.goto(new URL(path, ctx.baseUrl).toString(), { timeout: ctx.timeoutMs, waitUntil: 'domcontentloaded' });
  const status = response?.status() ?? 0;
  if (status >= 500) throw new PublishError('Retryable', `platform answered HTTP ${status} on ${path}`);
  if (status === 429) throw new PublishError('Retryable', `platform rate-limited ${path}`);
}

async function requireLoggedIn(ctx: DriverContext) {
  if (onLoginPage(ctx.page.url())) throw sessionExpired('the saved session is no longer logged in');
  const marker = ctx.page.locator(L.loggedInMarker);
  if ((await marker.count()) === 0) throw new PublishError('SelectorMissing', `logged-in marker ${L.loggedInMarker} not found`);
}

function postRef(url: string): PostRef {
  const match = demoPaths.postPattern.exec(new URL(url).pathname);
  if (!match) throw new PublishError('Retryable', `unexpected post URL ${url}`);
  return { url, externalId: match[1]! };
}

export const demoDriver: PlatformDriver = {
  async checkSession(ctx) {
    await open(ctx, demoPaths.upload);
    if (onLoginPage(ctx.page.url())) return 'logged_out';
    if ((await ctx.page.locator(L.captcha).count()) > 0) return 'challenge';
    return (await ctx.page.locator(L.loggedInMarker).count()) > 0 ? 'logged_in' : 'unknown';
  },

  async publish(ctx, post) {
    await open(ctx, demoPaths.upload);
    await requireLoggedIn(ctx);
    await ctx.step('uploading');
    await ctx.page.locator(L.videoInput).setInputFiles(post.videoPath, { timeout: ctx.timeoutMs });
    await ctx.page.locator(L.captionInput).fill(post.caption, { timeout: ctx.timeoutMs });
    await ctx.step('submitting');
    await Promise.all([
      ctx.page.waitForURL((url) => demoPaths.postPattern.test(url.pathname) || onLoginPage(url.toString()), { timeout: ctx.timeoutMs }),
      ctx.page.locator(L.publishButton).click({ timeout: ctx.timeoutMs }),
    ]).catch(async (error: Error) => {
      // The click may have gone through: the outcome is unknown until the marker says otherwise.
      await ctx.step('unconfirmed');
      throw new PublishError('Retryable', `no confirmation after submitting: ${error.message}`);
    });
    if (onLoginPage(ctx.page.url())) throw sessionExpired('logged out while uploading');
    return postRef(ctx.page.url());
  },

  async findByMarker(ctx, marker) {
    await open(ctx, demoPaths.myPosts);
    await requireLoggedIn(ctx);
    const links = ctx.page.locator(L.postLinks);
    for (const link of await links.all()) {
      const text = (await link.getAttribute('title')) ?? (await link.innerText());
      if (text.includes(marker)) return postRef(new URL((await link.getAttribute('href'))!, ctx.baseUrl).toString());
    }
    // The list shows excerpts; open each recent post to compare the full caption.
    const hrefs = await links.evaluateAll((els) => els.slice(0, 20).map((el) => el.getAttribute('href') ?? ''));
    for (const href of hrefs) {
      await open(ctx, href);
      const caption = await ctx.page.locator('.caption').first().innerText({ timeout: ctx.timeoutMs }).catch(() => '');
      if (caption.includes(marker)) return postRef(ctx.page.url());
    }
    return null;
  },

  async readMetrics(ctx, post) {
    await open(ctx, post.url);
    const read = async (name: 'views' | 'likes' | 'comments') => {
      const el = ctx.page.locator(L.metric(name)).first();
      if ((await el.count()) === 0) return undefined;
      // The exact number sits in title; the visible text is abbreviated ("1.2K").
      return parseCount((await el.getAttribute('title')) ?? (await el.innerText())) ?? undefined;
    };
    const metrics: Partial<PostMetrics> = {};
    for (const name of ['views', 'likes', 'comments'] as const) {
      const value = await read(name);
      if (value !== undefined) metrics[name] = value;
    }
    return metrics;
  },
};
