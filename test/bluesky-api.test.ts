/**
 * Bluesky end to end through the product: an account connected with an app password (only the session is kept),
 * a video from POST /api/contents to `published` on the fake PDS, its counters stored without a view count, a
 * revoked session that holds the account until it is reconnected, a 429 obeyed, a lost answer that still ends in
 * one post (the record key is derived from the publication), and a policy refusal typed with Bluesky's reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountWithPlatform } from '../db/accounts.js';
import { startFakeBluesky, type FakeAccount, type FakeBluesky } from './fakes/bluesky-server.js';
import { alertsOf, api, createApiAccount, oneOutTwoWaiting, publishClip, waitForMetrics, waitForRetryToEnd, waitForStatus } from './helpers/api-platform.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
let bsky: FakeBluesky;

beforeAll(async () => {
  bsky = await startFakeBluesky();
  stack = await startTestStack({ embedded: false, env: { BLUESKY_SERVICE: bsky.url, BLUESKY_VIDEO_SERVICE: bsky.videoUrl } });
});
afterAll(async () => {
  await stack?.close();
  await bsky?.close();
});

const db = () => stack.app.db.db;

async function connectedAccount(opts: { sensitive?: boolean } = {}) {
  const person: FakeAccount = bsky.addAccount({ handle: `m${Date.now().toString(36)}.bsky.social` });
  const account = await createApiAccount(stack, 'bluesky', { username: person.handle, sensitive: opts.sensitive });
  const connected = await api(stack, 'POST', `/api/accounts/${account.accountId}/credentials`, { identifier: person.handle, appPassword: person.appPassword });
  expect(connected).toMatchObject({ status: 200, body: { state: 'logged_in', status: 'active' } });
  return { ...account, person };
}

describe('connecting', () => {
  it('refuses a wrong app password naming the field, and stores only the session for the right one', async () => {
    const person = bsky.addAccount({ handle: `c${Date.now().toString(36)}.bsky.social` });
    const { accountId } = await createApiAccount(stack, 'bluesky', { username: person.handle });
    const wrong = await api<{ error: string; fields: Record<string, string> }>(stack, 'POST', `/api/accounts/${accountId}/credentials`, {
      identifier: person.handle, appPassword: 'aaaa-bbbb-cccc-dddd',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('credentials_rejected');
    expect(Object.keys(wrong.body.fields)).toEqual(['appPassword']);
    expect((await findAccountWithPlatform(db(), accountId))!.account.authData).toBeNull();

    const right = await api(stack, 'POST', `/api/accounts/${accountId}/credentials`, { identifier: person.handle, appPassword: person.appPassword });
    expect(right).toMatchObject({ status: 200, body: { state: 'logged_in' } });
    const stored = (await findAccountWithPlatform(db(), accountId))!.account.authData!;
    expect(stored).toMatch(/^v2\./);
    expect(stored).not.toContain(person.appPassword);
    const listed = await api<{ items: { id: string; publishesVia: string; connectWays: string[] }[] }>(stack, 'GET', `/api/accounts?q=${encodeURIComponent(person.handle)}`);
    expect(listed.body.items.find((a) => a.id === accountId)).toMatchObject({ publishesVia: 'api', connectWays: ['credentials'] });
  });

  it('answers 400 naming the missing app password (a main password is never taken), before asking Bluesky', async () => {
    const { accountId } = await createApiAccount(stack, 'bluesky');
    const calls = bsky.calls('com.atproto.server.createSession').length;
    const reply = await api<{ fields: Record<string, string> }>(stack, 'POST', `/api/accounts/${accountId}/credentials`, { identifier: 'x.bsky.social', password: 'main' });
    expect(reply.status).toBe(400);
    expect(Object.keys(reply.body.fields ?? {})).toEqual(['appPassword']);
    expect(bsky.calls('com.atproto.server.createSession')).toHaveLength(calls);
  });
});

describe('publishing', () => {
  it('publishes a video from POST /api/contents with the post URL, the adult self-label, and counters without views', async () => {
    const { modelId, person } = await connectedAccount({ sensitive: true });
    const { publicationId } = await publishClip(stack, modelId, '¡Hola! Función especial 💃🏽');
    const published = await waitForStatus(stack, publicationId, ['published', 'failed']);
    expect(published.status, published.lastError ?? '').toBe('published');
    const records = bsky.records(person.did);
    expect(records).toHaveLength(1);
    expect(published.postUrl).toBe(`https://bsky.app/profile/${person.handle}/post/${records[0]!.uri.split('/').pop()}`);
    expect(published.externalId).toBe(records[0]!.uri);
    expect(records[0]!.value.embed.$type).toBe('app.bsky.embed.video');
    expect(records[0]!.value.labels.values).toEqual([{ val: 'porn' }]);
    expect(records[0]!.value.text).toContain(published.idempotencyMarker);
    expect(bsky.uploads.filter((u) => u.did === person.did)).toHaveLength(1);

    const reads = await waitForMetrics(stack, publicationId);
    const data = reads[0]!.data as Record<string, unknown>;
    expect(data).toMatchObject({ likes: 0, comments: 0, shares: 0, source: 'api:bluesky' });
    expect(data).not.toHaveProperty('views');
  });

  it('a lost answer ends in exactly one post: the retry writes the same record key and finds it', async () => {
    const { modelId, person } = await connectedAccount();
    bsky.loseNextAnswer('com.atproto.repo.createRecord');
    const { publicationId } = await publishClip(stack, modelId);
    const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed']);
    expect(published.status, published.lastError ?? '').toBe('published');
    const creates = bsky.calls('com.atproto.repo.createRecord').filter((c) => (c.body as { repo?: string } | undefined)?.repo === person.did);
    expect(creates.some((c) => c.lost)).toBe(true);
    expect(bsky.records(person.did)).toHaveLength(1);
    expect(published.externalId).toBe(bsky.records(person.did)[0]!.uri);
  });

  it('obeys a 429: the next try waits for the time ratelimit-reset names', async () => {
    const { modelId, person } = await connectedAccount();
    // Further than the api queue's first retry (5 s): only obeying the header can wait this long.
    const resetAt = Math.ceil(Date.now() / 1000) + 9;
    bsky.failNext('com.atproto.repo.createRecord', {
      status: 429, headers: { 'ratelimit-limit': '5000', 'ratelimit-remaining': '0', 'ratelimit-reset': String(resetAt), 'ratelimit-policy': '5000;w=3600' },
    });
    const { publicationId } = await publishClip(stack, modelId);
    const published = await waitForStatus(stack, publicationId, ['published', 'failed']);
    expect(published.status, published.lastError ?? '').toBe('published');
    const tries = bsky.calls('com.atproto.repo.createRecord').filter((c) => (c.body as { repo?: string } | undefined)?.repo === person.did);
    expect(tries.map((c) => c.status)).toEqual([429, 200]);
    // ratelimit-reset is in whole seconds: the retry came no earlier than that second.
    expect(tries[1]!.at).toBeGreaterThanOrEqual((resetAt - 1) * 1000);
    expect(bsky.records(person.did)).toHaveLength(1);
  });

  it('a policy refusal fails the publication with Bluesky\'s reason and no retries', async () => {
    const { modelId, person } = await connectedAccount();
    bsky.rejectNextRecord({ error: 'InvalidRequest', message: 'Record violates community guidelines' });
    const { publicationId } = await publishClip(stack, modelId);
    const failed = await waitForStatus(stack, publicationId, ['failed', 'published']);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/^RejectedByPlatform: .*Record violates community guidelines/);
    expect(failed.attempts).toBe(1);
    expect(bsky.records(person.did)).toHaveLength(0);
  });
});

describe('an expired session', () => {
  it('holds the account with a reconnect alert; reconnecting releases what waited and a retry publishes', async () => {
    // Short-lived access tokens: the worker refreshes before every use, so a revoked app password shows at once.
    bsky.accessTokenTtlSeconds = 30;
    const { modelId, accountId, person } = await connectedAccount();
    // One publication goes out now; with an hour between posts the next two wait for their slots.
    const { next, later } = await oneOutTwoWaiting(stack, modelId);

    // The owner revoked the app password: the session cannot be refreshed any more.
    bsky.revokeAppPassword(person.did, person.appPassword);
    expect((await api(stack, 'POST', `/api/publications/${next.publicationId}/publish-now`)).status).toBe(202);
    const failed = await waitForStatus(stack, next.publicationId, ['failed', 'published']);
    expect(failed.lastError).toMatch(/^SessionExpired: .*connect the account again/);
    expect(failed.attempts).toBe(1);
    expect((await findAccountWithPlatform(db(), accountId))!.account.status).toBe('session_expired');
    expect((await waitForStatus(stack, later.publicationId, ['held'])).status).toBe('held');
    const alerts = (await alertsOf(stack, accountId)).map((e) => e.data as { kind: string; errorType?: string });
    expect(alerts).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'account_paused', errorType: 'SessionExpired' })]));

    const reconnected = await api(stack, 'POST', `/api/accounts/${accountId}/credentials`, { identifier: person.handle, appPassword: bsky.addAppPassword(person.did) });
    expect(reconnected).toMatchObject({ status: 200, body: { state: 'logged_in', status: 'active' } });
    expect((await waitForStatus(stack, later.publicationId, ['scheduled'])).status).toBe('scheduled');
    expect(await api(stack, 'POST', `/api/publications/${next.publicationId}/retry`)).toMatchObject({ status: 202 });
    const retried = await waitForRetryToEnd(stack, next.publicationId);
    expect(retried.status, retried.lastError ?? '').toBe('published');
    expect(bsky.records(person.did)).toHaveLength(2);
    expect(await api(stack, 'POST', `/api/publications/${later.publicationId}/cancel`)).toMatchObject({ status: 202 });
    bsky.accessTokenTtlSeconds = 120 * 60;
  });
});
