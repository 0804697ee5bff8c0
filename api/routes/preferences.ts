/** (being written) */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const preferenceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
};
