// Login / logout, with a double-submit CSRF cookie on the login form like real sites.
import type { FastifyInstance } from 'fastify';
import {
  LOGIN_CSRF_COOKIE,
  normalizeUsername,
  SESSION_COOKIE,
  randomToken,
  safeNext,
  SESSION_EXPIRED_REASON,
  startSession,
  tokensMatch,
  verifyPassword,
} from './auth.js';
import { sessionOf, type DemoContext } from './context.js';
import { captchaPage } from './fault-pages.js';
import { loginPage, messagePage } from './pages.js';

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

export function registerAuthRoutes(app: FastifyInstance, ctx: DemoContext): void {
  app.get<{ Querystring: { next?: string; reason?: string } }>('/login', async (request, reply) => {
    const next = safeNext(request.query.next);
    // After "your session expired" the form is shown whatever the cookie says, like real sites.
    const sessionExpired = request.query.reason === SESSION_EXPIRED_REASON;
    if (!sessionExpired && sessionOf(ctx, request)) return reply.redirect(next ?? '/upload', 302);
    // Reuse the pre-session token so two open login tabs both keep working.
    let csrf = request.cookies[LOGIN_CSRF_COOKIE];
    if (!csrf || !/^[A-Za-z0-9_-]{32,64}$/.test(csrf)) {
      csrf = randomToken(24);
      reply.setCookie(LOGIN_CSRF_COOKIE, csrf, { httpOnly: true, sameSite: 'lax', path: '/' });
    }
    return reply.type('text/html; charset=utf-8').send(loginPage({ csrf, next, sessionExpired }));
  });

  app.post('/login', async (request, reply) => {
    const body = request.body;
    const cookieCsrf = request.cookies[LOGIN_CSRF_COOKIE];
    if (!tokensMatch(cookieCsrf, field(body, 'csrf'))) {
      return reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(messagePage(null, 'Token CSRF inválido', 'Token CSRF inválido. Recarga la página e inténtalo de nuevo.'));
    }
    const next = safeNext(field(body, 'next'));
    const username = normalizeUsername(field(body, 'username') ?? '');
    const password = field(body, 'password') ?? '';
    const user = username ? ctx.store.getUser(username) : undefined;
    if (!(await verifyPassword(user, password))) {
      return reply
        .code(401)
        .type('text/html; charset=utf-8')
        .send(loginPage({ csrf: cookieCsrf!, next, username, error: 'Usuario o contraseña incorrectos' }));
    }
    await startSession(reply, ctx.store, user!.username);
    return reply.redirect(next ?? '/upload', 303);
  });

  // No CSRF token here: SameSite=Lax already keeps cross-site POSTs from carrying the
  // cookie, and a forced logout is harmless.
  app.post('/logout', async (request, reply) => {
    const current = sessionOf(ctx, request);
    if (current) await ctx.store.deleteSession(current.key);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });

  // Answer to the captcha interstitial (fault-pages.ts): a human ticks the box and goes on.
  app.post('/challenge', async (request, reply) => {
    const current = sessionOf(ctx, request);
    if (!current) return reply.redirect('/login', 303);
    const viewer = { username: current.user.username, displayName: current.user.displayName };
    if (!tokensMatch(field(request.body, 'csrf'), current.session.csrf)) {
      return reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(messagePage(viewer, 'Token CSRF inválido', 'Token CSRF inválido. Recarga la página e inténtalo de nuevo.'));
    }
    const next = safeNext(field(request.body, 'next')) ?? '/upload';
    if (field(request.body, 'human') !== '1') {
      return reply.code(400).type('text/html; charset=utf-8').send(captchaPage({ viewer, csrf: current.session.csrf, next }));
    }
    return reply.redirect(next, 303);
  });
}
