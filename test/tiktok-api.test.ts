/**
 * TikTok end to end through the product, against the fake TikTok (test/fakes/tiktok-server.ts): an account connected
 * by Login Kit's OAuth round trip (client_key, comma-separated scopes, PKCE) or with a pasted refresh token; a video
 * from POST /api/contents posted directly in the chunks the media transfer guide demands, polled to PUBLISH_COMPLETE,
 * with its post URL and the counters video/query gives; an unaudited app's direct post going SELF_ONLY whatever the
 * account asks; inbox mode ending `published_as_draft` with the caption sent to the model on Telegram; a lost answer
 * of the upload or of status/fetch resumed on the saved publish_id (one init, one post); spam_risk_too_many_posts
 * pausing the account; a revoked grant holding the account until it is connected again.
 *
 * The driver counts every call of an account against TikTok's init limit (6 a minute), and connecting takes 3 of
 * them: the metrics read after a post usually waits for the next minute, hence the longer waits here.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptJson, secretBindings } from '../crypto/secrets.js';
import { findAccountWithPlatform } from '../db/accounts.js';
import { eventsOf } from '../db/events.js';
import { publications } from '../db/schema.js';
import { findPublication, publicationContext, publicationsOfContent } from '../db/publications.js';
import { esc } from '../bot/messages.js';
import { TIKTOK_CHUNK_BYTES, type TikTokCredentials } from '../activities/publishing/drivers/tiktok.js';
import { startFakeTikTok, type FakeTikTok, type RecordedTikTokRequest, type TikTokCreator } from './fakes/tiktok-server.js';
import { botSays, linkModel, mark, startBotStack, textOf, videoFile, waitForContents, type BotHarness } from './bot/harness.js';
import {
  alertsOf, api, connectWithOAuth, createApiAccount, expectHeldUntilReconnected, oneOutTwoWaiting, publishClip, reconnectReleases, retryPublishes,
  waitForStatus,
} from './helpers/api-platform.js';
import { startTestStack, uploadVideo, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const PUBLIC_URL = 'http://127.0.0.1:3999';
const REDIRECT_URI = `${PUBLIC_URL}/oauth/callback/tiktok`;
const CLIENT_KEY = `awtest${randomBytes(6).toString('hex')}`;
const CLIENT_SECRET = randomBytes(16).toString('hex');
const ENDED = ['published', 'published_as_draft', 'failed', 'unconfirmed'];

let tt: FakeTikTok;
/** The stack under test: the audited app's (with the bot) first, then the unaudited app's. */
let stack: TestStack;

beforeAll(async () => {
  // No processing polls by default: each status poll spends one of the account's 6 calls a minute.
  tt = await startFakeTikTok({ client: { clientKey: CLIENT_KEY, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI] }, processingPolls: 0 });
});
afterAll(async () => {
  await tt?.close();
});

const tiktokEnv = (audited: boolean) => ({
  TIKTOK_API_ROOT: tt.url, TIKTOK_AUTHORIZE_URL: tt.authorizeUrl, TIKTOK_CLIENT_KEY: CLIENT_KEY, TIKTOK_CLIENT_SECRET: CLIENT_SECRET,
  TIKTOK_APP_AUDITED: String(audited), PUBLIC_URL,
});

const db = () => stack.app.db.db;

async function storedCredentials(accountId: string): Promise<TikTokCredentials | null> {
  const authData = (await findAccountWithPlatform(db(), accountId))!.account.authData;
  return authData ? decryptJson<TikTokCredentials>(stack.app.config.keyring, secretBindings.accountAuthData(accountId), authData) : null;
}

interface ListedAccount {
  id: string; status: string; sessionSaved: boolean; lastSessionState: string | null; publishesVia: string; connectWays: string[];
  publishSettings: Record<string, unknown>; appWarnings: string[]; quotaToday: Record<string, unknown> | null;
}

async function listed(accountId: string, username: string): Promise<ListedAccount> {
  const { body } = await api<{ items: ListedAccount[] }>(stack, 'GET', `/api/accounts?q=${encodeURIComponent(username)}`);
  const found = body.items.find((a) => a.id === accountId);
  if (!found) throw new Error(`account ${accountId} not listed`);
  return found;
}

const newCreator = (fields: Partial<TikTokCreator> = {}) => tt.addCreator({ username: `ana_${randomBytes(3).toString('hex')}`, ...fields });
const initsOf = (creator: TikTokCreator, mode: 'direct' | 'inbox' = 'direct') => tt.publishes.filter((p) => p.openId === creator.openId && p.mode === mode);
const videosOf = (creator: TikTokCreator) => tt.videos.filter((v) => v.openId === creator.openId && !v.deleted);
const statusCallsFor = (publishId: string) => tt.requestsTo('POST /v2/post/publish/status/fetch/').filter((r) => r.body.publish_id === publishId);

/** An account of a new creator, connected through the whole OAuth round trip. */
async function oauthAccount(opts: { creator?: Partial<TikTokCreator>; publishSettings?: Record<string, unknown> } = {}) {
  const creator = newCreator(opts.creator);
  const account = await createApiAccount(stack, 'tiktok', { username: creator.username, publishSettings: opts.publishSettings });
  const round = await connectWithOAuth(stack, account.accountId, (url) => tt.approve(url, creator.openId));
  expect(round.location).toBe(`/accounts?connected=${account.accountId}`);
  return { ...account, creator };
}

/** The publication ended, and its workflow closed (its one metrics read done): nothing of it still calls TikTok. */
async function settled(publicationId: string) {
  const publication = await findPublication(db(), publicationId);
  await stack.app.temporal.workflow.getHandle(publication!.workflowId!).result();
}

/** The stored metrics reads of a publication (the first may wait for the account's next minute of TikTok calls). */
async function metricsOf(publicationId: string) {
  return waitFor(async () => {
    const read = (await eventsOf(db(), { publicationId })).filter((e) => e.type === 'metrics_read');
    return read.length > 0 ? read : undefined;
  }, { what: 'a metrics read', timeoutMs: 150_000 });
}

const execFileAsync = promisify(execFile);

/** A 4 s 9:16 clip at a constant 50 Mbit/s (≈25 MB: two chunks of TikTok's upload), unique so never a duplicate. */
async function bigClip(): Promise<Buffer> {
  const path = join(stack.dataDir, `big-${randomBytes(3).toString('hex')}.mp4`);
  await execFileAsync('ffmpeg', [
    '-y', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=720x1280:rate=30', '-metadata', `comment=${randomBytes(8).toString('hex')}`,
    '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '50M', '-minrate', '50M', '-maxrate', '50M', '-bufsize', '8M',
    '-x264-params', 'nal-hrd=cbr', '-pix_fmt', 'yuv420p', path,
  ]);
  return readFileSync(path);
}

/** Runs `action` once, on the first request to the fake that `test` accepts (before its answer leaves). */
function onFirst(test: (r: RecordedTikTokRequest) => boolean, action: (r: RecordedTikTokRequest) => void) {
  const listener = (r: RecordedTikTokRequest) => {
    if (!test(r)) return;
    tt.off('request', listener);
    action(r);
  };
  tt.on('request', listener);
  return () => tt.off('request', listener);
}

describe('an audited TikTok app', () => {
  let h: BotHarness;

  beforeAll(async () => {
    tt.audited = true;
    h = await startBotStack(tiktokEnv(true));
    stack = h.stack;
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('connecting', () => {
    it('connects by Login Kit\'s OAuth round trip: client_key, comma-separated scopes, PKCE; the tokens stored encrypted', async () => {
      const creator = newCreator();
      const { accountId } = await createApiAccount(stack, 'tiktok', { username: creator.username });
      const exchangesBefore = tt.requestsTo('POST /v2/oauth/token/').length;
      const { authorizeUrl, callbackStatus, location } = await connectWithOAuth(stack, accountId, (url) => tt.approve(url, creator.openId));

      const asked = new URL(authorizeUrl);
      expect(`${asked.origin}${asked.pathname}`).toBe(tt.authorizeUrl);
      expect(asked.searchParams.get('client_key')).toBe(CLIENT_KEY);
      expect(asked.searchParams.has('client_id')).toBe(false);
      expect(asked.searchParams.get('response_type')).toBe('code');
      expect(asked.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
      expect(asked.searchParams.get('scope')!.split(',')).toEqual(expect.arrayContaining(['user.info.basic', 'video.publish', 'video.upload', 'video.list']));
      expect(asked.searchParams.get('code_challenge_method')).toBe('S256');
      expect(callbackStatus).toBe(302);
      expect(location).toBe(`/accounts?connected=${accountId}`);

      // The worker traded the code once, with our client and the verifier of the challenge TikTok saw.
      const exchanges = tt.requestsTo('POST /v2/oauth/token/').slice(exchangesBefore).filter((r) => r.body.grant_type === 'authorization_code');
      expect(exchanges.map((r) => r.status)).toEqual([200]);
      const exchange = exchanges[0]!;
      expect(exchange.body).toMatchObject({ client_key: CLIENT_KEY, client_secret: CLIENT_SECRET, redirect_uri: REDIRECT_URI });
      expect(createHash('sha256').update(String(exchange.body.code_verifier)).digest('base64url')).toBe(asked.searchParams.get('code_challenge'));

      const stored = (await findAccountWithPlatform(db(), accountId))!.account.authData!;
      const creds = (await storedCredentials(accountId))!;
      expect(creds).toMatchObject({ openId: creator.openId, username: creator.username });
      expect(creds.scopes).toEqual(expect.arrayContaining(['video.publish', 'video.upload']));
      expect(tt.accessTokenValid(creds.accessToken)).toBe(true);
      expect(tt.refreshTokenValid(creds.refreshToken)).toBe(true);
      expect(stored).not.toContain(creds.refreshToken);
      expect(await listed(accountId, creator.username)).toMatchObject({
        status: 'active', sessionSaved: true, lastSessionState: 'logged_in', publishesVia: 'api', connectWays: ['oauth', 'credentials'], appWarnings: [],
      });
    });

    it('connects with a pasted refresh token, and refuses a missing or unknown one with a 400 naming refreshToken', async () => {
      const creator = newCreator();
      const { accountId } = await createApiAccount(stack, 'tiktok', { username: creator.username });
      const credentials = (body: Record<string, unknown>) => api<{ error: string; fields: Record<string, string> }>(stack, 'POST', `/api/accounts/${accountId}/credentials`, body);

      const missing = await credentials({ accessToken: 'act.something' });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe('credentials_rejected');
      expect(Object.keys(missing.body.fields)).toEqual(['refreshToken']);

      const refreshesBefore = tt.requestsTo('POST /v2/oauth/token/').length;
      const unknown = await credentials({ refreshToken: `rft.${randomBytes(30).toString('base64url')}` });
      expect(unknown.status).toBe(400);
      expect(Object.keys(unknown.body.fields)).toEqual(['refreshToken']);
      expect(unknown.body.fields.refreshToken).toContain('invalid_grant');
      expect(tt.requestsTo('POST /v2/oauth/token/').slice(refreshesBefore).map((r) => [r.body.grant_type, r.status])).toEqual([['refresh_token', 400]]);
      expect(await storedCredentials(accountId)).toBeNull();

      const tokens = tt.issueTokens(creator.openId);
      const right = await credentials({ refreshToken: tokens.refreshToken });
      expect(right).toMatchObject({ status: 200, body: { state: 'logged_in', status: 'active' } });
      const creds = (await storedCredentials(accountId))!;
      expect(creds).toMatchObject({ refreshToken: tokens.refreshToken, openId: creator.openId, username: creator.username });
      // Traded at once for a fresh access token.
      expect(tt.accessTokenValid(creds.accessToken)).toBe(true);
    });
  });

  describe('publishing', () => {
    it('posts a video from POST /api/contents directly: chunks as TikTok demands, polled to PUBLISH_COMPLETE, the post URL and counters stored', async () => {
      const { modelId, accountId, creator } = await oauthAccount({ publishSettings: { tiktokPrivacy: 'PUBLIC_TO_EVERYONE', tiktokBrandOrganic: true } });
      expect((await listed(accountId, creator.username)).publishSettings).toEqual({ tiktokPrivacy: 'PUBLIC_TO_EVERYONE', tiktokBrandOrganic: true });
      const video = await bigClip();
      expect(video.length).toBeGreaterThanOrEqual(2 * TIKTOK_CHUNK_BYTES);
      // Counters TikTok will show for the post, set the moment it exists (before the worker can read them).
      const counts = { view_count: 4321, like_count: 120, comment_count: 7, share_count: 5 };
      const stop = onFirst((r) => r.route === 'POST /v2/post/publish/status/fetch/' && tt.publish(String(r.body.publish_id))?.openId === creator.openId && !!tt.publish(String(r.body.publish_id))?.videoId,
        (r) => tt.setMetrics(tt.publish(String(r.body.publish_id))!.videoId!, counts));

      const created = await uploadVideo(stack, { modelId, context: 'Función especial esta noche', file: { data: video, name: 'clip.mp4' } });
      expect(created.status).toBe(202);
      const publicationId = await waitFor(async () => (await publicationsOfContent(db(), created.body.id as string))[0]?.id, { what: 'the publication', timeoutMs: 60_000 });
      const published = await waitForStatus(stack, publicationId, ENDED, 150_000);
      stop();
      expect(published.status, published.lastError ?? '').toBe('published');
      expect(published.attempts).toBe(1);

      // One direct post, its caption and settings as the account asks.
      const inits = initsOf(creator);
      expect(inits).toHaveLength(1);
      const publish = inits[0]!;
      expect(publish.postInfo).toMatchObject({
        title: published.captionUsed, privacy_level: 'PUBLIC_TO_EVERYONE', brand_content_toggle: false, brand_organic_toggle: true,
      });
      // TikTok captions carry no links (core/platforms.ts): the marker ends it.
      expect(published.captionUsed!.endsWith(published.idempotencyMarker)).toBe(true);
      expect(published.captionUsed).not.toMatch(/https?:\/\//);

      // The media transfer guide's chunks: chunk_size 10 000 000, floor(size / chunk) of them, the last taking the
      // trailing bytes, sent in order (206 … 201); together the very file the publication names.
      const ctx = await publicationContext(db(), publicationId);
      const sent = readFileSync(ctx!.publication.mediaPath ?? ctx!.content.filePath);
      expect(publish.videoSize).toBe(sent.length);
      expect(publish.chunkSize).toBe(TIKTOK_CHUNK_BYTES);
      expect(publish.totalChunkCount).toBe(Math.floor(sent.length / TIKTOK_CHUNK_BYTES));
      expect(publish.totalChunkCount).toBeGreaterThanOrEqual(2);
      expect(publish.chunks.map((c) => c.status)).toEqual([...Array(publish.totalChunkCount - 1).fill(206), 201]);
      expect(publish.chunks.map((c) => c.contentRange)).toEqual(publish.chunks.map((_, i) => {
        const first = i * TIKTOK_CHUNK_BYTES;
        const last = i === publish.totalChunkCount - 1 ? sent.length - 1 : first + TIKTOK_CHUNK_BYTES - 1;
        return `bytes ${first}-${last}/${sent.length}`;
      }));
      expect(Buffer.concat(publish.received).equals(sent)).toBe(true);

      // Polled after the last chunk until PUBLISH_COMPLETE named the public post.
      expect(publish.status).toBe('PUBLISH_COMPLETE');
      expect(publish.polled.at(-1)).toBe('PUBLISH_COMPLETE');
      const posts = videosOf(creator);
      expect(posts).toHaveLength(1);
      expect(posts[0]!.privacyLevel).toBe('PUBLIC_TO_EVERYONE');
      expect(published.externalId).toBe(posts[0]!.id);
      expect(published.postUrl).toBe(`https://www.tiktok.com/@${creator.username}/video/${posts[0]!.id}`);

      const data = (await metricsOf(publicationId))[0]!.data as Record<string, unknown>;
      expect(data).toMatchObject({ views: 4321, likes: 120, comments: 7, shares: 5, source: 'api:tiktok' });
      const query = tt.requestsTo('POST /v2/video/query/').filter((r) => (r.body.filters?.video_ids ?? []).includes(posts[0]!.id));
      expect(query.map((r) => r.status)).toContain(200);
      await settled(publicationId);
    }, 240_000);
  });

  describe('resuming a saved publish_id', () => {
    it('the upload\'s answer lost: the publish_id was saved before the first byte, and the retry polls it — one init, one post', async () => {
      const { modelId, accountId, creator } = await oauthAccount();
      // Armed once this creator's publish exists, so no other request can take it.
      const arm = onFirst((r) => r.route === 'POST /v2/post/publish/video/init/' && r.status === 200 && initsOf(creator).length === 1, () => tt.loseNextAnswer('PUT upload_url'));
      // What the publication had saved when TikTok took the bytes (read as the answer is being lost, before any retry).
      let savedAtUpload: Promise<{ driverProgress: string | null; publishStep: string | null } | undefined> | undefined;
      const stop = onFirst((r) => r.route === 'PUT upload_url' && r.lost, () => {
        savedAtUpload = db().select({ driverProgress: publications.driverProgress, publishStep: publications.publishStep })
          .from(publications).where(eq(publications.accountId, accountId)).then((rows) => rows[0]);
      });
      const { publicationId } = await publishClip(stack, modelId);
      const published = await waitForStatus(stack, publicationId, ENDED, 150_000);
      stop();
      arm();
      expect(published.status, published.lastError ?? '').toBe('published');
      expect(published.attempts).toBeGreaterThanOrEqual(2);

      const inits = initsOf(creator);
      expect(inits).toHaveLength(1);
      const publish = inits[0]!;
      // The one chunk went once; its 201 never came back; nothing was uploaded again.
      expect(publish.chunks.map((c) => c.status)).toEqual([201]);
      expect(tt.requestsTo('PUT upload_url').filter((r) => r.query.upload_id === publish.uploadId).map((r) => r.lost)).toEqual([true]);
      const atUpload = (await savedAtUpload)!;
      expect(atUpload.publishStep).toBe('submitting');
      expect(decryptJson<{ publishId: string }>(stack.app.config.keyring, secretBindings.publicationDriverProgress(publicationId), atUpload.driverProgress!).publishId).toBe(publish.publishId);
      // The retry asked TikTok about that publish_id instead of initializing again.
      expect(statusCallsFor(publish.publishId).length).toBeGreaterThanOrEqual(1);
      const posts = videosOf(creator);
      expect(posts).toHaveLength(1);
      expect(posts[0]!.caption).toContain(published.idempotencyMarker);
      expect(published.externalId).toBe(posts[0]!.id);
    }, 240_000);

    it('the status answer lost after TikTok posted: the retry polls the same publish_id — one init, one post', async () => {
      const { modelId, creator } = await oauthAccount();
      // Armed by this creator's last chunk (answered before her first status poll), so no other poll can take it.
      const arm = onFirst((r) => r.route === 'PUT upload_url' && r.status === 201 && initsOf(creator).some((p) => p.uploadId === r.query.upload_id),
        () => tt.loseNextAnswer('POST /v2/post/publish/status/fetch/'));
      const { publicationId } = await publishClip(stack, modelId);
      const published = await waitForStatus(stack, publicationId, ENDED, 200_000);
      arm();
      expect(published.status, published.lastError ?? '').toBe('published');
      expect(published.attempts).toBeGreaterThanOrEqual(2);
      const inits = initsOf(creator);
      expect(inits).toHaveLength(1);
      const statuses = statusCallsFor(inits[0]!.publishId);
      expect(statuses[0]!.lost).toBe(true);
      expect(statuses.at(-1)).toMatchObject({ lost: false, status: 200 });
      expect(inits[0]!.chunks.map((c) => c.status)).toEqual([201]);
      const posts = videosOf(creator);
      expect(posts).toHaveLength(1);
      expect(published.externalId).toBe(posts[0]!.id);
    }, 300_000);
  });

  // After the resume tests: this draft's metrics read (a status/fetch) may outlive the test, and must not meet a lost answer armed for another.
  describe('inbox mode', () => {
    it('the clip waits as a draft (published_as_draft) and the model gets the caption to paste on Telegram', async () => {
      const creator = newCreator();
      const { modelId, accountId } = await createApiAccount(stack, 'tiktok', { username: creator.username });
      // A mode TikTok does not have is refused naming the field.
      const wrong = await api<{ fields: Record<string, string> }>(stack, 'PATCH', `/api/accounts/${accountId}`, { publishSettings: { tiktokMode: 'story' } });
      expect(wrong.status).toBe(400);
      expect(JSON.stringify(wrong.body)).toContain('tiktokMode');
      expect((await api(stack, 'PATCH', `/api/accounts/${accountId}`, { publishSettings: { tiktokMode: 'inbox' } })).status).toBe(200);
      const tokens = tt.issueTokens(creator.openId);
      expect(await api(stack, 'POST', `/api/accounts/${accountId}/credentials`, { refreshToken: tokens.refreshToken })).toMatchObject({ status: 200 });
      expect((await listed(accountId, creator.username)).quotaToday).toMatchObject({ remaining: 5, limit: 5, unit: 'drafts', scope: 'account' });

      // The model sends her clip through the bot.
      const model = h.tg.user(8_000_000 + randomInt(1_000_000), { username: `m_${randomBytes(3).toString('hex')}`, first_name: 'Ana' });
      await linkModel(h, modelId, model);
      const after = mark(h);
      h.tg.sendVideo(model, await videoFile(h), { caption: 'Show de medianoche' });
      const [row] = await waitForContents(h, model.id, 1);
      const contentId = row!.content.id;
      const publicationId = await waitFor(async () => (await publicationsOfContent(db(), contentId))[0]?.id, { what: 'the publication', timeoutMs: 60_000 });
      const draft = await waitForStatus(stack, publicationId, ENDED, 150_000);
      expect(draft.status, draft.lastError ?? '').toBe('published_as_draft');

      // TikTok got the bytes in the inbox endpoint (which takes no caption), and nothing was posted.
      expect(initsOf(creator)).toHaveLength(0);
      const uploads = initsOf(creator, 'inbox');
      expect(uploads).toHaveLength(1);
      const upload = uploads[0]!;
      const init = tt.requestsTo('POST /v2/post/publish/inbox/video/init/').find((r) => (r.response as { data?: { publish_id?: string } }).data?.publish_id === upload.publishId)!;
      expect(Object.keys(init.body)).toEqual(['source_info']);
      expect(upload.status).toBe('SEND_TO_USER_INBOX');
      expect(videosOf(creator)).toHaveLength(0);
      expect(draft.externalId).toBe(upload.publishId);
      expect(draft.postUrl).toBe(`https://www.tiktok.com/@${creator.username}`);
      const events = await eventsOf(db(), { publicationId });
      expect(events.find((e) => e.type === 'publication_published')?.data).toMatchObject({ externalId: upload.publishId, draft: true });

      // Her notice is the draft one, with the caption to paste (HTML-escaped, in <code>), not "published".
      const notice = await botSays(h, model.id, new RegExp(`#${contentId.slice(0, 8)} está en tu bandeja de borradores de tiktok`), { after });
      expect(notice.params.parse_mode).toBe('HTML');
      expect(draft.captionUsed).toContain('Show de medianoche');
      expect(draft.captionUsed).toContain(draft.idempotencyMarker);
      expect(textOf(notice)).toContain(`<code>${esc(draft.captionUsed!)}</code>`);
      expect(h.tg.calls.slice(after).some((c) => c.method === 'sendMessage' && /ya está publicado/.test(String(c.params.text)))).toBe(false);
      expect((await listed(accountId, creator.username)).quotaToday).toMatchObject({ remaining: 4, limit: 5, unit: 'drafts' });
    }, 240_000);
  });

  describe('account limits', () => {
    it('spam_risk_too_many_posts: DailyLimit fails the publication, pauses the account (what waits is held) and alerts the admin', async () => {
      // TikTok names no daily cap for API posts; this creator's is one.
      const { modelId, accountId, creator } = await oauthAccount({ creator: { dailyPostCap: 1 } });
      const { posted, next, later } = await oneOutTwoWaiting(stack, modelId);
      const before = mark(h);
      expect((await api(stack, 'POST', `/api/publications/${next.publicationId}/publish-now`)).status).toBe(202);
      const failed = await waitForStatus(stack, next.publicationId, ENDED, 150_000);
      expect(failed.status).toBe('failed');
      expect(failed.lastError).toMatch(/^DailyLimit: TikTok creator_info\/query: spam_risk_too_many_posts/);
      // creator_info said so (HTTP 200 with the error code), once: no retry was spent on it, nothing initialized for it.
      // (attempts may read 2: a first attempt can end waiting for the account's minute of TikTok calls.)
      const refusals = tt.requestsTo('POST /v2/post/publish/creator_info/query/')
        .filter((r) => (r.response as { data?: { creator_username?: string } }).data?.creator_username === creator.username && r.status === 200)
        .filter((r) => (r.response as { error: { code: string } }).error.code !== 'ok');
      expect(refusals.map((r) => (r.response as { error: { code: string } }).error.code)).toEqual(['spam_risk_too_many_posts']);
      expect(initsOf(creator)).toHaveLength(1);
      expect(videosOf(creator)).toHaveLength(1);

      expect((await findAccountWithPlatform(db(), accountId))!.account.status).toBe('paused');
      expect((await waitForStatus(stack, later.publicationId, ['held'])).status).toBe('held');
      const alerts = (await alertsOf(stack, accountId)).map((e) => e.data as { kind: string; errorType?: string });
      expect(alerts).toEqual(expect.arrayContaining([
        expect.objectContaining({ kind: 'account_paused', errorType: 'DailyLimit' }),
        expect.objectContaining({ kind: 'publication_failed', errorType: 'DailyLimit' }),
      ]));
      const notice = await botSays(h, h.adminChat.id, new RegExp(`Cuenta pausada[\\s\\S]*@${creator.username}`), { after: before });
      expect(textOf(notice)).toContain('spam_risk_too_many_posts');

      // The product does not lift the pause by itself after 24 h: a person resumes the account, which releases what waited.
      expect((await api(stack, 'POST', `/api/accounts/${accountId}/resume`)).status).toBe(200);
      expect((await waitForStatus(stack, later.publicationId, ['scheduled'])).status).toBe('scheduled');
      expect(await api(stack, 'POST', `/api/publications/${later.publicationId}/cancel`)).toMatchObject({ status: 202 });
      await settled(posted.publicationId);
    }, 300_000);

    it('a revoked grant (invalid_grant on refresh) holds the account with a reconnect alert; connecting again releases what waited', async () => {
      const { modelId, accountId, creator } = await oauthAccount();
      const { posted, next, later } = await oneOutTwoWaiting(stack, modelId);
      await settled(posted.publicationId);

      // The creator removed our app: her access and refresh tokens stop working.
      tt.revoke(creator.openId);
      const refreshesBefore = tt.requestsTo('POST /v2/oauth/token/').length;
      const before = mark(h);
      expect((await api(stack, 'POST', `/api/publications/${next.publicationId}/publish-now`)).status).toBe(202);
      const failed = await waitForStatus(stack, next.publicationId, ENDED, 150_000);
      expect(failed.status).toBe('failed');
      expect(failed.lastError).toMatch(/^SessionExpired: TikTok refused the refresh token .*invalid_grant.*reconnect the account/);
      // access_token_invalid, one refresh, refused, and not tried again.
      expect(tt.requestsTo('POST /v2/oauth/token/').slice(refreshesBefore).map((r) => [r.body.grant_type, r.status])).toEqual([['refresh_token', 400]]);
      await expectHeldUntilReconnected(stack, accountId, later.publicationId);
      await botSays(h, h.adminChat.id, new RegExp(`Sesión caducada[\\s\\S]*@${creator.username}`), { after: before });
      expect(initsOf(creator)).toHaveLength(1);

      await reconnectReleases(stack, accountId, later.publicationId, (url) => tt.approve(url, creator.openId));
      await retryPublishes(stack, next.publicationId);
      expect(videosOf(creator)).toHaveLength(2);
      expect(await api(stack, 'POST', `/api/publications/${later.publicationId}/cancel`)).toMatchObject({ status: 202 });
    }, 420_000);
  });
});

describe('an unaudited TikTok app (TIKTOK_APP_AUDITED=false)', () => {
  beforeAll(async () => {
    // TikTok's side of it: an unaudited client's direct posts may only be SELF_ONLY.
    tt.audited = false;
    stack = await startTestStack({ embedded: false, env: tiktokEnv(false) });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('posts SELF_ONLY whatever the account asks, warns of it on the account, and stores the profile as the post\'s link', async () => {
    const { modelId, accountId, creator } = await oauthAccount({ publishSettings: { tiktokPrivacy: 'PUBLIC_TO_EVERYONE' } });
    expect(await listed(accountId, creator.username)).toMatchObject({ appWarnings: ['tiktok_unaudited'], publishSettings: { tiktokPrivacy: 'PUBLIC_TO_EVERYONE' } });
    const { publicationId } = await publishClip(stack, modelId);
    const published = await waitForStatus(stack, publicationId, ENDED, 150_000);
    expect(published.status, published.lastError ?? '').toBe('published');
    const inits = initsOf(creator);
    expect(inits).toHaveLength(1);
    expect(inits[0]!.postInfo.privacy_level).toBe('SELF_ONLY');
    // No unaudited_client_can_only_post_to_private_accounts refusal on the way.
    expect(tt.requestsTo('POST /v2/post/publish/video/init/').filter((r) => r.status !== 200 && JSON.stringify(r.response).includes(creator.username))).toHaveLength(0);
    expect(published.attempts).toBe(1);
    const posts = videosOf(creator);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.privacyLevel).toBe('SELF_ONLY');
    // TikTok names no post id for a post only its creator sees: the profile stands in, the publish_id is the reference.
    expect(published.postUrl).toBe(`https://www.tiktok.com/@${creator.username}`);
    expect(published.externalId).toBe(inits[0]!.publishId);
  }, 240_000);
});
