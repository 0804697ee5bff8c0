/**
 * Learned posting slots: a model's results by local hour of the week (heat map data, top hours, the method), and
 * applying the top hours as her posting slots — only when a person asks, through the model-edit path.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import { AppliedLearnedSlots, ApplyLearnedSlotsBody, LearnedSlots, LearnedSlotsQuery } from '../../contracts/api/learned-slots.js';
import { applyLearnedSlots, getLearnedSlots } from '../../services/learned-slots.js';
import { tags } from '../route-docs.js';

export const learnedSlotRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, temporal, config } = app.deps;
  const deps = { db, temporal, lifecycle: config.lifecycle };

  app.get(
    '/api/models/:id/learned-slots',
    {
      schema: {
        tags: [tags.models],
        summary: "Results by local hour of the week (views at 24 h, clicks), shrunk toward the studio's average, with the posts behind each cell and the top hours under her spacing",
        params: IdParams,
        querystring: LearnedSlotsQuery,
        response: { 200: LearnedSlots, ...errorReplies },
      },
    },
    async (request) => getLearnedSlots(db, request.params.id, request.query),
  );

  app.post(
    '/api/models/:id/learned-slots/apply',
    {
      schema: {
        tags: [tags.models],
        summary: 'Make the top hours her posting slots (the ones confirmed in `slots`; 409 learned_slots_changed when the results moved). Records model_updated',
        params: IdParams,
        body: ApplyLearnedSlotsBody,
        response: { 200: AppliedLearnedSlots, ...errorReplies },
      },
    },
    async (request) => applyLearnedSlots(deps, request.params.id, request.body, { actor: request.actor }),
  );
};
