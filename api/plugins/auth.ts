/**
 * Authentication: API bearer token or the dashboard's signed session cookie. Login takes the admin
 * password (hashed at startup, compared in constant time) from a plain HTML form.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { timingSafeEqual } from 'node:crypto';
import { passwordMatches } from '../../config.js';
import { LoginForm } from '../../contracts/api/auth.js';
import { Redirect } from '../../contracts/api/common.js';
import { publicRoute, tags } from '../route-docs.js';

export const sessionCookie = 'trafico_session';
const sessionMaxAgeSeconds = 7 * 24 * 3600;

declare module 'fastify' {
  interface FastifyInstance {
    requireAuth(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    hasSession(request: FastifyRequest): boolean;
  }
  interface FastifyRequest {
    /** Who is acting, for audit events: 'api' (bearer token) or 'admin' (dashboard session). */
    actor: string;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Only local paths, so the login form cannot be used as an open redirect. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

const authPlugin: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app.deps;
  await app.register(cookie, { secret: config.sessionSecret });
  await app.register(formbody);

  app.decorate('hasSession', (request: FastifyRequest) => {
    const raw = request.cookies[sessionCookie];
    if (!raw) return false;
    const { valid, value } = request.unsignCookie(raw);
    const expires = valid && value?.startsWith('admin.') ? Number(value.slice(6)) : 0;
    return expires > Date.now();
  });

  app.decorateRequest('actor', '');
  app.decorate('requireAuth', async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    if (header) {
      const [scheme, token] = header.split(' ');
      if (scheme?.toLowerCase() === 'bearer' && token && safeEqual(token, config.apiToken)) {
        request.actor = 'api';
        return;
      }
      return reply.code(401).send({ error: 'unauthorized', message: 'invalid API token' });
    }
    if (app.hasSession(request)) {
      request.actor = 'admin';
      return;
    }
    return reply.code(401).send({ error: 'unauthorized', message: 'missing API token (Authorization: Bearer <API_TOKEN>) or session' });
  });

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: [tags.auth],
        summary: 'Dashboard login (HTML form)',
        description: 'Sets the signed session cookie and redirects to `next` (a local path); a wrong password redirects back to /login?error=1.',
        security: publicRoute,
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: LoginForm,
        response: { 303: Redirect('to `next`, or back to /login?error=1') },
      },
    },
    async (request, reply) => {
      const { password, next } = request.body;
      const target = safeNext(next);
      if (!passwordMatches(config, password)) {
        request.log.warn('dashboard login failed');
        return reply.redirect(`/login?error=1&next=${encodeURIComponent(target)}`, 303);
      }
      const value = `admin.${Date.now() + sessionMaxAgeSeconds * 1000}`;
      reply.setCookie(sessionCookie, value, {
        signed: true, httpOnly: true, sameSite: 'lax', path: '/', maxAge: sessionMaxAgeSeconds,
        secure: config.http.publicUrl.startsWith('https://'),
      });
      return reply.redirect(target, 303);
    },
  );

  app.post(
    '/api/auth/logout',
    { schema: { tags: [tags.auth], summary: 'Dashboard logout', security: publicRoute, response: { 303: Redirect('to /login') } } },
    async (_request, reply) => {
      reply.clearCookie(sessionCookie, { path: '/' });
      return reply.redirect('/login', 303);
    },
  );
};

export default fp(authPlugin, { name: 'auth', dependencies: ['deps'] });
