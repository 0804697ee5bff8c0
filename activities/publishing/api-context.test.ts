/**
 * The worker's API context against the real database: credentials refreshed under the account's row lock (two jobs
 * at once spend a rotated refresh token once), saved before they are used, and kept when the save cannot happen;
 * the shared rate limits wait for a slot or say when to come back.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { decryptJson, encryptJson, keyringOf, secretBindings } from '../../crypto/secrets.js';
import { openDatabase, type DbHandle } from '../../db/client.js';
import { readAuthData } from '../../db/accounts.js';
import { models, platformAccounts, platforms } from '../../db/schema.js';
import { capabilitiesFor } from '../../core/platforms.js';
import { defaultDistributionRules } from '../../core/types.js';
import { apiApps } from '../../test/helpers/api-driver.js';
import { ApiRateLimits, apiDriverContext } from './api-context.js';
import type { ApiCredentials, ApiPlatformDriver } from './drivers/api-types.js';
import { tiktokDriver } from './drivers/tiktok.js';
import { PublishError } from './errors.js';

let handle: DbHandle;
const key = keyringOf([randomBytes(32)]);
const run = randomBytes(3).toString('hex');
let platformId: string;
let modelId: string;

beforeAll(async () => {
  handle = await openDatabase({ databaseUrl: inject('databaseUrl') });
  const [platform] = await handle.db.insert(platforms)
    .values({ name: `api-context-${run}`, capabilities: capabilitiesFor('x'), technicalConfig: { driver: 'x', baseUrl: 'http://127.0.0.1:9' } }).returning();
  const [model] = await handle.db.insert(models).values({ name: `API context ${run}`, distribution: defaultDistributionRules }).returning();
  platformId = platform!.id;
  modelId = model!.id;
});
afterAll(async () => {
  await handle?.close();
});

async function accountWith(credentials: ApiCredentials) {
  const id = randomUUID();
  const [row] = await handle.db.insert(platformAccounts).values({
    id, modelId, platformId, username: `u${randomBytes(4).toString('hex')}`, authData: encryptJson(key, secretBindings.accountAuthData(id), credentials), sessionSaved: true,
  }).returning();
  return row!;
}

/** A provider that rotates: each refresh token works once and answers a new pair. */
function rotatingDriver(opts: { failSaveAfterRefresh?: () => boolean } = {}) {
  const spent = new Set<string>();
  const calls: string[] = [];
  const driver: ApiPlatformDriver = {
    kind: 'api',
    rateLimits: { perAccount: { points: 100, durationSeconds: 60 }, perApp: { points: 1000, durationSeconds: 60 } },
    acceptCredentials: async () => { throw new Error('unused'); },
    checkSession: async () => 'logged_in',
    publish: async () => { throw new Error('unused'); },
    readMetrics: async () => ({}),
    async refresh(_ctx, credentials) {
      calls.push(credentials.refreshToken!);
      if (spent.has(credentials.refreshToken!)) throw new PublishError('SessionExpired', 'invalid_grant: refresh token already used');
      spent.add(credentials.refreshToken!);
      // Another request is still in flight meanwhile: a second refresher would race here.
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (opts.failSaveAfterRefresh?.()) throw new Error('the worker died before saving');
      const n = calls.length;
      return { accessToken: `access-${n}`, refreshToken: `refresh-${n}`, expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
    },
  };
  return { driver, calls, spent };
}

function contextFor(driver: ApiPlatformDriver, account: { id: string; username: string }, limits = new ApiRateLimits(handle.db)) {
  return apiDriverContext(driver, {
    db: handle.db, keyring: key, limits, platform: `api-context-${run}`,
    account: { ...account, publishSettings: null }, apps: apiApps({}), log: pino({ level: 'silent' }), timeoutMs: 2000,
  });
}

describe('credentials', () => {
  it('two jobs needing a refresh at once spend the refresh token once; both get the saved new pair', async () => {
    const account = await accountWith({ accessToken: 'old', refreshToken: 'refresh-0', expiresAt: new Date(Date.now() - 1000).toISOString() });
    const { driver, calls } = rotatingDriver();
    const [a, b] = await Promise.all([contextFor(driver, account).credentials(), contextFor(driver, account).credentials()]);
    expect(calls).toEqual(['refresh-0']);
    expect(a.accessToken).toBe('access-1');
    expect(b.accessToken).toBe('access-1');
    expect(decryptJson<ApiCredentials>(key, secretBindings.accountAuthData(account.id), (await readAuthData(handle.db, account.id))!).refreshToken).toBe('refresh-1');
  });

  it('a failure between the refresh and its save leaves the stored credentials as they were', async () => {
    const account = await accountWith({ accessToken: 'old', refreshToken: 'refresh-0', expiresAt: new Date(Date.now() - 1000).toISOString() });
    let fail = true;
    const { driver } = rotatingDriver({ failSaveAfterRefresh: () => fail });
    await expect(contextFor(driver, account).credentials()).rejects.toThrow('died before saving');
    expect(decryptJson<ApiCredentials>(key, secretBindings.accountAuthData(account.id), (await readAuthData(handle.db, account.id))!)).toMatchObject({ accessToken: 'old', refreshToken: 'refresh-0' });
    // A provider that honours a reuse grace (Bluesky: 2 h) takes the old token again; this one refuses it, typed for a reconnect.
    fail = false;
    await expect(contextFor(driver, account).credentials()).rejects.toMatchObject({ type: 'SessionExpired' });
  });

  it('a token that is still valid is used as stored, without refreshing', async () => {
    const account = await accountWith({ accessToken: 'fresh', refreshToken: 'r', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    const { driver, calls } = rotatingDriver();
    expect((await contextFor(driver, account).credentials()).accessToken).toBe('fresh');
    expect(calls).toEqual([]);
  });
});

describe('rate limits', () => {
  it('a budget used up within the deadline waits; beyond it the error names when to come back', async () => {
    const limits = new ApiRateLimits(handle.db);
    const tight = { perAccount: { points: 2, durationSeconds: 1 }, perApp: { points: 100, durationSeconds: 60 } };
    const platform = `limits-${run}`;
    await limits.acquire(platform, 'a1', tight, 5000);
    await limits.acquire(platform, 'a1', tight, 5000);
    // The third request of the second finds the budget used up: it waits for the next window instead of failing.
    await expect(limits.acquire(platform, 'a1', tight, 5000)).resolves.toBeUndefined();
    const slow = { perAccount: { points: 1, durationSeconds: 60 }, perApp: { points: 100, durationSeconds: 60 } };
    await limits.acquire(platform, 'a2', slow, 100);
    const refused = await limits.acquire(platform, 'a2', slow, 100).catch((error: PublishError) => error);
    expect(refused).toBeInstanceOf(PublishError);
    expect((refused as PublishError).type).toBe('Retryable');
    expect((refused as PublishError).retryAfterMs).toBeGreaterThan(50_000);
  });

  it("per-endpoint budgets (TikTok's) are counted apart: a spent init budget does not stop a status poll", async () => {
    const limits = new ApiRateLimits(handle.db);
    const platform = `endpoints-${run}`;
    const root = 'https://open.tiktokapis.com';
    const init = new URL(`${root}/v2/post/publish/video/init/`);
    const status = new URL(`${root}/v2/post/publish/status/fetch/`);
    for (let i = 0; i < 6; i++) await limits.acquire(platform, 'a1', tiktokDriver.rateLimits, 100, init);
    const refused = await limits.acquire(platform, 'a1', tiktokDriver.rateLimits, 100, init).catch((error: PublishError) => error);
    expect((refused as PublishError).type).toBe('Retryable');
    for (let i = 0; i < 30; i++) await limits.acquire(platform, 'a1', tiktokDriver.rateLimits, 100, status);
    const polls = await limits.acquire(platform, 'a1', tiktokDriver.rateLimits, 100, status).catch((error: PublishError) => error);
    expect((polls as PublishError).type).toBe('Retryable');
    // Another account's init budget is its own.
    await expect(limits.acquire(platform, 'a2', tiktokDriver.rateLimits, 100, init)).resolves.toBeUndefined();
  });
});
