/**
 * Evergreen reposts through the built dashboard in real Chromium: the analytics page suggests a published content and
 * marks it reusable, the content page's "Republicar" dialog shows the account in cooldown and reposts on the other one,
 * and the repost is listed with the origin's results; the model page saves her live-posting setting.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contents } from '../db/schema.js';
import { eq } from 'drizzle-orm';
import { launchDashboardBrowser, openAsAdmin } from './helpers/dashboard-browser.js';
import { demoAccount, publishedAndSettled, repostModel, setAccountStatus, uploadFreshClip } from './helpers/reposts.js';
import { getJson, startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
let browser: Browser;
let context: BrowserContext | undefined;
const run = randomBytes(4).toString('hex');

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  browser = await launchDashboardBrowser(stack);
});
afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.close();
});

describe('dashboard reposts', () => {
  it('marks a suggested content reusable, reposts it on the account out of cooldown and lists the repost', async () => {
    const modelId = await repostModel(stack, 'Panel repost', run);
    const accountA = await demoAccount(stack, modelId, `panel_a_${run}`, 'active');
    const accountB = await demoAccount(stack, modelId, `panel_b_${run}`, 'paused');
    const { id: originId } = await uploadFreshClip(stack, modelId, `Clip estrella ${run}`);
    await publishedAndSettled(stack, originId);
    await setAccountStatus(stack, accountB, 'active');

    // Analytics suggests it (published, not reusable yet); one click marks it.
    const opened = await openAsAdmin(browser, stack, `/analytics?modelId=${modelId}`);
    context = opened.context;
    const { page } = opened;
    const suggestion = page.locator(`[data-testid="reusable-suggestion"][data-id="${originId}"]`);
    await expect.poll(() => suggestion.count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByTestId('reusable-suggestions').textContent()).toContain('Sugeridos para reutilizar');
    await suggestion.getByTestId('reusable-suggestion-mark').click();
    await expect.poll(() => suggestion.textContent()).toContain('Marcado');
    await expect.poll(async () => (await stack.app.db.db.select().from(contents).where(eq(contents.id, originId)))[0]!.status).toBe('reusable');

    // The content page: the toggle reads reusable; the dialog shows A in cooldown and offers B.
    await page.goto(`${stack.url}/contents/${originId}`);
    const toggle = page.getByTestId('reusable-toggle');
    await expect.poll(() => toggle.isChecked(), { timeout: 15_000 }).toBe(true);
    await page.getByTestId('repost-open').click();
    const dialog = page.getByTestId('repost-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const a = dialog.locator(`[data-testid="repost-account"][data-id="${accountA}"]`);
    const b = dialog.locator(`[data-testid="repost-account"][data-id="${accountB}"]`);
    expect(await a.getAttribute('data-cooldown')).toBe('posted');
    expect(await a.textContent()).toContain('en enfriamiento hasta');
    expect(await a.locator('input').isDisabled()).toBe(true);
    expect(await b.getAttribute('data-cooldown')).toBe('');
    expect(await b.locator('input').isChecked()).toBe(true);
    await dialog.getByTestId('repost-caption').fill('De vuelta por petición popular');
    await dialog.getByTestId('repost-submit').click();

    const createdLink = page.getByTestId('repost-created-link');
    await expect.poll(() => createdLink.count(), { timeout: 15_000 }).toBe(1);
    const repostId = (await createdLink.getAttribute('href'))!.split('/').at(-1)!;
    const repostRows = page.locator(`[data-testid="reposts-member"][data-id="${repostId}"][data-kind="repost"]`);
    await expect.poll(() => repostRows.count()).toBeGreaterThan(0);
    const repost = await getJson<Record<string, any>>(stack, `/api/contents/${repostId}`);
    expect(repost.captions.demo.caption).toBe('De vuelta por petición popular');

    // Once it is out, its row carries its post's results next to the origin's.
    await publishedAndSettled(stack, repostId);
    await page.reload();
    const published = page.locator(`[data-testid="reposts-member"][data-id="${repostId}"][data-publication]`);
    await expect.poll(() => published.count(), { timeout: 15_000 }).toBe(1);
    expect(await published.textContent()).toContain(`@panel_b_${run}`);
    expect(await page.locator(`[data-testid="reposts-member"][data-id="${originId}"][data-kind="origin"]`).textContent()).toContain(`@panel_a_${run}`);

    // The repost's own page says what it is and links back.
    await page.goto(`${stack.url}/contents/${repostId}`);
    await expect.poll(() => page.getByTestId('repost-of').count(), { timeout: 15_000 }).toBe(1);

    // The model page: her live-posting setting, saved with the clip and account B.
    await page.goto(`${stack.url}/models/${modelId}`);
    const live = page.getByTestId('live-posting');
    await expect.poll(() => live.getByTestId('live-content').count(), { timeout: 15_000 }).toBe(1);
    expect(await live.textContent()).toContain('Publicación en vivo');
    await live.getByTestId('live-enabled').check();
    await live.getByTestId('live-content').selectOption(originId);
    await live.locator(`[data-testid="live-account"][data-id="${accountA}"]`).uncheck();
    await live.locator(`[data-testid="live-account"][data-id="${accountB}"]`).check();
    await live.getByTestId('live-save').click();
    await expect.poll(() => live.getByTestId('live-saved').count(), { timeout: 15_000 }).toBe(1);
    const saved = await getJson<Record<string, any>>(stack, `/api/models/${modelId}/live-posting`);
    expect(saved.settings).toMatchObject({ enabled: true, contentId: originId, accountIds: [accountB] });
    expect(saved.settings.caption).toContain('{link}');
  });
});
