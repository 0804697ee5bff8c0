/**
 * Session linking end to end (API → services → Temporal → browser worker → demo platform): import a
 * session file in each supported format, refuse a bad one without touching the stored session, log in
 * with credentials, check on demand, and the Temporal Schedule that checks every saved session and
 * marks expired accounts (holding their publications, raising an alert).
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessionHealthScheduleId } from '../contracts/workflows.js';
import { eventsOf } from '../db/events.js';
import { platformAccounts } from '../db/schema.js';
import { demoPassword, demoUsername, loginToDemo } from '../scripts/seed.js';
import { ensureSessionHealthSchedule } from '../services/sessions.js';
import { postJson, publicationOf, setModelRules, slotFarAway, uploadClip } from './helpers/lifecycle.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: TestStack;
const db = () => stack.app.db.db;
const accountPath = () => `/api/accounts/${stack.seeded.accountId}`;

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
});
afterAll(async () => stack?.close());
beforeEach(async () => {
  await setModelRules(stack, {});
  await db().update(platformAccounts).set({ status: 'active' }).where(eq(platformAccounts.id, stack.seeded.accountId));
});

async function account() {
  const [row] = await db().select().from(platformAccounts).where(eq(platformAccounts.id, stack.seeded.accountId));
  return row!;
}

async function uploadSession(text: string, name: string, token: string | null = stack.apiToken) {
  const form = new FormData();
  form.set('file', new Blob([text], { type: 'application/octet-stream' }), name);
  const response = await fetch(`${stack.url}${accountPath()}/session`, { method: 'POST', body: form, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const freshDemoSession = () => loginToDemo(stack.demo.url, demoUsername, demoPassword);

describe('session linking', () => {
  it('imports a Playwright storageState, stores it encrypted and checks it right away', async () => {
    const state = await freshDemoSession();
    const reply = await uploadSession(JSON.stringify(state), 'state.json');
    expect(reply.status).toBe(200);
    expect(reply.body.imported).toMatchObject({ format: 'storage_state', cookieCount: 1 });
    expect(reply.body.check).toMatchObject({ state: 'logged_in', status: 'active' });
    const stored = await account();
    expect(stored.authData).not.toContain(state.cookies[0]!.value);
    expect(stored.lastSessionState).toBe('logged_in');
    expect(stored.lastAuthenticatedAt).not.toBeNull();
    const types = (await eventsOf(db(), { accountId: stack.seeded.accountId })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['session_linked', 'session_checked']));
  });

  it('imports a Netscape cookies.txt and a browser-extension cookie JSON', async () => {
    const [cookie] = (await freshDemoSession()).cookies;
    const host = new URL(stack.demo.url).hostname;
    const netscape = `# Netscape HTTP Cookie File\n#HttpOnly_${host}\tFALSE\t/\tFALSE\t${cookie!.expires}\t${cookie!.name}\t${cookie!.value}\n`;
    const txt = await uploadSession(netscape, 'cookies.txt');
    expect(txt.status).toBe(200);
    expect(txt.body.imported.format).toBe('netscape');
    expect(txt.body.check.state).toBe('logged_in');

    const extension = [{ domain: host, name: cookie!.name, value: (await freshDemoSession()).cookies[0]!.value, path: '/', httpOnly: true, secure: false, expirationDate: cookie!.expires, hostOnly: true, sameSite: 'lax' }];
    const json = await uploadSession(JSON.stringify(extension), 'cookies.json');
    expect(json.status).toBe(200);
    expect(json.body.imported.format).toBe('cookie_json');
    expect(json.body.check.state).toBe('logged_in');
  });

  it('refuses a file that is no session with a clear 400, keeping the stored session', async () => {
    const before = (await account()).authData;
    for (const [text, code] of [
      ['', 'session_empty'],
      ['{"cookies": [', 'session_unrecognized_format'],
      ['{"cookies":[{"name":1}]}', 'session_malformed'],
      ['hello, I am a text file', 'session_unrecognized_format'],
      [JSON.stringify([{ domain: 'bank.example', name: 'sid', value: 'x'.repeat(20), path: '/' }]), 'session_no_platform_cookies'],
    ] as const) {
      const reply = await uploadSession(text, 'file.txt');
      expect(reply.status, text).toBe(400);
      expect(reply.body.error).toBe(code);
      expect(reply.body.message.length).toBeGreaterThan(10);
    }
    expect((await account()).authData).toBe(before);
    expect((await uploadSession('{}', 'x.json', null)).status).toBe(401);
  });

  it('an expired session on check: account session_expired, publications held, one alert; a credentials login brings it back', async () => {
    await setModelRules(stack, slotFarAway());
    const created = await uploadClip(stack, 'sesión caducada');
    const publication = await publicationOf(stack, created.body.id as string, ['scheduled']);

    // Cookies the platform no longer knows: exactly what a session revoked on the site looks like.
    const revoked = await freshDemoSession();
    revoked.cookies[0]!.value = 'revoked-session-value-0000';
    const reply = await uploadSession(JSON.stringify(revoked), 'old.json');
    expect(reply.status).toBe(200);
    expect(reply.body.check).toMatchObject({ state: 'logged_out', status: 'session_expired' });
    expect((await account()).status).toBe('session_expired');
    await publicationOf(stack, created.body.id as string, ['held']);
    const alerts = async () => (await eventsOf(db(), { accountId: stack.seeded.accountId })).filter((e) => e.type === 'alert' && (e.data as { kind?: string }).kind === 'session_expired');
    expect(await alerts()).toHaveLength(1);

    // Checking again while still expired raises no second alert.
    const again = await postJson(stack, `${accountPath()}/check`);
    expect(again.body).toMatchObject({ state: 'logged_out' });
    expect(await alerts()).toHaveLength(1);

    const wrong = await postJson(stack, `${accountPath()}/login`, { password: 'not-the-password' });
    expect(wrong.status).toBe(200);
    expect(wrong.body.state).toBe('logged_out');
    expect((await account()).status).toBe('session_expired');

    const login = await postJson(stack, `${accountPath()}/login`, { password: demoPassword });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ state: 'logged_in', status: 'active' });
    const released = await publicationOf(stack, created.body.id as string, ['scheduled']);
    expect(released.id).toBe(publication.id);
    expect(JSON.stringify(await eventsOf(db(), { accountId: stack.seeded.accountId }))).not.toContain(demoPassword);
  });

  it('lists accounts with their session health and sets a browser profile, never showing secrets', async () => {
    const put = await fetch(`${stack.url}${accountPath()}/browser-profile`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ locale: 'es-CO', timezoneId: 'America/Bogota', proxy: 'http://u:hidden-pass@proxy.invalid:3128' }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ locale: 'es-CO', timezoneId: 'America/Bogota', proxy: 'http://proxy.invalid:3128' });
    const bad = await fetch(`${stack.url}${accountPath()}/browser-profile`, {
      method: 'PUT', headers: { authorization: `Bearer ${stack.apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ proxy: 'ftp://x' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/proxy/);

    // Filtered on the demo account: the shared test database holds more accounts than one page.
    const listing = await fetch(`${stack.url}/api/accounts?q=${demoUsername}`, { headers: { authorization: `Bearer ${stack.apiToken}` } });
    const text = await listing.text();
    expect(text).not.toContain('hidden-pass');
    const { items } = JSON.parse(text) as { items: { id: string; sessionSaved: boolean; browserProfile: { proxy: string } }[] };
    const mine = items.find((a) => a.id === stack.seeded.accountId)!;
    expect(mine).toMatchObject({ sessionSaved: true, browserProfile: { proxy: 'http://proxy.invalid:3128' } });
    expect(text).not.toContain((await account()).authData!.slice(0, 24));

    await fetch(`${stack.url}${accountPath()}/browser-profile`, {
      method: 'PUT', headers: { authorization: `Bearer ${stack.apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ proxy: null }),
    });
    expect((await account()).proxyEncrypted).toBeNull();
  });

  it('login and check answer 400/404/409 for bad requests', async () => {
    expect((await postJson(stack, `${accountPath()}/login`, {})).status).toBe(400);
    expect((await postJson(stack, '/api/accounts/00000000-0000-4000-8000-000000000000/check')).status).toBe(404);
    const saved = (await account()).authData;
    await db().update(platformAccounts).set({ authData: null }).where(eq(platformAccounts.id, stack.seeded.accountId));
    const none = await postJson(stack, `${accountPath()}/check`);
    expect(none.status).toBe(409);
    expect(none.body.error).toBe('no_session');
    await db().update(platformAccounts).set({ authData: saved }).where(eq(platformAccounts.id, stack.seeded.accountId));
  });

  it('the session-health Schedule checks every saved session and marks the expired ones', async () => {
    const revoked = await freshDemoSession();
    revoked.cookies[0]!.value = 'revoked-by-the-platform-0001';
    expect((await uploadSession(JSON.stringify(revoked), 'old.json')).body.check.state).toBe('logged_out');
    await db().update(platformAccounts).set({ status: 'active' }).where(eq(platformAccounts.id, stack.seeded.accountId));

    await ensureSessionHealthSchedule(stack.app.temporal, 6 * 3600_000);
    await ensureSessionHealthSchedule(stack.app.temporal, 6 * 3600_000); // idempotent across roles and restarts
    const schedule = stack.app.temporal.schedule.getHandle(sessionHealthScheduleId);
    try {
      const description = await schedule.describe();
      expect(description.spec.intervals?.[0]?.every).toBe(6 * 3600_000);
      const since = new Date();
      await schedule.trigger();
      const checked = await waitFor(async () => (await eventsOf(db(), { accountId: stack.seeded.accountId }))
        .find((e) => e.type === 'session_checked' && e.actor === 'schedule' && e.ts >= since), { what: 'a scheduled session check', timeoutMs: 90_000 });
      expect((checked.data as { state: string }).state).toBe('logged_out');
      expect((await account()).status).toBe('session_expired');
    } finally {
      await schedule.delete();
    }
  });
});
