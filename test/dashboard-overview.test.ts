/**
 * The overview (home page) and the audit page (/events) in real Chromium through the built dashboard: log in, see
 * the counts and an open alert (times and "today" in the browser's zone), watch a new alert arrive by itself (the
 * page refreshes without a reload), acknowledge an alert and see it gone, find the `alert_acknowledged` event in the
 * audit page filtered by kind, and filter by model. The acknowledge form also works without JavaScript.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Overview } from '../contracts/api/overview.js';
import type { EventList } from '../contracts/api/events.js';
import { recordEvent } from '../db/events.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { launchDashboardBrowser } from './helpers/dashboard-browser.js';
import { createAccount, createAlert, createModel, createPublication } from './helpers/overview-seed.js';

let stack: TestStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const run = randomUUID().slice(0, 6);
const zone = 'America/Bogota';

/** Long enough for the page's own 30 s refresh. */
const refreshTimeout = 45_000;

let model: Awaited<ReturnType<typeof createModel>>;
let failed: Awaited<ReturnType<typeof createPublication>>;
let alertId: number;

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  browser = await launchDashboardBrowser(stack);
  const db = stack.app.db.db;
  model = await createModel(db, `Panel ${run}`);
  const account = await createAccount(db, { modelId: model.id, platformId: stack.seeded.platformId, username: `panel_${run}`, lastSessionState: 'logged_in' });
  await createPublication(db, account, { status: 'scheduled', scheduledTime: new Date(Date.now() + 30 * 60_000) });
  failed = await createPublication(db, account, { status: 'failed', lastError: 'selector gone' });
  alertId = await createAlert(db, failed, model.id, `botón desaparecido ${run}`);
  await recordEvent(db, 'model_paused', { held: [], reason: `prueba ${run}` }, { modelId: model.id, actor: 'admin' });
});
afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.close();
});

async function apiOverview(tz = zone): Promise<Overview> {
  const response = await fetch(`${stack.url}/api/overview?tz=${encodeURIComponent(tz)}`, { headers: { authorization: `Bearer ${stack.apiToken}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Overview;
}

const alertRow = (id: number) => page.locator(`[data-testid="open-alert"][data-alert-id="${id}"]`);

describe('dashboard overview', () => {
  it('is the home page, behind the login', async () => {
    const anonymous = await fetch(`${stack.url}/`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe('/login?next=%2F');

    context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, timezoneId: zone });
    page = await context.newPage();
    await page.goto(`${stack.url}/`);
    await page.waitForURL(/\/login\?next=%2F$/);
    await page.locator('#password').fill(stack.adminPassword);
    await Promise.all([page.waitForURL(`${stack.url}/`), page.locator('#login-submit').click()]);
    expect(await page.locator('h1').textContent()).toBe('Resumen');
    expect(await page.locator('nav a[aria-current="page"]').textContent()).toContain('Resumen');
  });

  it('shows the counts of the API, in the browser’s zone, and the open alert with its links', async () => {
    // The browser's zone reaches the server (cookie) and the data follows without a reload.
    await page.locator('[data-testid="overview-updated"]', { hasText: zone }).waitFor();
    const expected = await apiOverview();
    for (const key of ['scheduled', 'held', 'processing', 'failed', 'unconfirmed', 'publishedToday'] as const) {
      const card = page.getByTestId(`overview-count-${key}`);
      expect(await card.getAttribute('data-count'), key).toBe(String(expected.counts[key]));
    }
    expect(expected.counts.scheduled).toBeGreaterThanOrEqual(1);
    expect(expected.counts.failed).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('overview-count-failed').getAttribute('href')).toBe('/publications?status=failed');

    const alert = alertRow(alertId);
    await alert.waitFor();
    expect(await alert.getAttribute('data-kind')).toBe('publication_failed');
    // Rendered in Spanish from the payload (the stored description is English).
    expect(await alert.textContent()).toContain(`Publicación fallida: SelectorMissing: botón desaparecido ${run}`);
    expect(await alert.getByTestId('link-model').getAttribute('href')).toBe(`/models/${model.id}`);
    expect(await alert.getByTestId('link-account').getAttribute('href')).toBe(`/accounts?q=panel_${run}`);
    expect(await alert.getByTestId('link-publication').getAttribute('href')).toBe(`/publications/${failed.id}`);
    expect(await page.getByTestId('overview-upcoming-row').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-testid="health-status"]').getAttribute('data-value')).toBe('ok');
  });

  it('refreshes by itself: a new alert appears without a page reload', async () => {
    // A marker on the window survives only if the page is not reloaded.
    await page.evaluate(() => ((globalThis as unknown as { marker: string }).marker = 'same-page'));
    const newer = await createAlert(stack.app.db.db, failed, model.id, `otra alerta ${run}`);
    await alertRow(newer).waitFor({ timeout: refreshTimeout });
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe('same-page');
  });

  it('acknowledges an alert: it leaves the page and the audit log records it with the actor', async () => {
    const alert = alertRow(alertId);
    await alert.getByTestId('ack-alert').click();
    await alert.waitFor({ state: 'detached' });
    await page.getByTestId('ack-done').waitFor();
    expect((await apiOverview()).alerts.items.some((a) => a.id === alertId)).toBe(false);

    const response = await fetch(`${stack.url}/api/events?kind=alert_acknowledged&modelId=${model.id}`, { headers: { authorization: `Bearer ${stack.apiToken}` } });
    const events = (await response.json()) as EventList;
    const recorded = events.items.find((e) => (e.data as { alertEventId?: number }).alertEventId === alertId);
    expect(recorded).toMatchObject({ actor: 'admin', modelId: model.id, publicationId: failed.id, data: { kind: 'publication_failed' } });
  });

  it('finds the acknowledgement in /events filtered by kind, and filters by model', async () => {
    await Promise.all([page.waitForURL(`${stack.url}/events`), page.getByTestId('nav-events').click()]);
    await page.getByTestId('filter-kind').selectOption('alert_acknowledged');
    await Promise.all([page.waitForURL(/kind=alert_acknowledged/), page.getByTestId('filter-apply').click()]);
    const rows = page.getByTestId('event-row');
    await rows.first().waitFor();
    const kinds = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-kind')));
    expect(new Set(kinds)).toEqual(new Set(['alert_acknowledged']));
    const mine = rows.filter({ hasText: `@panel_${run}` });
    expect(await mine.count()).toBe(1);
    expect(await mine.getAttribute('data-actor')).toBe('admin');
    expect(await mine.textContent()).toContain('Alerta revisada');
    expect(await mine.getByTestId('link-model').getAttribute('href')).toBe(`/models/${model.id}`);

    // By model: every kind of this model's history, and only this model's.
    await page.getByTestId('filter-kind').selectOption('');
    await page.getByTestId('filter-model').selectOption(model.id);
    await Promise.all([page.waitForURL(new RegExp(`modelId=${model.id}`)), page.getByTestId('filter-apply').click()]);
    await page.locator('[data-testid="event-row"][data-kind="model_paused"]').waitFor();
    const modelKinds = await page.getByTestId('event-row').evaluateAll((els) => els.map((el) => el.getAttribute('data-kind')));
    expect(modelKinds).toEqual(['alert_acknowledged', 'alert', 'model_paused', 'alert']);
    expect(await page.locator('[data-testid="event-row"][data-kind="model_paused"]').textContent()).toContain(`prueba ${run}`);
    const hrefs = await page.locator('[data-testid="event-row"] [data-testid="link-model"]').evaluateAll((els) => els.map((el) => el.getAttribute('href')));
    expect(new Set(hrefs)).toEqual(new Set([`/models/${model.id}`]));
  });

  it('acknowledges without JavaScript too (a plain form post)', async () => {
    const plain = await browser.newContext({ javaScriptEnabled: false, timezoneId: zone, storageState: await context.storageState() });
    try {
      const another = await createAlert(stack.app.db.db, failed, model.id, `sin js ${run}`);
      const noJs = await plain.newPage();
      await noJs.goto(`${stack.url}/`);
      const row = noJs.locator(`[data-testid="open-alert"][data-alert-id="${another}"]`);
      await row.waitFor();
      await Promise.all([noJs.waitForLoadState('load'), row.getByTestId('ack-alert').click()]);
      await noJs.getByTestId('ack-done').waitFor();
      expect(await noJs.locator(`[data-testid="open-alert"][data-alert-id="${another}"]`).count()).toBe(0);
      expect((await apiOverview()).alerts.items.some((a) => a.id === another)).toBe(false);
    } finally {
      await plain.close();
    }
  });
});
