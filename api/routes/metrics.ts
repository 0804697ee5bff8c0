/**
 * GET /metrics — Prometheus scrapes of the web process (observability/): the registry plus, in role `all`, the
 * workers' and the Temporal core's series. Not public: `Authorization: Bearer <METRICS_TOKEN>` (API_TOKEN when
 * METRICS_TOKEN is unset), checked against that one token only — no named tokens, no dashboard session — so a
 * scrape never touches the database to authenticate and the token can live in Prometheus' config alone.
 *
 * Registering this plugin makes the web process the one that reads publications by status and the queue backlog
 * (the other roles leave those series empty, so Prometheus never sums them twice), plus its click recorder.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies } from '../../contracts/api/common.js';
import { bearerMatches, metricsContentType, renderMetrics } from '../../observability/exposition.js';
import { provideMetricSource } from '../../observability/metrics.js';
import { publicationsByStatus, queueBacklog } from '../../services/ops-metrics.js';
import { documentedOnly, tags } from '../route-docs.js';

export const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, temporal, config } = app.deps;
  const undo = [
    provideMetricSource('publicationsByStatus', () => publicationsByStatus(db)),
    provideMetricSource('queueBacklog', () => queueBacklog(temporal)),
    provideMetricSource('clicks', () => app.clicks.stats()),
  ];
  app.addHook('onClose', async () => {
    for (const remove of undo) remove();
  });

  app.get(
    '/metrics',
    {
      schema: {
        tags: [tags.metrics],
        summary: 'Prometheus metrics of this process (text exposition format)',
        description:
          'Every series is prefixed `trafico_` and has a HELP text (README "Metrics"). Only `Authorization: Bearer <METRICS_TOKEN>` ' +
          '(API_TOKEN when METRICS_TOKEN is unset) is accepted: 401 otherwise, also with a named token or the dashboard session.',
        security: [{ bearer: [] }],
      },
      // The text is written as is: the reply is documented, never serialized.
      config: documentedOnly({
        response: {
          200: { description: 'the metrics', content: { 'text/plain': { schema: { type: 'string', description: 'Prometheus text format 0.0.4' } } } },
          '4xx': errorReplies['4xx'],
        },
      }),
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      if (!bearerMatches(request.headers.authorization, config.metrics.token)) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="metrics"')
          .send({ error: 'unauthorized', message: 'missing or wrong metrics token (Authorization: Bearer <METRICS_TOKEN, or API_TOKEN when unset>)' });
      }
      const text = await renderMetrics();
      return reply.type(metricsContentType).send(text);
    },
  );
};
