/**
 * The model page's live streams section in real Chromium through the built dashboard, the way an admin uses it:
 * add a CSV-only site and a Chaturbate source (token fields of type password, never shown again), import a CSV file
 * — see the preview and the bad rows with their lines, in Spanish, nothing stored yet — confirm, and see the
 * sessions and earnings; then delete a source.
 */
import { eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { earnings, streams, streamSources } from '../db/schema.js';
import { startFakeChaturbate, type FakeChaturbate } from './fakes/chaturbate-server.js';
import { launchDashboardBrowser, openAsAdmin } from './helpers/dashboard-browser.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
let cb: FakeChaturbate;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const run = randomBytes(3).toString('hex');

beforeAll(async () => {
  cb = await startFakeChaturbate();
  stack = await startTestStack({
    embedded: false,
    env: { CHATURBATE_EVENTS_ROOT: cb.eventsRoot, CHATURBATE_STATS_ROOT: cb.statsRoot, CHATURBATE_EVENTS_TIMEOUT_SECONDS: '1' },
  });
  browser = await launchDashboardBrowser(stack);
});
afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.close();
  await cb?.close();
});

const db = () => stack.app.db.db;

const csv = [
  'type,start,end,show_type,peak_viewers,followers_start,followers_end,time,kind,tokens,amount_usd,external_id',
  'session,2026-04-02 20:00,2026-04-02 23:00,public,90,500,530,,,,,',
  'earning,,,,,,,2026-04-02 20:45,tip,200,10.00,',
  'earning,,,,,,,2026-04-02 21:10,private_show,,25.5,',
  'earning,,,,,,,2026-04-02 21:15,regalo,5,1,',
  'session,2026-04-03 20:00,2026-04-03 19:00,,,,,,,,,',
  'session,2026-04-04 19:00,2026-04-04 21:30,private,,,,,,300,15,sc-9',
].join('\n');

describe('dashboard: live streams on the model page', () => {
  it('adds sources, previews a CSV with its bad rows, confirms it and shows the sessions', async () => {
    const created = await fetch(`${stack.url}/api/models`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Directo ${run}`, preset: 'MX' }),
    });
    expect(created.status).toBe(201);
    const modelId = ((await created.json()) as { id: string }).id;

    ({ context, page } = await openAsAdmin(browser, stack, `/models/${modelId}`));
    const panel = page.getByTestId('streams-panel');
    await panel.getByRole('heading', { name: 'Transmisiones e ingresos' }).waitFor();
    await page.getByTestId('no-stream-sources').waitFor();
    expect(await page.getByTestId('csv-layout').textContent()).toBe(
      'type,start,end,show_type,peak_viewers,followers_start,followers_end,time,kind,tokens,amount_usd,external_id',
    );

    // A CSV-only site: no token fields.
    await page.getByTestId('add-source-site').selectOption('stripchat');
    expect(await page.getByTestId('add-source-events-token').count()).toBe(0);
    await page.getByTestId('add-source-username').fill('luna_star');
    await page.getByTestId('add-source-submit').click();
    await page.locator('[data-testid="stream-source"][data-site="stripchat"]').waitFor();
    expect(await page.locator('[data-testid="stream-source"][data-site="stripchat"]').textContent()).toContain('Solo CSV');

    // Chaturbate: the tokens are password fields; without the events token the form says what is missing.
    const room = cb.addBroadcaster(`directo_${run}`);
    await page.getByTestId('add-source-site').selectOption('chaturbate');
    expect(await page.getByTestId('add-source-events-token').getAttribute('type')).toBe('password');
    expect(await page.getByTestId('add-source-stats-token').getAttribute('type')).toBe('password');
    await page.getByTestId('add-source-username').fill(`directo_${run}`);
    await page.getByTestId('add-source-submit').click();
    expect(await page.locator('[data-field="eventsToken"]').textContent()).toBe('Obligatorio.');
    await page.getByTestId('add-source-events-token').fill(room.eventsToken);
    await page.getByTestId('add-source-stats-token').fill(room.statsToken);
    await page.getByTestId('add-source-submit').click();
    const cbSource = page.locator('[data-testid="stream-source"][data-site="chaturbate"]');
    await cbSource.waitFor();
    expect(await cbSource.textContent()).toContain('API de eventos');
    expect(await cbSource.textContent()).toContain('Token de eventos guardado');
    // The fields are emptied and the page never shows a token again.
    expect(await page.getByTestId('add-source-events-token').inputValue()).toBe('');
    await page.reload();
    await cbSource.waitFor();
    expect(await page.content()).not.toContain(room.eventsToken);
    expect(await page.content()).not.toContain(room.statsToken);

    // The CSV: preview with the good rows and the bad ones, nothing stored yet.
    await page.getByTestId('import-site').selectOption('stripchat');
    await page.getByTestId('import-file').setInputFiles({ name: 'abril.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByTestId('import-preview').click();
    await page.getByTestId('import-preview-result').waitFor();
    expect(await page.getByTestId('import-counts').textContent()).toContain('Se guardarán 2 sesiones y 3 ingresos nuevos');
    expect(await page.getByTestId('preview-session').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-line')))).toEqual(['2', '7']);
    expect(await page.getByTestId('preview-earning').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-line')))).toEqual(['3', '4', '7']);
    // Times in her zone (Mexico City): the row reads as the file did.
    expect(await page.locator('[data-testid="preview-session"][data-line="2"]').textContent()).toContain('2026-04-02 20:00');
    const bad = page.getByTestId('bad-row');
    expect(await bad.evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-line'), r.getAttribute('data-field')]))).toEqual([
      ['5', 'kind'], ['6', 'end'],
    ]);
    expect(await page.locator('[data-testid="bad-row"][data-line="5"]').textContent()).toContain('«regalo» no es uno de');
    expect(await page.locator('[data-testid="bad-row"][data-line="6"]').textContent()).toContain('debe ser posterior al inicio');
    expect(await db().select().from(streams).where(eq(streams.modelId, modelId))).toEqual([]);

    // Confirm: the good rows are stored, the sessions show up.
    await page.getByTestId('import-confirm').click();
    await page.getByTestId('import-done').waitFor();
    expect(await page.getByTestId('import-done').textContent()).toContain('Importado: 2 sesiones y 3 ingresos nuevos');
    await expect.poll(() => page.getByTestId('recent-session').count(), { timeout: 15_000 }).toBe(2);
    expect(await page.getByTestId('recent-session-amount').allTextContents()).toEqual(['15.00', '35.50']);
    expect(await page.getByTestId('recent-session').first().textContent()).toContain('2026-04-04 19:00');
    expect(await page.getByTestId('recent-earning').count()).toBe(3);
    const stored = await db().select().from(streams).where(eq(streams.modelId, modelId));
    expect(stored.map((s) => s.amountUsd).sort()).toEqual(['15.0000', '35.5000']);
    expect(await db().select().from(earnings).where(eq(earnings.modelId, modelId))).toHaveLength(3);

    // The same file again: nothing new to import.
    await page.getByTestId('import-file').setInputFiles({ name: 'abril.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByTestId('import-preview').click();
    await page.getByTestId('import-nothing-new').waitFor();
    expect(await page.getByTestId('import-confirm').count()).toBe(0);

    // Delete the Chaturbate source: gone from the list; the imported sessions stay.
    await cbSource.getByTestId('stream-source-delete').click();
    await page.getByTestId('stream-source-notice').waitFor();
    await expect.poll(() => cbSource.count()).toBe(0);
    expect((await db().select().from(streamSources).where(eq(streamSources.modelId, modelId))).map((s) => s.site)).toEqual(['stripchat']);
    expect(await page.getByTestId('recent-session').count()).toBe(2);

    // English on request.
    await page.goto(`${stack.url}/models/${modelId}?lang=en`);
    await page.getByTestId('streams-panel').getByRole('heading', { name: 'Live streams and earnings' }).waitFor();
  });
});
