/**
 * The web layer that holds (issue 11 part 7) on the real stack (PostgreSQL, the built dashboard): the login
 * limit (per address and overall, wrong passwords only), server-side sessions that end at once (logout,
 * revocation, password change), CSRF on every cookie-authenticated unsafe request, `next` that never leaves
 * the origin, the security headers, named API tokens, and the password checked with the asynchronous scrypt.
 */
import * as crypto from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { safeNext } from '../contracts/api/auth.js';
import { adminCredentials, adminSessions, apiTokens, platformAccounts, systemEvents } from '../db/schema.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

// Counts every scrypt call of the app (it runs in this process): logins must use the async one only.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  const scrypt = vi.fn(actual.scrypt);
  const scryptSync = vi.fn(actual.scryptSync);
  return { ...actual, scrypt, scryptSync, default: { ...actual, scrypt, scryptSync } };
});

/** Short enough to wait out in a test; the defaults (10 per address, 100 overall, 15 min) are checked in config. */
const windowSeconds = 10;
const maxTotal = 30;
/** PUBLIC_URL as a TLS proxy would serve it: an Origin of it passes although the Host is the test's 127.0.0.1. */
const publicUrl = 'https://console.example';
const chromeUa = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let stack: TestStack;
const db = () => stack.app.db.db;

beforeAll(async () => {
  stack = await startTestStack({
    embedded: false,
    role: 'web',
    env: { LOGIN_FAILURE_WINDOW: `${windowSeconds}s`, LOGIN_MAX_FAILURES_TOTAL: String(maxTotal), PUBLIC_URL: publicUrl },
  });
});
afterAll(async () => {
  // Other test files share the database and log in with ADMIN_PASSWORD.
  if (stack) await db().delete(adminCredentials);
  await stack?.close();
});

function login(password: string, opts: { next?: string; headers?: Record<string, string> } = {}) {
  return fetch(`${stack.url}/api/auth/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...opts.headers },
    body: new URLSearchParams({ password, ...(opts.next !== undefined ? { next: opts.next } : {}) }),
  });
}

async function cookieFor(password = stack.adminPassword, headers: Record<string, string> = {}): Promise<string> {
  const response = await login(password, { headers });
  expect(response.status).toBe(303);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('trafico_session='));
  expect(cookie, 'a session cookie').toBeTruthy();
  return cookie!.split(';')[0]!;
}

/** Through Fastify's inject, as another client address (the limit is per address). */
function loginFrom(remoteAddress: string, password: string) {
  return stack.app.api!.inject({
    method: 'POST', url: '/api/auth/login', remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ password }).toString(),
  });
}

const wrong = 'not-the-password';
const api = (path: string, init: RequestInit = {}) => fetch(`${stack.url}${path}`, { redirect: 'manual', ...init });

/** The id of the session a cookie carries, as the API lists it. */
async function sessionIdOf(cookie: string): Promise<string> {
  const { items } = (await (await api('/api/auth/sessions?limit=200', { headers: { cookie } })).json()) as { items: { id: string; current: boolean }[] };
  return items.find((s) => s.current)!.id;
}

async function eventsOfKind(kind: string) {
  return db().select().from(systemEvents).where(sql`${systemEvents.type} = ${kind}`).orderBy(systemEvents.id);
}

describe('login limit', () => {
  it('11 wrong passwords from one address: the 11th is 429 with Retry-After, and so is the right one until the window ends', async () => {
    for (let i = 1; i <= 10; i++) {
      const response = await login(wrong);
      expect(response.status, `try ${i}`).toBe(303);
      expect(response.headers.get('location')).toMatch(/^\/login\?error=1/);
    }
    const eleventh = await login(wrong);
    expect(eleventh.status).toBe(429);
    const retryAfter = Number(eleventh.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
    expect(await eleventh.json()).toEqual({ error: 'too_many_attempts', message: expect.any(String), retryAfterSeconds: retryAfter });

    const right = await login(stack.adminPassword);
    expect(right.status).toBe(429);
    expect(right.headers.getSetCookie()).toEqual([]);
    // The HTML form goes back to the login page, which says why.
    const form = await login(stack.adminPassword, { headers: { accept: 'text/html,application/xhtml+xml' }, next: '/accounts' });
    expect(form.status).toBe(303);
    expect(form.headers.get('location')).toMatch(/^\/login\?error=limited&retryAfter=\d+&next=%2Faccounts$/);
    expect(form.headers.get('retry-after')).toMatch(/^\d+$/);
    const page = await (await api(form.headers.get('location')!)).text();
    expect(page).toContain('data-testid="login-limited"');
    expect(page).toMatch(/Demasiados intentos fallidos\. Vuelve a intentarlo dentro de \d+ min\./);

    // Another address is not limited by this one's failures.
    const elsewhere = await loginFrom('10.9.8.7', stack.adminPassword);
    expect(elsewhere.statusCode).toBe(303);
    expect(elsewhere.headers.location).toBe('/');

    // Once the window has passed, the right password works again.
    await waitFor(async () => (await login(stack.adminPassword)).status === 303, { what: 'the login window to pass', timeoutMs: (windowSeconds + 10) * 1000, intervalMs: 1000 });
  });

  it('caps wrong passwords from everywhere together', async () => {
    // 3 addresses × 9 + 3 = 30 wrong tries, none of them over the per-address limit.
    let sent = 0;
    for (let a = 1; sent < maxTotal; a++) {
      for (let i = 0; i < 9 && sent < maxTotal; i++, sent++) {
        expect((await loginFrom(`10.20.0.${a}`, wrong)).statusCode).toBe(303);
      }
    }
    const fresh = await loginFrom('10.30.0.1', stack.adminPassword);
    expect(fresh.statusCode).toBe(429);
    expect(Number(fresh.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await waitFor(async () => (await loginFrom('10.30.0.1', stack.adminPassword)).statusCode === 303, {
      what: 'the overall window to pass', timeoutMs: (windowSeconds + 10) * 1000, intervalMs: 1000,
    });
  });

  it('parallel wrong guesses cannot slip past the limit', async () => {
    const answers = await Promise.all(Array.from({ length: 25 }, () => loginFrom('10.40.0.1', wrong)));
    expect(answers.filter((a) => a.statusCode === 303).length).toBeLessThanOrEqual(10);
    expect(answers.filter((a) => a.statusCode === 429).length).toBeGreaterThanOrEqual(15);
  });
});

describe('next after login', () => {
  const offSite = [
    '//evil.example', '/\\evil.example', '/%09/evil.example', '/%5Cevil.example', '/%5cevil.example', '/\t/evil.example',
    '/\n/evil.example', '/%0A/evil.example', '/%0d%0a/evil.example', '/ /evil.example'.replace(' ', '\u0000'),
    'https://evil.example/', 'http:evil.example', '\\\\evil.example', '/.//evil.example', '/x/../..//evil.example',
    '/%2F/evil.example', '/%2f%2fevil.example', '///evil.example', 'javascript:alert(1)', '', '%2F%2Fevil.example',
  ];

  it('keeps same-origin paths and sends everything else to /', () => {
    for (const next of offSite) expect(safeNext(next), JSON.stringify(next)).toBe('/');
    expect(safeNext('/accounts')).toBe('/accounts');
    expect(safeNext('/accounts?q=a%20b&status=paused#row')).toBe('/accounts?q=a%20b&status=paused#row');
    expect(safeNext('/publications/./x/../y')).toBe('/publications/y');
    expect(safeNext(undefined)).toBe('/');
    expect(safeNext(42)).toBe('/');
  });

  it('never redirects off the origin after a real login', async () => {
    for (const next of offSite) {
      const response = await login(stack.adminPassword, { next });
      expect(response.status, JSON.stringify(next)).toBe(303);
      const location = response.headers.get('location')!;
      expect(location, JSON.stringify(next)).toBe('/');
      expect(new URL(location, stack.url).origin).toBe(new URL(stack.url).origin);
    }
    const kept = await login(stack.adminPassword, { next: '/accounts?q=a%20b' });
    expect(kept.headers.get('location')).toBe('/accounts?q=a%20b');
    // A wrong password goes back to the login page with the cleaned `next` only.
    const failed = await login(wrong, { next: '/%09/evil.example' });
    expect(failed.headers.get('location')).toBe('/login?error=1&next=%2F');
  });

  it('the login page does not carry an off-site next into its form', async () => {
    for (const next of ['/%09/evil.example', '//evil.example', '/%5Cevil.example']) {
      const html = await (await api(`/login?next=${encodeURIComponent(next)}`)).text();
      expect(html).toContain('action="/api/auth/login"');
      expect(html).not.toMatch(/name="next"/);
    }
    const html = await (await api(`/login?next=${encodeURIComponent('/accounts')}`)).text();
    expect(html).toMatch(/name="next" value="\/accounts"/);
  });
});

describe('security headers', () => {
  function expectHeaders(response: Response) {
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    return csp;
  }

  it('on dashboard pages (SvelteKit\'s CSP with a nonce for its inline script)', async () => {
    const loginPage = await api('/login');
    expect(loginPage.status).toBe(200);
    const csp = expectHeaders(loginPage);
    const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce, csp).toBeTruthy();
    expect(await loginPage.text()).toContain(`<script nonce="${nonce}">`);

    const cookie = await cookieFor();
    const settings = await api('/settings', { headers: { cookie } });
    expect(settings.status).toBe(200);
    expectHeaders(settings);
  });

  it('on API answers, errors, redirects and assets (helmet), with HSTS behind https', async () => {
    const listed = await api('/api/tokens', { headers: { authorization: `Bearer ${stack.apiToken}` } });
    expect(listed.status).toBe(200);
    const csp = expectHeaders(listed);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain('upgrade-insecure-requests'); // PUBLIC_URL is https here
    expect(listed.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expectHeaders(await api('/api/tokens'));
    expectHeaders(await api('/accounts'));
    const html = await (await api('/login')).text();
    const asset = /\/_app\/immutable\/[^"]+\.js/.exec(html)?.[0];
    expect(asset).toBeTruthy();
    expectHeaders(await api(asset!));
  });
});

describe('named API tokens', () => {
  const tag = randomBytes(4).toString('hex');
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('create (shown once, stored hashed), use (actor = name), list without secrets, revoke → 401 at once; API_TOKEN keeps working', async () => {
    const name = `n8n-${tag}`;
    const created = await api('/api/tokens', { method: 'POST', headers: { ...bearer(stack.apiToken), 'content-type': 'application/json' }, body: JSON.stringify({ name: ` ${name} ` }) });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; name: string; token: string; createdAt: string };
    expect(body).toMatchObject({ name, createdAt: expect.any(String) });
    expect(body.token).toMatch(/^trf_[A-Za-z0-9_-]{43}$/);
    const [row] = await db().select().from(apiTokens).where(eq(apiTokens.id, body.id));
    expect(row!.tokenHash).toBe(crypto.createHash('sha256').update(body.token).digest('hex'));
    expect(row!.tokenHash).not.toContain(body.token);

    // Used: acts under its own name, and its last use is recorded.
    const child = `child-${tag}`;
    const viaNamed = await api('/api/tokens', { method: 'POST', headers: { ...bearer(body.token), 'content-type': 'application/json' }, body: JSON.stringify({ name: child }) });
    expect(viaNamed.status).toBe(201);
    const createdEvents = (await eventsOfKind('api_token_created')).filter((e) => [name, child].includes((e.data as { name: string }).name));
    expect(createdEvents.map((e) => [e.data, e.actor])).toEqual([[{ name }, 'api'], [{ name: child }, name]]);

    const list = await api(`/api/tokens?q=${tag}`, { headers: bearer(body.token) });
    expect(list.status).toBe(200);
    const text = await list.text();
    expect(text).not.toContain(body.token);
    expect(text).not.toContain(row!.tokenHash);
    const listed = JSON.parse(text) as { items: Record<string, unknown>[]; nextCursor: string | null };
    expect(listed.nextCursor).toBeNull();
    expect(listed.items.map((i) => i.name)).toEqual([child, name]);
    const mine = listed.items.find((i) => i.name === name)!;
    expect(Object.keys(mine).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'revokedAt']);
    expect(mine.lastUsedAt).toEqual(expect.any(String));
    expect(mine.revokedAt).toBeNull();
    // At most one write a minute: a second use leaves last_used_at as it was.
    const [before] = await db().select().from(apiTokens).where(eq(apiTokens.id, body.id));
    expect((await api('/api/tokens', { headers: bearer(body.token) })).status).toBe(200);
    const [after] = await db().select().from(apiTokens).where(eq(apiTokens.id, body.id));
    expect(after!.lastUsedAt!.getTime()).toBe(before!.lastUsedAt!.getTime());

    // Revoked (with a session, as the dashboard does): the very next request with it is refused.
    const cookie = await cookieFor();
    const revoking = await api(`/api/tokens/${body.id}`, { method: 'DELETE', headers: { cookie } });
    expect(revoking.status).toBe(200);
    expect(await revoking.json()).toMatchObject({ id: body.id, name, revokedAt: expect.any(String) });
    const refused = await api('/api/tokens', { headers: bearer(body.token) });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'unauthorized' });
    const revokedEvents = (await eventsOfKind('api_token_revoked')).filter((e) => (e.data as { name: string }).name === name);
    expect(revokedEvents.map((e) => e.actor)).toEqual(['admin']);
    // Revoking again changes nothing; an unknown id is 404.
    expect((await api(`/api/tokens/${body.id}`, { method: 'DELETE', headers: bearer(stack.apiToken) })).status).toBe(200);
    expect((await eventsOfKind('api_token_revoked')).filter((e) => (e.data as { name: string }).name === name)).toHaveLength(1);
    expect((await api(`/api/tokens/${crypto.randomUUID()}`, { method: 'DELETE', headers: bearer(stack.apiToken) })).status).toBe(404);
    const relisted = (await (await api(`/api/tokens?q=${name}`, { headers: bearer(stack.apiToken) })).json()) as { items: { revokedAt: string | null }[] };
    expect(relisted.items[0]!.revokedAt).toEqual(expect.any(String));

    // API_TOKEN from the environment still works; a made-up token does not.
    expect((await api('/api/tokens', { headers: bearer(stack.apiToken) })).status).toBe(200);
    expect((await api('/api/tokens', { headers: bearer(`trf_${randomBytes(32).toString('base64url')}`) })).status).toBe(401);
    // The name is free again once its token is revoked.
    expect((await api('/api/tokens', { method: 'POST', headers: { ...bearer(stack.apiToken), 'content-type': 'application/json' }, body: JSON.stringify({ name }) })).status).toBe(201);
  });

  it('refuses a duplicate active name (409) and bad names (400 naming the field), even in parallel', async () => {
    const name = `dup-${tag}`;
    const post = (body: unknown) => api('/api/tokens', { method: 'POST', headers: { ...bearer(stack.apiToken), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answers = await Promise.all([post({ name }), post({ name }), post({ name })]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
    const conflict = (await answers.find((a) => a.status === 409)!.json()) as { error: string; fields: Record<string, string> };
    expect(conflict.error).toBe('token_name_taken');
    expect(Object.keys(conflict.fields)).toEqual(['name']);
    expect(await db().select().from(apiTokens).where(and(eq(apiTokens.name, name)))).toHaveLength(1);
    for (const bad of [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(101) }, { name: { first: 'n8n' } }]) {
      const answer = await post(bad);
      expect(answer.status, JSON.stringify(bad)).toBe(400);
      expect(Object.keys(((await answer.json()) as { fields: Record<string, string> }).fields)).toEqual(['name']);
    }
  });

  it('pages by keyset with search', async () => {
    const names = [0, 1, 2].map((i) => `page-${tag}-${i}`);
    for (const name of names) {
      expect((await api('/api/tokens', { method: 'POST', headers: { ...bearer(stack.apiToken), 'content-type': 'application/json' }, body: JSON.stringify({ name }) })).status).toBe(201);
    }
    const first = (await (await api(`/api/tokens?q=page-${tag}&limit=2`, { headers: bearer(stack.apiToken) })).json()) as { items: { name: string }[]; nextCursor: string };
    expect(first.items.map((i) => i.name)).toEqual([names[2], names[1]]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await (await api(`/api/tokens?q=page-${tag}&limit=2&cursor=${first.nextCursor}`, { headers: bearer(stack.apiToken) })).json()) as { items: { name: string }[]; nextCursor: string | null };
    expect(second).toEqual({ items: [expect.objectContaining({ name: names[0] })], nextCursor: null });
    // `%` and `_` are searched as themselves.
    expect(((await (await api(`/api/tokens?q=${encodeURIComponent('page%')}`, { headers: bearer(stack.apiToken) })).json()) as { items: unknown[] }).items).toEqual([]);
    const bad = await api('/api/tokens?cursor=nonsense', { headers: bearer(stack.apiToken) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ fields: { cursor: expect.any(String) } });
  });
});

describe('CSRF', () => {
  const tokenCount = async () => Number((await db().select({ n: sql<number>`count(*)::int` }).from(apiTokens))[0]!.n);
  const tag = randomBytes(4).toString('hex');

  it('refuses a cross-origin POST with a valid cookie (403) and changes nothing', async () => {
    const cookie = await cookieFor();
    const before = await tokenCount();
    const eventsBefore = (await eventsOfKind('api_token_created')).length;
    const crossSite: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site', origin: 'https://sub.console.example' },
      { origin: 'null' },
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: `http://evil.example:${new URL(stack.url).port}` },
    ];
    for (const headers of crossSite) {
      const response = await api('/api/tokens', { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name: `evil-${tag}` }) });
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await response.json()).toEqual({ error: 'csrf_rejected', message: expect.any(String) });
    }
    // A route of another concern: pausing the demo account.
    const pause = await api(`/api/accounts/${stack.seeded.accountId}/pause`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', origin: 'https://evil.example' }, body: '{}' });
    expect(pause.status).toBe(403);
    const [account] = await db().select().from(platformAccounts).where(eq(platformAccounts.id, stack.seeded.accountId));
    expect(account!.status).toBe('active');
    // A dashboard form action posted from another site.
    const action = await api('/settings?/createToken', {
      method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, body: `name=evil-${tag}`,
    });
    expect(action.status).toBe(403);
    // Logout and login are checked too: the session survives a cross-site logout.
    expect((await api('/api/auth/logout', { method: 'POST', headers: { cookie, origin: 'https://evil.example' } })).status).toBe(403);
    expect((await api('/api/tokens', { headers: { cookie } })).status).toBe(200);
    expect((await login(stack.adminPassword, { headers: { origin: 'https://evil.example' } })).status).toBe(403);

    expect(await tokenCount()).toBe(before);
    expect((await eventsOfKind('api_token_created')).length).toBe(eventsBefore);
  });

  it('lets same-origin, header-less (curl, server-side) and bearer requests through', async () => {
    const cookie = await cookieFor();
    const origin = new URL(stack.url).origin;
    const allowed: Record<string, string>[] = [
      { origin },
      { origin, 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'none' },
      { origin: publicUrl },
      {},
    ];
    for (const [i, headers] of allowed.entries()) {
      const response = await api('/api/tokens', { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name: `ok-${tag}-${i}` }) });
      expect(response.status, JSON.stringify(headers)).toBe(201);
    }
    const bearer = await api('/api/tokens', {
      method: 'POST', headers: { authorization: `Bearer ${stack.apiToken}`, 'content-type': 'application/json', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      body: JSON.stringify({ name: `bearer-${tag}` }),
    });
    expect(bearer.status).toBe(201);
    // A same-origin dashboard form action passes both Fastify's check and SvelteKit's own (it knows its origin).
    const action = await api('/settings?/createToken', {
      method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin, 'sec-fetch-site': 'same-origin' }, body: `name=form-${tag}`,
    });
    expect(action.status).toBe(200);
    expect(await action.text()).toMatch(/trf_/);
    expect(await db().select().from(apiTokens).where(eq(apiTokens.name, `form-${tag}`))).toHaveLength(1);
    const login = await fetch(`${stack.url}/api/auth/login`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin, 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({ password: stack.adminPassword }),
    });
    expect(login.status).toBe(303);
  });
});

describe('sessions', () => {
  it('lists the active sessions (the current one marked) and revokes one at once', async () => {
    const mine = await cookieFor(stack.adminPassword, { 'user-agent': chromeUa });
    const other = await cookieFor(stack.adminPassword, { 'user-agent': 'curl/8.5.0' });
    const listed = await api('/api/auth/sessions?limit=200', { headers: { cookie: mine } });
    expect(listed.status).toBe(200);
    const { items } = (await listed.json()) as { items: { id: string; current: boolean; userAgent: string; ipAddress: string; createdAt: string; lastSeenAt: string; expiresAt: string }[] };
    const current = items.filter((s) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0]).toMatchObject({ userAgent: 'Chrome 131 · Linux', ipAddress: '127.0.0.1' });
    expect(new Date(current[0]!.expiresAt).getTime() - new Date(current[0]!.createdAt).getTime()).toBe(7 * 24 * 3600 * 1000);
    const otherId = await sessionIdOf(other);
    expect(items.find((s) => s.id === otherId)).toMatchObject({ userAgent: 'curl 8', current: false });

    const [stored] = await db().select().from(adminSessions).where(eq(adminSessions.id, otherId));
    const token = decodeURIComponent(other.split('=')[1]!).split('.')[0]!;
    expect(stored!.tokenHash).toBe(crypto.createHash('sha256').update(token).digest('hex'));
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);

    const revoking = await api(`/api/auth/sessions/${otherId}`, { method: 'DELETE', headers: { cookie: mine } });
    expect(revoking.status).toBe(200);
    expect(await revoking.json()).toEqual({ id: otherId, revokedAt: expect.any(String) });
    expect((await api('/api/tokens', { headers: { cookie: other } })).status).toBe(401);
    expect((await api('/api/tokens', { headers: { cookie: mine } })).status).toBe(200);
    const events = (await eventsOfKind('admin_session_revoked')).filter((e) => (e.data as { sessionId: string }).sessionId === otherId);
    expect(events.map((e) => [e.data, e.actor])).toEqual([[{ sessionId: otherId, reason: 'revoked' }, 'admin']]);
    expect((await api(`/api/auth/sessions/${crypto.randomUUID()}`, { method: 'DELETE', headers: { cookie: mine } })).status).toBe(404);
    expect((await api('/api/auth/sessions/not-an-id', { method: 'DELETE', headers: { cookie: mine } })).status).toBe(400);
  });

  it('logout ends the session at once: the old cookie gets 401 on /api and the login page on pages', async () => {
    const cookie = await cookieFor();
    expect((await api('/api/auth/sessions', { headers: { cookie } })).status).toBe(200);
    expect((await api('/settings', { headers: { cookie } })).status).toBe(200);
    const id = await sessionIdOf(cookie);

    const logout = await api('/api/auth/logout', { method: 'POST', headers: { cookie } });
    expect(logout.status).toBe(303);
    expect(logout.headers.get('location')).toBe('/login');

    const apiAnswer = await api('/api/auth/sessions', { headers: { cookie } });
    expect(apiAnswer.status).toBe(401);
    const pageAnswer = await api('/settings', { headers: { cookie } });
    expect(pageAnswer.status).toBe(302);
    expect(pageAnswer.headers.get('location')).toBe('/login?next=%2Fsettings');
    // A client-side navigation (SvelteKit's data request) and a form action get SvelteKit's redirect shape.
    const data = await api('/settings/__data.json?x-sveltekit-invalidated=11', { headers: { cookie } });
    expect(await data.json()).toEqual({ type: 'redirect', location: '/login?next=%2Fsettings' });
    const action = await api('/settings?/createToken', { method: 'POST', headers: { cookie, 'x-sveltekit-action': 'true', 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' });
    expect(await action.json()).toMatchObject({ type: 'redirect', location: expect.stringMatching(/^\/login\?next=/) });

    const [revoked] = await db().select().from(adminSessions).where(eq(adminSessions.id, id));
    expect(revoked!.revokedAt).toBeInstanceOf(Date);
    const events = (await eventsOfKind('admin_session_revoked')).filter((e) => (e.data as { sessionId: string }).sessionId === id);
    expect(events.map((e) => e.data)).toEqual([{ sessionId: id, reason: 'logout' }]);
  });

  it('a cookie that was never issued, or tampered with, is no session', async () => {
    const forged = `trafico_session=${randomBytes(32).toString('base64url')}`;
    expect((await api('/api/tokens', { headers: { cookie: forged } })).status).toBe(401);
    const cookie = await cookieFor();
    const tampered = cookie.replace(/=(.)/, (_m, c: string) => `=${c === 'A' ? 'B' : 'A'}`);
    expect((await api('/api/tokens', { headers: { cookie: tampered } })).status).toBe(401);
  });
});

describe('password change', () => {
  it('needs the current password, stores a scrypt hash that wins over ADMIN_PASSWORD, and ends every other session at once', async () => {
    const mine = await cookieFor();
    const myId = await sessionIdOf(mine);
    const other = await cookieFor();
    const change = (cookie: string, body: unknown) => api('/api/auth/password', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const wrongCurrent = await change(mine, { currentPassword: wrong, newPassword: 'a-new-password-1' });
    expect(wrongCurrent.status).toBe(400);
    expect(await wrongCurrent.json()).toMatchObject({ error: 'wrong_password', fields: { currentPassword: expect.any(String) } });
    for (const newPassword of ['short', 'x'.repeat(201)]) {
      const refused = await change(mine, { currentPassword: stack.adminPassword, newPassword });
      expect(refused.status).toBe(400);
      expect(Object.keys(((await refused.json()) as { fields: Record<string, string> }).fields)).toEqual(['newPassword']);
    }
    expect(await db().select().from(adminCredentials)).toEqual([]);
    expect((await api('/api/tokens', { headers: { cookie: other } })).status).toBe(200);

    const liveBefore = await db().select({ id: adminSessions.id }).from(adminSessions).where(sql`${adminSessions.revokedAt} is null and ${adminSessions.expiresAt} > now()`);
    const changed = await change(mine, { currentPassword: stack.adminPassword, newPassword: 'a-new-password-1' });
    expect(changed.status).toBe(200);
    const { revokedSessions } = (await changed.json()) as { revokedSessions: number };
    expect(revokedSessions).toBe(liveBefore.length - 1);

    expect((await api('/api/tokens', { headers: { cookie: other } })).status).toBe(401);
    expect((await api('/api/tokens', { headers: { cookie: mine } })).status).toBe(200);
    const [stored] = await db().select().from(adminCredentials);
    expect(stored!.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect((await login(stack.adminPassword)).headers.get('location')).toMatch(/^\/login\?error=1/);
    expect((await login('a-new-password-1')).headers.get('location')).toBe('/');
    const [event] = (await eventsOfKind('admin_password_changed')).slice(-1);
    expect(event).toMatchObject({ actor: 'admin', data: { revokedSessions } });
    const revokedIds = liveBefore.map((s) => s.id).filter((id) => id !== myId);
    const reasons = (await eventsOfKind('admin_session_revoked')).filter((e) => (e.data as { reason: string }).reason === 'password_changed');
    expect(reasons.map((e) => (e.data as { sessionId: string }).sessionId)).toEqual(expect.arrayContaining(revokedIds));
    expect(reasons.every((e) => e.actor === 'admin')).toBe(true);
    const stillLive = await db().select({ id: adminSessions.id }).from(adminSessions)
      .where(and(inArray(adminSessions.id, liveBefore.map((s) => s.id)), sql`${adminSessions.revokedAt} is null`));
    expect(stillLive).toEqual([{ id: myId }]);

    // Back to ADMIN_PASSWORD for what follows.
    await db().delete(adminCredentials);
  });

  it('checks passwords with the asynchronous scrypt: no scryptSync per login', async () => {
    const mocked = vi.mocked(crypto);
    mocked.scryptSync.mockClear();
    mocked.scrypt.mockClear();
    for (let i = 0; i < 3; i++) await cookieFor();
    expect((await login(wrong)).status).toBe(303);
    expect(mocked.scryptSync).not.toHaveBeenCalled();
    expect(mocked.scrypt.mock.calls.length).toBeGreaterThanOrEqual(4);
  });
});
