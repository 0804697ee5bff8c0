import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AppConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import { listPublications } from '../../db/queries.js';
import { publicationStatus } from '../../db/schema.js';
import { ErrorBody, publicationView, PublicationView } from '../views.js';

export const publicationRoutes: FastifyPluginAsync<{ db: Db; config: AppConfig }> = async (app, { db, config }) => {
  app.addHook('onRequest', app.requireAuth);

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
};
