/** The admin's preferences: the time zone the dashboard and the calendar show times in. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies } from '../../contracts/api/common.js';
import { AdminPreferences, AdminPreferencesPatch } from '../../contracts/api/preferences.js';
import { getAdminPreferences, updateAdminPreferences } from '../../services/preferences.js';
import { tags } from '../route-docs.js';

export const preferenceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db } = app.deps;

  app.get(
    '/api/settings/preferences',
    {
      schema: {
        tags: [tags.settings],
        summary: 'The admin’s preferences: the time zone times are shown in (null = the browser’s)',
        response: { 200: AdminPreferences, ...errorReplies },
      },
    },
    async () => getAdminPreferences(db),
  );

  app.patch(
    '/api/settings/preferences',
    {
      schema: {
        tags: [tags.settings],
        summary: 'Change the admin’s preferences',
        description: '`timezone`: an IANA zone (an unknown one → 400 naming `timezone`), or null to follow the browser’s zone.',
        body: AdminPreferencesPatch,
        response: { 200: AdminPreferences, ...errorReplies },
      },
    },
    async (request) => updateAdminPreferences(db, request.body),
  );
};
