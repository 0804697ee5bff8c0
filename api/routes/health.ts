/**
 * GET /healthz — public (no auth needed): load balancers, operators and start-up scripts read it. Anyone gets the
 * status and one word per component; a request with an admin's session or a valid bearer token gets every check's
 * details (scrubbed error texts, pollers per queue, free disk, the click recorder). A wrong or missing credential is
 * simply the public answer, never a 401, and recognising the admin has the checks' own deadline.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { Health, PublicHealth } from '../../contracts/api/health.js';
import { actorForBearer } from '../../services/auth.js';
import { sessionCookie } from '../plugins/auth.js';
import { checkHealth, publicHealth } from '../../services/health.js';
import { publicRoute, tags } from '../route-docs.js';

/** Health first: an admin's answer carries everything the public one does. */
const HealthAnswer = Type.Union([Health, PublicHealth]);

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, temporal, config } = app.deps;
  const timeoutMs = config.storage.healthCheckTimeoutMs;

  /** Whether the request comes from the admin, decided within the deadline (a stuck database means: public). */
  async function isAdmin(request: FastifyRequest): Promise<boolean> {
    const header = request.headers.authorization;
    let lookup: Promise<unknown>;
    if (header !== undefined) {
      const [scheme, token] = header.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token) return false;
      lookup = actorForBearer({ db, config }, token);
    } else if (request.cookies?.[sessionCookie]) {
      lookup = app.sessionOf(request);
    } else {
      return false;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    try {
      return Boolean(await Promise.race([lookup.catch(() => undefined), late]));
    } finally {
      clearTimeout(timer);
    }
  }

  app.get(
    '/healthz',
    {
      schema: {
        tags: [tags.health],
        summary: 'Database, Temporal, workers and free disk',
        description:
          '200 `ok`; 503 `degraded`, or `starting` until start-up has finished (in `npm start`: after the demo seed). Each check ' +
          'has a deadline (HEALTH_CHECK_TIMEOUT_MS) and they run side by side. Anyone gets `status` and `components` (ok / ' +
          'degraded each); with an admin session or a bearer token the answer adds every check\'s details. A low disk ' +
          '(`components.disk: degraded`, below MIN_FREE_DISK_MB) refuses uploads with 507 but does not make this 503.',
        security: publicRoute,
        response: { 200: HealthAnswer, 503: HealthAnswer },
      },
    },
    async (request, reply) => {
      const [health, admin] = await Promise.all([
        checkHealth(db, temporal, app.clicks.stats(), { timeoutMs, disk: { path: config.dataDir, minFreeBytes: config.storage.minFreeDiskBytes } }),
        isAdmin(request),
      ]);
      const status = app.readiness.ready ? health.status : 'starting' as const;
      const answer = admin ? { ...health, status } : publicHealth({ ...health, status });
      return reply.code(status === 'ok' ? 200 : 503).header('cache-control', 'no-store').send(answer);
    },
  );
};
