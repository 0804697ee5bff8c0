/**
 * Telegram webhook (webhook mode, TELEGRAM_WEBHOOK_URL): Telegram POSTs each update here with the secret token
 * it was given at setWebhook. A missing or wrong secret gets 401 and the update is never looked at. The bot
 * itself is handed in by main.ts through `app.deps.telegramWebhook` (api/ does not import bot/). Public (the
 * secret token is its auth) and left out of the OpenAPI document: its path is the deployment's secret-ish URL.
 */
import type { FastifyPluginAsync } from 'fastify';
import { timingSafeEqual } from 'node:crypto';

const secretHeader = 'x-telegram-bot-api-secret-token';

function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const telegramWebhookRoutes: FastifyPluginAsync = async (app) => {
  const webhook = app.deps.config.telegram.webhook;
  const handleUpdate = app.deps.telegramWebhook;
  if (!webhook || !handleUpdate) return;
  app.post(webhook.path, { bodyLimit: 1024 * 1024, schema: { hide: true } }, async (request, reply) => {
    if (!sameSecret(request.headers[secretHeader], webhook.secret)) {
      return reply.code(401).send({ error: 'unauthorized', message: 'missing or wrong X-Telegram-Bot-Api-Secret-Token' });
    }
    // Answered 200 whatever happens inside: Telegram would otherwise resend the same update again and again.
    await handleUpdate(request.body);
    return reply.code(200).send({ ok: true });
  });
};
