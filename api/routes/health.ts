import { Type } from '@sinclair/typebox';
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import type { Db } from '../../db/client.js';
import { checkHealth } from '../../services/health.js';

const Check = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) });
const HealthBody = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  db: Check,
  temporal: Check,
  workers: Type.Record(Type.String(), Type.Object({ ok: Type.Boolean(), pollers: Type.Integer() })),
});

/** Public (no auth): load balancers and operators read it. */
export const healthRoutes: FastifyPluginAsync<{ db: Db; temporal: Client }> = async (app, { db, temporal }) => {
  app.get('/healthz', { schema: { response: { 200: HealthBody, 503: HealthBody } } }, async (_request, reply) => {
    const health = await checkHealth(db, temporal);
    return reply.code(health.status === 'ok' ? 200 : 503).send(health);
  });
};
