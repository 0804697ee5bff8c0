/**
 * The admin's own sessions and password (behind auth): list the active dashboard sessions, revoke one (it
 * ends at once), and change the password (every other session ends at once). Login and logout are public and
 * live in plugins/auth.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AdminSessionList, AdminSessionQuery, LoginLimited, PasswordChange, PasswordChanged, RevokedSession, type AdminSessionView,
} from '../../contracts/api/auth.js';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import type { AdminSession } from '../../db/schema.js';
import { changeAdminPassword, listAdminSessions, revokeAdminSessionById } from '../../services/auth.js';
import { tags } from '../route-docs.js';

function sessionView(session: AdminSession, currentId: string | undefined): AdminSessionView {
  return {
    id: session.id,
    createdAt: session.createdAt.toISOString(),
    lastSeenAt: session.lastSeenAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    userAgent: session.userAgent,
    ipAddress: session.ipAddress,
    current: session.id === currentId,
  };
}

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, config } = app.deps;

  app.get(
    '/api/auth/sessions',
    {
      schema: {
        tags: [tags.auth],
        summary: 'Active dashboard sessions (not revoked, not expired), newest first; `current` marks the caller\'s',
        querystring: AdminSessionQuery,
        response: { 200: AdminSessionList, ...errorReplies },
      },
    },
    async (request) => {
      const page = await listAdminSessions({ db }, request.query);
      return { items: page.items.map((s) => sessionView(s, request.adminSessionId)), nextCursor: page.nextCursor };
    },
  );

  app.delete(
    '/api/auth/sessions/:id',
    {
      schema: {
        tags: [tags.auth],
        summary: 'Revoke a dashboard session: its next request is refused (401, or the login page)',
        description: 'Answers the session with its `revokedAt`; revoking one that already ended changes nothing.',
        params: IdParams,
        response: { 200: RevokedSession, ...errorReplies },
      },
    },
    async (request) => {
      const session = await revokeAdminSessionById({ db }, request.params.id, request.actor);
      return { id: session.id, revokedAt: (session.revokedAt ?? new Date()).toISOString() };
    },
  );

  app.post(
    '/api/auth/password',
    {
      schema: {
        tags: [tags.auth],
        summary: 'Change the admin password; every other session ends at once',
        description:
          'Stored as a scrypt hash; from then on it wins over ADMIN_PASSWORD. A wrong `currentPassword` → 400 `wrong_password` naming ' +
          'the field, and counts as a wrong login try (429 after too many, like the login form).',
        body: PasswordChange,
        response: { 200: PasswordChanged, 429: LoginLimited, ...errorReplies },
      },
    },
    async (request, reply) => {
      let outcome: Awaited<ReturnType<typeof changeAdminPassword>> | undefined;
      let failure: unknown;
      const result = await app.loginAttempts.guard(request, async () => {
        try {
          outcome = await changeAdminPassword({ db, config }, request.body, { actor: request.actor, sessionId: request.adminSessionId });
          return true;
        } catch (error) {
          failure = error;
          return (error as { code?: string }).code !== 'wrong_password';
        }
      });
      if ('retryAfterSeconds' in result) {
        reply.header('retry-after', String(result.retryAfterSeconds));
        return reply.code(429).send({
          error: 'too_many_attempts', message: `too many wrong passwords; try again in ${result.retryAfterSeconds} s`, retryAfterSeconds: result.retryAfterSeconds,
        });
      }
      if (failure) throw failure;
      return outcome!;
    },
  );
};
