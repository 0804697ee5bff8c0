/** Fastify app: one plugin per concern (auth, contents, publications, health, dashboard). */
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '../config.js';
import type { Db } from '../db/client.js';
import authPlugin from './plugins/auth.js';
import { accountRoutes } from './routes/accounts.js';
import { contentRoutes } from './routes/contents.js';
import { evidenceRoutes } from './routes/evidence.js';
import { healthRoutes } from './routes/health.js';
import { modelRoutes } from './routes/models.js';
import { telegramWebhookRoutes } from './routes/telegram-webhook.js';
import { publicationRoutes } from './routes/publications.js';
import { uiRoutes } from './ui.js';
import { ServiceError, type ServiceErrorKind } from '../services/errors.js';
import { ApiError } from './views.js';

const serviceErrorStatus: Record<ServiceErrorKind, number> = { invalid: 400, not_found: 404, conflict: 409, unavailable: 503 };

export interface ApiDeps {
  db: Db;
  temporal: Client;
  config: AppConfig;
  log: Logger;
  /** Webhook mode of the Telegram bot: main.ts hands the bot's update handler in. */
  telegramWebhook?: (update: unknown) => Promise<void>;
}

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.log.child({ component: 'api' }) as FastifyBaseLogger, bodyLimit: 1024 * 1024 }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.statusCode).send({ error: error.code, message: error.message });
    if (error instanceof ServiceError) return reply.code(serviceErrorStatus[error.kind]).send({ error: error.code, message: error.message });
    const err = error as { validation?: unknown; statusCode?: number; code?: string; message: string };
    if (err.validation) return reply.code(400).send({ error: 'invalid_request', message: err.message });
    const status = err.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: (err.code ?? 'bad_request').toLowerCase(), message: err.message });
    request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({ error: 'internal_error', message: 'internal error; see the server log' });
  });

  // A command sent without a body (POST /…/cancel) means "no options": validate it as {}.
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && request.body === undefined && !request.isMultipart()) request.body = {};
  });
  await app.register(authPlugin, { config: deps.config });
  await app.register(multipart, { limits: { fileSize: deps.config.maxUploadBytes } });
  await app.register(healthRoutes, { db: deps.db, temporal: deps.temporal });
  await app.register(contentRoutes, { db: deps.db, temporal: deps.temporal, config: deps.config });
  await app.register(publicationRoutes, { db: deps.db, temporal: deps.temporal, config: deps.config });
  await app.register(accountRoutes, { db: deps.db, temporal: deps.temporal, config: deps.config });
  await app.register(modelRoutes, { db: deps.db, config: deps.config });
  const webhook = deps.config.telegram.webhook;
  if (webhook && deps.telegramWebhook) {
    await app.register(telegramWebhookRoutes, { path: webhook.path, secret: webhook.secret, handleUpdate: deps.telegramWebhook });
  }
  await app.register(evidenceRoutes, { config: deps.config });
  await app.register(uiRoutes);
  return app as unknown as FastifyInstance;
}
