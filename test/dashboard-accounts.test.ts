/**
 * The dashboard's accounts page (/accounts) on the whole stack: served only after login, rendered on
 * the server with the seeded demo account, and driven in real Chromium the way the admin uses it —
 * session check, session file upload (a bad file and a real one), password login, pause/resume and
 * the browser profile — each action going through the page's own browser fetch to the API.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPassword, demoUsername, loginToDemo } from '../scripts/seed.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { launchDashboardBrowser } from './helpers/dashboard-browser.js';

let stack: TestStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

/** Long enough for one session check: a Temporal workflow driving Chromium against the demo platform. */
const checkTimeout = 45_000;

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
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
    body: new URLSearchParams({ password: stack.adminPassword, next: demoPath }),
  });
  expect(response.status).toBe(303);
  return response.headers.getSetCookie()[0]!.split(';')[0]!;
}

/**
 * The page shows 50 accounts at a time and the shared test database holds many: every visit filters on the demo
 * account's username, the way an admin finds one account.
 */
const demoPath = `/accounts?q=${demoUsername}`;
const demoRow = (): Locator => page.locator(`tbody[data-username="${demoUsername}"]`);
const notice = (action: string): Locator => demoRow().locator(`[data-testid="account-notice"][data-action="${action}"]`);

async function accountFromApi() {
  const response = await fetch(`${stack.url}/api/accounts?q=${demoUsername}`, { headers: { authorization: `Bearer ${stack.apiToken}` } });
  const body = (await response.json()) as { items: Array<Record<string, unknown> & { username: string }> };
  return body.items.find((a) => a.username === demoUsername)!;
}

describe('dashboard accounts page', () => {
  it('requires the admin session', async () => {
    const anonymous = await fetch(`${stack.url}/accounts`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe('/login?next=%2Faccounts');
    expect((await fetch(`${stack.url}/api/accounts`)).status).toBe(401);
  });

  it('renders the seeded demo account on the server, in Spanish by default and in English on request', async () => {
    const cookie = await adminCookie();
    const response = await fetch(`${stack.url}${demoPath}`, { headers: { cookie } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/<h1[^>]*>Cuentas<\/h1>/);
    expect(html).toContain('href="/accounts"'); // the nav link
    expect(html).toMatch(new RegExp(`<tbody[^>]*data-username="${demoUsername}"`));
    expect(html).toContain(`@${demoUsername}`);
    expect(html).toContain('Modelo Demo');
    expect(html).toMatch(/data-testid="account-status" data-value="active"[^>]*>Activa</);
    expect(html).toContain('Comprobar sesión');
    expect(html).toContain('Vincular sesión');
    expect(html).toContain('Iniciar sesión con contraseña');

    const english = await (await fetch(`${stack.url}${demoPath}&lang=en`, { headers: { cookie } })).text();
    expect(english).toMatch(/<h1[^>]*>Accounts<\/h1>/);
    expect(english).toMatch(/data-value="active"[^>]*>Active</);
    expect(english).toContain('Check session');
  });

  it('checks the session from the page and shows the result inline and in the row', async () => {
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    page = await context.newPage();
    // The real login form, then back to the page it was asked for.
    await page.goto(`${stack.url}${demoPath}`);
    await page.waitForURL(/\/login\?next=%2Faccounts%3Fq%3D/);
    await page.locator('#password').fill(stack.adminPassword);
    await Promise.all([page.waitForURL(`${stack.url}${demoPath}`), page.locator('#login-submit').click()]);
    expect(await page.locator('nav a[aria-current="page"]').textContent()).toContain('Cuentas');

    await demoRow().getByTestId('check-session').click(); // waits for hydration (disabled until then)
    const result = notice('check');
    await result.waitFor({ timeout: checkTimeout });
    expect(await result.getAttribute('data-state')).toBe('logged_in');
    expect(await result.textContent()).toContain('Sesión iniciada');
    await demoRow().locator('[data-testid="session-state"][data-value="logged_in"]').waitFor();
    expect(await demoRow().getByTestId('session-checked-at').textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect((await accountFromApi()).lastSessionState).toBe('logged_in');
  });

  it('uploads session files: the API error for a bad one, format and cookie count for a real one', async () => {
    await demoRow().getByText('Vincular sesión').click();
    const file = demoRow().getByTestId('session-file');
    await file.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a session, just notes\n') });
    await demoRow().getByTestId('session-submit').click();
    const failed = notice('session');
    await failed.waitFor();
    expect(await failed.getAttribute('role')).toBe('alert');
    expect(await failed.textContent()).toMatch(/Vincular sesión: no se pudo\..*\(session_[a-z_]+\)/);
    expect((await accountFromApi()).sessionSaved).toBe(true); // the stored session stays

    const storageState = await loginToDemo(stack.demo.url, demoUsername, demoPassword);
    await file.setInputFiles({ name: 'state.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(storageState)) });
    await demoRow().getByTestId('session-submit').click();
    const imported = demoRow().locator('[data-testid="account-notice"][data-action="session"][data-state]');
    await imported.waitFor({ timeout: checkTimeout });
    const text = await imported.textContent();
    expect(text).toMatch(/Sesión importada: formato \S+, [1-9]\d* cookies\./);
    expect(text).toContain('Sesión iniciada');
    expect(await imported.getAttribute('data-state')).toBe('logged_in');
  });

  it('logs in with a password and never keeps it in the form', async () => {
    await demoRow().getByText('Iniciar sesión con contraseña').click();
    const password = demoRow().locator('input[name="password"]');
    await password.fill(demoPassword);
    await demoRow().getByTestId('login-submit').click();
    expect(await password.inputValue()).toBe('');
    const result = notice('login');
    await result.waitFor({ timeout: checkTimeout });
    expect(await result.getAttribute('data-state')).toBe('logged_in');
    expect(await page.content()).not.toContain(demoPassword);
  });

  it('pauses and resumes the account', async () => {
    await demoRow().getByTestId('pause-account').click();
    await demoRow().locator('[data-testid="account-status"][data-value="paused"]').waitFor();
    expect(await notice('pause').textContent()).toContain('Cuenta pausada');
    expect((await accountFromApi()).status).toBe('paused');

    await demoRow().getByTestId('resume-account').click();
    await demoRow().locator('[data-testid="account-status"][data-value="active"]').waitFor();
    expect(await notice('resume').textContent()).toContain('Cuenta reanudada');
    expect((await accountFromApi()).status).toBe('active');
  });

  it('saves the browser profile and shows the proxy only as its host', async () => {
    await demoRow().getByText('Perfil del navegador').click();
    const form = demoRow().getByTestId('profile-form');
    await form.locator('input[name="locale"]').fill('es-CO');
    await form.locator('input[name="timezoneId"]').fill('America/Bogota');
    await form.locator('input[name="proxy"]').fill('http://proxyuser:s3cr3t-pw@proxy.example:8080');
    await demoRow().getByTestId('profile-submit').click();
    await notice('profile').waitFor();
    await demoRow().locator('[data-testid="proxy-current"]', { hasText: 'http://proxy.example:8080' }).waitFor();
    expect(await form.locator('input[name="proxy"]').inputValue()).toBe('');
    expect(await page.content()).not.toContain('s3cr3t-pw');
    const profile = (await accountFromApi()).browserProfile as Record<string, unknown>;
    expect(profile).toMatchObject({ locale: 'es-CO', timezoneId: 'America/Bogota', proxy: 'http://proxy.example:8080' });

    // A bad value comes back as the API's message; nothing changes.
    await form.locator('input[name="timezoneId"]').fill('Mars/Olympus');
    await demoRow().getByTestId('profile-submit').click();
    const failed = demoRow().locator('[data-testid="account-notice"][data-action="profile"][role="alert"]');
    await failed.waitFor();
    expect(await failed.textContent()).toContain('Mars/Olympus');

    // Remove the proxy again (later browser jobs of this account must not go through it).
    await form.locator('input[name="timezoneId"]').fill('America/Bogota');
    await form.locator('input[name="removeProxy"]').check();
    await demoRow().getByTestId('profile-submit').click();
    await demoRow().locator('[data-testid="proxy-current"]', { hasText: 'ninguno' }).waitFor();
    expect(((await accountFromApi()).browserProfile as Record<string, unknown>).proxy).toBeNull();
  });
});
