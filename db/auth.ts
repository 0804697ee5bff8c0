/**
 * Who may use the console: dashboard sessions (admin_sessions), named API tokens (api_tokens) and the admin
 * password once changed (admin_credentials). Tokens are stored only as SHA-256 hex; callers hash.
 * Lists page by keyset on (created_at, id), newest first; the cursor is the last row's id.
 */
import { and, desc, eq, gt, ilike, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { adminCredentials, adminSessions, apiTokens, type AdminSession, type ApiToken } from './schema.js';

/** How stale `last_seen_at` / `last_used_at` may get before a request writes it again. */
const touchEveryMs = 60_000;

/** `%`, `_` and `\` as themselves in a LIKE pattern (backslash is PostgreSQL's default escape). */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

// ---- sessions -------------------------------------------------------------------------------------------

/** A new session that expires `ttlMs` after its creation (both on the database's clock). */
export async function insertAdminSession(
  db: Db,
  row: { tokenHash: string; ttlMs: number; userAgent: string | null; ipAddress: string | null },
): Promise<AdminSession> {
  const { ttlMs, ...values } = row;
  const [session] = await db.insert(adminSessions)
    .values({ ...values, expiresAt: sql`now() + ${ttlMs} * interval '1 millisecond'` })
    .returning();
  return session!;
}

/** The session a cookie's token hash names, if it is neither revoked nor expired. */
export async function findLiveAdminSession(db: Db, tokenHash: string): Promise<AdminSession | undefined> {
  const [session] = await db.select().from(adminSessions)
    .where(and(eq(adminSessions.tokenHash, tokenHash), isNull(adminSessions.revokedAt), gt(adminSessions.expiresAt, sql`now()`)))
    .limit(1);
  return session;
}

/** Marks the session seen now, unless it was within the last minute (so a busy page writes once a minute). */
export async function touchAdminSession(db: Db, session: Pick<AdminSession, 'id' | 'lastSeenAt'>): Promise<void> {
  if (Date.now() - session.lastSeenAt.getTime() < touchEveryMs) return;
  await db.update(adminSessions).set({ lastSeenAt: sql`now()` })
    .where(and(eq(adminSessions.id, session.id), lt(adminSessions.lastSeenAt, sql`now() - interval '1 minute'`)));
}

/** Keyset condition "after the row `cursorId`" for newest-first lists of `table` ordered by (created_at, id). */
function before(table: typeof adminSessions | typeof apiTokens, cursorId: string | undefined): SQL | undefined {
  if (!cursorId) return undefined;
  return sql`(${table.createdAt}, ${table.id}) < (select c.created_at, c.id from ${table} c where c.id = ${cursorId})`;
}

export async function listLiveAdminSessions(db: Db, page: { limit: number; afterId?: string }): Promise<AdminSession[]> {
  return db.select().from(adminSessions)
    .where(and(isNull(adminSessions.revokedAt), gt(adminSessions.expiresAt, sql`now()`), before(adminSessions, page.afterId)))
    .orderBy(desc(adminSessions.createdAt), desc(adminSessions.id))
    .limit(page.limit);
}

export async function getAdminSession(db: Db, id: string): Promise<AdminSession | undefined> {
  const [session] = await db.select().from(adminSessions).where(eq(adminSessions.id, id)).limit(1);
  return session;
}

/** Revokes one session; undefined when it was already revoked (or does not exist). */
export async function revokeAdminSession(db: Db, id: string): Promise<AdminSession | undefined> {
  const [session] = await db.update(adminSessions).set({ revokedAt: sql`now()` })
    .where(and(eq(adminSessions.id, id), isNull(adminSessions.revokedAt)))
    .returning();
  return session;
}

/** Revokes every live session but `keepId` (all of them without one); returns the ids it ended. */
export async function revokeOtherAdminSessions(db: Db, keepId: string | undefined): Promise<string[]> {
  const rows = await db.update(adminSessions).set({ revokedAt: sql`now()` })
    .where(and(isNull(adminSessions.revokedAt), gt(adminSessions.expiresAt, sql`now()`), keepId ? ne(adminSessions.id, keepId) : undefined))
    .returning({ id: adminSessions.id });
  return rows.map((r) => r.id);
}

// ---- the admin password --------------------------------------------------------------------------------

/** The stored password hash (`scrypt$N$r$p$salt$hash`), or undefined while ADMIN_PASSWORD from the environment applies. */
export async function readAdminPasswordHash(db: Db): Promise<string | undefined> {
  const [row] = await db.select({ passwordHash: adminCredentials.passwordHash }).from(adminCredentials).where(eq(adminCredentials.id, 1)).limit(1);
  return row?.passwordHash;
}

export async function storeAdminPasswordHash(db: Db, passwordHash: string): Promise<void> {
  await db.insert(adminCredentials).values({ id: 1, passwordHash })
    .onConflictDoUpdate({ target: adminCredentials.id, set: { passwordHash, updatedAt: sql`now()` } });
}

// ---- named API tokens ----------------------------------------------------------------------------------

/**
 * Serialises token creation for the rest of the transaction, so two requests with the same name cannot both
 * find it free (there is no unique index on active names: revoked tokens keep theirs).
 */
export async function lockApiTokenNames(db: Db): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext('api_tokens.name'))`);
}

export async function findActiveApiTokenByName(db: Db, name: string): Promise<ApiToken | undefined> {
  const [token] = await db.select().from(apiTokens).where(and(eq(apiTokens.name, name), isNull(apiTokens.revokedAt))).limit(1);
  return token;
}

export async function insertApiToken(db: Db, row: { name: string; tokenHash: string }): Promise<ApiToken> {
  const [token] = await db.insert(apiTokens).values(row).returning();
  return token!;
}

export async function findActiveApiTokenByHash(db: Db, tokenHash: string): Promise<ApiToken | undefined> {
  const [token] = await db.select().from(apiTokens).where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt))).limit(1);
  return token;
}

/** Marks the token used now, unless it was within the last minute. */
export async function touchApiToken(db: Db, token: Pick<ApiToken, 'id' | 'lastUsedAt'>): Promise<void> {
  if (token.lastUsedAt && Date.now() - token.lastUsedAt.getTime() < touchEveryMs) return;
  await db.update(apiTokens).set({ lastUsedAt: sql`now()` })
    .where(and(eq(apiTokens.id, token.id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, sql`now() - interval '1 minute'`))));
}

export async function listApiTokens(db: Db, page: { limit: number; afterId?: string; q?: string }): Promise<ApiToken[]> {
  const q = page.q?.trim();
  return db.select().from(apiTokens)
    .where(and(q ? ilike(apiTokens.name, `%${likeLiteral(q)}%`) : undefined, before(apiTokens, page.afterId)))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id))
    .limit(page.limit);
}

export async function getApiToken(db: Db, id: string): Promise<ApiToken | undefined> {
  const [token] = await db.select().from(apiTokens).where(eq(apiTokens.id, id)).limit(1);
  return token;
}

/** Revokes the token; undefined when it was already revoked (or does not exist). */
export async function revokeApiToken(db: Db, id: string): Promise<ApiToken | undefined> {
  const [token] = await db.update(apiTokens).set({ revokedAt: sql`now()` })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .returning();
  return token;
}
