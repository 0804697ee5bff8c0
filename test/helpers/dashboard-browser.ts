/** The real Chromium the dashboard tests drive: Debian's binary (CHROMIUM_PATH), headless, fit for containers. */
import { chromium, type Browser } from 'playwright-core';
import type { TestStack } from './stack.js';

export function launchDashboardBrowser(stack: Pick<TestStack, 'app'>): Promise<Browser> {
  return chromium.launch({
    executablePath: stack.app.config.chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
