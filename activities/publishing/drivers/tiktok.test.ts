/**
 * The TikTok driver against the fake TikTok (test/fakes/tiktok-server.ts): Login Kit (code + PKCE, pasted refresh
 * tokens, refresh and invalid_grant), direct posts with the chunked upload and status polling, the unaudited app's
 * SELF_ONLY, inbox drafts, TikTok's refusals and limits, resuming a saved publish_id, the marker search and counters.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chunkRuleBroken, startFakeTikTok, type FakeTikTok, type FakeTikTokOptions, type TikTokCreator } from '../../../test/fakes/tiktok-server.js';
import { apiApps, failureOf, setupContext, testApiContext } from '../../../test/helpers/api-driver.js';
import { makeTestVideo } from '../../../test/helpers/media.js';
import type { AccountPublishSettings } from '../../../core/types.js';
import { PublishError } from '../errors.js';
import { CredentialsRejected, type ApiApps, type ApiPost } from './api-types.js';
import { TIKTOK_CHUNK_BYTES, chunkPlan, postIdsOf, tiktokDriver, tiktokScopes, type TikTokCredentials } from './tiktok.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** Polls are a third of the context's deadline: 500 ms here. */
const TIMEOUT_MS = 1500;
/** The media transfer guide's example shape: two chunks, the trailing bytes in the last one. */
const BIG_SIZE = 25_000_123;

let dir: string;
let smallVideo: string;
let bigVideo: string;
let tt: FakeTikTok;
let apps: ApiApps;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tiktok-driver-'));
  smallVideo = await makeTestVideo(join(dir, 'small.mp4'), { seconds: 2 });
  // TikTok's fake never decodes the bytes: a file of the guide's size is enough to exercise the chunk rules.
  bigVideo = join(dir, 'big.mp4');
  writeFileSync(bigVideo, randomBytes(BIG_SIZE));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  await tt?.close();
});

async function fake(options: FakeTikTokOptions = {}): Promise<FakeTikTok> {
  tt = await startFakeTikTok({ processingPolls: 0, ...options });
  apps = apiApps({
    TIKTOK_API_ROOT: tt.url, TIKTOK_AUTHORIZE_URL: tt.authorizeUrl, TIKTOK_CLIENT_KEY: tt.client.clientKey,
    TIKTOK_CLIENT_SECRET: tt.client.clientSecret, TIKTOK_APP_AUDITED: tt.audited ? 'true' : 'false',
  });
  return tt;
}

/** A creator connected with fresh tokens (as if through Login Kit). */
function account(username = 'ana_live', fields: Partial<TikTokCreator> = {}) {
  const creator = tt.addCreator({ username, ...fields });
  const tokens = tt.issueTokens(creator.openId);
  const creds: TikTokCredentials = { ...tokens, username };
  return { creator, creds };
}

function context(creds: TikTokCredentials | null, settings: Record<string, unknown> = {}) {
  return testApiContext(tiktokDriver, apps, creds, { username: creds?.username, settings: settings as AccountPublishSettings, timeoutMs: TIMEOUT_MS });
}

function capturedLog() {
  const lines: Record<string, any>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

function newPost(overrides: Partial<ApiPost> = {}): ApiPost {
  const marker = `ref:${randomBytes(6).toString('hex')}`;
  const videoPath = overrides.videoPath ?? smallVideo;
  return {
    publicationId: randomBytes(8).toString('hex'),
    videoPath,
    caption: `Hola 👋 en vivo ahora\n\n#live #latina\n${marker}`,
    tags: ['live', 'latina'],
    marker,
    trackingUrl: null,
    sensitive: false,
    media: { durationSeconds: 2, width: 360, height: 640, sizeBytes: statSync(videoPath).size },
    ...overrides,
  };
}

const inits = () => tt.requestsTo('POST /v2/post/publish/video/init/');
const puts = () => tt.requestsTo('PUT upload_url');

describe('connecting an account', () => {
  function authorizeUrl(challenge: string) {
    const redirectUri = `${apps.publicUrl}/oauth/callback/tiktok`;
    const url = new URL(apps.apis.tiktok.authorizeUrl);
    url.search = new URLSearchParams({
      client_key: apps.apis.tiktok.client!.clientId, scope: tiktokScopes.join(','), redirect_uri: redirectUri, state: 'signed-state',
      response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256',
    }).toString();
    return { url: url.toString(), redirectUri };
  }

  it('exchanges an authorization code with its PKCE verifier and keeps Login Kit\'s lifetimes (24 h, 365 days)', async () => {
    await fake();
    const creator = tt.addCreator({ username: 'ana_live' });
    const verifier = randomBytes(32).toString('base64url');
    const { url, redirectUri } = authorizeUrl(createHash('sha256').update(verifier).digest('base64url'));
    const location = new URL(await tt.approve(url, creator.openId));
    expect(location.searchParams.get('state')).toBe('signed-state');
    const code = location.searchParams.get('code')!;

    const { credentials, username } = await tiktokDriver.exchangeCode!(setupContext(apps), { code, codeVerifier: verifier, redirectUri });
    expect(username).toBe('ana_live');
    expect(credentials).toMatchObject({ openId: creator.openId, username: 'ana_live', scopes: tiktokScopes });
    expect(tt.accessTokenValid(credentials.accessToken)).toBe(true);
    expect(tt.refreshTokenValid(credentials.refreshToken)).toBe(true);
    expect(Date.parse(credentials.expiresAt) - Date.now()).toBeGreaterThan(86_300_000);
    expect(Date.parse(credentials.refreshExpiresAt!) - Date.now()).toBeGreaterThan(364 * 86_400_000);
    expect(tt.requestsTo('POST /v2/oauth/token/')[0]!.body).toEqual({
      client_key: tt.client.clientKey, client_secret: tt.client.clientSecret, grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier,
    });

    // A code is single use.
    const again = await failureOf(tiktokDriver.exchangeCode!(setupContext(apps), { code, codeVerifier: verifier, redirectUri }));
    expect(again).toBeInstanceOf(CredentialsRejected);
    expect((again as CredentialsRejected).field).toBe('code');
  });

  it('a verifier that does not match the challenge is refused, naming the code', async () => {
    await fake();
    const creator = tt.addCreator({ username: 'ana_live' });
    const { url, redirectUri } = authorizeUrl(createHash('sha256').update('the-real-verifier').digest('base64url'));
    const code = new URL(await tt.approve(url, creator.openId)).searchParams.get('code')!;
    const error = await failureOf(tiktokDriver.exchangeCode!(setupContext(apps), { code, codeVerifier: 'another-verifier', redirectUri }));
    expect((error as CredentialsRejected).field).toBe('code');
    expect(error.message).toContain('Code verifier or code challenge is invalid.');
    expect(tt.requestsTo('GET /v2/user/info/')).toHaveLength(0);
  });

  it('takes a pasted refresh token (the handle from creator_info when user.info.profile was not granted); a bad one names refreshToken', async () => {
    await fake();
    const creator = tt.addCreator({ username: 'lola_cam' });
    const tokens = tt.issueTokens(creator.openId, { scopes: ['user.info.basic', 'video.publish', 'video.list'] });
    const accepted = await tiktokDriver.acceptCredentials(setupContext(apps), { refreshToken: tokens.refreshToken });
    expect(accepted.username).toBe('lola_cam');
    expect(accepted.credentials).toMatchObject({ openId: creator.openId, refreshToken: tokens.refreshToken, scopes: ['user.info.basic', 'video.publish', 'video.list'] });
    expect(tt.requestsTo('GET /v2/user/info/').map((r) => [r.query.fields, r.status])).toEqual([['open_id,display_name,username', 400], ['open_id,display_name', 200]]);

    const bad = await failureOf(tiktokDriver.acceptCredentials(setupContext(apps), { refreshToken: 'rft.not-a-token' }));
    expect(bad).toBeInstanceOf(CredentialsRejected);
    expect((bad as CredentialsRejected).field).toBe('refreshToken');
    expect(bad.message).toContain('invalid_grant');
    const missing = await failureOf(tiktokDriver.acceptCredentials(setupContext(apps), {}));
    expect((missing as CredentialsRejected).field).toBe('refreshToken');
  });

  it('checks the session: logged in, then logged out once the creator removed our app', async () => {
    await fake();
    const { creator, creds } = account();
    expect(await tiktokDriver.checkSession(context(creds))).toBe('logged_in');
    tt.revoke(creator.openId);
    expect(await tiktokDriver.checkSession(context(creds))).toBe('logged_out');
  });
});

describe('tokens', () => {
  it('an access token past its 24 h is refreshed before use and saved; a refresh token TikTok refuses (invalid_grant) is SessionExpired', async () => {
    await fake({ rotateRefreshTokens: true });
    const { creator, creds } = account();
    const ctx = context({ ...creds, expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(await tiktokDriver.checkSession(ctx)).toBe('logged_in');
    const stored = ctx.stored()!;
    expect(stored.accessToken).not.toBe(creds.accessToken);
    expect(stored.refreshToken).not.toBe(creds.refreshToken);
    expect(tt.refreshTokenValid(stored.refreshToken)).toBe(true);
    expect(tt.requestsTo('POST /v2/oauth/token/')[0]!.body).toMatchObject({ grant_type: 'refresh_token', refresh_token: creds.refreshToken });

    tt.revoke(creator.openId);
    const expired = context({ ...stored, expiresAt: new Date(Date.now() - 1000).toISOString() });
    const error = await failureOf(tiktokDriver.publish(expired, newPost()));
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).type).toBe('SessionExpired');
    expect(error.message).toContain('invalid_grant');
    expect(inits()).toHaveLength(0);
  });

  it('invalid_grant answered with HTTP 200 is SessionExpired all the same', async () => {
    await fake({ oauthErrorStatus: 200 });
    const { creds } = account();
    const error = await failureOf(tiktokDriver.refresh!(setupContext(apps), { ...creds, refreshToken: 'rft.revoked' }));
    expect((error as PublishError).type).toBe('SessionExpired');
    expect(tt.requestsTo('POST /v2/oauth/token/')[0]!.status).toBe(200);
  });

  it('access_token_invalid on a token we thought valid: one refresh, then the call goes through', async () => {
    await fake();
    const { creds } = account();
    tt.expireAccessTokens();
    const ctx = context(creds);
    expect(await tiktokDriver.checkSession(ctx)).toBe('logged_in');
    expect(tt.requestsTo('GET /v2/user/info/').map((r) => r.status)).toEqual([401, 200]);
    expect(tt.requestsTo('POST /v2/oauth/token/')).toHaveLength(1);
  });
});

describe('direct posts', () => {
  it('uploads 25 MB in two chunks with the Content-Range TikTok wants, polls PROCESSING_UPLOAD → PUBLISH_COMPLETE and returns the post URL', async () => {
    await fake({ audited: true });
    const { creds } = account();
    tt.planNextPublish({ processingPolls: 2, moderationPolls: 1 });
    const ctx = context(creds, { tiktokPrivacy: 'PUBLIC_TO_EVERYONE' });
    const putsWhenSaved: number[] = [];
    const save = ctx.saveProgress.bind(ctx);
    ctx.saveProgress = async (progress) => {
      putsWhenSaved.push(puts().length);
      await save(progress);
    };
    const post = newPost({ videoPath: bigVideo });
    const ref = await tiktokDriver.publish(ctx, post);

    const [publish] = tt.publishes;
    expect(tt.requestsTo('POST /v2/post/publish/creator_info/query/')).toHaveLength(1);
    expect(inits()[0]!.body).toEqual({
      post_info: {
        title: post.caption, privacy_level: 'PUBLIC_TO_EVERYONE', disable_comment: false, disable_duet: false, disable_stitch: false,
        brand_content_toggle: false, brand_organic_toggle: false, is_aigc: false,
      },
      source_info: { source: 'FILE_UPLOAD', video_size: BIG_SIZE, chunk_size: TIKTOK_CHUNK_BYTES, total_chunk_count: 2 },
    });
    expect(publish!.chunks).toEqual([
      { contentRange: `bytes 0-9999999/${BIG_SIZE}`, bytes: 10_000_000, status: 206 },
      { contentRange: `bytes 10000000-${BIG_SIZE - 1}/${BIG_SIZE}`, bytes: 15_000_123, status: 201 },
    ]);
    expect(puts().every((r) => r.headers['content-type'] === 'video/mp4')).toBe(true);
    expect(sha256(Buffer.concat(publish!.received))).toBe(sha256(readFileSync(bigVideo)));
    expect(publish!.polled).toEqual(['PROCESSING_UPLOAD', 'PROCESSING_UPLOAD', 'PUBLISH_COMPLETE', 'PUBLISH_COMPLETE']);

    // The 19-digit post id (past 2^53) is kept to the last digit.
    const video = tt.videos[0]!;
    expect(ref).toEqual({ url: `https://www.tiktok.com/@ana_live/video/${video.id}`, externalId: video.id });
    expect(video.caption).toBe(post.caption);
    expect(ctx.steps).toEqual(['uploading', 'submitting']);
    // The publish_id was saved before the first byte, then after each chunk.
    expect(putsWhenSaved).toEqual([0, 1, 2]);
    expect(ctx.savedProgress[0]).toMatchObject({ publishId: publish!.publishId, bytesSent: 0, chunkSize: TIKTOK_CHUNK_BYTES, chunkCount: 2 });
    expect(ctx.savedProgress.at(-1)).toMatchObject({ publishId: publish!.publishId, bytesSent: BIG_SIZE });
  });

  it('honours the account\'s privacy when TikTok offers it, else the most public offered (a private account: followers)', async () => {
    await fake({ audited: true });
    const { creds } = account('priv_ana', { privateAccount: true });
    const ref = await tiktokDriver.publish(context(creds, { tiktokPrivacy: 'PUBLIC_TO_EVERYONE' }), newPost());
    expect(inits()[0]!.body.post_info).toMatchObject({ privacy_level: 'FOLLOWER_OF_CREATOR', disable_duet: true, disable_stitch: true });
    // Not for public viewership: TikTok names no post id, so the profile stands in and the publish_id is the reference.
    expect(ref).toEqual({ url: 'https://www.tiktok.com/@priv_ana', externalId: tt.publishes[0]!.publishId });
  });

  it('an unaudited app: TikTok refuses PUBLIC_TO_EVERYONE, so the driver posts SELF_ONLY and says why', async () => {
    await fake({ audited: false });
    const { creds } = account();
    const refused = await fetch(`${tt.url}/v2/post/publish/video/init/`, {
      method: 'POST', headers: { authorization: `Bearer ${creds.accessToken}`, 'content-type': 'application/json; charset=UTF-8' },
      body: JSON.stringify({
        post_info: { title: 'hola', privacy_level: 'PUBLIC_TO_EVERYONE', brand_content_toggle: false },
        source_info: { source: 'FILE_UPLOAD', video_size: 1000, chunk_size: 1000, total_chunk_count: 1 },
      }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unaudited_client_can_only_post_to_private_accounts');

    const ctx = context(creds, { tiktokPrivacy: 'PUBLIC_TO_EVERYONE' });
    const { log, lines } = capturedLog();
    ctx.log = log;
    const ref = await tiktokDriver.publish(ctx, newPost());
    expect(inits().at(-1)!.body.post_info.privacy_level).toBe('SELF_ONLY');
    expect(lines.some((l) => l.level === 40 && l.wanted === 'PUBLIC_TO_EVERYONE' && /TIKTOK_APP_AUDITED is false/.test(l.msg))).toBe(true);
    expect(ref).toEqual({ url: 'https://www.tiktok.com/@ana_live', externalId: tt.publishes.at(-1)!.publishId });
    // A SELF_ONLY post has no public id: no counters, and no error.
    expect(await tiktokDriver.readMetrics(context(creds), ref)).toEqual({});
  });

  it('refuses before init: a video longer than the creator may post, a caption over 2200 UTF-16 runes or with 11 hashtags', async () => {
    await fake({ audited: true });
    const { creds } = account('ana_live', { maxVideoPostDurationSec: 60 });
    const long = await failureOf(tiktokDriver.publish(context(creds), newPost({ media: { durationSeconds: 61, width: 360, height: 640, sizeBytes: 1 } })));
    expect((long as PublishError).type).toBe('InvalidMedia');
    expect(long.message).toContain('at most 60 s');
    const wordy = await failureOf(tiktokDriver.publish(context(creds), newPost({ caption: `${'😀'.repeat(1100)}x` })));
    expect((wordy as PublishError).type).toBe('RejectedByPlatform');
    expect(wordy.message).toContain('2201 UTF-16');
    const tagged = await failureOf(tiktokDriver.publish(context(creds), newPost({ caption: `Hola ${Array.from({ length: 11 }, (_, i) => `#t${i}`).join(' ')}` })));
    expect((tagged as PublishError).type).toBe('RejectedByPlatform');
    expect(tagged.message).toContain('11 hashtags');
    expect(inits()).toHaveLength(0);
  });

  it('creator_info says she cannot post now: spam_risk_too_many_posts is a DailyLimit for 24 h, a ban is ActionBlocked; no init', async () => {
    await fake({ audited: true });
    const { creator, creds } = account('ana_live', { dailyPostCap: 1 });
    await tiktokDriver.publish(context(creds), newPost());
    const capped = await failureOf(tiktokDriver.publish(context(creds), newPost()));
    expect((capped as PublishError).type).toBe('DailyLimit');
    expect((capped as PublishError).retryAfterMs).toBe(86_400_000);
    expect(capped.message).toContain('The daily post cap from the API is reached for the current user.');
    expect(tt.requestsTo('POST /v2/post/publish/creator_info/query/').map((r) => r.status)).toEqual([200, 200]);

    creator.dailyPostCap = 15;
    creator.blocked = 'spam_risk_user_banned_from_posting';
    const banned = await failureOf(tiktokDriver.publish(context(creds), newPost()));
    expect((banned as PublishError).type).toBe('ActionBlocked');
    expect(inits()).toHaveLength(1);
  });

  it('the 7th init within a minute is TikTok\'s 429: Retryable after a minute, nothing uploaded', async () => {
    await fake({ audited: true });
    const { creds } = account();
    expect(tiktokDriver.rateLimits.perAccount).toEqual({ points: 6, durationSeconds: 60 });
    for (let i = 0; i < 6; i++) await tiktokDriver.publish(context(creds), newPost());
    const ctx = context(creds);
    const error = await failureOf(tiktokDriver.publish(ctx, newPost()));
    expect((error as PublishError).type).toBe('Retryable');
    expect((error as PublishError).retryAfterMs).toBe(60_000);
    expect(error.message).toContain('rate_limit_exceeded');
    expect(inits().map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect(tt.publishes).toHaveLength(6);
    expect(puts()).toHaveLength(6);
    expect(ctx.steps).toEqual([]);
  });

  it('FAILED with a fail_reason from TikTok\'s table: InvalidMedia, and the publish_id is given up', async () => {
    await fake({ audited: true });
    const { creds } = account();
    tt.planNextPublish({ failReason: 'frame_rate_check_failed' });
    const ctx = context(creds);
    const error = await failureOf(tiktokDriver.publish(ctx, newPost()));
    expect((error as PublishError).type).toBe('InvalidMedia');
    expect(error.message).toContain('frame_rate_check_failed');
    expect(ctx.savedProgress.at(-1)).toMatchObject({ publishId: null });
    expect(ctx.steps.at(-1)).toBe('prepared');
  });
});

describe('resuming a saved publish_id', () => {
  it('the answer to the last chunk is lost: the retry polls the saved publish_id and finds the post (one init, one post)', async () => {
    await fake({ audited: true, processingPolls: 1 });
    const { creds } = account();
    tt.loseNextAnswer('PUT upload_url');
    const ctx = context(creds);
    const post = newPost();
    const first = await failureOf(tiktokDriver.publish(ctx, post));
    expect((first as PublishError).type).toBe('Retryable');
    expect(ctx.steps).toEqual(['uploading', 'submitting']);

    // The activity's retry: the marker search first (status/fetch down for now, then still processing: not found; the
    // saved publish_id is what publish() resumes, so neither is a reason for Unconfirmed), then publish.
    tt.failNext('POST /v2/post/publish/status/fetch/', { status: 503 });
    expect(await tiktokDriver.findByMarker!(ctx, post)).toBeNull();
    expect(await tiktokDriver.findByMarker!(ctx, post)).toBeNull();
    const ref = await tiktokDriver.publish(ctx, post);
    expect(ref.externalId).toBe(tt.videos[0]!.id);
    expect(inits()).toHaveLength(1);
    expect(puts()).toHaveLength(1);
    expect(tt.videos).toHaveLength(1);
  });

  it('a chunk fails mid-upload: the retry sends only the chunks TikTok lacks', async () => {
    await fake({ audited: true });
    const { creds } = account();
    tt.failNext('PUT upload_url', { status: 503 }, { skip: 1 });
    const ctx = context(creds);
    const post = newPost({ videoPath: bigVideo });
    expect((await failureOf(tiktokDriver.publish(ctx, post)) as PublishError).type).toBe('Retryable');
    expect(ctx.savedProgress.at(-1)).toMatchObject({ bytesSent: TIKTOK_CHUNK_BYTES });

    const ref = await tiktokDriver.publish(ctx, post);
    expect(ref.externalId).toBe(tt.videos[0]!.id);
    expect(puts().map((r) => [r.headers['content-range'], r.status])).toEqual([
      [`bytes 0-9999999/${BIG_SIZE}`, 206], [`bytes 10000000-${BIG_SIZE - 1}/${BIG_SIZE}`, 503], [`bytes 10000000-${BIG_SIZE - 1}/${BIG_SIZE}`, 201],
    ]);
    expect(inits()).toHaveLength(1);
    expect(sha256(Buffer.concat(tt.publishes[0]!.received))).toBe(sha256(readFileSync(bigVideo)));
  });

  it('a chunk TikTok took whose answer was lost: its 416 says where the upload stands and the upload goes on from there', async () => {
    await fake({ audited: true });
    const { creds } = account();
    tt.loseNextAnswer('PUT upload_url');
    const ctx = context(creds);
    const post = newPost({ videoPath: bigVideo });
    await failureOf(tiktokDriver.publish(ctx, post));
    expect(ctx.savedProgress.at(-1)).toMatchObject({ bytesSent: 0 });

    await tiktokDriver.publish(ctx, post);
    expect(puts().map((r) => [r.headers['content-range'], r.status, r.lost])).toEqual([
      [`bytes 0-9999999/${BIG_SIZE}`, 206, true], [`bytes 0-9999999/${BIG_SIZE}`, 416, false], [`bytes 10000000-${BIG_SIZE - 1}/${BIG_SIZE}`, 201, false],
    ]);
    expect(tt.videos).toHaveLength(1);
  });

  it('a crash after init whose upload URL then expired: TikTok says FAILED, the retry starts anew (two inits, one post)', async () => {
    await fake({ audited: true });
    const { creds } = account();
    tt.failNext('PUT upload_url', { status: 503 });
    const ctx = context(creds);
    const post = newPost();
    await failureOf(tiktokDriver.publish(ctx, post));
    const firstId = tt.publishes[0]!.publishId;
    tt.expireUploadUrls();

    const ref = await tiktokDriver.publish(ctx, post);
    expect(tt.publish(firstId)).toMatchObject({ status: 'FAILED', failReason: 'internal' });
    expect(inits()).toHaveLength(2);
    expect(tt.videos).toHaveLength(1);
    expect(ref.externalId).toBe(tt.videos[0]!.id);
    expect(ctx.savedProgress.some((p) => p.publishId === null && String(p.abandoned).startsWith(firstId))).toBe(true);
  });
});

describe('inbox mode', () => {
  it('uploads a draft (video.upload, no caption), ends at SEND_TO_USER_INBOX; once the creator posts it the counters come through the publish_id', async () => {
    await fake({ audited: false });
    const { creds } = account();
    const ctx = context(creds, { tiktokMode: 'inbox' });
    const post = newPost();
    const ref = await tiktokDriver.publish(ctx, post);
    const publish = tt.publishes[0]!;
    expect(tt.requestsTo('POST /v2/post/publish/inbox/video/init/')[0]!.body).toEqual({
      source_info: { source: 'FILE_UPLOAD', video_size: statSync(smallVideo).size, chunk_size: statSync(smallVideo).size, total_chunk_count: 1 },
    });
    expect(inits()).toHaveLength(0);
    expect(ref).toEqual({ url: 'https://www.tiktok.com/@ana_live', externalId: publish.publishId, draft: true });
    expect(await tiktokDriver.findByMarker!(ctx, post)).toEqual(ref);
    expect(await tiktokDriver.readMetrics(ctx, ref)).toEqual({});

    const video = tt.creatorPostsFromInbox(publish.publishId);
    tt.setMetrics(video.id, { view_count: 120, like_count: 9, comment_count: 2, share_count: 1 });
    expect(await tiktokDriver.readMetrics(ctx, ref)).toEqual({ views: 120, likes: 9, comments: 2, shares: 1 });
  });

  it('drafts do not count against the direct-post cap; a sixth draft waiting in 24 h is spam_risk_too_many_pending_share: DailyLimit', async () => {
    await fake();
    const { creds } = account('ana_live', { dailyPostCap: 0 });
    for (let i = 0; i < 5; i++) await tiktokDriver.publish(context(creds, { tiktokMode: 'inbox' }), newPost());
    const error = await failureOf(tiktokDriver.publish(context(creds, { tiktokMode: 'inbox' }), newPost()));
    expect((error as PublishError).type).toBe('DailyLimit');
    expect(error.message).toContain('spam_risk_too_many_pending_share');
    expect(tt.requestsTo('POST /v2/post/publish/creator_info/query/').every((r) => (r.response as any).error.code === 'spam_risk_too_many_posts')).toBe(true);
    expect(tt.publishes.filter((p) => p.status === 'SEND_TO_USER_INBOX')).toHaveLength(5);
  });
});

describe('counters and the marker search', () => {
  it('reads views, likes, comments and shares from video/query; a deleted video is PostUnavailable', async () => {
    await fake({ audited: true });
    const { creds } = account();
    const ref = await tiktokDriver.publish(context(creds), newPost());
    tt.setMetrics(ref.externalId, { view_count: 1500, like_count: 80, comment_count: 7, share_count: 3 });
    expect(await tiktokDriver.readMetrics(context(creds), ref)).toEqual({ views: 1500, likes: 80, comments: 7, shares: 3 });
    expect(tt.requestsTo('POST /v2/video/query/')[0]!.query.fields).toBe('id,view_count,like_count,comment_count,share_count');

    tt.deleteVideo(ref.externalId);
    const error = await failureOf(tiktokDriver.readMetrics(context(creds), ref));
    expect((error as PublishError).type).toBe('PostUnavailable');
  });

  it('without saved progress, finds an earlier post among the creator\'s public videos by its marker', async () => {
    await fake({ audited: true });
    const { creator, creds } = account();
    const post = newPost();
    for (let i = 0; i < 25; i++) tt.addVideo(creator.openId, `otro video ${i}`);
    const earlier = tt.addVideo(creator.openId, post.caption);
    for (let i = 0; i < 3; i++) tt.addVideo(creator.openId, `más reciente ${i}`);
    expect(await tiktokDriver.findByMarker!(context(creds), post)).toEqual({ url: `https://www.tiktok.com/@ana_live/video/${earlier.id}`, externalId: earlier.id });
    expect(await tiktokDriver.findByMarker!(context(creds), newPost())).toBeNull();
    expect(tt.requestsTo('POST /v2/video/list/').length).toBeGreaterThan(1);
  });
});

describe('the fake keeps TikTok\'s upload rules', () => {
  it('the driver\'s chunk plan passes the media transfer guide; wrong plans are refused', () => {
    for (const size of [1, 4 * 1024 * 1024, 5_000_000, 5 * 1024 * 1024, 19_999_999, 20_000_000, BIG_SIZE, 64_000_001, 130_000_000, 4 * 1024 ** 3]) {
      const { chunkSize, chunkCount } = chunkPlan(size);
      expect(chunkRuleBroken(size, chunkSize, chunkCount), `size ${size}`).toBeUndefined();
    }
    expect(chunkRuleBroken(BIG_SIZE, 10_000_000, 3)).toContain('floor(video_size / chunk_size)');
    expect(chunkRuleBroken(BIG_SIZE, 4_000_000, 6)).toContain('at least 5 MB');
    expect(chunkRuleBroken(3_000_000, 1_000_000, 3)).toContain('uploaded whole');
    expect(chunkRuleBroken(200_000_000, 100_000_000, 2)).toContain('at most 64 MB');
    expect(chunkRuleBroken(70_000_000, 70_000_000, 1)).toContain('at most 64 MB');
  });

  it('a chunk with the wrong size or offset is refused (400 / 416 with the progress)', async () => {
    await fake({ audited: true });
    const { creds } = account();
    const init = await fetch(`${tt.url}/v2/post/publish/video/init/`, {
      method: 'POST', headers: { authorization: `Bearer ${creds.accessToken}`, 'content-type': 'application/json; charset=UTF-8' },
      body: JSON.stringify({
        post_info: { privacy_level: 'SELF_ONLY', brand_content_toggle: false },
        source_info: { source: 'FILE_UPLOAD', video_size: 12_000_000, chunk_size: 6_000_000, total_chunk_count: 2 },
      }),
    });
    const uploadUrl = ((await init.json()) as { data: { upload_url: string } }).data.upload_url;
    const put = (range: string, bytes: number) => fetch(uploadUrl, { method: 'PUT', headers: { 'content-type': 'video/mp4', 'content-range': range }, body: Buffer.alloc(bytes) });
    expect((await put('bytes 0-4999999/12000000', 5_000_000)).status).toBe(400);
    const skipped = await put('bytes 6000000-11999999/12000000', 6_000_000);
    expect(skipped.status).toBe(416);
    expect((await put('bytes 0-5999999/12000000', 6_000_000)).status).toBe(206);
    const done = await put('bytes 6000000-11999999/12000000', 6_000_000);
    expect(done.status).toBe(201);
    expect(done.headers.get('content-range')).toBe('bytes 0-11999999/12000000');
  });

  it('post ids are read from the raw JSON, never rounded', () => {
    expect(postIdsOf('{"data":{"status":"PUBLISH_COMPLETE","publicaly_available_post_id":[7400000000000000007]}}')).toEqual(['7400000000000000007']);
    expect(postIdsOf('{"data":{"publicaly_available_post_id":[]}}')).toEqual([]);
  });
});
