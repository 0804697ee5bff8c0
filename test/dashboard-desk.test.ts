/**
 * The content desk in real Chromium on the whole stack, with the Telegram bot talking to the fake Bot API: the
 * queue lists what waits; the review page plays the video (the element reports progress), a caption past the
 * platform's limit is flagged live and refused by the server too, a fixed caption is approved and lands on the
 * calendar; a banned word blocks approval until overridden; J/K step through the queue and R goes to the reason;
 * a rejection with a reason reaches the model on Telegram and updates the approval card.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { createMediaRetentionActivities } from '../activities/retention/media.js';
import { eventsOf } from '../db/events.js';
import { capabilitiesFor } from '../core/platforms.js';
import { moderationRules, platforms } from '../db/schema.js';
import { botSays, linkModel, mark, startBotStack, textOf, videoFile, waitForContents, type BotHarness } from './bot/harness.js';
import type { TgUser } from './fakes/telegram-server.js';
import { launchDashboardBrowser, openAsAdmin } from './helpers/dashboard-browser.js';
import { makeTestVideo } from './helpers/media.js';
import { getJson, uploadVideo } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let h: BotHarness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let modelUser: TgUser;
const run = randomBytes(3).toString('hex');
let modelId = '';
/** A platform of its own (the demo driver): other test files edit the shared `demo` platform's limits. */
const platformName = `escritorio_${run}`;
const clips: string[] = [];

const stack = () => h.stack;
const db = () => h.stack.app.db.db;

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack().url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack().apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, any> };
}

async function sendClip(context: string) {
  const path = await makeTestVideo(join(stack().dataDir, `desk-ui-${randomBytes(4).toString('hex')}.mp4`), { seconds: 4 });
  const response = await uploadVideo(stack(), { modelId, context, file: { data: readFileSync(path), name: 'toma.mp4' } });
  expect(response.status).toBe(202);
  const id = String(response.body.id);
  await waitFor(async () => (await eventsOf(db(), { contentId: id })).some((e) => e.type === 'approval_requested'), {
    what: `content ${id} to wait for approval`, timeoutMs: 60_000,
  });
  clips.push(id);
  return id;
}

const editor = () => page.locator(`[data-testid="caption-editor"][data-platform="${platformName}"]`);
/** A content's page within the model's queue (as the filtered list opens it). */
const reviewUrl = (id: string) => `${stack().url}/contents/${id}?modelId=${modelId}`;

beforeAll(async () => {
  h = await startBotStack();
  const hour = String((new Date().getUTCHours() + 12) % 24).padStart(2, '0');
  const model = await api('POST', '/api/models', {
    name: `Escritorio ${run}`, distribution: { approvalRequired: true, timezone: 'America/Bogota', slots: [`${hour}:00`], hashtags: ['webcam'] },
  });
  expect(model.status).toBe(201);
  modelId = model.body.id;
  const [platform] = await db().insert(platforms)
    .values({ name: platformName, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: stack().demo.url } })
    .returning();
  expect((await api('POST', '/api/accounts', { modelId, platformId: platform!.id, username: `escritorio_${run}` })).status).toBe(201);
  modelUser = h.tg.user(7600000 + Math.floor(Math.random() * 9999), { username: `esc_${run}` });
  await linkModel(h, modelId, modelUser);
  await sendClip(`Primera toma ${run}`);
  await sendClip(`Segunda toma ${run}`);
  // The third comes from the model herself on Telegram: she is told when it is decided.
  const after = mark(h);
  h.tg.sendVideo(modelUser, await videoFile(h), { caption: `Tercera toma ${run}` });
  await botSays(h, modelUser.id, /Recibí tu video/, { after });
  const [sent] = await waitForContents(h, modelUser.id, 1);
  await waitFor(async () => (await eventsOf(db(), { contentId: sent!.content.id })).some((e) => e.type === 'approval_requested'), {
    what: 'the Telegram clip to wait for approval', timeoutMs: 60_000,
  });
  clips.push(sent!.content.id);
  browser = await launchDashboardBrowser(stack());
  ({ context, page } = await openAsAdmin(browser, stack(), `/contents?modelId=${modelId}`, { timezoneId: 'Europe/Madrid' }));
});
afterAll(async () => {
  if (modelId) await db().delete(moderationRules).where(eq(moderationRules.modelId, modelId)).catch(() => undefined);
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await h?.close();
});

describe('the content desk', () => {
  it('lists the waiting contents oldest first with their thumbnails', async () => {
    const items = page.getByTestId('desk-item');
    await expect.poll(() => items.count()).toBe(3);
    expect(await items.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')))).toEqual(clips);
    const thumbnail = items.first().locator('img');
    await expect.poll(() => thumbnail.evaluate((img) => { const i = img as unknown as { complete: boolean; naturalWidth: number }; return i.complete && i.naturalWidth > 0; })).toBe(true);
    await page.getByTestId('desk-search').fill('Segunda');
    await Promise.all([page.waitForURL(/q=Segunda/), page.getByTestId('desk-filter-submit').click()]);
    await expect.poll(() => items.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')))).toEqual([clips[1]]);
  });

  it('plays the video, refuses a caption past the limit, and approves the fixed one onto the calendar', async () => {
    await page.goto(reviewUrl(clips[0]!));
    const video = page.getByTestId('content-video');
    await video.evaluate(async (element) => {
      const v = element as unknown as { muted: boolean; play(): Promise<void> };
      v.muted = true;
      await v.play();
    });
    await expect.poll(() => video.evaluate((v) => (v as unknown as { currentTime: number }).currentTime), { timeout: 20_000 }).toBeGreaterThan(0.5);
    expect(await page.getByTestId('fact-resolution').textContent()).toBe('360×640');
    expect(await page.getByTestId('content-context').textContent()).toBe(`Primera toma ${run}`);
    expect(await editor().getByTestId('planned-slot').getAttribute('data-iso')).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    // Past the limit: flagged as typed, the button disabled...
    await editor().getByTestId('caption-input').fill('x'.repeat(2190));
    await editor().locator('[data-testid="violation"][data-code="too_long"]').waitFor();
    expect(await editor().getAttribute('data-blocked')).toBe('true');
    expect(await page.getByTestId('approve').isDisabled()).toBe(true);
    // ...and the server refuses it too when the form is sent anyway.
    await page.getByTestId('approve-form').evaluate((form) => (form as unknown as { requestSubmit(): void }).requestSubmit());
    await editor().getByTestId('server-problem').waitFor();
    expect(await editor().getByTestId('server-problem').textContent()).toMatch(/characters/);
    expect((await getJson<{ status: string }>(stack(), `/api/contents/${clips[0]}`)).status).toBe('new');

    // Fixed: approved, and the desk moves on to the next waiting content.
    await editor().getByTestId('caption-input').fill(`Esta noche en vivo ${run}`);
    await editor().getByTestId('caption-ok').waitFor();
    await Promise.all([page.waitForURL(new RegExp(`/contents/${clips[1]}\\?done=approved`)), page.getByTestId('approve').click()]);
    await page.getByTestId('desk-done').waitFor();

    const publication = await waitFor(async () => {
      const { items } = await getJson<{ items: { id: string; scheduledTime: string | null; caption: string }[] }>(stack(), `/api/publications?contentId=${clips[0]}`);
      return items[0]?.scheduledTime ? items[0] : undefined;
    }, { what: 'the approved content to be scheduled', timeoutMs: 60_000 });
    expect(publication.caption).toContain(`Esta noche en vivo ${run}`);
    const approved = (await eventsOf(db(), { contentId: clips[0] })).find((e) => e.type === 'content_approved');
    expect(approved!.actor).toBe('admin');

    await page.goto(`${stack().url}/calendar?modelId=${modelId}&date=${publication.scheduledTime!.slice(0, 10)}`);
    await page.locator(`[data-publication-id="${publication.id}"]`).first().waitFor({ timeout: 20_000 });
  });

  it('blocks a banned word until it is removed or overridden', async () => {
    await db().insert(moderationRules).values({ modelId, kind: 'banned_word', value: 'gratis', note: 'penalizado', createdBy: 'test' });
    await page.goto(reviewUrl(clips[1]!));
    await editor().getByTestId('caption-input').fill('Show GRATIS esta noche');
    const violation = editor().locator('[data-testid="violation"][data-code="banned_word"]');
    await violation.waitFor();
    expect(await violation.textContent()).toContain('«gratis» está prohibida');
    expect(await page.getByTestId('approve').isDisabled()).toBe(true);
    await editor().getByTestId('override').check();
    expect(await page.getByTestId('approve').isDisabled()).toBe(false);
    await editor().getByTestId('override').uncheck();
    await editor().getByTestId('caption-input').fill('Show esta noche');
    await editor().getByTestId('caption-ok').waitFor();
    expect(await page.getByTestId('approve').isDisabled()).toBe(false);
  });

  it('steps with J and K, and R goes to the reason; a rejection reaches the model and the card', async () => {
    await page.goto(reviewUrl(clips[1]!));
    await page.getByTestId('desk-next').waitFor();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await Promise.all([page.waitForURL(reviewUrl(clips[2]!)), page.keyboard.press('j')]);
    await Promise.all([page.waitForURL(reviewUrl(clips[1]!)), page.keyboard.press('k')]);
    await Promise.all([page.waitForURL(reviewUrl(clips[2]!)), page.keyboard.press('j')]);
    await expect.poll(() => page.getByTestId('content-context').textContent()).toBe(`Tercera toma ${run}`);
    await page.keyboard.press('r');
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id)).toBe('reject-reason');

    const after = mark(h);
    await page.keyboard.type('Muy oscuro, grábalo con más luz');
    await Promise.all([page.waitForURL(new RegExp(`/contents/${clips[1]}\\?done=rejected`)), page.getByTestId('reject').click()]);
    const told = await botSays(h, modelUser.id, /no se publicará/, { after });
    expect(textOf(told)).toContain('Muy oscuro, grábalo con más luz');
    const card = await h.tg.waitForCall((c) => c.method === 'editMessageCaption' && /Rechazado/.test(String(c.params.caption)), { after });
    expect(String(card.params.caption)).toContain('Muy oscuro, grábalo con más luz');
    expect((await getJson<{ status: string; rejectedBy: string }>(stack(), `/api/contents/${clips[2]}`))).toMatchObject({ status: 'rejected', rejectedBy: 'admin' });

    // The rejected tab lists it with its reason.
    await page.goto(`${stack().url}/contents?tab=rejected&modelId=${modelId}`);
    const row = page.locator(`[data-testid="desk-item"][data-id="${clips[2]}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Muy oscuro');
  });
  it('shows the rejected clip as deleted by retention, its thumbnail kept', async () => {
    // The retention activity itself, two days on with a one-day age: the rejected clip's video goes, its thumbnail stays.
    const activities = createMediaRetentionActivities({ db: db(), config: stack().app.config, log: pino({ level: 'silent' }) });
    const now = new Date(Date.now() + 2 * 24 * 3600_000).toISOString();
    const swept = (await new MockActivityEnvironment().run(activities.deleteRejectedMedia, { days: 1, now })) as { contents: number };
    expect(swept.contents).toBeGreaterThanOrEqual(1);

    await page.goto(`${stack().url}/contents/${clips[2]}`);
    const deleted = page.getByTestId('media-deleted');
    await deleted.waitFor();
    expect(await deleted.textContent()).toContain('Vídeo eliminado por retención');
    expect(await page.locator('video').count()).toBe(0);
    const media = await fetch(`${stack().url}/api/contents/${clips[2]}/media`, { headers: { authorization: `Bearer ${stack().apiToken}` } });
    expect(media.status).toBe(410);
    const thumbnail = await fetch(`${stack().url}/api/contents/${clips[2]}/thumbnail`, { headers: { authorization: `Bearer ${stack().apiToken}` } });
    expect(thumbnail.status).toBe(200);
  });
});
