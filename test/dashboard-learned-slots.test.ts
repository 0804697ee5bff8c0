/**
 * The learned-slots heat map in the model's rules editor, in real Chromium through the built dashboard: seeded
 * results whose best hours are known show as a 7 × 24 map in her zone (colour by estimate, the posts behind each
 * cell, a tooltip with the figures), the measure switches to clicks through the URL, and "Aplicar" asks for a
 * confirmation before it turns the top hours into her posting slots (the rules editor then shows them, and the
 * model_updated event is there). Rows are this file's own (the database is shared).
 */
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourOfWeekReader } from '../core/learned-slots.js';
import { publicationMetrics, publicationStats, systemEvents } from '../db/schema.js';
import { launchDashboardBrowser, openAsAdmin } from './helpers/dashboard-browser.js';
import { createAccount, createPlatform, createPublication } from './helpers/overview-seed.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const run = randomBytes(3).toString('hex');
const HOUR = 3_600_000;
const db = () => stack.app.db.db;
let modelId = '';
let weekday = -1;

function bogota(daysAgo: number, hour: number): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysAgo, hour + 5));
}

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  browser = await launchDashboardBrowser(stack);
  const platform = await createPlatform(db(), stack.seeded.platformId, `mapa-${run}`, true);
  const created = await api('POST', '/api/models', {
    name: `Mapa ${run}`, distribution: { timezone: 'America/Bogota', slots: ['10:00'], maxPostsPerDay: 2, minSpacingMinutes: 120 },
  });
  modelId = created.body.id;
  const account = await createAccount(db(), { modelId, platformId: platform.id, username: `mapa_${run}` });
  // Six posts per hour on one weekday: by views 20:00 > 21:00 > 23:00 > 10:00; by clicks 10:00 first.
  for (const [hour, views, clicks] of [[20, 6000, 5], [21, 5500, 5], [23, 4000, 5], [10, 300, 60]] as const) {
    for (let i = 0; i < 6; i++) {
      const publishedAt = bogota(7 * i + 3, hour);
      const p = await createPublication(db(), account, { status: 'published', publishedAt });
      await db().insert(publicationMetrics).values({ publicationId: p.id, ts: new Date(publishedAt.getTime() + 24 * HOUR), views, source: 'test' });
      await db().insert(publicationStats).values({ publicationId: p.id, clicks });
    }
  }
  weekday = hourOfWeekReader('America/Bogota')(bogota(3, 20)).weekday;
});
afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.close();
});

const cell = (d: number, h: number) => page.locator(`[data-testid="learned-cell"][data-weekday="${d}"][data-hour="${h}"]`);
const greenShare = async (d: number, h: number) => Number(/var\(--green\) (\d+)%/.exec((await cell(d, h).getAttribute('style')) ?? '')?.[1] ?? NaN);

describe('the learned-slots heat map', () => {
  it('shows the week in her zone, coloured by estimate, with the posts behind each cell and the figures in a tooltip', async () => {
    // Her platform: the studio's average is then this file's own posts (3,950 views), not the shared database's.
    ({ context, page } = await openAsAdmin(browser, stack, `/models/${modelId}?lsPlatform=mapa-${run}`, { timezoneId: 'Europe/Madrid' }));
    expect(await page.locator('[data-testid="learned-platform"][aria-current="true"]').getAttribute('data-platform')).toBe(`mapa-${run}`);
    await expect.poll(() => page.locator('[data-testid="learned-cell"]').count(), { timeout: 15_000 }).toBe(168);
    expect(await page.locator('[data-testid="learned-map"]').getAttribute('data-metric')).toBe('views');
    expect((await cell(weekday, 20).textContent())?.trim()).toBe('6');
    expect((await cell(weekday, 19).textContent())?.trim()).toBe('');
    expect(await cell(weekday, 20).getAttribute('title')).toMatch(/20:00: .* estimadas · media 6\.?000 de 6 publicaciones/);
    expect(await cell(weekday, 19).getAttribute('title')).toMatch(/19:00: sin publicaciones, media del estudio/);
    // The best cell is the greenest, the worst the palest; an empty one reads as the studio's average, in between.
    expect(await greenShare(weekday, 20)).toBe(90);
    expect(await greenShare(weekday, 10)).toBe(8);
    const empty = await greenShare(weekday, 19);
    expect(empty).toBeGreaterThan(8);
    expect(empty).toBeLessThan(90);
    expect(await page.locator('[data-testid="learned-top-hour"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-slot')))).toEqual(['20:00', '23:00']);
    expect(await page.locator('[data-testid="learned-current"]').textContent()).toContain('10:00');
    expect(await page.locator('[data-testid="learned-method"]').textContent()).toContain('(n·media + 4·media del estudio) / (n + 4)');
  });

  it('switches the measure to clicks through the URL', async () => {
    await page.locator('[data-testid="learned-metric"][data-metric="clicks"]').click();
    await page.waitForURL(/lsMetric=clicks/);
    await expect.poll(() => page.locator('[data-testid="learned-map"]').getAttribute('data-metric'), { timeout: 15_000 }).toBe('clicks');
    expect(await page.locator('[data-testid="learned-top-hour"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-slot')))).toEqual(['10:00', '20:00']);
    expect(await greenShare(weekday, 10)).toBe(90);
    await page.locator('[data-testid="learned-metric"][data-metric="views"]').click();
    await page.waitForURL(/lsMetric=views/);
    await expect.poll(() => page.locator('[data-testid="learned-map"]').getAttribute('data-metric'), { timeout: 15_000 }).toBe('views');
  });

  it('"Aplicar" asks first, then makes the top hours her slots', async () => {
    const confirm = page.locator('[data-testid="learned-confirm"]');
    expect(await confirm.isVisible()).toBe(false);
    await page.locator('[data-testid="learned-apply-open"]').click();
    await expect.poll(() => confirm.isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await page.locator('[data-testid="learned-confirm-text"]').textContent()).toContain('pasarán de 10:00 a 20:00, 23:00');
    // Nothing changed by opening the confirmation.
    expect((await api('GET', `/api/models/${modelId}`)).body.distribution.slots).toEqual(['10:00']);

    await confirm.click();
    await page.locator('[data-testid="learned-applied"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid="learned-applied"]').textContent()).toContain('20:00, 23:00');
    expect((await api('GET', `/api/models/${modelId}`)).body.distribution.slots).toEqual(['20:00', '23:00']);
    // The rules editor and the map read the new slots.
    await expect.poll(() => page.locator('[data-testid="rules-slots"]').inputValue(), { timeout: 15_000 }).toMatch(/^20:00,\s*23:00$/);
    await page.locator('[data-testid="learned-same"]').waitFor();
    const updates = await db().select().from(systemEvents).where(and(eq(systemEvents.modelId, modelId), eq(systemEvents.type, 'model_updated')));
    expect(updates.map((e) => e.data)).toEqual([{ name: `Mapa ${run}`, changed: ['distribution.slots'] }]);
  });
});
