/**
 * X (Twitter) through the official API v2 (https://docs.x.com/x-api): OAuth 2.0 user tokens (authorization code + PKCE,
 * rotating refresh tokens), the chunked video upload, POST /2/tweets, the user's timeline for the marker search and
 * public_metrics for the counters.
 *
 * Plain `fetch` through `ctx.fetch`, not twitter-api-v2: that library pins its roots (`https://api.x.com/2/`, and an
 * absolute `https://api.x.com/2/oauth2/token`) so it cannot be pointed at `apps.apis.x.apiRoot` for every call, it
 * sends through node:https (so it would bypass ctx.fetch's deadline and the shared rate limits), and its uploadMedia
 * holds the whole video in memory. activities/ may not import it either (test/layering.test.ts).
 *
 * How a retry finds an earlier post: the caption ends with the publication's marker, so `findByMarker` reads the
 * account's 100 latest posts (GET /2/users/:id/tweets, replies and reposts excluded) and returns the one whose text
 * holds it. A 403 "duplicate content" on submit means an identical text is already there: the driver looks it up the
 * same way instead of failing.
 */
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { oauthScopes } from '../../../contracts/drivers.js';
import { xWeightedLength } from '../../../core/x-text.js';
import { PublishError } from '../errors.js';
import {
  CredentialsRejected, type ApiCredentials, type ApiDriverContext, type ApiPlatformDriver, type ApiPost, type ApiSetupContext, type OAuthExchange,
} from './api-types.js';
import { httpFailure, resetAtEpochHeaderMs, retryAfterHeaderMs } from './http.js';
import type { MetricsRead, PostRef, SessionState } from './types.js';

export interface XCredentials extends ApiCredentials {
  accessToken: string;
  /** Only with the `offline.access` scope; single use: every refresh returns a new one and retires the old. */
  refreshToken?: string;
  expiresAt?: string;
  userId: string;
  username: string;
}

/** What one post may weigh (https://docs.x.com/fundamentals/counting-characters). */
export const X_MAX_WEIGHTED_LENGTH = 280;
/** APPEND takes chunks of at most 5 MB (the v1.1 reference; v2's says nothing stricter): 4 MiB stays under either reading of "MB". */
export const X_CHUNK_BYTES = 4 * 1024 * 1024;
/** Video limits of https://docs.x.com/x-api/media/quickstart/best-practices ("Advanced"). */
const MAX_VIDEO_BYTES = 512 * 1024 * 1024;
const MIN_SECONDS = 0.5;
const MAX_SECONDS = 140;
/** How long we wait for X's transcoder before giving the attempt back to Temporal (the activity has 10 minutes). */
const PROCESSING_LIMIT_MS = 5 * 60_000;
/** check_after_secs is honoured, within these bounds. */
const MAX_POLL_WAIT_MS = 30_000;


// ── Answers ──────────────────────────────────────────────────────────────────────────────────────

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: any = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** X's own words: a problem's detail, a v1-style error message, an OAuth error description. */
function reasonOf(answer: Answer): string {
  const b = answer.body;
  const parts = [
    b?.detail, b?.error_description,
    ...(Array.isArray(b?.errors) ? b.errors.map((e: any) => e?.message ?? e?.detail).filter(Boolean) : []),
    b?.title, b?.error,
  ].filter((part): part is string => typeof part === 'string' && part.length > 0);
  return [...new Set(parts)].slice(0, 2).join(': ') || answer.text.slice(0, 200) || 'no reason given';
}

/**
 * When to come back after a 429: a 24-hour window that is used up (x-app-limit-24hour-* / x-user-limit-24hour-*)
 * outlasts the 15-minute one (x-rate-limit-reset, epoch seconds); Retry-After if X ever sends only that.
 */
export function xRetryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const daily = ['x-app-limit-24hour', 'x-user-limit-24hour']
    .filter((prefix) => headers.get(`${prefix}-remaining`) === '0')
    .map((prefix) => resetAtEpochHeaderMs(headers, `${prefix}-reset`, now))
    .filter((ms): ms is number => ms !== undefined);
  if (daily.length > 0) return Math.max(...daily);
  return resetAtEpochHeaderMs(headers, 'x-rate-limit-reset', now) ?? retryAfterHeaderMs(headers, now);
}

function failure(where: string, answer: Answer): PublishError {
  return httpFailure('X', where, answer.status, reasonOf(answer), answer.status === 429 ? xRetryAfterMs(answer.headers) : undefined);
}

// ── Calls ────────────────────────────────────────────────────────────────────────────────────────

interface Session {
  ctx: ApiDriverContext<XCredentials>;
  creds: XCredentials;
}

interface CallOptions {
  query?: Record<string, string>;
  json?: unknown;
  form?: FormData;
}

function apiUrl(root: string, path: string, query?: Record<string, string>): string {
  const url = new URL(`${root}${path}`);
  for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
  return url.toString();
}

function send(ctx: ApiSetupContext, token: string, method: string, path: string, opts: CallOptions): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let body: string | FormData | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    body = opts.form;
  }
  return ctx.fetch(apiUrl(ctx.apps.apis.x.apiRoot, path, opts.query), { method, headers, body });
}

/**
 * One authenticated call. A 401 to a token we thought valid (expired early, or rotated by another worker) gets one
 * refresh through the context (saved before use) and one more try; a failed refresh throws SessionExpired.
 */
async function call(session: Session, method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
  const first = await answerOf(await send(session.ctx, session.creds.accessToken, method, path, opts));
  if (first.status !== 401) return first;
  session.ctx.log.info({ path }, 'X said 401: refreshing the token once');
  session.creds = await session.ctx.refreshCredentials();
  return answerOf(await send(session.ctx, session.creds.accessToken, method, path, opts));
}

async function startSession(ctx: ApiDriverContext<XCredentials>): Promise<Session> {
  return { ctx, creds: await ctx.credentials() };
}

// ── OAuth ────────────────────────────────────────────────────────────────────────────────────────

interface TokenAnswer {
  token_type?: string;
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
}

/**
 * POST /2/oauth2/token as https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token says: a form body;
 * a confidential client (one with a secret) authenticates with HTTP Basic, a public one names itself in client_id.
 */
async function tokenRequest(ctx: ApiSetupContext, fields: Record<string, string>): Promise<{ answer: Answer; tokens?: TokenAnswer }> {
  const client = ctx.apps.apis.x.client;
  if (!client) throw new PublishError('RejectedByPlatform', 'X OAuth is not configured: set X_CLIENT_ID (and X_CLIENT_SECRET for a confidential client)');
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const form = new URLSearchParams(fields);
  if (client.clientSecret) {
    headers.authorization = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
  } else {
    form.set('client_id', client.clientId);
  }
  const answer = await answerOf(await ctx.fetch(`${ctx.apps.apis.x.apiRoot}/2/oauth2/token`, { method: 'POST', headers, body: form.toString() }));
  return { answer, tokens: answer.status === 200 && typeof answer.body?.access_token === 'string' ? answer.body as TokenAnswer : undefined };
}

const expiresAtOf = (tokens: TokenAnswer) => (typeof tokens.expires_in === 'number' ? new Date(Date.now() + tokens.expires_in * 1000).toISOString() : undefined);

/** GET /2/users/me with a bare token (no context credentials yet): who the token belongs to. */
async function whoIs(ctx: ApiSetupContext, accessToken: string): Promise<{ answer: Answer; user?: { id: string; username: string } }> {
  const answer = await answerOf(await send(ctx, accessToken, 'GET', '/2/users/me', {}));
  const data = answer.body?.data;
  const user = answer.status === 200 && typeof data?.id === 'string' && typeof data?.username === 'string' ? { id: data.id, username: data.username } : undefined;
  return { answer, user };
}

/** A refusal of the admin's input names the field; the rest (429, 5xx, network) stays a retryable error. */
function rejectOrFail(field: string, where: string, answer: Answer): never {
  if (answer.status === 429 || answer.status >= 500) throw failure(where, answer);
  throw new CredentialsRejected(field, `X refused the ${field} (${where}: HTTP ${answer.status} ${reasonOf(answer)})`);
}

// ── Publishing helpers ───────────────────────────────────────────────────────────────────────────

const mediaTypes: Record<string, string> = { '.mp4': 'video/mp4', '.m4v': 'video/mp4', '.mov': 'video/quicktime', '.webm': 'video/webm', '.ts': 'video/mp2t' };

/** The caption without the tracking link (it goes in the reply), tidied where the link stood. */
export function withoutLink(caption: string, url: string): string {
  return caption.split(url).join('')
    .split('\n').map((line) => line.replace(/[ \t]{2,}/g, ' ').trim()).join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The chunked upload (initialize, append, finalize) and the wait for X's transcoder; returns the media id. */
async function uploadVideo(session: Session, post: ApiPost): Promise<string> {
  const { ctx } = session;
  const size = (await stat(post.videoPath)).size;
  const mediaType = mediaTypes[extname(post.videoPath).toLowerCase()] ?? 'video/mp4';
  const init = await call(session, 'POST', '/2/media/upload/initialize', { json: { media_type: mediaType, total_bytes: size, media_category: 'tweet_video' } });
  const mediaId = init.body?.data?.id;
  if (init.status !== 200 || typeof mediaId !== 'string') throw failure('media initialize', init);

  // Chunks are read one at a time from disk: a 512 MB video never sits in memory.
  const file = await open(post.videoPath, 'r');
  try {
    for (let index = 0, offset = 0; offset < size; index++, offset += X_CHUNK_BYTES) {
      const length = Math.min(X_CHUNK_BYTES, size - offset);
      const chunk = Buffer.alloc(length);
      const { bytesRead } = await file.read(chunk, 0, length, offset);
      if (bytesRead !== length) throw new PublishError('Retryable', `read ${bytesRead} of ${length} bytes of ${post.videoPath} at ${offset}`);
      const form = new FormData();
      form.set('segment_index', String(index));
      form.set('media', new Blob([chunk], { type: 'application/octet-stream' }), 'chunk');
      const appended = await call(session, 'POST', `/2/media/upload/${mediaId}/append`, { form });
      if (appended.status < 200 || appended.status >= 300) throw failure(`media append (segment ${index})`, appended);
    }
  } finally {
    await file.close();
  }

  let status = await call(session, 'POST', `/2/media/upload/${mediaId}/finalize`);
  if (status.status !== 200) throw failure('media finalize', status);
  // No processing_info: the media is ready. Otherwise poll STATUS as check_after_secs says until it settles.
  const deadline = Date.now() + PROCESSING_LIMIT_MS;
  for (;;) {
    const info = status.body?.data?.processing_info;
    const state: string | undefined = info?.state;
    if (!info || state === 'succeeded') return mediaId;
    if (state === 'failed') {
      const reason = info.error?.message ?? info.error?.name ?? 'no reason given';
      throw new PublishError('InvalidMedia', `X could not process the video: ${reason}`);
    }
    const waitMs = Math.min(MAX_POLL_WAIT_MS, Math.max(0, Number(info.check_after_secs ?? 1) * 1000));
    if (Date.now() + waitMs > deadline) throw new PublishError('Retryable', `X was still processing the video after ${PROCESSING_LIMIT_MS / 60_000} minutes (state ${state})`);
    ctx.log.debug({ mediaId, state, progress: info.progress_percent }, 'X is processing the video');
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    status = await call(session, 'GET', '/2/media/upload', { query: { command: 'STATUS', media_id: mediaId } });
    if (status.status !== 200) throw failure('media status', status);
  }
}

const postUrl = (username: string, id: string) => `https://x.com/${username}/status/${id}`;

async function searchMarker(session: Session, marker: string): Promise<PostRef | null> {
  const answer = await call(session, 'GET', `/2/users/${session.creds.userId}/tweets`, {
    query: { max_results: '100', exclude: 'replies,retweets', 'tweet.fields': 'created_at' },
  });
  if (answer.status !== 200) throw failure('timeline', answer);
  if (!answer.body?.data && Array.isArray(answer.body?.errors)) throw failure('timeline', { ...answer, status: 404 });
  const posts: { id: string; text: string }[] = Array.isArray(answer.body?.data) ? answer.body.data : [];
  const found = posts.filter((p) => typeof p.text === 'string' && p.text.includes(marker));
  if (found.length > 1) session.ctx.log.warn({ marker, ids: found.map((p) => p.id) }, 'several X posts carry one marker; taking the oldest');
  const oldest = found.at(-1);
  return oldest ? { url: postUrl(session.creds.username, oldest.id), externalId: oldest.id } : null;
}

/** A counter X gave: the number, null when it is there but not a number, undefined (left out) when absent. */
function counter(metrics: Record<string, unknown>, ...names: string[]): number | null | undefined {
  const name = names.find((n) => n in metrics);
  if (name === undefined) return undefined;
  const value = metrics[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

const notFoundTypes = ['resource-not-found', 'resource-unavailable', 'not-authorized-for-resource'];

// ── The driver ───────────────────────────────────────────────────────────────────────────────────

export const xDriver: ApiPlatformDriver<XCredentials> = {
  kind: 'api',
  /**
   * https://docs.x.com/x-api/fundamentals/rate-limits, "Manage posts": POST /2/tweets allows 100 per 15 min per user
   * and 10,000 per 24 h per app; https://docs.x.com/x-api/posts/manage-tweets/integrate adds 300 posts and reposts per
   * 3 h per user (and says 200 per 15 min for POST). ctx.fetch counts every request of this driver against one budget
   * (uploads, polls and reads too), so the per-account budget is 100 requests per hour: never more than 100 posts in
   * 15 minutes nor 300 in 3 hours, whatever the mix (GET /2/users/me, 75 per 15 min, is only called to check a token).
   * The per-app budget is the app's 10,000 per 24 h, counted over every request, so stricter than X's.
   */
  rateLimits: {
    perAccount: { points: 100, durationSeconds: 3600 },
    perApp: { points: 10_000, durationSeconds: 86_400 },
  },

  async acceptCredentials(ctx, body) {
    const { accessToken, refreshToken, expiresAt } = body;
    if (typeof accessToken !== 'string' || accessToken.trim() === '') throw new CredentialsRejected('accessToken', 'accessToken is required: an OAuth 2.0 user access token of our X app');
    if (refreshToken !== undefined && (typeof refreshToken !== 'string' || refreshToken.trim() === '')) throw new CredentialsRejected('refreshToken', 'refreshToken must be a non-empty string when given');
    if (expiresAt !== undefined && (typeof expiresAt !== 'string' || Number.isNaN(Date.parse(expiresAt)))) throw new CredentialsRejected('expiresAt', 'expiresAt must be an ISO date-time such as 2025-01-31T12:00:00Z');
    let creds = { accessToken: accessToken.trim(), refreshToken: refreshToken?.trim(), expiresAt: expiresAt === undefined ? undefined : new Date(expiresAt).toISOString() };
    let me = await whoIs(ctx, creds.accessToken);
    // An access token past its two hours with a refresh token beside it: the refresh token is what counts.
    if (me.answer.status === 401 && creds.refreshToken && ctx.apps.apis.x.client) {
      const { answer, tokens } = await tokenRequest(ctx, { grant_type: 'refresh_token', refresh_token: creds.refreshToken });
      if (!tokens) rejectOrFail('refreshToken', 'token refresh', answer);
      creds = { accessToken: tokens.access_token!, refreshToken: tokens.refresh_token, expiresAt: expiresAtOf(tokens) };
      me = await whoIs(ctx, creds.accessToken);
    }
    if (!me.user) rejectOrFail('accessToken', 'GET /2/users/me', me.answer);
    return { credentials: { ...creds, userId: me.user.id, username: me.user.username }, username: me.user.username };
  },

  async exchangeCode(ctx, exchange: OAuthExchange) {
    if (!ctx.apps.apis.x.client) throw new CredentialsRejected('platform', 'X OAuth is not configured: set X_CLIENT_ID (and X_CLIENT_SECRET for a confidential client)');
    const { answer, tokens } = await tokenRequest(ctx, {
      grant_type: 'authorization_code', code: exchange.code, redirect_uri: exchange.redirectUri, code_verifier: exchange.codeVerifier,
    });
    if (!tokens) rejectOrFail('code', 'code exchange', answer);
    // The service asks for contracts/drivers.ts oauthScopes.x; the admin may still untick some on X's consent page.
    const granted = typeof tokens.scope === 'string' ? tokens.scope.split(' ') : undefined;
    const missing = granted ? ['tweet.write', 'media.write'].filter((s) => !granted.includes(s)) : [];
    if (missing.length > 0) throw new CredentialsRejected('code', `X granted no ${missing.join(' / ')}: authorize again with the scopes ${oauthScopes.x.join(' ')}`);
    if (!tokens.refresh_token) ctx.log.warn('X gave no refresh token (no offline.access): the account will need reconnecting in two hours');
    const me = await whoIs(ctx, tokens.access_token!);
    if (!me.user) rejectOrFail('code', 'GET /2/users/me', me.answer);
    return {
      credentials: { accessToken: tokens.access_token!, refreshToken: tokens.refresh_token, expiresAt: expiresAtOf(tokens), userId: me.user.id, username: me.user.username },
      username: me.user.username,
    };
  },

  /**
   * X's refresh tokens are single use: the answer carries a new pair and the old refresh token is dead, so the caller
   * saves the result before anything uses it (api-context does, under the account's row lock). X answers an unusable
   * refresh token with 400 invalid_request ("Value passed for the token was invalid."), RFC 6749 servers with
   * invalid_grant: both mean reconnect.
   */
  async refresh(ctx, credentials) {
    if (!credentials.refreshToken) throw new PublishError('SessionExpired', `the X token of @${credentials.username} expired and there is no refresh token: reconnect the account`);
    if (!ctx.apps.apis.x.client) throw new PublishError('SessionExpired', 'X_CLIENT_ID is not set, so X tokens cannot be refreshed: configure it and reconnect the account');
    const { answer, tokens } = await tokenRequest(ctx, { grant_type: 'refresh_token', refresh_token: credentials.refreshToken });
    if (tokens) {
      return { ...credentials, accessToken: tokens.access_token!, refreshToken: tokens.refresh_token, expiresAt: expiresAtOf(tokens) };
    }
    const error = answer.body?.error;
    if (answer.status === 400 && (error === 'invalid_grant' || error === 'invalid_request')) {
      throw new PublishError('SessionExpired', `X refused the refresh token of @${credentials.username} (${reasonOf(answer)}): reconnect the account`);
    }
    if (answer.status === 401) {
      // unauthorized_client: our app's client id/secret, not the account, is what X refuses.
      throw new PublishError('RejectedByPlatform', `X refused our OAuth client (${reasonOf(answer)}): check X_CLIENT_ID and X_CLIENT_SECRET`);
    }
    throw failure('token refresh', answer);
  },

  async checkSession(ctx): Promise<SessionState> {
    let session: Session;
    try {
      session = await startSession(ctx);
    } catch (error) {
      if (error instanceof PublishError && error.type === 'SessionExpired') return 'logged_out';
      ctx.log.warn({ err: error }, 'could not refresh the X token to check it');
      return 'unknown';
    }
    let answer: Answer;
    try {
      answer = await call(session, 'GET', '/2/users/me');
    } catch (error) {
      if (error instanceof PublishError && error.type === 'SessionExpired') return 'logged_out';
      ctx.log.warn({ err: error }, 'could not ask X whether the token works');
      return 'unknown';
    }
    if (answer.status === 200 && typeof answer.body?.data?.id === 'string') {
      if (answer.body.data.id !== session.creds.userId) {
        ctx.log.warn({ expected: session.creds.userId, got: answer.body.data.id }, 'the stored X token belongs to another account');
        return 'logged_out';
      }
      return 'logged_in';
    }
    if (answer.status === 401) return 'logged_out';
    ctx.log.warn({ status: answer.status, reason: reasonOf(answer) }, 'X answered the token check with neither yes nor no');
    return 'unknown';
  },

  async publish(ctx, post): Promise<PostRef> {
    const session = await startSession(ctx);
    const linkApart = ctx.account.settings.linkInReply === true && post.trackingUrl !== null && post.caption.includes(post.trackingUrl);
    const text = linkApart ? withoutLink(post.caption, post.trackingUrl!) : post.caption;
    // The reply carries the marker too: X refuses a second post with the same text ("duplicate content"), and every
    // reply of this account would otherwise be the same link.
    const replyText = linkApart ? `${post.trackingUrl}\n${post.marker}` : undefined;

    // Refusals we can tell before spending an upload (nothing is posted: the step stays `prepared`).
    const weight = xWeightedLength(text);
    if (weight > X_MAX_WEIGHTED_LENGTH) throw new PublishError('RejectedByPlatform', `the X text weighs ${weight} characters (URLs 23, emoji and CJK 2); X allows ${X_MAX_WEIGHTED_LENGTH}`);
    const size = (await stat(post.videoPath)).size;
    if (size > MAX_VIDEO_BYTES) throw new PublishError('InvalidMedia', `the video has ${size} bytes; X takes at most 512 MB`);
    const seconds = post.media.durationSeconds;
    if (seconds > 0 && (seconds < MIN_SECONDS || seconds > MAX_SECONDS)) throw new PublishError('InvalidMedia', `the video lasts ${seconds} s; X takes ${MIN_SECONDS} to ${MAX_SECONDS} s`);
    if (post.sensitive) {
      // POST /2/tweets has no per-post sensitive flag (only the account setting marks media as sensitive).
      ctx.log.warn({ publicationId: post.publicationId, account: session.creds.username },
        'X API v2 has no per-post sensitive flag: the account\'s "Mark media you post as having material that may be sensitive" setting (Settings → Privacy and safety → Your posts) must be on');
    }

    await ctx.step('uploading');
    const mediaId = await uploadVideo(session, post);

    await ctx.step('submitting');
    let answer: Answer;
    try {
      answer = await call(session, 'POST', '/2/tweets', { json: { text, media: { media_ids: [mediaId] } } });
    } catch (error) {
      // The refresh after a 401 failed: X refused before creating anything.
      if (error instanceof PublishError && error.type === 'SessionExpired') await ctx.step('prepared');
      // Anything else (timeout, dropped connection) may have posted: the step stays `submitting` for findByMarker.
      throw error;
    }
    const id = answer.body?.data?.id;
    if (answer.status === 201 && typeof id === 'string') {
      const ref = { url: postUrl(session.creds.username, id), externalId: id };
      if (replyText) await replyWithLink(session, id, replyText);
      return ref;
    }
    if (answer.status >= 500) throw failure('POST /2/tweets', answer); // may or may not have posted: stays `submitting`
    if (answer.status === 403 && /duplicate content/i.test(reasonOf(answer))) {
      // The same text is already on the account: an earlier attempt of ours posted it.
      const earlier = await searchMarker(session, post.marker).catch(() => null);
      if (earlier) {
        ctx.log.info({ url: earlier.url }, 'X calls the post a duplicate: it is the post of an earlier attempt');
        if (replyText) await replyWithLink(session, earlier.externalId, replyText);
        return earlier;
      }
    }
    // A definite refusal (4xx, 429): nothing was posted, a retry may post.
    await ctx.step('prepared');
    throw failure('POST /2/tweets', answer);
  },

  async findByMarker(ctx, post) {
    return searchMarker(await startSession(ctx), post.marker);
  },

  async readMetrics(ctx, ref): Promise<MetricsRead> {
    const session = await startSession(ctx);
    const answer = await call(session, 'GET', `/2/tweets/${encodeURIComponent(ref.externalId)}`, { query: { 'tweet.fields': 'public_metrics' } });
    // A deleted post is a 200 with `errors: [{ title: 'Not Found Error', type: …/resource-not-found }]` and no data.
    const errors: any[] = Array.isArray(answer.body?.errors) ? answer.body.errors : [];
    const gone = answer.status === 404 || (answer.status === 200 && !answer.body?.data && errors.some((e) =>
      e?.title === 'Not Found Error' || notFoundTypes.some((t) => String(e?.type ?? '').endsWith(t))));
    if (gone) throw new PublishError('PostUnavailable', `X says post ${ref.externalId} does not exist (${reasonOf(answer)})`);
    if (answer.status !== 200 || !answer.body?.data) throw failure('GET /2/tweets/:id', answer);
    const metrics = answer.body.data.public_metrics;
    if (!metrics || typeof metrics !== 'object') return { views: null, likes: null, comments: null, shares: null };
    const read: MetricsRead = {};
    const views = counter(metrics, 'impression_count');
    const likes = counter(metrics, 'like_count');
    const comments = counter(metrics, 'reply_count');
    // Reposts and quotes are both shares; the data dictionary calls reposts retweet_count (openapi v2.167: repost_count).
    const reposts = counter(metrics, 'retweet_count', 'repost_count');
    const quotes = counter(metrics, 'quote_count');
    if (views !== undefined) read.views = views;
    if (likes !== undefined) read.likes = likes;
    if (comments !== undefined) read.comments = comments;
    if (reposts !== undefined || quotes !== undefined) read.shares = reposts === null || quotes === null ? null : (reposts ?? 0) + (quotes ?? 0);
    return read;
  },
};

/** The tracking link as a reply to the post. The publication already succeeded: a failure here is logged, never thrown. */
async function replyWithLink(session: Session, postId: string, text: string): Promise<void> {
  try {
    const answer = await call(session, 'POST', '/2/tweets', { json: { text, reply: { in_reply_to_tweet_id: postId } } });
    if (answer.status === 201) {
      session.ctx.log.info({ postId, replyId: answer.body?.data?.id }, 'tracking link posted as a reply');
      return;
    }
    session.ctx.log.warn({ postId, status: answer.status, reason: reasonOf(answer) }, 'X refused the reply with the tracking link; the post stands without it');
  } catch (error) {
    session.ctx.log.warn({ postId, err: error }, 'the reply with the tracking link failed; the post stands without it');
  }
}

export { xWeightedLength };
