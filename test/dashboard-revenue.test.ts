/**
 * The revenue page in real Chromium through the built dashboard. Three live sessions of a model of this file's own
 * (on platforms of its own, so the page narrowed to the model is this file's alone in the shared database), with
 * clicks through the recorder's batch insert and attribution computed by `attributeStream`, at known times:
 *
 * S1, 2 h ago for an hour: clicks at +10 min on a1's post (two people) and at +30 min on a2's own link (one person).
 *   Lines: +5 min 10 tk 0.50 (before any click), +20 min 40 tk 2.00, +40 min 20 tk 1.00 → total 3.50.
 *   Last click: a1's post 2.00, a2 1.00, unattributed 0.50. Linear (2 : 1): 2.3333 and 1.1667 (the leftover unit to the
 *   larger remainder), nothing unattributed.
 * S2, 3 days ago: a click on a1's post at +5 min, one line 100 tk 5.00 at +30 min → 5.00 by both.
 * S3, 20 days ago: a click on a1's own link 10 min before it starts (within the 30-minute window), a line of 1.00.
 *
 * Then: 24 h shows S1's figures with the method beside them; the method toggle changes the attributed figure and says
 * which method; 7 d and 30 d add S2 and S3; the chart draws each session's UTC day, total against attributed; the
 * funnel shows the platform's clicks, visits and both methods; a CSV download holds the rows; English when asked.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeStream } from '../db/attribution.js';
import { insertClickBatch, type StoredClick } from '../db/clicks.js';
import { launchDashboardBrowser, openAsAdmin } from './helpers/dashboard-browser.js';
import { createAccount, createModel, createPlatform, createPublication } from './helpers/overview-seed.js';
import { createSession } from './helpers/revenue-seed.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const run = randomUUID().slice(0, 6);
const zone = 'America/Bogota';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const now = Date.now();
const s1 = now - 2 * HOUR;
const s2 = now - 3 * DAY;
const s3 = now - 20 * DAY;

let platformX: string;
let platformY: string;
let model: { id: string; name: string };
let a1Id: string;
const browserErrors: string[] = [];

function click(ts: number, accountId: string, publicationId: string | null): StoredClick {
  return {
    ts: new Date(ts), accountId, publicationId, visitorHash: `v-${run}-${randomUUID()}`, country: 'CO', city: null,
    referrerHost: null, device: 'mobile', os: null, browser: null, isBot: false,
  };
}

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  browser = await launchDashboardBrowser(stack);
  const db = stack.app.db.db;
  platformX = `ingresos_x_${run}`;
  platformY = `ingresos_y_${run}`;
  const x = await createPlatform(db, stack.seeded.platformId, platformX, true);
  const y = await createPlatform(db, stack.seeded.platformId, platformY, true);
  model = await createModel(db, `Ingresos ${run}`);
  const a1 = await createAccount(db, { modelId: model.id, platformId: x.id, username: `ing_a1_${run}` });
  const a2 = await createAccount(db, { modelId: model.id, platformId: y.id, username: `ing_a2_${run}` });
  a1Id = a1.id;
  const post = await createPublication(db, a1, { status: 'published', publishedAt: new Date(now - 5 * HOUR) });

  await insertClickBatch(db, [
    click(s1 + 10 * MINUTE, a1.id, post.id), click(s1 + 10 * MINUTE + 1000, a1.id, post.id), click(s1 + 30 * MINUTE, a2.id, null),
    click(s2 + 5 * MINUTE, a1.id, post.id),
    click(s3 - 10 * MINUTE, a1.id, null),
  ]);
  const ids = [
    await createSession(db, model.id, { startedAt: new Date(s1), endedAt: new Date(s1 + HOUR), lines: [
      { at: new Date(s1 + 5 * MINUTE), tokens: 10, amountUsd: '0.5000' },
      { at: new Date(s1 + 20 * MINUTE), tokens: 40, amountUsd: '2.0000' },
      { at: new Date(s1 + 40 * MINUTE), tokens: 20, amountUsd: '1.0000' },
    ] }),
    await createSession(db, model.id, { startedAt: new Date(s2), endedAt: new Date(s2 + HOUR), lines: [{ at: new Date(s2 + 30 * MINUTE), tokens: 100, amountUsd: '5.0000' }] }),
    await createSession(db, model.id, { startedAt: new Date(s3), endedAt: new Date(s3 + HOUR), lines: [{ at: new Date(s3 + 10 * MINUTE), tokens: 20, amountUsd: '1.0000' }] }),
  ];
  for (const id of ids) await attributeStream(db, id, { windowMinutes: 30 });

  ({ context, page } = await openAsAdmin(browser, stack, `/revenue?period=24h&method=last_click&modelId=${model.id}`, { timezoneId: zone }));
  page.on('console', (message) => {
    if (message.type() === 'error') browserErrors.push(message.text());
  });
  page.on('pageerror', (error) => browserErrors.push(error.message));
});
afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.close();
});

const figure = (key: 'total' | 'attributed' | 'unattributed' | 'outside') => page.getByTestId(`revenue-figure-${key}`);

async function expectFigures(expected: Partial<Record<'total' | 'attributed' | 'unattributed', string>>) {
  for (const [key, value] of Object.entries(expected)) {
    await expect.poll(() => figure(key as 'total').getAttribute('data-value'), { message: key }).toBe(value);
  }
}

async function clickAndWait(testid: string, url: RegExp) {
  await Promise.all([page.waitForURL(url), page.getByTestId(testid).click()]);
}

/** The chart's accessible table (what the canvas draws): its time (UTC day, or hour in the zone) → [total, attributed] in cents. */
async function chartRows(): Promise<{ day: string; total: number; attributed: number }[]> {
  return page.getByTestId('revenue-chart-table').locator('tbody tr').evaluateAll((rows) =>
    rows.map((row) => {
      const cells = [...row.querySelectorAll('th, td')].map((c) => c.textContent?.trim() ?? '');
      // "3,50 US$" → 350: money always has two decimals.
      const cents = (text: string | undefined) => Number((text ?? '').replace(/\D/g, '') || 0);
      return { day: cells[0]!, total: cents(cells[1]), attributed: cents(cells[2]) };
    }));
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const tableRow = (groupBy: string, key: string) => page.locator(`[data-testid="revenue-table-${groupBy}"] [data-testid="revenue-row"][data-key="${key}"]`);

describe('dashboard revenue', () => {
  it('shows the last 24 h: the session’s earnings, the attributed part with its method, and the rest apart', async () => {
    await page.getByTestId('revenue-range').filter({ hasText: zone }).waitFor();
    expect(await page.locator('h1').textContent()).toBe('Ingresos');
    expect(await page.getByTestId('nav-revenue').getAttribute('aria-current')).toBe('page');
    await expectFigures({ total: '3.5000', attributed: '3.0000', unattributed: '0.5000' });
    expect(await figure('attributed').getAttribute('data-method')).toBe('last_click');
    expect(await page.getByTestId('revenue-figure-attributed-method').textContent()).toContain('método: Último clic');
    expect(await figure('total').textContent()).toMatch(/3,50/);
    expect(await page.getByTestId('revenue-method-last_click').getAttribute('aria-current')).toBe('page');

    expect(await tableRow('platform', platformX).getAttribute('data-amount')).toBe('2.0000');
    expect(await tableRow('platform', platformY).getAttribute('data-amount')).toBe('1.0000');
    expect(await tableRow('model', model.id).getAttribute('data-clicks')).toBe('3');
    expect(await page.getByTestId('revenue-table-platform').locator('thead').textContent()).toContain('Ingresos (Último clic)');
    expect(await page.getByTestId('revenue-section-publication-method').textContent()).toContain('Último clic');

    // 24 h charts by the hour in the admin's zone: 24 points, S1 in the one hour it started.
    const wrap = page.getByTestId('revenue-chart-wrap');
    expect(await wrap.getAttribute('data-bucket')).toBe('hour');
    expect(await wrap.getAttribute('data-zone')).toBe(zone);
    expect(await page.getByTestId('revenue-section-day').locator('h2').textContent()).toContain('Ingresos por hora');
    const chart = page.getByTestId('revenue-chart');
    expect(await chart.getAttribute('data-points')).toBe('24');
    await expect.poll(() => chart.getAttribute('data-drawn')).toBe('true');
    const hours = await chartRows();
    expect(hours.filter((r) => r.total > 0).map((r) => [r.total, r.attributed])).toEqual([[350, 300]]);
    expect(await page.getByTestId('revenue-section-day-csv').getAttribute('href')).toContain('groupBy=hour');
  });

  it('shows the funnel per platform with both methods', async () => {
    const row = page.locator(`[data-testid="revenue-funnel-row"][data-platform="${platformX}"]`);
    expect(await row.getAttribute('data-clicks')).toBe('2');
    expect(await row.getAttribute('data-visits')).toBe('2');
    expect(await row.getAttribute('data-last-click')).toBe('2.0000');
    expect(await row.getAttribute('data-linear')).toBe('2.3333');
    expect(await page.getByTestId('revenue-funnel').locator('thead').textContent()).toMatch(/Último clic[\s\S]*Lineal/);
    expect(await page.getByTestId('revenue-funnel-unattributed').textContent()).toMatch(/0,50/);
  });

  it('the method toggle changes the attributed figure and says which method', async () => {
    await clickAndWait('revenue-method-linear', /method=linear/);
    expect(page.url()).toContain('period=24h');
    expect(page.url()).toContain(`modelId=${model.id}`);
    await expectFigures({ total: '3.5000', attributed: '3.5000', unattributed: '0.0000' });
    expect(await figure('attributed').getAttribute('data-method')).toBe('linear');
    expect(await page.getByTestId('revenue-figure-attributed-method').textContent()).toContain('método: Lineal');
    expect(await tableRow('platform', platformX).getAttribute('data-amount')).toBe('2.3333');
    expect(await tableRow('platform', platformY).getAttribute('data-amount')).toBe('1.1667');
    expect(await page.getByTestId('revenue-table-platform').locator('thead').textContent()).toContain('Ingresos (Lineal)');
  });

  it('switches to 7 days and 30 days: older sessions join, the URL says which', async () => {
    await clickAndWait('revenue-period-7d', /period=7d/);
    expect(page.url()).toContain('method=linear');
    await expectFigures({ total: '8.5000', attributed: '8.5000' });
    await clickAndWait('revenue-period-30d', /period=30d/);
    await expectFigures({ total: '9.5000', attributed: '9.5000' });
    expect(await tableRow('model', model.id).getAttribute('data-sessions')).toBe('3');
    // a1's own link brought S3's earnings.
    const ownLink = page.locator(`[data-testid="revenue-table-publication"] [data-testid="revenue-row"][data-key=""][data-account-id="${a1Id}"]`);
    expect(await ownLink.getAttribute('data-amount')).toBe('1.0000');
    expect(await ownLink.textContent()).toContain('enlace de la cuenta');
    await clickAndWait('revenue-method-last_click', /method=last_click/);
    await expectFigures({ total: '9.5000', attributed: '9.0000', unattributed: '0.5000' });
    if (process.env.REVENUE_SCREENSHOTS) await page.screenshot({ path: '/tmp/h3/revenue.png', fullPage: true });
  });

  it('draws earnings per UTC day from the seeded sessions, total against attributed, with the method beside it', async () => {
    const wrap = page.getByTestId('revenue-chart-wrap');
    expect(await wrap.getAttribute('data-bucket')).toBe('day');
    expect(await wrap.getAttribute('data-zone')).toBe('UTC');
    expect(await wrap.getAttribute('data-method')).toBe('last_click');
    expect(await page.getByTestId('revenue-section-day-method').textContent()).toContain('método: Último clic');
    const chart = page.getByTestId('revenue-chart');
    // 30 d: 30 whole UTC days, empty ones included.
    expect(await chart.getAttribute('data-points')).toBe('30');
    expect(await chart.getAttribute('data-series')).toBe('2');
    await expect.poll(() => chart.getAttribute('data-drawn')).toBe('true');
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
    expect(await chart.locator('.u-legend').textContent()).toMatch(/Total de las transmisiones[\s\S]*Atribuido \(Último clic\)/);

    const rows = await chartRows();
    expect(rows).toHaveLength(30);
    // S1 3.50 (0.50 before the first click), S2 5.00, S3 1.00, each on its session's UTC day.
    expect(rows.find((r) => r.day === utcDay(s1))).toMatchObject({ total: 350, attributed: 300 });
    expect(rows.find((r) => r.day === utcDay(s2))).toMatchObject({ total: 500, attributed: 500 });
    expect(rows.find((r) => r.day === utcDay(s3))).toMatchObject({ total: 100, attributed: 100 });
    expect(rows.reduce((n, r) => n + r.total, 0)).toBe(950);
    expect(rows.reduce((n, r) => n + r.attributed, 0)).toBe(900);

    // The chart's CSV is the API's per-day answer: S1's day with its attributed, unattributed and total parts.
    const link = page.getByTestId('revenue-section-day-csv');
    expect(await link.getAttribute('href')).toContain('groupBy=day');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^revenue-day-last_click-.+\.csv$/);
    const lines = readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
    expect(lines).toHaveLength(31);
    expect(lines).toContain(`${utcDay(s1)}T00:00:00.000Z,${utcDay(s1)},last_click,3.0000,60.0000,3,1,0.5000,10.0000,3.5000,70.0000,1`);

    // Linear shares S1 whole: the attributed line meets the total; the legend names the method.
    await clickAndWait('revenue-method-linear', /method=linear/);
    await expect.poll(() => wrap.getAttribute('data-method')).toBe('linear');
    await expect.poll(async () => (await chartRows()).find((r) => r.day === utcDay(s1))?.attributed).toBe(350);
    await expect.poll(() => chart.locator('.u-legend').textContent()).toContain('Atribuido (Lineal)');
    await clickAndWait('revenue-method-last_click', /method=last_click/);
    await expectFigures({ attributed: '9.0000' });
  });

  it('downloads a table as CSV with the rows and the method', async () => {
    const link = page.getByTestId('revenue-section-platform-csv');
    const href = (await link.getAttribute('href'))!;
    expect(href).toContain('format=csv');
    expect(href).toContain('groupBy=platform');
    expect(href).toContain('method=last_click');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^revenue-platform-last_click-.+\.csv$/);
    const lines = readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe('key,label,method,amountUsd,tokens,clicks,sessions');
    // X: S1 2.00 + S2 5.00 + S3 1.00 (a1's links).
    expect(lines).toContain(`${platformX},${platformX},last_click,8.0000,160.0000,4,3`);
    expect(lines).toContain(`${platformY},${platformY},last_click,1.0000,20.0000,1,1`);
    expect(lines.at(-1)).toBe('unattributed,,last_click,0.5000,10.0000,,');

    const [funnel] = await Promise.all([page.waitForEvent('download'), page.getByTestId('revenue-section-funnel-csv').click()]);
    const funnelText = readFileSync((await funnel.path())!, 'utf8');
    expect(funnelText.split(/\r?\n/).find((l) => l.startsWith(`${platformX},`))).toMatch(/,8\.0000,8\.3333$/);
  });

  it('shows a bad custom range as such, and speaks English when asked', async () => {
    await page.goto(`${stack.url}/revenue?period=custom&from=2026-01-02T00:00&to=2026-01-01T00:00`);
    expect(await page.getByTestId('error-box').textContent()).toContain('posterior');
    await page.goto(`${stack.url}/revenue?period=30d&method=linear&modelId=${model.id}&lang=en`);
    expect(await page.locator('h1').textContent()).toBe('Revenue');
    expect(await page.getByTestId('revenue-figure-attributed-method').textContent()).toContain('method: Linear');
    expect(await page.getByTestId('revenue-chart').getAttribute('aria-label')).toBe('Earnings per day in UTC: the live sessions’ total and what the Linear method attributed');
    await page.goto(`${stack.url}/revenue?lang=es`);
  });

  it('ran without a script error in the browser', () => {
    expect(browserErrors).toEqual([]);
  });
});
