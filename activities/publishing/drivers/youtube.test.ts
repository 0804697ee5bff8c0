/**
 * The YouTube driver against the fake Google OAuth + YouTube Data API v3 (test/fakes/youtube-server.ts): connecting with
 * a refresh token or an authorization code, token refresh, multipart and resumable uploads (a broken upload resumed by
 * the next attempt from its saved session), lost answers found again, the project's quota, privacy, metadata limits
 * and the counters.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeYoutube, type FakeYoutube, type FakeYoutubeOptions, type GoogleAccount } from '../../../test/fakes/youtube-server.js';
import { apiApps, failureOf, setupContext, testApiContext } from '../../../test/helpers/api-driver.js';
import { makeTestVideo } from '../../../test/helpers/media.js';
import type { AccountPublishSettings } from '../../../core/types.js';
import { PublishError } from '../errors.js';
import { CredentialsRejected, type ApiApps, type ApiPost } from './api-types.js';
import {
  YOUTUBE_MULTIPART_MAX_BYTES, YOUTUBE_UPLOAD_CHUNK_BYTES, msUntilPacificMidnight, youtubeDescription, youtubeDriver, youtubeQuotaCosts,
  youtubeScopes, youtubeTags, youtubeTagsLength, youtubeTitle, type YoutubeCredentials,
} from './youtube.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let dir: string;
let smallVideo: string;
let bigVideo: string;
let yt: FakeYoutube;
let apps: ApiApps;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'youtube-driver-'));
  smallVideo = await makeTestVideo(join(dir, 'small.mp4'), { seconds: 2 });
  // A real MP4 start padded past the multipart threshold and one upload chunk: the resumable path in two PUTs.
  bigVideo = join(dir, 'big.mp4');
  copyFileSync(smallVideo, bigVideo);
  appendFileSync(bigVideo, randomBytes(YOUTUBE_UPLOAD_CHUNK_BYTES + 3 * 1024 * 1024));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  await yt?.close();
});

async function fake(options: FakeYoutubeOptions = {}, env: Record<string, string> = {}): Promise<FakeYoutube> {
  yt = await startFakeYoutube(options);
  apps = apiApps({
    YOUTUBE_API_ROOT: yt.url, GOOGLE_OAUTH_TOKEN_URL: yt.tokenUrl, GOOGLE_OAUTH_AUTHORIZE_URL: yt.authorizeUrl,
    GOOGLE_CLIENT_ID: yt.client.clientId, GOOGLE_CLIENT_SECRET: yt.client.clientSecret, ...env,
  });
  return yt;
}

/** A connected channel (as if through OAuth). */
function account(handle = '@ana_live'): { google: GoogleAccount; creds: YoutubeCredentials } {
  const google = yt.addAccount({ handle, title: 'Ana Live' });
  const tokens = yt.issueTokens(google.id);
  return { google, creds: { ...tokens, channelId: google.channel!.id, uploadsPlaylistId: google.channel!.uploadsPlaylistId, handle } };
}

function context(creds: YoutubeCredentials, settings: AccountPublishSettings = {}, log?: pino.Logger) {
  const ctx = testApiContext(youtubeDriver, apps, creds, { username: creds.handle, settings, timeoutMs: 10_000 });
  return log ? { ...ctx, log } : ctx;
}

function capturedLog() {
  const lines: Record<string, any>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

const trackingUrl = 'https://trk.example.com/t/ana-42';

function newPost(overrides: Partial<ApiPost> = {}): ApiPost {
  const marker = `ref:${randomBytes(6).toString('hex')}`;
  const videoPath = overrides.videoPath ?? smallVideo;
  return {
    publicationId: randomBytes(8).toString('hex'),
    videoPath,
    caption: `Hola 👋 en vivo ahora\n\n#live #latina\n${trackingUrl}\n${marker}`,
    tags: ['live', 'latina'],
    marker,
    trackingUrl,
    sensitive: false,
    language: 'es',
    media: { durationSeconds: 2, width: 360, height: 640, sizeBytes: statSync(videoPath).size },
    ...overrides,
  };
}

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

function authorizeUrl(challenge: string, params: Record<string, string> = { access_type: 'offline', prompt: 'consent' }): { url: string; redirectUri: string } {
  const redirectUri = `${apps.publicUrl}/oauth/callback/youtube`;
  const url = new URL(apps.apis.youtube.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: apps.apis.youtube.client!.clientId, redirect_uri: redirectUri, scope: youtubeScopes.join(' '),
    state: 'signed-state', code_challenge: challenge, code_challenge_method: 'S256', ...params,
  }).toString();
  return { url: url.toString(), redirectUri };
}

describe('connecting an account', () => {
  it('takes a refresh token: exchanged at the token URL, the channel read with channels.list mine=true', async () => {
    await fake();
    const google = yt.addAccount({ handle: '@ana_live', title: 'Ana Live' });
    const { refreshToken } = yt.issueTokens(google.id);
    const { credentials, username } = await youtubeDriver.acceptCredentials(setupContext(apps), { refreshToken: ` ${refreshToken} ` });
    expect(username).toBe('@ana_live');
    expect(credentials).toMatchObject({ refreshToken, channelId: google.channel!.id, uploadsPlaylistId: google.channel!.uploadsPlaylistId, handle: '@ana_live' });
    expect(yt.accessTokenValid(credentials.accessToken)).toBe(true);
    expect(Date.parse(credentials.expiresAt!) - Date.now()).toBeGreaterThan(3500_000);
    const exchange = yt.requestsTo('POST /token')[0]!;
    expect(exchange.body).toMatchObject({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: yt.client.clientId, client_secret: yt.client.clientSecret });
    expect(yt.requestsTo('GET /youtube/v3/channels')[0]!.query).toMatchObject({ mine: 'true' });
  });

  it('names refreshToken when Google says invalid_grant, when it is missing, and when the account has no channel', async () => {
    await fake();
    const google = yt.addAccount();
    const { refreshToken } = yt.issueTokens(google.id);
    yt.revoke(refreshToken);
    const revoked = await failureOf(youtubeDriver.acceptCredentials(setupContext(apps), { refreshToken }));
    expect(revoked).toBeInstanceOf(CredentialsRejected);
    expect((revoked as CredentialsRejected).field).toBe('refreshToken');
    expect(revoked.message).toMatch(/invalid_grant.*expired or revoked/);

    const missing = await failureOf(youtubeDriver.acceptCredentials(setupContext(apps), {}));
    expect((missing as CredentialsRejected).field).toBe('refreshToken');

    const noChannel = yt.addAccount({ channel: false });
    const lonely = await failureOf(youtubeDriver.acceptCredentials(setupContext(apps), { refreshToken: yt.issueTokens(noChannel.id).refreshToken }));
    expect((lonely as CredentialsRejected).field).toBe('refreshToken');
    expect(lonely.message).toMatch(/no YouTube channel/);
  });

  it('exchanges an authorization code with its PKCE verifier (access_type=offline gives the refresh token)', async () => {
    await fake();
    const google = yt.addAccount({ handle: '@ana_live' });
    const { verifier, challenge } = pkce();
    const { url, redirectUri } = authorizeUrl(challenge);
    const location = new URL(await yt.approve(url, google.id));
    expect(location.searchParams.get('state')).toBe('signed-state');
    const code = location.searchParams.get('code')!;

    const { credentials, username } = await youtubeDriver.exchangeCode!(setupContext(apps), { code, codeVerifier: verifier, redirectUri });
    expect(username).toBe('@ana_live');
    expect(yt.refreshTokenValid(credentials.refreshToken)).toBe(true);
    expect(yt.requestsTo('POST /token')[0]!.body).toMatchObject({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri });

    // A code works once.
    const again = await failureOf(youtubeDriver.exchangeCode!(setupContext(apps), { code, codeVerifier: verifier, redirectUri }));
    expect((again as CredentialsRejected).field).toBe('code');
    // A wrong verifier.
    const other = pkce();
    const second = new URL(await yt.approve(authorizeUrl(other.challenge).url, google.id)).searchParams.get('code')!;
    const wrong = await failureOf(youtubeDriver.exchangeCode!(setupContext(apps), { code: second, codeVerifier: verifier, redirectUri }));
    expect(wrong.message).toMatch(/Invalid code verifier/);
  });

  it('refuses a consent that gave no refresh token (no access_type=offline)', async () => {
    await fake();
    const google = yt.addAccount();
    const { verifier, challenge } = pkce();
    const { url, redirectUri } = authorizeUrl(challenge, {});
    const code = new URL(await yt.approve(url, google.id)).searchParams.get('code')!;
    const error = await failureOf(youtubeDriver.exchangeCode!(setupContext(apps), { code, codeVerifier: verifier, redirectUri }));
    expect((error as CredentialsRejected).field).toBe('code');
    expect(error.message).toMatch(/no refresh token.*access_type=offline/);
  });
});

describe('tokens', () => {
  it('refreshes an expired access token (the refresh token stays), and says SessionExpired on invalid_grant', async () => {
    await fake();
    const { creds } = account();
    const fresh = await youtubeDriver.refresh!(setupContext(apps), creds);
    expect(fresh.accessToken).not.toBe(creds.accessToken);
    expect(fresh.refreshToken).toBe(creds.refreshToken);
    expect(yt.accessTokenValid(fresh.accessToken)).toBe(true);

    yt.revoke(creds.refreshToken);
    const error = await failureOf(youtubeDriver.refresh!(setupContext(apps), creds));
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).type).toBe('SessionExpired');
    expect(error.message).toMatch(/reconnect/);
  });

  it('checkSession: logged_in with a working token (refreshed on 401), logged_out once revoked', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds);
    expect(await youtubeDriver.checkSession(ctx)).toBe('logged_in');
    yt.expireAccessTokens();
    expect(await youtubeDriver.checkSession(ctx)).toBe('logged_in');
    expect(ctx.stored()!.accessToken).not.toBe(creds.accessToken);
    yt.revoke(creds.refreshToken);
    yt.expireAccessTokens();
    expect(await youtubeDriver.checkSession(ctx)).toBe('logged_out');
  });
});

describe('publishing', () => {
  it('uploads a small file in one multipart request through ctx.fetch, with the Short\'s metadata', async () => {
    await fake();
    const { google, creds } = account();
    const ctx = context(creds, { youtubePrivacy: 'public' } as AccountPublishSettings);
    const through: string[] = [];
    const fetchWithDeadline = ctx.fetch;
    ctx.fetch = (input, init, opts) => {
      through.push(new URL(String(input)).pathname);
      return fetchWithDeadline(input, init, opts);
    };
    const post = newPost();
    expect(statSync(smallVideo).size).toBeLessThanOrEqual(YOUTUBE_MULTIPART_MAX_BYTES);

    const ref = await youtubeDriver.publish(ctx, post);
    expect(yt.videos).toHaveLength(1);
    const video = yt.videos[0]!;
    expect(ref).toEqual({ url: `https://www.youtube.com/shorts/${video.id}`, externalId: video.id });
    expect(video).toMatchObject({ channelId: google.channel!.id, via: 'multipart', title: 'Hola 👋 en vivo ahora', tags: ['live', 'latina'], categoryId: '22', defaultLanguage: 'es', selfDeclaredMadeForKids: false });
    expect(video.sha256).toBe(sha256(readFileSync(smallVideo)));
    expect(video.description).toBe(`Hola 👋 en vivo ahora\n\n#live #latina #Shorts\n${trackingUrl}\n${post.marker}`);
    const upload = yt.requestsTo('POST /upload/youtube/v3/videos')[0]!;
    expect(upload.query).toMatchObject({ uploadType: 'multipart' });
    // Every request the library made went through ctx.fetch (deadline and rate limits).
    expect(through).toEqual(yt.requests.map((r) => r.path));
    expect(ctx.steps).toEqual(['submitting']);
    expect(yt.quotaUsed).toBe(youtubeQuotaCosts['videos.insert']);
  });

  it('uploads a large file resumably: the session URI saved before the first byte, then chunks streamed from disk', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds);
    let savedBeforeFirstPut: boolean | undefined;
    const fetchWithDeadline = ctx.fetch;
    ctx.fetch = (input, init, opts) => {
      if (init?.method === 'PUT') savedBeforeFirstPut ??= ctx.savedProgress.length === 1;
      return fetchWithDeadline(input, init, opts);
    };
    const size = statSync(bigVideo).size;
    const ref = await youtubeDriver.publish(ctx, newPost({ videoPath: bigVideo }));

    expect(yt.videos).toHaveLength(1);
    expect(yt.videos[0]!).toMatchObject({ id: ref.externalId, via: 'resumable', size });
    expect(yt.videos[0]!.sha256).toBe(sha256(readFileSync(bigVideo)));
    const start = yt.requestsTo('POST /upload/youtube/v3/videos')[0]!;
    expect(start.query).toMatchObject({ uploadType: 'resumable' });
    expect(start.headers['x-upload-content-length']).toBe(String(size));
    expect(start.body.snippet.title).toBe('Hola 👋 en vivo ahora');
    expect(savedBeforeFirstPut).toBe(true);
    const session = [...yt.sessions.values()][0]!;
    expect(ctx.savedProgress[0]).toMatchObject({ uploadUri: session.uri, uploadBytes: size });
    expect(session.puts.map((p) => p.range)).toEqual([`bytes 0-${YOUTUBE_UPLOAD_CHUNK_BYTES - 1}/${size}`, `bytes ${YOUTUBE_UPLOAD_CHUNK_BYTES}-${size - 1}/${size}`]);
    expect(ctx.steps).toEqual(['uploading', 'submitting']);
  });

  it('resumes a broken resumable upload on the next attempt from the saved session, without sending the first part again', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds);
    const post = newPost({ videoPath: bigVideo });
    const size = statSync(bigVideo).size;
    // The second chunk breaks after 1 MiB and a little: the server keeps the first chunk and 1 MiB of the second.
    yt.dropNextUpload(1024 * 1024 + 1000, { skip: 1 });

    const broken = await failureOf(youtubeDriver.publish(ctx, post));
    expect((broken as PublishError).type).toBe('Retryable');
    expect(yt.videos).toHaveLength(0);
    const session = [...yt.sessions.values()][0]!;
    const kept = YOUTUBE_UPLOAD_CHUNK_BYTES + 1024 * 1024;
    expect(session.stored).toBe(kept);

    // The next attempt of the same publication: nothing to find, so it publishes, resuming the saved session.
    expect(await youtubeDriver.findByMarker!(ctx, post)).toBeNull();
    const ref = await youtubeDriver.publish(ctx, post);
    expect(yt.sessions.size).toBe(1);
    expect(yt.requestsTo('POST /upload/youtube/v3/videos')).toHaveLength(1); // one session, one insert paid
    expect(session.puts.map((p) => p.range).slice(2)).toEqual([`bytes */${size}`, `bytes ${kept}-${size - 1}/${size}`]);
    expect(yt.videos).toHaveLength(1);
    expect(yt.videos[0]!.id).toBe(ref.externalId);
    expect(yt.videos[0]!.sha256).toBe(sha256(readFileSync(bigVideo)));
  });

  it('starts a new session when the saved one expired', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds);
    const post = newPost({ videoPath: bigVideo });
    yt.dropNextUpload(512 * 1024);
    await failureOf(youtubeDriver.publish(ctx, post));
    yt.expireUploadSessions();
    const ref = await youtubeDriver.publish(ctx, post);
    expect(yt.sessions.size).toBe(2);
    expect(ctx.savedProgress).toHaveLength(2);
    expect(yt.videos.map((v) => v.id)).toEqual([ref.externalId]);
    expect(yt.videos[0]!.sha256).toBe(sha256(readFileSync(bigVideo)));
  });

  it('finds the video of a multipart upload whose answer was lost (exactly one video)', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds);
    yt.addVideo(creds.channelId, { title: 'older', description: 'something else' });
    const post = newPost();
    yt.loseNextAnswer('POST /upload/youtube/v3/videos');
    const lost = await failureOf(youtubeDriver.publish(ctx, post));
    expect((lost as PublishError).type).toBe('Retryable');
    expect(ctx.steps.at(-1)).toBe('submitting');

    const found = await youtubeDriver.findByMarker!(ctx, post);
    const mine = yt.videos.filter((v) => v.description.includes(post.marker));
    expect(mine).toHaveLength(1);
    expect(found).toEqual({ url: `https://www.youtube.com/shorts/${mine[0]!.id}`, externalId: mine[0]!.id });
    const read = yt.requestsTo('GET /youtube/v3/playlistItems')[0]!;
    expect(read.query).toMatchObject({ playlistId: creds.uploadsPlaylistId, part: 'snippet', maxResults: '50' });
  });

  it('gets the finished video from the saved session when the last chunk\'s answer was lost', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds);
    const post = newPost({ videoPath: bigVideo });
    yt.loseNextAnswer('PUT /upload/youtube/v3/videos');
    // The first PUT (not the last chunk) answers 308 normally; the loss applies to the one that completes the video.
    const lost = await failureOf(youtubeDriver.publish(ctx, post));
    expect((lost as PublishError).type).toBe('Retryable');
    expect(yt.videos).toHaveLength(1);
    const ref = await youtubeDriver.publish(ctx, post);
    expect(ref.externalId).toBe(yt.videos[0]!.id);
    expect(yt.videos).toHaveLength(1);
    expect(yt.requestsTo('POST /upload/youtube/v3/videos')).toHaveLength(1);
  });

  it('holds on quotaExceeded: QuotaExhausted until midnight Pacific time, nothing uploaded', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds);
    yt.exhaustQuota();
    const error = await failureOf(youtubeDriver.publish(ctx, newPost()));
    const expected = msUntilPacificMidnight(new Date());
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).type).toBe('QuotaExhausted');
    expect((error as PublishError).retryable).toBe(false);
    expect(Math.abs((error as PublishError).retryAfterMs! - expected)).toBeLessThan(10_000);
    expect(ctx.steps.at(-1)).toBe('prepared');
    expect(yt.videos).toHaveLength(0);

    // The same for a resumable session start.
    const big = await failureOf(youtubeDriver.publish(ctx, newPost({ videoPath: bigVideo })));
    expect((big as PublishError).type).toBe('QuotaExhausted');
    expect(yt.sessions.size).toBe(0);
  });

  it('counts the project budget: with room for two uploads the third is QuotaExhausted before any request; a resumed session spends nothing', async () => {
    await fake({}, { YOUTUBE_DAILY_QUOTA_UNITS: String(2 * youtubeQuotaCosts['videos.insert'] + 500) });
    const { creds } = account();
    const quotaUsed = new Map<string, number>();
    const ctxOf = () => testApiContext(youtubeDriver, apps, creds, { username: creds.handle, timeoutMs: 10_000, quotaUsed });
    await youtubeDriver.publish(ctxOf(), newPost());
    await youtubeDriver.publish(ctxOf(), newPost());
    const day = [...quotaUsed.keys()][0]!;
    expect(quotaUsed.get(day)).toBe(2 * youtubeQuotaCosts['videos.insert']);
    const before = yt.requests.length;
    const error = await failureOf(youtubeDriver.publish(ctxOf(), newPost()));
    expect((error as PublishError).type).toBe('QuotaExhausted');
    expect(Math.abs((error as PublishError).retryAfterMs! - msUntilPacificMidnight(new Date()))).toBeLessThan(10_000);
    expect(yt.requests.slice(before).filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(yt.videos).toHaveLength(2);
  });

  it('an insert Google refuses before creating anything gives back all but the 1 unit Google charges for it', async () => {
    await fake();
    const { creds } = account();
    const quotaUsed = new Map<string, number>();
    yt.revoke(creds.refreshToken);
    const ctx = testApiContext(youtubeDriver, apps, { ...creds, accessToken: 'expired-token' }, { username: creds.handle, quotaUsed });
    expect((await failureOf(youtubeDriver.publish(ctx, newPost())) as PublishError).type).toBe('SessionExpired');
    expect([...quotaUsed.values()]).toEqual([1]);
    expect(yt.videos).toHaveLength(0);
  });

  it("Google's quotaExceeded marks the day spent for every later upload, even with units left in our count", async () => {
    await fake();
    const { creds } = account();
    const quotaUsed = new Map<string, number>();
    yt.exhaustQuota();
    await failureOf(youtubeDriver.publish(testApiContext(youtubeDriver, apps, creds, { username: creds.handle, quotaUsed }), newPost()));
    expect([...quotaUsed.values()]).toEqual([Infinity]);
  });

  it('SessionExpired when the token is refused and the refresh token is revoked (invalid_grant)', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds);
    yt.revoke(creds.refreshToken);
    const error = await failureOf(youtubeDriver.publish(ctx, newPost()));
    expect((error as PublishError).type).toBe('SessionExpired');
    expect(ctx.steps.at(-1)).toBe('prepared');
    expect(yt.videos).toHaveLength(0);
  });

  it('uploads private when the Google project is not audited (and says why); keeps the asked privacy when it is', async () => {
    await fake({ projectAudited: false }, { YOUTUBE_PROJECT_AUDITED: 'false' });
    const { creds } = account();
    const { log, lines } = capturedLog();
    await youtubeDriver.publish(context(creds, { youtubePrivacy: 'public' } as AccountPublishSettings, log), newPost());
    expect(yt.requestsTo('POST /upload/youtube/v3/videos')[0]!.body.status).toMatchObject({ privacyStatus: 'private', selfDeclaredMadeForKids: false });
    expect(yt.videos[0]!.privacyStatus).toBe('private');
    expect(lines.some((l) => /not audited/.test(l.msg) && l.requested === 'public')).toBe(true);
    await yt.close();

    await fake({ projectAudited: true }, { YOUTUBE_PROJECT_AUDITED: 'true' });
    const audited = account();
    await youtubeDriver.publish(context(audited.creds, { youtubePrivacy: 'unlisted' } as AccountPublishSettings), newPost());
    expect(yt.videos[0]!.privacyStatus).toBe('unlisted');
    await youtubeDriver.publish(context(audited.creds), newPost());
    expect(yt.videos[1]!.privacyStatus).toBe('public');
  });

  it('refuses what is no Short before any request: over three minutes, or landscape', async () => {
    await fake();
    const { creds } = account();
    const long = await failureOf(youtubeDriver.publish(context(creds), newPost({ media: { durationSeconds: 181, width: 1080, height: 1920, sizeBytes: 1 } })));
    expect((long as PublishError).type).toBe('InvalidMedia');
    const wide = await failureOf(youtubeDriver.publish(context(creds), newPost({ media: { durationSeconds: 30, width: 1920, height: 1080, sizeBytes: 1 } })));
    expect((wide as PublishError).type).toBe('InvalidMedia');
    expect(yt.requests).toHaveLength(0);
  });

  it('the channel\'s daily upload cap (uploadLimitExceeded) is DailyLimit', async () => {
    await fake();
    const { creds } = account();
    yt.setUploadLimitReached(creds.channelId);
    const error = await failureOf(youtubeDriver.publish(context(creds), newPost()));
    expect((error as PublishError).type).toBe('DailyLimit');
  });
});

describe('metadata within YouTube\'s limits', () => {
  it('title: the first line with words, no link or marker, ≤ 100 characters, no < or >', () => {
    expect(youtubeTitle('#a #b\nhttps://x.example/t\nref:1', 'ref:1')).toBe('#a #b');
    expect(youtubeTitle('Mira <esto> https://x.example/t\n#tag\nref:1', 'ref:1')).toBe('Mira ‹esto›');
    const long = youtubeTitle(`${'palabra '.repeat(30)}\nref:1`, 'ref:1');
    expect(long.length).toBeLessThanOrEqual(100);
    expect(long.endsWith('…')).toBe(true);
    expect(youtubeTitle('😀'.repeat(60), '').length).toBeLessThanOrEqual(100);
  });

  it('description: ≤ 5000 bytes, the marker kept as its last line, #Shorts added once', () => {
    const marker = 'ref:abcdef012345';
    const body = 'ñ'.repeat(3000);
    const description = youtubeDescription(`${body}\n\n#live\n${trackingUrl}\n${marker}`, marker);
    expect(Buffer.byteLength(description)).toBeLessThanOrEqual(5000);
    expect(description.endsWith(`\n${marker}`)).toBe(true);
    expect(description).toContain(trackingUrl);
    expect(description).toContain('#live');
    expect(youtubeDescription(`Hola\n\n#live #shorts\n${marker}`, marker)).toBe(`Hola\n\n#live #shorts\n${marker}`);
    expect(youtubeDescription(`Hola\n\n#live\n${marker}`, marker)).toBe(`Hola\n\n#live #Shorts\n${marker}`);
    expect(youtubeDescription(`Hola\n${marker}`, marker, 'Hola #Shorts')).toBe(`Hola\n${marker}`);
    expect(youtubeDescription(`a <b>\n${marker}`, marker)).not.toMatch(/[<>]/);
  });

  it('tags: 500 characters counted YouTube\'s way (commas, quotes around spaces), at most 15, no repeats', () => {
    expect(youtubeTagsLength(['Foo-Baz'])).toBe(7);
    expect(youtubeTagsLength(['Foo Baz'])).toBe(9);
    expect(youtubeTagsLength(['a', 'b c'])).toBe(1 + 1 + 5);
    expect(youtubeTags(['#Live', 'live', 'a<b', '', 'en vivo'])).toEqual(['Live', 'a b', 'en vivo']);
    expect(youtubeTags(Array.from({ length: 30 }, (_, i) => `tag${i}`))).toHaveLength(15);
    const long = youtubeTags(Array.from({ length: 15 }, (_, i) => `${String(i).padStart(2, '0')} ${'x'.repeat(40)}`));
    expect(youtubeTagsLength(long)).toBeLessThanOrEqual(500);
    expect(long.length).toBeLessThan(15);
  });
});

describe('metrics', () => {
  it('reads views, likes and comments from videos.list part=statistics (no shares); hidden likes are left out', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds);
    const ref = await youtubeDriver.publish(ctx, newPost());
    yt.setStatistics(ref.externalId, { viewCount: 1234, likeCount: 56, commentCount: 7 });
    expect(await youtubeDriver.readMetrics(ctx, ref)).toEqual({ views: 1234, likes: 56, comments: 7 });
    expect(yt.requestsTo('GET /youtube/v3/videos').at(-1)!.query).toMatchObject({ part: 'statistics', id: ref.externalId });
    yt.setStatistics(ref.externalId, {}, { likesHidden: true, commentsDisabled: true });
    expect(await youtubeDriver.readMetrics(ctx, ref)).toEqual({ views: 1234 });
  });

  it('a deleted video is PostUnavailable', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds);
    const ref = await youtubeDriver.publish(ctx, newPost());
    yt.deleteVideo(ref.externalId);
    const error = await failureOf(youtubeDriver.readMetrics(ctx, ref));
    expect((error as PublishError).type).toBe('PostUnavailable');
  });
});

describe('msUntilPacificMidnight', () => {
  const hours = (ms: number) => ms / 3600_000;
  it('counts to the next midnight in Los Angeles, across both DST changes', () => {
    // 23:30 PST the evening before spring forward.
    expect(hours(msUntilPacificMidnight(new Date('2025-03-09T07:30:00Z')))).toBe(0.5);
    // 00:30 PST on 9 March 2025, a 23-hour day: the next midnight is 00:00 PDT (07:00Z).
    expect(hours(msUntilPacificMidnight(new Date('2025-03-09T08:30:00Z')))).toBe(22.5);
    // 00:30 PDT on 2 November 2025, a 25-hour day: the next midnight is 00:00 PST (08:00Z).
    expect(hours(msUntilPacificMidnight(new Date('2025-11-02T07:30:00Z')))).toBe(24.5);
    // Exactly midnight: the next one, a day away.
    expect(hours(msUntilPacificMidnight(new Date('2025-01-15T08:00:00Z')))).toBe(24);
    // Summer: UTC−7.
    expect(hours(msUntilPacificMidnight(new Date('2025-07-01T06:00:00Z')))).toBe(1);
  });
});
