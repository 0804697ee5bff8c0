/**
 * The X driver against the fake X API v2 (test/fakes/x-server.ts): OAuth with PKCE, token checks and rotation, the
 * chunked upload, posting (with the link as a reply), X's refusals, lost answers and the counters.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeX, type FakeX, type FakeXOptions } from '../../../test/fakes/x-server.js';
import { apiApps, failureOf, setupContext, testApiContext } from '../../../test/helpers/api-driver.js';
import { makeTestVideo } from '../../../test/helpers/media.js';
import { oauthScopes } from '../../../contracts/drivers.js';
import type { AccountPublishSettings } from '../../../core/types.js';
import { PublishError } from '../errors.js';
import { CredentialsRejected, type ApiApps, type ApiPost } from './api-types.js';
import { X_CHUNK_BYTES, withoutLink, xDriver, xRetryAfterMs, xWeightedLength, type XCredentials } from './x.js';

const execFileAsync = promisify(execFile);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let dir: string;
let smallVideo: string;
let bigVideo: string;
let x: FakeX;
let apps: ApiApps;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'x-driver-'));
  smallVideo = await makeTestVideo(join(dir, 'small.mp4'), { seconds: 2 });
  // Noise does not compress: about 9 MB, so the upload takes three 4 MiB chunks.
  bigVideo = join(dir, 'big.mp4');
  await execFileAsync('ffmpeg', [
    '-y', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=360x640:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-vf', 'noise=alls=80:allf=t', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '24M', '-maxrate', '24M', '-bufsize', '8M',
    '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', bigVideo,
  ]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  await x?.close();
});

async function fake(options: FakeXOptions = {}): Promise<FakeX> {
  x = await startFakeX({ checkAfterSecs: 0, ...options });
  apps = apiApps({
    X_API_ROOT: x.url, X_AUTHORIZE_URL: x.authorizeUrl, X_CLIENT_ID: x.client.clientId, ...(x.client.clientSecret ? { X_CLIENT_SECRET: x.client.clientSecret } : {}),
  });
  return x;
}

/** An account connected with fresh tokens (as if through OAuth), `expiresAt` as X said. */
function account(username = 'ana_live') {
  const user = x.addUser({ username });
  const tokens = x.issueTokens(user.id);
  const creds: XCredentials = { ...tokens, userId: user.id, username };
  return { user, creds };
}

function context(creds: XCredentials, settings: AccountPublishSettings = {}) {
  return testApiContext(xDriver, apps, creds, { username: creds.username, settings });
}

/** A logger whose lines the test can read. */
function capturedLog() {
  const lines: Record<string, any>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

const trackingUrl = 'https://trk.example.com/t/ana-42';

function newPost(overrides: Partial<ApiPost> = {}): ApiPost {
  const marker = `ref:${randomBytes(6).toString('hex')}`;
  return {
    publicationId: randomBytes(8).toString('hex'),
    videoPath: smallVideo,
    caption: `Hola 👋 en vivo ahora\n\n#live #latina\n${trackingUrl}\n\n${marker}`,
    tags: ['live', 'latina'],
    marker,
    trackingUrl,
    sensitive: false,
    media: { durationSeconds: 2, width: 360, height: 640, sizeBytes: statSync(smallVideo).size },
    ...overrides,
  };
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(challenge: string, state: string, scopes = oauthScopes.x): { url: string; redirectUri: string } {
  const redirectUri = `${apps.publicUrl}/oauth/callback/x`;
  const url = new URL(apps.apis.x.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: apps.apis.x.client!.clientId, redirect_uri: redirectUri, scope: scopes.join(' '),
    state, code_challenge: challenge, code_challenge_method: 'S256',
  }).toString();
  return { url: url.toString(), redirectUri };
}

describe('connecting an account', () => {
  it('exchanges an authorization code with its PKCE verifier (confidential client: HTTP Basic)', async () => {
    await fake();
    const user = x.addUser({ username: 'ana_live' });
    const { verifier, challenge } = pkce();
    const { url, redirectUri } = authorizeUrl(challenge, 'signed-state-1');
    const location = new URL(await x.approve(url, user.id));
    expect(location.origin + location.pathname).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('signed-state-1');
    const code = location.searchParams.get('code')!;

    const { credentials, username } = await xDriver.exchangeCode!(setupContext(apps), { code, codeVerifier: verifier, redirectUri });
    expect(username).toBe('ana_live');
    expect(credentials).toMatchObject({ userId: user.id, username: 'ana_live' });
    expect(x.accessTokenValid(credentials.accessToken)).toBe(true);
    expect(x.refreshTokenValid(credentials.refreshToken!)).toBe(true);
    const lifetimeMs = Date.parse(credentials.expiresAt!) - Date.now();
    expect(lifetimeMs).toBeGreaterThan(7100_000);
    expect(lifetimeMs).toBeLessThanOrEqual(7200_000);

    const exchange = x.requestsTo('POST /2/oauth2/token')[0]!;
    expect(exchange.headers.authorization).toBe(`Basic ${Buffer.from(`${x.client.clientId}:${x.client.clientSecret}`).toString('base64')}`);
    expect(exchange.body).toMatchObject({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
    expect(exchange.body.client_id).toBeUndefined();

    // The same code twice: X refuses (a code is single use).
    const again = await failureOf(xDriver.exchangeCode!(setupContext(apps), { code, codeVerifier: verifier, redirectUri }));
    expect(again).toBeInstanceOf(CredentialsRejected);
  });

  it('is refused by X when the code verifier does not match the challenge', async () => {
    await fake();
    const user = x.addUser({ username: 'ana_live' });
    const { challenge } = pkce();
    const { url, redirectUri } = authorizeUrl(challenge, 'signed-state-2');
    const code = new URL(await x.approve(url, user.id)).searchParams.get('code')!;
    const error = await failureOf(xDriver.exchangeCode!(setupContext(apps), { code, codeVerifier: pkce().verifier, redirectUri }));
    expect(error).toBeInstanceOf(CredentialsRejected);
    expect((error as CredentialsRejected).field).toBe('code');
    expect(error.message).toContain('Value passed for the authorization code was invalid.');
    expect(x.requestsTo('POST /2/oauth2/token').at(-1)!.status).toBe(400);
    expect(x.requestsTo('GET /2/users/me')).toHaveLength(0);
  });

  it('refuses a grant without the scopes publishing needs', async () => {
    await fake();
    const user = x.addUser({ username: 'ana_live' });
    const { verifier, challenge } = pkce();
    const { url, redirectUri } = authorizeUrl(challenge, 'state-4', ['tweet.read', 'tweet.write', 'users.read', 'offline.access']);
    const code = new URL(await x.approve(url, user.id)).searchParams.get('code')!;
    const error = await failureOf(xDriver.exchangeCode!(setupContext(apps), { code, codeVerifier: verifier, redirectUri }));
    expect((error as CredentialsRejected).field).toBe('code');
    expect(error.message).toContain('media.write');
  });

  it('names itself with client_id in the body when the client is public (no secret), and refreshes the same way', async () => {
    await fake({ client: { clientId: 'cHVibGljLWNsaWVudDoxOmNp', redirectUris: ['http://localhost:3000/oauth/callback/x'] } });
    expect(apps.apis.x.client?.clientSecret).toBeUndefined();
    const user = x.addUser({ username: 'pub_user' });
    const { verifier, challenge } = pkce();
    const { url, redirectUri } = authorizeUrl(challenge, 'state-3');
    const code = new URL(await x.approve(url, user.id)).searchParams.get('code')!;
    const { credentials } = await xDriver.exchangeCode!(setupContext(apps), { code, codeVerifier: verifier, redirectUri });
    const refreshed = await xDriver.refresh!(setupContext(apps), credentials);
    expect(refreshed.refreshToken).not.toBe(credentials.refreshToken);
    for (const request of x.requestsTo('POST /2/oauth2/token')) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.body.client_id).toBe('cHVibGljLWNsaWVudDoxOmNp');
      expect(request.status).toBe(200);
    }
  });

  it('checks pasted credentials at once: a good token gives the handle, a bad one names the field', async () => {
    await fake();
    const { user, creds } = account('lola_cam');
    const accepted = await xDriver.acceptCredentials(setupContext(apps), { accessToken: creds.accessToken, refreshToken: creds.refreshToken, expiresAt: creds.expiresAt });
    expect(accepted.username).toBe('lola_cam');
    expect(accepted.credentials).toMatchObject({ accessToken: creds.accessToken, userId: user.id, username: 'lola_cam' });

    const bad = await failureOf(xDriver.acceptCredentials(setupContext(apps), { accessToken: 'not-a-token' }));
    expect(bad).toBeInstanceOf(CredentialsRejected);
    expect((bad as CredentialsRejected).field).toBe('accessToken');
    expect(bad.message).toContain('HTTP 401');

    const missing = await failureOf(xDriver.acceptCredentials(setupContext(apps), { refreshToken: 'x' }));
    expect((missing as CredentialsRejected).field).toBe('accessToken');
    const badDate = await failureOf(xDriver.acceptCredentials(setupContext(apps), { accessToken: creds.accessToken, expiresAt: 'tomorrow' }));
    expect((badDate as CredentialsRejected).field).toBe('expiresAt');
  });

  it('accepts a pasted pair whose access token has expired by refreshing it, and keeps the rotated pair', async () => {
    await fake();
    const { user, creds } = account('lola_cam');
    x.expireAccessTokens();
    const { credentials } = await xDriver.acceptCredentials(setupContext(apps), { accessToken: creds.accessToken, refreshToken: creds.refreshToken });
    expect(credentials.userId).toBe(user.id);
    expect(x.accessTokenValid(credentials.accessToken)).toBe(true);
    expect(x.refreshTokenValid(credentials.refreshToken!)).toBe(true);
    expect(x.refreshTokenValid(creds.refreshToken!)).toBe(false);

    x.revoke(credentials.accessToken);
    const refused = await failureOf(xDriver.acceptCredentials(setupContext(apps), { accessToken: credentials.accessToken, refreshToken: credentials.refreshToken }));
    expect((refused as CredentialsRejected).field).toBe('refreshToken');
  });
});

describe('publishing', () => {
  it('uploads the video in chunks, waits for processing, then posts with the media', async () => {
    await fake({ checkAfterSecs: 1 });
    const { creds } = account();
    const ctx = context(creds);
    const post = newPost({ videoPath: bigVideo, media: { durationSeconds: 3, width: 360, height: 640, sizeBytes: statSync(bigVideo).size } });

    const ref = await xDriver.publish(ctx, post);

    const file = readFileSync(bigVideo);
    const appends = x.requestsTo('POST /2/media/upload/:id/append');
    expect(appends).toHaveLength(Math.ceil(file.length / X_CHUNK_BYTES));
    expect(appends.length).toBeGreaterThanOrEqual(2);
    expect(appends.map((a) => a.body.segment_index)).toEqual(appends.map((_, i) => String(i)));
    for (const append of appends) expect(append.files.media).toBeLessThanOrEqual(5 * 1024 * 1024);
    const init = x.requestsTo('POST /2/media/upload/initialize')[0]!;
    expect(init.body).toEqual({ media_type: 'video/mp4', total_bytes: file.length, media_category: 'tweet_video' });
    const upload = x.uploads.get(init.response && (init.response as any).data.id)!;
    expect(upload.assembled!.length).toBe(file.length);
    expect(sha256(upload.assembled!)).toBe(sha256(file));

    // pending → in_progress → succeeded, one STATUS poll per check_after_secs (1 s).
    const finalize = x.requestsTo('POST /2/media/upload/:id/finalize')[0]!;
    const polls = x.requestsTo('GET /2/media/upload');
    expect(polls.map((p) => (p.response as any).data.processing_info.state)).toEqual(['in_progress', 'succeeded']);
    expect(polls[0]!.at - finalize.at).toBeGreaterThanOrEqual(900);
    expect(polls[0]!.query).toEqual({ command: 'STATUS', media_id: upload.id });

    const posted = x.post(ref.externalId)!;
    expect(posted.mediaIds).toEqual([upload.id]);
    expect(posted.textSent).toBe(post.caption);
    expect(ref.url).toBe(`https://x.com/ana_live/status/${posted.id}`);
    expect(ctx.steps).toEqual(['uploading', 'submitting']);
  });

  it('with linkInReply, posts without the link and puts the link in a reply to the post', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds, { linkInReply: true });
    const post = newPost();
    const ref = await xDriver.publish(ctx, post);

    expect(x.posts).toHaveLength(2);
    const [main, reply] = x.posts;
    expect(main!.id).toBe(ref.externalId);
    expect(main!.textSent).not.toContain(trackingUrl);
    expect(main!.textSent).toContain(post.marker);
    expect(main!.textSent).toBe(`Hola 👋 en vivo ahora\n\n#live #latina\n\n${post.marker}`);
    expect(main!.mediaIds).toHaveLength(1);
    expect(reply!.textSent).toContain(trackingUrl);
    expect(reply!.inReplyToTweetId).toBe(main!.id);
    expect(reply!.mediaIds).toEqual([]);
  });

  it('with linkInReply, a failed reply does not fail the publication (it is logged)', async () => {
    await fake();
    const { creds } = account();
    x.failNext('POST /2/tweets', { status: 503 }, { skip: 1 });
    const ctx = context(creds, { linkInReply: true });
    const { log, lines } = capturedLog();
    ctx.log = log;
    const ref = await xDriver.publish(ctx, newPost());
    expect(x.posts.map((p) => p.id)).toEqual([ref.externalId]);
    expect(x.requestsTo('POST /2/tweets').map((r) => r.status)).toEqual([201, 503]);
    expect(lines.some((l) => l.level === 40 && l.postId === ref.externalId && l.status === 503)).toBe(true);
  });

  it('a sensitive post is published with a warning: X API v2 has no per-post flag', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds);
    const { log, lines } = capturedLog();
    ctx.log = log;
    const ref = await xDriver.publish(ctx, newPost({ sensitive: true }));
    expect(x.post(ref.externalId)).toBeDefined();
    expect(x.requestsTo('POST /2/tweets')[0]!.body).toEqual({ text: expect.any(String), media: { media_ids: [expect.any(String)] } });
    expect(lines.some((l) => l.level === 40 && /Mark media you post as having material that may be sensitive/.test(l.msg))).toBe(true);
  });

  it('refreshes an access token X expired early, once, and the rotated pair is what gets stored', async () => {
    await fake();
    const { creds } = account();
    x.expireAccessTokens();
    const ctx = context(creds);
    const ref = await xDriver.publish(ctx, newPost());
    expect(x.post(ref.externalId)).toBeDefined();

    const stored = ctx.stored()!;
    expect(x.requestsTo('POST /2/oauth2/token')).toHaveLength(1);
    expect(stored.accessToken).not.toBe(creds.accessToken);
    expect(stored.refreshToken).not.toBe(creds.refreshToken);
    expect(x.refreshTokenValid(creds.refreshToken!)).toBe(false);
    expect(x.refreshTokenValid(stored.refreshToken!)).toBe(true);
    expect(x.accessTokenValid(stored.accessToken)).toBe(true);
    expect(stored).toMatchObject({ userId: creds.userId, username: creds.username });
  });

  it('refreshes ahead of time when the stored token is about to expire (checkSession)', async () => {
    await fake();
    const { creds } = account();
    const ctx = context({ ...creds, expiresAt: new Date(Date.now() + 10_000).toISOString() });
    expect(await xDriver.checkSession(ctx)).toBe('logged_in');
    expect(ctx.stored()!.refreshToken).not.toBe(creds.refreshToken);
    expect(x.requestsTo('GET /2/users/me').map((r) => r.status)).toEqual([200]);
  });

  it('a revoked grant ends in SessionExpired (publish) and logged_out (checkSession)', async () => {
    await fake();
    const { creds } = account();
    x.revoke(creds.accessToken);
    const ctx = context(creds);
    const error = await failureOf(xDriver.publish(ctx, newPost()));
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).type).toBe('SessionExpired');
    expect(x.requestsTo('POST /2/oauth2/token').map((r) => (r.response as any).error_description)).toEqual(['Value passed for the token was invalid.']);
    expect(x.posts).toHaveLength(0);
    expect(await xDriver.checkSession(context(creds))).toBe('logged_out');
  });

  it('a 429 is retryable at the time x-rate-limit-reset names, and nothing was posted', async () => {
    await fake();
    const { creds } = account();
    x.setRateLimit('POST /2/tweets', { remaining: 0, resetInSecs: 120 });
    const ctx = context(creds);
    const error = await failureOf(xDriver.publish(ctx, newPost())) as PublishError;
    expect(error.type).toBe('Retryable');
    expect(error.retryAfterMs).toBeGreaterThan(110_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(120_000);
    const refused = x.requestsTo('POST /2/tweets')[0]!;
    expect(refused.status).toBe(429);
    expect(ctx.steps).toEqual(['uploading', 'submitting', 'prepared']);
    expect(x.posts).toHaveLength(0);
  });

  it('an answer lost after the post was created: the step stays submitting and findByMarker finds the one post', async () => {
    await fake();
    const { user, creds } = account();
    x.addPost(user.id, 'an older post of the account');
    x.loseNextAnswer('POST /2/tweets');
    const ctx = context(creds);
    const post = newPost();
    const error = await failureOf(xDriver.publish(ctx, post)) as PublishError;
    expect(error.type).toBe('Retryable');
    expect(ctx.steps.at(-1)).toBe('submitting');
    const created = x.posts.filter((p) => p.textSent.includes(post.marker));
    expect(created).toHaveLength(1);

    const found = await xDriver.findByMarker!(ctx, post);
    expect(found).toEqual({ url: `https://x.com/ana_live/status/${created[0]!.id}`, externalId: created[0]!.id });
    const search = x.requestsTo('GET /2/users/:id/tweets')[0]!;
    expect(search.path).toBe(`/2/users/${user.id}/tweets`);
    expect(search.query).toMatchObject({ max_results: '100', exclude: 'replies,retweets' });

    // A retry that skipped the look-up would be refused as a duplicate: the driver then returns the same post.
    const again = await xDriver.publish(context(creds), post);
    expect(again.externalId).toBe(created[0]!.id);
    expect(x.posts.filter((p) => p.textSent.includes(post.marker))).toHaveLength(1);
    expect(await xDriver.findByMarker!(ctx, newPost())).toBeNull();
  });

  it('a policy refusal is RejectedByPlatform with X\'s reason, and the step goes back to prepared', async () => {
    await fake();
    const { creds } = account();
    const reason = 'This request looks like it might be automated. To protect our users from spam and other malicious activity, we can\'t complete this action right now.';
    x.rejectNext(reason);
    const ctx = context(creds);
    const error = await failureOf(xDriver.publish(ctx, newPost())) as PublishError;
    expect(error.type).toBe('RejectedByPlatform');
    expect(error.message).toContain(reason);
    expect(error.message).toContain('HTTP 403');
    expect(ctx.steps).toEqual(['uploading', 'submitting', 'prepared']);
    expect(x.posts).toHaveLength(0);
  });

  it('a video X cannot process is InvalidMedia, before anything is posted', async () => {
    await fake({ processingStates: ['in_progress', 'failed'] });
    const { creds } = account();
    const ctx = context(creds);
    const error = await failureOf(xDriver.publish(ctx, newPost())) as PublishError;
    expect(error.type).toBe('InvalidMedia');
    expect(error.message).toContain('Unsupported video format');
    expect(x.requestsTo('POST /2/tweets')).toHaveLength(0);
    expect(ctx.steps).toEqual(['uploading']);
  });

  it('refuses a text over 280 weighted characters before uploading anything', async () => {
    await fake();
    const { creds } = account();
    const marker = 'ref:0123456789ab';
    // 132 emoji weigh 264; the newline and the 16-character marker make 281.
    const caption = `${'🔥'.repeat(132)}\n${marker}`;
    expect(xWeightedLength(caption)).toBe(281);
    const error = await failureOf(xDriver.publish(context(creds), newPost({ caption, marker, trackingUrl: null }))) as PublishError;
    expect(error.type).toBe('RejectedByPlatform');
    expect(x.requestsTo('POST /2/media/upload/initialize')).toHaveLength(0);
  });
});

describe('reading back', () => {
  it('maps public_metrics: views = impressions, comments = replies, shares = reposts + quotes', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds);
    const ref = await xDriver.publish(ctx, newPost());
    x.setMetrics(ref.externalId, { impression_count: 1234, like_count: 56, reply_count: 7, retweet_count: 8, quote_count: 2, bookmark_count: 9 });
    expect(await xDriver.readMetrics(ctx, ref)).toEqual({ views: 1234, likes: 56, comments: 7, shares: 10 });
    expect(x.requestsTo('GET /2/tweets/:id')[0]!.query).toEqual({ 'tweet.fields': 'public_metrics' });
  });

  it('a deleted post is PostUnavailable', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds);
    const ref = await xDriver.publish(ctx, newPost());
    x.deletePost(ref.externalId);
    const error = await failureOf(xDriver.readMetrics(ctx, ref)) as PublishError;
    expect(error.type).toBe('PostUnavailable');
    const lookup = x.requestsTo('GET /2/tweets/:id')[0]!;
    expect(lookup.status).toBe(200);
    expect((lookup.response as any).errors[0].title).toBe('Not Found Error');
  });

  it('checkSession: 200 is logged_in, an X outage is unknown', async () => {
    await fake();
    const { creds } = account();
    expect(await xDriver.checkSession(context(creds))).toBe('logged_in');
    x.failNext('GET /2/users/me', { status: 503 });
    expect(await xDriver.checkSession(context(creds))).toBe('unknown');
  });
});

describe('pure helpers', () => {
  it('waits for a used-up 24-hour window rather than the 15-minute one', () => {
    const now = 1_700_000_000_000;
    const headers = new Headers({
      'x-rate-limit-remaining': '40', 'x-rate-limit-reset': String(now / 1000 + 300),
      'x-app-limit-24hour-remaining': '0', 'x-app-limit-24hour-reset': String(now / 1000 + 7200),
    });
    expect(xRetryAfterMs(headers, now)).toBe(7_200_000);
    headers.set('x-app-limit-24hour-remaining', '12');
    expect(xRetryAfterMs(headers, now)).toBe(300_000);
    expect(xRetryAfterMs(new Headers({ 'retry-after': '7' }), now)).toBe(7000);
  });

  it('weighs text as X does: URLs 23, emoji 2, CJK 2', () => {
    expect(xWeightedLength('hola')).toBe(4);
    expect(xWeightedLength('mira https://example.com/a/very/long/path/that/is/long')).toBe(5 + 23);
    expect(xWeightedLength('👋🏽')).toBe(2);
    expect(xWeightedLength('日本')).toBe(4);
    expect(xWeightedLength('cafe\u0301')).toBe(4);
  });

  it('takes the link out of a caption and tidies the gap', () => {
    expect(withoutLink(`Hola\n${trackingUrl}\n\nref:1`, trackingUrl)).toBe('Hola\n\nref:1');
    expect(withoutLink(`${trackingUrl}\nHola #live\n\n\nref:1`, trackingUrl)).toBe('Hola #live\n\nref:1');
  });

});
