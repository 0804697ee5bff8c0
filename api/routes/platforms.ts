/**
 * Platforms: the list with effective capabilities and driver, and the admin's edits. Disabling a platform
 * holds its scheduled publications and new contents skip it; enabling it releases what nothing else holds.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import { PlatformList, PlatformListQuery, PlatformPatchBody, PlatformUpdate } from '../../contracts/api/platforms.js';
import { listPlatforms, updatePlatformSettings } from '../../services/platforms.js';
import { tags } from '../route-docs.js';

export const platformRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, temporal, config } = app.deps;
  const deps = { db, temporal, lifecycle: config.lifecycle };

  app.get(
    '/api/platforms',
    {
      schema: {
        tags: [tags.platforms],
        summary: 'Every platform with its driver, base URL, effective capabilities and account count (name order, keyset-paged)',
        querystring: PlatformListQuery,
        response: { 200: PlatformList, ...errorReplies },
      },
    },
    async (request) => listPlatforms(db, request.query),
  );

  app.patch(
    '/api/platforms/:id',
    {
      schema: {
        tags: [tags.platforms],
        summary: 'Enable / disable a platform, change capabilities or technical config',
        description:
          'Capabilities and technical config fields given replace those fields (validated: ranges, aspect "W:H", a driver the workers know, ' +
          'an http(s) base URL). `active: false` holds its scheduled publications (a `publication_held` event each) and new contents skip it; ' +
          '`active: true` releases the held ones whose account is active and model not paused. Answers the platform with `held` / `released` ids.',
        params: IdParams,
        body: PlatformPatchBody,
        response: { 200: PlatformUpdate, ...errorReplies },
      },
    },
    async (request) => updatePlatformSettings(deps, request.params.id, { ...request.body, actor: request.actor }),
  );
};
