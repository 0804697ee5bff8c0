/**
 * The model page's watermark panel in real Chromium: the admin sets a text watermark, saves it, and the still
 * preview the server renders with it loads; a refused size is explained in Spanish before anything is sent.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchDashboardBrowser, openAsAdmin } from './helpers/dashboard-browser.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
let browser: Browser;
let context: BrowserContext | undefined;

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  browser = await launchDashboardBrowser(stack);
});
afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.close();
});

const api = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.apiToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return (await response.json()) as Record<string, unknown>;
};

describe('dashboard watermark', () => {
  it('sets a text watermark on the model page and shows its preview', async () => {
    const model = await api('POST', '/api/models', { name: `Marca ${randomBytes(3).toString('hex')}` });
    const opened = await openAsAdmin(browser, stack, `/models/${model.id as string}`);
    context = opened.context;
    const { page } = opened;
    const form = page.getByTestId('watermark-form');
    await expect.poll(() => form.getAttribute('data-kind'), { timeout: 15_000 }).toBe('none');
    await expect.poll(() => form.textContent()).toContain('Marca de agua');

    await page.getByTestId('watermark-kind-text').check();
    await page.getByTestId('watermark-save').click();
    // Checked in the browser with core's rules, in Spanish: nothing is sent.
    await expect.poll(() => page.locator('[data-field="text"]').textContent()).toBe('Escribe el texto de la marca.');

    await page.getByTestId('watermark-text').fill('@marca_demo');
    await page.getByTestId('watermark-position').selectOption('top-left');
    await page.getByTestId('watermark-save').click();
    await expect.poll(() => page.getByTestId('watermark-notice').textContent(), { timeout: 15_000 }).toContain('Marca de agua guardada');
    expect(await api('GET', `/api/models/${model.id as string}/watermark`)).toMatchObject({ kind: 'text', text: '@marca_demo', position: 'top-left' });

    const preview = page.getByTestId('watermark-preview');
    await expect.poll(() => preview.getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    // The root tsconfig has no DOM types: the element is typed by what is read.
    expect(await preview.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    expect(await preview.getAttribute('src')).toMatch(new RegExp(`^/api/models/${model.id as string}/watermark/preview\\?`));
  });
});
