/**
 * The one dependency object of the API: decorated once as `app.deps` (server.ts registers this first),
 * read by every plugin and route instead of per-plugin options. Route files pass its parts on to services/.
 */
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { TemporalClient } from '../../services/deps.js';
import type { ClickRecorder } from '../../services/clicks/recorder.js';

export interface ApiDeps {
  db: Db;
  temporal: TemporalClient;
  config: AppConfig;
  log: FastifyBaseLogger;
  /** Webhook mode of the Telegram bot: main.ts hands the bot's update handler in (api/ does not import bot/). */
  telegramWebhook?: (update: unknown) => Promise<void>;
  /** The tracking links' click recorder; default: one on `db` (api/plugins/clicks.ts). */
  clicks?: ClickRecorder;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: ApiDeps;
  }
}

const depsPlugin: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.decorate('deps', deps);
};

export default fp(depsPlugin, { name: 'deps' });
