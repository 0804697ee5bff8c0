/**
 * What every answer carries and what every unsafe request must pass, before any route runs:
 * - Security headers (@fastify/helmet): a CSP that forbids framing (frame-ancestors 'none') and loads
 *   scripts only from this server (Swagger UI's files are served from here), nosniff, a referrer policy,
 *   no X-Powered-By; HSTS only when PUBLIC_URL is https. Dashboard pages replace the CSP with SvelteKit's own
 *   (ui/svelte.config.js `kit.csp`, which adds the nonces of its inline bootstrap script).
 * - CSRF: a POST/PUT/PATCH/DELETE without a bearer token (a browser carrying the session cookie, or the login
 *   form) is refused with 403 `csrf_rejected` when the browser says it comes from another site: a
 *   `Sec-Fetch-Site` other than `same-origin`/`none`, or an `Origin` that is neither PUBLIC_URL's origin nor the
 *   host the request came to. Requests with neither header (curl, server-side fetches) pass: the policy of Go's
 *   net/http CrossOriginProtection.
 */
import helmet from '@fastify/helmet';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether a browser says this request comes from another origin (see the header comment). */
export function isCrossOrigin(request: Pick<FastifyRequest, 'headers'>, publicOrigin: string): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return true; // "null" (sandboxed frames, cross-origin redirects) or garbage
  }
  if (url.origin === publicOrigin) return false;
  const host = request.headers.host;
  return !host || url.host !== host.toLowerCase();
}

const securityPlugin: FastifyPluginAsync = async (app) => {
  const publicUrl = new URL(app.deps.config.http.publicUrl);
  const https = publicUrl.protocol === 'https:';

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        'connect-src': ["'self'"],
        'font-src': ["'self'", 'data:'],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'img-src': ["'self'", 'data:'],
        'object-src': ["'none'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        // Swagger UI styles some elements inline.
        'style-src': ["'self'", "'unsafe-inline'"],
        // Only where the dashboard is reached over https: on a plain-http LAN install it would break every asset.
        ...(https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // The same as frame-ancestors 'none', for browsers that only know the older header.
    frameguard: { action: 'deny' },
    strictTransportSecurity: https ? { maxAge: 180 * 24 * 3600 } : false,
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!unsafeMethods.has(request.method) || request.headers.authorization !== undefined) return;
    if (!isCrossOrigin(request, publicUrl.origin)) return;
    request.log.warn({ origin: request.headers.origin, secFetchSite: request.headers['sec-fetch-site'], url: request.url }, 'cross-origin request refused');
    return reply.code(403).send({ error: 'csrf_rejected', message: 'cross-origin request refused: send it from the dashboard itself, or with a bearer token' });
  });
};

export default fp(securityPlugin, { name: 'security', dependencies: ['deps'] });
