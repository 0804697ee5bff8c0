/**
 * The Reddit driver against the fake Reddit (test/fakes/reddit-server.ts): OAuth, credentials, video and link
 * submissions, subreddit rules, token revocation, rate limits, a lost answer, metrics and removed posts.
 */
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { idempotencyMarker } from '../../../core/captions.js';
import type { AccountPublishSettings } from '../../../core/types.js';
import { apiApps, setupContext, testApiContext } from '../../../test/helpers/api-driver.js';
import { startFakeReddit, type FakeReddit } from '../../../test/fakes/reddit-server.js';
import { CredentialsRejected, type ApiApps, type ApiPost } from './api-types.js';
import { PublishError } from '../errors.js';
import { postRequirementProblems, redditDriver, redditScopes, redditTitle, type RedditCredentials } from './reddit.js';

const execFileAsync = promisify(execFile);

let dir: string;
let clip: string;
let clipSha: string;
let reddit: FakeReddit;
let apps: ApiApps;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'reddit-driver-'));
  clip = join(dir, 'clip.mp4');
  await execFileAsync('ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=360x640:rate=25', '-t', '2', '-pix_fmt', 'yuv420p', clip]);
  clipSha = createHash('sha256').update(readFileSync(clip)).digest('hex');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  reddit = await startFakeReddit();
  apps = apiApps({
    REDDIT_API_ROOT: reddit.apiRoot, REDDIT_AUTH_ROOT: reddit.authRoot, REDDIT_CLIENT_ID: reddit.clientId, REDDIT_CLIENT_SECRET: reddit.clientSecret,
  });
});

afterEach(async () => {
  await reddit.close();
});

function post(over: Partial<ApiPost> = {}): ApiPost {
  const publicationId = randomUUID();
  const marker = idempotencyMarker(publicationId);
  return {
    publicationId,
    videoPath: clip,
    caption: `Lía en directo esta noche ✨\n\n#live #latina\nhttps://t.example/t/abc\n${marker}`,
    tags: ['live', 'latina'],
    marker,
    trackingUrl: 'https://t.example/t/abc',
    sensitive: true,
    media: { durationSeconds: 2, width: 360, height: 640, sizeBytes: statSync(clip).size },
    ...over,
  };
}

function credentials(): RedditCredentials {
  const tokens = reddit.issueTokens('tester');
  return { ...tokens, username: 'tester' };
}

function context(settings: AccountPublishSettings, opts: { timeoutMs?: number; creds?: RedditCredentials } = {}) {
  return testApiContext(redditDriver, apps, opts.creds ?? credentials(), { settings, username: 'tester', timeoutMs: opts.timeoutMs ?? 5000 });
}

async function rejection(promise: Promise<unknown>): Promise<PublishError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(PublishError);
  return error as PublishError;
}

describe('connecting an account', () => {
  it('exchanges an authorization code for a permanent grant and refreshes it without rotating the refresh token', async () => {
    const redirectUri = 'https://trafico.example/oauth/callback/reddit';
    const state = randomUUID();
    // The consent URL as services/connections.ts builds it.
    const url = new URL(`${reddit.authRoot}/api/v1/authorize?${new URLSearchParams({
      client_id: apps.apis.reddit.client!.clientId, response_type: 'code', state, redirect_uri: redirectUri, duration: 'permanent', scope: redditScopes.join(' '),
    })}`);
    expect(url.origin).toBe(reddit.authRoot);
    expect(url.searchParams.get('duration')).toBe('permanent');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['identity', 'submit', 'read', 'history']));

    const approved = reddit.approve(url.toString());
    const back = new URL(approved.redirect);
    expect(back.searchParams.get('state')).toBe(state);
    const code = back.searchParams.get('code')!;

    const setup = setupContext(apps);
    const connected = await redditDriver.exchangeCode!(setup, { code, codeVerifier: 'unused-by-reddit', redirectUri });
    expect(connected.username).toBe('tester');
    expect(connected.credentials.username).toBe('tester');
    expect(connected.credentials.refreshToken).toBeTruthy();
    const ttl = Date.parse(connected.credentials.expiresAt!) - Date.now();
    expect(ttl).toBeGreaterThan(3500_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);

    const tokenCall = reddit.requestsTo('/api/v1/access_token')[0]!;
    expect(tokenCall.root).toBe('auth');
    expect(tokenCall.authorization).toBe(`Basic ${Buffer.from(`${reddit.clientId}:${reddit.clientSecret}`).toString('base64')}`);
    expect(tokenCall.params).toMatchObject({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
    expect(tokenCall.userAgent).toBe(apps.apis.reddit.userAgent);

    // A code works once.
    const again = await redditDriver.exchangeCode!(setup, { code, codeVerifier: 'x', redirectUri }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(CredentialsRejected);
    expect((again as CredentialsRejected).field).toBe('code');

    const refreshed = await redditDriver.refresh!(setup, connected.credentials);
    expect(refreshed.accessToken).not.toBe(connected.credentials.accessToken);
    expect(refreshed.refreshToken).toBe(connected.credentials.refreshToken);
    expect(refreshed.username).toBe('tester');
  });

  it('accepts pasted tokens after asking Reddit who they belong to, and refuses a bad one naming the field', async () => {
    const setup = setupContext(apps);
    const tokens = reddit.issueTokens('tester');
    const accepted = await redditDriver.acceptCredentials(setup, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt });
    expect(accepted).toEqual({ credentials: { ...tokens, username: 'tester' }, username: 'tester' });
    expect(reddit.requestsTo('/api/v1/me')[0]!.authorization).toBe(`bearer ${tokens.accessToken}`);

    const missing = await redditDriver.acceptCredentials(setup, {}).catch((e: unknown) => e);
    expect((missing as CredentialsRejected).field).toBe('accessToken');
    const wrong = await redditDriver.acceptCredentials(setup, { accessToken: 'not-a-token' }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(CredentialsRejected);
    expect((wrong as CredentialsRejected).field).toBe('accessToken');

    // An expired access token still connects when its refresh token works.
    reddit.expireAccessTokens();
    const renewed = await redditDriver.acceptCredentials(setup, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
    expect(renewed.credentials.accessToken).not.toBe(tokens.accessToken);
    expect(renewed.credentials.refreshToken).toBe(tokens.refreshToken);
  });

  it('checks the session: logged in with a working token, logged out once the grant is revoked', async () => {
    const creds = credentials();
    const ctx = context({});
    expect(await redditDriver.checkSession(ctx)).toBe('logged_in');
    reddit.revoke(creds.refreshToken!);
    const revokedCtx = context({}, { creds });
    expect(await redditDriver.checkSession(revokedCtx)).toBe('logged_out');
  });
});

describe('publishing', () => {
  it('uploads the video through an upload lease and submits it with nsfw and flair; the marker is in the title', async () => {
    reddit.addSubreddit({ name: 'LatinaClips', over18: true, requirements: { is_flair_required: true } });
    const ctx = context({ subreddits: [{ subreddit: 'LatinaClips', kind: 'video', flairId: 'b6f1c5e2-flair', flairText: 'OC' }] });
    const p = post();
    const ref = await redditDriver.publish(ctx, p);

    const [created] = reddit.postsBy('tester');
    expect(reddit.postsBy('tester')).toHaveLength(1);
    expect(ref).toEqual({ url: `https://www.reddit.com${created!.permalink}`, externalId: created!.name });
    expect(created).toMatchObject({ subreddit: 'LatinaClips', kind: 'video', nsfw: true, flairId: 'b6f1c5e2-flair', flairText: 'OC' });
    expect(created!.title).toBe(`Lía en directo esta noche ✨ ${p.marker}`);

    // The clip's exact bytes went to the bucket, and a poster image beside it.
    const video = reddit.uploads.find((u) => u.mimetype === 'video/mp4')!;
    expect(video.sha256).toBe(clipSha);
    expect(reddit.uploads.find((u) => u.mimetype === 'image/jpeg')?.size).toBeGreaterThan(0);
    const submit = reddit.requestsTo('/api/submit')[0]!;
    expect(submit.params).toMatchObject({ api_type: 'json', sr: 'LatinaClips', kind: 'video', nsfw: 'true', flair_id: 'b6f1c5e2-flair', flair_text: 'OC' });
    expect(submit.params.url).toBe(`${reddit.uploadRoot}/${video.bucket}/${video.key}`);
    expect(submit.params.video_poster_url).toContain('/reddit-uploaded-media/');
    expect(ctx.steps).toEqual(['uploading', 'submitting']);
    // Every request to Reddit and its bucket names the app.
    expect(reddit.requests.every((r) => r.userAgent === apps.apis.reddit.userAgent)).toBe(true);
  });

  it('posts a link to the tracking URL in each configured subreddit; the first post is the publication URL', async () => {
    reddit.addSubreddit({ name: 'clips' });
    reddit.addSubreddit({ name: 'promos', submissionType: 'link' });
    const ctx = context({
      subreddits: [
        { subreddit: 'promos', kind: 'link', titleTemplate: '{caption} {tags}' },
        { subreddit: 'r/clips', kind: 'video' },
      ],
    });
    const p = post({ sensitive: false });
    const ref = await redditDriver.publish(ctx, p);

    const posts = reddit.postsBy('tester');
    const link = posts.find((x) => x.subreddit === 'promos')!;
    const video = posts.find((x) => x.subreddit === 'clips')!;
    expect(posts).toHaveLength(2);
    expect(link).toMatchObject({ kind: 'link', url: 'https://t.example/t/abc', nsfw: false, title: `Lía en directo esta noche ✨ #live #latina ${p.marker}` });
    expect(ref).toEqual({ url: `https://www.reddit.com${link.permalink}`, externalId: `${link.name},${video.name}` });
    // findByMarker sees both: a retry would stop there.
    expect(await redditDriver.findByMarker!(ctx, p)).toEqual(ref);
  });

  it('refuses before posting anything when a subreddit rule is not met, naming the rule', async () => {
    reddit.addSubreddit({ name: 'clips' });
    reddit.addSubreddit({ name: 'strict', requirements: { title_required_strings: ['[F]'], is_flair_required: true } });
    const ctx = context({ subreddits: [{ subreddit: 'clips', kind: 'link' }, { subreddit: 'strict', kind: 'video' }] });
    const error = await rejection(redditDriver.publish(ctx, post()));
    expect(error.type).toBe('RejectedByPlatform');
    expect(error.message).toContain('r/strict');
    expect(error.message).toContain('"[F]"');
    expect(error.message).toContain('flair');
    expect(reddit.requestsTo('/api/submit')).toHaveLength(0);
    expect(reddit.uploads).toHaveLength(0);
    expect(reddit.posts.size).toBe(0);
  });

  it('refuses when no subreddit is configured', async () => {
    const error = await rejection(redditDriver.publish(context({}), post()));
    expect(error.type).toBe('RejectedByPlatform');
    expect(error.message).toMatch(/configure.*subreddits/);
  });

  it('maps a Reddit refusal in json.errors to RejectedByPlatform with its message', async () => {
    const ctx = context({ subreddits: [{ subreddit: 'nowhere', kind: 'link' }] });
    // The about page and the requirements are scripted as if the subreddit existed; submit then says it does not.
    reddit.failNext({ path: '/r/nowhere/about' }, { status: 200, body: { kind: 't5', data: { submission_type: 'any' } } });
    reddit.failNext({ path: '/api/v1/nowhere/post_requirements' }, { status: 200, body: {} });
    const error = await rejection(redditDriver.publish(ctx, post()));
    expect(error.type).toBe('RejectedByPlatform');
    expect(error.message).toContain("SUBREDDIT_NOEXIST: that subreddit doesn't exist");
    expect(ctx.steps.at(-1)).toBe('prepared');
  });

  it('a revoked grant is SessionExpired', async () => {
    reddit.addSubreddit({ name: 'clips' });
    const creds = credentials();
    reddit.revoke(creds.refreshToken!);
    const ctx = context({ subreddits: [{ subreddit: 'clips', kind: 'link' }] }, { creds });
    const error = await rejection(redditDriver.publish(ctx, post()));
    expect(error.type).toBe('SessionExpired');
    expect(reddit.posts.size).toBe(0);
  });

  it('an expired access token is refreshed on the 401 and the post goes out', async () => {
    reddit.addSubreddit({ name: 'clips' });
    const creds = credentials();
    reddit.expireAccessTokens();
    const ctx = context({ subreddits: [{ subreddit: 'clips', kind: 'link' }] }, { creds });
    await redditDriver.publish(ctx, post());
    expect(reddit.posts.size).toBe(1);
    expect(ctx.stored()!.accessToken).not.toBe(creds.accessToken);
    expect(ctx.stored()!.refreshToken).toBe(creds.refreshToken);
  });

  it('a 429 is Retryable after the X-Ratelimit-Reset Reddit names', async () => {
    reddit.addSubreddit({ name: 'clips' });
    const ctx = context({ subreddits: [{ subreddit: 'clips', kind: 'link' }] });
    reddit.exhaustRateLimit(42);
    const error = await rejection(redditDriver.publish(ctx, post()));
    expect(error.type).toBe('Retryable');
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(40_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(42_000);
    const limited = reddit.requests.at(-1)!;
    expect(limited.status).toBe(429);
  });

  it('Reddit\'s RATELIMIT answer is Retryable after the minutes it names, and nothing was posted', async () => {
    reddit.addSubreddit({ name: 'clips' });
    reddit.rateLimitSubmissions(9);
    const ctx = context({ subreddits: [{ subreddit: 'clips', kind: 'link' }] });
    const error = await rejection(redditDriver.publish(ctx, post()));
    expect(error.type).toBe('Retryable');
    expect(error.retryAfterMs).toBe(9 * 60_000);
    expect(error.message).toContain('you are doing that too much');
    expect(ctx.steps).toEqual(['submitting', 'prepared']);
    expect(reddit.posts.size).toBe(0);
  });

  it('a lost answer leaves the step at submitting; the retry finds the post and submits exactly once per subreddit', async () => {
    reddit.addSubreddit({ name: 'clips' });
    reddit.addSubreddit({ name: 'promos' });
    const settings: AccountPublishSettings = { subreddits: [{ subreddit: 'clips', kind: 'link' }, { subreddit: 'promos', kind: 'link' }] };
    const ctx = context(settings);
    const p = post();
    reddit.loseNextAnswer({ path: '/api/submit' });
    const error = await rejection(redditDriver.publish(ctx, p));
    expect(error.type).toBe('Retryable');
    expect(ctx.steps.at(-1)).toBe('submitting');
    expect(reddit.posts.size).toBe(1);

    // The worker's retry: the marker search finds r/clips only, so publish completes r/promos.
    expect(await redditDriver.findByMarker!(ctx, p)).toBeNull();
    const ref = await redditDriver.publish(ctx, p);
    const posts = reddit.postsBy('tester');
    expect(posts.map((x) => x.subreddit).sort()).toEqual(['clips', 'promos']);
    expect(reddit.requestsTo('/api/submit').filter((r) => r.params.sr === 'clips')).toHaveLength(1);
    expect(ref.externalId).toBe(`${posts.find((x) => x.subreddit === 'clips')!.name},${posts.find((x) => x.subreddit === 'promos')!.name}`);
    expect(await redditDriver.findByMarker!(ctx, p)).toEqual(ref);
  });

  it('a video still processing past the wait ends Unconfirmed, and the retry finds it once it appears', async () => {
    reddit.addSubreddit({ name: 'clips' });
    reddit.processingMs = 60_000;
    const ctx = context({ subreddits: [{ subreddit: 'clips', kind: 'video' }] }, { timeoutMs: 500 });
    const p = post();
    const error = await rejection(redditDriver.publish(ctx, p));
    expect(error.type).toBe('Unconfirmed');
    expect(ctx.steps.at(-1)).toBe('submitting');
    expect(await redditDriver.findByMarker!(ctx, p)).toBeNull();
    // Processing finishes.
    reddit.postsBy('tester')[0]!.visibleAt = Date.now();
    const found = await redditDriver.findByMarker!(ctx, p);
    expect(found?.externalId).toBe(reddit.postsBy('tester')[0]!.name);
    expect(reddit.requestsTo('/api/submit')).toHaveLength(1);
  });
});

describe('metrics', () => {
  it('sums score and comments over the publication\'s posts and reports no views', async () => {
    reddit.addSubreddit({ name: 'clips' });
    reddit.addSubreddit({ name: 'promos' });
    const ctx = context({ subreddits: [{ subreddit: 'clips', kind: 'link' }, { subreddit: 'promos', kind: 'link' }] });
    const ref = await redditDriver.publish(ctx, post());
    const [a, b] = ref.externalId.split(',');
    reddit.setCounts(a!, { score: 12, numComments: 3 });
    reddit.setCounts(b!, { score: 5, numComments: 1 });
    const metrics = await redditDriver.readMetrics(ctx, ref);
    expect(metrics).toEqual({ likes: 17, comments: 4 });
    expect('views' in metrics).toBe(false);

    // A score hidden by the subreddit is unreadable, not zero.
    reddit.setCounts(b!, { scoreHidden: true });
    expect(await redditDriver.readMetrics(ctx, ref)).toEqual({ likes: null, comments: 4 });

    // One post removed: the other still counts.
    reddit.setCounts(b!, { scoreHidden: false });
    reddit.removePost(a!, 'moderator');
    expect(await redditDriver.readMetrics(ctx, ref)).toEqual({ likes: 5, comments: 1 });
  });

  it('removed or deleted everywhere is PostUnavailable', async () => {
    reddit.addSubreddit({ name: 'clips' });
    reddit.addSubreddit({ name: 'promos' });
    const ctx = context({ subreddits: [{ subreddit: 'clips', kind: 'link' }, { subreddit: 'promos', kind: 'link' }] });
    const ref = await redditDriver.publish(ctx, post());
    const [a, b] = ref.externalId.split(',');
    reddit.removePost(a!, 'moderator');
    reddit.removePost(b!, 'deleted');
    const error = await rejection(redditDriver.readMetrics(ctx, ref));
    expect(error.type).toBe('PostUnavailable');
  });
});

describe('titles and rules (pure)', () => {
  it('builds a title from the template or the first line, within 300 characters, marker last', () => {
    const p = post();
    expect(redditTitle({}, p)).toBe(`Lía en directo esta noche ✨ ${p.marker}`);
    expect(redditTitle({ titleTemplate: '[F] {caption}' }, p)).toBe(`[F] Lía en directo esta noche ✨ ${p.marker}`);
    const long = redditTitle({}, { ...p, caption: `${'palabra '.repeat(80)}\n${p.marker}` });
    expect(long.length).toBeLessThanOrEqual(300);
    expect(long.endsWith(` ${p.marker}`)).toBe(true);
    // A caption that starts with the tracking link: the link is not a title.
    expect(redditTitle({}, { ...p, caption: `https://t.example/t/abc\nHola\n${p.marker}` })).toBe(`Hola ${p.marker}`);
  });

  it('lists every unmet requirement', () => {
    const requirements = {
      title_required_strings: ['[F]', '(OC)'], title_blacklisted_strings: ['onlyfans'], title_text_min_length: 10, title_text_max_length: 20,
      is_flair_required: true, domain_blacklist: ['t.example'],
    };
    const problems = postRequirementProblems(requirements, { title: 'My OnlyFans clip of today', url: 'https://t.example/t/x' });
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/one of: "\[F\]", "\(OC\)"/);
    expect(problems.join('\n')).toMatch(/may not contain "onlyfans"/);
    expect(problems.join('\n')).toMatch(/at most 20/);
    expect(problems.join('\n')).toMatch(/flair/);
    expect(problems.join('\n')).toMatch(/t\.example/);
    expect(postRequirementProblems(requirements, { title: '[f] short clip', flairId: 'x' })).toEqual([]);
  });
});
