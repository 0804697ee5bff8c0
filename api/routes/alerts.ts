/** POST /api/alerts/:id/ack: acknowledge an alert (it leaves the overview's open alerts), recorded with the actor. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies } from '../../contracts/api/common.js';
import { AlertAcknowledged, AlertIdParams, AlreadyAcknowledged } from '../../contracts/api/overview.js';
import { acknowledgeAlert } from '../../services/audit.js';
import { tags } from '../route-docs.js';

export const alertRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db } = app.deps;

  app.post(
    '/api/alerts/:id/ack',
    {
      schema: {
        tags: [tags.alerts],
        summary: 'Acknowledge an alert event (recorded as `alert_acknowledged` with the actor)',
        description: '404 when the id is not an `alert` event; 409 `already_acknowledged` with who and when.',
        params: AlertIdParams,
        response: { 200: AlertAcknowledged, 409: AlreadyAcknowledged, ...errorReplies },
      },
    },
    async (request, reply) => {
      const result = await acknowledgeAlert(db, request.params.id, request.actor);
      if (!result.ok) {
        const at = result.acknowledgedAt.toISOString();
        return reply.code(409).send({
          error: 'already_acknowledged' as const,
          message: `alert ${request.params.id} was already acknowledged by ${result.acknowledgedBy} at ${at}`,
          acknowledgedBy: result.acknowledgedBy,
          acknowledgedAt: at,
        });
      }
      return { eventId: result.eventId, actor: result.actor, acknowledgedAt: result.acknowledgedAt.toISOString() };
    },
  );
};
