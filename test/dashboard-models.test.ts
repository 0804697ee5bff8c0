/**
 * The dashboard's models pages on the whole stack, driven in real Chromium the way an admin uses them: create a
 * model from a regional preset, edit its slots and watch the live preview change before saving (computed in the
 * browser with core/scheduling.ts), save, see a refused field explained in Spanish, pause and resume the model,
 * and hand out a Telegram link code with its deep link and QR code. The list, search and the server-rendered
 * (no-JS) preview are checked over plain HTTP.
 */
import { eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionalPresets } from '../core/presets.js';
import { models, platformAccounts } from '../db/schema.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { launchDashboardBrowser } from './helpers/dashboard-browser.js';

let stack: TestStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const run = randomBytes(3).toString('hex');
const name = `Colombiana ${run}`;
let modelId = '';

beforeAll(async () => {
  stack = await startTestStack({ embedded: false, env: { TELEGRAM_BOT_USERNAME: 'TraficoPanelBot' } });
  browser = await launchDashboardBrowser(stack);
});
afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.close();
});

async function adminCookie(): Promise<string> {
  const response = await fetch(`${stack.url}/api/auth/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ password: stack.adminPassword, next: '/models' }),
  });
  expect(response.status).toBe(303);
  return response.headers.getSetCookie()[0]!.split(';')[0]!;
}

async function modelFromApi(id: string) {
  const response = await fetch(`${stack.url}/api/models/${id}`, { headers: { authorization: `Bearer ${stack.apiToken}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as { name: string; status: string; distribution: { slots: string[]; timezone: string } };
}

/** The ISO times the preview lists right now. */
const previewIsos = () => page.locator('[data-testid="preview-slot"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-iso') ?? ''));

/** Waits until the preview lists `count` slots and every one satisfies `check`. */
async function previewBecomes(check: (iso: string) => boolean, count = 10): Promise<string[]> {
  let last: string[] = [];
  await expect.poll(async () => {
    last = await previewIsos();
    return last.length === count && last.every(check);
  }, { timeout: 15_000 }).toBe(true);
  return last;
}

describe('dashboard models pages', () => {
  it('needs the admin session, and lists models with search on the server', async () => {
    const anonymous = await fetch(`${stack.url}/models`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe('/login?next=%2Fmodels');

    const cookie = await adminCookie();
    const html = await (await fetch(`${stack.url}/models?q=${encodeURIComponent('modelo demo')}`, { headers: { cookie } })).text();
    expect(html).toMatch(/<h1[^>]*>Modelos<\/h1>/);
    expect(html).toMatch(new RegExp(`data-testid="model-row" data-id="${stack.seeded.modelId}" data-name="Modelo Demo"`));
    expect(html).toContain('href="/models/new"');
    const none = await (await fetch(`${stack.url}/models?q=nadie-${run}`, { headers: { cookie } })).text();
    expect(none).toContain('Ninguna modelo coincide con la búsqueda.');
    const english = await (await fetch(`${stack.url}/models?lang=en`, { headers: { cookie } })).text();
    expect(english).toMatch(/<h1[^>]*>Models<\/h1>/);
  });

  it('creates a model from a regional preset', async () => {
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, timezoneId: 'Europe/Madrid' });
    page = await context.newPage();
    await page.goto(`${stack.url}/models/new`);
    await page.waitForURL(/\/login\?next=%2Fmodels%2Fnew/);
    await page.locator('#password').fill(stack.adminPassword);
    await Promise.all([page.waitForURL(`${stack.url}/models/new`), page.locator('#login-submit').click()]);

    await page.getByTestId('model-name').fill(name);
    await page.locator('[data-testid="preset-option"][data-code="CO"]').click();
    await Promise.all([
      page.waitForURL(/\/models\/[0-9a-f-]{36}\?created=1$/),
      page.getByTestId('create-model-submit').click(),
    ]);
    modelId = /\/models\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    expect(await page.getByTestId('model-title').textContent()).toBe(name);
    await page.getByTestId('model-created').waitFor();
    expect(await page.getByTestId('rules-timezone').inputValue()).toBe('America/Bogota');
    expect(await page.getByTestId('rules-slots').inputValue()).toBe(regionalPresets.CO.slots.join(', '));

    const saved = await modelFromApi(modelId);
    expect(saved.distribution).toMatchObject({ timezone: 'America/Bogota', slots: regionalPresets.CO.slots });

    // The same name again is refused on the form, in Spanish, next to the name.
    await page.goto(`${stack.url}/models/new`);
    await page.getByTestId('model-name').fill(name.toUpperCase());
    await page.getByTestId('create-model-submit').click();
    const problem = page.locator('[data-testid="field-problem"][data-field="name"]');
    await problem.waitFor();
    expect(await problem.textContent()).toContain('Ya existe una modelo llamada');
  });

  it('previews the next slots live while the slots are edited, before saving, and saves them', async () => {
    // An active account on the demo platform, so there is something to schedule.
    await stack.app.db.db.insert(platformAccounts).values({ modelId, platformId: stack.seeded.platformId, username: `colombiana_${run}`, status: 'active' });

    // Without JS: the server renders the preview of the saved rules.
    const cookie = await adminCookie();
    const html = await (await fetch(`${stack.url}/models/${modelId}`, { headers: { cookie } })).text();
    const serverIsos = [...html.matchAll(/data-testid="preview-slot" data-iso="([^"]+)"/g)].map((m) => m[1]!);
    expect(serverIsos).toHaveLength(10);
    // 19:30, 21:30, 23:30 in Bogotá (UTC-5, no DST).
    for (const iso of serverIsos) expect(iso).toMatch(/T(00:30|02:30|04:30):00\.000Z$/);

    await page.goto(`${stack.url}/models/${modelId}`);
    await page.locator('[data-testid="slot-preview"][data-live="true"]').waitFor();
    expect(await page.locator('[data-testid="slot-preview"] th').nth(1).textContent()).toContain('Europe/Madrid');
    await previewBecomes((iso) => /T(00:30|02:30|04:30):00\.000Z$/.test(iso));

    // Edit the slots: the preview follows at once, computed in the browser.
    await page.getByTestId('rules-slots').fill('06:15');
    const edited = await previewBecomes((iso) => iso.endsWith('T11:15:00.000Z'));
    expect(new Set(edited.map((iso) => iso.slice(0, 10))).size).toBe(10);
    await page.getByTestId('rules-max-per-day').fill('1');
    await page.getByTestId('rules-slots').fill('06:15, 22:45');
    await previewBecomes((iso) => /T(11:15|03:45):00\.000Z$/.test(iso));
    // Not saved yet.
    expect((await modelFromApi(modelId)).distribution.slots).toEqual(regionalPresets.CO.slots);

    await page.getByTestId('rules-submit').click();
    await page.getByTestId('rules-saved').waitFor();
    const saved = await modelFromApi(modelId);
    expect(saved.distribution.slots).toEqual(['06:15', '22:45']);
    expect(await page.getByTestId('rules-submit').isDisabled()).toBe(false);
  });

  it('explains a wrong slot next to the field and saves nothing', async () => {
    await page.getByTestId('rules-slots').fill('06:15, 25:00');
    const problem = page.locator('[data-testid="field-problem"][data-field="slots"]');
    await problem.waitFor();
    expect(await problem.textContent()).toBe('«25:00» no es una hora entre 00:00 y 23:59 (HH:MM).');
    await page.getByTestId('preview-invalid').waitFor();
    await page.getByTestId('rules-submit').click();
    await page.locator('[data-testid="rules-submit"]:not([disabled])').waitFor();
    expect(await problem.isVisible()).toBe(true);
    expect((await modelFromApi(modelId)).distribution.slots).toEqual(['06:15', '22:45']);
    await page.getByTestId('rules-slots').fill('06:15, 22:45');
    await expect.poll(() => problem.count()).toBe(0);
  });

  it('works without JS: a refused rules form comes back with the field explained and what was typed', async () => {
    const cookie = await adminCookie();
    const form = new URLSearchParams({
      timezone: 'America/Bogota', slots: '07:00, 7pm', maxPostsPerDay: '2', minSpacingMinutes: '60', approvalReminderHours: '12',
      language: 'es', voice: '', captionTemplate: '', hashtags: 'envivo', linkPlacement: 'none', 'pool.demo': '', 'template.demo': '',
    });
    const response = await fetch(`${stack.url}/models/${modelId}?/rules`, {
      method: 'POST',
      headers: { cookie, origin: stack.url, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: form,
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('«7pm» no es una hora entre 00:00 y 23:59 (HH:MM).');
    expect(html).toMatch(/data-testid="rules-slots"[^>]*value="07:00, 7pm"|value="07:00, 7pm"[^>]*data-testid="rules-slots"/);
    expect((await modelFromApi(modelId)).distribution.slots).toEqual(['06:15', '22:45']);
  });

  it('pauses and resumes the model', async () => {
    await page.getByTestId('set-status-paused').click();
    await page.locator('[data-testid="model-status"][data-value="paused"]').waitFor();
    expect(await page.getByTestId('status-notice').textContent()).toContain('Modelo en pausa');
    expect((await modelFromApi(modelId)).status).toBe('paused');
    expect(await page.getByTestId('set-status-paused').isDisabled()).toBe(true);

    await page.getByTestId('set-status-active').click();
    await page.locator('[data-testid="model-status"][data-value="active"]').waitFor();
    expect(await page.getByTestId('status-notice').textContent()).toContain('Modelo activa');
    expect((await modelFromApi(modelId)).status).toBe('active');

    const [row] = await stack.app.db.db.select().from(models).where(eq(models.id, modelId));
    expect(row!.status).toBe('active');
  });

  it('hands out a Telegram link code with its expiry, deep link and QR code', async () => {
    await page.getByTestId('telegram-code-button').click();
    const code = (await page.getByTestId('telegram-code').textContent())!.trim();
    expect(code).toMatch(/^[A-Z2-9]{10}$/);
    expect(await page.getByTestId('telegram-deep-link').getAttribute('href')).toBe(`https://t.me/TraficoPanelBot?start=${code}`);
    expect(await page.locator('[data-testid="telegram-qr"] svg').count()).toBe(1);
    expect(await page.getByTestId('telegram-expires').textContent()).toMatch(/Caduca el \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  });

  it('lists the new model with its account, and finds it by name', async () => {
    await page.goto(`${stack.url}/models?q=${encodeURIComponent(`colombiana ${run}`)}`);
    const row = page.locator(`[data-testid="model-row"][data-id="${modelId}"]`);
    await row.waitFor();
    expect(await row.getByTestId('model-accounts').textContent()).toBe('1');
    expect(await page.locator('[data-testid="model-row"]').count()).toBe(1);
    await row.getByTestId('model-link').click();
    await page.waitForURL(`${stack.url}/models/${modelId}`);
  });
});
