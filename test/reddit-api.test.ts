/**
 * Reddit end to end through the product: an account connected through OAuth (the consent page played by the fake,
 * the callback served by the real stack), or with tokens the admin already holds; a video from POST /api/contents
 * to `published` on the fake subreddit (uploaded through Reddit's upload lease, NSFW when the model is sensitive,
 * with the subreddit's flair), a link post to the tracking URL, counters stored without a view count, a subreddit
 * rule refused before anything is posted, a revoked grant that holds the account until it is reconnected, a 429
 * obeyed for the time X-Ratelimit-Reset names, and a lost answer that still ends in one submission.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptJson, parseKeyring, secretBindings } from '../crypto/secrets.js';
import { findAccountWithPlatform } from '../db/accounts.js';
import { findPublication } from '../db/publications.js';
import type { RedditTarget } from '../core/types.js';
import { redditScopes } from '../activities/publishing/drivers/reddit.js';
import { startFakeReddit, type FakePost, type FakeReddit } from './fakes/reddit-server.js';
import { alertsOf, api, connectWithOAuth, createApiAccount, oneOutTwoWaiting, publishClip, waitForMetrics, waitForRetryToEnd, waitForStatus } from './helpers/api-platform.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const PUBLIC_URL = 'http://127.0.0.1:3999';
const REDIRECT_URI = `${PUBLIC_URL}/oauth/callback/reddit`;

let stack: TestStack;
let reddit: FakeReddit;

beforeAll(async () => {
  // The fake checks the redirect URI as Reddit does against the one registered for the app.
  reddit = await startFakeReddit({ redirectUri: REDIRECT_URI });
  stack = await startTestStack({
    embedded: false,
    env: {
      REDDIT_AUTH_ROOT: reddit.authRoot, REDDIT_API_ROOT: reddit.apiRoot,
      REDDIT_CLIENT_ID: reddit.clientId, REDDIT_CLIENT_SECRET: reddit.clientSecret, PUBLIC_URL,
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await reddit?.close();
});

const db = () => stack.app.db.db;
const run = () => randomBytes(3).toString('hex');

interface StoredCredentials { accessToken: string; refreshToken?: string; expiresAt?: string; username: string }
async function storedCredentials(accountId: string): Promise<StoredCredentials | null> {
  const authData = (await findAccountWithPlatform(db(), accountId))!.account.authData;
  return authData ? decryptJson<StoredCredentials>(parseKeyring(stack.env.AUTH_ENCRYPTION_KEY!), secretBindings.accountAuthData(accountId), authData) : null;
}

/** A Reddit user of the fake, a subreddit for her, and a model + account posting there (not yet connected). */
async function redditAccount(opts: { sensitive?: boolean; subreddits?: RedditTarget[] } = {}) {
  const id = run();
  const user = reddit.addUser(`u_${id}`).name;
  const subreddits = opts.subreddits ?? [{ subreddit: `clips_${id}`, kind: 'video' }];
  for (const target of subreddits) if (!reddit.subreddits.has(target.subreddit.toLowerCase())) reddit.addSubreddit({ name: target.subreddit, over18: true });
  const account = await createApiAccount(stack, 'reddit', { username: user, sensitive: opts.sensitive, publishSettings: { subreddits } });
  return { ...account, user, subreddits };
}

/** Connected with tokens the admin already holds (POST /api/accounts/:id/credentials). */
async function connectedAccount(opts: Parameters<typeof redditAccount>[0] = {}) {
  const account = await redditAccount(opts);
  const tokens = reddit.issueTokens(account.user);
  const connected = await api(stack, 'POST', `/api/accounts/${account.accountId}/credentials`, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
  expect(connected).toMatchObject({ status: 200, body: { state: 'logged_in', status: 'active' } });
  return { ...account, tokens };
}

const submitsTo = (subreddit: string) => reddit.requestsTo('/api/submit', 'POST').filter((r) => r.params.sr === subreddit);

describe('connecting', () => {
  it('connects through OAuth: the consent page gets a permanent grant for our redirect URI, and the tokens are stored', async () => {
    const { accountId, user } = await redditAccount();
    const exchangesBefore = reddit.requestsTo('/api/v1/access_token', 'POST').length;
    const { authorizeUrl, callbackStatus, location } = await connectWithOAuth(stack, accountId, (url) => reddit.approve(url, { user }).redirect);

    const asked = new URL(authorizeUrl);
    expect(`${asked.origin}${asked.pathname}`).toBe(`${reddit.authRoot}/api/v1/authorize`);
    expect(asked.searchParams.get('client_id')).toBe(reddit.clientId);
    expect(asked.searchParams.get('response_type')).toBe('code');
    expect(asked.searchParams.get('duration')).toBe('permanent');
    expect(asked.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    // Every scope the driver uses (the product also asks for `flair`, which posting with a flair id does not need).
    expect(asked.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining([...redditScopes]));
    expect(asked.searchParams.get('state')).toBeTruthy();

    expect(callbackStatus).toBe(302);
    expect(location).toBe(`/accounts?connected=${encodeURIComponent(accountId)}`);
    const exchanges = reddit.requestsTo('/api/v1/access_token', 'POST').slice(exchangesBefore);
    expect(exchanges.map((r) => [r.params.grant_type, r.params.redirect_uri, r.status])).toEqual([['authorization_code', REDIRECT_URI, 200]]);
    expect(exchanges[0]!.authorization).toBe(`Basic ${Buffer.from(`${reddit.clientId}:${reddit.clientSecret}`).toString('base64')}`);

    const stored = await waitFor(() => storedCredentials(accountId).then((c) => c ?? undefined), { what: 'the stored tokens', timeoutMs: 60_000 });
    const issued = exchanges[0]!.response as { access_token: string; refresh_token: string };
    expect(stored).toMatchObject({ accessToken: issued.access_token, refreshToken: issued.refresh_token, username: user });
    expect(Date.parse(stored.expiresAt!)).toBeGreaterThan(Date.now() + 50 * 60_000);
    const { account } = (await findAccountWithPlatform(db(), accountId))!;
    expect(account.authData).not.toContain(issued.refresh_token);
    expect(account.status).toBe('active');
    const listed = await api<{ items: { id: string; publishesVia: string; connectWays: string[] }[] }>(stack, 'GET', `/api/accounts?q=${encodeURIComponent(user)}`);
    expect(listed.body.items.find((a) => a.id === accountId)).toMatchObject({ publishesVia: 'api', connectWays: ['oauth', 'credentials'] });
  });

  it('a declined consent comes back as connectError=oauth_denied and stores nothing', async () => {
    const { accountId, user } = await redditAccount();
    const exchangesBefore = reddit.requestsTo('/api/v1/access_token').length;
    const { callbackStatus, location } = await connectWithOAuth(stack, accountId, (url) => {
      const denied = reddit.approve(url, { user, deny: true }).redirect;
      expect(new URL(denied).searchParams.get('error')).toBe('access_denied');
      return denied;
    });
    expect(callbackStatus).toBe(302);
    expect(location).toBe('/accounts?connectError=oauth_denied');
    expect(reddit.requestsTo('/api/v1/access_token')).toHaveLength(exchangesBefore);
    expect(await storedCredentials(accountId)).toBeNull();
  });

  it('takes { accessToken, refreshToken } after asking Reddit who they belong to, and names the field Reddit refused', async () => {
    const { accountId, user } = await redditAccount();
    const meBefore = reddit.requestsTo('/api/v1/me').length;
    const wrong = await api<{ error: string; fields: Record<string, string> }>(stack, 'POST', `/api/accounts/${accountId}/credentials`, { accessToken: 'not-a-reddit-token' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('credentials_rejected');
    expect(Object.keys(wrong.body.fields)).toEqual(['accessToken']);
    expect(reddit.requestsTo('/api/v1/me').slice(meBefore).map((r) => r.status)).toEqual([401]);
    expect(await storedCredentials(accountId)).toBeNull();

    // An access token that expired, with a refresh token the user revoked: the refresh token is what to fix.
    const stale = reddit.issueTokens(user);
    reddit.revoke(stale.refreshToken!);
    const revoked = await api<{ error: string; fields: Record<string, string> }>(stack, 'POST', `/api/accounts/${accountId}/credentials`, { accessToken: stale.accessToken, refreshToken: stale.refreshToken });
    expect(revoked.status).toBe(400);
    expect(Object.keys(revoked.body.fields)).toEqual(['refreshToken']);
    expect(await storedCredentials(accountId)).toBeNull();

    const tokens = reddit.issueTokens(user);
    const right = await api(stack, 'POST', `/api/accounts/${accountId}/credentials`, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
    expect(right).toMatchObject({ status: 200, body: { state: 'logged_in', status: 'active' } });
    expect(await storedCredentials(accountId)).toMatchObject({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, username: user });
  });
});

describe('publishing', () => {
  it('publishes a video from POST /api/contents: uploaded, NSFW, with flair, the permalink stored, counters without views', async () => {
    const id = run();
    const subreddit = `flaired_${id}`;
    reddit.addSubreddit({ name: subreddit, over18: true, requirements: { is_flair_required: true } });
    const { modelId, user } = await connectedAccount({
      sensitive: true, subreddits: [{ subreddit, kind: 'video', flairId: '6f1c2a7e-0d3b-11ee-9c6a-3e8f2d6b1a90', flairText: 'OC' }],
    });
    // The post shows in listings only once the video is processed; people vote and comment meanwhile.
    reddit.processingMs = 1500;
    const onPost = (post: FakePost) => {
      if (post.author === user) reddit.setCounts(post.name, { score: 42, numComments: 7 });
    };
    reddit.on('post', onPost);
    try {
      const { publicationId } = await publishClip(stack, modelId, '¡Hola! Función especial 💃🏽');
      const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed']);
      expect(published.status, published.lastError ?? '').toBe('published');

      const posts = reddit.postsBy(user);
      expect(posts).toHaveLength(1);
      const post = posts[0]!;
      expect(post).toMatchObject({ subreddit, kind: 'video', nsfw: true, flairId: '6f1c2a7e-0d3b-11ee-9c6a-3e8f2d6b1a90', flairText: 'OC' });
      expect(published.postUrl).toBe(`https://www.reddit.com${post.permalink}`);
      expect(published.externalId).toBe(post.name);
      expect(post.title).toContain(published.idempotencyMarker);
      expect([...post.title].length).toBeLessThanOrEqual(300);
      const submit = submitsTo(subreddit);
      expect(submit).toHaveLength(1);
      expect(submit[0]!.params).toMatchObject({ api_type: 'json', kind: 'video', nsfw: 'true', flair_id: post.flairId, flair_text: 'OC' });
      // The clip and its poster frame went to the upload bucket through leases, and the submission names them.
      const video = reddit.uploads.find((u) => post.url.endsWith(`/${u.bucket}/${u.key}`));
      expect(video).toMatchObject({ mimetype: 'video/mp4' });
      expect(video!.size).toBeGreaterThan(1000);
      expect(reddit.uploads.find((u) => post.posterUrl?.endsWith(`/${u.bucket}/${u.key}`))).toMatchObject({ mimetype: 'image/jpeg' });
      expect(reddit.requests.filter((r) => r.root === 'api').every((r) => r.userAgent?.startsWith('server:100-trafico:'))).toBe(true);

      const reads = await waitForMetrics(stack, publicationId);
      const data = reads[0]!.data as Record<string, unknown>;
      expect(data).toMatchObject({ likes: 42, comments: 7, source: 'api:reddit' });
      expect(data).not.toHaveProperty('views');
      expect(data).not.toHaveProperty('shares');
    } finally {
      reddit.off('post', onPost);
      reddit.processingMs = 0;
    }
  });

  it('publishes a link post to the account\'s tracking URL, not NSFW for a model that is not sensitive', async () => {
    const id = run();
    const subreddit = `links_${id}`;
    const { modelId, user } = await connectedAccount({ subreddits: [{ subreddit, kind: 'link' }] });
    const { publicationId } = await publishClip(stack, modelId);
    const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed']);
    expect(published.status, published.lastError ?? '').toBe('published');
    const posts = reddit.postsBy(user);
    expect(posts).toHaveLength(1);
    // The link is the post's own tracking link (/t/<code>/<ref>), so its clicks count for this post.
    const trackingLink = (await findPublication(stack.app.db.db, publicationId))!.trackingLink!;
    expect(trackingLink).toBe(`${PUBLIC_URL}/t/${(await findAccountWithPlatform(stack.app.db.db, published.accountId))!.account.trackingCode}/${published.idempotencyMarker.slice(4)}`);
    expect(posts[0]).toMatchObject({ subreddit, kind: 'link', url: trackingLink, nsfw: false });
    expect(posts[0]!.title).toContain(published.idempotencyMarker);
    expect(published.postUrl).toBe(`https://www.reddit.com${posts[0]!.permalink}`);
    expect(published.externalId).toBe(posts[0]!.name);
    // A link post uploads nothing.
    expect(submitsTo(subreddit).map((r) => r.params.kind)).toEqual(['link']);

    const data = (await waitForMetrics(stack, publicationId))[0]!.data as Record<string, unknown>;
    expect(data).toMatchObject({ likes: 1, comments: 0, source: 'api:reddit' });
    expect(data).not.toHaveProperty('views');
  });

  it('refuses a post that breaks a subreddit rule before posting anywhere, naming the rule', async () => {
    const id = run();
    const strict = `strict_${id}`;
    reddit.addSubreddit({ name: strict, requirements: { title_required_strings: ['[OC]'], is_flair_required: true } });
    const { modelId, user } = await connectedAccount({ subreddits: [{ subreddit: `open_${id}`, kind: 'video' }, { subreddit: strict, kind: 'link' }] });
    const leasesBefore = reddit.requestsTo('/api/media/asset.json').length;
    const { publicationId } = await publishClip(stack, modelId);
    const failed = await waitForStatus(stack, publicationId, ['failed', 'published']);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/^RejectedByPlatform: .*nothing was posted/);
    expect(failed.lastError).toContain(`r/${strict}: the title must contain one of: "[OC]"; post flair is required`);
    expect(failed.lastError).not.toContain(`r/open_${id}:`);
    expect(failed.attempts).toBe(1);
    // The rules were read, and nothing was uploaded or submitted to either subreddit.
    expect(reddit.requestsTo(`/api/v1/${strict}/post_requirements`).length).toBeGreaterThan(0);
    expect(reddit.requestsTo('/api/media/asset.json')).toHaveLength(leasesBefore);
    expect(submitsTo(strict)).toHaveLength(0);
    expect(submitsTo(`open_${id}`)).toHaveLength(0);
    expect(reddit.postsBy(user)).toHaveLength(0);
  });

  it('obeys a 429: the next try waits for the seconds X-Ratelimit-Reset names', async () => {
    const id = run();
    const subreddit = `busy_${id}`;
    const { modelId, user } = await connectedAccount({ subreddits: [{ subreddit, kind: 'link' }] });
    // Longer than the publish activity's own first retry interval (5 s), so only the header can explain the wait.
    const resetS = 9;
    reddit.failNext({ path: '/api/submit', method: 'POST' }, {
      status: 429, body: { message: 'Too Many Requests', error: 429 },
      headers: { 'x-ratelimit-used': '100', 'x-ratelimit-remaining': '0.0', 'x-ratelimit-reset': String(resetS) },
    });
    const { publicationId } = await publishClip(stack, modelId);
    const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed']);
    expect(published.status, published.lastError ?? '').toBe('published');
    const tries = submitsTo(subreddit);
    expect(tries.map((r) => r.status)).toEqual([429, 200]);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(resetS * 1000);
    expect(tries[1]!.at - tries[0]!.at).toBeLessThan(resetS * 1000 + 15_000);
    expect(reddit.postsBy(user)).toHaveLength(1);
    expect(published.attempts).toBe(2);
  });

  it('a lost answer after /api/submit ends in exactly one submission: the retry finds the post by its marker', async () => {
    const id = run();
    const subreddit = `lost_${id}`;
    const { modelId, user } = await connectedAccount({ subreddits: [{ subreddit, kind: 'video' }] });
    reddit.loseNextAnswer({ path: '/api/submit', method: 'POST' });
    const { publicationId } = await publishClip(stack, modelId);
    const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed']);
    expect(published.status, published.lastError ?? '').toBe('published');
    const submits = submitsTo(subreddit);
    expect(submits).toHaveLength(1);
    expect(submits[0]!.lost).toBe(true);
    const posts = reddit.postsBy(user);
    expect(posts).toHaveLength(1);
    expect(published.externalId).toBe(posts[0]!.name);
    expect(published.postUrl).toBe(`https://www.reddit.com${posts[0]!.permalink}`);
    expect(published.attempts).toBeGreaterThanOrEqual(2);
  });
});

describe('a revoked grant', () => {
  it('holds the account with a reconnect alert; reconnecting through OAuth releases what waited and a retry publishes', async () => {
    const id = run();
    const { modelId, accountId, user, tokens } = await connectedAccount({ subreddits: [{ subreddit: `held_${id}`, kind: 'link' }] });
    // One publication goes out now; with an hour between posts the next two wait for their slots.
    const { next, later } = await oneOutTwoWaiting(stack, modelId);

    // The user removed the app in her Reddit preferences: the refresh token and every access token it issued stop working.
    reddit.revoke(tokens.refreshToken!);
    expect((await api(stack, 'POST', `/api/publications/${next.publicationId}/publish-now`)).status).toBe(202);
    const failed = await waitForStatus(stack, next.publicationId, ['failed', 'published']);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/^SessionExpired: .*invalid_grant.*reconnect the account/);
    expect(failed.attempts).toBe(1);
    expect((await findAccountWithPlatform(db(), accountId))!.account.status).toBe('session_expired');
    expect((await waitForStatus(stack, later.publicationId, ['held'])).status).toBe('held');
    const alerts = (await alertsOf(stack, accountId)).map((e) => e.data as { kind: string; errorType?: string });
    expect(alerts).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'account_paused', errorType: 'SessionExpired' })]));
    expect(reddit.postsBy(user)).toHaveLength(1);

    const { location } = await connectWithOAuth(stack, accountId, (url) => reddit.approve(url, { user }).redirect);
    expect(location).toBe(`/accounts?connected=${encodeURIComponent(accountId)}`);
    expect((await waitForStatus(stack, later.publicationId, ['scheduled'])).status).toBe('scheduled');
    expect((await findAccountWithPlatform(db(), accountId))!.account.status).toBe('active');
    expect((await storedCredentials(accountId))!.refreshToken).not.toBe(tokens.refreshToken);
    expect(await api(stack, 'POST', `/api/publications/${next.publicationId}/retry`)).toMatchObject({ status: 202 });
    const retried = await waitForRetryToEnd(stack, next.publicationId);
    expect(retried.status, retried.lastError ?? '').toBe('published');
    expect(reddit.postsBy(user)).toHaveLength(2);
    expect(await api(stack, 'POST', `/api/publications/${later.publicationId}/cancel`)).toMatchObject({ status: 202 });
  });
});
