/**
 * GET /api/openapi.json (the document @fastify/swagger builds from the route schemas) and the Swagger UI at
 * /api/docs, both behind the same auth as the rest of /api. The UI's assets come from the
 * @fastify/swagger-ui package on this server (no CDN); it loads the document from /api/docs/json.
 */
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';

export const docsRoutes: FastifyPluginAsync = async (app) => {
  // Every route of this plugin, Swagger UI's own (page, json, static files) included, needs auth.
  app.addHook('onRequest', app.requireAuth);

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { deepLinking: true, docExpansion: 'list', persistAuthorization: false },
    theme: { title: '100-Tráfico API' },
  });
};
