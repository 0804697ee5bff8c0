// Passwords, session ids, CSRF tokens and the login `next` parameter.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DemoStore, Session, User } from './store.js';

export const SESSION_COOKIE = 'demo_session';
export const LOGIN_CSRF_COOKIE = 'demo_csrf';
export const SESSION_MAX_AGE_S = 30 * 24 * 60 * 60;

const KEY_LEN = 64;

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LEN, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<{ passwordSalt: string; passwordHash: string }> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return { passwordSalt: salt.toString('hex'), passwordHash: key.toString('hex') };
}

// Used for unknown usernames so a wrong user and a wrong password take the same time.
const DUMMY_SALT = randomBytes(16);

export async function verifyPassword(user: User | undefined, password: string): Promise<boolean> {
  if (!user) {
    await scryptAsync(password, DUMMY_SALT);
    return false;
  }
  const key = await scryptAsync(password, Buffer.from(user.passwordSalt, 'hex'));
  const expected = Buffer.from(user.passwordHash, 'hex');
  return expected.length === key.length && timingSafeEqual(expected, key);
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Constant-time compare of two tokens; empty or missing never matches. */
export function tokensMatch(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** The store keys sessions by a hash of the cookie value, never the value itself. */
export function sessionKey(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

export interface CurrentSession {
  key: string;
  session: Session;
  user: User;
}

/** The valid session behind the request's cookie, or null. Expiry follows the wall clock like the cookie's Max-Age. */
export function currentSession(request: FastifyRequest, store: DemoStore): CurrentSession | null {
  const id = request.cookies[SESSION_COOKIE];
  if (!id) return null;
  const key = sessionKey(id);
  const session = store.getSession(key, Date.now());
  if (!session) return null;
  const user = store.getUser(session.username);
  if (!user) return null;
  return { key, session, user };
}

export async function startSession(reply: FastifyReply, store: DemoStore, username: string): Promise<void> {
  const id = randomToken(32);
  const now = Date.now();
  await store.putSession(sessionKey(id), {
    username,
    csrf: randomToken(24),
    createdAt: now,
    expiresAt: now + SESSION_MAX_AGE_S * 1000,
  });
  reply.setCookie(SESSION_COOKIE, id, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: SESSION_MAX_AGE_S,
  });
}

/** Usernames are case-insensitive and may be typed with a leading "@", like on real sites. */
export function normalizeUsername(raw: string): string {
  return raw.trim().replace(/^@/, '').toLowerCase();
}

/** Only same-site paths are allowed as a post-login target (no open redirects). */
export function safeNext(next: unknown): string | null {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//')) return null;
  if ([...next].some((c) => c === '\\' || c.charCodeAt(0) < 0x20)) return null;
  try {
    const base = 'http://demo.invalid';
    const url = new URL(next, base);
    if (url.origin !== base) return null;
    return url.pathname + url.search;
  } catch {
    return null;
  }
}

export function loginRedirect(request: FastifyRequest): string {
  return `/login?next=${encodeURIComponent(request.url)}`;
}

/** `?reason=` of a login redirect caused by a session cookie the site no longer accepts. */
export const SESSION_EXPIRED_REASON = 'session_expired';

/** Where a request whose session cookie is not (or no longer) accepted is sent. */
export function sessionExpiredRedirect(request: FastifyRequest): string {
  return `${loginRedirect(request)}&reason=${SESSION_EXPIRED_REASON}`;
}
