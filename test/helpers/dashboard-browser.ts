/** The real Chromium the dashboard tests drive: Debian's binary (CHROMIUM_PATH), headless, fit for containers. */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestStack } from './stack.js';

export function launchDashboardBrowser(stack: Pick<TestStack, 'app'>): Promise<Browser> {
  return chromium.launch({
    executablePath: stack.app.config.chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/**
 * A new browser context logged in through the real login form, on `path` (the login page sends the admin back
 * there). `timezoneId` makes the browser's zone (and so the dashboard's default zone) explicit.
 */
export async function openAsAdmin(
  browser: Browser,
  stack: Pick<TestStack, 'url' | 'adminPassword'>,
  path: string,
  opts: { timezoneId?: string } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, ...opts });
  const page = await context.newPage();
  await page.goto(`${stack.url}${path}`);
  await page.waitForURL(/\/login\?next=/);
  await page.locator('#password').fill(stack.adminPassword);
  await Promise.all([page.waitForURL(`${stack.url}${path}`), page.locator('#login-submit').click()]);
  return { context, page };
}
