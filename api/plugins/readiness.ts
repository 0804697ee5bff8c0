/**
 * Start-up gate: the process is ready once start-up has finished (for `npm start`, after the demo seed),
 * not when the port opens. Until `app.readiness.markReady()`, /healthz answers 503 `starting`, so a script
 * waiting for health never finds a half-started product.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface Readiness {
  readonly ready: boolean;
  markReady(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    readiness: Readiness;
  }
}

const readinessPlugin: FastifyPluginAsync = async (app) => {
  let ready = false;
  app.decorate('readiness', {
    get ready() {
      return ready;
    },
    markReady() {
      ready = true;
    },
  } satisfies Readiness);
};

export default fp(readinessPlugin, { name: 'readiness' });
