/**
 * The Instagram driver against the fake Instagram Graph API (test/fakes/instagram-server.ts): Business Login and
 * pasted tokens, token refresh, the resumable upload, container polling, the publishing limit, exactly-once
 * publishing across crashes and lost answers, the signed-URL way and the insights.
 */
import { randomBytes, createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeInstagram, type FakeInstagram, type FakeInstagramOptions } from '../../../test/fakes/instagram-server.js';
import { apiApps, failureOf, setupContext, testApiContext, type TestApiContext } from '../../../test/helpers/api-driver.js';
import { makeTestVideo } from '../../../test/helpers/media.js';
import { PublishError } from '../errors.js';
import { CredentialsRejected, type ApiPost } from './api-types.js';
import {
  createInstagramDriver, instagramCaptionProblems, instagramScopes, instagramUploadUrl, readInstagramInsights, verifyInstagramVideoSignature,
  type InstagramApps, type InstagramCredentials,
} from './instagram.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const polling = { firstMs: 10, factor: 2, maxMs: 80, limitMs: 5_000 };
const driver = createInstagramDriver({ polling });

let dir: string;
let video: string;
let ig: FakeInstagram;
let apps: InstagramApps;
let mediaServer: Server | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'instagram-driver-'));
  video = await makeTestVideo(join(dir, 'reel.mp4'), { seconds: 4 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  await ig?.close();
  if (mediaServer) await new Promise<void>((resolve) => mediaServer!.close(() => resolve()));
  mediaServer = undefined;
});

async function fake(options: FakeInstagramOptions = {}, env: Record<string, string> = {}): Promise<FakeInstagram> {
  ig = await startFakeInstagram(options);
  apps = apiApps({
    INSTAGRAM_GRAPH_ROOT: ig.url, INSTAGRAM_AUTHORIZE_URL: ig.authorizeUrl, INSTAGRAM_TOKEN_URL: ig.tokenUrl,
    INSTAGRAM_APP_ID: ig.app.appId, INSTAGRAM_APP_SECRET: ig.app.appSecret, ...env,
  });
  return ig;
}

/** A connected account: a long-lived token obtained `ageMs` ago, stored the way exchangeCode stores it. */
function account(username = 'ana_live', opts: { ageMs?: number } = {}) {
  const user = ig.addUser({ username });
  const token = ig.issueToken(user.id, { ageMs: opts.ageMs ?? 60_000 });
  const creds: InstagramCredentials = {
    accessToken: token.token, refreshToken: token.token, expiresAt: new Date(token.expiresAt).toISOString(),
    refreshedAt: new Date(token.issuedAt).toISOString(), igUserId: user.id, username,
  };
  return { user, creds };
}

const context = (creds: InstagramCredentials | null) => testApiContext(driver, apps, creds, { username: creds?.username });

function newPost(overrides: Partial<ApiPost> = {}): ApiPost {
  const marker = `ref:${randomBytes(6).toString('hex')}`;
  return {
    publicationId: randomBytes(8).toString('hex'),
    videoPath: video,
    caption: `Hola 👋 en vivo ahora\n\n#live #latina\n\n${marker}`,
    tags: ['live', 'latina'],
    marker,
    trackingUrl: null,
    sensitive: false,
    media: { durationSeconds: 4, width: 360, height: 640, sizeBytes: statSync(video).size },
    ...overrides,
  };
}

const containerOf = (id: string) => ig.containers.get(id)!;

describe('connecting an account', () => {
  it('trades a Business Login code for a long-lived token and learns the IG_ID from /me', async () => {
    await fake();
    const user = ig.addUser({ username: 'ana_live' });
    const redirectUri = ig.app.redirectUris[0]!;
    const authorize = new URL(apps.apis.instagram.authorizeUrl);
    authorize.search = new URLSearchParams({ client_id: ig.app.appId, redirect_uri: redirectUri, response_type: 'code', scope: instagramScopes.join(','), state: 'signed-state' }).toString();
    const location = await ig.approve(authorize.toString(), user.id);
    expect(location.endsWith('#_')).toBe(true);
    const code = new URL(location).searchParams.get('code')!;
    expect(new URL(location).searchParams.get('state')).toBe('signed-state');

    // Pasted with Instagram's `#_` still on it: the driver takes it off.
    const { credentials, username } = await driver.exchangeCode!(setupContext(apps), { code: `${code}#_`, codeVerifier: 'unused', redirectUri });
    expect(username).toBe('ana_live');
    expect(credentials).toMatchObject({ igUserId: user.id, username: 'ana_live' });
    expect(ig.tokens.get(credentials.accessToken)!.kind).toBe('long');
    expect(credentials.refreshToken).toBe(credentials.accessToken);
    const lifetimeDays = (Date.parse(credentials.expiresAt!) - Date.now()) / 86_400_000;
    expect(lifetimeDays).toBeGreaterThan(59.9);

    const exchange = ig.requestsTo('POST /oauth/access_token')[0]!;
    expect(exchange.body).toMatchObject({ client_id: ig.app.appId, client_secret: ig.app.appSecret, grant_type: 'authorization_code', redirect_uri: redirectUri, code });
    expect(ig.requestsTo('GET /access_token')[0]!.query).toMatchObject({ grant_type: 'ig_exchange_token', client_secret: ig.app.appSecret });

    // A code is single use.
    const again = await failureOf(driver.exchangeCode!(setupContext(apps), { code, codeVerifier: 'unused', redirectUri }));
    expect(again).toBeInstanceOf(CredentialsRejected);
    expect((again as CredentialsRejected).field).toBe('code');
    expect(again.message).toContain('Matching code was not found or was already used');
  });

  it('refuses a grant without content publishing, and a personal account', async () => {
    await fake();
    const user = ig.addUser({ username: 'ana_live' });
    const redirectUri = ig.app.redirectUris[0]!;
    const url = `${ig.authorizeUrl}?${new URLSearchParams({ client_id: ig.app.appId, redirect_uri: redirectUri, response_type: 'code', scope: 'instagram_business_basic' })}`;
    const code = new URL(await ig.approve(url, user.id)).searchParams.get('code')!;
    const error = await failureOf(driver.exchangeCode!(setupContext(apps), { code, codeVerifier: 'unused', redirectUri }));
    expect((error as CredentialsRejected).field).toBe('code');
    expect(error.message).toContain('instagram_business_content_publish');

    const personal = ig.addUser({ username: 'just_me', accountType: 'PERSONAL' });
    const token = ig.issueToken(personal.id);
    const refused = await failureOf(driver.acceptCredentials(setupContext(apps), { accessToken: token.token }));
    expect((refused as CredentialsRejected).field).toBe('accessToken');
    expect(refused.message).toContain('personal');
  });

  it('accepts { accessToken, igUserId }: checks both at once, and learns the expiry by refreshing a token a day old', async () => {
    await fake();
    const user = ig.addUser({ username: 'lola_cam' });
    const old = ig.issueToken(user.id, { ageMs: 2 * 86_400_000 });
    const accepted = await driver.acceptCredentials(setupContext(apps), { accessToken: old.token, igUserId: user.id });
    expect(accepted.username).toBe('lola_cam');
    expect(accepted.credentials).toMatchObject({ igUserId: user.id, username: 'lola_cam' });
    expect(accepted.credentials.accessToken).not.toBe(old.token);
    expect(ig.tokenValid(accepted.credentials.accessToken)).toBe(true);
    expect(Date.parse(accepted.credentials.expiresAt!) - Date.now()).toBeGreaterThan(59 * 86_400_000);
    expect(ig.requestsTo('GET /:ig-user-id')[0]!.headers.authorization).toBe(`Bearer ${old.token}`);

    // A token minted an hour ago cannot be refreshed yet: kept as it is, with no refresh due before tomorrow.
    const young = ig.issueToken(user.id, { ageMs: 3_600_000 });
    const kept = await driver.acceptCredentials(setupContext(apps), { accessToken: young.token, igUserId: user.id });
    expect(kept.credentials.accessToken).toBe(young.token);
    expect(kept.credentials.expiresAt).toBeUndefined();
    expect(Date.now() - Date.parse(kept.credentials.refreshedAt!)).toBeLessThan(60_000);

    // Without igUserId, /me names the account.
    const viaMe = await driver.acceptCredentials(setupContext(apps), { accessToken: young.token });
    expect(viaMe.credentials.igUserId).toBe(user.id);

    const other = ig.addUser({ username: 'someone_else' });
    const wrongId = await failureOf(driver.acceptCredentials(setupContext(apps), { accessToken: young.token, igUserId: other.id }));
    expect((wrongId as CredentialsRejected).field).toBe('igUserId');
    const badToken = await failureOf(driver.acceptCredentials(setupContext(apps), { accessToken: 'IGAAnot-a-token', igUserId: user.id }));
    expect((badToken as CredentialsRejected).field).toBe('accessToken');
    expect(badToken.message).toContain('Invalid OAuth access token');
    const missing = await failureOf(driver.acceptCredentials(setupContext(apps), { igUserId: user.id }));
    expect((missing as CredentialsRejected).field).toBe('accessToken');
  });

  it('refreshes a token past its half-life before using it, and says logged_out once Meta kills it', async () => {
    await fake();
    const { user, creds } = account('ana_live', { ageMs: 40 * 86_400_000 });
    const ctx = context(creds);
    expect(await driver.checkSession(ctx)).toBe('logged_in');
    const refresh = ig.requestsTo('GET /refresh_access_token');
    expect(refresh).toHaveLength(1);
    expect(refresh[0]!.query).toMatchObject({ grant_type: 'ig_refresh_token', access_token: creds.accessToken });
    const stored = ctx.stored()!;
    expect(stored.accessToken).not.toBe(creds.accessToken);
    expect(Date.parse(stored.expiresAt!) - Date.now()).toBeGreaterThan(59 * 86_400_000);
    // The next check needs no refresh.
    expect(await driver.checkSession(ctx)).toBe('logged_in');
    expect(ig.requestsTo('GET /refresh_access_token')).toHaveLength(1);

    ig.revokeUser(user.id);
    expect(await driver.checkSession(ctx)).toBe('logged_out');
  });
});

describe('publishing a reel', () => {
  it('publishes through the resumable upload: limit read first, container id saved before the bytes, then media_publish', async () => {
    await fake();
    const { user, creds } = account();
    const ctx = context(creds);
    const requestsAtSave: number[] = [];
    const watched: TestApiContext<InstagramCredentials> = {
      ...ctx,
      async saveProgress(progress) {
        requestsAtSave.push(ig.requests.length);
        await ctx.saveProgress(progress);
      },
    };
    const post = newPost();
    const ref = await driver.publish(watched, post);

    const [media] = ig.publishedBy(user.id);
    expect(ref).toEqual({ url: media!.permalink, externalId: media!.id });
    expect(media!.caption).toBe(post.caption);
    expect(ref.url).toMatch(/^https:\/\/www\.instagram\.com\/reel\/[\w-]+\/$/);

    const limit = ig.requestsTo('GET /:ig-user-id/content_publishing_limit')[0]!;
    const create = ig.requestsTo('POST /:ig-user-id/media')[0]!;
    expect(limit.at).toBeLessThanOrEqual(create.at);
    expect(limit.query.fields).toBe('config,quota_usage');
    expect(create.body).toMatchObject({ media_type: 'REELS', upload_type: 'resumable', caption: post.caption, share_to_feed: 'true' });
    expect(create.headers.authorization).toBe(`Bearer ${creds.accessToken}`);

    const uploads = ig.requestsTo('POST /ig-api-upload/:ig-container-id');
    expect(uploads).toHaveLength(1);
    const bytes = readFileSync(video);
    expect(uploads[0]!.path).toBe(`/ig-api-upload/v21.0/${ctx.savedProgress[0]!.containerId}`);
    expect(uploads[0]!.headers).toMatchObject({ authorization: `OAuth ${creds.accessToken}`, offset: '0', file_size: String(bytes.length) });
    const container = containerOf(String(ctx.savedProgress[0]!.containerId));
    expect(sha256(container.bytes)).toBe(sha256(bytes));
    expect(container.state).toBe('PUBLISHED');

    // The container id was saved before the upload request went out.
    const uploadIndex = ig.requests.indexOf(uploads[0]!);
    expect(requestsAtSave[0]).toBeLessThanOrEqual(uploadIndex);
    expect(ctx.savedProgress[0]).toMatchObject({ uploaded: false, publishSent: false });
    expect(ctx.savedProgress.at(-1)).toMatchObject({ containerId: container.id, uploaded: true, publishSent: true });
    expect(ig.requestsTo('POST /:ig-user-id/media_publish')[0]!.body).toEqual({ creation_id: container.id });
    expect(ctx.steps).toEqual(['uploading', 'submitting']);
  });

  it('polls the container with growing waits until FINISHED', async () => {
    await fake({ processingPolls: 4 });
    const { user, creds } = account();
    await driver.publish(context(creds), newPost());
    const polls = ig.requestsTo('GET /:ig-container-id');
    expect(polls).toHaveLength(5);
    expect(polls.map((p) => (p.response as { status_code: string }).status_code)).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'FINISHED']);
    const gaps = polls.slice(1).map((p, i) => p.at - polls[i]!.at);
    // 10, 20, 40, 80 ms (timers never fire early by more than a millisecond).
    [10, 20, 40, 80].forEach((expected, i) => expect(gaps[i]).toBeGreaterThanOrEqual(expected - 1));
    expect(ig.publishedBy(user.id)).toHaveLength(1);
  });

  it('gives the attempt back when processing outlasts the poll limit, and the next attempt polls the same container', async () => {
    await fake({ processingPolls: 50 });
    const { user, creds } = account();
    const slow = createInstagramDriver({ polling: { firstMs: 5, factor: 1, maxMs: 5, limitMs: 60 } });
    const ctx = testApiContext(slow, apps, creds);
    const post = newPost();
    const error = await failureOf(slow.publish(ctx, post));
    expect((error as PublishError).type).toBe('Retryable');
    expect(error.message).toContain('still processing');
    const container = containerOf(String(ctx.savedProgress.at(-1)!.containerId));
    container.pollsLeft = 0;
    const ref = await slow.publish(ctx, post);
    expect(ref.externalId).toBe(container.mediaId);
    expect(ig.requestsTo('POST /:ig-user-id/media')).toHaveLength(1);
    expect(ig.requestsTo('POST /ig-api-upload/:ig-container-id')).toHaveLength(1);
    expect(ig.publishedBy(user.id)).toHaveLength(1);
  });

  it('a container in ERROR is RejectedByPlatform with Meta\'s reason, and nothing is published', async () => {
    await fake();
    const { user, creds } = account();
    ig.failNextContainer({ subcode: 2207010, message: 'The reel could not be processed for publishing' });
    const ctx = context(creds);
    const error = await failureOf(driver.publish(ctx, newPost()));
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).type).toBe('RejectedByPlatform');
    expect(error.message).toContain('The reel could not be processed for publishing');
    expect(ig.requestsTo('POST /:ig-user-id/media_publish')).toHaveLength(0);
    expect(ig.publishedBy(user.id)).toHaveLength(0);
    expect(ctx.steps.at(-1)).toBe('prepared');
  });

  it('a file Instagram cannot decode is InvalidMedia; a transient processing error starts over with a new container', async () => {
    await fake();
    const { user, creds } = account();
    const notAVideo = join(dir, 'noise.mp4');
    writeFileSync(notAVideo, randomBytes(4096));
    const bad = await failureOf(driver.publish(context(creds), newPost({ videoPath: notAVideo })));
    expect((bad as PublishError).type).toBe('InvalidMedia');
    expect(bad.message).toContain('2207026');

    ig.failNextContainer({ subcode: 2207001, message: 'Instagram server error. Try again.' });
    const ctx = context(creds);
    const post = newPost();
    const first = await failureOf(driver.publish(ctx, post));
    expect((first as PublishError).type).toBe('Retryable');
    const ref = await driver.publish(ctx, post);
    const containers = [...ig.containers.values()].filter((c) => c.caption === post.caption);
    expect(containers.map((c) => c.state)).toEqual(['ERROR', 'PUBLISHED']);
    expect(ref.externalId).toBe(containers[1]!.mediaId);
    expect(ig.publishedBy(user.id)).toHaveLength(1);
  });

  it('after a crash between container creation and publish, the retry publishes the same container without uploading again', async () => {
    await fake();
    const { user, creds } = account();
    const ctx = context(creds);
    const crashing: TestApiContext<InstagramCredentials> = {
      ...ctx,
      async step(step) {
        if (step === 'submitting') throw new Error('the worker died');
        await ctx.step(step);
      },
    };
    const post = newPost();
    await expect(driver.publish(crashing, post)).rejects.toThrow('the worker died');
    expect(ig.requestsTo('POST /:ig-user-id/media_publish')).toHaveLength(0);

    const ref = await driver.publish(ctx, post);
    expect(ig.requestsTo('POST /:ig-user-id/media')).toHaveLength(1);
    expect(ig.requestsTo('POST /ig-api-upload/:ig-container-id')).toHaveLength(1);
    expect(ig.requestsTo('POST /:ig-user-id/media_publish')).toHaveLength(1);
    const [media] = ig.publishedBy(user.id);
    expect(ref.externalId).toBe(media!.id);
    expect(media!.containerId).toBe(ctx.savedProgress[0]!.containerId);
  });

  it('a crash before the upload finished puts the bytes in a new container (the half one is never published)', async () => {
    await fake();
    const { user, creds } = account();
    ig.failNext('POST /ig-api-upload/:ig-container-id', { status: 503, body: { debug_info: { retriable: true, type: 'ServerError', message: 'try again' } } });
    const ctx = context(creds);
    const post = newPost();
    expect(((await failureOf(driver.publish(ctx, post))) as PublishError).type).toBe('Retryable');
    await driver.publish(ctx, post);
    const containers = [...ig.containers.values()];
    expect(containers.map((c) => c.state)).toEqual(['awaiting_upload', 'PUBLISHED']);
    expect(ig.publishedBy(user.id)).toHaveLength(1);
  });

  it('a lost media_publish answer yields exactly one post: the retry finds it by the marker', async () => {
    await fake();
    const { user, creds } = account();
    ig.loseNextAnswer('POST /:ig-user-id/media_publish');
    const ctx = context(creds);
    const post = newPost();
    const lost = await failureOf(driver.publish(ctx, post));
    expect((lost as PublishError).type).toBe('Retryable');
    expect(ctx.steps.at(-1)).toBe('submitting');
    expect(ig.publishedBy(user.id)).toHaveLength(1);

    // The activity looks first (findByMarker), and publish itself never publishes the container twice.
    const found = await driver.findByMarker!(ctx, post);
    const again = await driver.publish(ctx, post);
    const [media] = ig.publishedBy(user.id);
    expect(found).toEqual({ url: media!.permalink, externalId: media!.id });
    expect(again).toEqual(found);
    expect(ig.requestsTo('POST /:ig-user-id/media_publish')).toHaveLength(1);
    expect(ig.publishedBy(user.id)).toHaveLength(1);
  });

  it('honours the publishing limit: refused before any upload, QuotaExhausted until the oldest post leaves the 24 h window', async () => {
    await fake({ quotaTotal: 3 });
    const { user, creds } = account();
    const hour = 3_600_000;
    for (const ago of [20 * hour, 10 * hour, 1 * hour]) ig.addMedia(user.id, { caption: 'earlier', at: new Date(Date.now() - ago), viaApi: true });
    const error = await failureOf(driver.publish(context(creds), newPost()));
    expect((error as PublishError).type).toBe('QuotaExhausted');
    expect(error.message).toContain('3 of the 3 posts');
    const retryAfterMs = (error as PublishError).retryAfterMs!;
    expect(retryAfterMs).toBeGreaterThan(4 * hour);
    expect(retryAfterMs).toBeLessThan(4 * hour + 2 * 60_000);
    expect(ig.containers.size).toBe(0);
    expect(ig.requestsTo('POST /ig-api-upload/:ig-container-id')).toHaveLength(0);
  });

  it('an expired token is SessionExpired (Meta will not refresh it), and nothing is uploaded', async () => {
    await fake();
    const { creds } = account();
    ig.expireTokens();
    const ctx = context(creds);
    const error = await failureOf(driver.publish(ctx, newPost()));
    expect((error as PublishError).type).toBe('SessionExpired');
    expect(error.message).toContain('reconnect');
    expect(ig.requestsTo('GET /refresh_access_token')).toHaveLength(1);
    expect(ig.containers.size).toBe(0);
  });

  it('a throttled account is Retryable after the time Meta names', async () => {
    await fake();
    const { user, creds } = account();
    ig.throttle(user.id, 7);
    const error = await failureOf(driver.publish(context(creds), newPost()));
    expect((error as PublishError).type).toBe('Retryable');
    expect((error as PublishError).retryAfterMs).toBe(7 * 60_000);
    expect(ig.containers.size).toBe(0);
  });

  it('refuses what Instagram would refuse before calling it: caption limits and Reels durations', async () => {
    await fake();
    const { creds } = account();
    const tags = Array.from({ length: 31 }, (_, i) => `#tag${i}`).join(' ');
    const tooManyTags = await failureOf(driver.publish(context(creds), newPost({ caption: `Hola ${tags}` })));
    expect((tooManyTags as PublishError).type).toBe('RejectedByPlatform');
    expect(tooManyTags.message).toContain('31 hashtags');
    expect(instagramCaptionProblems('x'.repeat(2201))).toEqual(['2201 characters (Instagram takes 2200)']);
    expect(instagramCaptionProblems(Array.from({ length: 21 }, (_, i) => `@user${i}`).join(' '))).toEqual(['21 @-mentions (Instagram takes 20)']);
    const short = await failureOf(driver.publish(context(creds), newPost({ media: { durationSeconds: 2, width: 360, height: 640, sizeBytes: 1 } })));
    expect((short as PublishError).type).toBe('InvalidMedia');
    expect(ig.requests).toHaveLength(0);
  });

  it('where Meta refuses resumable uploads, hands it a signed URL under PUBLIC_URL that serves the variant, and remembers it', async () => {
    const key = randomBytes(32);
    const served: string[] = [];
    mediaServer = createServer((req, res) => {
      const match = /^\/media\/instagram\/([^/]+)\/(\d+)\/([\w-]+)\.mp4$/.exec(req.url ?? '');
      if (!match || !verifyInstagramVideoSignature(key, decodeURIComponent(match[1]!), Number(match[2]), match[3]!)) {
        res.writeHead(403).end();
        return;
      }
      served.push(decodeURIComponent(match[1]!));
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': statSync(video).size });
      createReadStream(video).pipe(res);
    });
    await new Promise<void>((resolve) => mediaServer!.listen(0, '127.0.0.1', resolve));
    const publicUrl = `http://127.0.0.1:${(mediaServer.address() as AddressInfo).port}`;
    await fake({ resumableUploads: false }, { PUBLIC_URL: publicUrl });
    apps = { ...apps, mediaUrlKey: key };
    const { user, creds } = account();
    const ctx = context(creds);
    const post = newPost();
    const ref = await driver.publish(ctx, post);

    expect(served).toEqual([post.publicationId]);
    const creates = ig.requestsTo('POST /:ig-user-id/media');
    expect(creates.map((c) => c.status)).toEqual([400, 200]);
    expect(creates[1]!.body.video_url).toMatch(new RegExp(`^${publicUrl}/media/instagram/${post.publicationId}/\\d+/[\\w-]+\\.mp4$`));
    const container = [...ig.containers.values()][0]!;
    expect(container.uploadType).toBe('video_url');
    expect(sha256(container.bytes)).toBe(sha256(readFileSync(video)));
    expect(ref.externalId).toBe(ig.publishedBy(user.id)[0]!.id);
    expect(ctx.stored()!.upload).toBe('video_url');

    // The next post goes straight to video_url; a tampered signature is refused by the route.
    await driver.publish(context(ctx.stored()), newPost());
    expect(ig.requestsTo('POST /:ig-user-id/media').map((c) => c.status)).toEqual([400, 200, 200]);
    const tampered = creates[1]!.body.video_url.replace(/\/([\w-]+)\.mp4$/, '/AAAA.mp4');
    expect((await fetch(tampered)).status).toBe(403);
    expect(ig.requestsTo('POST /ig-api-upload/:ig-container-id')).toHaveLength(0);
  });
});

describe('reading a reel', () => {
  it('reads views, reach, likes, comments, shares and saves; a deleted reel is PostUnavailable', async () => {
    await fake();
    const { creds } = account();
    const ctx = context(creds);
    const ref = await driver.publish(ctx, newPost());
    ig.setInsights(ref.externalId, { views: 1234, reach: 900, likes: 87, comments: 12, shares: 5, saved: 9 });
    expect(await driver.readMetrics(ctx, ref)).toEqual({ views: 1234, reach: 900, likes: 87, comments: 12, shares: 5, saves: 9 });
    expect(await readInstagramInsights(ctx, ref.externalId)).toEqual({ views: 1234, reach: 900, likes: 87, comments: 12, shares: 5, saves: 9 });
    expect(ig.requestsTo('GET /:ig-media-id/insights')[0]!.query.metric).toBe('views,reach,likes,comments,shares,saved');

    ig.deleteMedia(ref.externalId);
    const gone = await failureOf(driver.readMetrics(ctx, ref));
    expect((gone as PublishError).type).toBe('PostUnavailable');
  });
});

describe('the upload host', () => {
  it('is rupload.facebook.com for Meta\'s roots, the configured root otherwise; a container uri elsewhere is not followed', () => {
    const meta = { instagram: { graphRoot: 'https://graph.instagram.com', graphVersion: 'v21.0', authorizeUrl: '', tokenUrl: '' } };
    expect(instagramUploadUrl(meta, '178')).toBe('https://rupload.facebook.com/ig-api-upload/v21.0/178');
    expect(instagramUploadUrl(meta, '178', 'https://rupload.facebook.com/ig-api-upload/v22.0/178')).toBe('https://rupload.facebook.com/ig-api-upload/v22.0/178');
    expect(instagramUploadUrl(meta, '178', 'https://evil.example/ig-api-upload/v21.0/178')).toBe('https://rupload.facebook.com/ig-api-upload/v21.0/178');
    const proxy = { instagram: { ...meta.instagram, graphRoot: 'http://127.0.0.1:9999' } };
    expect(instagramUploadUrl(proxy, '178')).toBe('http://127.0.0.1:9999/ig-api-upload/v21.0/178');
  });
});
