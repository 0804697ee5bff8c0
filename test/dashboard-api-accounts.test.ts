/**
 * YouTube, Instagram and TikTok accounts on the dashboard, in real Chromium against the built dashboard and the whole
 * stack: each row says what is left today of its platform's cap — the Google project's uploads (seeded in
 * api_quota_usage: 3,200 of 10,000 units spent → 4 of 6 uploads, amber at 1, red at 0), Instagram's posts in 24 h (two
 * published → 48 of 50), TikTok's inbox drafts once the account is in inbox mode — with the reset in the admin's zone,
 * and warns that the Google project and the TikTok app are not audited. The YouTube privacy and the TikTok mode,
 * privacy and brand-organic flag are saved from the publishing settings form (with JS and without), a value the form
 * never offers is refused next to its field.
 * The run's database is shared with other files: names carry this run's suffix, and today's YouTube quota row is put
 * back as it was.
 */
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { youtubeQuotaDay } from '../core/platform-quotas.js';
import { apiQuotaUsage } from '../db/schema.js';
import { launchDashboardBrowser, openAsAdmin } from './helpers/dashboard-browser.js';
import { createPublication } from './helpers/overview-seed.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { api as apiCall } from './helpers/api-platform.js';
import { waitFor } from './helpers/wait.js';

let stack: TestStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const run = randomBytes(3).toString('hex');
const modelName = `Cuotas ${run}`;
/** The browser's zone; the page says reset times in it (unless the admin saved another in Ajustes). */
const browserZone = 'Europe/Madrid';
let zone: string;
let modelId: string;
let platformIds: Record<string, string>;
let quotaDay: string;
let quotaRowBefore: { units: number; exhausted: boolean } | undefined;
const db = () => stack.app.db.db;

beforeAll(async () => {
  stack = await startTestStack({
    embedded: false,
    // The Google project's day: 10,000 units, 1,600 an upload → 6 uploads. Neither the project nor the app audited.
    env: { YOUTUBE_DAILY_QUOTA_UNITS: '10000' },
  });
  browser = await launchDashboardBrowser(stack);

  const model = await api('POST', '/api/models', { name: modelName });
  expect(model.status).toBe(201);
  modelId = model.body.id;
  const platforms = (await api('GET', '/api/platforms?limit=200')).body.items as { id: string; name: string }[];
  platformIds = Object.fromEntries(platforms.map((p) => [p.name, p.id]));
  for (const name of ['youtube', 'instagram', 'tiktok']) expect(platformIds[name], `platform ${name} registered at start`).toBeTruthy();
  const preferences = await api('GET', '/api/settings/preferences');
  expect(preferences.status).toBe(200);
  zone = (preferences.body.timezone as string | null) ?? browserZone;

  // 3,200 units of today's YouTube quota spent (two uploads' worth): shared by every YouTube account of the deployment.
  quotaDay = youtubeQuotaDay(new Date());
  const [before] = await db().select().from(apiQuotaUsage).where(and(eq(apiQuotaUsage.platform, 'youtube'), eq(apiQuotaUsage.day, quotaDay)));
  quotaRowBefore = before ? { units: before.units, exhausted: before.exhausted } : undefined;
  await setYoutubeUsage(3200, false);

  ({ context, page } = await openAsAdmin(browser, stack, `/accounts?modelId=${modelId}`, { timezoneId: browserZone }));
});
afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  if (stack && quotaDay) {
    // Other files of the run publish to YouTube: today's row goes back to what it was.
    if (quotaRowBefore) await setYoutubeUsage(quotaRowBefore.units, quotaRowBefore.exhausted);
    else await db().delete(apiQuotaUsage).where(and(eq(apiQuotaUsage.platform, 'youtube'), eq(apiQuotaUsage.day, quotaDay)));
  }
  await stack?.close();
});

async function setYoutubeUsage(units: number, exhausted: boolean) {
  await db().insert(apiQuotaUsage).values({ platform: 'youtube', day: quotaDay, units, exhausted })
    .onConflictDoUpdate({ target: [apiQuotaUsage.platform, apiQuotaUsage.day], set: { units, exhausted } });
}

const api = (method: string, path: string, body?: unknown) => apiCall<Record<string, any>>(stack, method, path, body);

async function createAccount(platform: string, username: string): Promise<{ id: string; modelId: string }> {
  const created = await api('POST', '/api/accounts', { modelId, platformId: platformIds[platform], username });
  expect(created.status).toBe(201);
  return { id: created.body.id as string, modelId };
}

async function accountById(id: string) {
  const items = (await api('GET', `/api/accounts?modelId=${modelId}&limit=200`)).body.items as Record<string, any>[];
  return items.find((a) => a.id === id)!;
}

/** HH:mm of an instant in a zone, as the page writes it. */
const hhmm = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));

const rowOf = (target: Page, id: string): Locator => target.locator(`tbody[data-testid="account"][data-id="${id}"]`);
/** The accounts of this run's model, once the page speaks in the admin's zone (the first visit stores the browser's). */
async function openAccounts(target: Page, query = '') {
  await target.goto(`${stack.url}/accounts?modelId=${modelId}${query}`);
  await target.locator(`[data-testid="quota-today"][data-zone="${zone}"]`).first().waitFor();
}
/** The colour Chromium paints (the test's tsconfig has no DOM types: the window is named by what is used). */
const colorOf = (locator: Locator) =>
  locator.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color);
const AMBER = 'rgb(245, 158, 11)';
const RED = 'rgb(239, 68, 68)';

describe('platform quotas and app warnings on the accounts page', () => {
  let youtube: { id: string; modelId: string };
  let instagram: { id: string; modelId: string };
  let tiktok: { id: string; modelId: string };

  beforeAll(async () => {
    youtube = await createAccount('youtube', `yt_${run}`);
    instagram = await createAccount('instagram', `ig_${run}`);
    tiktok = await createAccount('tiktok', `tt_${run}`);
    // Two Instagram posts in the last 24 h, and one a day and a half ago that no longer counts.
    const now = Date.now();
    for (const hoursAgo of [2, 5, 36]) {
      await createPublication(db(), instagram, { status: 'published', publishedAt: new Date(now - hoursAgo * 3_600_000) });
    }
  });

  it('a YouTube row: 4 of 6 uploads left in the shared Google project, the reset in Pacific and in the admin’s time, and the unaudited warning', async () => {
    const fromApi = await accountById(youtube.id);
    expect(fromApi.quotaToday).toMatchObject({ remaining: 4, limit: 6, unit: 'uploads', scope: 'app' });
    expect(fromApi.appWarnings).toEqual(['youtube_unaudited']);

    await openAccounts(page);
    const row = rowOf(page, youtube.id);
    const quota = row.getByTestId('quota-today');
    expect(await quota.getAttribute('data-remaining')).toBe('4');
    expect(await quota.getAttribute('data-limit')).toBe('6');
    expect(await quota.getAttribute('data-tone')).toBe('good');
    const text = (await quota.textContent())!.replace(/\s+/g, ' ');
    expect(text).toContain('Quedan 4 de 6 subidas hoy');
    expect(text).toContain('cuota del proyecto de Google, compartida');
    // Google resets the day at midnight Pacific time; the admin reads it in her zone too.
    const resetsAt = fromApi.quotaToday.resetsAt as string;
    expect(hhmm(resetsAt, 'America/Los_Angeles')).toBe('00:00');
    expect(text).toContain(`se renueva a las 00:00 hora del Pacífico (${hhmm(resetsAt, zone)} tu hora)`);

    const warning = row.locator('[data-testid="app-warning"][data-code="youtube_unaudited"]');
    expect(await warning.isVisible()).toBe(true);
    const warningText = await warning.textContent();
    expect(warningText).toContain('Proyecto de Google sin auditar');
    expect(warningText).toContain('YOUTUBE_PROJECT_AUDITED=true');
    // Instagram and TikTok have no such warning line of their own kind on this row, and YouTube's is not on theirs.
    expect(await row.locator('[data-testid="app-warning"]').count()).toBe(1);
    expect(await rowOf(page, instagram.id).getByTestId('app-warning').count()).toBe(0);

    // The same in English.
    await openAccounts(page, '&lang=en');
    const english = (await rowOf(page, youtube.id).getByTestId('quota-today').textContent())!.replace(/\s+/g, ' ');
    expect(english).toContain('4 of 6 uploads left today');
    expect(english).toContain(`resets at 00:00 Pacific time (${hhmm(resetsAt, zone)} your time)`);
    expect(await rowOf(page, youtube.id).locator('[data-testid="app-warning"][data-code="youtube_unaudited"]').textContent())
      .toContain('Google project not audited');
    await openAccounts(page, '&lang=es');
  });

  it('a low quota is amber, a spent one red and says what happens', async () => {
    try {
      // 8,000 units spent: one upload left.
      await setYoutubeUsage(8000, false);
      await openAccounts(page);
      const quota = rowOf(page, youtube.id).getByTestId('quota-today');
      expect(await quota.getAttribute('data-remaining')).toBe('1');
      expect(await quota.getAttribute('data-tone')).toBe('warn');
      expect(await quota.textContent()).toContain('Queda 1 de 6 subidas hoy');
      expect(await colorOf(quota.locator('strong'))).toBe(AMBER);
      expect(await quota.getByTestId('quota-out').count()).toBe(0);

      // Google said the day is spent (uploads made elsewhere with the same project): nothing left.
      await setYoutubeUsage(8000, true);
      await openAccounts(page);
      expect(await quota.getAttribute('data-remaining')).toBe('0');
      expect(await quota.getAttribute('data-tone')).toBe('bad');
      expect(await quota.textContent()).toContain('Quedan 0 de 6 subidas hoy');
      expect(await colorOf(quota.locator('strong'))).toBe(RED);
      expect(await quota.getByTestId('quota-out').textContent()).toContain('esperan a que se renueve la cuota');
    } finally {
      await setYoutubeUsage(3200, false);
    }
  });

  it('an Instagram row: 48 of 50 posts in 24 h, with when the oldest stops counting', async () => {
    const fromApi = await accountById(instagram.id);
    expect(fromApi.quotaToday).toMatchObject({ remaining: 48, limit: 50, unit: 'posts', scope: 'account' });
    await openAccounts(page);
    const quota = rowOf(page, instagram.id).getByTestId('quota-today');
    expect(await quota.getAttribute('data-remaining')).toBe('48');
    expect(await quota.getAttribute('data-limit')).toBe('50');
    expect(await quota.getAttribute('data-tone')).toBe('good');
    const text = (await quota.textContent())!.replace(/\s+/g, ' ');
    expect(text).toContain('Quedan 48 de 50 publicaciones en 24 h');
    expect(text).toContain(`se libera otra publicación a las ${hhmm(fromApi.quotaToday.resetsAt, zone)} (tu hora)`);
    expect(text).not.toContain('compartida');
  });

  it('YouTube privacy: the form warns it is forced private while unaudited, and saves unlisted', async () => {
    await openAccounts(page);
    const row = rowOf(page, youtube.id);
    await row.getByTestId('publish-settings-toggle').click();
    const select = row.getByTestId('youtube-privacy');
    expect(await select.inputValue()).toBe('public'); // the driver's default
    expect(await select.locator('option').evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value)))
      .toEqual(['public', 'unlisted', 'private']);
    expect(await row.getByTestId('youtube-forced-private').textContent()).toContain('YouTube deja privado todo lo que se sube');

    await select.selectOption('unlisted');
    await row.getByTestId('publish-settings-submit').click();
    await row.locator('[data-testid="form-notice"][data-action="publishSettings"][data-ok="true"]').waitFor();
    expect((await accountById(youtube.id)).publishSettings).toEqual({ youtubePrivacy: 'unlisted' });
    await openAccounts(page);
    await rowOf(page, youtube.id).getByTestId('publish-settings-toggle').click();
    expect(await rowOf(page, youtube.id).getByTestId('youtube-privacy').inputValue()).toBe('unlisted');
  });

  it('TikTok: the unaudited warning, a refused value next to its field, then inbox mode saved and its drafts quota shown', async () => {
    let fromApi = await accountById(tiktok.id);
    expect(fromApi.quotaToday).toBeNull(); // direct posts: TikTok publishes no number
    expect(fromApi.appWarnings).toEqual(['tiktok_unaudited']);

    await openAccounts(page);
    const row = rowOf(page, tiktok.id);
    expect(await row.getByTestId('quota-today').count()).toBe(0);
    const warning = row.locator('[data-testid="app-warning"][data-code="tiktok_unaudited"]');
    expect(await warning.isVisible()).toBe(true);
    expect(await warning.textContent()).toContain('App de TikTok sin auditar');
    expect(await warning.textContent()).toContain('usa el modo bandeja');

    await row.getByTestId('publish-settings-toggle').click();
    expect(await row.getByTestId('tiktok-mode-direct').isChecked()).toBe(true);
    expect(await row.getByTestId('tiktok-privacy').inputValue()).toBe('');
    expect(await row.getByTestId('tiktok-brand-organic').isChecked()).toBe(false);
    const how = await row.getByTestId('tiktok-inbox-how').textContent();
    expect(how).toContain('termina la publicación en la app');
    expect(how).toContain('«Borrador en la app»');
    expect(how).toContain('Telegram');
    expect(await row.getByTestId('tiktok-self-only').textContent()).toContain('«Solo yo»');

    // A privacy the form never offers (a tampered page): refused next to the field, nothing saved, the choices kept.
    await row.getByTestId('tiktok-mode-inbox').check();
    await row.getByTestId('tiktok-privacy').evaluate((select) => {
      type Option = { value: string; textContent: string };
      const { document } = globalThis as unknown as { document: { createElement(tag: 'option'): Option } };
      const option = document.createElement('option');
      option.value = 'EVERYONE_AND_MORE';
      option.textContent = 'tampered';
      (select as unknown as { appendChild(child: Option): void }).appendChild(option);
    });
    // Chosen apart from the append: Svelte re-selects the rendered value when the options change.
    await row.getByTestId('tiktok-privacy').selectOption('EVERYONE_AND_MORE');
    await row.getByTestId('publish-settings-submit').click();
    const privacyError = row.locator('[data-testid="field-error"][data-field="tiktokPrivacy"]');
    await privacyError.waitFor();
    expect(await privacyError.textContent()).toBe('Elige una de las opciones.');
    expect(await row.locator('[data-testid="form-notice"][data-action="publishSettings"][data-ok="false"]').isVisible()).toBe(true);
    expect((await accountById(tiktok.id)).publishSettings).toEqual({});
    expect(await row.getByTestId('tiktok-mode-inbox').isChecked()).toBe(true);

    // Inbox mode, followers only for direct posts, brand-organic: saved by clicking.
    await row.getByTestId('tiktok-privacy').selectOption('FOLLOWER_OF_CREATOR');
    await row.getByTestId('tiktok-brand-organic').check();
    await row.getByTestId('publish-settings-submit').click();
    await row.locator('[data-testid="form-notice"][data-action="publishSettings"][data-ok="true"]').waitFor();
    expect(await privacyError.count()).toBe(0);
    fromApi = await accountById(tiktok.id);
    expect(fromApi.publishSettings).toEqual({ tiktokMode: 'inbox', tiktokPrivacy: 'FOLLOWER_OF_CREATOR', tiktokBrandOrganic: true });
    expect(fromApi.quotaToday).toMatchObject({ remaining: 5, limit: 5, unit: 'drafts', scope: 'account', resetsAt: null });

    // The row now counts the drafts, and the warning says inbox mode is not held back by it.
    const quota = row.getByTestId('quota-today');
    await quota.waitFor();
    expect(await quota.getAttribute('data-remaining')).toBe('5');
    expect(await quota.getAttribute('data-limit')).toBe('5');
    expect((await quota.textContent())!.replace(/\s+/g, ' ').trim()).toBe('Quedan 5 de 5 borradores en 24 h');
    expect(await warning.textContent()).toContain('a esta cuenta no le afecta');

    // After a reload the form shows what was saved.
    await page.reload();
    await rowOf(page, tiktok.id).getByTestId('quota-today').waitFor();
    const reloaded = rowOf(page, tiktok.id);
    await reloaded.getByTestId('publish-settings-toggle').click();
    expect(await reloaded.getByTestId('tiktok-mode-inbox').isChecked()).toBe(true);
    expect(await reloaded.getByTestId('tiktok-mode-direct').isChecked()).toBe(false);
    expect(await reloaded.getByTestId('tiktok-privacy').inputValue()).toBe('FOLLOWER_OF_CREATOR');
    expect(await reloaded.getByTestId('tiktok-brand-organic').isChecked()).toBe(true);
  });

  it('works without JavaScript: TikTok back to direct posts, YouTube to private', async () => {
    const plain = await browser.newContext({ javaScriptEnabled: false, timezoneId: browserZone });
    try {
      const noJs = await plain.newPage();
      await noJs.goto(`${stack.url}/accounts?modelId=${modelId}`);
      await noJs.waitForURL(/\/login\?next=/);
      await noJs.locator('#password').fill(stack.adminPassword);
      await Promise.all([noJs.waitForURL(`${stack.url}/accounts?modelId=${modelId}`), noJs.locator('#login-submit').click()]);

      const tiktokRow = rowOf(noJs, tiktok.id);
      await tiktokRow.getByTestId('publish-settings-toggle').click();
      await tiktokRow.getByTestId('tiktok-mode-direct').check();
      await tiktokRow.getByTestId('tiktok-brand-organic').uncheck();
      await Promise.all([noJs.waitForLoadState('load'), tiktokRow.getByTestId('publish-settings-submit').click()]);
      await tiktokRow.locator('[data-testid="form-notice"][data-action="publishSettings"][data-ok="true"]').waitFor();
      const tiktokNow = await accountById(tiktok.id);
      expect(tiktokNow.publishSettings).toEqual({ tiktokMode: 'direct', tiktokPrivacy: 'FOLLOWER_OF_CREATOR', tiktokBrandOrganic: false });
      expect(tiktokNow.quotaToday).toBeNull();
      expect(await tiktokRow.getByTestId('quota-today').count()).toBe(0);

      const youtubeRow = rowOf(noJs, youtube.id);
      await youtubeRow.getByTestId('publish-settings-toggle').click();
      await youtubeRow.getByTestId('youtube-privacy').selectOption('private');
      await Promise.all([noJs.waitForLoadState('load'), youtubeRow.getByTestId('publish-settings-submit').click()]);
      await youtubeRow.locator('[data-testid="form-notice"][data-action="publishSettings"][data-ok="true"]').waitFor();
      await waitFor(async () => (await accountById(youtube.id)).publishSettings.youtubePrivacy === 'private', {
        what: 'YouTube privacy saved as private', timeoutMs: 10_000,
      });
    } finally {
      await plain.close();
    }
  });
});
