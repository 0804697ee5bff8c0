/**
 * Fastify app: one plugin per concern. `deps` (the one dependency object) and `readiness` first, the
 * OpenAPI collector before any route, then auth, multipart, the route plugins (each reads `app.deps`),
 * the docs, and the dashboard last (it catches every other path).
 */
import { createServer } from 'node:http';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { ServiceError, type ServiceErrorKind } from '../services/errors.js';
import { multipartLimits } from './multipart.js';
import authPlugin from './plugins/auth.js';
import securityPlugin from './plugins/security.js';
import clicksPlugin from './plugins/clicks.js';
import depsPlugin, { type ApiDeps } from './plugins/deps.js';
import openapiPlugin from './plugins/openapi.js';
import readinessPlugin from './plugins/readiness.js';
import { accountRoutes } from './routes/accounts.js';
import { connectionRoutes } from './routes/connections.js';
import { authRoutes } from './routes/auth.js';
import { tokenRoutes } from './routes/tokens.js';
import { contentRoutes } from './routes/contents.js';
import { docsRoutes } from './routes/docs.js';
import { evidenceRoutes } from './routes/evidence.js';
import { trackingRoutes, type TrackingFastPath } from './routes/tracking.js';
import { analyticsRoutes } from './routes/analytics.js';
import { revenueRoutes } from './routes/revenue.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { modelRoutes } from './routes/models.js';
import { learnedSlotRoutes } from './routes/learned-slots.js';
import { platformRoutes } from './routes/platforms.js';
import { overviewRoutes } from './routes/overview.js';
import { eventRoutes } from './routes/events.js';
import { alertRoutes } from './routes/alerts.js';
import { publicationRoutes } from './routes/publications.js';
import { instagramMediaRoutes } from './routes/instagram-media.js';
import { telegramWebhookRoutes } from './routes/telegram-webhook.js';
import { calendarRoutes } from './routes/calendar.js';
import { contentMediaRoutes } from './routes/content-media.js';
import { moderationRoutes } from './routes/moderation.js';
import { preferenceRoutes } from './routes/preferences.js';
import { watermarkRoutes } from './routes/watermark.js';
import { storageRoutes } from './routes/storage.js';
import { streamRoutes } from './routes/streams.js';
import { repostRoutes } from './routes/reposts.js';
import { uiRoutes } from './ui.js';
import { ApiError } from './views.js';

export type { ApiDeps };

const serviceErrorStatus: Record<ServiceErrorKind, number> = { invalid: 400, not_found: 404, conflict: 409, unavailable: 503 };

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: { missingProperty?: string; additionalProperty?: string };
}

/** Ajv's issues as `{ field: message }`, the field dotted (`distribution.slots.0`), as the error body's `fields`. */
function validationFields(issues: ValidationIssue[], context = 'body'): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const path = (issue.instancePath ?? '').split('/').filter(Boolean);
    const named = issue.params?.missingProperty ?? issue.params?.additionalProperty;
    if (named) path.push(named);
    const field = path.join('.') || context;
    fields[field] ??= issue.message ?? 'invalid';
  }
  return fields;
}

/**
 * The API with the dashboard. /healthz answers 503 `starting` until `app.readiness.markReady()`: the
 * caller marks it once start-up has finished (main.ts `startApp`).
 */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  // Plain tracking links are answered before Fastify sees them (api/routes/tracking.ts says why); the rest is Fastify's.
  const trackingFastPath: TrackingFastPath = {};
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'api' }), bodyLimit: 1024 * 1024,
    // TRUST_PROXY: request.ip honours X-Forwarded-For only from these proxies (off: the socket's address).
    trustProxy: deps.config.traffic.trustProxy,
    serverFactory: (handler) => {
      // Fastify leaves a factory's server as it is: the deadlines are set here (config.ts HTTP_*_TIMEOUT_SECONDS). A whole
      // request must arrive within requestTimeout (long enough for MAX_UPLOAD_MB on a slow link), its headers within
      // headersTimeout (a slow-loris trickling headers is answered 408 and closed), checked at least every half of it.
      const { requestTimeoutMs, headersTimeoutMs, idleTimeoutMs } = deps.config.http;
      const server = createServer({
        requestTimeout: requestTimeoutMs,
        headersTimeout: headersTimeoutMs,
        connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(headersTimeoutMs / 2))),
      }, (req, res) => {
        if (!trackingFastPath.handle?.(req, res)) handler(req, res);
      });
      server.keepAliveTimeout = 72_000; // Fastify's default
      // A connection silent this long is closed (Fastify's connectionTimeout).
      server.setTimeout(idleTimeoutMs);
      return server;
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.statusCode).send({ error: error.code, message: error.message });
    if (error instanceof ServiceError) {
      const fields = error.details?.fields;
      return reply.code(serviceErrorStatus[error.kind]).send({ error: error.code, message: error.message, ...(fields ? { fields } : {}) });
    }
    const err = error as { validation?: ValidationIssue[]; validationContext?: string; statusCode?: number; code?: string; message: string };
    if (err.validation) return reply.code(400).send({ error: 'invalid_request', message: err.message, fields: validationFields(err.validation, err.validationContext) });
    const status = err.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: (err.code ?? 'bad_request').toLowerCase(), message: err.message });
    request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({ error: 'internal_error', message: 'internal error; see the server log' });
  });

  // A command sent without a body (POST /…/cancel) means "no options": validate it as {}.
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && request.body === undefined && !request.isMultipart()) request.body = {};
  });
  await app.register(depsPlugin, deps);
  await app.register(readinessPlugin);
  await app.register(openapiPlugin);
  await app.register(securityPlugin);
  await app.register(authPlugin);
  // Every multipart request gets these limits (api/multipart.ts); each route narrows the file size and counts.
  await app.register(multipart, { limits: { ...multipartLimits, fileSize: deps.config.maxUploadBytes } });
  await app.register(clicksPlugin);
  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(trackingRoutes, { fastPath: trackingFastPath });
  await app.register(instagramMediaRoutes);
  await app.register(analyticsRoutes);
  await app.register(revenueRoutes);
  await app.register(contentRoutes);
  await app.register(contentMediaRoutes);
  await app.register(moderationRoutes);
  await app.register(calendarRoutes);
  await app.register(preferenceRoutes);
  await app.register(watermarkRoutes);
  await app.register(storageRoutes);
  await app.register(streamRoutes);
  await app.register(repostRoutes);
  await app.register(publicationRoutes);
  await app.register(evidenceRoutes);
  await app.register(accountRoutes);
  await app.register(connectionRoutes);
  await app.register(modelRoutes);
  await app.register(learnedSlotRoutes);
  await app.register(platformRoutes);
  await app.register(overviewRoutes);
  await app.register(eventRoutes);
  await app.register(alertRoutes);
  await app.register(authRoutes);
  await app.register(tokenRoutes);
  await app.register(telegramWebhookRoutes);
  await app.register(docsRoutes);
  await app.register(uiRoutes);
  return app as unknown as FastifyInstance;
}
