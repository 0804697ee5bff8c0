/**
 * The dashboard session: a plain HTML form posts the admin password; the answer is a redirect with a session
 * cookie (a random token; the server keeps only its SHA-256). Sessions are listed and revoked here, and the
 * password changed. Pure: `safeNext` is shared by the API and the login page.
 */
import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Nullable, Page, PageQuery } from './common.js';

export { safeNext } from './safe-next.js';

export const LoginForm = Type.Object({
  password: Type.String({ maxLength: 1000 }),
  /** A local path to go to after login; anything else goes to `/`. */
  next: Type.Optional(Type.String({ maxLength: 2000 })),
});
export type LoginForm = Static<typeof LoginForm>;

/** What a refused login answers to clients that do not ask for HTML (the HTML form goes back to /login?error=limited). */
export const LoginLimited = Type.Object(
  {
    error: Type.Literal('too_many_attempts'),
    message: Type.String(),
    retryAfterSeconds: Type.Integer({ description: 'the same as the Retry-After header' }),
  },
  { description: 'Too many wrong passwords from this address (or from everywhere): try again after Retry-After seconds' },
);
export type LoginLimited = Static<typeof LoginLimited>;

/** One signed-in dashboard session (never its token). */
export const AdminSessionView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  createdAt: IsoTime,
  lastSeenAt: IsoTime,
  expiresAt: IsoTime,
  userAgent: Nullable(Type.String({ description: 'shortened, e.g. "Chrome 131 · Linux"' })),
  ipAddress: Nullable(Type.String()),
  current: Type.Boolean({ description: 'the session this request came with' }),
});
export type AdminSessionView = Static<typeof AdminSessionView>;

/** Active sessions (not revoked, not expired), newest first. */
export const AdminSessionList = Page(AdminSessionView);
export type AdminSessionList = Static<typeof AdminSessionList>;

export const AdminSessionQuery = Type.Object({ ...PageQuery });
export type AdminSessionQuery = Static<typeof AdminSessionQuery>;

/** What revoking a session answers. */
export const RevokedSession = Type.Object({ id: Type.String({ format: 'uuid' }), revokedAt: IsoTime });
export type RevokedSession = Static<typeof RevokedSession>;

export const PasswordChange = Type.Object({
  currentPassword: Type.String({ minLength: 1, maxLength: 1000 }),
  newPassword: Type.String({ minLength: 8, maxLength: 200 }),
});
export type PasswordChange = Static<typeof PasswordChange>;

export const PasswordChanged = Type.Object({
  revokedSessions: Type.Integer({ description: 'the other sessions that ended with the change' }),
});
export type PasswordChanged = Static<typeof PasswordChanged>;
