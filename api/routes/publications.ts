/** Publications: the list, the counts by status, and the controls (reschedule, publish now, cancel, retry) that signal their workflows. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Accepted, errorReplies, IdParams } from '../../contracts/api/common.js';
import {
  CancelBody, PublicationCounts, PublicationDetail, PublicationList, PublicationListQuery, RescheduleBody, Rescheduled,
} from '../../contracts/api/publications.js';
import { getPublicationDetail } from '../../services/publication-detail.js';
import { findPublications } from '../../services/publication-views.js';
import {
  cancelPublication, publishPublicationNow, reschedulePublication, retryPublication,
} from '../../services/publications.js';
import { publicationCounts } from '../../services/reports.js';
import { tags } from '../route-docs.js';
import { publicationView } from '../views.js';

const controlReplies = { 202: Accepted, ...errorReplies };
const controlNote = '202 once Temporal holds the signal (the workflow makes the change and records it); 409 when the publication’s state does not allow it; 503 `temporal_unavailable` when Temporal is down.';

export const publicationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, temporal, config } = app.deps;
  const deps = { db, temporal, lifecycle: config.lifecycle };

  app.get(
    '/api/publications',
    {
      schema: {
        tags: [tags.publications],
        summary: 'Publications, newest first, with the Temporal Web UI base and namespace for workflow links',
        querystring: PublicationListQuery,
        response: { 200: PublicationList, '4xx': errorReplies['4xx'] },
      },
    },
    async (request) => {
      const rows = await findPublications(db, request.query);
      return { items: rows.map(publicationView), temporalUiUrl: config.temporal.uiUrl, temporalNamespace: config.temporal.namespace };
    },
  );

  app.get(
    '/api/publications/counts',
    {
      schema: {
        tags: [tags.publications],
        summary: 'Every publication counted by status (the dashboard overview)',
        response: { 200: PublicationCounts, '4xx': errorReplies['4xx'] },
      },
    },
    async () => {
      const counts = await publicationCounts(db);
      return { counts, total: Object.values(counts).reduce((sum, n) => sum + n, 0) };
    },
  );

  app.get(
    '/api/publications/:id',
    {
      schema: {
        tags: [tags.publications],
        summary: 'One publication: content, model, account, workflow link, timeline of its events, attempts with evidence, metrics over time',
        description:
          'The timeline holds the publication’s events plus its content’s events from before it was scheduled (received, ingested, ' +
          'captions, approval), oldest first; metrics are the stored reads, oldest first. Each keeps its newest entries when there are ' +
          'more than it shows (`timelineTruncated`, `metricsTruncated`). 404 unknown id, 400 an id that is no UUID.',
        params: IdParams,
        response: { 200: PublicationDetail, ...errorReplies },
      },
    },
    async (request) => {
      const { row, ...detail } = await getPublicationDetail({ db, evidenceDir: config.evidenceDir, temporal: config.temporal }, request.params.id);
      return { publication: publicationView(row), ...detail };
    },
  );

  app.post(
    '/api/publications/:id/reschedule',
    {
      schema: {
        tags: [tags.publications],
        summary: 'Move to a new time (the admin’s time wins; a broken rule comes back as a warning)',
        description: controlNote,
        params: IdParams,
        body: RescheduleBody,
        response: { ...controlReplies, 202: Rescheduled },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      return reply.code(202).send(await reschedulePublication(deps, id, { actor: request.actor, scheduledTime: new Date(request.body.scheduledTime) }));
    },
  );

  app.post(
    '/api/publications/:id/publish-now',
    {
      schema: {
        tags: [tags.publications], summary: 'Publish at once (scheduled, held, failed or unconfirmed)', description: controlNote,
        params: IdParams, response: controlReplies,
      },
    },
    async (request, reply) => reply.code(202).send(await publishPublicationNow(deps, request.params.id, { actor: request.actor })),
  );

  app.post(
    '/api/publications/:id/cancel',
    {
      schema: {
        tags: [tags.publications], summary: 'Cancel (not once published)', description: controlNote,
        params: IdParams, body: CancelBody, response: controlReplies,
      },
    },
    async (request, reply) => reply.code(202).send(await cancelPublication(deps, request.params.id, { actor: request.actor, reason: request.body.reason })),
  );

  app.post(
    '/api/publications/:id/retry',
    {
      schema: {
        tags: [tags.publications],
        summary: 'Retry after failed, unconfirmed or held (first looks for an earlier post by its marker)',
        description: controlNote,
        params: IdParams,
        response: controlReplies,
      },
    },
    async (request, reply) => reply.code(202).send(await retryPublication(deps, request.params.id, { actor: request.actor })),
  );
};
