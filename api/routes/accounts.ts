/** Platform accounts: pause and resume (resuming releases the publications held while the account was paused). */
import { Type } from '@sinclair/typebox';
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import type { AppConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import { pauseAccount, resumeAccount } from '../../services/publications.js';
import { ErrorBody } from '../views.js';

export const accountRoutes: FastifyPluginAsync<{ db: Db; temporal: Client; config: AppConfig }> = async (app, { db, temporal, config }) => {
  app.addHook('onRequest', app.requireAuth);
  const deps = { db, temporal, lifecycle: config.lifecycle };
  const params = Type.Object({ id: Type.String({ format: 'uuid' }) });

  const accountReply = Type.Object({ accountId: Type.String(), held: Type.Optional(Type.Array(Type.String())), released: Type.Optional(Type.Array(Type.String())) });
  app.post(
    '/api/accounts/:id/pause',
    { schema: { params, body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }), response: { 200: accountReply, '4xx': ErrorBody } } },
    async (request) => {
      const { id } = request.params as { id: string };
      return pauseAccount(deps, id, { actor: request.actor, reason: (request.body as { reason?: string }).reason });
    },
  );
  app.post('/api/accounts/:id/resume', { schema: { params, response: { 200: accountReply, '4xx': ErrorBody, '5xx': ErrorBody } } }, async (request) => {
    const { id } = request.params as { id: string };
    return resumeAccount(deps, id, { actor: request.actor });
  });
};
