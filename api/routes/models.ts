/** Models: the one-time Telegram link code the admin hands to a model (she sends `/start CODE` to the bot). */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AppConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import { createTelegramLinkCode } from '../../services/telegram.js';
import { ErrorBody } from '../views.js';

export const modelRoutes: FastifyPluginAsync<{ db: Db; config: AppConfig }> = async (app, { db, config }) => {
  app.addHook('onRequest', app.requireAuth);

  app.post(
    '/api/models/:id/telegram-link',
    {
      schema: {
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: Type.Object({ ttlHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 30 })) }, { additionalProperties: false }),
        response: { 201: Type.Object({ code: Type.String(), expiresAt: Type.String() }), '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { ttlHours } = request.body as { ttlHours?: number };
      const ttlMs = ttlHours !== undefined ? ttlHours * 3_600_000 : config.telegram.linkCodeTtlMs;
      return reply.code(201).send(await createTelegramLinkCode(db, id, { ttlMs, actor: request.actor }));
    },
  );
};
