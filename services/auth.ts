/**
 * Who may use the console. The admin password (ADMIN_PASSWORD, or the hash stored once the admin changed it)
 * is checked with the asynchronous scrypt, so a login never blocks the event loop; dashboard sessions live in
 * the database (the cookie carries a random token, the table its SHA-256) and end at once when revoked; named
 * API tokens are shown once and stored as SHA-256. HTTP concerns (cookies, limits, CSRF) stay in api/.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { AppConfig } from '../config.js';
import {
  findActiveApiTokenByHash, findActiveApiTokenByName, findLiveAdminSession, getAdminSession, getApiToken, insertAdminSession,
  insertApiToken, listApiTokens, listLiveAdminSessions, lockApiTokenNames, readAdminPasswordHash, revokeAdminSession,
  revokeApiToken, revokeOtherAdminSessions, storeAdminPasswordHash, touchAdminSession, touchApiToken,
} from '../db/auth.js';
import { inTransaction, type Db } from '../db/client.js';
import { recordEvent } from '../db/events.js';
import type { AdminSession, ApiToken } from '../db/schema.js';
import { ServiceError } from './errors.js';

export interface AuthDeps {
  db: Db;
  config: Pick<AppConfig, 'adminPasswordHash' | 'adminPasswordSalt' | 'apiToken'>;
}

/** How long a dashboard session lasts after login. */
export const sessionTtlMs = 7 * 24 * 3600 * 1000;

/** Node's `crypto.scrypt`, promisified: it runs on libuv's thread pool, not on the event loop. */
function scryptAsync(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** The parameters of ADMIN_PASSWORD's start-up hash (config.ts hashPassword: Node's defaults). */
const envHashParams = { N: 16384, r: 8, p: 1 } as const;
/** New stored hashes: twice the work of the defaults (32 MiB); maxmem leaves room for it. */
const storedHashParams = { N: 32768, r: 8, p: 1 } as const;
const maxmem = 256 * 1024 * 1024;

/** A stored password hash: `scrypt$N$r$p$<salt base64>$<hash base64>`. */
export async function hashAdminPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = storedHashParams;
  const key = await scryptAsync(password, salt, 32, { N, r, p, maxmem });
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Compares `candidate` with a stored hash in constant time; false for a hash it cannot read. */
export async function verifyStoredPassword(stored: string, candidate: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scryptAsync(candidate, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** The admin password: the stored hash once it was changed from the dashboard, else ADMIN_PASSWORD. */
export async function verifyAdminPassword(deps: AuthDeps, candidate: string): Promise<boolean> {
  const stored = await readAdminPasswordHash(deps.db);
  if (stored) return verifyStoredPassword(stored, candidate);
  const { adminPasswordHash, adminPasswordSalt } = deps.config;
  const key = await scryptAsync(candidate, adminPasswordSalt, adminPasswordHash.length, { ...envHashParams, maxmem });
  return timingSafeEqual(key, adminPasswordHash);
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** "Chrome 131 · Linux": enough to tell sessions apart in the list (never used to authenticate). */
export function shortUserAgent(userAgent: string | undefined): string | null {
  if (!userAgent) return null;
  const browsers: [RegExp, string][] = [
    [/Edg\/(\d+)/, 'Edge'], [/OPR\/(\d+)/, 'Opera'], [/Firefox\/(\d+)/, 'Firefox'], [/(?:Chrome|Chromium)\/(\d+)/, 'Chrome'],
    [/Version\/(\d+)[\d.]* .*Safari\//, 'Safari'], [/^curl\/(\d+)/, 'curl'], [/^node/, 'Node.js'],
  ];
  const systems: [RegExp, string][] = [
    [/Android/, 'Android'], [/iPhone|iPad/, 'iOS'], [/Windows/, 'Windows'], [/Mac OS X|Macintosh/, 'macOS'], [/CrOS/, 'ChromeOS'], [/Linux/, 'Linux'],
  ];
  const browser = browsers.find(([pattern]) => pattern.test(userAgent));
  const system = systems.find(([pattern]) => pattern.test(userAgent));
  if (!browser && !system) return userAgent.slice(0, 80);
  const version = browser ? browser[0].exec(userAgent)?.[1] : undefined;
  const name = browser ? `${browser[1]}${version ? ` ${version}` : ''}` : undefined;
  return [name, system?.[1]].filter(Boolean).join(' · ');
}

// ---- sessions -------------------------------------------------------------------------------------------

/** A new session: the cookie gets `token` (32 random bytes), the table only its SHA-256. */
export async function startAdminSession(
  deps: AuthDeps,
  client: { userAgent?: string; ipAddress?: string },
): Promise<{ token: string; session: AdminSession }> {
  const token = randomBytes(32).toString('base64url');
  const session = await insertAdminSession(deps.db, {
    tokenHash: sha256(token),
    ttlMs: sessionTtlMs,
    userAgent: shortUserAgent(client.userAgent),
    ipAddress: client.ipAddress?.slice(0, 64) ?? null,
  });
  return { token, session };
}

/** The live session of a cookie's token (seen now, written at most once a minute), or undefined. */
export async function sessionForToken(deps: Pick<AuthDeps, 'db'>, token: string): Promise<AdminSession | undefined> {
  const session = await findLiveAdminSession(deps.db, sha256(token));
  if (session) await touchAdminSession(deps.db, session);
  return session;
}

/** Logout: the session ends at once. */
export async function endAdminSession(deps: Pick<AuthDeps, 'db'>, sessionId: string, actor: string): Promise<void> {
  await inTransaction(deps.db, async (tx) => {
    const revoked = await revokeAdminSession(tx, sessionId);
    if (revoked) await recordEvent(tx, 'admin_session_revoked', { sessionId, reason: 'logout' }, { actor });
  });
}

const encodeCursor = (id: string) => Buffer.from(id).toString('base64url');
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!uuidPattern.test(id)) throw new ServiceError('invalid', 'invalid_cursor', 'cursor: not a cursor of this list', { fields: { cursor: 'not a cursor of this list' } });
  return id;
}

/** One page plus the cursor of the next (fetches one row more than asked to know whether there is one). */
async function paged<T extends { id: string }>(limit: number, fetch: (limit: number) => Promise<T[]>): Promise<{ items: T[]; nextCursor: string | null }> {
  const rows = await fetch(limit + 1);
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items.at(-1)!.id) : null };
}

/** Active sessions, newest first. */
export async function listAdminSessions(deps: Pick<AuthDeps, 'db'>, page: { limit?: number; cursor?: string }) {
  const afterId = decodeCursor(page.cursor);
  return paged(page.limit ?? 50, (limit) => listLiveAdminSessions(deps.db, { limit, afterId }));
}

/** Revokes a session from the list (it ends at once); 404 for an unknown id, a no-op when it had already ended. */
export async function revokeAdminSessionById(deps: Pick<AuthDeps, 'db'>, id: string, actor: string): Promise<AdminSession> {
  return inTransaction(deps.db, async (tx) => {
    const existing = await getAdminSession(tx, id);
    if (!existing) throw new ServiceError('not_found', 'session_not_found', `session ${id} does not exist`);
    const revoked = await revokeAdminSession(tx, id);
    if (revoked) await recordEvent(tx, 'admin_session_revoked', { sessionId: id, reason: 'revoked' }, { actor });
    return revoked ?? existing;
  });
}

/**
 * A new admin password (stored hashed; from then on it wins over ADMIN_PASSWORD). Every other session ends at
 * once; the one that asked stays. A wrong current password changes nothing.
 */
export async function changeAdminPassword(
  deps: AuthDeps,
  change: { currentPassword: string; newPassword: string },
  by: { actor: string; sessionId?: string },
): Promise<{ revokedSessions: number }> {
  if (!(await verifyAdminPassword(deps, change.currentPassword))) {
    throw new ServiceError('invalid', 'wrong_password', 'currentPassword: not the current password', { fields: { currentPassword: 'not the current password' } });
  }
  const passwordHash = await hashAdminPassword(change.newPassword);
  return inTransaction(deps.db, async (tx) => {
    await storeAdminPasswordHash(tx, passwordHash);
    const revoked = await revokeOtherAdminSessions(tx, by.sessionId);
    for (const sessionId of revoked) {
      await recordEvent(tx, 'admin_session_revoked', { sessionId, reason: 'password_changed' }, { actor: by.actor });
    }
    await recordEvent(tx, 'admin_password_changed', { revokedSessions: revoked.length }, { actor: by.actor });
    return { revokedSessions: revoked.length };
  });
}

// ---- API tokens -----------------------------------------------------------------------------------------

/** The actor for the events of API_TOKEN from the environment. */
export const envTokenActor = 'api';

/**
 * Who a bearer token is: `api` for API_TOKEN from the environment, the name of an unrevoked named token
 * (its last use written at most once a minute), or undefined.
 */
export async function actorForBearer(deps: AuthDeps, token: string): Promise<string | undefined> {
  const hash = sha256(token);
  if (timingSafeEqual(Buffer.from(hash, 'hex'), Buffer.from(sha256(deps.config.apiToken), 'hex'))) return envTokenActor;
  const named = await findActiveApiTokenByHash(deps.db, hash);
  if (!named) return undefined;
  await touchApiToken(deps.db, named);
  return named.name;
}

/** A new named token; its value is returned here once and never again. 409 while an active token has the name. */
export async function createApiToken(deps: Pick<AuthDeps, 'db'>, name: string, actor: string): Promise<{ token: string; row: ApiToken }> {
  const trimmed = name.trim();
  if (!trimmed) throw new ServiceError('invalid', 'invalid_request', 'name: must not be blank', { fields: { name: 'must not be blank' } });
  // A prefix says what the secret is when it turns up in a log or a paste.
  const token = `trf_${randomBytes(32).toString('base64url')}`;
  const row = await inTransaction(deps.db, async (tx) => {
    await lockApiTokenNames(tx);
    if (await findActiveApiTokenByName(tx, trimmed)) {
      throw new ServiceError('conflict', 'token_name_taken', `name: an active token is already called "${trimmed}"`, { fields: { name: 'an active token already has this name' } });
    }
    const created = await insertApiToken(tx, { name: trimmed, tokenHash: sha256(token) });
    await recordEvent(tx, 'api_token_created', { name: trimmed }, { actor });
    return created;
  });
  return { token, row };
}

/** Every token (revoked ones too), newest first, optionally those whose name contains `q`. */
export async function listApiTokenPage(deps: Pick<AuthDeps, 'db'>, page: { limit?: number; cursor?: string; q?: string }) {
  const afterId = decodeCursor(page.cursor);
  return paged(page.limit ?? 50, (limit) => listApiTokens(deps.db, { limit, afterId, q: page.q }));
}

/** Revokes a token: the next request with it is refused. 404 for an unknown id; a no-op when already revoked. */
export async function revokeApiTokenById(deps: Pick<AuthDeps, 'db'>, id: string, actor: string): Promise<ApiToken> {
  return inTransaction(deps.db, async (tx) => {
    const existing = await getApiToken(tx, id);
    if (!existing) throw new ServiceError('not_found', 'token_not_found', `token ${id} does not exist`);
    const revoked = await revokeApiToken(tx, id);
    if (revoked) await recordEvent(tx, 'api_token_revoked', { name: revoked.name }, { actor });
    return revoked ?? existing;
  });
}
