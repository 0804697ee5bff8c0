/** Models: the one-time Telegram link code the admin hands to a model (she sends `/start CODE` to the bot). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import { TelegramLinkBody, TelegramLinkCode } from '../../contracts/api/models.js';
import { createTelegramLinkCode } from '../../services/telegram.js';
import { tags } from '../route-docs.js';

export const modelRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, config } = app.deps;

  app.post(
    '/api/models/:id/telegram-link',
    {
      schema: {
        tags: [tags.models],
        summary: 'A one-time code the model sends to the bot as /start CODE (replaces an unused one)',
        params: IdParams,
        body: TelegramLinkBody,
        response: { 201: TelegramLinkCode, '4xx': errorReplies['4xx'] },
      },
    },
    async (request, reply) => {
      const { ttlHours } = request.body;
      const ttlMs = ttlHours !== undefined ? ttlHours * 3_600_000 : config.telegram.linkCodeTtlMs;
      return reply.code(201).send(await createTelegramLinkCode(db, request.params.id, { ttlMs, actor: request.actor }));
    },
  );
};
