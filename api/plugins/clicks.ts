/**
 * The click recorder of this process (services/clicks/recorder.ts) as `app.clicks`: the one `deps.clicks` hands in
 * (tests point it at a database of their own), else one on `deps.db`. Closing the app writes what it still holds
 * (a bounded wait), before main.ts closes the database.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { ClickRecorder } from '../../services/clicks/recorder.js';

declare module 'fastify' {
  interface FastifyInstance {
    clicks: ClickRecorder;
  }
}

const clicksPlugin: FastifyPluginAsync = async (app) => {
  const { db, config, log } = app.deps;
  const recorder = app.deps.clicks ?? new ClickRecorder({ db, traffic: config.traffic, log: log.child({ component: 'clicks' }) });
  app.decorate('clicks', recorder);
  app.addHook('onClose', async () => recorder.close());
};

export default fp(clicksPlugin, { name: 'clicks', dependencies: ['deps'] });
