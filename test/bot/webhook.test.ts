/**
 * Webhook mode, deployed as production runs it: the `bot` role registers the webhook (setWebhook with a secret
 * token) and sends notifications; the `web` role receives updates on Fastify and checks the secret first. Real
 * PostgreSQL and Temporal; the fake Bot API delivers updates to the webhook like Telegram does.
 */
import { eq } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { defaultDistributionRules } from '../../core/types.js';
import { models } from '../../db/schema.js';
import { createTelegramBot } from '../../bot/index.js';
import type { Db } from '../../db/client.js';
import { createLogger, startApp, type RunningApp } from '../../main.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

let tg: FakeTelegram;
let web: RunningApp;
let botRole: RunningApp;
let dataDir: string;
let hookUrl: string;
const secret = randomBytes(24).toString('hex');

beforeAll(async () => {
  tg = await startFakeTelegram();
  dataDir = mkdtempSync(join(tmpdir(), 'trafico-webhook-'));
  const port = await freePort();
  hookUrl = `http://127.0.0.1:${port}/telegram/webhook`;
  const env = {
    DATA_DIR: dataDir, DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'), PORT: String(port),
    API_TOKEN: randomBytes(18).toString('base64url'), ADMIN_PASSWORD: 'admin-test-password', SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn', SESSION_CHECK_INTERVAL: 'off',
    TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, TELEGRAM_WEBHOOK_URL: hookUrl, TELEGRAM_WEBHOOK_SECRET: secret,
  };
  web = await startApp(loadConfig(env), 'web');
  botRole = await startApp(loadConfig(env), 'bot');
});
afterAll(async () => {
  await botRole?.close();
  await web?.close();
  await tg?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('webhook mode', () => {
  it('the bot role registers the webhook with its secret and never polls', async () => {
    const set = await tg.waitForCall((c) => c.method === 'setWebhook' && c.status === 200);
    expect(set.params).toMatchObject({ url: hookUrl, secret_token: secret });
    expect(set.params.allowed_updates).toContain('callback_query');
    expect(tg.callsTo('getUpdates')).toHaveLength(0);
    expect(botRole.bot).toBeDefined();
    expect(web.bot).toBeDefined();
  });

  it('refuses requests without the right secret token and looks at nothing', async () => {
    const update = JSON.stringify({ update_id: 1, message: { message_id: 1, date: 1, chat: { id: 9100001, type: 'private' }, from: { id: 9100001, is_bot: false, first_name: 'X' }, text: '/help' } });
    const before = tg.calls.length;
    expect((await post(update)).status).toBe(401);
    expect((await post(update, { 'x-telegram-bot-api-secret-token': 'wrong' })).status).toBe(401);
    expect((await post(update, { 'x-telegram-bot-api-secret-token': `${secret}x` })).status).toBe(401);
    expect(tg.calls.slice(before).filter((c) => c.method === 'sendMessage')).toHaveLength(0);
    // The right secret with something that is not an update: 200 (Telegram must not resend it) and nothing happens.
    expect((await post('{"hello":"world"}', { 'x-telegram-bot-api-secret-token': secret })).status).toBe(200);
    expect((await post('[1,2,3]', { 'x-telegram-bot-api-secret-token': secret })).status).toBe(200);
    expect(tg.calls.slice(before).filter((c) => c.method === 'sendMessage')).toHaveLength(0);
  });

  it('links a model and refuses a stranger through updates Telegram posts to the webhook', async () => {
    const [model] = await web.db.db.insert(models).values({ name: `Webhook ${Date.now()}`, distribution: defaultDistributionRules }).returning();
    const created = await fetch(`${web.url}/api/models/${model!.id}/telegram-link`, {
      method: 'POST', headers: { authorization: `Bearer ${web.config.apiToken}`, 'content-type': 'application/json' }, body: '{}',
    });
    const { code } = (await created.json()) as { code: string };
    const sofia = tg.user(9100002, { username: 'sofia' });
    const stranger = tg.user(9100003);
    const linkId = tg.sendText(sofia, `/start ${code}`).updateId;
    const strangerId = tg.sendText(stranger, 'hola').updateId;
    await tg.waitConsumed(Math.max(linkId, strangerId));
    expect(tg.webhookDeliveries.filter((d) => d.updateId === linkId || d.updateId === strangerId).map((d) => d.status)).toEqual([200, 200]);
    await tg.waitForCall((c) => c.method === 'sendMessage' && c.params.chat_id === sofia.id && /¡Listo, Webhook/.test(String(c.params.text)));
    await tg.waitForCall((c) => c.method === 'sendMessage' && c.params.chat_id === stranger.id && /solo para las modelos/.test(String(c.params.text)));
    const linked = await waitFor(async () => {
      const [row] = await web.db.db.select().from(models).where(eq(models.id, model!.id));
      return row?.telegramUserId === sofia.id ? row : undefined;
    }, { what: 'the link' });
    expect(linked.telegramLinkCodeHash).toBeNull();
    expect(tg.callsTo('getUpdates')).toHaveLength(0);
  });

  it('an update that fails inside the bot gets an apology, and the next one is handled', async () => {
    // The database fails for the first query of the next update (as during a failover), then works again.
    let failures = 1;
    const flaky = new Proxy(web.db.db, {
      get(target, key, receiver) {
        if (key === 'select' && failures > 0) {
          failures--;
          return () => {
            throw new Error('connection terminated unexpectedly');
          };
        }
        return Reflect.get(target, key, receiver);
      },
    }) as Db;
    const config = web.config;
    const bot = createTelegramBot({ db: flaky, temporal: web.temporal, config, log: createLogger({ logLevel: 'silent' }) });
    const user = tg.user(9100004, { language_code: 'es' });
    const update = (text: string) => ({ update_id: Date.now(), message: { message_id: 1, date: 1, chat: { id: user.id, type: 'private' }, from: user, text } });
    tg.addChat({ id: user.id, type: 'private' });
    const before = tg.calls.length;
    await bot.handleWebhookUpdate(update('hola'));
    await bot.handleWebhookUpdate(update('hola otra vez'));
    const replies = tg.calls.slice(before).filter((c) => c.method === 'sendMessage' && c.params.chat_id === user.id).map((c) => String(c.params.text));
    expect(replies).toEqual([expect.stringMatching(/Algo salió mal/), expect.stringMatching(/solo para las modelos/)]);
    await bot.stop();
  });
});
