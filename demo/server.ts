// Wiring of the demo platform: plugins, route modules, error pages, listen/close.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import { registerAdminRoutes } from './admin-routes.js';
import { registerAuthRoutes } from './auth-routes.js';
import { viewerOf, type DemoContext } from './context.js';
import { FaultRegistry, registerFaults } from './faults.js';
import { MAX_UPLOAD_BYTES } from './media.js';
import { SITE_CSS, errorPage, messagePage } from './pages.js';
import { registerPostRoutes } from './post-routes.js';
import { DemoStore } from './store.js';

export interface DemoPlatformOptions {
  port?: number; // 0 = random free port; default 4100
  host?: string; // default '127.0.0.1'
  dataDir: string; // state file + uploaded videos live here (created if missing)
  seed?: number; // seeds deterministic counter growth; default 42
  now?: () => number; // clock in ms for counters, default Date.now (tests may inject)
  logger?: boolean; // fastify logger, default false
}

export interface DemoPlatform {
  url: string;
  port: number;
  close(): Promise<void>;
}

const HTML = 'text/html; charset=utf-8';

function isAdminPath(url: string): boolean {
  return url.startsWith('/__admin');
}

function registerErrorPages(app: FastifyInstance, ctx: DemoContext): void {
  app.setNotFoundHandler(async (request, reply) => {
    if (isAdminPath(request.url)) return reply.code(404).send({ error: 'not found' });
    return reply
      .code(404)
      .type(HTML)
      .send(messagePage(viewerOf(ctx, request), 'Página no encontrada', 'La página que buscas no existe.'));
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'demo platform error');
    if (isAdminPath(request.url)) {
      return reply.code(status).send({ error: status >= 500 ? 'internal error' : error.message });
    }
    if (status >= 500) return reply.code(status).type(HTML).send(errorPage(status));
    return reply
      .code(status)
      .type(HTML)
      .send(messagePage(null, 'Solicitud no válida', 'No hemos podido procesar la solicitud.'));
  });
}

export async function buildDemoApp(ctx: DemoContext, logger: boolean): Promise<FastifyInstance> {
  const app = Fastify({ logger });
  await app.register(cookie);
  await app.register(formbody);
  await app.register(multipart, {
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 20, parts: 30, fieldSize: 64 * 1024 },
    // The upload handler checks `truncated` itself to answer with a proper page.
    throwFileSizeLimit: false,
  });

  // Fault injection goes first so its hooks can intercept any route (see faults.ts); its
  // preClose hook cuts held connections so close() never waits on them.
  registerFaults(app, ctx);

  app.get('/assets/site.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(SITE_CSS),
  );
  registerAuthRoutes(app, ctx);
  registerPostRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerErrorPages(app, ctx);
  return app;
}

export async function startDemoPlatform(opts: DemoPlatformOptions): Promise<DemoPlatform> {
  const host = opts.host ?? '127.0.0.1';
  const store = await DemoStore.open(opts.dataDir, Date.now());
  const ctx: DemoContext = { store, seed: opts.seed ?? 42, now: opts.now ?? Date.now, faults: new FaultRegistry() };
  const app = await buildDemoApp(ctx, opts.logger ?? false);
  await app.listen({ port: opts.port ?? 4100, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 4100);
  // A wildcard bind is reachable on loopback; URLs must name a concrete host.
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    async close() {
      await app.close();
      await store.flush();
    },
  };
}
