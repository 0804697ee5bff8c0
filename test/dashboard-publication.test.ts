/**
 * The publication detail page in real Chromium through the built dashboard: a clip published on the demo platform
 * opens from the publications list; the page draws the stored metrics as a chart (one point per stored read),
 * shows the timeline in Spanish, the post and workflow links and the attempt; a publication scheduled far ahead is
 * rescheduled (the rules' warning shown) and then canceled from its page, and the API says so.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicationDetail } from '../contracts/api/publications.js';
import { metricsOfPublication } from '../db/publications.js';
import { publicationMetrics } from '../db/schema.js';
import { launchDashboardBrowser, openAsAdmin } from './helpers/dashboard-browser.js';
import { publicationOf, setModelRules, slotFarAway, uploadClip, type PublicationJson } from './helpers/lifecycle.js';
import { getJson, startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page;
const run = randomUUID().slice(0, 6);
const zone = 'America/Bogota';
const hour = 3_600_000;

let published: PublicationJson;

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  browser = await launchDashboardBrowser(stack);
  await setModelRules(stack);
  const created = await uploadClip(stack, `Gráfica ${run}`);
  expect(created.status).toBe(202);
  published = await publicationOf(stack, created.body.id as string, ['published']);
  // Its one metrics read (METRICS_POLL_SCHEDULE=0s) is stored once the workflow ends.
  await stack.app.temporal.workflow.getHandle(published.workflowId).result();
  const base = Date.now();
  for (const [offset, views] of [[1, 40], [2, 90], [3, 150]] as const) {
    await stack.app.db.db.insert(publicationMetrics).values({
      publicationId: published.id, ts: new Date(base + offset * hour), views, likes: views / 10, comments: 2, shares: 1, platformFollowers: 500 + views, source: 'test',
    });
  }
}, 180_000);
afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.close();
});

const detail = (id: string) => getJson<PublicationDetail>(stack, `/api/publications/${id}`);

/** The page has settled on its zone (the browser's, stored by the page, unless the admin saved one). */
async function zoneSettled(p: Page) {
  await expect.poll(async () => {
    const note = p.getByTestId('publication-zone');
    return (await note.getAttribute('data-source')) === 'preference' || (await note.getAttribute('data-zone')) === zone;
  }, { timeout: 15_000 }).toBe(true);
  return (await p.getByTestId('publication-zone').getAttribute('data-zone'))!;
}

/** `YYYY-MM-DDTHH:mm` of an instant in a zone (what a datetime-local input holds). */
function localInput(ms: number, timeZone: string) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(ms).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

describe('publication detail page', () => {
  it('opens from the publications list', async () => {
    ({ context, page } = await openAsAdmin(browser, stack, '/publications', { timezoneId: zone }));
    const row = page.locator(`[data-testid="publication-row"][data-id="${published.id}"]`);
    await Promise.all([page.waitForURL(`${stack.url}/publications/${published.id}`), row.getByTestId('detail-link').click()]);
    expect(await page.getByTestId('publication-title').textContent()).toBe('Publicación');
  });

  it('draws the stored metrics as a chart, with the timeline, the post and workflow links and the attempt', async () => {
    await zoneSettled(page);
    const stored = await metricsOfPublication(stack.app.db.db, published.id);
    expect(stored.length).toBe(4);

    const chart = page.getByTestId('timeseries-chart');
    await chart.locator('canvas').waitFor();
    expect(await chart.getAttribute('data-points')).toBe(String(stored.length));
    expect(await chart.getAttribute('data-series')).toBe('5');
    // uPlot's legend names every line; the hidden table carries one row per read.
    for (const label of ['Vistas', 'Me gusta', 'Comentarios', 'Compartidos', 'Seguidores']) {
      expect(await chart.locator('.u-legend').textContent(), label).toContain(label);
    }
    expect(await chart.getByTestId('timeseries-chart-table').locator('tbody tr').count()).toBe(stored.length);
    expect(await chart.getByTestId('timeseries-chart-table').locator('tbody tr').last().textContent()).toContain('150');
    const box = await chart.locator('canvas').boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(await page.getByTestId('metrics-latest').textContent()).toContain('150');

    const api = await detail(published.id);
    expect(await page.getByTestId('post-link').getAttribute('href')).toBe(published.postUrl);
    expect(await page.getByTestId('workflow-link').getAttribute('href')).toBe(api.workflowUrl);
    expect(api.workflowUrl).toContain(`/namespaces/${encodeURIComponent(stack.app.config.temporal.namespace)}/workflows/`);

    // The timeline in the page's language (Spanish), rendered from each event's kind and payload.
    const publishedEvent = page.locator('[data-testid="timeline-event"][data-kind="publication_published"]');
    expect(await publishedEvent.textContent()).toContain('Publicada');
    expect(await publishedEvent.textContent()).toContain(published.postUrl!);
    expect(await page.locator('[data-testid="timeline-event"][data-kind="content_received"]').getAttribute('data-scope')).toBe('content');
    expect(await page.getByTestId('timeline-event').count()).toBe(api.timeline.length);

    expect(await page.getByTestId('publication-attempt').count()).toBe(1);
    expect(await page.getByTestId('status-badge').first().getAttribute('data-value')).toBe('published');
    // Published: nothing left to do.
    await page.getByTestId('actions-none').waitFor();
    expect(await page.getByTestId('caption-used').textContent()).toBe(published.caption);
  });

  it('reschedules a publication scheduled far ahead (the rules’ warning shown), then cancels it; the API says canceled', async () => {
    await setModelRules(stack, slotFarAway());
    const created = await uploadClip(stack, `Cancelar ${run}`);
    expect(created.status).toBe(202);
    const scheduled = await publicationOf(stack, created.body.id as string, ['scheduled']);

    await page.goto(`${stack.url}/publications/${scheduled.id}`);
    const pageZone = await zoneSettled(page);
    await page.getByTestId('action-cancel').waitFor();
    expect(await page.getByTestId('action-retry').count()).toBe(0);

    // A day ahead at :17, which is no posting slot: accepted, with the rules' warning.
    const target = Math.ceil((Date.now() + 24 * hour) / hour) * hour + 17 * 60_000;
    await page.getByTestId('reschedule-input').fill(localInput(target, pageZone));
    await page.getByTestId('action-reschedule').click();
    await page.locator('[data-testid="action-done"][data-action="reschedule"]').waitFor();
    expect(await page.getByTestId('action-warning').textContent()).toContain('posting slots');
    await expect.poll(async () => (await detail(scheduled.id)).publication.scheduledTime, { timeout: 30_000 }).toBe(new Date(target).toISOString());
    // The page follows the workflow's change by itself.
    await page.locator('[data-testid="timeline-event"][data-kind="publication_rescheduled"]').waitFor({ timeout: 30_000 });

    await page.getByTestId('cancel-reason').fill(`ya no ${run}`);
    await page.getByTestId('action-cancel').click();
    await page.locator('[data-testid="action-done"][data-action="cancel"]').waitFor();
    await expect.poll(async () => (await detail(scheduled.id)).publication.status, { timeout: 30_000 }).toBe('canceled');
    await page.locator('[data-testid="status-badge"][data-value="canceled"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('actions-none').waitFor();
    const canceled = page.locator('[data-testid="timeline-event"][data-kind="publication_canceled"]');
    expect(await canceled.getAttribute('data-actor')).toBe('admin');
    expect(await canceled.textContent()).toContain(`ya no ${run}`);
  });
});
