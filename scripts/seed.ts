/**
 * Seeds the quickstart: the demo platform, a demo model with auto-approval, and a demo account whose
 * session is linked by logging in to the demo platform (CSRF form + session cookie) and saving the
 * resulting Playwright storageState encrypted. Idempotent: safe on every start.
 */
import { eq, and } from 'drizzle-orm';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AppConfig } from '../config.js';
import type { Db } from '../db/client.js';
import { encryptJson, secretBindings } from '../crypto/secrets.js';
import { models, platformAccounts, platforms } from '../db/schema.js';
import { capabilitiesFor } from '../core/platforms.js';
import { defaultDistributionRules } from '../core/types.js';

export const demoModelName = 'Modelo Demo';
export const demoUsername = 'modelo_demo';
export const demoPassword = 'demo-password';

function setCookies(response: Response): Map<string, string> {
  const jar = new Map<string, string>();
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const eqAt = pair!.indexOf('=');
    jar.set(pair!.slice(0, eqAt).trim(), pair!.slice(eqAt + 1).trim());
  }
  return jar;
}

/** Logs in like a browser would and returns the session as a Playwright storageState. */
export async function loginToDemo(demoUrl: string, username: string, password: string) {
  const form = await fetch(new URL('/login', demoUrl), { redirect: 'manual' });
  const csrfCookie = setCookies(form).get('demo_csrf');
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrfCookie || !csrf) throw new Error('demo platform login page has no CSRF token');
  const response = await fetch(new URL('/login', demoUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `demo_csrf=${csrfCookie}` },
    body: new URLSearchParams({ username, password, csrf }),
  });
  const session = setCookies(response).get('demo_session');
  if (response.status !== 303 || !session) throw new Error(`demo platform login failed (HTTP ${response.status})`);
  const { hostname } = new URL(demoUrl);
  return {
    cookies: [{
      name: 'demo_session', value: session, domain: hostname, path: '/',
      expires: Math.floor(Date.now() / 1000) + 30 * 24 * 3600, httpOnly: true, secure: false, sameSite: 'Lax' as const,
    }],
    origins: [],
  };
}

export async function seedDemo(db: Db, config: AppConfig, demoUrl: string) {
  const register = await fetch(new URL('/__admin/users', demoUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: demoUsername, password: demoPassword, displayName: demoModelName }),
  });
  if (!register.ok) throw new Error(`cannot create the demo user: HTTP ${register.status}`);

  const technicalConfig = { driver: 'demo', baseUrl: demoUrl };
  // The quickstart posts as soon as possible: no slots, no spacing, a cap no demo session reaches.
  const demoDistribution = {
    ...defaultDistributionRules, minSpacingMinutes: 0, maxPostsPerDay: 500, hashtags: ['webcam', 'envivo', 'modelo', 'latina'],
  };
  const [platform] = await db
    .insert(platforms)
    .values({ name: 'demo', capabilities: capabilitiesFor('demo'), technicalConfig })
    .onConflictDoUpdate({ target: platforms.name, set: { technicalConfig } })
    .returning();
  const [model] = await db
    .insert(models)
    .values({
      name: demoModelName,
      distribution: demoDistribution,
    })
    .onConflictDoUpdate({ target: models.name, set: { status: 'active', distribution: demoDistribution } })
    .returning();

  const [existing] = await db
    .select()
    .from(platformAccounts)
    .where(and(eq(platformAccounts.platformId, platform!.id), eq(platformAccounts.username, demoUsername)));
  // The id before the row: the session's ciphertext is bound to it.
  const accountId = existing?.id ?? randomUUID();
  const authData = encryptJson(config.keyring, secretBindings.accountAuthData(accountId), await loginToDemo(demoUrl, demoUsername, demoPassword));
  const accountValues = {
    modelId: model!.id,
    platformId: platform!.id,
    username: demoUsername,
    profileUrl: new URL(`/u/${demoUsername}`, demoUrl).toString(),
    authData,
    sessionSaved: true,
    lastAuthenticatedAt: new Date(),
    status: 'active' as const,
  };
  if (existing) {
    await db.update(platformAccounts).set(accountValues).where(eq(platformAccounts.id, existing.id));
  } else {
    await db.insert(platformAccounts).values({ ...accountValues, id: accountId, trackingCode: randomBytes(5).toString('hex') });
  }
  return { modelId: model!.id, platformId: platform!.id, accountId };
}
