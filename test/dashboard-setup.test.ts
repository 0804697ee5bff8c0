/**
 * The dashboard's setup pages in real Chromium against the built dashboard and the whole stack: on /accounts
 * an account is created (its model typed into the datalist field) and shows up under its model's heading, a
 * bad field comes back next to the field, search and the next-page link are answered by the server, an
 * account is edited, deactivated / reactivated and deleted; on /platforms a platform is disabled and enabled
 * (with JS and without) and its capabilities edited with a field message for a bad value.
 */
import { eq } from 'drizzle-orm';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesFor } from '../core/platforms.js';
import { defaultDistributionRules } from '../core/types.js';
import { contents, models, platforms, publications } from '../db/schema.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { launchDashboardBrowser } from './helpers/dashboard-browser.js';
import { waitFor } from './helpers/wait.js';

let stack: TestStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  browser = await launchDashboardBrowser(stack);
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  page = await context.newPage();
  await login(page, '/accounts');
});
afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.close();
});

const db = () => stack.app.db.db;

/** The real login form, then back to the page asked for. */
async function login(target: Page, path: string) {
  await target.goto(`${stack.url}${path}`);
  await target.waitForURL(/\/login\?next=/);
  await target.locator('#password').fill(stack.adminPassword);
  await Promise.all([target.waitForURL(`${stack.url}${path}`), target.locator('#login-submit').click()]);
}

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const group = (modelName: string): Locator => page.locator(`section[data-testid="model-group"][data-model-name="${modelName}"]`);
const accountIn = (modelName: string, username: string): Locator => group(modelName).locator(`tbody[data-username="${username}"]`);
const newAccountForm = (): Locator => page.getByTestId('new-account-form');

async function openNewAccountForm() {
  if (!(await newAccountForm().isVisible())) await page.getByTestId('new-account-toggle').click();
}

describe('accounts page', () => {
  it('creates an account from the page and shows it under its model, with its session health', async () => {
    const [other] = await db().insert(models).values({ name: 'Aurora Navegador', distribution: { ...defaultDistributionRules } }).returning();
    expect((await api('POST', '/api/accounts', { modelId: other!.id, platformId: stack.seeded.platformId, username: 'aurora_cam' })).status).toBe(201);
    await page.goto(`${stack.url}/accounts`);
    await page.getByTestId('health-summary').waitFor();

    await openNewAccountForm();
    // A bad value comes back next to its field, with what was typed kept.
    await page.getByTestId('model-input').fill('Modelo Demo');
    await page.getByTestId('new-account-platform').selectOption({ label: 'demo' });
    await page.getByTestId('new-account-username').fill('nombre con espacios');
    await page.getByTestId('new-account-submit').click();
    const usernameError = newAccountForm().locator('[data-testid="field-error"][data-field="username"]');
    await usernameError.waitFor();
    expect(await usernameError.textContent()).toContain('no spaces');
    expect(await page.getByTestId('new-account-username').inputValue()).toBe('nombre con espacios');
    expect(await page.getByTestId('model-input').inputValue()).toBe('Modelo Demo');

    // The model is chosen by typing: the datalist follows what is typed.
    await page.locator('[data-testid="model-input"][data-ready="true"]').waitFor();
    await page.getByTestId('model-input').fill('');
    await page.getByTestId('model-input').pressSequentially('Aurora Nav');
    // The page loaded the first models as suggestions; the API's answer for "Aurora Nav" leaves only one.
    const options = page.locator('[data-testid="model-input-options"] option');
    await waitFor(async () => {
      const values = await options.evaluateAll((found) => found.map((o) => o.getAttribute('value')));
      return values.length === 1 && values[0] === 'Aurora Navegador';
    }, { what: 'the datalist narrowed to Aurora', timeoutMs: 10_000 });
    await page.getByTestId('model-input').fill('Modelo Demo');
    await page.getByTestId('new-account-username').fill('@cuenta_panel');
    await newAccountForm().locator('input[name="profileUrl"]').fill('https://demo.example/u/cuenta_panel');
    await page.getByTestId('new-account-submit').click();

    const created = page.locator('[data-testid="form-notice"][data-action="create"][data-ok="true"]');
    await created.waitFor();
    expect(await created.textContent()).toContain('Cuenta @cuenta_panel creada para Modelo Demo');
    const row = accountIn('Modelo Demo', 'cuenta_panel');
    await row.waitFor();
    expect(await row.locator('[data-testid="session-health"]').getAttribute('data-value')).toBe('no_session');
    expect(await row.locator('[data-testid="account-link"][data-kind="profileUrl"]').getAttribute('href')).toBe('https://demo.example/u/cuenta_panel');
    // Grouped by model: the headings in name order, each account under its own (other files of the run may
    // have added models of their own: only these two are ours).
    const headings = await page.locator('section[data-testid="model-group"]').evaluateAll((sections) => sections.map((s) => s.getAttribute('data-model-name')));
    expect(headings.filter((h) => h === 'Aurora Navegador' || h === 'Modelo Demo')).toEqual(['Aurora Navegador', 'Modelo Demo']);
    expect([...headings].sort((a, b) => a!.localeCompare(b!, 'en', { sensitivity: 'base' }))).toEqual(headings);
    expect(await group('Modelo Demo').locator('h2').textContent()).toContain('Modelo Demo');
    await accountIn('Aurora Navegador', 'aurora_cam').waitFor();
    expect(await group('Modelo Demo').locator('tbody[data-username="aurora_cam"]').count()).toBe(0);
    // The session summary counts it with every other account without a session, as the server does.
    const { summary } = (await api('GET', '/api/accounts')).body;
    expect(summary.byHealth.no_session).toBeGreaterThanOrEqual(2);
    expect(await page.locator('[data-testid="health-count"][data-state="no_session"] strong').textContent()).toBe(String(summary.byHealth.no_session));

    const stored = (await api('GET', `/api/accounts?q=cuenta_panel`)).body.items;
    expect(stored).toMatchObject([{ username: 'cuenta_panel', modelName: 'Modelo Demo', platformName: 'demo' }]);
  });

  it('searches and pages on the server', async () => {
    const [many] = await db().insert(models).values({ name: 'Zulema Muchas', distribution: { ...defaultDistributionRules } }).returning();
    for (let i = 0; i < 52; i++) {
      const created = await api('POST', '/api/accounts', { modelId: many!.id, platformId: stack.seeded.platformId, username: `zulema_${String(i).padStart(2, '0')}` });
      expect(created.status).toBe(201);
    }
    // Filtered to the model on the server (other files of the run add accounts of their own): page one holds
    // zulema_00 … zulema_49, the next-page link the rest.
    await page.goto(`${stack.url}/accounts?modelId=${many!.id}`);
    const usernames = () => page.locator('tbody[data-testid="account"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-username')));
    expect(await usernames()).toEqual(Array.from({ length: 50 }, (_, i) => `zulema_${String(i).padStart(2, '0')}`));
    const next = page.getByTestId('next-page');
    await Promise.all([page.waitForURL(/cursor=/), next.click()]);
    const rest = await usernames();
    expect(rest).toEqual(['zulema_50', 'zulema_51']);
    expect(await group('Zulema Muchas').count()).toBe(1);
    expect(await page.getByTestId('next-page').count()).toBe(0);

    await page.goto(`${stack.url}/accounts`);
    await page.getByTestId('account-search').fill('cuenta_pan');
    await Promise.all([page.waitForURL(/q=cuenta_pan/), page.getByTestId('filter-submit').click()]);
    const found = await page.locator('tbody[data-testid="account"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-username')));
    expect(found).toEqual(['cuenta_panel']);
    expect(page.url()).not.toContain('cursor=');
  });

  it('shows the account\'s tracking link and issues a new one, the old link still leading to her stream', async () => {
    const username = `enlace_${Date.now().toString(36)}`;
    const created = await api('POST', '/api/accounts', {
      modelId: stack.seeded.modelId, platformId: stack.seeded.platformId, username, streamUrl: 'https://live.example/enlace',
    });
    expect(created.status).toBe(201);
    const first = created.body.trackingUrl as string;
    await page.goto(`${stack.url}/accounts?q=${username}`);
    const row = accountIn('Modelo Demo', username);
    await row.locator('summary', { hasText: 'Enlace de seguimiento' }).click();
    const shown = row.getByTestId('tracking-url');
    expect(await shown.inputValue()).toBe(first);
    await row.getByTestId('tracking-rotate').click();
    await row.getByTestId('tracking-rotated').waitFor();
    const now = (await api('GET', `/api/accounts?q=${username}`)).body.items[0].trackingUrl as string;
    expect(now).not.toBe(first);
    await waitFor(async () => ((await shown.inputValue()) === now ? true : undefined), { what: 'the new link on the page', timeoutMs: 10_000 });
    // Posts already out keep working: the old code still answers with her stream.
    const old = await fetch(`${stack.url}/t/${first.split('/').at(-1)}`, { redirect: 'manual' });
    expect(old.status).toBe(302);
    expect(old.headers.get('location')).toBe('https://live.example/enlace');
    await api('DELETE', `/api/accounts/${created.body.id}`);
  });

  it('edits, deactivates, reactivates and deletes an account, saying what happened', async () => {
    await page.goto(`${stack.url}/accounts?q=cuenta_panel`);
    const row = accountIn('Modelo Demo', 'cuenta_panel');
    await row.getByText('Editar cuenta').click();
    const form = row.getByTestId('account-edit-form');
    await form.locator('input[name="streamUrl"]').fill('https://live.example/cuenta_panel');
    await form.locator('input[name="profileUrl"]').fill('');
    await row.getByTestId('account-edit-submit').click();
    await row.locator('[data-testid="form-notice"][data-action="update"][data-ok="true"]').waitFor();
    await row.locator('[data-testid="account-link"][data-kind="streamUrl"]').waitFor();
    expect(await row.locator('[data-testid="account-link"][data-kind="profileUrl"]').count()).toBe(0);

    await row.getByTestId('account-deactivate').click();
    await row.locator('[data-testid="account-status"][data-value="disabled"]').waitFor();
    expect(await row.locator('[data-testid="form-notice"][data-action="deactivate"]').textContent()).toContain('Cuenta desactivada');
    await row.getByTestId('account-reactivate').click();
    await row.locator('[data-testid="account-status"][data-value="active"]').waitFor();

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByTestId('account-delete').click();
    const deleted = page.locator('[data-testid="form-notice"][data-action="delete"][data-ok="true"]');
    await deleted.waitFor();
    expect(await deleted.textContent()).toContain('Cuenta @cuenta_panel eliminada');
    await row.waitFor({ state: 'detached' });
    expect((await api('GET', '/api/accounts?q=cuenta_panel')).body.items).toEqual([]);

    // An account with publications is deactivated instead, and the row says so.
    const aurora = (await api('GET', '/api/accounts?q=aurora_cam')).body.items[0] as { id: string; modelId: string };
    const [content] = await db().insert(contents)
      .values({ modelId: aurora.modelId, filePath: join(stack.dataDir, 'never-published.mp4'), sentBy: 'test', status: 'approved' }).returning();
    await db().insert(publications)
      .values({ contentId: content!.id, accountId: aurora.id, idempotencyMarker: 'ref:0123456789ab', status: 'canceled' });
    await page.goto(`${stack.url}/accounts?q=aurora_cam`);
    const kept = accountIn('Aurora Navegador', 'aurora_cam');
    expect(await kept.getByTestId('publication-count').textContent()).toBe('1');
    page.once('dialog', (dialog) => void dialog.accept());
    await kept.getByTestId('account-delete').click();
    const notice = kept.locator('[data-testid="form-notice"][data-action="delete"][data-ok="true"]');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('se desactivó en lugar de eliminarse');
    await kept.locator('[data-testid="account-status"][data-value="disabled"]').waitFor();
    await kept.getByTestId('account-reactivate').click();
    await kept.locator('[data-testid="account-status"][data-value="active"]').waitFor();
  });
});

describe('platforms page', () => {
  const card = (): Locator => page.locator('article[data-testid="platform"][data-name="demo"]');

  it('lists each platform with its driver and capabilities, and disables / enables it', async () => {
    await page.goto(`${stack.url}/platforms`);
    expect(await page.locator('nav a[aria-current="page"]').textContent()).toContain('Plataformas');
    expect(await card().getByTestId('platform-driver').textContent()).toContain('demo');
    expect(await card().locator('dd[data-cap="maxHashtags"]').textContent()).toBe(String(capabilitiesFor('demo').maxHashtags));
    expect(await card().getByTestId('platform-base-url').textContent()).toBe(stack.demo.url);

    await card().getByTestId('platform-toggle').click();
    await card().locator('[data-testid="platform-active"][data-value="false"]').waitFor();
    expect(await card().locator('[data-testid="form-notice"][data-action="toggle"]').textContent()).toContain('Plataforma desactivada');
    expect((await db().select().from(platforms).where(eq(platforms.id, stack.seeded.platformId)))[0]!.active).toBe(false);
    await card().getByTestId('platform-inactive-hint').waitFor();

    await card().getByTestId('platform-toggle').click();
    await card().locator('[data-testid="platform-active"][data-value="true"]').waitFor();
    expect(await card().locator('[data-testid="form-notice"][data-action="toggle"]').textContent()).toContain('Plataforma activada');
    expect((await db().select().from(platforms).where(eq(platforms.id, stack.seeded.platformId)))[0]!.active).toBe(true);
  });

  it('works without JavaScript too', async () => {
    const plain = await browser.newContext({ javaScriptEnabled: false });
    try {
      const noJs = await plain.newPage();
      await login(noJs, '/platforms');
      const demo = noJs.locator('article[data-testid="platform"][data-name="demo"]');
      await Promise.all([noJs.waitForLoadState('load'), demo.getByTestId('platform-toggle').click()]);
      await demo.locator('[data-testid="platform-active"][data-value="false"]').waitFor();
      expect((await api('GET', '/api/platforms')).body.items.find((p: { name: string }) => p.name === 'demo').active).toBe(false);
      await demo.getByTestId('platform-toggle').click();
      await demo.locator('[data-testid="platform-active"][data-value="true"]').waitFor();
    } finally {
      await plain.close();
    }
    expect((await api('GET', '/api/platforms')).body.items.find((p: { name: string }) => p.name === 'demo').active).toBe(true);
  });

  it('edits capabilities, showing a bad value next to its field', async () => {
    await page.goto(`${stack.url}/platforms`);
    await card().getByTestId('platform-edit-toggle').click();
    const form = card().getByTestId('platform-edit-form');
    await form.locator('input[name="aspect"]').fill('ancho');
    await card().getByTestId('platform-edit-submit').click();
    const aspectError = form.locator('[data-testid="field-error"][data-field="capabilities.aspect"]');
    await aspectError.waitFor();
    expect(await form.locator('input[name="aspect"]').inputValue()).toBe('ancho');
    expect((await api('GET', '/api/platforms')).body.items.find((p: { name: string }) => p.name === 'demo').capabilities.aspect).toBe('9:16');

    await form.locator('input[name="aspect"]').fill('9:16');
    await form.locator('input[name="maxHashtags"]').fill('12');
    await card().getByTestId('platform-edit-submit').click();
    await card().locator('[data-testid="form-notice"][data-action="edit"][data-ok="true"]').waitFor();
    await card().locator('dd[data-cap="maxHashtags"]', { hasText: '12' }).waitFor();
    const demo = (await api('GET', '/api/platforms')).body.items.find((p: { name: string }) => p.name === 'demo');
    expect(demo.capabilities).toEqual({ ...capabilitiesFor('demo'), maxHashtags: 12 });
    expect(demo.baseUrl).toBe(stack.demo.url);
  });
});
