/** Publications: the list, and the controls (reschedule, publish now, cancel, retry) that signal their workflows. */
import { Type } from '@sinclair/typebox';
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import type { AppConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import { listPublications } from '../../db/publications.js';
import { publicationStatus } from '../../db/schema.js';
import {
  cancelPublication, publishPublicationNow, reschedulePublication, retryPublication,
} from '../../services/publications.js';
import { ErrorBody, publicationView, PublicationView } from '../views.js';

export const publicationRoutes: FastifyPluginAsync<{ db: Db; temporal: Client; config: AppConfig }> = async (app, { db, temporal, config }) => {
  app.addHook('onRequest', app.requireAuth);
  const deps = { db, temporal, lifecycle: config.lifecycle };

  app.get(
    '/api/publications',
    {
      schema: {
        querystring: Type.Object({
          contentId: Type.Optional(Type.String({ format: 'uuid' })),
          status: Type.Optional(Type.Union(publicationStatus.enumValues.map((s) => Type.Literal(s)))),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(PublicationView), temporalUiUrl: Type.String() }), '4xx': ErrorBody },
      },
    },
    async (request) => {
      const filter = request.query as Parameters<typeof listPublications>[1];
      const rows = await listPublications(db, filter);
      return { items: rows.map(publicationView), temporalUiUrl: config.temporal.uiUrl };
    },
  );

  const params = Type.Object({ id: Type.String({ format: 'uuid' }) });
  const accepted = Type.Object({ id: Type.String() });
  const replies = { 202: accepted, '4xx': ErrorBody, '5xx': ErrorBody };

  app.post(
    '/api/publications/:id/reschedule',
    {
      schema: {
        params,
        body: Type.Object({ scheduledTime: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
        response: { ...replies, 202: Type.Object({ id: Type.String(), scheduledTime: Type.String(), warnings: Type.Array(Type.String()) }) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { scheduledTime } = request.body as { scheduledTime: string };
      return reply.code(202).send(await reschedulePublication(deps, id, { actor: request.actor, scheduledTime: new Date(scheduledTime) }));
    },
  );

  app.post('/api/publications/:id/publish-now', { schema: { params, response: replies } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    return reply.code(202).send(await publishPublicationNow(deps, id, { actor: request.actor }));
  });

  app.post(
    '/api/publications/:id/cancel',
    {
      schema: {
        params,
        body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
        response: replies,
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const body = request.body as { reason?: string };
      return reply.code(202).send(await cancelPublication(deps, id, { actor: request.actor, reason: body.reason }));
    },
  );

  app.post('/api/publications/:id/retry', { schema: { params, response: replies } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    return reply.code(202).send(await retryPublication(deps, id, { actor: request.actor }));
  });

};
