/**
 * Instagram Reels end to end through the product: an account connected through Business Login for Instagram (the
 * authorization window played by the fake, the code traded for a one-hour token and that for a 60-day one, the IG_ID
 * learnt from /me) or with `{ accessToken, igUserId }`; a video from POST /api/contents to `published` with the
 * reel's permalink, through a REELS container with upload_type=resumable (the bytes pushed to the container's
 * rupload `uri`), the container polled until FINISHED and media_publish called once; the insights stored as
 * counters; a container in ERROR failed with Meta's reason; content_publishing_limit obeyed before anything is
 * uploaded; a revoked token that holds the account until it is connected again.
 *
 * Resuming: the driver sends the whole file to rupload in one POST at offset 0 and never resumes a transfer at an
 * offset: an interrupted upload starts over in a new container (the half one is never published). What resumes is
 * the container: its id is recorded (encrypted driver progress) before the upload and before media_publish, so a
 * retry after a lost or failed media_publish finds or publishes that same container, never a second one. The
 * tests below prove both.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptJson, secretBindings } from '../crypto/secrets.js';
import { eventsOf } from '../db/events.js';
import { findAccountWithPlatform } from '../db/accounts.js';
import { findPublication, latestMetrics, publicationContext, publicationsOfContent } from '../db/publications.js';
import type { InstagramCredentials } from '../activities/publishing/drivers/instagram.js';
import {
  startFakeInstagram, type FakeInstagram, type InstagramRoute, type InstagramUser, type RecordedInstagramRequest,
} from './fakes/instagram-server.js';
import {
  alertsOf, api, connectWithOAuth, createApiAccount, expectHeldUntilReconnected, reconnectReleases, retryPublishes, waitForMetrics,
  waitForStatus,
} from './helpers/api-platform.js';
import { makeTestVideo } from './helpers/media.js';
import { startTestStack, uploadVideo, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const PUBLIC_URL = 'http://127.0.0.1:3999';
const REDIRECT_URI = `${PUBLIC_URL}/oauth/callback/instagram`;
const GRAPH_VERSION = 'v21.0';
const DAY_MS = 86_400_000;

let stack: TestStack;
let ig: FakeInstagram;

beforeAll(async () => {
  ig = await startFakeInstagram({ app: { appId: '990602627938098', appSecret: randomBytes(16).toString('hex'), redirectUris: [REDIRECT_URI] } });
  stack = await startTestStack({
    embedded: false,
    env: {
      INSTAGRAM_GRAPH_ROOT: ig.url, INSTAGRAM_GRAPH_VERSION: GRAPH_VERSION, INSTAGRAM_AUTHORIZE_URL: ig.authorizeUrl, INSTAGRAM_TOKEN_URL: ig.tokenUrl,
      INSTAGRAM_APP_ID: ig.app.appId, INSTAGRAM_APP_SECRET: ig.app.appSecret, PUBLIC_URL,
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await ig?.close();
});

const db = () => stack.app.db.db;
const key = () => stack.app.config.keyring;

async function storedCredentials(accountId: string): Promise<InstagramCredentials | null> {
  const authData = (await findAccountWithPlatform(db(), accountId))!.account.authData;
  return authData ? decryptJson<InstagramCredentials>(key(), secretBindings.accountAuthData(accountId), authData) : null;
}

/** The publication's recorded driver progress (the container id the driver resumes from). */
async function recordedProgress(publicationId: string): Promise<{ containerId: string | null; uploaded: boolean; publishSent: boolean } | null> {
  const sealed = (await findPublication(db(), publicationId))?.driverProgress;
  return sealed ? decryptJson(key(), secretBindings.publicationDriverProgress(publicationId), sealed) : null;
}

interface ListedAccount { id: string; status: string; sessionSaved: boolean; lastSessionState: string | null; connectWays: string[]; publishesVia: string }

async function listed(accountId: string, username: string): Promise<ListedAccount> {
  const { body } = await api<{ items: ListedAccount[] }>(stack, 'GET', `/api/accounts?q=${encodeURIComponent(username)}`);
  const found = body.items.find((a) => a.id === accountId);
  if (!found) throw new Error(`account ${accountId} not listed`);
  return found;
}

const newUser = (accountType?: InstagramUser['accountType']): InstagramUser => ig.addUser({ username: `ana_${randomBytes(3).toString('hex')}`, accountType });
const containersOf = (user: InstagramUser) => [...ig.containers.values()].filter((c) => c.userId === user.id);
const mediaOf = (user: InstagramUser) => ig.publishedBy(user.id);
/** Requests of `route` on this user's own paths (/<IG_ID>/…). */
const userCalls = (route: InstagramRoute, user: InstagramUser) => ig.requestsTo(route).filter((r) => r.path.split('/').includes(user.id));
/** Requests of `route` about this container (its status, its rupload). */
const containerCalls = (route: InstagramRoute, containerId: string) => ig.requestsTo(route).filter((r) => r.path.endsWith(`/${containerId}`));

/** Runs `action` once, the first time a request to `route` matching `test` is answered (before the client reads it). */
function onFirst(route: InstagramRoute, test: (r: RecordedInstagramRequest) => boolean, action: (r: RecordedInstagramRequest) => void) {
  const listener = (r: RecordedInstagramRequest) => {
    if (r.route !== route || !test(r)) return;
    ig.off('request', listener);
    action(r);
  };
  ig.on('request', listener);
  return () => ig.off('request', listener);
}

/**
 * publishClip of helpers/api-platform.ts with a 4 s clip: Instagram Reels last at least 3 s (reference/ig-user/media),
 * and the driver refuses shorter ones as InvalidMedia before calling Meta.
 */
async function publishReel(modelId: string, context = 'Esta noche en vivo') {
  const video = readFileSync(await makeTestVideo(join(stack.dataDir, `reel-${randomBytes(3).toString('hex')}.mp4`), { seconds: 4, width: 360, height: 640 }));
  const created = await uploadVideo(stack, { modelId, context, file: { data: video, name: 'reel.mp4' } });
  if (created.status !== 202) throw new Error(`upload refused: ${created.status} ${JSON.stringify(created.body)}`);
  const contentId = created.body.id as string;
  const publicationId = await waitFor(async () => (await publicationsOfContent(db(), contentId))[0]?.id, { what: 'the publication', timeoutMs: 60_000 });
  return { contentId, publicationId };
}

const ended = ['published', 'failed', 'unconfirmed'];

/** An account whose Instagram user approved our app in the authorization window. */
async function oauthAccount() {
  const user = newUser();
  const account = await createApiAccount(stack, 'instagram', { username: user.username });
  const round = await connectWithOAuth(stack, account.accountId, (url) => ig.approve(url, user.id));
  expect(round.callbackStatus).toBe(302);
  expect(round.location).toBe(`/accounts?connected=${account.accountId}`);
  return { ...account, user };
}

describe('connecting', () => {
  it('connects through Business Login: code → one-hour token → 60-day token, the IG_ID from /me, stored encrypted', async () => {
    const user = newUser();
    const { accountId } = await createApiAccount(stack, 'instagram', { username: user.username });
    const before = ig.requests.length;
    const { authorizeUrl, callbackStatus, location } = await connectWithOAuth(stack, accountId, (url) => ig.approve(url, user.id));

    // The authorization window as Meta documents it: the app id, our redirect URI, comma-separated scopes.
    const asked = new URL(authorizeUrl);
    expect(`${asked.origin}${asked.pathname}`).toBe(ig.authorizeUrl);
    expect(asked.searchParams.get('client_id')).toBe(ig.app.appId);
    expect(asked.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(asked.searchParams.get('response_type')).toBe('code');
    expect(asked.searchParams.get('scope')!.split(',')).toEqual(expect.arrayContaining(['instagram_business_basic', 'instagram_business_content_publish']));
    expect(asked.searchParams.get('state')).toBeTruthy();
    expect(callbackStatus).toBe(302);
    expect(location).toBe(`/accounts?connected=${accountId}`);

    const made = await waitFor(async () => {
      const since = ig.requests.slice(before).filter((r) => r.route !== 'GET /oauth/authorize');
      return since.some((r) => r.route === 'GET /:ig-user-id') ? since : undefined;
    }, { what: 'the session check after connecting', timeoutMs: 30_000 });
    // Then the session check the connection runs asks for the stored IG_ID itself.
    expect(made.map((r) => [r.route, r.status])).toEqual([
      ['POST /oauth/access_token', 200], ['GET /access_token', 200], ['GET /me', 200], ['GET /:ig-user-id', 200],
    ]);
    expect(made[3]!.path).toBe(`/${GRAPH_VERSION}/${user.id}`);
    const [exchange, longLived] = made;
    // The code without Instagram's trailing `#_`, the app's secret, the same redirect URI.
    expect(exchange!.body).toMatchObject({ client_id: ig.app.appId, client_secret: ig.app.appSecret, grant_type: 'authorization_code', redirect_uri: REDIRECT_URI });
    expect(exchange!.body.code).not.toContain('#');
    const shortToken = (exchange!.response as { data: { access_token: string }[] }).data[0]!.access_token;
    expect(longLived!.query).toMatchObject({ grant_type: 'ig_exchange_token', client_secret: ig.app.appSecret, access_token: shortToken });
    const longToken = (longLived!.response as { access_token: string }).access_token;

    const stored = (await findAccountWithPlatform(db(), accountId))!.account.authData!;
    expect(stored).not.toContain(longToken);
    const creds = decryptJson<InstagramCredentials>(key(), secretBindings.accountAuthData(accountId), stored);
    // What is kept is the 60-day token (it refreshes itself), with the IG_ID, not the app-scoped id /me answers as `id`.
    expect(creds).toMatchObject({ accessToken: longToken, refreshToken: longToken, igUserId: user.id, username: user.username });
    expect(creds.igUserId).not.toBe(user.appScopedId);
    expect(ig.tokens.get(longToken)!.kind).toBe('long');
    expect(Date.parse(creds.expiresAt!)).toBeGreaterThan(Date.now() + 59 * DAY_MS);
    expect(await listed(accountId, user.username)).toMatchObject({
      status: 'active', sessionSaved: true, lastSessionState: 'logged_in', publishesVia: 'api', connectWays: ['oauth', 'credentials'],
    });
  });

  it('the user pressing Cancel in Instagram\'s window comes back as oauth_denied with nothing stored', async () => {
    const user = newUser();
    const { accountId } = await createApiAccount(stack, 'instagram', { username: user.username });
    const exchanges = ig.requestsTo('POST /oauth/access_token').length;
    const round = await connectWithOAuth(stack, accountId, (url) => ig.deny(url));
    expect(round.location).toBe('/accounts?connectError=oauth_denied');
    expect(ig.requestsTo('POST /oauth/access_token')).toHaveLength(exchanges);
    expect(await storedCredentials(accountId)).toBeNull();
  });

  it('takes { accessToken } checked against Instagram, refusing an unknown token or a personal account with a 400 naming accessToken', async () => {
    const user = newUser();
    const { accountId } = await createApiAccount(stack, 'instagram', { username: user.username });
    const connect = (body: Record<string, unknown>) =>
      api<{ error: string; fields: Record<string, string> }>(stack, 'POST', `/api/accounts/${accountId}/credentials`, body);
    for (const accessToken of ['IGAAnot-a-token-Instagram-knows', ig.issueToken(newUser('PERSONAL').id).token]) {
      const refused = await connect({ accessToken });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('credentials_rejected');
      expect(Object.keys(refused.body.fields)).toEqual(['accessToken']);
      expect(await storedCredentials(accountId)).toBeNull();
    }

    // A token two days old: Meta refreshes only long-lived tokens at least 24 hours old, and the refresh tells the expiry.
    const token = ig.issueToken(user.id, { ageMs: 2 * DAY_MS });
    const right = await connect({ accessToken: token.token });
    expect(right).toMatchObject({ status: 200, body: { state: 'logged_in', status: 'active' } });
    const creds = (await storedCredentials(accountId))!;
    expect(creds).toMatchObject({ igUserId: user.id, username: user.username });
    expect(creds.accessToken).not.toBe(token.token);
    expect(ig.tokenValid(creds.accessToken)).toBe(true);
    expect(creds.refreshToken).toBe(creds.accessToken);
    expect(Date.parse(creds.expiresAt!)).toBeGreaterThan(Date.now() + 59 * DAY_MS);
    expect((await findAccountWithPlatform(db(), accountId))!.account.authData).not.toContain(creds.accessToken);
    expect(await listed(accountId, user.username)).toMatchObject({ status: 'active', sessionSaved: true, lastSessionState: 'logged_in' });
  });

  it('takes { accessToken, igUserId }: a malformed or foreign IG_ID is refused naming igUserId; the right one is checked with GET /<IG_ID>', async () => {
    const user = newUser();
    const other = newUser();
    const { accountId } = await createApiAccount(stack, 'instagram', { username: user.username });
    const connect = (body: Record<string, unknown>) =>
      api<{ error: string; fields: Record<string, string> }>(stack, 'POST', `/api/accounts/${accountId}/credentials`, body);
    const token = ig.issueToken(user.id, { ageMs: 2 * DAY_MS });
    // Not a number; and the IG_ID of someone else's account, which Meta answers the token cannot reach.
    for (const igUserId of ['ana_live', other.id]) {
      const refused = await connect({ accessToken: token.token, igUserId });
      expect(refused.status, `igUserId ${igUserId}: ${JSON.stringify(refused.body)}`).toBe(400);
      expect(Object.keys(refused.body.fields)).toEqual(['igUserId']);
      expect(await storedCredentials(accountId)).toBeNull();
    }

    const meBefore = ig.requestsTo('GET /me').length;
    const idBefore = userCalls('GET /:ig-user-id', user).length;
    const right = await connect({ accessToken: token.token, igUserId: user.id });
    expect(right).toMatchObject({ status: 200, body: { state: 'logged_in', status: 'active' } });
    // The IG_ID given was asked about directly (and by the session check after), never guessed from /me.
    expect(ig.requestsTo('GET /me')).toHaveLength(meBefore);
    expect(userCalls('GET /:ig-user-id', user).slice(idBefore).map((r) => r.status)).toEqual([200, 200]);
    expect(await storedCredentials(accountId)).toMatchObject({ igUserId: user.id, username: user.username });
  });
});

describe('publishing', () => {
  it('publishes a reel from POST /api/contents: resumable upload, container polled to FINISHED, one media_publish, permalink and insights stored', async () => {
    const { modelId, user } = await oauthAccount();
    const insights = { views: 5120, reach: 3904, likes: 321, comments: 17, shares: 12, saved: 45 };
    // The reel's counters, set the moment it is created (before the worker can read them).
    const stop = onFirst('POST /:ig-user-id/media_publish', (r) => r.status === 200 && r.path.includes(`/${user.id}/`), (r) => {
      ig.setInsights((r.response as { id: string }).id, insights);
    });
    const { publicationId } = await publishReel(modelId, '¡Hola! Función especial 💃🏽');
    const published = await waitForStatus(stack, publicationId, ended);
    stop();
    expect(published.status, published.lastError ?? '').toBe('published');

    const media = mediaOf(user);
    expect(media).toHaveLength(1);
    const reel = media[0]!;
    expect(published.postUrl).toBe(reel.permalink);
    expect(published.postUrl).toMatch(/^https:\/\/www\.instagram\.com\/reel\/[\w-]+\/$/);
    expect(published.externalId).toBe(reel.id);
    expect(reel.caption).toBe(published.captionUsed);
    expect(reel.caption.trimEnd().endsWith(published.idempotencyMarker)).toBe(true);
    expect(published.attempts).toBe(1);

    // One REELS container, uploaded once through rupload with the whole file the publication names.
    const containers = containersOf(user);
    expect(containers).toHaveLength(1);
    const container = containers[0]!;
    expect(container).toMatchObject({ mediaType: 'REELS', uploadType: 'resumable', uploads: 1, state: 'PUBLISHED', mediaId: reel.id, shareToFeed: true });
    const ctx = (await publicationContext(db(), publicationId))!;
    const sent = readFileSync(ctx.publication.mediaPath ?? ctx.content.filePath);
    expect(container.bytes.equals(sent)).toBe(true);
    const created = userCalls('POST /:ig-user-id/media', user);
    expect(created.map((r) => r.status)).toEqual([200]);
    expect(created[0]!.body).toMatchObject({ media_type: 'REELS', upload_type: 'resumable', caption: published.captionUsed });
    expect(created[0]!.body).not.toHaveProperty('video_url');
    const token = (await storedCredentials(published.accountId))!.accessToken;
    const uploads = containerCalls('POST /ig-api-upload/:ig-container-id', container.id);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.path).toBe(`/ig-api-upload/${GRAPH_VERSION}/${container.id}`);
    expect(uploads[0]!.headers).toMatchObject({ authorization: `OAuth ${token}`, offset: '0', file_size: String(sent.length) });
    expect(uploads[0]!.bodyBytes).toBe(sent.length);
    expect(uploads[0]!.status).toBe(200);

    // Polled until FINISHED (IN_PROGRESS first), then published once with that container.
    const polls = containerCalls('GET /:ig-container-id', container.id).filter((r) => r.at < reel.timestamp.getTime());
    const codes = polls.map((r) => (r.response as { status_code?: string }).status_code);
    expect(codes[0]).toBe('IN_PROGRESS');
    expect(codes.at(-1)).toBe('FINISHED');
    expect(codes.filter((c) => c === 'FINISHED')).toHaveLength(1);
    const publishes = userCalls('POST /:ig-user-id/media_publish', user);
    expect(publishes.map((r) => [r.status, r.body.creation_id])).toEqual([[200, container.id]]);
    // The limit was read before the container was made; the bytes went before media_publish.
    const limit = userCalls('GET /:ig-user-id/content_publishing_limit', user);
    expect(limit.length).toBeGreaterThanOrEqual(1);
    expect(limit[0]!.at).toBeLessThanOrEqual(created[0]!.at);
    expect(created[0]!.at).toBeLessThanOrEqual(uploads[0]!.at);
    expect(uploads[0]!.at).toBeLessThanOrEqual(publishes[0]!.at);

    // The reel's insights as the product stores them: views, reach, likes, comments, shares and saves (Meta's `saved`).
    const stored = { views: insights.views, reach: insights.reach, likes: insights.likes, comments: insights.comments, shares: insights.shares, saves: insights.saved };
    const reads = await waitForMetrics(stack, publicationId);
    const data = reads[0]!.data as Record<string, unknown>;
    expect(data).toEqual({ ...stored, source: 'api:instagram' });
    expect(await latestMetrics(db(), publicationId)).toEqual(stored);
    const asked = ig.requestsTo('GET /:ig-media-id/insights').filter((r) => r.path.endsWith(`/${reel.id}/insights`));
    expect(asked.at(-1)!.status).toBe(200);
    expect(asked.at(-1)!.query.metric!.split(',')).toEqual(expect.arrayContaining(['views', 'reach', 'likes', 'comments', 'shares', 'saved']));
  });

  it('a media_publish whose answer is lost ends in one reel: the container id was recorded first, the retry finds its media', async () => {
    const { modelId, user } = await oauthAccount();
    // The driver's record at the moment each call reached Instagram (read then, checked after).
    const atUpload: Promise<Awaited<ReturnType<typeof recordedProgress>>>[] = [];
    const atPublish: Promise<Awaited<ReturnType<typeof recordedProgress>>>[] = [];
    let publicationId = '';
    const watch = (r: RecordedInstagramRequest) => {
      if (r.route === 'POST /ig-api-upload/:ig-container-id' && containersOf(user).some((c) => r.path.endsWith(`/${c.id}`))) atUpload.push(recordedProgress(publicationId));
      if (r.route === 'POST /:ig-user-id/media_publish' && r.path.includes(`/${user.id}/`)) atPublish.push(recordedProgress(publicationId));
    };
    ig.loseNextAnswer('POST /:ig-user-id/media_publish');
    ig.on('request', watch);
    try {
      const started = await publishReel(modelId);
      publicationId = started.publicationId;
      const published = await waitForStatus(stack, publicationId, ended);
      expect(published.status, published.lastError ?? '').toBe('published');
      expect(published.attempts).toBeGreaterThanOrEqual(2);

      const containers = containersOf(user);
      expect(containers).toHaveLength(1);
      const container = containers[0]!;
      expect(await Promise.all(atUpload)).toEqual([expect.objectContaining({ containerId: container.id, uploaded: false, publishSent: false })]);
      expect(await Promise.all(atPublish)).toEqual([expect.objectContaining({ containerId: container.id, uploaded: true, publishSent: true })]);
      // One submit only: the retry found the reel by its marker instead of publishing again.
      const publishes = userCalls('POST /:ig-user-id/media_publish', user);
      expect(publishes.map((r) => [r.lost, r.body.creation_id])).toEqual([[true, container.id]]);
      expect(container.uploads).toBe(1);
      expect(containerCalls('POST /ig-api-upload/:ig-container-id', container.id)).toHaveLength(1);
      const media = mediaOf(user);
      expect(media).toHaveLength(1);
      expect(media[0]!.containerId).toBe(container.id);
      expect(published.externalId).toBe(media[0]!.id);
      expect(published.postUrl).toBe(media[0]!.permalink);
      const lookedUp = userCalls('GET /:ig-user-id/media', user);
      expect(lookedUp.some((r) => r.at > publishes[0]!.at && r.status === 200)).toBe(true);
    } finally {
      ig.off('request', watch);
    }
  });

  it('a media_publish refused with a 5xx is retried with the same container: no second container, no second upload', async () => {
    const { modelId, user } = await oauthAccount();
    ig.failNext('POST /:ig-user-id/media_publish', { status: 503 });
    const { publicationId } = await publishReel(modelId);
    const published = await waitForStatus(stack, publicationId, ended);
    expect(published.status, published.lastError ?? '').toBe('published');
    expect(published.attempts).toBeGreaterThanOrEqual(2);

    const containers = containersOf(user);
    expect(containers).toHaveLength(1);
    const container = containers[0]!;
    expect(container.uploads).toBe(1);
    expect(userCalls('POST /:ig-user-id/media', user)).toHaveLength(1);
    const publishes = userCalls('POST /:ig-user-id/media_publish', user);
    expect(publishes.map((r) => [r.status, r.body.creation_id])).toEqual([[503, container.id], [200, container.id]]);
    // Before publishing again the retry looked for a reel carrying the marker (the 5xx might have published).
    expect(userCalls('GET /:ig-user-id/media', user).some((r) => r.at > publishes[0]!.at && r.at < publishes[1]!.at)).toBe(true);
    const media = mediaOf(user);
    expect(media).toHaveLength(1);
    expect(published.externalId).toBe(media[0]!.id);
    expect((await recordedProgress(publicationId))).toMatchObject({ containerId: container.id, uploaded: true, publishSent: true });
  });

  it('an interrupted upload is not resumed at an offset: the next attempt starts over in a new container, the half one is never published', async () => {
    const { modelId, user } = await oauthAccount();
    ig.failNext('POST /ig-api-upload/:ig-container-id', {
      status: 503, body: { debug_info: { retriable: true, type: 'ServerError', message: 'Service temporarily unavailable' } },
    });
    const { publicationId } = await publishReel(modelId);
    const published = await waitForStatus(stack, publicationId, ended);
    expect(published.status, published.lastError ?? '').toBe('published');
    expect(published.attempts).toBe(2);

    const [abandoned, used, ...more] = containersOf(user).sort((a, b) => a.createdAt - b.createdAt);
    expect(more).toHaveLength(0);
    expect(abandoned).toMatchObject({ state: 'awaiting_upload', uploads: 0 });
    expect(abandoned!.mediaId).toBeUndefined();
    expect(containerCalls('POST /ig-api-upload/:ig-container-id', abandoned!.id).map((r) => r.status)).toEqual([503]);
    expect(used).toMatchObject({ state: 'PUBLISHED', uploads: 1 });
    expect(containerCalls('POST /ig-api-upload/:ig-container-id', used!.id).map((r) => [r.status, r.headers.offset])).toEqual([[200, '0']]);
    expect(userCalls('POST /:ig-user-id/media_publish', user).map((r) => [r.status, r.body.creation_id])).toEqual([[200, used!.id]]);
    const media = mediaOf(user);
    expect(media).toHaveLength(1);
    expect(media[0]!.containerId).toBe(used!.id);
    expect(published.externalId).toBe(media[0]!.id);
  });

  it('a container that ends in ERROR fails the publication as RejectedByPlatform with Instagram\'s reason; nothing is published', async () => {
    const { modelId, accountId, user } = await oauthAccount();
    // Neither a "try again with a new container" subcode nor a file problem (reference/error-codes): a refusal.
    const reason = 'The reel matches content owned by a rights holder and cannot be shared';
    ig.failNextContainer({ subcode: 2207082, message: reason });
    const { publicationId } = await publishReel(modelId);
    const failed = await waitForStatus(stack, publicationId, ended);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/^RejectedByPlatform: Instagram refused the reel: /);
    expect(failed.lastError).toContain(reason);
    expect(failed.attempts).toBe(1);
    expect(failed.postUrl).toBeNull();

    const containers = containersOf(user);
    expect(containers).toHaveLength(1);
    expect(containers[0]!.state).toBe('ERROR');
    expect(userCalls('POST /:ig-user-id/media_publish', user)).toHaveLength(0);
    expect(mediaOf(user)).toHaveLength(0);
    // The post was refused, not the account: it stays active, and the admin is told about the publication.
    expect((await findAccountWithPlatform(db(), accountId))!.account.status).toBe('active');
    const alerts = (await alertsOf(stack, accountId)).map((e) => e.data as { kind: string; errorType?: string; message?: string });
    expect(alerts).toEqual([expect.objectContaining({ kind: 'publication_failed', errorType: 'RejectedByPlatform', message: expect.stringContaining(reason) })]);
  });

  it('at the content_publishing_limit nothing is uploaded: the publication is held with the reason until the window frees, and can be canceled', async () => {
    const { modelId, accountId, user } = await oauthAccount();
    // 50 reels published through the API in the last 24 h (another tool, say): the oldest leaves the window in 30 min.
    const oldest = Date.now() - DAY_MS + 30 * 60_000;
    for (let i = 0; i < 50; i++) ig.addMedia(user.id, { caption: `antes ${i}`, at: new Date(oldest + i * 1000), viaApi: true });
    const mediaBefore = mediaOf(user).length;
    const { publicationId } = await publishReel(modelId);
    const held = await waitForStatus(stack, publicationId, ['held', ...ended]);
    expect(held.status).toBe('held');
    expect(held.lastError).toMatch(new RegExp(`^QuotaExhausted: @${user.username} has published 50 of the 50 posts Instagram allows in 24 h; room again in 3[01] min$`));
    expect(held.attempts).toBe(1);
    expect(held.postUrl).toBeNull();
    const events = await eventsOf(db(), { publicationId });
    const hold = events.find((e) => e.type === 'publication_held')?.data as { cause: string; platform: string; until: string } | undefined;
    expect(hold).toMatchObject({ cause: 'quota', platform: 'instagram' });
    // Published again by itself when the oldest counted reel leaves the window (plus the driver's minute).
    expect(Date.parse(hold!.until)).toBeGreaterThan(oldest + DAY_MS);
    expect(Date.parse(hold!.until)).toBeLessThan(oldest + DAY_MS + 5 * 60_000);

    // Read before anything was spent: no container, no upload, no media_publish.
    const limit = userCalls('GET /:ig-user-id/content_publishing_limit', user);
    expect(limit.map((r) => (r.response as { data: { quota_usage: number; config: { quota_total: number } }[] }).data[0])).toEqual([
      { quota_usage: 50, config: { quota_total: 50, quota_duration: 86_400 } },
    ]);
    expect(userCalls('POST /:ig-user-id/media', user)).toHaveLength(0);
    expect(containersOf(user)).toHaveLength(0);
    expect(userCalls('POST /:ig-user-id/media_publish', user)).toHaveLength(0);
    expect(mediaOf(user)).toHaveLength(mediaBefore);

    // Not DailyLimit: the account is fine, so it is neither paused nor alerted.
    expect((await findAccountWithPlatform(db(), accountId))!.account.status).toBe('active');
    expect(await alertsOf(stack, accountId)).toEqual([]);
    // A hold a person can act on: canceling ends it (its workflow waits on a timer, not on an activity retry).
    expect(await api(stack, 'POST', `/api/publications/${publicationId}/cancel`)).toMatchObject({ status: 202 });
    expect((await waitForStatus(stack, publicationId, ['canceled'])).status).toBe('canceled');
  });
});

describe('tokens', () => {
  it('a revoked token holds the account with a reconnect alert; connecting again through Business Login releases what waited', async () => {
    const { modelId, accountId, user } = await oauthAccount();
    // One reel goes out now; with an hour between posts the next two wait for their slots.
    const spaced = await api(stack, 'PATCH', `/api/models/${modelId}`, { distribution: { minSpacingMinutes: 60 } });
    expect(spaced.status).toBe(200);
    const posted = await publishReel(modelId, 'primera');
    expect((await waitForStatus(stack, posted.publicationId, ended)).status).toBe('published');
    const next = await publishReel(modelId, 'segunda');
    const later = await publishReel(modelId, 'tercera');
    await waitForStatus(stack, next.publicationId, ['scheduled']);
    await waitForStatus(stack, later.publicationId, ['scheduled']);
    await waitForMetrics(stack, posted.publicationId);

    // The owner removed our app (Settings → Apps and websites): every token of hers answers OAuthException 190.
    const revoked = (await storedCredentials(accountId))!.accessToken;
    ig.revokeUser(user.id);
    const refreshesBefore = ig.requestsTo('GET /refresh_access_token').length;
    expect((await api(stack, 'POST', `/api/publications/${next.publicationId}/publish-now`)).status).toBe(202);
    const failed = await waitForStatus(stack, next.publicationId, ended);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/^SessionExpired: .*reconnect the account/);
    expect(failed.attempts).toBe(1);
    // One refresh was tried with the dead token (Meta refused it too), then nothing more.
    const refreshes = ig.requestsTo('GET /refresh_access_token').slice(refreshesBefore);
    expect(refreshes.map((r) => [r.status, r.query.access_token])).toEqual([[400, revoked]]);
    await expectHeldUntilReconnected(stack, accountId, later.publicationId);
    expect(userCalls('POST /:ig-user-id/media', user)).toHaveLength(1);
    expect(mediaOf(user)).toHaveLength(1);

    await reconnectReleases(stack, accountId, later.publicationId, (url) => ig.approve(url, user.id));
    expect(ig.tokenValid((await storedCredentials(accountId))!.accessToken)).toBe(true);
    await retryPublishes(stack, next.publicationId);
    expect(mediaOf(user)).toHaveLength(2);
    expect(await api(stack, 'POST', `/api/publications/${later.publicationId}/cancel`)).toMatchObject({ status: 202 });
  });
});
