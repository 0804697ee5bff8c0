/**
 * Serves the SvelteKit dashboard (adapter-node handler) on the API's port. Every page but the
 * login page and static assets requires the admin session; without it the browser goes to /login.
 */
import type { FastifyPluginAsync } from 'fastify';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

function internalOrigin(address: string | AddressInfo | null): string {
  if (!address || typeof address === 'string') return 'http://127.0.0.1:3000';
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

export const uiHandlerPath = fileURLToPath(new URL('../ui/build/handler.js', import.meta.url));
const publicPrefixes = ['/login', '/_app/', '/favicon', '/robots.txt'];

export const uiRoutes: FastifyPluginAsync = async (app) => {
  let handler: NodeHandler | undefined;
  if (existsSync(uiHandlerPath)) {
    ({ handler } = (await import(pathToFileURL(uiHandlerPath).href)) as { handler: NodeHandler });
  } else {
    app.log.warn(`dashboard not built (${uiHandlerPath} missing): run npm run build:ui`);
  }

  // Leave request bodies unread: SvelteKit reads the raw stream itself.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.route({
    method: ['GET', 'HEAD', 'POST'],
    url: '/*',
    schema: { hide: true },
    handler: async (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      if (path.startsWith('/api/')) {
        return reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${path}` });
      }
      if (!publicPrefixes.some((p) => path.startsWith(p)) && !app.hasSession(request)) {
        return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 302);
      }
      if (!handler) return reply.code(503).type('text/plain').send('Dashboard not built: run `npm run build:ui`.');
      // Lets the dashboard's server-side fetches reach this API wherever it listens (see ui/src/hooks.server.ts).
      request.raw.headers['x-internal-api-origin'] = internalOrigin(app.server.address());
      reply.hijack();
      handler(request.raw, reply.raw, () => {
        reply.raw.statusCode = 404;
        reply.raw.end('Not found');
      });
    },
  });
};
