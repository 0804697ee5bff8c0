/**
 * Official-API accounts on the dashboard, in real Chromium against the built dashboard and the whole stack (its
 * Telegram driver talking to the fake Bot API): each row says how the account publishes and what its platform
 * cannot count; a Telegram channel is connected from its credentials form — refused next to the chat id while the
 * bot is only a member, connected once the channel makes it an administrator — with JS and without; an X account's
 * "link in a reply" changes its estimated cost per publication; a Reddit account's subreddits are edited; the OAuth
 * round trip's flash speaks Spanish; and the model page saves the sensitive flag.
 * The run's database is shared with other files: every name here carries this run's suffix.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram, type TgChat } from './fakes/telegram-server.js';
import { launchDashboardBrowser } from './helpers/dashboard-browser.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let tg: FakeTelegram;
let stack: TestStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const run = randomBytes(3).toString('hex');
const modelName = `Conexiones ${run}`;
let modelId: string;
let platformIds: Record<string, string>;

beforeAll(async () => {
  tg = await startFakeTelegram();
  stack = await startTestStack({
    embedded: false,
    env: { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, TELEGRAM_LOCAL_API: 'false' },
  });
  browser = await launchDashboardBrowser(stack);
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  page = await context.newPage();
  await login(page, '/accounts');

  const model = await api('POST', '/api/models', { name: modelName });
  expect(model.status).toBe(201);
  modelId = model.body.id;
  const platforms = (await api('GET', '/api/platforms?limit=200')).body.items as { id: string; name: string }[];
  platformIds = Object.fromEntries(platforms.map((p) => [p.name, p.id]));
  for (const name of ['x', 'bluesky', 'reddit', 'telegram', 'youtube', 'instagram', 'tiktok']) expect(platformIds[name], `platform ${name} registered at start`).toBeTruthy();
});
afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.close();
  await tg?.close();
});

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

async function createAccount(platform: string, username: string, extra: Record<string, string> = {}): Promise<string> {
  const created = await api('POST', '/api/accounts', { modelId, platformId: platformIds[platform], username, ...extra });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function accountById(id: string) {
  const items = (await api('GET', `/api/accounts?modelId=${modelId}&limit=200`)).body.items as Record<string, any>[];
  return items.find((a) => a.id === id)!;
}

const rowOf = (target: Page, id: string): Locator => target.locator(`tbody[data-testid="account"][data-id="${id}"]`);
const openAccounts = (target: Page, query = '') => target.goto(`${stack.url}/accounts?modelId=${modelId}${query}`);

describe('official-API accounts on the accounts page', () => {
  let telegramId: string;
  let channel: TgChat;

  it('connects a Telegram channel from its credentials form: refused next to the chat id, then connected', async () => {
    telegramId = await createAccount('telegram', `canal_${run}`);
    // The channel exists, but the bot is only a member: Telegram would refuse its posts.
    channel = tg.addChannel({ title: `Canal ${run}`, username: `canal_${run}` }, { status: 'member' });

    await openAccounts(page);
    const row = rowOf(page, telegramId);
    await row.waitFor();
    expect(await row.locator('[data-testid="publishes-via"]').getAttribute('data-value')).toBe('api');
    expect(await row.locator('[data-testid="publishes-via"]').textContent()).toBe('API oficial');
    expect(await row.locator('[data-testid="metrics-note"][data-platform="telegram"]').textContent()).toContain('solo por clics del enlace');
    // Browser-only tools are not offered for an API account.
    for (const form of ['session-form', 'login-form', 'profile-form']) expect(await row.getByTestId(form).count()).toBe(0);
    const toggle = row.getByTestId('connect-toggle');
    expect(await toggle.getAttribute('data-state')).toBe('connect');
    expect((await toggle.textContent())?.trim()).toBe('Conectar');
    expect(await row.getByTestId('connect-oauth').count()).toBe(0);

    await toggle.click();
    expect(await row.getByTestId('credentials-hint').textContent()).toContain('Publicar mensajes');
    await row.getByTestId('credential-chatId').fill(`@canal_${run}`);
    await row.getByTestId('credentials-submit').click();
    const chatIdError = row.locator('[data-testid="field-error"][data-field="chatId"]');
    await chatIdError.waitFor();
    expect(await chatIdError.textContent()).toContain('not an administrator');
    expect(await row.getByTestId('credential-chatId').inputValue()).toBe(`@canal_${run}`);
    expect((await accountById(telegramId)).sessionSaved).toBe(false);

    // The channel's owner makes the bot an administrator with "Post messages"; the same form now connects.
    tg.makeBotAdmin(channel.id);
    await row.getByTestId('credentials-submit').click();
    const result = row.locator('[data-testid="connect-result"]');
    await result.waitFor();
    expect(await result.getAttribute('data-state')).toBe('logged_in');
    expect(await result.textContent()).toContain('Cuenta conectada');
    await row.locator('[data-testid="connect-toggle"][data-state="reconnect"]').waitFor();
    expect((await row.getByTestId('connect-toggle').textContent())?.trim()).toBe('Reconectar');
    expect(await chatIdError.count()).toBe(0);
    const stored = await accountById(telegramId);
    expect(stored.sessionSaved).toBe(true);
    expect(stored.sessionHealth.state).toBe('ok');
    await row.locator('[data-testid="session-health"][data-value="ok"]').waitFor();
    // The driver asked Telegram about this very channel and the bot's rights in it.
    expect(tg.calls.some((c) => c.method === 'getChatMember' && Number(c.params.chat_id) === channel.id && c.status === 200)).toBe(true);
  });

  it('works without JavaScript too: a refusal comes back next to the field', async () => {
    const plain = await browser.newContext({ javaScriptEnabled: false });
    try {
      const noJs = await plain.newPage();
      await login(noJs, `/accounts?modelId=${modelId}`);
      const row = rowOf(noJs, telegramId);
      await row.getByTestId('connect-toggle').click();
      // A positive id is a person's or a bot's, never a channel's.
      await row.getByTestId('credential-chatId').fill('123456789');
      await Promise.all([noJs.waitForLoadState('load'), row.getByTestId('credentials-submit').click()]);
      const error = row.locator('[data-testid="field-error"][data-field="chatId"]');
      await error.waitFor();
      expect(await error.textContent()).toContain("a channel's id is negative");
      expect(await row.getByTestId('credential-chatId').inputValue()).toBe('123456789');

      // The channel again: connected, and the row says so after the page's reload.
      await row.getByTestId('credential-chatId').fill(String(channel.id));
      await Promise.all([noJs.waitForLoadState('load'), row.getByTestId('credentials-submit').click()]);
      await row.locator('[data-testid="connect-result"][data-state="logged_in"]').waitFor();
      await row.locator('[data-testid="connect-toggle"][data-state="reconnect"]').waitFor();
    } finally {
      await plain.close();
    }
  });

  it('shows the OAuth round trip’s outcome in the admin’s language', async () => {
    const { username } = await accountById(telegramId);
    await openAccounts(page, `&connected=${telegramId}`);
    const flash = page.getByTestId('connect-flash');
    expect(await flash.getAttribute('data-ok')).toBe('true');
    expect(await flash.textContent()).toContain(`Cuenta @${username} conectada.`);

    await openAccounts(page, '&connectError=oauth_denied');
    expect(await page.getByTestId('connect-flash').getAttribute('data-ok')).toBe('false');
    expect(await page.getByTestId('connect-flash').textContent()).toContain('la autorización se canceló o se denegó');
    await page.goto(`${stack.url}/accounts?modelId=${modelId}&connectError=oauth_state_expired&lang=en`);
    expect(await page.getByTestId('connect-flash').textContent()).toContain('more than 10 minutes passed');
    await page.goto(`${stack.url}/accounts?lang=es`);
  });

  it('an X account: OAuth link, token form, and the link in a reply with its estimated cost', async () => {
    const xId = await createAccount('x', `x_${run}`);
    const blueskyId = await createAccount('bluesky', `bsky${run}.bsky.social`);
    await openAccounts(page);
    const row = rowOf(page, xId);
    await row.waitFor();
    expect(await row.locator('[data-testid="publishes-via"]').getAttribute('data-value')).toBe('api');
    expect(await row.getByTestId('connect-oauth').getAttribute('href')).toBe(`/api/accounts/${xId}/connect`);
    await row.getByTestId('connect-toggle').click();
    for (const field of ['accessToken', 'refreshToken', 'expiresAt']) await row.getByTestId(`credential-${field}`).waitFor();
    expect(await row.getByTestId('credential-accessToken').getAttribute('type')).toBe('password');
    expect(await row.getByTestId('metrics-note').count()).toBe(0);

    // Bluesky: identifier and app password, the note that the password is never kept, and no view count.
    const bluesky = rowOf(page, blueskyId);
    expect(await bluesky.locator('[data-testid="metrics-note"][data-platform="bluesky"]').textContent()).toContain('Bluesky no muestra vistas');
    expect(await bluesky.getByTestId('connect-oauth').count()).toBe(0);
    expect(await bluesky.locator('[data-testid="credentials-form"] input:not([type="hidden"])').evaluateAll((inputs) => inputs.map((i) => i.getAttribute('name'))))
      .toEqual(['identifier', 'appPassword']);
    expect(await bluesky.getByTestId('credentials-hint').textContent()).toContain('nunca la contraseña');

    // The link in the post: one post with a URL. In a reply: a plain post plus a reply with the URL.
    const cost = row.getByTestId('estimated-cost');
    const before = Number(await cost.getAttribute('data-value'));
    const fromApi = (await accountById(xId)).estimatedCostUsd as number;
    expect(before).toBe(fromApi);
    const beforeText = await cost.textContent();
    expect(beforeText).toContain('US$');
    await row.getByTestId('publish-settings-toggle').click();
    expect(await row.getByTestId('link-in-reply').isChecked()).toBe(false);
    await row.getByTestId('link-in-reply').check();
    await row.getByTestId('publish-settings-submit').click();
    await row.locator('[data-testid="form-notice"][data-action="publishSettings"][data-ok="true"]').waitFor();
    const after = (await accountById(xId)) as { estimatedCostUsd: number; publishSettings: { linkInReply?: boolean } };
    expect(after.publishSettings).toEqual({ linkInReply: true });
    expect(after.estimatedCostUsd).not.toBe(before);
    await row.locator(`[data-testid="estimated-cost"][data-value="${after.estimatedCostUsd}"]`).waitFor();
    expect(await cost.textContent()).not.toBe(beforeText);
    expect(await row.getByTestId('x-sensitive-note').count()).toBe(0);
  });

  it('a Reddit account: subreddits added, a bad name refused next to its field, one removed', async () => {
    const redditId = await createAccount('reddit', `reddit_${run}`);
    await openAccounts(page);
    const row = rowOf(page, redditId);
    await row.getByTestId('publish-settings-toggle').click();
    const rows = row.getByTestId('subreddit-row');
    expect(await rows.count()).toBe(0);
    await row.getByTestId('subreddit-add').click();
    await row.getByTestId('subreddit-add').click();
    await rows.nth(0).getByTestId('subreddit-name').fill('r/webcam_test');
    await rows.nth(1).getByTestId('subreddit-name').fill('no vale');
    await rows.nth(1).getByTestId('subreddit-kind').selectOption('link');
    await row.getByTestId('publish-settings-submit').click();
    const nameError = row.locator('[data-testid="field-error"][data-field="subreddit.1"]');
    await nameError.waitFor();
    expect(await nameError.textContent()).toContain('Solo letras, números y _');
    expect((await accountById(redditId)).publishSettings).toEqual({});

    await rows.nth(1).getByTestId('subreddit-name').fill('otro_sub');
    await row.locator('input[name="titleTemplate.1"]').fill('{caption} 🔴');
    await row.getByTestId('publish-settings-submit').click();
    await row.locator('[data-testid="form-notice"][data-action="publishSettings"][data-ok="true"]').waitFor();
    expect((await accountById(redditId)).publishSettings).toEqual({
      subreddits: [{ subreddit: 'webcam_test', kind: 'video' }, { subreddit: 'otro_sub', kind: 'link', titleTemplate: '{caption} 🔴' }],
    });

    // The editor starts again from what was saved; removing the first row keeps the second.
    await waitFor(async () => (await rows.count()) === 2 && (await rows.nth(1).getByTestId('subreddit-name').inputValue()) === 'otro_sub', {
      what: 'the editor showing the saved subreddits', timeoutMs: 10_000,
    });
    // A save closes the panel (as every account form does once nothing is wrong): open it again.
    if (!(await row.getByTestId('publish-settings-form').isVisible())) await row.getByTestId('publish-settings-toggle').click();
    await rows.nth(0).getByTestId('subreddit-remove').click();
    await row.getByTestId('publish-settings-submit').click();
    await waitForSettings(redditId, { subreddits: [{ subreddit: 'otro_sub', kind: 'link', titleTemplate: '{caption} 🔴' }] });

    // Without JS: an empty row waits at the end, and a row goes away by ticking its box.
    const plain = await browser.newContext({ javaScriptEnabled: false });
    try {
      const noJs = await plain.newPage();
      await login(noJs, `/accounts?modelId=${modelId}`);
      const plainRow = rowOf(noJs, redditId);
      await plainRow.getByTestId('publish-settings-toggle').click();
      const plainRows = plainRow.getByTestId('subreddit-row');
      expect(await plainRows.count()).toBe(2);
      expect(await plainRows.nth(0).getByTestId('subreddit-name').inputValue()).toBe('otro_sub');
      await plainRow.locator('input[name="remove.0"]').check();
      await plainRows.nth(1).getByTestId('subreddit-name').fill('tercero');
      await plainRow.locator('input[name="flairId.1"]').fill('abc-123');
      await Promise.all([noJs.waitForLoadState('load'), plainRow.getByTestId('publish-settings-submit').click()]);
      await plainRow.locator('[data-testid="form-notice"][data-action="publishSettings"][data-ok="true"]').waitFor();
      expect((await accountById(redditId)).publishSettings).toEqual({ subreddits: [{ subreddit: 'tercero', kind: 'video', flairId: 'abc-123' }] });
    } finally {
      await plain.close();
    }
  });

  it('the model page saves the sensitive flag, and the X row then reminds of the account setting', async () => {
    await page.goto(`${stack.url}/models/${modelId}`);
    const box = page.getByTestId('sensitive-input');
    expect(await box.isChecked()).toBe(false);
    expect(await page.getByTestId('sensitive-form').locator('..').textContent()).toContain('Reddit, NSFW');
    await box.check();
    await page.getByTestId('sensitive-submit').click();
    await page.locator('[data-testid="sensitive-notice"][data-value="true"]').waitFor();
    expect((await api('GET', `/api/models/${modelId}`)).body.sensitive).toBe(true);
    await page.reload();
    expect(await page.getByTestId('sensitive-input').isChecked()).toBe(true);

    await openAccounts(page);
    const xRow = page.locator(`tbody[data-testid="account"][data-username="x_${run}"]`);
    expect(await xRow.getByTestId('x-sensitive-note').textContent()).toContain('Marcar el contenido multimedia');

    await page.goto(`${stack.url}/models/${modelId}`);
    await page.getByTestId('sensitive-input').uncheck();
    await page.getByTestId('sensitive-submit').click();
    await page.locator('[data-testid="sensitive-notice"][data-value="false"]').waitFor();
    expect((await api('GET', `/api/models/${modelId}`)).body.sensitive).toBe(false);
  });
});

/** The API holds these settings (a second save shows the same notice as the first: the API says when it landed). */
async function waitForSettings(id: string, expected: unknown) {
  await waitFor(async () => JSON.stringify((await accountById(id)).publishSettings) === JSON.stringify(expected), {
    what: `publish settings ${JSON.stringify(expected)}`, timeoutMs: 15_000,
  });
}
