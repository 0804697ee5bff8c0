/**
 * Authentication: a bearer token (API_TOKEN from the environment, or a named token) or the dashboard's
 * session cookie, looked up in the database on every request (services/auth.ts), so logout and revocation
 * take effect at once. Login takes the admin password from a plain HTML form, checked with the async scrypt
 * and limited per client address and overall (wrong passwords only, counted with @fastify/rate-limit).
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig } from '../../config.js';
import { LoginForm, LoginLimited, safeNext } from '../../contracts/api/auth.js';
import { errorReplies, Redirect } from '../../contracts/api/common.js';
import type { AdminSession } from '../../db/schema.js';
import { actorForBearer, endAdminSession, sessionForToken, sessionTtlMs, startAdminSession, verifyAdminPassword } from '../../services/auth.js';
import { publicRoute, tags } from '../route-docs.js';

export { safeNext };
export const sessionCookie = 'trafico_session';

/** The actor of events done from the dashboard. */
export const adminActor = 'admin';

export interface LoginAttempts {
  /**
   * Runs `attempt` (a password check) unless this address, or everyone together, already made too many wrong
   * tries in the window: then `{ retryAfterSeconds }` and `attempt` does not run. A false result counts as a
   * wrong try; a right one counts nothing.
   */
  guard(request: FastifyRequest, attempt: () => Promise<boolean>): Promise<{ ok: boolean } | { retryAfterSeconds: number }>;
}

declare module 'fastify' {
  interface FastifyInstance {
    requireAuth(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** The request's live dashboard session (looked up once per request), or undefined. */
    sessionOf(request: FastifyRequest): Promise<AdminSession | undefined>;
    loginAttempts: LoginAttempts;
  }
  interface FastifyRequest {
    /** Who is acting, for audit events: 'api' (API_TOKEN), a named token's name, or 'admin' (dashboard session). */
    actor: string;
    /** Set by requireAuth when the request came with a dashboard session (not with a bearer token). */
    adminSessionId: string | undefined;
  }
}

/**
 * Wrong passwords per address and in total, in fixed windows that start at the first wrong try (the rate-limit
 * library's local store). Tries still being checked count as wrong meanwhile, so a burst of parallel guesses
 * cannot pass the limit between reading and counting. Kept in this process's memory: each web replica counts its own.
 */
function loginAttempts(app: FastifyInstance, limit: AppConfig['loginLimit']): LoginAttempts {
  const perAddress = app.createRateLimit({ max: limit.maxFailuresPerAddress, timeWindow: limit.windowMs, keyGenerator: (r) => `login:${r.ip}` });
  const everywhere = app.createRateLimit({ max: limit.maxFailuresTotal, timeWindow: limit.windowMs, keyGenerator: () => 'login:*' });
  const inFlight = new Map<string, number>();
  let inFlightTotal = 0;

  /** Seconds until this limiter lets a try through, or 0 when it does now (`othersInFlight` counted as wrong). */
  async function wait(limiter: typeof perAddress, request: FastifyRequest, othersInFlight: number): Promise<number> {
    const state = await limiter(request, { increment: false });
    if (state.isAllowed || state.remaining > othersInFlight) return 0;
    return Math.max(1, state.ttlInSeconds);
  }

  return {
    async guard(request, attempt) {
      const address = request.ip;
      inFlight.set(address, (inFlight.get(address) ?? 0) + 1);
      inFlightTotal += 1;
      try {
        const retryAfterSeconds = Math.max(
          await wait(perAddress, request, inFlight.get(address)! - 1),
          await wait(everywhere, request, inFlightTotal - 1),
        );
        if (retryAfterSeconds > 0) return { retryAfterSeconds };
        const ok = await attempt();
        if (!ok) await Promise.all([perAddress(request), everywhere(request)]);
        return { ok };
      } finally {
        const left = inFlight.get(address)! - 1;
        if (left > 0) inFlight.set(address, left);
        else inFlight.delete(address);
        inFlightTotal -= 1;
      }
    },
  };
}

/** A browser's HTML form asks for HTML; scripts and JSON clients get JSON. */
const wantsHtml = (request: FastifyRequest) => (request.headers.accept ?? '').includes('text/html');

const authPlugin: FastifyPluginAsyncTypebox = async (app) => {
  const { config, db } = app.deps;
  const deps = { db, config };
  await app.register(cookie, { secret: config.sessionSecret });
  await app.register(formbody);
  // No global limit: only the login form's wrong passwords are counted (createRateLimit below).
  await app.register(rateLimit, { global: false });

  const lookups = new WeakMap<FastifyRequest, Promise<AdminSession | undefined>>();
  app.decorate('sessionOf', (request: FastifyRequest) => {
    let found = lookups.get(request);
    if (!found) {
      const raw = request.cookies[sessionCookie];
      const { valid, value } = raw ? request.unsignCookie(raw) : { valid: false, value: null };
      found = valid && value ? sessionForToken(deps, value) : Promise.resolve(undefined);
      lookups.set(request, found);
    }
    return found;
  });

  app.decorateRequest('actor', '');
  app.decorateRequest('adminSessionId', undefined);
  app.decorate('requireAuth', async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const [scheme, token] = header.split(' ');
      const actor = scheme?.toLowerCase() === 'bearer' && token ? await actorForBearer(deps, token) : undefined;
      if (actor) {
        request.actor = actor;
        return;
      }
      return reply.code(401).send({ error: 'unauthorized', message: 'invalid API token (revoked, or not issued by this server)' });
    }
    const session = await app.sessionOf(request);
    if (session) {
      request.actor = adminActor;
      request.adminSessionId = session.id;
      return;
    }
    return reply.code(401).send({ error: 'unauthorized', message: 'missing API token (Authorization: Bearer <token>) or session' });
  });

  app.decorate('loginAttempts', loginAttempts(app, config.loginLimit));

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: [tags.auth],
        summary: 'Dashboard login (HTML form)',
        description:
          'Starts a session (cookie) and redirects to `next` (a same-origin path, else `/`); a wrong password redirects back to ' +
          '/login?error=1. After too many wrong passwords from one address (or from everywhere) within the window: 429 with ' +
          'Retry-After (an HTML form is sent back to /login?error=limited instead), whatever the password.',
        security: publicRoute,
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: LoginForm,
        response: { 303: Redirect('to `next`, or back to /login?error=1 / ?error=limited'), 429: LoginLimited, ...errorReplies },
      },
    },
    async (request, reply) => {
      const { password, next } = request.body;
      const target = safeNext(next);
      const result = await app.loginAttempts.guard(request, () => verifyAdminPassword(deps, password));
      if ('retryAfterSeconds' in result) {
        const seconds = result.retryAfterSeconds;
        request.log.warn({ ip: request.ip }, 'dashboard login refused: too many wrong passwords');
        reply.header('retry-after', String(seconds));
        if (wantsHtml(request)) {
          return reply.redirect(`/login?error=limited&retryAfter=${seconds}&next=${encodeURIComponent(target)}`, 303);
        }
        return reply.code(429).send({ error: 'too_many_attempts', message: `too many wrong passwords; try again in ${seconds} s`, retryAfterSeconds: seconds });
      }
      if (!result.ok) {
        request.log.warn({ ip: request.ip }, 'dashboard login failed');
        return reply.redirect(`/login?error=1&next=${encodeURIComponent(target)}`, 303);
      }
      const { token } = await startAdminSession(deps, { userAgent: request.headers['user-agent'], ipAddress: request.ip });
      reply.setCookie(sessionCookie, token, {
        signed: true, httpOnly: true, sameSite: 'lax', path: '/', maxAge: sessionTtlMs / 1000,
        secure: config.http.publicUrl.startsWith('https://'),
      });
      return reply.redirect(target, 303);
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: [tags.auth], summary: 'Dashboard logout: the session ends at once', security: publicRoute,
        response: { 303: Redirect('to /login'), ...errorReplies },
      },
    },
    async (request, reply) => {
      const session = await app.sessionOf(request);
      if (session) await endAdminSession(deps, session.id, adminActor);
      reply.clearCookie(sessionCookie, { path: '/' });
      return reply.redirect('/login', 303);
    },
  );
};

export default fp(authPlugin, { name: 'auth', dependencies: ['deps'] });
