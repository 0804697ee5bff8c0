/**
 * YouTube Shorts end to end through the product: a channel connected by Google's OAuth round trip (offline access,
 * PKCE) or with a refresh token; a video from POST /api/contents to `published` with its Shorts URL, its title,
 * description (caption and marker) and keywords, uploaded private while the Google project is not audited, and the
 * counters from videos.list stored; a resumable upload broken mid-way and resumed from its saved session; a lost
 * answer that still ends in one video (found by its marker in the uploads playlist); a revoked grant that holds the
 * account until it is connected again; and, last and on its own stack, the project's daily quota: a second upload the
 * same day is held (never failed) without reaching Google, and a person's retry publishes it once the day's count is reset.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptJson, secretBindings } from '../crypto/secrets.js';
import { findAccountWithPlatform } from '../db/accounts.js';
import { findPublication, publicationContext, publicationsOfContent } from '../db/publications.js';
import { apiQuotaUsage } from '../db/schema.js';
import { youtubeQuotaDay } from '../core/platform-quotas.js';
import {
  YOUTUBE_MULTIPART_MAX_BYTES, YOUTUBE_UPLOAD_CHUNK_BYTES, youtubeQuotaCosts, type YoutubeCredentials,
} from '../activities/publishing/drivers/youtube.js';
import { startFakeYoutube, type FakeYoutube, type GoogleAccount, type RecordedYoutubeRequest, type YtVideo } from './fakes/youtube-server.js';
import {
  alertsOf, api, connectWithOAuth, createApiAccount, expectHeldUntilReconnected, oneOutTwoWaiting, publishClip, reconnectReleases, retryPublishes,
  waitForMetrics, waitForRetryToEnd, waitForStatus,
} from './helpers/api-platform.js';
import { makeTestVideo } from './helpers/media.js';
import { startTestStack, uploadVideo, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const PUBLIC_URL = 'http://127.0.0.1:3999';
const REDIRECT_URI = `${PUBLIC_URL}/oauth/callback/youtube`;
const CLIENT_ID = `${Date.now()}-${randomBytes(16).toString('hex')}.apps.googleusercontent.com`;
const CLIENT_SECRET = `GOCSPX-${randomBytes(21).toString('base64url')}`;
const UPLOAD_SCOPE = 'https://www.googleapis.com/auth/youtube.upload';
const READONLY_SCOPE = 'https://www.googleapis.com/auth/youtube.readonly';
const UPLOAD_UNITS = youtubeQuotaCosts['videos.insert'];

let stack: TestStack;
let yt: FakeYoutube;
/** Today's row of the YouTube quota before this file (other files of the run publish to YouTube too). */
let quotaDay: string;
let quotaRowBefore: { units: number; exhausted: boolean } | undefined;

function googleEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    YOUTUBE_API_ROOT: yt.url, GOOGLE_OAUTH_AUTHORIZE_URL: yt.authorizeUrl, GOOGLE_OAUTH_TOKEN_URL: yt.tokenUrl,
    GOOGLE_CLIENT_ID: CLIENT_ID, GOOGLE_CLIENT_SECRET: CLIENT_SECRET, YOUTUBE_PROJECT_AUDITED: 'false', PUBLIC_URL, ...extra,
  };
}

const db = () => stack.app.db.db;
const quotaRow = () => and(eq(apiQuotaUsage.platform, 'youtube'), eq(apiQuotaUsage.day, quotaDay));
/** Forgets today's count of the Google project (as the Pacific midnight would). */
const resetQuotaDay = () => db().delete(apiQuotaUsage).where(quotaRow());

beforeAll(async () => {
  // Google's side never refuses for quota in this file: the quota under test is the product's own count.
  yt = await startFakeYoutube({ client: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI] }, dailyQuotaUnits: 10_000_000 });
  // Room for every upload of the first describes; the quota describe starts its own stack with one upload a day.
  stack = await startTestStack({ embedded: false, env: googleEnv({ YOUTUBE_DAILY_QUOTA_UNITS: '10000000' }) });
  quotaDay = youtubeQuotaDay(new Date());
  const [before] = await db().select().from(apiQuotaUsage).where(quotaRow());
  quotaRowBefore = before ? { units: before.units, exhausted: before.exhausted } : undefined;
  await resetQuotaDay();
});
afterAll(async () => {
  if (stack && quotaDay) {
    await resetQuotaDay();
    if (quotaRowBefore) await db().insert(apiQuotaUsage).values({ platform: 'youtube', day: quotaDay, ...quotaRowBefore });
  }
  await stack?.close();
  await yt?.close();
});

async function storedCredentials(accountId: string): Promise<YoutubeCredentials | null> {
  const authData = (await findAccountWithPlatform(db(), accountId))!.account.authData;
  return authData ? decryptJson<YoutubeCredentials>(stack.app.config.keyring, secretBindings.accountAuthData(accountId), authData) : null;
}

const run = () => randomBytes(3).toString('hex');
const newGoogleAccount = (): GoogleAccount => yt.addAccount({ handle: `@ana_${run()}`, title: 'Ana en vivo' });
const videosOf = (google: GoogleAccount): YtVideo[] => yt.videos.filter((v) => v.channelId === google.channel!.id && !v.deleted);
const sessionsOf = (google: GoogleAccount) => [...yt.sessions.values()].filter((s) => s.accountId === google.id);

/** A model publishing at once to YouTube, and her account there connected through the OAuth round trip. */
async function oauthAccount(opts: { publishSettings?: Record<string, unknown> } = {}) {
  const google = newGoogleAccount();
  const account = await createApiAccount(stack, 'youtube', { username: google.channel!.handle, publishSettings: opts.publishSettings });
  const round = await connectWithOAuth(stack, account.accountId, (url) => yt.approve(url, google.id));
  expect(round.callbackStatus).toBe(302);
  expect(round.location).toBe(`/accounts?connected=${encodeURIComponent(account.accountId)}`);
  return { ...account, google };
}

/**
 * Counters YouTube shows for every video of `google` the moment it is created (the fake emits `request` before it
 * answers, so the worker can never read zeros first). Returns the function that stops it.
 */
function statisticsOnCreate(google: GoogleAccount, statistics: Partial<YtVideo['statistics']>) {
  const done = new Set<string>();
  const listener = () => {
    for (const video of videosOf(google)) {
      if (done.has(video.id)) continue;
      done.add(video.id);
      yt.setStatistics(video.id, statistics);
    }
  };
  yt.on('request', listener);
  return () => yt.off('request', listener);
}

/**
 * A real 9:16 MP4 padded past the multipart threshold with a trailing `free` box (ISO/IEC 14496-12: a box every
 * reader skips), so ingest probes and decodes it as it is and, with no watermark and the right aspect, the product
 * uploads this very file (publications.media_path stays null).
 */
async function paddedClip(minBytes: number): Promise<Buffer> {
  const path = await makeTestVideo(join(stack.dataDir, `padded-${run()}.mp4`), { seconds: 2, width: 360, height: 640 });
  const payload = Math.max(0, minBytes - statSync(path).size) + 64 * 1024;
  const header = Buffer.alloc(8);
  header.writeUInt32BE(payload + 8, 0);
  header.write('free', 4, 'latin1');
  appendFileSync(path, Buffer.concat([header, randomBytes(payload)]));
  return readFileSync(path);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('connecting', () => {
  it('connects by the OAuth round trip: offline access with PKCE, the code traded by the worker, the channel stored', async () => {
    const google = newGoogleAccount();
    const { accountId } = await createApiAccount(stack, 'youtube', { username: google.channel!.handle });
    const exchangesBefore = yt.requestsTo('POST /token').length;
    const { authorizeUrl, callbackStatus, location } = await connectWithOAuth(stack, accountId, (url) => yt.approve(url, google.id));

    // The authorize URL as Google's web-server flow asks it: a refresh token needs access_type=offline (and prompt=consent to get one again).
    const asked = new URL(authorizeUrl);
    expect(`${asked.origin}${asked.pathname}`).toBe(yt.authorizeUrl);
    const params = asked.searchParams;
    expect(params.get('client_id')).toBe(CLIENT_ID);
    expect(params.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(params.get('response_type')).toBe('code');
    expect(params.get('access_type')).toBe('offline');
    expect(params.get('prompt')).toBe('consent');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('scope')!.split(' ')).toEqual(expect.arrayContaining([UPLOAD_SCOPE, READONLY_SCOPE]));
    expect(params.get('state')).toBeTruthy();
    expect(callbackStatus).toBe(302);
    expect(location).toBe(`/accounts?connected=${encodeURIComponent(accountId)}`);

    // The worker traded the code with the PKCE verifier and our client's id and secret (client_secret_post).
    const exchanges = yt.requestsTo('POST /token').slice(exchangesBefore);
    expect(exchanges.map((r) => [r.body.grant_type, r.status])).toEqual([['authorization_code', 200]]);
    const exchange = exchanges[0]!;
    expect(exchange.body).toMatchObject({ redirect_uri: REDIRECT_URI, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    expect(createHash('sha256').update(String(exchange.body.code_verifier)).digest('base64url')).toBe(params.get('code_challenge'));
    const issued = exchange.response as { access_token: string; refresh_token?: string };
    expect(issued.refresh_token).toBeTruthy();

    const stored = (await findAccountWithPlatform(db(), accountId))!.account;
    expect(stored.status).toBe('active');
    expect(stored.authData).not.toContain(issued.refresh_token!);
    const creds = (await storedCredentials(accountId))!;
    expect(creds).toMatchObject({
      accessToken: issued.access_token, refreshToken: issued.refresh_token,
      channelId: google.channel!.id, uploadsPlaylistId: google.channel!.uploadsPlaylistId, handle: google.channel!.handle,
    });
    expect(yt.refreshTokenValid(creds.refreshToken)).toBe(true);
    expect(Date.parse(creds.expiresAt!)).toBeGreaterThan(Date.now() + 50 * 60_000);
    const listed = await api<{ items: { id: string; publishesVia: string; connectWays: string[]; lastSessionState: string | null }[] }>(
      stack, 'GET', `/api/accounts?q=${encodeURIComponent(google.channel!.handle)}`,
    );
    expect(listed.body.items.find((a) => a.id === accountId)).toMatchObject({ publishesVia: 'api', connectWays: ['oauth', 'credentials'], lastSessionState: 'logged_in' });
  });

  it('a press on Cancel comes back as connectError=oauth_denied and stores nothing', async () => {
    const google = newGoogleAccount();
    const { accountId } = await createApiAccount(stack, 'youtube', { username: google.channel!.handle });
    const exchangesBefore = yt.requestsTo('POST /token').length;
    const { location } = await connectWithOAuth(stack, accountId, (url) => yt.deny(url));
    expect(location).toBe('/accounts?connectError=oauth_denied');
    expect(yt.requestsTo('POST /token')).toHaveLength(exchangesBefore);
    expect(await storedCredentials(accountId)).toBeNull();
  });

  it('takes { refreshToken }, traded at once; a refresh token Google refuses is a 400 naming refreshToken', async () => {
    const google = newGoogleAccount();
    const { accountId } = await createApiAccount(stack, 'youtube', { username: google.channel!.handle });
    const tokenCalls = () => yt.requestsTo('POST /token').filter((r) => r.body.grant_type === 'refresh_token');

    // An access token alone (as X takes it) is not enough: it dies within the hour.
    const missing = await api<{ error: string; fields: Record<string, string> }>(stack, 'POST', `/api/accounts/${accountId}/credentials`, {
      accessToken: `ya29.${randomBytes(40).toString('base64url')}`,
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('credentials_rejected');
    expect(Object.keys(missing.body.fields)).toEqual(['refreshToken']);

    const before = tokenCalls().length;
    const wrong = await api<{ error: string; fields: Record<string, string> }>(stack, 'POST', `/api/accounts/${accountId}/credentials`, {
      refreshToken: `1//0${randomBytes(48).toString('base64url')}`,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('credentials_rejected');
    expect(Object.keys(wrong.body.fields)).toEqual(['refreshToken']);
    expect(wrong.body.fields.refreshToken).toContain('invalid_grant');
    // Google was asked, and said no.
    expect(tokenCalls().slice(before).map((r) => r.status)).toEqual([400]);
    expect(await storedCredentials(accountId)).toBeNull();

    // A revoked one is refused the same way.
    const stale = yt.issueTokens(google.id);
    yt.revoke(stale.refreshToken);
    const revoked = await api<{ error: string; fields: Record<string, string> }>(stack, 'POST', `/api/accounts/${accountId}/credentials`, { refreshToken: stale.refreshToken });
    expect(revoked.status).toBe(400);
    expect(Object.keys(revoked.body.fields)).toEqual(['refreshToken']);
    expect(await storedCredentials(accountId)).toBeNull();

    const tokens = yt.issueTokens(google.id);
    const right = await api(stack, 'POST', `/api/accounts/${accountId}/credentials`, { refreshToken: tokens.refreshToken });
    expect(right).toMatchObject({ status: 200, body: { state: 'logged_in', status: 'active' } });
    const creds = (await storedCredentials(accountId))!;
    expect(creds).toMatchObject({ refreshToken: tokens.refreshToken, channelId: google.channel!.id, uploadsPlaylistId: google.channel!.uploadsPlaylistId });
    // The access token is the one Google issued for the refresh, not the one the owner held before.
    expect(creds.accessToken).not.toBe(tokens.accessToken);
    expect(yt.accessTokenValid(creds.accessToken)).toBe(true);
  });
});

describe('publishing', () => {
  it('publishes from POST /api/contents: the Shorts URL stored, title/description/keywords sent, private while the project is unaudited, counters stored', async () => {
    // The account asks for public uploads, which an unaudited Google project cannot make.
    const { modelId, google } = await oauthAccount({ publishSettings: { youtubePrivacy: 'public' } });
    const stop = statisticsOnCreate(google, { viewCount: 1234, likeCount: 56, commentCount: 7, favoriteCount: 0 });
    try {
      const insertsBefore = yt.requestsTo('POST /upload/youtube/v3/videos').length;
      const { publicationId } = await publishClip(stack, modelId, '¡Hola! Función especial 💃🏽 <esta noche>');
      const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed', 'held']);
      expect(published.status, published.lastError ?? '').toBe('published');

      const videos = videosOf(google);
      expect(videos).toHaveLength(1);
      const video = videos[0]!;
      expect(published.postUrl).toBe(`https://www.youtube.com/shorts/${video.id}`);
      expect(published.externalId).toBe(video.id);

      // One multipart videos.insert (a small file), with the very file the publication names.
      const inserts = yt.requestsTo('POST /upload/youtube/v3/videos').slice(insertsBefore);
      expect(inserts.map((r) => [r.query.uploadType, r.status])).toEqual([['multipart', 200]]);
      expect(video.via).toBe('multipart');
      const ctx = (await publicationContext(db(), publicationId))!;
      expect(video.sha256).toBe(sha256(readFileSync(ctx.publication.mediaPath ?? ctx.content.filePath)));

      // The metadata: the caption's words as the title (no marker, no `<`/`>`, which YouTube refuses), the whole
      // caption with the tracking link in the description and the marker as its last line, the tags as keywords.
      const caption = published.captionUsed!;
      const marker = published.idempotencyMarker;
      expect(caption).toContain('Función especial');
      expect(video.title).toContain('Función especial 💃🏽');
      expect(video.title).not.toContain(marker);
      expect(video.title).not.toMatch(/[<>]/);
      expect(video.title.length).toBeLessThanOrEqual(100);
      expect(video.description.split('\n').at(-1)).toBe(marker);
      expect(video.description).toContain('Función especial');
      expect(video.description).toContain(published.trackingLink!);
      expect(video.description).not.toMatch(/[<>]/);
      expect(video.description).toMatch(/#shorts/i);
      const keywords = (published.tagsUsed ?? []).map((t) => t.replace(/^#+/, ''));
      expect(keywords).toContain('envivo');
      expect(video.tags).toEqual(expect.arrayContaining(['envivo']));
      expect(video.tags.every((t) => !t.startsWith('#'))).toBe(true);
      expect(new Set(video.tags.map((t) => t.toLowerCase()))).toEqual(new Set(keywords.map((t) => t.toLowerCase())));

      // Asked private (the project is not audited), so the account's `public` was not even asked for.
      expect(inserts[0]!.body.status).toMatchObject({ privacyStatus: 'private', selfDeclaredMadeForKids: false });
      expect(video.requestedPrivacy).toBe('private');
      expect(video.privacyStatus).toBe('private');

      // The counters YouTube shows, read with videos.list part=statistics; YouTube has no share counter.
      const reads = await waitForMetrics(stack, publicationId);
      const data = reads[0]!.data as Record<string, unknown>;
      expect(data).toMatchObject({ views: 1234, likes: 56, comments: 7, source: 'api:youtube' });
      expect(data).not.toHaveProperty('shares');
      const statsRead = yt.requestsTo('GET /youtube/v3/videos').find((r) => r.query.id === video.id);
      expect(statsRead?.query.part).toContain('statistics');
    } finally {
      stop();
    }
  });

  it('a resumable upload broken mid-way is resumed from its saved session on the next attempt: one session, one video', async () => {
    const { modelId, google } = await oauthAccount();
    const clip = await paddedClip(YOUTUBE_MULTIPART_MAX_BYTES + 1024 * 1024);
    const size = clip.length;
    expect(size).toBeGreaterThan(YOUTUBE_MULTIPART_MAX_BYTES);
    expect(size).toBeLessThan(YOUTUBE_UPLOAD_CHUNK_BYTES); // one PUT carries it all: the break is inside the last chunk
    // The connection breaks after 3 MiB and a little of the bytes: Google keeps 3 MiB (whole 256 KiB units).
    const kept = 3 * 1024 * 1024;
    yt.dropNextUpload(kept + 1000);

    const created = await uploadVideo(stack, { modelId, context: 'Clip largo', file: { data: clip, name: 'largo.mp4' } });
    expect(created.status).toBe(202);
    const publicationId = await waitFor(async () => (await publicationsOfContent(db(), created.body.id as string))[0]?.id, { what: 'the publication', timeoutMs: 60_000 });
    const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed', 'held']);
    expect(published.status, published.lastError ?? '').toBe('published');
    expect(published.attempts).toBeGreaterThanOrEqual(2);

    // The product sent this file as it is (no variant): what reached YouTube is byte for byte the upload.
    const ctx = (await publicationContext(db(), publicationId))!;
    expect(ctx.publication.mediaPath).toBeNull();
    expect(statSync(ctx.content.filePath).size).toBe(size);

    const videos = videosOf(google);
    expect(videos).toHaveLength(1);
    expect(videos[0]).toMatchObject({ via: 'resumable', size, sha256: sha256(clip) });
    expect(published.externalId).toBe(videos[0]!.id);
    expect(published.postUrl).toBe(`https://www.youtube.com/shorts/${videos[0]!.id}`);

    // One session (one insert paid), and the second attempt asked it how far it got before sending only the rest.
    const sessions = sessionsOf(google);
    expect(sessions).toHaveLength(1);
    const session = sessions[0]!;
    expect(session.declaredBytes).toBe(size);
    expect(session.puts.map((p) => [p.range, p.status, p.dropped])).toEqual([
      [`bytes 0-${size - 1}/${size}`, 0, true],
      [`bytes */${size}`, 308, false],
      [`bytes ${kept}-${size - 1}/${size}`, 201, false],
    ]);
    expect(session.puts[2]!.bytes).toBe(size - kept);
  });

  it('a lost answer to videos.insert ends in exactly one video: the retry finds it by its marker in the uploads playlist', async () => {
    const { modelId, google } = await oauthAccount();
    // An older video of the channel that must not be taken for ours.
    yt.addVideo(google.channel!.id, { title: 'Otro video', description: 'subido desde YouTube Studio' });
    const insertsBefore = yt.requestsTo('POST /upload/youtube/v3/videos').length;
    const listsBefore = yt.requestsTo('GET /youtube/v3/playlistItems').length;
    yt.loseNextAnswer('POST /upload/youtube/v3/videos');
    const { publicationId } = await publishClip(stack, modelId);
    const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed', 'held']);
    expect(published.status, published.lastError ?? '').toBe('published');

    // One insert only, whose answer was lost: the retry looked instead of uploading again.
    const inserts = yt.requestsTo('POST /upload/youtube/v3/videos').slice(insertsBefore);
    expect(inserts.map((r) => r.lost)).toEqual([true]);
    const mine = videosOf(google).filter((v) => v.description.includes(published.idempotencyMarker));
    expect(mine).toHaveLength(1);
    expect(videosOf(google)).toHaveLength(2);
    expect(published.externalId).toBe(mine[0]!.id);
    expect(published.postUrl).toBe(`https://www.youtube.com/shorts/${mine[0]!.id}`);
    expect(published.attempts).toBeGreaterThanOrEqual(2);
    const looked = yt.requestsTo('GET /youtube/v3/playlistItems').slice(listsBefore);
    expect(looked.some((r: RecordedYoutubeRequest) => r.query.playlistId === google.channel!.uploadsPlaylistId && r.status === 200)).toBe(true);
  });
});

describe('a revoked grant', () => {
  it('holds the account with a reconnect alert; connecting again by OAuth releases what waited and a retry publishes', async () => {
    const { modelId, accountId, google } = await oauthAccount();
    // One publication goes out now; with an hour between posts the next two wait for their slots.
    const { posted, next, later } = await oneOutTwoWaiting(stack, modelId);
    await waitForMetrics(stack, posted.publicationId);
    await waitForStatus(stack, later.publicationId, ['scheduled']);
    expect(videosOf(google)).toHaveLength(1);

    // The owner removed our app from her Google account: the refresh token is refused and the access token expired.
    const creds = (await storedCredentials(accountId))!;
    yt.revoke(creds.refreshToken);
    yt.expireAccessTokens();
    expect((await api(stack, 'POST', `/api/publications/${next.publicationId}/publish-now`)).status).toBe(202);
    const failed = await waitForStatus(stack, next.publicationId, ['failed', 'published', 'unconfirmed', 'held']);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/^SessionExpired: .*Token has been expired or revoked.*reconnect the account/);
    expect(failed.attempts).toBe(1);
    await expectHeldUntilReconnected(stack, accountId, later.publicationId);
    // Google refused the refresh: nothing was uploaded.
    expect(videosOf(google)).toHaveLength(1);

    await reconnectReleases(stack, accountId, later.publicationId, (url) => yt.approve(url, google.id));
    expect((await storedCredentials(accountId))!.refreshToken).not.toBe(creds.refreshToken);
    const retried = await retryPublishes(stack, next.publicationId);
    expect(videosOf(google)).toHaveLength(2);
    expect(retried.externalId).toBe(videosOf(google)[1]!.id);
    // Its workflow ends with this read: nothing of this stack is left for the next one's worker.
    await waitForMetrics(stack, next.publicationId);
    expect(await api(stack, 'POST', `/api/publications/${later.publicationId}/cancel`)).toMatchObject({ status: 202 });
    await waitForStatus(stack, later.publicationId, ['canceled']);
  });
});

/**
 * Last, on a stack of its own: YOUTUBE_DAILY_QUOTA_UNITS is read at start, and the quota belongs to the Google project
 * (every YouTube account of the deployment), so it must not meet the uploads above. The stack above is closed first:
 * both would serve the same Temporal task queues.
 */
describe('the Google project\'s daily quota (one upload a day)', () => {
  beforeAll(async () => {
    await stack.close();
    stack = undefined as unknown as TestStack;
    stack = await startTestStack({ embedded: false, env: googleEnv({ YOUTUBE_DAILY_QUOTA_UNITS: String(UPLOAD_UNITS) }) });
    await resetQuotaDay();
  });

  it('holds the second upload of the day (cause quota, nothing sent to Google); after the reset a person\'s retry publishes it', async () => {
    // Two channels of two models: the quota is the project's, not the account's.
    const first = await oauthAccount();
    const second = await oauthAccount();
    const one = await publishClip(stack, first.modelId, 'primera del día');
    const published = await waitForStatus(stack, one.publicationId, ['published', 'failed', 'unconfirmed', 'held']);
    expect(published.status, published.lastError ?? '').toBe('published');
    await waitForMetrics(stack, one.publicationId);
    const [usage] = await db().select().from(apiQuotaUsage).where(quotaRow());
    expect(usage).toMatchObject({ units: UPLOAD_UNITS });

    const uploadsBefore = yt.requestsTo('POST /upload/youtube/v3/videos').length + yt.requestsTo('PUT /upload/youtube/v3/videos').length;
    const two = await publishClip(stack, second.modelId, 'segunda del día');
    const held = await waitForStatus(stack, two.publicationId, ['held', 'published', 'failed', 'unconfirmed']);
    expect(held.status).toBe('held');
    expect(held.lastError).toMatch(/^QuotaExhausted: .*midnight Pacific time/);
    expect(held.attempts).toBe(1);
    // The account did nothing wrong: it stays active, and no account alert was raised.
    expect((await findAccountWithPlatform(db(), second.accountId))!.account.status).toBe('active');
    expect((await alertsOf(stack, second.accountId)).map((e) => (e.data as { kind: string }).kind)).not.toContain('account_paused');

    const detail = await api<{ timeline: { kind: string; data: Record<string, unknown> | null }[]; actions: { retry: boolean } }>(
      stack, 'GET', `/api/publications/${two.publicationId}`,
    );
    expect(detail.status).toBe(200);
    const holds = detail.body.timeline.filter((e) => e.kind === 'publication_held');
    expect(holds).toHaveLength(1);
    expect(holds[0]!.data).toMatchObject({ cause: 'quota', platform: 'youtube' });
    // Held until Google's reset, at the next midnight in Los Angeles: within a day.
    const until = Date.parse(String(holds[0]!.data!.until));
    expect(until).toBeGreaterThan(Date.now());
    expect(until).toBeLessThanOrEqual(Date.now() + 25 * 3600_000);
    expect(detail.body.timeline.some((e) => e.kind === 'publication_failed')).toBe(false);
    expect(detail.body.actions.retry).toBe(true);
    // Nothing reached Google for it: no insert, no session, no bytes.
    expect(yt.requestsTo('POST /upload/youtube/v3/videos').length + yt.requestsTo('PUT /upload/youtube/v3/videos').length).toBe(uploadsBefore);
    expect(videosOf(second.google)).toHaveLength(0);
    expect((await findPublication(db(), two.publicationId))!.status).toBe('held');

    // A new quota day (as after the Pacific midnight), then the admin presses Retry.
    await resetQuotaDay();
    expect(await api(stack, 'POST', `/api/publications/${two.publicationId}/retry`)).toMatchObject({ status: 202 });
    const retried = await waitForRetryToEnd(stack, two.publicationId);
    expect(retried.status, retried.lastError ?? '').toBe('published');
    const videos = videosOf(second.google);
    expect(videos).toHaveLength(1);
    expect(retried.externalId).toBe(videos[0]!.id);
    expect(videosOf(first.google)).toHaveLength(1);
    const [after] = await db().select().from(apiQuotaUsage).where(quotaRow());
    expect(after).toMatchObject({ units: UPLOAD_UNITS, exhausted: false });
    await waitForMetrics(stack, two.publicationId);
  });
});
