/**
 * X end to end through the product: an account connected by the OAuth 2.0 round trip (authorize URL with a signed
 * state and PKCE, the callback exchanging the code in the worker) or with tokens, a video from POST /api/contents
 * uploaded in chunks and posted with its URL (or, with linkInReply, the link in a reply and the cost shown for it),
 * counters with views from impression_count, an expired access token refreshed with the rotated refresh token saved,
 * a revoked grant that holds the account until it is connected again, a 429 obeyed until x-rate-limit-reset, a lost
 * answer that still ends in one post (found by its marker), and a policy refusal typed with X's reason.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptJson, encryptJson, keyringOf, secretBindings } from '../crypto/secrets.js';
import { findAccountWithPlatform } from '../db/accounts.js';
import { publicationContext, publicationsOfContent } from '../db/publications.js';
import type { XCredentials } from '../activities/publishing/drivers/x.js';
import { startFakeX, type FakeX, type RecordedXRequest, type XRoute, type XUser } from './fakes/x-server.js';
import {
  api, connectWithOAuth, createApiAccount, expectHeldUntilReconnected, oneOutTwoWaiting, publishClip, reconnectReleases, retryPublishes,
  waitForMetrics, waitForStatus,
} from './helpers/api-platform.js';
import { startTestStack, uploadVideo, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const PUBLIC_URL = 'http://127.0.0.1:3999';
const REDIRECT_URI = `${PUBLIC_URL}/oauth/callback/x`;
const CLIENT_ID = 'dHJhZmljby10ZXN0OjE6Y2k';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const POST_COST = 0.01;
const LINK_POST_COST = 0.25;

let stack: TestStack;
let x: FakeX;

beforeAll(async () => {
  x = await startFakeX({ client: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI] } });
  stack = await startTestStack({
    embedded: false,
    env: {
      X_API_ROOT: x.url, X_AUTHORIZE_URL: x.authorizeUrl, X_CLIENT_ID: CLIENT_ID, X_CLIENT_SECRET: CLIENT_SECRET, PUBLIC_URL,
      X_POST_COST_USD: String(POST_COST), X_LINK_POST_COST_USD: String(LINK_POST_COST),
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await x?.close();
});

const db = () => stack.app.db.db;
const key = () => stack.app.config.keyring;

async function storedCredentials(accountId: string): Promise<XCredentials | null> {
  const authData = (await findAccountWithPlatform(db(), accountId))!.account.authData;
  return authData ? decryptJson<XCredentials>(key(), secretBindings.accountAuthData(accountId), authData) : null;
}

interface ListedAccount { id: string; status: string; sessionSaved: boolean; lastSessionState: string | null; publishSettings: Record<string, unknown>; estimatedCostUsd: number | null; connectWays: string[] }

async function listed(accountId: string, username: string): Promise<ListedAccount> {
  const { body } = await api<{ items: ListedAccount[] }>(stack, 'GET', `/api/accounts?q=${encodeURIComponent(username)}`);
  const found = body.items.find((a) => a.id === accountId);
  if (!found) throw new Error(`account ${accountId} not listed`);
  return found;
}

const newUser = (): XUser => x.addUser({ username: `ana_${randomBytes(3).toString('hex')}` });
const postsOf = (user: XUser) => x.posts.filter((p) => p.authorId === user.id && !p.deleted);

/** An account whose X user approved our app through the whole OAuth round trip. */
async function oauthAccount(opts: { publishSettings?: Record<string, unknown> } = {}) {
  const user = newUser();
  const account = await createApiAccount(stack, 'x', { username: user.username, publishSettings: opts.publishSettings });
  const round = await connectWithOAuth(stack, account.accountId, (url) => x.approve(url, user.id));
  expect(round.callbackStatus).toBe(302);
  expect(round.location).toBe(`/accounts?connected=${account.accountId}`);
  return { ...account, user };
}

/** An account connected with tokens the owner already held (POST /api/accounts/:id/credentials). */
async function tokenAccount() {
  const user = newUser();
  const account = await createApiAccount(stack, 'x', { username: user.username });
  const tokens = x.issueTokens(user.id);
  const connected = await api(stack, 'POST', `/api/accounts/${account.accountId}/credentials`, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
  expect(connected).toMatchObject({ status: 200, body: { state: 'logged_in', status: 'active' } });
  return { ...account, user, tokens };
}

/** Runs `action` once, the first time a request to `route` matching `test` is answered (before the client reads it). */
function onFirst(route: XRoute, test: (r: RecordedXRequest) => boolean, action: (r: RecordedXRequest) => void) {
  const listener = (r: RecordedXRequest) => {
    if (r.route !== route || !test(r)) return;
    x.off('request', listener);
    action(r);
  };
  x.on('request', listener);
  return () => x.off('request', listener);
}

const uploadOwner = (r: RecordedXRequest) => x.uploads.get((r.response as { data?: { id?: string } } | undefined)?.data?.id ?? '')?.userId;
const postAuthor = (r: RecordedXRequest) => x.post((r.response as { data?: { id?: string } } | undefined)?.data?.id ?? '')?.authorId;

describe('connecting', () => {
  it('connects by the OAuth round trip (signed state, PKCE checked by X); a tampered, foreign or mismatched state stores nothing', async () => {
    const user = newUser();
    const { accountId } = await createApiAccount(stack, 'x', { username: user.username });

    // The authorize URL as X's documentation asks it.
    const start = await api(stack, 'GET', `/api/accounts/${accountId}/connect`);
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(x.authorizeUrl);
    const params = authorize.searchParams;
    expect(params.get('client_id')).toBe(CLIENT_ID);
    expect(params.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(params.get('response_type')).toBe('code');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['tweet.write', 'media.write', 'offline.access']));
    expect(params.get('state')!.length).toBeLessThanOrEqual(500);
    const approved = new URL(await x.approve(authorize.toString(), user.id));
    const code = approved.searchParams.get('code')!;
    const state = approved.searchParams.get('state')!;
    expect(state).toBe(params.get('state'));
    const tokenCalls = () => x.requestsTo('POST /2/oauth2/token').length;
    const callback = (query: Record<string, string>) => api(stack, 'GET', `/oauth/callback/x?${new URLSearchParams(query)}`);
    const before = tokenCalls();

    // A state altered on the way back: refused before X is asked; the code is not spent.
    // A character inside the ciphertext (the last one may only carry padding bits, which decode to the same bytes).
    const at = state.length - 10;
    const tampered = await callback({ code, state: `${state.slice(0, at)}${state[at] === 'A' ? 'B' : 'A'}${state.slice(at + 1)}` });
    expect(tampered.status).toBe(302);
    expect(tampered.headers.get('location')).toBe('/accounts?connectError=oauth_state_invalid');
    // A well-formed state made with another key (another deployment, or a forger) naming this account.
    const foreign = encryptJson(keyringOf([randomBytes(32)]), secretBindings.oauthState('x'), { accountId, platform: 'x', verifier: randomBytes(32).toString('base64url'), expiresAt: Date.now() + 60_000, actor: 'api' });
    const forged = await callback({ code, state: foreign });
    expect(forged.headers.get('location')).toBe('/accounts?connectError=oauth_state_invalid');
    expect(tokenCalls()).toBe(before);
    expect((await findAccountWithPlatform(db(), accountId))!.account.authData).toBeNull();

    // PKCE: a code approved for one authorize URL, brought back with the state (and so the verifier) of another:
    // X compares SHA-256(code_verifier) with that code's challenge and refuses.
    const other = await api(stack, 'GET', `/api/accounts/${accountId}/connect`);
    const otherApproved = new URL(await x.approve(other.headers.get('location')!, user.id));
    const mismatched = await callback({ code: otherApproved.searchParams.get('code')!, state });
    expect(mismatched.headers.get('location')).toBe('/accounts?connectError=credentials_rejected');
    const refused = x.requestsTo('POST /2/oauth2/token').at(-1)!;
    expect(refused.status).toBe(400);
    expect(refused.response).toMatchObject({ error: 'invalid_request' });
    expect((await findAccountWithPlatform(db(), accountId))!.account.authData).toBeNull();

    // The genuine state with its own code: the worker trades it (verifier matching the challenge, Basic auth).
    const back = await callback({ code, state });
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(`/accounts?connected=${accountId}`);
    const exchange = x.requestsTo('POST /2/oauth2/token').at(-1)!;
    expect(exchange.status).toBe(200);
    expect(exchange.body).toMatchObject({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    expect(createHash('sha256').update(String(exchange.body.code_verifier)).digest('base64url')).toBe(params.get('code_challenge'));
    expect(exchange.headers.authorization).toBe(`Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`);

    const stored = (await findAccountWithPlatform(db(), accountId))!.account.authData!;
    expect(stored).toMatch(/^v2\./);
    const creds = decryptJson<XCredentials>(key(), secretBindings.accountAuthData(accountId), stored);
    expect(creds).toMatchObject({ userId: user.id, username: user.username });
    expect(x.accessTokenValid(creds.accessToken)).toBe(true);
    expect(x.refreshTokenValid(creds.refreshToken!)).toBe(true);
    expect(stored).not.toContain(creds.accessToken);
    expect(await listed(accountId, user.username)).toMatchObject({
      status: 'active', sessionSaved: true, lastSessionState: 'logged_in', connectWays: ['oauth', 'credentials'],
    });
  });

  it('the admin pressing Cancel on X comes back with oauth_denied and nothing stored', async () => {
    const user = newUser();
    const { accountId } = await createApiAccount(stack, 'x', { username: user.username });
    const round = await connectWithOAuth(stack, accountId, (url) => x.deny(url));
    expect(round.location).toBe('/accounts?connectError=oauth_denied');
    expect((await findAccountWithPlatform(db(), accountId))!.account.authData).toBeNull();
  });

  it('connects with tokens the owner holds, and refuses a token X does not know with a 400 naming accessToken', async () => {
    const user = newUser();
    const { accountId } = await createApiAccount(stack, 'x', { username: user.username });
    const wrong = await api<{ error: string; fields: Record<string, string> }>(stack, 'POST', `/api/accounts/${accountId}/credentials`, {
      accessToken: 'bm90LWEtcmVhbC10b2tlbjoxOmF0OjE',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('credentials_rejected');
    expect(Object.keys(wrong.body.fields)).toEqual(['accessToken']);
    expect((await findAccountWithPlatform(db(), accountId))!.account.authData).toBeNull();

    const tokens = x.issueTokens(user.id);
    const right = await api(stack, 'POST', `/api/accounts/${accountId}/credentials`, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
    expect(right).toMatchObject({ status: 200, body: { state: 'logged_in', status: 'active' } });
    const stored = (await findAccountWithPlatform(db(), accountId))!.account.authData!;
    expect(stored).not.toContain(tokens.accessToken);
    expect(decryptJson<XCredentials>(key(), secretBindings.accountAuthData(accountId), stored)).toMatchObject({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, userId: user.id, username: user.username });
    expect(await listed(accountId, user.username)).toMatchObject({ status: 'active', sessionSaved: true, lastSessionState: 'logged_in' });
  });
});

const execFileAsync = promisify(execFile);

/** A 3 s 9:16 clip of noise (≈5 MB, so more than one 4 MiB chunk), with a unique tag so it is never a duplicate. */
async function bigClip(): Promise<Buffer> {
  const path = join(stack.dataDir, `big-${randomBytes(3).toString('hex')}.mp4`);
  await execFileAsync('ffmpeg', [
    '-y', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=360x640:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-vf', 'noise=alls=40:allf=t+u', '-metadata', `comment=${randomBytes(8).toString('hex')}`,
    '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '22', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path,
  ]);
  return readFileSync(path);
}

describe('publishing', () => {
  it('publishes a video from POST /api/contents, uploaded in chunks, with the post URL and counters (views from impression_count)', async () => {
    const { modelId, user } = await oauthAccount();
    const video = await bigClip();
    expect(video.length).toBeGreaterThan(4 * 1024 * 1024);
    // Counters X will show for the post, set the moment it is created (before the worker can read them).
    const stop = onFirst('POST /2/tweets', (r) => r.status === 201 && postAuthor(r) === user.id, (r) => {
      x.setMetrics((r.response as { data: { id: string } }).data.id, { impression_count: 4321, like_count: 12, reply_count: 3, retweet_count: 5, quote_count: 2, bookmark_count: 9 });
    });
    const created = await uploadVideo(stack, { modelId, context: '¡Hola! Función especial 💃🏽', file: { data: video, name: 'clip.mp4' } });
    expect(created.status).toBe(202);
    const publicationId = await waitFor(async () => (await publicationsOfContent(db(), created.body.id as string))[0]?.id, { what: 'the publication', timeoutMs: 60_000 });
    const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed']);
    stop();
    expect(published.status, published.lastError ?? '').toBe('published');

    const posts = postsOf(user);
    expect(posts).toHaveLength(1);
    const post = posts[0]!;
    expect(published.postUrl).toBe(`https://x.com/${user.username}/status/${post.id}`);
    expect(published.externalId).toBe(post.id);
    expect(post.textSent).toContain(published.idempotencyMarker);
    expect(published.trackingLink).toMatch(/\/t\/[0-9a-f]{10}\/[0-9a-f]{12}$/);
    expect(post.textSent).toContain(published.trackingLink!);

    // The very file the publication names reached X, in segments of at most 4 MiB, in order.
    expect(post.mediaIds).toHaveLength(1);
    const upload = x.uploads.get(post.mediaIds[0]!)!;
    const ctx = await publicationContext(db(), publicationId);
    const sent = readFileSync(ctx!.publication.mediaPath ?? ctx!.content.filePath);
    expect(upload.assembled!.equals(sent)).toBe(true);
    expect(upload.appends.length).toBeGreaterThanOrEqual(2);
    expect(upload.appends.map((a) => a.segmentIndex)).toEqual(upload.appends.map((_, i) => i));
    expect(upload.appends.every((a) => a.bytes <= 4 * 1024 * 1024)).toBe(true);
    expect(upload.state).toBe('succeeded');

    const reads = await waitForMetrics(stack, publicationId);
    const data = reads[0]!.data as Record<string, unknown>;
    expect(data).toMatchObject({ views: 4321, likes: 12, comments: 3, shares: 7, source: 'api:x' });
  });

  it('with linkInReply (and its cost shown), the post carries no URL and a reply to it carries the tracking link', async () => {
    const user = newUser();
    const { modelId, accountId } = await createApiAccount(stack, 'x', { username: user.username });
    const before = await listed(accountId, user.username);
    expect(before.estimatedCostUsd).toBeCloseTo(LINK_POST_COST, 6);
    const patched = await api(stack, 'PATCH', `/api/accounts/${accountId}`, { publishSettings: { linkInReply: true } });
    expect(patched.status).toBe(200);
    const after = await listed(accountId, user.username);
    expect(after.publishSettings).toEqual({ linkInReply: true });
    expect(after.estimatedCostUsd).toBeCloseTo(POST_COST + LINK_POST_COST, 6);
    const round = await connectWithOAuth(stack, accountId, (url) => x.approve(url, user.id));
    expect(round.location).toBe(`/accounts?connected=${accountId}`);

    const { publicationId } = await publishClip(stack, modelId, 'Esta noche en vivo');
    const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed']);
    expect(published.status, published.lastError ?? '').toBe('published');
    const trackingUrl = published.trackingLink!;
    const posts = postsOf(user);
    const main = posts.find((p) => !p.inReplyToTweetId)!;
    expect(published.externalId).toBe(main.id);
    expect(published.postUrl).toBe(`https://x.com/${user.username}/status/${main.id}`);
    expect(main.textSent).toContain(published.idempotencyMarker);
    expect(main.textSent).not.toContain(trackingUrl);
    expect(main.textSent).not.toMatch(/https?:\/\//);
    expect(main.mediaIds).toHaveLength(1);
    // The reply is sent right after the post, within the same attempt.
    const replies = await waitFor(async () => {
      const found = postsOf(user).filter((p) => p.inReplyToTweetId === main.id);
      return found.length > 0 ? found : undefined;
    }, { what: 'the reply with the link', timeoutMs: 10_000 });
    expect(replies).toHaveLength(1);
    expect(replies[0]!.textSent).toContain(trackingUrl);
    expect(replies[0]!.mediaIds).toEqual([]);
    expect(postsOf(user)).toHaveLength(2);
  });

  it('a lost answer after POST /2/tweets ends in exactly one post, found by its marker', async () => {
    const { modelId, user } = await oauthAccount();
    const before = x.requestsTo('POST /2/tweets').length;
    x.loseNextAnswer('POST /2/tweets');
    const { publicationId } = await publishClip(stack, modelId);
    const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed']);
    expect(published.status, published.lastError ?? '').toBe('published');
    const tries = x.requestsTo('POST /2/tweets').slice(before);
    // One submit only: the retry found the post by its marker instead of posting again (and meeting a duplicate 403).
    expect(tries.map((r) => r.lost)).toEqual([true]);
    const posts = postsOf(user).filter((p) => p.textSent.includes(published.idempotencyMarker));
    expect(posts).toHaveLength(1);
    expect(postsOf(user)).toHaveLength(1);
    expect(published.externalId).toBe(posts[0]!.id);
    expect(published.attempts).toBeGreaterThanOrEqual(2);
    // The retry looked at the timeline before doing anything else.
    expect(x.requestsTo('GET /2/users/:id/tweets').some((r) => r.path === `/2/users/${user.id}/tweets`)).toBe(true);
  });

  it('obeys a 429: the next try comes at x-rate-limit-reset, not at the ordinary retry interval', async () => {
    const { modelId, user } = await oauthAccount();
    let resetAt = 0;
    // The window closes when this account's upload starts, so the 429 meets the post itself; it reopens 14 s later
    // (longer than the 5 s first retry interval, so a retry that ignored the header would meet a second 429).
    const stop = onFirst('POST /2/media/upload/initialize', (r) => r.status === 200 && uploadOwner(r) === user.id, () => {
      x.setRateLimit('POST /2/tweets', { remaining: 0, resetInSecs: 14 });
      resetAt = Math.floor(Date.now() / 1000) + 14;
    });
    const before = x.requestsTo('POST /2/tweets').length;
    const { publicationId } = await publishClip(stack, modelId);
    const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed']);
    stop();
    expect(published.status, published.lastError ?? '').toBe('published');
    const tries = x.requestsTo('POST /2/tweets').slice(before);
    expect(tries.map((r) => r.status)).toEqual([429, 201]);
    const limited = tries[0]!;
    expect(limited.at).toBeLessThan(resetAt * 1000);
    // x-rate-limit-reset is whole epoch seconds: the next attempt started no earlier than that second.
    const nextAttemptStart = x.requests.find((r) => r.at > limited.at && (r.route === 'GET /2/users/:id/tweets' || r.route === 'POST /2/media/upload/initialize') && r.status === 200);
    expect(nextAttemptStart).toBeDefined();
    expect(nextAttemptStart!.at).toBeGreaterThanOrEqual((resetAt - 1) * 1000);
    expect(postsOf(user)).toHaveLength(1);
  });

  it('a policy refusal fails the publication with X\'s reason and no retries', async () => {
    const { modelId, user } = await oauthAccount();
    const reason = 'This request looks like it might be automated. To protect our users from spam and other malicious activity, we can\'t complete this action right now.';
    x.rejectNext(reason);
    const { publicationId } = await publishClip(stack, modelId);
    const failed = await waitForStatus(stack, publicationId, ['failed', 'published', 'unconfirmed']);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/^RejectedByPlatform: /);
    expect(failed.lastError).toContain(reason);
    expect(failed.attempts).toBe(1);
    expect(postsOf(user)).toHaveLength(0);
  });
});

describe('tokens', () => {
  it('an expired access token is refreshed and the rotated refresh token saved: a second expiry is survived too', async () => {
    const { modelId, accountId, user, tokens } = await tokenAccount();
    const refreshes = () => x.requestsTo('POST /2/oauth2/token').filter((r) => r.body.grant_type === 'refresh_token');
    const first = await publishClip(stack, modelId, 'primera');
    expect((await waitForStatus(stack, first.publicationId, ['published', 'failed', 'unconfirmed'])).status).toBe('published');
    await waitForMetrics(stack, first.publicationId);

    for (const [round, context] of [[1, 'segunda'], [2, 'tercera']] as const) {
      const seen = refreshes().length;
      const previous = (await storedCredentials(accountId))!;
      x.expireAccessTokens();
      const next = await publishClip(stack, modelId, context);
      const published = await waitForStatus(stack, next.publicationId, ['published', 'failed', 'unconfirmed']);
      expect(published.status, `round ${round}: ${published.lastError ?? ''}`).toBe('published');
      const made = refreshes().slice(seen);
      expect(made.map((r) => r.status)).toEqual([200]);
      expect(made[0]!.body.refresh_token).toBe(previous.refreshToken);
      const saved = (await storedCredentials(accountId))!;
      expect(saved.refreshToken).not.toBe(previous.refreshToken);
      expect(x.refreshTokenValid(saved.refreshToken!)).toBe(true);
      expect(x.accessTokenValid(saved.accessToken)).toBe(true);
      await waitForMetrics(stack, next.publicationId);
    }
    expect(x.refreshTokenValid(tokens.refreshToken!)).toBe(false);
    expect(postsOf(user)).toHaveLength(3);
  });

  it('a revoked grant holds the account with a reconnect alert; connecting again by OAuth releases what waited', async () => {
    const { modelId, accountId, user } = await oauthAccount();
    // One publication goes out now; with an hour between posts the next two wait for their slots.
    const { posted, next, later } = await oneOutTwoWaiting(stack, modelId);
    await waitForMetrics(stack, posted.publicationId);
    await waitForStatus(stack, later.publicationId, ['scheduled']);

    // The owner removed our app from her connected apps: access and refresh tokens stop working.
    x.revoke((await storedCredentials(accountId))!.accessToken);
    expect((await api(stack, 'POST', `/api/publications/${next.publicationId}/publish-now`)).status).toBe(202);
    const failed = await waitForStatus(stack, next.publicationId, ['failed', 'published', 'unconfirmed']);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/^SessionExpired: .*reconnect the account/);
    expect(failed.attempts).toBe(1);
    await expectHeldUntilReconnected(stack, accountId, later.publicationId);
    expect(postsOf(user)).toHaveLength(1);

    await reconnectReleases(stack, accountId, later.publicationId, (url) => x.approve(url, user.id));
    await retryPublishes(stack, next.publicationId);
    expect(postsOf(user)).toHaveLength(2);
    expect(await api(stack, 'POST', `/api/publications/${later.publicationId}/cancel`)).toMatchObject({ status: 202 });
  });
});
