/** GET /healthz — public (no auth): load balancers, operators and start-up scripts read it. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Health } from '../../contracts/api/health.js';
import { checkHealth } from '../../services/health.js';
import { publicRoute, tags } from '../route-docs.js';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, temporal } = app.deps;
  app.get(
    '/healthz',
    {
      schema: {
        tags: [tags.health],
        summary: 'Database, Temporal and per-queue worker pollers',
        description: '200 `ok`; 503 `degraded`, or `starting` until start-up has finished (in `npm start`: after the demo seed).',
        security: publicRoute,
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const health = await checkHealth(db, temporal, app.clicks.stats());
      if (!app.readiness.ready) return reply.code(503).send({ ...health, status: 'starting' as const });
      return reply.code(health.status === 'ok' ? 200 : 503).send(health);
    },
  );
};
