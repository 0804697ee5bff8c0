/**
 * The moderation rules page (/moderation) in real Chromium on the built dashboard: a banned word created for one
 * platform from the form, listed under that platform; a pattern that could hang the server refused next to its
 * field; the try-it box flagging the word as it is typed (on that platform only, and no longer once the rule is
 * deactivated); the rule deleted after its confirmation. The API confirms every step and who did it.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesFor } from '../core/platforms.js';
import { moderationRules, platforms, systemEvents } from '../db/schema.js';
import { launchDashboardBrowser, openAsAdmin } from './helpers/dashboard-browser.js';
import { getJson, startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const suffix = randomBytes(4).toString('hex');
const word = `prohibida${suffix}`;
/** A platform of our own: the rule is for it only, and the try-it box shows it does not apply elsewhere. */
const platformName = `modpage${suffix}`;
const otherPlatformName = `modotra${suffix}`;
let platformId: string;

interface RuleJson {
  id: string;
  kind: string;
  value: string;
  active: boolean;
  platform: string | null;
  createdBy: string;
}
const rulesWith = async (value: string) =>
  (await getJson<{ items: RuleJson[] }>(stack, '/api/moderation-rules')).items.filter((r) => r.value === value);

beforeAll(async () => {
  stack = await startTestStack({ embedded: false, role: 'web' });
  const rows = await stack.app.db.db.insert(platforms)
    .values([platformName, otherPlatformName].map((name) => ({
      name, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: stack.demo.url },
    })))
    .returning({ id: platforms.id, name: platforms.name });
  platformId = rows.find((r) => r.name === platformName)!.id;
  browser = await launchDashboardBrowser(stack);
  ({ context, page } = await openAsAdmin(browser, stack, '/moderation'));
});
afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  if (stack) await stack.app.db.db.delete(moderationRules).where(eq(moderationRules.platformId, platformId));
  await stack?.close();
});

describe('moderation page in Chromium', () => {
  it('creates a banned word for one platform, lists it under that platform, refuses a hanging pattern next to its field', async () => {
    const form = page.getByTestId('rule-form');
    await page.getByTestId('try-it').and(page.locator('[data-ready="true"]')).waitFor();
    // The hint follows the kind.
    await form.getByTestId('rule-kind').selectOption('pattern');
    expect(await form.getByTestId('rule-hint').getAttribute('data-kind')).toBe('pattern');
    expect(await form.getByTestId('rule-hint').textContent()).toContain('(a+)+');
    await form.getByTestId('rule-value').fill('(a+)+$');
    await form.getByTestId('rule-submit').click();
    const fieldError = form.locator('[data-testid="field-error"][data-field="value"]');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/nested quantifiers/);
    // What was typed stays.
    expect(await form.getByTestId('rule-value').inputValue()).toBe('(a+)+$');
    expect(await rulesWith('(a+)+$')).toEqual([]);

    await form.getByTestId('rule-kind').selectOption('banned_word');
    expect(await form.getByTestId('rule-hint').getAttribute('data-kind')).toBe('banned_word');
    await form.getByTestId('rule-value').fill(word);
    await form.getByTestId('rule-note').fill('La plataforma lo penaliza');
    await form.getByTestId('rule-platform').selectOption({ label: platformName });
    await form.getByTestId('rule-submit').click();
    await page.locator('[data-testid="form-notice"][data-action="create"][data-ok="true"]').waitFor();

    const group = page.locator(`[data-testid="rule-group"][data-group="platform:${platformId}"]`);
    const row = group.locator(`[data-testid="rule"][data-value="${word}"]`);
    await row.waitFor();
    expect(await group.locator('h2').textContent()).toContain(platformName);
    expect(await row.getAttribute('data-kind')).toBe('banned_word');
    expect(await row.getAttribute('data-active')).toBe('true');
    expect(await row.getByTestId('rule-note-text').textContent()).toBe('La plataforma lo penaliza');
    // The form is ready for the next rule.
    expect(await form.getByTestId('rule-value').inputValue()).toBe('');

    const [saved] = await rulesWith(word);
    expect(saved).toMatchObject({ kind: 'banned_word', platform: platformName, active: true, createdBy: 'admin' });
  });

  it('the try-it box flags the word as it is typed, on that platform only, and not once the rule is deactivated', async () => {
    const tryIt = page.getByTestId('try-it');
    await tryIt.getByTestId('try-platform').selectOption(platformName);
    await tryIt.getByTestId('try-caption').fill('Hoy show en directo');
    await tryIt.getByTestId('try-ok').waitFor();

    await tryIt.getByTestId('try-caption').pressSequentially(` ${word.toUpperCase()}!`);
    const violation = tryIt.locator('[data-testid="violation"][data-code="banned_word"]');
    await violation.waitFor();
    expect(await violation.textContent()).toContain(`«${word}» está prohibida.`);
    expect(await violation.textContent()).toContain('Nota: La plataforma lo penaliza');
    expect(await violation.textContent()).toContain('Se puede aprobar con excepción');

    // A platform limit at the same time: too many hashtags for the demo driver (10).
    await tryIt.getByTestId('try-tags').fill('a b c d e f g h i j k');
    await tryIt.locator('[data-testid="violation"][data-code="too_many_hashtags"]').waitFor();
    await tryIt.getByTestId('try-tags').fill('');

    // The rule is for one platform only.
    await tryIt.getByTestId('try-platform').selectOption(otherPlatformName);
    await tryIt.getByTestId('try-ok').waitFor();
    await tryIt.getByTestId('try-platform').selectOption(platformName);
    await violation.waitFor();

    // Deactivated, it checks nothing (the page reloads its rules after the action).
    const row = page.locator(`[data-testid="rule"][data-value="${word}"]`);
    await row.getByTestId('rule-toggle').click();
    await page.locator(`[data-testid="rule"][data-value="${word}"][data-active="false"]`).waitFor();
    await tryIt.getByTestId('try-ok').waitFor();
    expect((await rulesWith(word))[0]!.active).toBe(false);
    await row.getByTestId('rule-toggle').click();
    await page.locator(`[data-testid="rule"][data-value="${word}"][data-active="true"]`).waitFor();
    await violation.waitFor();
  });

  it('edits the rule in place, then deletes it after the confirmation', async () => {
    const row = page.locator(`[data-testid="rule"][data-value="${word}"]`);
    await row.getByTestId('rule-edit').click();
    const edit = row.getByTestId('rule-edit-form');
    await edit.getByTestId('rule-edit-kind').selectOption('max_mentions');
    await edit.getByTestId('rule-edit-submit').click();
    // A maximum that is no number is refused next to the field; nothing changed.
    await edit.locator('[data-testid="field-error"][data-field="value"]').waitFor();
    expect((await rulesWith(word))[0]!.kind).toBe('banned_word');
    await edit.getByTestId('rule-edit-kind').selectOption('banned_word');
    await edit.getByTestId('rule-edit-value').fill(`${word}x`);
    await edit.getByTestId('rule-edit-submit').click();
    const renamed = page.locator(`[data-testid="rule"][data-value="${word}x"]`);
    await renamed.locator('[data-testid="form-notice"][data-action="update"][data-ok="true"]').waitFor();
    expect(await rulesWith(`${word}x`)).toHaveLength(1);

    await renamed.getByTestId('rule-delete').click();
    await renamed.getByTestId('rule-delete-confirm').click();
    await renamed.waitFor({ state: 'detached' });
    await page.locator('[data-testid="form-notice"][data-action="delete"][data-ok="true"]').waitFor();
    expect(await rulesWith(`${word}x`)).toEqual([]);

    const events = await stack.app.db.db.select().from(systemEvents)
      .where(and(eq(systemEvents.type, 'moderation_rule_changed'), sql`${systemEvents.data}->>'value' like ${`${word}%`}`))
      .orderBy(systemEvents.id);
    expect(events.map((e) => [e.actor, (e.data as { action: string }).action])).toEqual([
      ['admin', 'created'], ['admin', 'updated'], ['admin', 'updated'], ['admin', 'updated'], ['admin', 'deleted'],
    ]);
  });
});
