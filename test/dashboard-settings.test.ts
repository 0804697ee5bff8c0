/**
 * The settings page (/settings) in real Chromium on the built dashboard: two browsers signed in, one revokes
 * the other's session and the other lands on the login page at its next navigation; API tokens created
 * (shown once) and revoked; the password changed through the form (with field errors first); the login page's
 * rate-limit message. Along the way, no page breaks its Content-Security-Policy (SvelteKit's nonces, helmet's
 * policy on Swagger UI), and an off-site `next` stays home.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCredentials } from '../db/schema.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { launchDashboardBrowser } from './helpers/dashboard-browser.js';

let stack: TestStack;
const MiB = 1024 * 1024;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** Every CSP violation Chromium reports on any page of the test. */
const cspViolations: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({ embedded: false, role: 'web' });
  // Known files before the first visit of /settings (GET /api/storage is cached for a minute): a 3 MiB original and a
  // 1 MiB evidence trace, so the disk panel has figures to show.
  const contentDir = join(stack.dataDir, 'media', randomUUID());
  mkdirSync(contentDir, { recursive: true });
  writeFileSync(join(contentDir, 'original.mp4'), Buffer.alloc(3 * MiB, 1));
  const attemptDir = join(stack.dataDir, 'evidence', randomUUID(), '1');
  mkdirSync(attemptDir, { recursive: true });
  writeFileSync(join(attemptDir, 'trace.zip'), Buffer.alloc(MiB, 2));
  browser = await launchDashboardBrowser(stack);
});
afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  // Other test files share the database and log in with ADMIN_PASSWORD.
  if (stack) await stack.app.db.db.delete(adminCredentials);
  await stack?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`);
  });
  return page;
}

/** The real login form, from a page that needs the session. */
async function signIn(page: Page, path: string, password = stack.adminPassword) {
  await page.goto(`${stack.url}${path}`);
  await page.waitForURL(/\/login\?next=/);
  await page.locator('#password').fill(password);
  await Promise.all([page.waitForURL(`${stack.url}${path}`), page.locator('#login-submit').click()]);
}

/** The id of the page's own session, as the API lists it (a same-origin fetch from the page). */
function ownSessionId(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const response = await fetch('/api/auth/sessions?limit=200');
    const body = (await response.json()) as { items: { id: string; current: boolean }[] };
    return body.items.find((s) => s.current)!.id;
  });
}

let admin: Page;
let other: Page;

describe('settings page in Chromium', () => {
  it('revokes another browser\'s session; that browser lands on the login page at its next navigation', async () => {
    other = await newPage();
    await signIn(other, '/accounts');
    admin = await newPage();
    await signIn(admin, '/settings');
    const otherId = await ownSessionId(other);
    const adminId = await ownSessionId(admin);

    const current = admin.locator(`[data-testid="session-row"][data-session-id="${adminId}"]`);
    expect(await current.getAttribute('data-current')).toBe('true');
    expect(await current.getByTestId('current-session').textContent()).toBe('Esta sesión');
    expect(await current.getByTestId('revoke-session').count()).toBe(0);
    const row = admin.locator(`[data-testid="session-row"][data-session-id="${otherId}"]`);
    expect(await row.textContent()).toMatch(/Chrome \d+ · Linux/);
    await row.getByTestId('revoke-session').click();
    await admin.getByTestId('session-revoked').waitFor();
    await row.waitFor({ state: 'detached' });

    // A client-side navigation (SvelteKit asks the server for the page's data) ends on the login page…
    await Promise.all([other.waitForURL(/\/login\?next=%2Fsettings/), other.getByTestId('nav-settings').click()]);
    expect(await other.locator('#password').isVisible()).toBe(true);
    // …and so does a full page load.
    await other.goto(`${stack.url}/accounts`);
    await other.waitForURL(`${stack.url}/login?next=%2Faccounts`);
    // The admin's own session goes on.
    await admin.reload();
    await admin.getByTestId('password-panel').waitFor();
  });

  it('shows the disk use per kind and the free disk', async () => {
    await admin.goto(`${stack.url}/settings`);
    const panel = admin.getByTestId('storage-panel');
    const kind = (name: string) => panel.locator(`[data-testid="storage-kind"][data-kind="${name}"]`);
    await kind('originals').waitFor();
    expect(Number(await kind('originals').getAttribute('data-bytes'))).toBe(3 * MiB);
    expect(await kind('originals').textContent()).toMatch(/Originales\s*3\.0 MB/);
    expect(Number(await kind('evidence').getAttribute('data-bytes'))).toBe(MiB);
    expect(Number(await kind('database').getAttribute('data-bytes'))).toBeGreaterThan(0);
    // The test machine has more free disk than MIN_FREE_DISK_MB: no warning, and the free figure is shown.
    expect(await panel.getByTestId('storage-free').getAttribute('data-low')).toBe('false');
    expect(await panel.getByTestId('storage-low').count()).toBe(0);
  });

  it('creates an API token, shows it once, and revokes it', async () => {
    const name = `script-${Date.now()}`;
    await admin.getByTestId('token-name').fill(name);
    await admin.getByTestId('create-token').click();
    const created = admin.getByTestId('token-created');
    await created.waitFor();
    expect(await created.textContent()).toContain(`Token «${name}» creado. Cópialo ahora: no se volverá a mostrar.`);
    const token = await admin.getByTestId('token-value').inputValue();
    expect(token).toMatch(/^trf_/);
    expect(await admin.getByTestId('copy-token').isVisible()).toBe(true);

    const use = () => fetch(`${stack.url}/api/tokens`, { headers: { authorization: `Bearer ${token}` } });
    expect((await use()).status).toBe(200);
    const row = admin.locator(`[data-testid="token-row"][data-name="${name}"]`);
    expect(await row.getAttribute('data-revoked')).toBe('false');

    // Shown once: a reload does not bring it back.
    await admin.reload();
    await row.waitFor();
    expect(await admin.content()).not.toContain(token);

    // A duplicate name is refused next to the field.
    await admin.getByTestId('token-name').fill(name);
    await admin.getByTestId('create-token').click();
    await admin.getByTestId('field-error-name').waitFor();
    expect(await admin.getByTestId('field-error-name').textContent()).toBe('Ya hay un token activo con este nombre.');

    await row.getByTestId('revoke-token').click();
    await admin.getByTestId('token-revoked').waitFor();
    await admin.locator(`[data-testid="token-row"][data-name="${name}"][data-revoked="true"]`).waitFor();
    expect((await use()).status).toBe(401);
  });

  it('changes the password through the form, with field errors first', async () => {
    const panel = admin.getByTestId('password-panel');
    await panel.getByTestId('current-password').fill('not-the-password');
    await panel.getByTestId('new-password').fill('brand-new-password');
    await panel.getByTestId('confirm-password').fill('brand-new-password');
    await panel.getByTestId('change-password').click();
    await panel.getByTestId('field-error-currentPassword').waitFor();
    expect(await panel.getByTestId('field-error-currentPassword').textContent()).toBe('No es la contraseña actual.');

    await panel.getByTestId('current-password').fill(stack.adminPassword);
    await panel.getByTestId('new-password').fill('brand-new-password');
    await panel.getByTestId('confirm-password').fill('brand-new-passwort');
    await panel.getByTestId('change-password').click();
    await panel.getByTestId('field-error-confirmPassword').waitFor();
    expect(await panel.getByTestId('field-error-confirmPassword').textContent()).toBe('Las dos contraseñas no coinciden.');

    await panel.getByTestId('current-password').fill(stack.adminPassword);
    await panel.getByTestId('new-password').fill('brand-new-password');
    await panel.getByTestId('confirm-password').fill('brand-new-password');
    await panel.getByTestId('change-password').click();
    await panel.getByTestId('password-done').waitFor();
    expect(await panel.getByTestId('password-done').textContent()).toMatch(/Contraseña cambiada\. Sesiones cerradas: \d+\./);
    // The form forgets what was typed; the session that changed it stays.
    expect(await panel.getByTestId('new-password').inputValue()).toBe('');
    await admin.reload();
    await admin.getByTestId('password-panel').waitFor();

    const login = (password: string) => fetch(`${stack.url}/api/auth/login`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ password }),
    });
    expect((await login(stack.adminPassword)).headers.get('location')).toMatch(/^\/login\?error=1/);
    expect((await login('brand-new-password')).headers.get('location')).toBe('/');
    await stack.app.db.db.delete(adminCredentials);
  });

  it('logs in with an off-site next and stays on this origin', async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/login?next=${encodeURIComponent('/\t/evil.example')}`);
    await page.locator('#password').fill(stack.adminPassword);
    await Promise.all([page.waitForURL(`${stack.url}/`), page.locator('#login-submit').click()]);
  });

  it('serves Swagger UI under its CSP', async () => {
    await admin.goto(`${stack.url}/api/docs`);
    await admin.locator('.swagger-ui .info .title', { hasText: '100-Tráfico API' }).waitFor();
    await admin.locator('.opblock-summary-path', { hasText: '/api/tokens' }).first().waitFor();
    expect(await admin.locator('.opblock').count()).toBeGreaterThan(20);
  });

  it('says so on the login page when logins are limited', async () => {
    for (let i = 0; i < 10; i++) {
      await fetch(`${stack.url}/api/auth/login`, {
        method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ password: 'wrong-password' }),
      });
    }
    const page = await newPage();
    await page.goto(`${stack.url}/login`);
    await page.locator('#password').fill(stack.adminPassword);
    await Promise.all([page.waitForURL(/\/login\?error=limited&retryAfter=\d+/), page.locator('#login-submit').click()]);
    expect(await page.getByTestId('login-limited').textContent()).toMatch(/Demasiados intentos fallidos\. Vuelve a intentarlo dentro de \d+ min\./);
  });

  it('broke no Content-Security-Policy on any page, and the policy is enforced', async () => {
    expect(cspViolations).toEqual([]);
    // An inline script injected into a dashboard page does not run, and Chromium reports it.
    // (The admin's browser: logins from this address are limited by now.)
    await admin.goto(`${stack.url}/settings`);
    await admin.getByTestId('password-panel').waitFor();
    const ran = await admin.evaluate(`(() => {
      const script = document.createElement('script');
      script.textContent = 'document.body.dataset.injected = "yes"';
      document.body.append(script);
      return document.body.dataset.injected ?? 'no';
    })()`);
    expect(ran).toBe('no');
    await expect.poll(() => cspViolations.length).toBeGreaterThan(0);
  });
});
