import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeBluesky, TID_PATTERN, type FakeAccount, type FakeBluesky, type RecordedRequest } from '../../../test/fakes/bluesky-server.js';
import { apiApps, setupContext, testApiContext } from '../../../test/helpers/api-driver.js';
import { makeTestVideo } from '../../../test/helpers/media.js';
import type { ApiPost } from './api-types.js';
import { blueskyDriver, fitPostText, languageOf, recordKeyFor, type BlueskyCredentials } from './bluesky.js';

let dir: string;
let videoPath: string;
let bsky: FakeBluesky;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bluesky-driver-'));
  videoPath = await makeTestVideo(join(dir, 'clip.mp4'), { seconds: 2, width: 360, height: 640 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A fresh fake per test: tests move its clock and lower its limits.
beforeEach(async () => {
  bsky = await startFakeBluesky();
});
afterEach(async () => {
  await bsky.close();
});

const apps = () => apiApps({ BLUESKY_SERVICE: bsky.url, BLUESKY_VIDEO_SERVICE: bsky.videoUrl });

async function connect(account: FakeAccount) {
  const { credentials, username } = await blueskyDriver.acceptCredentials(setupContext(apps()), { identifier: account.handle, appPassword: account.appPassword });
  return { ctx: testApiContext<BlueskyCredentials>(blueskyDriver, apps(), credentials), credentials, username };
}

function newPost(overrides: Partial<ApiPost> = {}): ApiPost {
  const publicationId = randomUUID();
  const marker = `ref:${publicationId.replace(/-/g, '').slice(0, 12)}`;
  return {
    publicationId,
    videoPath,
    caption: `¡Hola! 💃🏽 Función especial esta noche, en vivo con Ána ✨\n\n#latina #envivo\nhttps://t.example/t/abc123\n${marker}`,
    tags: ['latina', 'envivo'],
    marker,
    trackingUrl: 'https://t.example/t/abc123',
    sensitive: false,
    media: { durationSeconds: 2, width: 360, height: 640, sizeBytes: 0 },
    ...overrides,
  };
}

const jwtPayload = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
const bearerOf = (request: RecordedRequest) => request.authorization!.replace(/^Bearer /, '');

describe('connecting with an app password', () => {
  it('stores the session (never the password) and answers the handle', async () => {
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    const { credentials, username } = await connect(ana);

    expect(username).toBe('ana.bsky.social');
    expect(credentials).toMatchObject({ did: ana.did, handle: 'ana.bsky.social', pdsUrl: bsky.url });
    expect(credentials.accessToken.split('.')).toHaveLength(3);
    expect(credentials.expiresAt).toBe(new Date(jwtPayload(credentials.accessToken).exp * 1000).toISOString());
    expect(jwtPayload(credentials.refreshToken).scope).toBe('com.atproto.refresh');
    const stored = JSON.stringify(credentials);
    expect(stored).not.toContain(ana.appPassword);
    expect(stored).not.toContain(ana.password);
    // The app password was what logged in, once.
    expect(bsky.calls('com.atproto.server.createSession').map((c) => c.body)).toEqual([{ identifier: 'ana.bsky.social', password: ana.appPassword }]);
  });

  it('refuses a wrong app password, naming the field', async () => {
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    await expect(blueskyDriver.acceptCredentials(setupContext(apps()), { identifier: '@ana.bsky.social', appPassword: 'aaaa-bbbb-cccc-dddd' }))
      .rejects.toMatchObject({ name: 'CredentialsRejected', field: 'appPassword', message: expect.stringContaining('Invalid identifier or password') });
    expect(bsky.calls('com.atproto.server.createSession')[0]).toMatchObject({ status: 401, response: { error: 'AuthenticationRequired' } });
    expect(bsky.liveRefreshTokens(ana.did)).toBe(0);
  });

  it('never takes the account password, nor a missing field', async () => {
    const bea = bsky.addAccount({ handle: 'bea.bsky.social', password: 'abcd-efgh-ijkl-mnop' });
    const setup = setupContext(apps());
    await expect(blueskyDriver.acceptCredentials(setup, { identifier: 'bea.bsky.social', appPassword: 'my secret password' }))
      .rejects.toMatchObject({ name: 'CredentialsRejected', field: 'appPassword' });
    await expect(blueskyDriver.acceptCredentials(setup, { appPassword: bea.appPassword }))
      .rejects.toMatchObject({ name: 'CredentialsRejected', field: 'identifier' });
    expect(bsky.calls('com.atproto.server.createSession')).toHaveLength(0);
    // An account password shaped like an app password: the full-rights session is refused and ended at once.
    await expect(blueskyDriver.acceptCredentials(setup, { identifier: 'bea.bsky.social', appPassword: 'abcd-efgh-ijkl-mnop' }))
      .rejects.toMatchObject({ name: 'CredentialsRejected', field: 'appPassword', message: expect.stringContaining('account password') });
    expect(bsky.calls('com.atproto.server.deleteSession')).toMatchObject([{ status: 200 }]);
    expect(bsky.liveRefreshTokens(bea.did)).toBe(0);
  });
});

describe('publishing', () => {
  it('uploads the clip to the video service and posts it with link facets, tags, language and the self-label', async () => {
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    const { ctx } = await connect(ana);
    const post = newPost({ sensitive: true });

    const ref = await blueskyDriver.publish(ctx, post);

    const rkey = recordKeyFor(post.publicationId);
    expect(rkey).toMatch(TID_PATTERN);
    expect(ref).toEqual({ url: `https://bsky.app/profile/ana.bsky.social/post/${rkey}`, externalId: `at://${ana.did}/app.bsky.feed.post/${rkey}` });
    expect(ctx.steps).toEqual(['uploading', 'submitting']);

    // The bytes reached the video service, with a 30-minute token for the PDS's uploadBlob.
    const [upload] = bsky.uploads;
    expect(upload!.sha256).toBe(createHash('sha256').update(readFileSync(videoPath)).digest('hex'));
    expect(upload!.contentType).toBe('video/mp4');
    expect(upload!.name).toBe(`${post.publicationId}.mp4`);
    const [uploadCall] = bsky.calls('app.bsky.video.uploadVideo');
    expect(uploadCall!.host).toBe('video');
    expect(uploadCall!.params).toMatchObject({ did: ana.did });
    const token = jwtPayload(bearerOf(uploadCall!));
    expect(token).toMatchObject({ iss: ana.did, aud: bsky.pdsDid, lxm: 'com.atproto.repo.uploadBlob' });
    expect(token.exp * 1000 - Date.now()).toBeGreaterThan(25 * 60_000);
    expect(bsky.calls('app.bsky.video.getUploadLimits')).toMatchObject([{ status: 200 }]);
    expect(bsky.calls('app.bsky.video.getJobStatus').length).toBeGreaterThanOrEqual(3);

    const [stored] = bsky.records(ana.did);
    const record = stored!.value;
    expect(stored!.uri).toBe(ref.externalId);
    expect(record.text).toBe(post.caption);
    const completed = bsky.calls('app.bsky.video.getJobStatus').at(-1)!.response as any;
    expect(record.embed).toEqual({ $type: 'app.bsky.embed.video', video: completed.jobStatus.blob, aspectRatio: { width: 360, height: 640 } });
    expect(record.labels).toEqual({ $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'porn' }] });
    expect(record.langs).toEqual(['es']);

    // Facets count UTF-8 bytes: the emoji and accents before the link make them differ from string indices.
    const bytes = Buffer.from(record.text, 'utf8');
    const at = (f: any) => bytes.subarray(f.index.byteStart, f.index.byteEnd).toString('utf8');
    const link = record.facets.find((f: any) => f.features[0].$type === 'app.bsky.richtext.facet#link');
    expect(link.features[0].uri).toBe('https://t.example/t/abc123');
    expect(at(link)).toBe('https://t.example/t/abc123');
    expect(link.index.byteStart).not.toBe(record.text.indexOf('https://t.example'));
    const tags = record.facets.filter((f: any) => f.features[0].$type === 'app.bsky.richtext.facet#tag');
    expect(tags.map((f: any) => [f.features[0].tag, at(f)])).toEqual([['latina', '#latina'], ['envivo', '#envivo']]);
  });

  it('keeps Bluesky\'s 300 graphemes, with the link and the marker', () => {
    const marker = 'ref:0f8fad5bd9cb';
    const caption = `${'Ven a verme 💃🏽 '.repeat(40).trim()}\n\n#latina #envivo #colombia\nhttps://t.example/t/abc123\n${marker}`;
    const text = fitPostText(caption, { marker, trackingUrl: 'https://t.example/t/abc123' });
    const graphemes = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].length;
    expect(graphemes).toBeLessThanOrEqual(300);
    expect(graphemes).toBeGreaterThan(250);
    expect(text.endsWith(`\nhttps://t.example/t/abc123\n${marker}`)).toBe(true);
    expect(text).toContain('…\n\n#latina #envivo #colombia');
    expect(languageOf('Come and join me live tonight')).toEqual(['en']);
    expect(languageOf('💃🏽 ✨')).toBeUndefined();
  });

  it('derives one valid TID record key per publication', () => {
    const id = randomUUID();
    expect(recordKeyFor(id)).toBe(recordKeyFor(id));
    expect(recordKeyFor(id)).not.toBe(recordKeyFor(randomUUID()));
    for (let i = 0; i < 200; i++) expect(recordKeyFor(randomUUID())).toMatch(TID_PATTERN);
  });

  it('after a lost createRecord answer, finds the post at its record key: one post, no second upload', async () => {
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    const { ctx } = await connect(ana);
    bsky.videoJobStates = ['JOB_STATE_ENCODING'];
    const post = newPost();
    bsky.loseNextAnswer('com.atproto.repo.createRecord');

    const ref = await blueskyDriver.publish(ctx, post);
    expect(bsky.calls('com.atproto.repo.createRecord')).toMatchObject([{ lost: true }]);
    expect(ref.externalId).toBe(`at://${ana.did}/app.bsky.feed.post/${recordKeyFor(post.publicationId)}`);

    // The worker's retry: the same post, nothing uploaded or written again.
    const again = await blueskyDriver.publish(testApiContext<BlueskyCredentials>(blueskyDriver, apps(), ctx.stored()), post);
    expect(again).toEqual(ref);
    expect(bsky.records(ana.did)).toHaveLength(1);
    expect(bsky.calls('com.atproto.repo.createRecord')).toHaveLength(1);
    expect(bsky.uploads).toHaveLength(1);
  });

  it('when it cannot look after a lost answer it stays `submitting`; findByMarker and a blind retry meet the same record', async () => {
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    const { ctx } = await connect(ana);
    bsky.videoJobStates = ['JOB_STATE_ENCODING'];
    const post = newPost();
    bsky.loseNextAnswer('com.atproto.repo.createRecord');
    const onLost = (r: RecordedRequest) => {
      if (r.method === 'com.atproto.repo.createRecord' && r.lost) bsky.failNext('com.atproto.repo.getRecord', { status: 503 });
    };
    bsky.on('request', onLost);

    await expect(blueskyDriver.publish(ctx, post)).rejects.toMatchObject({ type: 'Retryable' });
    bsky.off('request', onLost);
    expect(ctx.steps.at(-1)).toBe('submitting');

    const found = await blueskyDriver.findByMarker!(ctx, post);
    expect(found?.externalId).toBe(`at://${ana.did}/app.bsky.feed.post/${recordKeyFor(post.publicationId)}`);

    // Even a retry that cannot look first writes to the same key: the PDS refuses it and the driver finds the post.
    bsky.failNext('com.atproto.repo.getRecord', { status: 502 });
    const retry = await blueskyDriver.publish(ctx, post);
    expect(retry).toEqual(found);
    expect(bsky.calls('app.bsky.video.uploadVideo').at(-1)).toMatchObject({ status: 409, response: { error: 'already_exists' } });
    expect(bsky.calls('com.atproto.repo.createRecord').map((c) => c.status)).toEqual([200, 500]);
    expect(bsky.records(ana.did)).toHaveLength(1);
  });

  it('refreshes an access JWT about to expire and stores the rotated session', async () => {
    bsky.accessTokenTtlSeconds = 30;
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    const { ctx, credentials } = await connect(ana);
    bsky.accessTokenTtlSeconds = 7200;

    expect(await blueskyDriver.checkSession(ctx)).toBe('logged_in');
    const rotated = ctx.stored()!;
    expect(bsky.calls('com.atproto.server.refreshSession')).toMatchObject([{ status: 200 }]);
    expect(rotated.refreshToken).not.toBe(credentials.refreshToken);
    expect(rotated.accessToken).not.toBe(credentials.accessToken);
    expect(Date.parse(rotated.expiresAt!) - Date.now()).toBeGreaterThan(3600_000);
    expect(bsky.calls('com.atproto.server.getSession').at(-1)!.authorization).toBe(`Bearer ${rotated.accessToken}`);
  });

  it('refreshes when the PDS says ExpiredToken, and the old refresh JWT dies after the grace period', async () => {
    // Two minutes of life: not "about to expire" for the worker, but expired once the PDS's clock moves on.
    bsky.accessTokenTtlSeconds = 120;
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    const { ctx, credentials } = await connect(ana);
    bsky.accessTokenTtlSeconds = 7200;
    bsky.videoJobStates = [];
    bsky.advanceClock(121_000);

    await blueskyDriver.publish(ctx, newPost());
    // The first authenticated call (a service token for getUploadLimits) met the expired token; once refreshed, it went through.
    expect(bsky.requests.filter((r) => (r.response as { error?: string } | undefined)?.error === 'ExpiredToken'))
      .toMatchObject([{ method: 'com.atproto.server.getServiceAuth', status: 400, response: { message: 'Token has expired' } }]);
    expect(bsky.calls('com.atproto.server.refreshSession')).toMatchObject([{ status: 200 }]);
    expect(ctx.stored()!.refreshToken).not.toBe(credentials.refreshToken);
    expect(bsky.records(ana.did)).toHaveLength(1);

    bsky.advanceClock(3 * 3600_000);
    await expect(blueskyDriver.refresh!(setupContext(apps()), credentials)).rejects.toMatchObject({ type: 'SessionExpired' });
    await expect(blueskyDriver.refresh!(setupContext(apps()), ctx.stored()!)).resolves.toMatchObject({ did: ana.did });
  });

  it('a revoked app password ends in SessionExpired', async () => {
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    const { ctx } = await connect(ana);
    bsky.revokeAppPassword(ana.did, ana.appPassword);
    bsky.advanceClock(3 * 3600_000);

    await expect(blueskyDriver.publish(ctx, newPost())).rejects.toMatchObject({ type: 'SessionExpired' });
    expect(bsky.calls('com.atproto.server.refreshSession')).toMatchObject([{ status: 400, response: { error: 'ExpiredToken', message: 'Token has been revoked' } }]);
    expect(await blueskyDriver.checkSession(testApiContext<BlueskyCredentials>(blueskyDriver, apps(), ctx.stored()))).toBe('logged_out');
    expect(bsky.uploads).toHaveLength(0);
  });

  it('a 429 is retryable after the time RateLimit-Reset names', async () => {
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    const { ctx } = await connect(ana);
    bsky.videoJobStates = [];
    bsky.limits.writePointsPerHour = 3; // one post (a CREATE is 3 points)
    await blueskyDriver.publish(ctx, newPost());

    const error = await blueskyDriver.publish(ctx, newPost()).catch((e) => e);
    expect(error).toMatchObject({ type: 'Retryable', message: expect.stringContaining('RateLimitExceeded') });
    const refused = bsky.calls('com.atproto.repo.createRecord').at(-1)!;
    expect(refused.status).toBe(429);
    // The window opened with the first post: about an hour from now.
    expect(error.retryAfterMs).toBeGreaterThan(3590_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(3600_000);
    expect(ctx.steps.at(-1)).toBe('prepared');
    expect(bsky.records(ana.did)).toHaveLength(1);
  });

  it('a video the service cannot process is InvalidMedia with its reason, and nothing is posted', async () => {
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    const { ctx } = await connect(ana);
    bsky.failNextVideoJob({ error: 'video processing error for job: d004n3qbh3us72spkh2g', message: 'Failed to process video' });

    await expect(blueskyDriver.publish(ctx, newPost())).rejects.toMatchObject({
      type: 'InvalidMedia', message: expect.stringContaining('Failed to process video'),
    });
    expect(bsky.calls('com.atproto.repo.createRecord')).toHaveLength(0);
    expect(ctx.steps.at(-1)).toBe('prepared');
  });

  it('the daily video limit pauses the account before any upload', async () => {
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    const { ctx } = await connect(ana);
    bsky.setUploadLimits(ana.did, { canUpload: false, remainingDailyVideos: 0, message: 'User has exceeded daily upload videos limit' });

    await expect(blueskyDriver.publish(ctx, newPost())).rejects.toMatchObject({ type: 'DailyLimit', message: expect.stringContaining('daily upload videos limit') });
    expect(bsky.uploads).toHaveLength(0);
    // The limits were asked with a token for the video service itself.
    expect(jwtPayload(bearerOf(bsky.calls('app.bsky.video.getUploadLimits')[0]!))).toMatchObject({ aud: `did:web:${encodeURIComponent(new URL(bsky.videoUrl).host)}`, lxm: 'app.bsky.video.getUploadLimits' });
  });

  it('a record the PDS refuses is RejectedByPlatform with its reason', async () => {
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    const { ctx } = await connect(ana);
    bsky.videoJobStates = [];
    bsky.rejectNextRecord({ message: 'Record violates the hosting policy' });

    await expect(blueskyDriver.publish(ctx, newPost())).rejects.toMatchObject({ type: 'RejectedByPlatform', message: expect.stringContaining('Record violates the hosting policy') });
    expect(ctx.steps.at(-1)).toBe('prepared');
    expect(bsky.records(ana.did)).toHaveLength(0);
  });
});

describe('metrics', () => {
  it('reads likes, replies and reposts + quotes, and never a view count', async () => {
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    const { ctx } = await connect(ana);
    bsky.videoJobStates = [];
    const ref = await blueskyDriver.publish(ctx, newPost({ sensitive: false }));
    expect(bsky.records(ana.did)[0]!.value.labels).toBeUndefined();
    bsky.setPostCounts(ref.externalId, { likeCount: 7, replyCount: 2, repostCount: 3, quoteCount: 1 });

    const metrics = await blueskyDriver.readMetrics(ctx, ref);
    expect(metrics).toEqual({ likes: 7, comments: 2, shares: 4 });
    expect('views' in metrics).toBe(false);
  });

  it('a deleted post is PostUnavailable', async () => {
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    const { ctx } = await connect(ana);
    bsky.videoJobStates = [];
    const ref = await blueskyDriver.publish(ctx, newPost());
    bsky.removeRecord(ref.externalId);

    await expect(blueskyDriver.readMetrics(ctx, ref)).rejects.toMatchObject({ type: 'PostUnavailable' });
  });
});

describe('the fake PDS refuses what the reference PDS refuses', () => {
  it('record keys that are not TIDs, a second create at a key, a stale swap; deletes and puts go through', async () => {
    const ana = bsky.addAccount({ handle: 'ana.bsky.social' });
    const { credentials } = await connect(ana);
    const call = async (nsid: string, body: unknown) => {
      const res = await fetch(`${bsky.url}/xrpc/${nsid}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${credentials.accessToken}` }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json().catch(() => undefined) };
    };
    const record = { $type: 'app.bsky.feed.post', text: 'hola', createdAt: new Date().toISOString() };
    const write = (rkey: string, extra: object = {}) => ({ repo: ana.did, collection: 'app.bsky.feed.post', rkey, record, ...extra });

    expect(await call('com.atproto.repo.createRecord', write('not-a-tid'))).toMatchObject({ status: 400, body: { error: 'InvalidRequest', message: expect.stringContaining('Invalid record key') } });
    expect(await call('com.atproto.repo.createRecord', write('kjzfcijpj2z2a'))).toMatchObject({ status: 400 }); // high bit set
    const rkey = recordKeyFor(randomUUID());
    expect(await call('com.atproto.repo.createRecord', write(rkey))).toMatchObject({ status: 200, body: { uri: `at://${ana.did}/app.bsky.feed.post/${rkey}` } });
    expect(await call('com.atproto.repo.createRecord', write(rkey))).toEqual({ status: 500, body: { error: 'InternalServerError', message: 'Internal Server Error' } });
    expect(await call('com.atproto.repo.putRecord', write(rkey, { swapRecord: null }))).toMatchObject({ status: 400, body: { error: 'InvalidSwap' } });
    expect(await call('com.atproto.repo.putRecord', { ...write(rkey), record: { ...record, text: 'hola otra vez' } })).toMatchObject({ status: 200 });
    expect(bsky.records(ana.did).map((r) => r.value.text)).toEqual(['hola otra vez']);
    expect(await call('com.atproto.repo.deleteRecord', { repo: ana.did, collection: 'app.bsky.feed.post', rkey })).toMatchObject({ status: 200 });
    expect(bsky.records(ana.did)).toHaveLength(0);
    const missing = await fetch(`${bsky.url}/xrpc/com.atproto.repo.getRecord?repo=${ana.did}&collection=app.bsky.feed.post&rkey=${rkey}`);
    expect({ status: missing.status, body: await missing.json() }).toMatchObject({ status: 400, body: { error: 'RecordNotFound' } });
    // A record naming a blob the PDS does not hold.
    const withBlob = { ...record, embed: { $type: 'app.bsky.embed.video', video: { $type: 'blob', ref: { $link: 'bafkreiabc' }, mimeType: 'video/mp4', size: 10 } } };
    expect(await call('com.atproto.repo.createRecord', { ...write(recordKeyFor(randomUUID())), record: withBlob })).toMatchObject({ status: 400, body: { error: 'BlobNotFound' } });
  });
});
