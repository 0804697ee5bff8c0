/**
 * Serves the SvelteKit dashboard (adapter-node handler) on the API's port. Every page but the login page and
 * static assets requires a live admin session (looked up in the database, so a revoked one is refused at
 * once); without it the browser goes to /login — a client-side navigation or form action gets the redirect in
 * SvelteKit's own JSON shape, so it lands there too.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
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

/**
 * adapter-node builds each request's origin (`event.url`, which SvelteKit's form actions compare with the
 * browser's Origin) from these headers; Fastify sets them on every request it hands over, overwriting any
 * client value. Read once when the handler module loads, so set before importing it.
 */
const protocolHeader = 'x-trafico-origin-proto';
const hostHeader = 'x-trafico-origin-host';

/**
 * The origin the browser sees: the Host it came to, with PUBLIC_URL's scheme when that is the host PUBLIC_URL
 * names (a TLS proxy in front), else the scheme of this connection.
 */
function browserOrigin(request: FastifyRequest, publicUrl: URL): { proto: string; host: string } {
  const host = request.headers.host ?? publicUrl.host;
  const proto = host.toLowerCase() === publicUrl.host ? publicUrl.protocol.slice(0, -1) : request.protocol;
  return { proto, host };
}

/** SvelteKit's answers for a request that needs the login page: data/action requests get JSON, pages a redirect. */
function loginTarget(request: FastifyRequest): { kind: 'data' | 'action' | 'page'; location: string } {
  const [path = '/', query = ''] = request.url.split('?');
  const dataSuffix = '/__data.json';
  if (path.endsWith(dataSuffix)) {
    const page = path.slice(0, -dataSuffix.length) || '/';
    const search = new URLSearchParams(query);
    search.delete('x-sveltekit-invalidated');
    const rest = search.toString();
    return { kind: 'data', location: `/login?next=${encodeURIComponent(page + (rest ? `?${rest}` : ''))}` };
  }
  const location = `/login?next=${encodeURIComponent(request.url)}`;
  return { kind: request.method === 'POST' && request.headers['x-sveltekit-action'] === 'true' ? 'action' : 'page', location };
}

export const uiRoutes: FastifyPluginAsync = async (app) => {
  const publicUrl = new URL(app.deps.config.http.publicUrl);
  let handler: NodeHandler | undefined;
  if (existsSync(uiHandlerPath)) {
    if (!process.env.ORIGIN) {
      process.env.PROTOCOL_HEADER = protocolHeader;
      process.env.HOST_HEADER = hostHeader;
    }
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
      if (!publicPrefixes.some((p) => path.startsWith(p)) && !(await app.sessionOf(request))) {
        const target = loginTarget(request);
        // Shapes of SvelteKit 2's data and action results: the client follows them to the login page.
        if (target.kind === 'data') return reply.send({ type: 'redirect', location: target.location });
        if (target.kind === 'action') return reply.send({ type: 'redirect', status: 303, location: target.location });
        return reply.redirect(target.location, 302);
      }
      if (!handler) return reply.code(503).type('text/plain').send('Dashboard not built: run `npm run build:ui`.');
      const headers = request.raw.headers;
      // Lets the dashboard's server-side fetches reach this API wherever it listens (see ui/src/hooks.server.ts).
      headers['x-internal-api-origin'] = internalOrigin(app.server.address());
      const origin = browserOrigin(request, publicUrl);
      headers[protocolHeader] = origin.proto;
      headers[hostHeader] = origin.host;
      reply.hijack();
      handler(request.raw, reply.raw, () => {
        reply.raw.statusCode = 404;
        reply.raw.end('Not found');
      });
    },
  });
};
