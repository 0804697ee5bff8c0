/**
 * The calendar in real Chromium through the built dashboard, on the whole stack (PostgreSQL, Temporal, workers, the
 * demo platform): a model with fixed slots gets two clips scheduled by the real pipeline; the admin picks her time zone
 * in Ajustes (the browser's is the default); the calendar shows the clips in her zone (not the browser's), the model's
 * own time on hover, and the free slots of the rules; dragging one to another day moves its workflow's timer (the API's scheduled time and the workflow's
 * own state); a move into the past snaps back with the reason; a move to a couple of minutes ahead is published on the
 * demo platform at that time; a click opens the publication's page.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicationStateQuery } from '../contracts/workflows.js';
import { zonedTimeToUtc } from '../core/scheduling.js';
import { launchDashboardBrowser, openAsAdmin } from './helpers/dashboard-browser.js';
import { makeTestVideo } from './helpers/media.js';
import { startTestStack, uploadVideo, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: TestStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const run = randomBytes(3).toString('hex');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const modelZone = 'America/Bogota';

const hourIn = (zone: string, at = new Date()) =>
  Number(new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(at)) % 24;
/** An admin zone whose clock now reads between 03:00 and 20:59, so a couple of hours either way stay on today. */
const adminZone = ['Asia/Tokyo', 'Europe/Madrid', 'America/New_York', 'Pacific/Auckland', 'Asia/Kolkata', 'America/Los_Angeles', 'UTC']
  .find((zone) => zone !== modelZone && hourIn(zone) >= 3 && hourIn(zone) <= 20)!;
/** The browser lives elsewhere (nor UTC, the default): the calendar must follow the preference, not the browser. */
const browserZone = 'America/Sao_Paulo';

/** `YYYY-MM-DDTHH:MM:SS` of an instant in a zone. */
function wallOf(instant: string | number | Date, zone: string): string {
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  for (const part of format.formatToParts(new Date(instant))) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day}T${String(Number(parts.hour) % 24).padStart(2, '0')}:${parts.minute}:${parts.second}`;
}
const instantOf = (wall: string, zone: string) => zonedTimeToUtc(wall.slice(0, 10), wall.slice(11, 16), zone)!.toISOString();

const browserErrors: string[] = [];
let modelId: string;
/** Her posting slots (`HH:MM` in her zone), set in `beforeAll`. */
let slots: string[];
let first: { id: string; contentId: string; workflowId: string; scheduledTime: string };
let second: { id: string; contentId: string; workflowId: string; scheduledTime: string };

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function publicationNow(contentId: string) {
  const { body } = await api('GET', `/api/publications?contentId=${contentId}`);
  return body.items[0] as { id: string; status: string; scheduledTime: string; publishedAt: string | null; postUrl: string | null; caption: string; workflowId: string; lastError: string | null };
}

/** Waits until the API stores the publication's time as `iso` (the workflow records a reschedule). */
async function storedTime(contentId: string, iso: string) {
  await waitFor(async () => (await publicationNow(contentId)).scheduledTime === iso, { what: `the scheduled time ${iso}`, timeoutMs: 30_000 });
}

async function upload(context: string) {
  const video = readFileSync(await makeTestVideo(join(stack.dataDir, `calendar-${context}.mp4`)));
  const sent = await uploadVideo(stack, { modelId, context, file: { data: video, name: 'clip.mp4' } });
  expect(sent.status).toBe(202);
  const contentId = sent.body.id as string;
  const scheduled = await waitFor(async () => {
    const p = await publicationNow(contentId);
    return p?.status === 'scheduled' && p.scheduledTime ? p : undefined;
  }, { what: 'a clip scheduled at a slot', timeoutMs: 90_000 });
  return { id: scheduled.id, contentId, workflowId: scheduled.workflowId, scheduledTime: scheduled.scheduledTime };
}

const eventOf = (id: string): Locator => page.locator(`[data-testid="calendar-event"][data-publication-id="${id}"]`);

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  browser = await launchDashboardBrowser(stack);

  // A model of her own with a demo account logged in: what the calendar moves really publishes.
  const username = `calendaria_${run}`;
  const password = 'calendaria-demo-password';
  const demoUser = await fetch(`${stack.demo.url}/__admin/users`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password, displayName: 'Calendaria' }),
  });
  expect(demoUser.status).toBe(200);
  // Two slots three and five hours from now in her zone: the clips wait on their timers.
  slots = [3, 5].map((ahead) => `${String((hourIn(modelZone) + ahead) % 24).padStart(2, '0')}:00`).sort();
  const model = await api('POST', '/api/models', {
    name: `Calendaria ${run}`,
    distribution: { timezone: modelZone, slots, maxPostsPerDay: 4, minSpacingMinutes: 0, approvalRequired: false, allowedPlatforms: [] },
  });
  expect(model.status, JSON.stringify(model.body)).toBe(201);
  modelId = model.body.id;
  const account = await api('POST', '/api/accounts', { modelId, platformId: stack.seeded.platformId, username });
  expect(account.status, JSON.stringify(account.body)).toBe(201);
  expect((await api('POST', `/api/accounts/${account.body.id}/login`, { password })).body.state).toBe('logged_in');

  first = await upload('uno');
  second = await upload('dos');
  expect((await api('PATCH', '/api/settings/preferences', { timezone: null })).status).toBe(200);
  ({ context, page } = await openAsAdmin(browser, stack, `/calendar?modelId=${modelId}`, { timezoneId: browserZone }));
  // The calendar must run under the dashboard's CSP (no inline scripts): any refusal shows up here.
  page.on('console', (message) => {
    if (message.type() === 'error') browserErrors.push(message.text());
  });
  page.on('pageerror', (error) => browserErrors.push(error.message));
});
afterAll(async () => {
  await api('PATCH', '/api/settings/preferences', { timezone: null }).catch(() => undefined);
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.close();
});

/** Drags `from` by (dx, dy) pixels with the mouse, in small steps (the calendar follows pointer events). */
async function drag(from: Locator, dx: number, dy: number) {
  // Centred in the grid's scroller: an event left at its edge (where scrollIntoViewIfNeeded may leave it) makes the
  // calendar auto-scroll while the pointer drags, which moves the drop by hours (which hour depends on the time of
  // day the test runs at: the grid first scrolls to two hours before now).
  await from.evaluate((element) => element.scrollIntoView({ block: 'center', inline: 'center' }));
  const box = (await from.boundingBox())!;
  const x = box.x + Math.min(20, box.width / 2);
  const y = box.y + Math.min(6, box.height / 2);
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx / 4, y + dy / 4, { steps: 5 });
  await page.mouse.move(x + dx, y + dy, { steps: 15 });
  await page.mouse.up();
}

/** The time grid's pixels per minute, read from two labels of its time axis (`<time datetime>` each). */
async function pixelsPerMinute(): Promise<number> {
  const labels = page.locator('.ec-body .ec-sidebar .ec-slot time');
  const [a, b] = [labels.nth(4), labels.nth(5)];
  const minutes = (Date.parse(`${await b.getAttribute('datetime')}Z`) - Date.parse(`${await a.getAttribute('datetime')}Z`)) / MINUTE;
  return ((await b.boundingBox())!.y - (await a.boundingBox())!.y) / minutes;
}

describe('dashboard calendar', () => {
  it('follows the browser’s zone until the admin picks hers in Ajustes', async () => {
    // The calendar page told the server the browser's zone (the `tz` cookie) and uses it while nothing is chosen.
    await expect.poll(() => page.getByTestId('calendar-zone').getAttribute('data-zone')).toBe(browserZone);
    await expect.poll(() => page.getByTestId('calendar-zone').getAttribute('data-source')).toBe('browser');

    await page.goto(`${stack.url}/settings`);
    const panel = page.getByTestId('timezone-panel');
    expect(await panel.getByTestId('timezone-browser').getAttribute('data-zone')).toBe(browserZone);
    expect(await panel.getByTestId('timezone-browser').textContent()).toContain(browserZone);
    await panel.getByTestId('timezone-select').selectOption(adminZone);
    await panel.getByTestId('timezone-save').click();
    await panel.getByTestId('timezone-saved').waitFor();
    expect(await panel.getByTestId('timezone-saved').textContent()).toContain(adminZone);
    expect((await api('GET', '/api/settings/preferences')).body).toEqual({ timezone: adminZone });
    await page.reload();
    expect(await page.getByTestId('timezone-current').getAttribute('data-zone')).toBe(adminZone);
  });

  it('shows each publication at its time in the admin’s zone (her preference), the model’s time on hover, and the free slots', async () => {
    const wall = wallOf(first.scheduledTime, adminZone);
    await page.goto(`${stack.url}/calendar?view=week&date=${wall.slice(0, 10)}&modelId=${modelId}`);
    expect(await page.getByTestId('calendar-zone').getAttribute('data-zone')).toBe(adminZone);
    expect(await page.getByTestId('calendar-zone').getAttribute('data-source')).toBe('preference');
    const event = eventOf(first.id);
    await event.waitFor();
    expect(await event.getAttribute('data-wall')).toBe(wall);
    expect(await event.getAttribute('data-status')).toBe('scheduled');
    expect(await event.getAttribute('data-draggable')).toBe('true');
    // The calendar's own label of the time, and the column of her day.
    expect(await event.locator('.time').textContent()).toContain(wall.slice(11, 16));
    const column = (await page.locator(`.ec-col-head time[datetime="${wall.slice(0, 10)}"]`).boundingBox())!;
    const box = (await event.boundingBox())!;
    expect(box.x + box.width / 2).toBeGreaterThan(column.x - 20);
    expect(box.x + box.width / 2).toBeLessThan(column.x + column.width + 40);
    // On hover: her time with her zone, and the model's with hers.
    const tooltip = (await event.getAttribute('title')) ?? '';
    expect(tooltip).toContain(`${wall.slice(0, 10)} ${wall.slice(11, 16)} `);
    expect(tooltip).toContain(adminZone);
    const modelWall = wallOf(first.scheduledTime, modelZone);
    expect(tooltip).toContain(`${modelWall.slice(0, 10)} ${modelWall.slice(11, 16)} `);
    expect(tooltip).toContain(modelZone);
    // Free slots of her rules fill the rest of the week, never on a taken time.
    const free = page.getByTestId('calendar-free-slot');
    await free.first().waitFor({ state: 'attached' });
    const freeWalls = await free.evaluateAll((els) => els.map((el) => el.getAttribute('data-wall')));
    expect(freeWalls.length).toBeGreaterThan(3);
    expect(freeWalls).not.toContain(wall);
    expect(freeWalls).not.toContain(wallOf(second.scheduledTime, adminZone));
  });

  it('drags a publication to another day: the workflow’s timer moves with it', async () => {
    // Set up three days ahead around noon (her zone), so a day either way is still ahead and in the same week. The hour
    // is one that is none of the model's slots on any of those days (her slots are in her own zone, so the admin's noon
    // can be one of them at some hours of the run): the move must break the slot rule for its warning to show.
    const today = wallOf(Date.now(), adminZone).slice(0, 10);
    const dayAt = (offset: number) => new Date(Date.parse(`${today}T00:00:00Z`) + offset * DAY).toISOString().slice(0, 10);
    const day = dayAt(3);
    const hour = ['12:00:00', '13:00:00', '11:00:00', '14:00:00'].find((time) =>
      [2, 3, 4].every((offset) => !slots.includes(wallOf(instantOf(`${dayAt(offset)}T${time}`, adminZone), modelZone).slice(11, 16))))!;
    const start = instantOf(`${day}T${hour}`, adminZone);
    expect((await api('POST', `/api/publications/${first.id}/reschedule`, { scheduledTime: start })).status).toBe(202);
    await storedTime(first.contentId, start);

    await page.goto(`${stack.url}/calendar?view=week&date=${day}&modelId=${modelId}`);
    const event = eventOf(first.id);
    await event.waitFor();
    expect(await event.getAttribute('data-wall')).toBe(`${day}T${hour}`);
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
    const previous = new Date(Date.parse(`${day}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
    const target = (await page.locator(`.ec-col-head time[datetime="${next}"]`).count()) > 0 ? next : previous;
    const from = (await page.locator(`.ec-col-head time[datetime="${day}"]`).boundingBox())!;
    const to = (await page.locator(`.ec-col-head time[datetime="${target}"]`).boundingBox())!;
    await drag(event, to.x - from.x, 0);

    const moved = page.getByTestId('calendar-moved');
    await moved.waitFor();
    expect(await moved.getAttribute('data-wall')).toBe(`${target}T${hour}`);
    // That hour is no slot of hers: the admin's time wins, with the rule's warning.
    expect(await page.getByTestId('calendar-warnings').textContent()).toMatch(/posting slots/);
    expect(await event.getAttribute('data-wall')).toBe(`${target}T${hour}`);

    const expected = instantOf(`${target}T${hour}`, adminZone);
    await storedTime(first.contentId, expected);
    const state = await stack.app.temporal.workflow.getHandle(first.workflowId).query(publicationStateQuery);
    expect(state).toMatchObject({ phase: 'waiting', status: 'scheduled', scheduledTime: expected });
  });

  it('snaps a move into the past back, with the reason', async () => {
    // The second clip an hour from now (to the minute), seen in the day view at 1-minute precision.
    const soon = new Date(Math.ceil((Date.now() + HOUR) / MINUTE) * MINUTE).toISOString();
    expect((await api('POST', `/api/publications/${second.id}/reschedule`, { scheduledTime: soon })).status).toBe(202);
    await storedTime(second.contentId, soon);
    const wall = wallOf(soon, adminZone);
    await page.goto(`${stack.url}/calendar?view=day&date=${wall.slice(0, 10)}&snap=1&modelId=${modelId}`);
    const event = eventOf(second.id);
    await event.waitFor();
    expect(await event.getAttribute('data-wall')).toBe(wall);

    // Two and a half hours earlier: an hour and a half ago.
    await drag(event, 0, -150 * (await pixelsPerMinute()));
    const refused = page.getByTestId('calendar-refused');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('esa hora ya pasó');
    await expect.poll(() => event.getAttribute('data-wall')).toBe(wall);
    expect((await publicationNow(second.contentId)).scheduledTime).toBe(soon);
  });

  it('moves a publication to a couple of minutes ahead: it is published on the demo platform at that time', { timeout: 360_000 }, async () => {
    const event = eventOf(second.id);
    const wall = (await event.getAttribute('data-wall'))!;
    // From an hour ahead to about a minute and a half ahead.
    const minutesUp = (Date.parse(instantOf(wall, adminZone)) - (Date.now() + 1.5 * MINUTE)) / MINUTE;
    await drag(event, 0, -minutesUp * (await pixelsPerMinute()));
    const moved = page.getByTestId('calendar-moved');
    await moved.waitFor();
    const newWall = (await moved.getAttribute('data-wall'))!;
    const newTime = instantOf(newWall, adminZone);
    expect(Date.parse(newTime) - Date.now()).toBeGreaterThan(20_000);
    expect(Date.parse(newTime) - Date.now()).toBeLessThan(3 * MINUTE);
    // Not a slot of hers: the admin's time wins, and the page says which rule it breaks.
    expect(await page.getByTestId('calendar-warnings').textContent()).toMatch(/posting slots/);
    await storedTime(second.contentId, newTime);

    const published = await waitFor(async () => {
      const p = await publicationNow(second.contentId);
      if (p.status === 'failed') throw new Error(`publication failed: ${p.lastError}`);
      return p.status === 'published' ? p : undefined;
    }, { what: 'the moved publication to be published', timeoutMs: 300_000, intervalMs: 1000 });
    // Not before its new time.
    expect(Date.parse(published.publishedAt!)).toBeGreaterThanOrEqual(Date.parse(newTime));
    const marker = published.caption.split('\n').at(-1)!;
    const { posts } = (await (await fetch(`${stack.demo.url}/__admin/posts`)).json()) as { posts: { caption: string }[] };
    expect(posts.filter((post) => post.caption.includes(marker))).toHaveLength(1);

    // The calendar shows it published, where it went out, no longer draggable.
    await page.reload();
    const after = eventOf(second.id);
    await after.waitFor();
    expect(await after.getAttribute('data-status')).toBe('published');
    expect(await after.getAttribute('data-draggable')).toBe('false');
    expect(await after.getAttribute('data-wall')).toBe(wallOf(published.publishedAt!, adminZone));
  });

  it('goes back to the browser’s zone when the preference is cleared', async () => {
    await page.goto(`${stack.url}/settings`);
    const panel = page.getByTestId('timezone-panel');
    await panel.getByTestId('timezone-select').selectOption('');
    await panel.getByTestId('timezone-save').click();
    await panel.getByTestId('timezone-saved').waitFor();
    expect((await api('GET', '/api/settings/preferences')).body).toEqual({ timezone: null });
    const wall = wallOf((await publicationNow(first.contentId)).scheduledTime, browserZone);
    await page.goto(`${stack.url}/calendar?view=week&date=${wall.slice(0, 10)}&modelId=${modelId}`);
    expect(await page.getByTestId('calendar-zone').getAttribute('data-zone')).toBe(browserZone);
    await eventOf(first.id).waitFor();
    expect(await eventOf(first.id).getAttribute('data-wall')).toBe(wall);
  });

  it('ran without a script error or a Content-Security-Policy refusal', () => {
    expect(browserErrors.filter((text) => !/Failed to load resource: the server responded with a status of 400/.test(text))).toEqual([]);
  });

  it('opens the publication’s page on a click', async () => {
    const wall = wallOf((await publicationNow(first.contentId)).scheduledTime, adminZone);
    await page.goto(`${stack.url}/calendar?view=week&date=${wall.slice(0, 10)}&modelId=${modelId}`);
    const event = eventOf(first.id);
    await event.waitFor();
    await event.scrollIntoViewIfNeeded();
    await Promise.all([page.waitForURL(`${stack.url}/publications/${first.id}`), event.click()]);
  });
});
