/**
 * Telegram webhook (webhook mode, TELEGRAM_WEBHOOK_URL): Telegram POSTs each update here with the secret token
 * it was given at setWebhook. A missing or wrong secret gets 401 and the update is never looked at. The bot
 * itself is handed in by main.ts (api/ does not import bot/).
 */
import type { FastifyPluginAsync } from 'fastify';
import { timingSafeEqual } from 'node:crypto';

export interface TelegramWebhookOptions {
  path: string;
  secret: string;
  handleUpdate(update: unknown): Promise<void>;
}

const secretHeader = 'x-telegram-bot-api-secret-token';

function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const telegramWebhookRoutes: FastifyPluginAsync<TelegramWebhookOptions> = async (app, opts) => {
  app.post(opts.path, { bodyLimit: 1024 * 1024 }, async (request, reply) => {
    if (!sameSecret(request.headers[secretHeader], opts.secret)) {
      return reply.code(401).send({ error: 'unauthorized', message: 'missing or wrong X-Telegram-Bot-Api-Secret-Token' });
    }
    // Answered 200 whatever happens inside: Telegram would otherwise resend the same update again and again.
    await opts.handleUpdate(request.body);
    return reply.code(200).send({ ok: true });
  });
};
